"""The IVR verbs in front of the room (SPEC 11): ``<Gather>``, ``<Reject>``, and the verbs the
platform knows that the simulator does not follow.

``<Gather>`` models ``input``, ``numDigits``, ``finishOnKey`` (default ``#``), ``timeout``
(default 5 s), ``speechTimeout`` (default the ``timeout``, or ``auto``), ``action``/``method``
(default: the current document's URL, POST) and ``actionOnEmptyResult``, with nested ``<Say>``,
``<Play>`` and ``<Pause>`` prompts; ``partialResultCallback``, ``hints``, ``language``,
``speechModel``, ``profanityFilter``, ``enhanced`` … load and are named in one
``attribute-ignored`` warning when it runs.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from ..errors import DocumentError
from ..model import Gather, Record, Reject, Unfollowed
from ..timeparse import excerpt

GATHER_ATTRIBUTES = ("input", "numDigits", "finishOnKey", "timeout", "speechTimeout", "action",
                     "method", "actionOnEmptyResult")  # fmt: skip
GATHER_INERT = ("partialResultCallback", "partialResultCallbackMethod", "hints", "language",
                "speechModel", "profanityFilter", "enhanced", "bargeIn", "debug",
                "maxSpeechTime", "actionOnEmptyResult2")  # fmt: skip
# Verbs the platforms know and the simulator does not follow: True when the call goes on with
# the next verb (an asynchronous side-thing), False when it hangs up there (rule IV4).
UNFOLLOWED = {
    "Enqueue": False, "Leave": True, "Connect": False, "Pay": False, "Prompt": False,
    "Refer": False, "Siprec": True, "Start": True, "Stop": True, "Stream": True, "Echo": False,
    "Sms": True, "Message": True, "Queue": False,
}  # fmt: skip


def _fail(name: str, value: str, allowed: str) -> DocumentError:
    return DocumentError(f"{name}={excerpt(value)} is not allowed; allowed: {allowed}", where=name)


def gather(
    el: ET.Element, prompt: Callable[[ET.Element], Any], url_of: Callable[..., str]
) -> Gather:
    """``<Gather>`` and its nested prompts (``prompt`` parses one Say, Play or Pause)."""
    unknown = sorted(set(el.attrib) - set(GATHER_ATTRIBUTES) - set(GATHER_INERT))
    if unknown:
        raise DocumentError(f"<Gather> has unknown attribute {excerpt(unknown[0])}; allowed: "
                            f"{', '.join((*GATHER_ATTRIBUTES, *GATHER_INERT))}")  # fmt: skip
    words = tuple(w for w in re.split(r"[\s,]+", el.get("input", "dtmf")) if w)
    if not words or any(w not in ("dtmf", "speech") for w in words):
        raise _fail("input", el.get("input", ""), "dtmf, speech, or dtmf speech")
    num = el.get("numDigits")
    if num is not None and (not re.fullmatch(r"\d{1,3}", num) or int(num) < 1):
        raise _fail("numDigits", num, "a whole number of 1 or more")
    finish = el.get("finishOnKey", "#")
    if not re.fullmatch(r"[0-9#*]?", finish):
        raise _fail("finishOnKey", finish, "one of 0-9, #, *, or the empty string")
    timeout = el.get("timeout", "5")
    if not re.fullmatch(r"\d{1,3}", timeout) or not 1 <= int(timeout) <= 600:
        raise _fail("timeout", timeout, "a whole number of seconds from 1 to 600")
    speech = el.get("speechTimeout", timeout)
    if speech != "auto" and (not re.fullmatch(r"\d{1,3}", speech) or not 1 <= int(speech) <= 60):
        raise _fail("speechTimeout", speech, "auto, or a whole number of seconds from 1 to 60")
    method = el.get("method", "POST")
    if method not in ("GET", "POST"):
        raise _fail("method", method, "GET, POST")
    empty = el.get("actionOnEmptyResult", "false")
    if empty not in ("true", "false"):
        raise _fail("actionOnEmptyResult", empty, "true, false")
    prompts = []
    for child in el:
        if child.tag in ("Gather", "Record"):
            raise DocumentError(f"<Gather> cannot contain <{child.tag}>; allowed: Say, Play, Pause")
        if child.tag not in ("Say", "Play", "Pause"):
            raise DocumentError(f"<Gather> cannot contain <{child.tag}>; allowed: Say, Play, Pause")
        if child.tag == "Play" and child.get("digits"):
            raise DocumentError("<Play digits> cannot be nested in <Gather>")
        prompts.append(prompt(child))
    return Gather(
        input=words,
        num_digits=int(num) if num is not None else None,
        finish_on_key=finish,
        timeout_ms=int(timeout) * 1000,
        speech_timeout_ms=None if speech == "auto" else int(speech) * 1000,
        action=url_of("action", el.get("action")) if el.get("action") else None,
        method=method,
        action_on_empty_result=empty == "true",
        prompts=tuple(prompts),
        ignored=tuple(n for n in el.attrib if n in GATHER_INERT),
    )


RECORD_ATTRIBUTES = ("maxLength", "timeout", "finishOnKey", "playBeep", "trim", "action",
                     "method", "recordingStatusCallback", "recordingStatusCallbackEvent",
                     "recordingStatusCallbackMethod")  # fmt: skip
RECORD_INERT = ("transcribe", "transcribeCallback", "storageUrl", "storageUrlMethod",
                "recordingConfigurationId",
                "recordingChannels", "recordingTrack")  # fmt: skip
RECORD_EVENTS = ("in-progress", "completed", "absent", "failed")


def record(el: ET.Element, url_of: Callable[..., str]) -> Record:
    """``<Record>``: nothing nests in it (and it nests in nothing)."""
    if len(el):
        raise DocumentError(f"<Record> cannot contain <{el[0].tag}>")
    unknown = sorted(set(el.attrib) - set(RECORD_ATTRIBUTES) - set(RECORD_INERT))
    if unknown:
        raise DocumentError(f"<Record> has unknown attribute {excerpt(unknown[0])}; allowed: "
                            f"{', '.join((*RECORD_ATTRIBUTES, *RECORD_INERT))}")  # fmt: skip
    length = el.get("maxLength", "3600")
    if not re.fullmatch(r"\d{1,5}", length) or int(length) > 86400:
        raise _fail("maxLength", length, "a whole number of seconds up to 86400 (0: 3600)")
    timeout = el.get("timeout", "5")
    if not re.fullmatch(r"\d{1,4}", timeout):
        raise _fail("timeout", timeout, "a whole number of seconds (0: no silence timeout)")
    keys = el.get("finishOnKey", "1234567890*#")
    if not re.fullmatch(r"[0-9#*]*", keys):
        raise _fail("finishOnKey", keys, "keys of 0-9, #, * (or the empty string: none)")
    beep = el.get("playBeep", "true")
    trim = el.get("trim", "trim-silence")
    method = el.get("method", "POST")
    for name, value, allowed in (("playBeep", beep, ("true", "false")),
                                 ("trim", trim, ("trim-silence", "do-not-trim")),
                                 ("method", method, ("GET", "POST"))):  # fmt: skip
        if value not in allowed:
            raise _fail(name, value, ", ".join(allowed))
    events = tuple(w for w in re.split(r"[\s,]+", el.get("recordingStatusCallbackEvent",
                                                         "completed")) if w)  # fmt: skip
    if any(w not in RECORD_EVENTS for w in events):
        raise _fail("recordingStatusCallbackEvent", " ".join(events), " ".join(RECORD_EVENTS))
    callback = el.get("recordingStatusCallback")
    return Record(
        max_length_ms=(int(length) or 3600) * 1000,
        timeout_ms=int(timeout) * 1000,
        finish_on_key=keys,
        play_beep=beep == "true",
        trim=trim,
        action=url_of("action", el.get("action")) if el.get("action") else None,
        method=method,
        recording_status_callback=url_of("recordingStatusCallback", callback) if callback else None,
        recording_status_callback_event=events,
        recording_status_callback_method=el.get("recordingStatusCallbackMethod", "POST"),
        ignored=tuple(n for n in el.attrib if n in RECORD_INERT),
    )


def reject(el: ET.Element) -> Reject:
    if len(el) or set(el.attrib) - {"reason"}:
        raise DocumentError("<Reject> takes only a reason attribute and holds nothing")
    reason = el.get("reason", "rejected")
    if reason not in ("rejected", "busy"):
        raise _fail("reason", reason, "rejected, busy")
    return Reject(reason=reason)


def unfollowed(el: ET.Element, line: int | None) -> Unfollowed:
    """A verb the simulator does not follow, with the line it stands on."""
    return Unfollowed(tag=el.tag, goes_on=UNFOLLOWED[el.tag], line=line)


TAG = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<(/?)([A-Za-z_][\w.:-]*)"
                 r"(?:\s[^>]*?)?(/?)>", re.S)  # fmt: skip


def verb_lines(text: str) -> list[int]:
    """The line of each verb (each child of ``<Response>``) in a document that parsed."""
    lines, depth = [], 0
    for match in TAG.finditer(text):
        closing, name, empty = match.group(1), match.group(2), match.group(3)
        if name is None:
            continue  # a comment, CDATA or a processing instruction
        if closing:
            depth -= 1
            continue
        if depth == 1:
            lines.append(text[: match.start()].count("\n") + 1)
        if not empty:
            depth += 1
    return lines
