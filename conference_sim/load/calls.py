"""The ``calls:`` list of a scenario: each caller, its document, its speech and key presses."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

from ..dialects import Dialect
from ..errors import DocumentError, ScenarioError
from ..model import CallSpec, Dial, Document, Press, Speech, Utterance
from ..timeparse import excerpt
from . import cxml
from .documents import document
from .schema import CALLSID_LIKE, METHOD, At, describe, mapping, no_such_call, string, time, url

NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
DIGITS = re.compile(r"^[0-9*#w]+$")
CALL_KEYS = (
    "name",
    "at",
    "account",
    "from",
    "to",
    "conference",
    "attributes",
    "dial",
    "hangup",
    "speech",
    "cxml",
    "press",
    "url",
    "method",
    "status_callback",
    "status_callback_event",
    "status_callback_method",
    "speak",
)
STATUS_EVENTS = ("initiated", "ringing", "answered", "completed")
SPEECH_SHAPE = "a list of [start, end] pairs of scenario times, e.g. [[40, 55], ['1m10s', 75]]"


def calls(at: At, dialect: Dialect) -> tuple[CallSpec, ...]:
    raw = at.value
    if not isinstance(raw, list) or not raw:
        raise at.fail("must be a non-empty list of calls")
    seen: dict[str, int] = {}
    out = []
    for i, item in enumerate(at.items()):
        spec = call(item, i, dialect)
        if spec.name in seen:
            raise item.child("name").fail(
                f"duplicate call name {excerpt(spec.name)} (calls[{seen[spec.name]}] has it too); "
                "names must be unique",
                line=item.line,
            )
        seen[spec.name] = i
        out.append(spec)
    return tuple(out)


def call(at: At, i: int, dialect: Dialect) -> CallSpec:
    c = mapping(CALL_KEYS)(at)
    if "name" not in c:
        raise at.fail("a call needs a 'name'")
    name = string(NAME, "letters, digits, '_', '.', '-'")(at.child("name"))
    arrival = at.get("at", time("at"), 0)
    phone = {key: at.get(key, phone_number, None) for key in ("from", "to")}
    given = [k for k in ("conference", "cxml", "url") if k in c]
    if len(given) != 1:
        raise at.fail(
            "a call needs exactly one of 'conference' (a room name), 'cxml' (a whole document) "
            "or 'url' (its voice URL, answered by the app)"
        )
    if "method" in c and "url" not in c:
        raise at.child("method").fail("'method' goes with 'url' (the voice URL's method)")
    doc: Document | None = None
    if "url" in c:
        for key in ("attributes", "dial"):
            if key in c:
                raise at.child(key).fail(
                    f"'{key}' goes with 'conference'; with 'url' the app's document says it"
                )
    elif "cxml" in c:
        for key in ("attributes", "dial"):
            if key in c:
                raise at.child(key).fail(
                    f"'{key}' goes with 'conference'; with 'cxml' put attributes in the document"
                )
        doc = document(at.child("cxml"), dialect, source=f"calls[{i}].cxml")
    else:
        doc = shorthand(at, dialect)
    hangup = at.get("hangup", time("hangup"), None)
    if hangup is not None and hangup < arrival:
        raise at.child("hangup").fail(
            f"the call hangs up ({hangup / 1000:g}s) before it arrives (at {arrival / 1000:g}s)"
        )
    return CallSpec(
        name=name,
        document=doc,
        at_ms=arrival,
        account=at.get("account", string(), "default"),
        from_=phone["from"] or f"+1555{i + 1:07d}",
        to=phone["to"] or "+15559990000",
        hangup_ms=hangup,
        speech=at.get("speech", speech, ()),
        presses=at.get("press", presses, ()),
        line=at.line,
        url=at.get("url", url(), None),
        method=at.get("method", METHOD, "POST"),
        utterances=at.get("speak", utterances, ()),
        status_callback=at.get("status_callback", url(), None),
        status_callback_event=at.get("status_callback_event", status_words, ("completed",)),
        status_callback_method=at.get("status_callback_method", METHOD, "POST"),
    )


def utterances(at: At) -> tuple[Utterance, ...]:
    """``speak:``: what the caller says and when, e.g. ``[{at: 5s, text: sales, confidence:
    0.8}]`` (confidence 0 to 1, default 0.9): what a ``<Gather input=speech>`` hears."""
    if not isinstance(at.value, list):
        raise at.fail("must be a list like [{at: 5s, text: sales}]")
    out = []
    for item in at.items():
        mapping(("at", "text", "confidence"))(item)
        if "at" not in item.value or "text" not in item.value:
            raise item.fail("an utterance needs 'at' and 'text'")
        confidence = item.value.get("confidence", 0.9)
        if (
            isinstance(confidence, bool)
            or not isinstance(confidence, int | float)
            or not (0 <= confidence <= 1)
        ):
            raise item.child("confidence").fail(f"{excerpt(confidence)} is not from 0 to 1")
        out.append(Utterance(time("at")(item.child("at")), string()(item.child("text")),
                             float(confidence)))  # fmt: skip
    return tuple(sorted(out, key=lambda u: u.at_ms))


def status_words(at: At) -> tuple[str, ...]:
    """The phone number's status callback events (``completed`` by default)."""
    found = tuple(w for w in re.split(r"[\s,]+", string()(at)) if w)
    bad = [w for w in found if w not in STATUS_EVENTS]
    if bad:
        raise at.fail(f"{excerpt(bad[0])} is not allowed; allowed: {' '.join(STATUS_EVENTS)}")
    return found


def phone_number(at: At) -> str:
    value = at.value
    if isinstance(value, int) and not isinstance(value, bool):
        return f"+{value}"  # YAML read +15550001 as a number
    return string()(at)


