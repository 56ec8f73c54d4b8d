"""Parse cXML/TwiML documents safely and validate every attribute the simulator reads.

XML goes through defusedxml: DTDs, entity declarations and external references are refused, so
entity expansion ("billion laughs") and external entities never reach the engine.
"""

from __future__ import annotations

import contextvars
import re
import xml.etree.ElementTree as ET
from urllib.parse import urljoin

from attrs import Attribute

from ..dialects import Dialect
from ..errors import DocumentError
from ..model import (
    CONFERENCE_ATTRIBUTES,
    DIAL_ATTRIBUTES,
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
from ..timeparse import excerpt
from . import ivr
from .schema import CALLSID_LIKE, URL

VERBS_FOLLOWED = (
    "Say", "Play", "Pause", "Redirect", "Hangup", "Dial", "Gather", "Record", "Reject"
)  # fmt: skip
# Attributes the platforms (and their SDKs' builders) know that the simulator does not model:
# accepted, with an attribute-ignored warning when the Dial runs (D1).
DIAL_INERT = (
    "answerOnBridge",
    "record",
    "trim",
    "recordingStatusCallback",
    "recordingStatusCallbackMethod",
    "recordingStatusCallbackEvent",
    "recordingConfigurationId",
    "recordingTrack",
    "ringTone",
    "sequential",
    "callReason",
    "referUrl",
    "referMethod",
    "events",
    "passports",
)
CONFERENCE_INERT = ("recordingConfigurationId",)
# SSML inside <Say> counts as its text (D1)
SSML = frozenset(
    {"prosody", "break", "emphasis", "lang", "p", "phoneme", "s", "say-as", "sub", "w"}
)


def _allowed(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise DocumentError(
            f"{name}={excerpt(value)} is not allowed; allowed: {', '.join(allowed)}", where=name
        )
    return value


# The URL of the document being parsed: relative URLs in it resolve against it (rule U1).
BASE: contextvars.ContextVar[str | None] = contextvars.ContextVar("BASE", default=None)


def _url(name: str, value: str, *, empty_ok: bool = False) -> str:
    """An absolute URL, or a relative one resolved against the document's own URL (U1): as
    the platform does, RFC 3986 style. A document with no URL of its own (inline cXML, a REST
    ``Twiml``) has nothing to resolve against."""
    if empty_ok and value == "":
        return value
    if URL.match(value):
        return value
    base = BASE.get()
    if base is not None and value.strip() and not re.match(r"^[a-zA-Z][\w+.-]*:", value):
        return urljoin(base, value.strip())
    if base is None and value.strip() and not re.match(r"^[a-zA-Z][\w+.-]*:", value):
        raise DocumentError(
            f"{name}={excerpt(value)} is a relative URL, and this document has no URL of its own "
            "to resolve it against (inline cXML, a REST Twiml); write an absolute http(s) URL",
            where=name,
        )
    allowed = "an absolute http(s) URL or one relative to the document's own"
    allowed += " or the empty string" if empty_ok else ""
    raise DocumentError(f"{name}={excerpt(value)} is not {allowed}", where=name)


def _dial_timeout(name: str, value: str) -> int:
    if not re.fullmatch(r"\d{1,3}", value) or not 5 <= int(value) <= 600:
        raise DocumentError(
            f"timeout={excerpt(value)} is not allowed; allowed: a whole number of seconds from "
            "5 to 600",
            where=name,
        )
    return int(value) * 1000


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


def _max_participants(name: str, value: str) -> int:
    if not re.fullmatch(r"\d{1,3}", value) or not 1 <= int(value) <= 250:
        raise DocumentError(
            f"maxParticipants={excerpt(value)} is not allowed; allowed: a whole number "
            "from 1 to 250 (the platform rejects others with 16002)",
            where=name,
        )
    return int(value)


def _seconds(name: str, value: str) -> int:
    if not re.fullmatch(r"\d{1,7}", value) or int(value) < 1:
        raise DocumentError(
            f"{name}={excerpt(value)} is not allowed; allowed: a whole number of seconds ≥ 1",
            where=name,
        )
    return int(value) * 1000


def _call(name: str, value: str) -> str:
    if not value.strip():
        raise DocumentError("coach must name a call (scenario name or CallSid)", where=name)
    return value.strip()


def _label(name: str, value: str) -> str:
    if not value or len(value) > 128 or "/" in value or CALLSID_LIKE.match(value):
        raise DocumentError(
            f"participantLabel={excerpt(value)} is not allowed; allowed: 1 to 128 characters, "
            "no '/', not shaped like a CallSid (the platform answers 16023)",
            where=name,
        )
    return value


def attribute_value(spec: Attribute, name: str, value: str, dialect: Dialect) -> object:
    """One cXML attribute's value, validated by the kind its field declares (model.cxml)."""
    kind, allowed = spec.metadata["kind"], spec.metadata["allowed"]
    match kind:
        case "choice":
            return _allowed(name, value, allowed)
        case "bool":
            return _allowed(name, value, ("true", "false")) == "true"
        case "record":
            return _allowed(name, value, allowed) == "record-from-start"
        case "url":
            return _url(name, value)
        case "url-or-empty":
            return _url(name, value, empty_ok=True)
        case "max-participants":
            return _max_participants(name, value)
        case "seconds":
            return _seconds(name, value)
        case "groups":
            return _words(name, value, tuple(dialect.groups), dialect)
        case "recording-events":
            return _words(name, value, dialect.recording_events, dialect)
        case "call":
            return _call(name, value)
        case "label":
            return _label(name, value)
        case "dial-timeout":
            return _dial_timeout(name, value)
        case "text":
            return value
    raise AssertionError(f"no validator for attribute kind {kind!r}")  # pragma: no cover


def _fields(
    raw: dict[str, str], table: dict[str, Attribute], dialect: Dialect, element: str, inert=()
) -> dict[str, object]:
    kw: dict[str, object] = {}
    for name, value in raw.items():
        spec = table.get(name)
        if spec is not None:
            kw[spec.name] = attribute_value(spec, name, value, dialect)
        elif name not in inert:
            known = [*table, *inert] if inert else sorted(table)
            raise DocumentError(
                f"unknown <{element}> attribute {excerpt(name)}; allowed: {', '.join(known)}",
                where=name,
            )
    return kw


def conference_attrs(raw: dict[str, str], dialect: Dialect) -> ConferenceAttrs:
    """Validate ``<Conference>`` attributes (cXML names, string values) into ConferenceAttrs."""
    kw = _fields(raw, CONFERENCE_ATTRIBUTES, dialect, "Conference", CONFERENCE_INERT)
    return ConferenceAttrs(**kw, given=frozenset(raw))  # type: ignore[arg-type]


def dial(room: str, conf: dict[str, str], dial_raw: dict[str, str], dialect: Dialect) -> Dial:
    """Build a Dial from ``<Dial>`` attributes and its one ``<Conference>`` noun."""
    room = room.strip()
    if not room:
        raise DocumentError("the <Conference> noun needs a room name as its text")
    if len(room) > 128:
        raise DocumentError(f"room name is {len(room)} characters long; at most 128 are allowed")
    kw = _fields(dial_raw, DIAL_ATTRIBUTES, dialect, "Dial", DIAL_INERT)
    try:
        attrs = conference_attrs(conf, dialect)
    except DocumentError as err:
        err.element = "Conference"  # type: ignore[attr-defined]
        raise
    ignored = [n for n in dial_raw if n in DIAL_INERT] + [n for n in conf if n in CONFERENCE_INERT]
    return Dial(room=room, attrs=attrs, ignored=tuple(ignored), **kw)  # type: ignore[arg-type]


def _loop(el: ET.Element, verb: str) -> int:
    value = el.get("loop", "1")
    if not re.fullmatch(r"\d{1,4}", value) or int(value) > 1000:
        raise DocumentError(
            f"<{verb} loop={excerpt(value)}> is not allowed; allowed: a whole number 0..1000 "
            "(0 loops forever)"
        )
    return int(value)


def _only(el: ET.Element, allowed: tuple[str, ...]) -> None:
    extra = sorted(set(el.attrib) - set(allowed))
    if extra:
        names = ", ".join(allowed) if allowed else "none"
        raise DocumentError(
            f"<{el.tag}> has unknown attribute {excerpt(extra[0])}; allowed: {names}"
        )


def _verb(el: ET.Element, dialect: Dialect) -> Verb:
    tag = el.tag
    text = (el.text or "").strip()
    if tag in ("Gather", "Reject", "Record") or tag in ivr.UNFOLLOWED:
        return _ivr(el, dialect)
    if tag not in VERBS_FOLLOWED:
        raise DocumentError(
            f"<{tag}> is not a verb the simulator follows; allowed: {', '.join(VERBS_FOLLOWED)}"
        )
    if tag == "Say":  # SSML inside counts as its text
        _only(el, ("loop", "voice", "language"))
        for child in el.iter():
            if child is not el and child.tag not in SSML:
                raise DocumentError(
                    f"<Say> cannot contain <{child.tag}>; allowed inside: SSML "
                    f"({', '.join(sorted(SSML))})"
                )
        spoken = " ".join(" ".join(el.itertext()).split())
        return Say(text=spoken, loop=_loop(el, tag))
    if len(el) and tag != "Dial":
        raise DocumentError(f"<{tag}> cannot contain <{el[0].tag}>")
    if tag == "Play":
        _only(el, ("loop", "digits"))
        if not text:
            raise DocumentError("<Play> needs a media URL as its text")
        resolved = urljoin(BASE.get() or "", text) if BASE.get() and not URL.match(text) else text
        return Play(url=resolved, loop=_loop(el, tag))
    if tag == "Pause":
        _only(el, ("length",))
        length = el.get("length", "1")
        if not re.fullmatch(r"\d{1,5}", length) or int(length) > 86400:
            raise DocumentError(
                f"<Pause length={excerpt(length)}> is not allowed; allowed: a whole number of "
                "seconds up to 86400"
            )
        return Pause(length_ms=int(length) * 1000)
    if tag == "Redirect":
        _only(el, ("method",))
        target = _url("<Redirect> URL", text) if text else None
        return Redirect(
            url=target, method=_allowed("method", el.get("method", "POST"), ("GET", "POST"))
        )
    if tag == "Hangup":
        _only(el, ())
        return Hangup()
    if tag == "Dial":
        nouns = list(el)
        if any(n.tag == "Conference" for n in nouns):
            if text or len(nouns) != 1:
                raise DocumentError(
                    "<Dial> with a <Conference> holds that one noun only; found "
                    + ", ".join(f"<{n.tag}>" for n in nouns)
                )
            noun = nouns[0]
            if len(noun):
                raise DocumentError(f"<Conference> cannot contain <{noun[0].tag}>")
            return dial(noun.text or "", dict(noun.attrib), dict(el.attrib), dialect)
        from .nouns import targets  # <Number>, <Client>, <Sip>, or a bare number

        found = targets(el, dialect, _url)
        kw = _fields(dict(el.attrib), DIAL_ATTRIBUTES, dialect, "Dial", DIAL_INERT)
        ignored = [n for n in el.attrib if n in DIAL_INERT]
        ignored += [f"<{t.kind.capitalize()}>.{n}" for t in found for n in t.ignored]
        return Dial(room=None, attrs=ConferenceAttrs(), targets=found, ignored=tuple(ignored), **kw)  # type: ignore[arg-type]
    raise AssertionError(tag)  # pragma: no cover - every followed verb is handled above


def _ivr(el: ET.Element, dialect: Dialect) -> Verb:
    """``<Gather>``, ``<Reject>``, and the verbs the simulator does not follow (load.ivr)."""
    if el.tag == "Gather":
        return ivr.gather(el, lambda child: _verb(child, dialect), _url)
    if el.tag == "Reject":
        return ivr.reject(el)
    if el.tag == "Record":
        return ivr.record(el, _url)
    return ivr.unfollowed(el, LINE.get())


# The line of the verb being read (for errors and for the verbs not followed).
LINE: contextvars.ContextVar[int | None] = contextvars.ContextVar("LINE", default=None)


def parse_document(text: str, dialect: Dialect, source: str = "<inline>") -> Document:
    """Parse a cXML document (``<Response>…</Response>``) into a Document.

    Raises DocumentError with ``line`` set to the XML line where the parser knows it.
    """
    import defusedxml  # here: a scenario of shorthand calls needs no XML parser at all
    import defusedxml.ElementTree as SafeET

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
    except (LookupError, ValueError) as err:  # e.g. <?xml encoding="nonsense"?>
        raise DocumentError(
            f"the XML declaration cannot be followed ({excerpt(str(err))}); write "
            '<?xml version="1.0" encoding="UTF-8"?> or leave it out'
        ) from None
    if root.tag != "Response":
        raise DocumentError(f"the document's root element must be <Response>; found <{root.tag}>")
    if root.attrib:
        raise DocumentError(f"<Response> takes no attributes; found {sorted(root.attrib)[0]!r}")
    token = BASE.set(source if URL.match(source) else None)  # (relative URLs resolve: U1)
    try:
        return Document(verbs=tuple(_verbs(root, dialect, ivr.verb_lines(text))), source=source)
    finally:
        BASE.reset(token)


def _verbs(root: ET.Element, dialect: Dialect, lines: list[int]) -> list[Verb]:
    verbs = []
    for index, el in enumerate(root):
        line = lines[index] if index < len(lines) else None
        token = LINE.set(line)
        try:
            verbs.append(_verb(el, dialect))
        except DocumentError as err:
            if err.line is None and line is not None and line > 1:
                err.line = line  # (a document on one line says its verb's number only)
            element = getattr(err, "element", None)  # an error in the <Conference> noun
            here = f"verb {index + 1} <{el.tag}>" + (f"<{element}>" if element else "")
            raise err.located(where=here) from None
        finally:
            LINE.reset(token)
    return verbs


__all__ = ["conference_attrs", "dial", "parse_document"]
