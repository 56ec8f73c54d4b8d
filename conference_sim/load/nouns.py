"""The ``<Dial>`` nouns that ring a party: ``<Number>``, ``<Client>``, ``<Sip>``, or a bare
number as the ``<Dial>``'s text (SPEC 11).

Each becomes a :class:`~conference_sim.model.Target` whose ``address`` is what its call's ``To``
says, and what the scenario's ``callees:`` is keyed by: the E.164 number (unformatted US forms
such as ``(415) 555-1212`` are accepted, as the platforms accept them), ``client:NAME``, or the
``sip:`` URI. Attributes the SDK builders write that the simulator does not model load, and
the Dial warns ``attribute-ignored`` naming them when it runs (D1).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..dialects import Dialect
from ..errors import DocumentError
from ..model import Target
from ..timeparse import excerpt

MAX_TARGETS = 10  # the platforms ring at most 10 nouns of one <Dial> at once
EVENTS = ("initiated", "ringing", "answered", "completed")
NOUN_ATTRIBUTES = ("url", "method", "statusCallback", "statusCallbackEvent",
                   "statusCallbackMethod", "sendDigits")  # fmt: skip
NOUN_INERT = {
    "Number": ("byoc", "machineDetection", "machineDetectionTimeout",
               "machineDetectionSpeechThreshold", "machineDetectionSpeechEndThreshold",
               "machineDetectionSilenceTimeout", "amdStatusCallback", "amdStatusCallbackMethod",
               "callReason", "events"),
    "Client": ("clientNotificationUrl", "callReason", "events"),
    "Sip": ("username", "password", "machineDetection", "machineDetectionTimeout",
            "machineDetectionSpeechThreshold", "machineDetectionSpeechEndThreshold",
            "machineDetectionSilenceTimeout", "amdStatusCallback", "amdStatusCallbackMethod",
            "codecs", "sessionTimeout", "customHeaders", "callReason", "events"),
}  # fmt: skip
E164 = re.compile(r"^\+[1-9]\d{1,14}$")


def number(text: str) -> str:
    """An E.164 number, from the forms the platforms accept (``415-123-4567``: +1 assumed)."""
    raw = text.strip()
    digits = re.sub(r"[\s().-]", "", raw)
    if E164.match(digits):
        return digits
    if re.fullmatch(r"1?\d{10}", digits):
        return "+1" + digits[-10:]
    raise DocumentError(
        f"{excerpt(raw)} is not a phone number; allowed: E.164 (+15551234567) or a US number "
        "such as (415) 555-1212"
    )


def target(el: ET.Element, dialect: Dialect, url_of: object) -> Target:
    """One noun; ``url_of(name, value)`` validates (and resolves) its URL attributes."""
    tag = el.tag
    inert = NOUN_INERT.get(tag)
    if inert is None:
        raise DocumentError(f"<{tag}> is not a noun of <Dial> the simulator follows")
    unknown = sorted(set(el.attrib) - set(NOUN_ATTRIBUTES) - set(inert))
    if unknown:
        allowed = ", ".join((*NOUN_ATTRIBUTES, *inert))
        raise DocumentError(
            f"<{tag}> has unknown attribute {excerpt(unknown[0])}; allowed: {allowed}"
        )
    text = (el.text or "").strip()
    if tag == "Number":
        if len(el):
            raise DocumentError(f"<Number> cannot contain <{el[0].tag}>")
        address = number(text)
    elif tag == "Client":
        identity = el.find("Identity")
        for child in el:
            if child.tag not in ("Identity", "Parameter"):
                raise DocumentError(
                    f"<Client> cannot contain <{child.tag}>; allowed: Identity, Parameter"
                )
        name = (identity.text or "").strip() if identity is not None else text
        if not name or len(name) > 256:
            raise DocumentError("<Client> needs a client identity (1 to 256 characters)")
        address = f"client:{name}"
    else:
        if len(el):
            raise DocumentError(f"<Sip> cannot contain <{el[0].tag}>")
        if not re.match(r"^sips?:\S+@?\S*$", text) or len(text) > 255:
            raise DocumentError(
                f"<Sip> needs a SIP URI (sip:name@host) as its text; got {excerpt(text)}"
            )
        address = text
    events = tuple(w for w in re.split(r"[\s,]+", el.get("statusCallbackEvent", "")) if w)
    bad = [w for w in events if w not in EVENTS]
    if bad:
        raise DocumentError(
            f"statusCallbackEvent has {excerpt(bad[0])}; allowed: {' '.join(EVENTS)}",
            where="statusCallbackEvent",
        )
    method = el.get("method", "POST")
    callback_method = el.get("statusCallbackMethod", "POST")
    for name, value in (("method", method), ("statusCallbackMethod", callback_method)):
        if value not in ("GET", "POST"):
            raise DocumentError(
                f"{name}={excerpt(value)} is not allowed; allowed: GET, POST", where=name
            )
    digits = el.get("sendDigits")
    if digits is not None and not re.fullmatch(r"[0-9A-D#*wW]{1,32}", digits):
        raise DocumentError(
            f"sendDigits={excerpt(digits)} is not allowed; allowed: up to 32 of 0-9 A-D # * w W",
            where="sendDigits",
        )
    resolve = url_of  # (load.cxml._url: absolute, or relative to the document's own URL)
    return Target(
        kind=tag.lower(),
        address=address,
        url=resolve("url", el.get("url")) if el.get("url") else None,  # type: ignore[operator]
        method=method,
        status_callback=(
            resolve("statusCallback", el.get("statusCallback"))  # type: ignore[operator]
            if el.get("statusCallback")
            else None
        ),
        status_callback_event=events or ("completed",),
        status_callback_method=callback_method,
        send_digits=digits,
        ignored=tuple(n for n in el.attrib if n in inert),
    )


def targets(el: ET.Element, dialect: Dialect, url_of: object) -> tuple[Target, ...]:
    """The parties a ``<Dial>`` of nouns (or of a bare number) rings."""
    text = (el.text or "").strip()
    nouns = list(el)
    if text and nouns:
        raise DocumentError("<Dial> holds either a bare number or nouns, not both")
    if text:
        return (Target(kind="number", address=number(text)),)
    if not nouns:
        raise DocumentError(
            "<Dial> needs something to dial: a number, or a <Conference>, <Number>, <Client> "
            "or <Sip> noun"
        )
    if len(nouns) > MAX_TARGETS:
        raise DocumentError(f"<Dial> rings at most {MAX_TARGETS} nouns at once; found {len(nouns)}")
    out = []
    for noun in nouns:
        try:
            out.append(target(noun, dialect, url_of))
        except DocumentError as err:
            err.element = noun.tag  # type: ignore[attr-defined]
            raise
    return tuple(out)