def attr_strings(at: At) -> dict[str, str]:
    """``attributes:``/``dial:`` as cXML would carry them: every value a string."""
    raw = at.value or {}
    if not isinstance(raw, Mapping):
        raise at.fail(f"must be a mapping of cXML attribute names to values; got {describe(raw)}")
    out = {}
    for name, value in raw.items():
        if isinstance(value, bool):
            out[str(name)] = "true" if value else "false"
        elif isinstance(value, int | float | str):
            out[str(name)] = str(value)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            out[str(name)] = " ".join(value)
        else:
            raise at.child(name).fail(f"must be a string, number or boolean; got {describe(value)}")
    return out


def shorthand(at: At, dialect: Dialect) -> Document:
    """``conference:`` with ``attributes:`` and ``dial:``, i.e. one <Dial><Conference>."""
    room = string()(at.child("conference"))
    attrs = at.get("attributes", attr_strings, {})
    dial_attrs = at.get("dial", attr_strings, {})
    try:
        verb = cxml.dial(room, attrs, dial_attrs, dialect)
    except DocumentError as err:
        if err.where in attrs:
            place = at.child("attributes").child(err.where)
        elif err.where in dial_attrs:
            place = at.child("dial").child(err.where)
        else:
            place = at.child("conference")
        raise place.fail(err.message) from None
    return Document(verbs=(verb,), source=f"{at.where}.conference")


MAX_PER_CALL = 1000  # speech intervals, key presses


def speech(at: At) -> tuple[Speech, ...]:
    if not isinstance(at.value, list):
        raise at.fail(f"must be {SPEECH_SHAPE}; got {describe(at.value)}")
    if len(at.value) > MAX_PER_CALL:
        raise at.fail(f"has {len(at.value):,} intervals; at most {MAX_PER_CALL} are allowed")
    out = []
    for item in at.items():
        pair = item.value
        if not isinstance(pair, list) or len(pair) != 2:
            raise item.fail(
                f"must be a [start, end] pair; got {excerpt(pair)}; allowed: {SPEECH_SHAPE}"
            )
        start = time("speech start")(At(pair, 0, item.where, at.path))
        end = time("speech end")(At(pair, 1, item.where, at.path))
        if end <= start:
            raise item.fail(f"speech must end after it starts; got [{pair[0]}, {pair[1]}]")
        out.append(Speech(start, end))
    out.sort(key=lambda s: s.start_ms)
    for a, b in itertools.pairwise(out):
        if b.start_ms < a.end_ms:
            raise at.fail(
                f"speech intervals overlap ({a.start_ms / 1000:g}–{a.end_ms / 1000:g}s and "
                f"{b.start_ms / 1000:g}–{b.end_ms / 1000:g}s); give each talk burst once"
            )
    return tuple(out)


def presses(at: At) -> tuple[Press, ...]:
    raw = at.value
    if isinstance(raw, Mapping):  # one press written without the list
        items = [At(_Single(raw), 0, f"{at.where}[0]", at.path)]
    elif isinstance(raw, list):
        if len(raw) > MAX_PER_CALL:
            raise at.fail(f"has {len(raw):,} presses; at most {MAX_PER_CALL} are allowed")
        items = list(at.items())
    else:
        raise at.fail("must be a list of {at, digits} mappings")
    out = []
    for item in items:
        p = mapping(("at", "digits"))(item)
        if "at" not in p or "digits" not in p:
            raise item.fail("a press needs 'at' and 'digits'")
        allowed = "DTMF digits 0-9, '*', '#' (and 'w' for a pause)"
        digits = string(DIGITS, allowed)(item.child("digits"))
        out.append(Press(time("at")(item.child("at")), digits))
    return tuple(out)


class _Single(list):  # type: ignore[type-arg]
    """A one-item list standing for a press mapping given alone (it keeps that mapping's line)."""

    def __init__(self, item: Any) -> None:
        super().__init__([item])
        self.line = getattr(item, "line", None)


def check_coaches(
    specs: tuple[CallSpec, ...],
    documents: dict[str, Document],
    names: set[str],
    path: str | None,
) -> None:
    """``coach=`` must name a call of the scenario (or a CallSid)."""
    dials: list[tuple[str, int | None, Dial]] = [
        (f"calls[{i}]", c.line, v)
        for i, c in enumerate(specs)
        for v in (c.document.verbs if c.document else ())
        if isinstance(v, Dial)
    ]
    dials += [
        (f"documents[{excerpt(u)}]", None, v)
        for u, d in documents.items()
        for v in d.verbs
        if isinstance(v, Dial)
    ]
    for where, line, verb in dials:
        coach = verb.attrs.coach
        if coach is not None and coach not in names and not CALLSID_LIKE.match(coach):
            raise ScenarioError(
                no_such_call(coach, names, label="coach="),
                path=path,
                line=line,
                where=f"{where}: coach",
            )


def check_voice_urls(
    at: At, specs: tuple[CallSpec, ...], documents: dict[str, Document], app_url: str
) -> None:
    """A voice URL is answered by the app (under ``app_url``) or by ``documents:``."""
    for item, spec in zip(at.items(), specs, strict=True):
        if spec.url is None or spec.url in documents or under(spec.url, app_url):
            continue
        raise item.child("url").fail(
            f"{excerpt(spec.url)} is neither under app_url ({app_url}) nor in documents; "
            "allowed: a URL of the app, or one the scenario's documents answer"
        )


def under(url: str, base: str) -> bool:
    """Whether ``url`` is ``base`` or a path below it."""
    return url == base or url.startswith(base.rstrip("/") + "/") or url.startswith(base + "?")
