"""The IVR verbs a call's story runs (SPEC 11): ``<Gather>``, ``<Reject>``, and the verbs the
simulator does not follow.

``<Gather>`` plays its prompts; a key press stops them (barge-in) and starts the input. Each
key restarts the ``timeout``; ``finishOnKey`` ends the input (the key is not in ``Digits``),
and so does reaching ``numDigits``; silence for ``timeout`` ends it too. With input (or with
``actionOnEmptyResult``) the action is requested with ``Digits`` and ``FinishedOnKey`` and its
answer runs next; with none the call goes on with the next verb (rules IV1-IV3). Keys pressed
when no ``<Gather>`` listens are lost.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from ..events import Request
from ..model import Document, Gather, Pause, Record, Reject, Unfollowed
from .causes import FAILED
from .fetching import runnable
from .media import playing
from .params import rfc2822, voice_params
from .recordings import Kept, completed, keep
from .requests import HttpRequest

if TYPE_CHECKING:
    from .call import Call


class Gathering:
    """The input of one ``<Gather>`` as it comes: the digits, and why it ended."""

    def __init__(self, call: Call, verb: Gather) -> None:
        self.verb = verb
        self.clock = call.clock
        self.digits = ""
        self.finished_on = ""
        self.reason: str | None = None
        self.changed: simpy.Event = self.clock.event()
        self.speech: tuple[str, float] | None = None

    def utter(self, text: str, confidence: float) -> None:
        """The caller said something (``speak:``): heard when the input takes speech."""
        if self.reason is None and "speech" in self.verb.input and self.speech is None:
            self.speech = (text, confidence)
            if not self.changed.triggered:
                self.changed.succeed()

    def key(self, key: str) -> None:
        if self.reason is not None or "dtmf" not in self.verb.input or key in "wW":
            return
        if self.speech is not None:  # IV1: the first input detected wins
            return
        if self.verb.finish_on_key and key == self.verb.finish_on_key:
            self.finished_on, self.reason = key, "finishOnKey"
        else:
            self.digits += key
            if self.verb.num_digits is not None and len(self.digits) >= self.verb.num_digits:
                self.reason = "numDigits"
        if not self.changed.triggered:
            self.changed.succeed()

    def wait(self, ms: int) -> simpy.Event:
        """Until ``ms`` pass or a key comes, whichever is first."""
        if self.changed.triggered:
            self.changed = self.clock.event()
        return self.clock.any_of([self.clock.media_wait(ms), self.changed])


def gather(
    call: Call, verb: Gather, doc: Document, url: str | None
) -> Generator[simpy.Event, Any, Document | None]:
    """Run one ``<Gather>``; the document to run next (None: the next verb)."""
    call.sim.ignored(call.log, verb.ignored)
    g = call.gathering = Gathering(call, verb)
    call.log.info("gather-start", kind="call", params={"CallSid": call.sid})
    try:
        for prompt in verb.prompts:  # a key stops the prompt and starts the input (barge-in)
            if g.digits or g.reason:
                break
            if isinstance(prompt, Pause):
                ms: int | None = prompt.length_ms
            else:
                call.now_playing, ms = playing(prompt, call.sim.scenario.media)
            yield g.wait(ms if ms is not None else 3_600_000)
            call.now_playing = None
        while g.reason is None:  # each key restarts the timeout
            if g.speech is not None:  # speech ends after speechTimeout (auto: 1 s) of silence
                yield call.clock.media_wait(verb.speech_timeout_ms or 1000)
                g.reason = "speech"
                break
            before = len(g.digits)
            yield g.wait(verb.timeout_ms)
            if g.reason is None and len(g.digits) == before and not g.changed.triggered:
                g.reason = "timeout"
    finally:
        call.gathering = None
        call.now_playing = None
    params = {**voice_params(call), "Digits": g.digits, "FinishedOnKey": g.finished_on}
    if g.speech is not None:
        params["SpeechResult"], params["Confidence"] = g.speech[0], f"{g.speech[1]:.2f}"
    if not g.digits and g.speech is None and not verb.action_on_empty_result:
        call.log.info("gather-end", kind="call", params={**params, "reason": g.reason})
        return None  # no input: the next verb
    target = verb.action or url
    if target is None:  # an inline document has no URL: it runs again, as a Redirect would
        call.log.info("gather-end", kind="call", params={**params, "reason": g.reason})
        return doc
    request = HttpRequest("action", target, verb.method, params)
    answer = call.sim.send(request)
    call.log.info(
        "gather-end",
        kind="call",
        params={**params, "reason": g.reason},
        requests=[Request("action", target, verb.method, answer.status)],
    )
    document = runnable(request, call.sim.documents.report(request, answer, call.log))
    return FAILED if document is None else document


def reject(call: Call, verb: Reject, first: bool) -> str:
    """``<Reject>``: as the first verb the call is never answered and ends ``busy`` or
    ``no-answer``; later, it hangs up an answered call (rule IV5)."""
    if first:
        call.final_status = "busy" if verb.reason == "busy" else "no-answer"
    return "rejected"


def unfollowed(call: Call, verb: Unfollowed) -> bool:
    """A verb the simulator does not follow: one warning saying so; True when the call goes on
    with the next verb, False when it hangs up there (rule IV4)."""
    what = "goes on with the next verb" if verb.goes_on else "hangs up here (reason not-simulated)"
    where = f" (line {verb.line})" if verb.line else ""
    call.sim.warn(
        call.log,
        "verb-not-simulated",
        verb=f"<{verb.tag}>",
        reason=f"the simulator does not follow <{verb.tag}>{where}; the call {what}",
    )
    return verb.goes_on


class Recorder:
    """One ``<Record>`` as it goes: the caller's speech heard, and why it ended."""

    def __init__(self, call: Call, verb: Record) -> None:
        self.verb = verb
        self.clock = call.clock
        self.started_ms = call.clock.now_ms
        self.speech: list[list[int]] = []  # [start, end] while recording
        if call.talking:
            self.speech.append([self.started_ms, -1])
        self.digits = ""
        self.reason: str | None = None
        self.changed: simpy.Event = self.clock.event()
        self.on_hangup: Any = None  # finishes the recording at once when the caller hangs up

    def hang_up(self) -> None:
        if self.reason is None:
            self.reason = "hangup"
            if self.on_hangup is not None:
                self.on_hangup()

    def poke(self) -> None:
        if not self.changed.triggered:
            self.changed.succeed()

    def key(self, key: str) -> None:
        if self.reason is None and key in self.verb.finish_on_key:
            self.digits, self.reason = key, "finishOnKey"
            self.poke()

    def talk(self, on: bool) -> None:
        now = self.clock.now_ms
        if on:
            self.speech.append([now, -1])
        elif self.speech and self.speech[-1][1] < 0:
            self.speech[-1][1] = now
        self.poke()

    def heard_ms(self, end_ms: int) -> tuple[int, int]:
        """(first speech start, last speech end) within the recording, or (0, 0)."""
        spans = [(s, e if e >= 0 else end_ms) for s, e in self.speech]
        spans = [(s, e) for s, e in spans if e > s]
        return (spans[0][0], spans[-1][1]) if spans else (0, 0)


