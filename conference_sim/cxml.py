"""Parse cXML/TwiML documents safely and validate every attribute the simulator reads.

XML goes through defusedxml: DTDs, entity declarations and external references are refused, so
entity expansion ("billion laughs") and external entities never reach the engine.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import defusedxml
import defusedxml.ElementTree as SafeET

from .dialects import Dialect
from .errors import DocumentError
from .model import (
    ConferenceAttrs,
    Dial,
    Document,
    Hangup,
    Pause,
    Play,
    Redirect,
    Say,
    Verb,
)

BOOL = ("true", "false")
METHODS = ("GET", "POST")
BEEP = ("true", "false", "onEnter", "onExit")
RECORD = ("do-not-record", "record-from-start")
TRIM = ("trim-silence", "do-not-trim")
JITTER = ("off", "small", "medium", "large")
REGIONS = ("us1", "us2", "ie1", "de1", "sg1", "br1", "au1", "jp1")
VERBS_FOLLOWED = ("Say", "Play", "Pause", "Redirect", "Hangup", "Dial")
# <Dial> attributes that exist on the platforms but change nothing for a conference.
DIAL_INERT = (
    "callerId",
    "timeout",
    "record",
    "trim",
    "recordingStatusCallback",
    "recordingStatusCallbackMethod",
    "recordingStatusCallbackEvent",
    "answerOnBridge",
    "ringTone",
    "sequential",
    "callReason",
)
URL = re.compile(r"^https?://[^\s/]+\S*$")
CALLSID_LIKE = re.compile(
    r"^(CA[0-9a-fA-F]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)


def _allowed(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise DocumentError(
            f"{name}={value!r} is not allowed; allowed: {', '.join(allowed)}", where=name
        )
    return value


def _bool(name: str, value: str) -> bool:
    return _allowed(name, value, BOOL) == "true"


def _url(name: str, value: str, *, empty_ok: bool = False) -> str:
    if empty_ok and value == "":
        return value
    if not URL.match(value):
        allowed = "an absolute http(s) URL" + (" or the empty string" if empty_ok else "")
        raise DocumentError(f"{name}={value!r} is not {allowed}", where=name)
    return value


def _words(name: str, value: str, allowed: tuple[str, ...], dialect: Dialect) -> tuple[str, ...]:
    words = tuple(w for w in re.split(r"[\s,]+", value.strip()) if w)
    unknown = [w for w in words if w not in allowed]
    if unknown:
        raise DocumentError(
            f"{name} has {', '.join(repr(w) for w in unknown)}, which the {dialect.name} "
            f"dialect does not know (the platform rejects it with 16002); "
            f"allowed: {' '.join(allowed)}",
            where=name,
        )
    return words


def conference_attrs(raw: dict[str, str], dialect: Dialect) -> ConferenceAttrs:
    """Validate ``<Conference>`` attributes (cXML names, string values) into ConferenceAttrs."""
    kw: dict[str, object] = {}
    for name, value in raw.items():
        if name == "beep":
            kw["beep"] = _allowed(name, value, BEEP)
        elif name == "muted":
            kw["muted"] = _bool(name, value)
        elif name == "startConferenceOnEnter":
            kw["start_conference_on_enter"] = _bool(name, value)
        elif name == "endConferenceOnExit":
            kw["end_conference_on_exit"] = _bool(name, value)
        elif name == "waitUrl":
            kw["wait_url"] = _url(name, value, empty_ok=True)
        elif name == "waitMethod":
            kw["wait_method"] = _allowed(name, value, METHODS)
        elif name == "maxParticipants":
            if not re.fullmatch(r"\d+", value) or not 1 <= int(value) <= 250:
                raise DocumentError(
                    f"maxParticipants={value!r} is not allowed; allowed: a whole number "
                    "from 1 to 250 (the platform rejects others with 16002)",
                    where=name,
                )
            kw["max_participants"] = int(value)
        elif name == "record":
            kw["record"] = _allowed(name, value, RECORD) == "record-from-start"
        elif name == "recordingStatusCallback":
            kw["recording_status_callback"] = _url(name, value)
        elif name == "recordingStatusCallbackEvent":
            kw["recording_status_callback_event"] = _words(
                name, value, dialect.recording_events, dialect
            )
        elif name == "recordingStatusCallbackMethod":
            kw["recording_status_callback_method"] = _allowed(name, value, METHODS)
        elif name == "trim":
            kw["trim"] = _allowed(name, value, TRIM)
        elif name == "statusCallback":
            kw["status_callback"] = _url(name, value)
        elif name == "statusCallbackEvent":
            kw["status_callback_event"] = _words(name, value, tuple(dialect.groups), dialect)
        elif name == "statusCallbackMethod":
            kw["status_callback_method"] = _allowed(name, value, METHODS)
        elif name == "eventCallbackUrl":
            kw["event_callback_url"] = _url(name, value)
        elif name == "coach":
            if not value.strip():
                raise DocumentError("coach must name a call (scenario name or CallSid)", where=name)
            kw["coach"] = value.strip()
        elif name == "participantLabel":
            if not value or len(value) > 128 or "/" in value or CALLSID_LIKE.match(value):
                raise DocumentError(
                    f"participantLabel={value!r} is not allowed; allowed: 1 to 128 characters, "
                    "no '/', not shaped like a CallSid (the platform answers 16023)",
                    where=name,
                )
            kw["participant_label"] = value
        elif name == "jitterBufferSize":
            kw["jitter_buffer_size"] = _allowed(name, value, JITTER)
        elif name == "region":
            kw["region"] = _allowed(name, value, REGIONS)
        else:
            raise DocumentError(
                f"unknown <Conference> attribute {name!r}; allowed: "
                + ", ".join(sorted(KNOWN_CONFERENCE_ATTRIBUTES)),
                where=name,
            )
    return ConferenceAttrs(**kw, given=frozenset(raw))  # type: ignore[arg-type]


KNOWN_CONFERENCE_ATTRIBUTES = frozenset(
    {
        "beep",
        "muted",
        "startConferenceOnEnter",
        "endConferenceOnExit",
        "waitUrl",
        "waitMethod",
        "maxParticipants",
        "record",
        "recordingStatusCallback",
        "recordingStatusCallbackEvent",
        "recordingStatusCallbackMethod",
        "trim",
        "statusCallback",
        "statusCallbackEvent",
        "statusCallbackMethod",
        "eventCallbackUrl",
        "coach",
        "participantLabel",
        "jitterBufferSize",
        "region",
    }
)
KNOWN_DIAL_ATTRIBUTES = ("action", "method", "timeLimit", "hangupOnStar", *DIAL_INERT)


def dial(room: str, conf: dict[str, str], dial_raw: dict[str, str], dialect: Dialect) -> Dial:
    """Build a Dial from ``<Dial>`` attributes and its one ``<Conference>`` noun."""
    room = room.strip()
    if not room:
        raise DocumentError("the <Conference> noun needs a room name as its text")
    if len(room) > 128:
        raise DocumentError(f"room name is {len(room)} characters long; at most 128 are allowed")
    kw: dict[str, object] = {}
    for name, value in dial_raw.items():
        if name == "action":
            kw["action"] = _url(name, value)
        elif name == "method":
            kw["method"] = _allowed(name, value, METHODS)
        elif name == "timeLimit":
            if not re.fullmatch(r"\d+", value) or int(value) < 1:
                raise DocumentError(
                    f"timeLimit={value!r} is not allowed; allowed: a whole number of seconds ≥ 1",
                    where=name,
                )
            kw["time_limit_ms"] = int(value) * 1000
        elif name == "hangupOnStar":
            kw["hangup_on_star"] = _bool(name, value)
        elif name not in DIAL_INERT:
            raise DocumentError(
                f"unknown <Dial> attribute {name!r}; allowed: {', '.join(KNOWN_DIAL_ATTRIBUTES)}",
                where=name,
            )
    return Dial(room=room, attrs=conference_attrs(conf, dialect), **kw)  # type: ignore[arg-type]


def _loop(el: ET.Element, verb: str) -> int:
    value = el.get("loop", "1")
    if not re.fullmatch(r"\d+", value) or int(value) > 1000:
        raise DocumentError(
            f"<{verb} loop={value!r}> is not allowed; allowed: a whole number 0..1000 "
            "(0 loops forever)"
        )
    return int(value)


def _only(el: ET.Element, allowed: tuple[str, ...]) -> None:
    extra = sorted(set(el.attrib) - set(allowed))
    if extra:
        names = ", ".join(allowed) if allowed else "none"
        raise DocumentError(f"<{el.tag}> has unknown attribute {extra[0]!r}; allowed: {names}")


def _verb(el: ET.Element, dialect: Dialect) -> Verb:
    tag = el.tag
    text = (el.text or "").strip()
    if len(el) and tag != "Dial":
        raise DocumentError(f"<{tag}> cannot contain <{el[0].tag}>")
    if tag == "Say":
        _only(el, ("loop", "voice", "language"))
        return Say(text=text, loop=_loop(el, tag))
    if tag == "Play":
        _only(el, ("loop", "digits"))
        if not text:
            raise DocumentError("<Play> needs a media URL as its text")
        return Play(url=text, loop=_loop(el, tag))
    if tag == "Pause":
        _only(el, ("length",))
        length = el.get("length", "1")
        if not re.fullmatch(r"\d+", length):
            raise DocumentError(
                f"<Pause length={length!r}> is not allowed; allowed: a whole number of seconds"
            )
        return Pause(length_ms=int(length) * 1000)
    if tag == "Redirect":
        _only(el, ("method",))
        if text:
            _url("<Redirect> URL", text)
        return Redirect(
            url=text or None, method=_allowed("method", el.get("method", "POST"), METHODS)
        )
    if tag == "Hangup":
        _only(el, ())
        return Hangup()
    if tag == "Dial":
        nouns = list(el)
        if text or len(nouns) != 1 or nouns[0].tag != "Conference":
            found = ", ".join(f"<{n.tag}>" for n in nouns) or (
                f"the text {text!r}" if text else "nothing"
            )
            raise DocumentError(
                "<Dial> must hold exactly one <Conference> noun (the simulator follows conference "
                f"dials only); found {found}"
            )
        noun = nouns[0]
        if len(noun):
            raise DocumentError(f"<Conference> cannot contain <{noun[0].tag}>")
        return dial(noun.text or "", dict(noun.attrib), dict(el.attrib), dialect)
    raise DocumentError(
        f"<{tag}> is not a verb the simulator follows; allowed: {', '.join(VERBS_FOLLOWED)}"
    )


def parse_document(text: str, dialect: Dialect, source: str = "<inline>") -> Document:
    """Parse a cXML document (``<Response>…</Response>``) into a Document.

    Raises DocumentError with ``line`` set to the XML line where the parser knows it.
    """
    try:
        root = SafeET.fromstring(text.strip().encode("utf-8"), forbid_dtd=True)
    except defusedxml.DTDForbidden:
        raise DocumentError(
            "XML with a DOCTYPE/DTD is refused (entity expansion and external entities are "
            "not allowed); send a plain <Response> document"
        ) from None
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise DocumentError(
            "XML entity declarations and external references are refused (entity expansion "
            "attacks); send a plain <Response> document"
        ) from None
    except ET.ParseError as err:
        line = err.position[0] if getattr(err, "position", None) else None
        msg = str(err).split(":")[0]
        raise DocumentError(f"malformed XML: {msg}", line=line) from None
    if root.tag != "Response":
        raise DocumentError(f"the document's root element must be <Response>; found <{root.tag}>")
    if root.attrib:
        raise DocumentError(f"<Response> takes no attributes; found {sorted(root.attrib)[0]!r}")
    verbs = []
    for index, el in enumerate(root):
        try:
            verbs.append(_verb(el, dialect))
        except DocumentError as err:
            raise err.located(where=f"verb {index + 1} <{el.tag}>") from None
    return Document(verbs=tuple(verbs), source=source)


def media_ms(url: str, media: dict[str, int]) -> int:
    """How long a media file plays: from the scenario's ``media`` map, else 10 s."""
    return media.get(url, 10_000)


def say_ms(text: str) -> int:
    """Say lasts 0.1 s per character, at least 1 s (a documented modelling choice)."""
    return max(1000, 100 * len(text))


def playing(verb: Say | Play, media: dict[str, int]) -> tuple[str, int | None]:
    """What a Say/Play verb sounds like and how long it lasts (None: loops forever)."""
    if isinstance(verb, Say):
        label, one = f"say: {verb.text}", say_ms(verb.text)
    else:
        label, one = verb.url, media_ms(verb.url, media)
    return label, None if verb.loop == 0 else one * verb.loop


MAX_INSTANT_REDIRECTS = 50  # more Redirects than this with no time passing is a loop


__all__ = ["conference_attrs", "dial", "media_ms", "parse_document", "playing", "say_ms"]