def record(
    call: Call, verb: Record, doc: Document, url: str | None
) -> Generator[simpy.Event, Any, Document | None]:
    """Run one ``<Record>``; the document to run next (IV6-IV8)."""
    sim = call.sim
    sim.ignored(call.log, verb.ignored)
    if verb.play_beep:
        call.log.info("beep", kind="audio", params={"reason": "record", "heard_by": [call.name]})
    r = call.recorder = Recorder(call, verb)
    r.on_hangup = lambda: finish_recording(call, verb, r, doc, url)  # (IV8: before call-end)
    try:
        deadline = r.started_ms + verb.max_length_ms
        while r.reason is None:
            now = call.clock.now_ms
            if now >= deadline:
                r.reason = "maxLength"
                break
            wait = deadline - now
            if verb.timeout_ms and not call.talking:  # silence ends it after `timeout`
                last = r.speech[-1][1] if r.speech else r.started_ms
                wait = min(wait, max(last + verb.timeout_ms - now, 0))
            if wait == 0:
                r.reason = "timeout"
                break
            if r.changed.triggered:
                r.changed = call.clock.event()
            yield call.clock.any_of([call.clock.media_wait(wait), r.changed])
    finally:
        call.recorder = None
    if r.reason == "hangup":
        return None  # (finished when the caller hung up)
    return finish_recording(call, verb, r, doc, url)


def finish_recording(
    call: Call, verb: Record, r: Recorder, doc: Document, url: str | None
) -> Document | None:
    sim, now = call.sim, call.clock.now_ms
    first, last = r.heard_ms(now)
    whole = now - r.started_ms
    silent = first == last
    duration = (last - first if verb.trim == "trim-silence" else whole) // 1000
    count = sum(1 for e in sim.directory.calls.values() if e is call)  # (a stable index)
    sid = sim.directory.sid("RE", call.name, str(r.started_ms), str(count))
    rec_url = sim.dialect.recording_url(call.account_sid, sid)
    saved = not silent or sim.dialect.keeps_silent_recordings  # IV7
    status = "completed" if saved else "absent"
    params = {"AccountSid": call.account_sid, "CallSid": call.sid, "RecordingSid": sid,
              "RecordingUrl": rec_url, "RecordingStatus": status,
              "RecordingDuration": str(duration if saved else 0), "RecordingChannels": "1",
              "RecordingSource": "RecordVerb",
              "RecordingStartTime": rfc2822(sim.scenario.start, r.started_ms)}  # fmt: skip
    requests = []
    if verb.recording_status_callback and status in verb.recording_status_callback_event:
        requests.append(Request("recordingStatusCallback", verb.recording_status_callback,
                                verb.recording_status_callback_method))  # fmt: skip
    call.log.info(f"recording-{status}", kind="recording", params=params, requests=requests)
    if saved:  # the recording resource (Recordings)
        kept = Kept(
            sid=sid,
            account=call.account,
            account_sid=call.account_sid,
            source="RecordVerb",
            start_ms=r.started_ms,
            url=rec_url,
            call_sid=call.sid,
        )
        completed(sim, keep(sim, kept), duration * 1000)  # fmt: skip
    action = {**voice_params(call, "completed" if call.hung_up else "in-progress"),
              "RecordingUrl": rec_url if saved else "", "RecordingDuration": str(duration),
              "RecordingSid": sid if saved else "",
              "Digits": "hangup" if call.hung_up else r.digits}  # fmt: skip
    target = verb.action or url
    if target is None:  # inline and no action: the same document again
        return doc
    request = HttpRequest("action", target, verb.method, action)
    answer = sim.send(request)
    call.log.info("record-end", kind="call", params={**action, "reason": r.reason or "hangup"},
                  requests=[Request("action", target, verb.method, answer.status)])  # fmt: skip
    if call.hung_up:
        return None
    document = runnable(request, sim.documents.report(request, answer, call.log))
    return FAILED if document is None else document
