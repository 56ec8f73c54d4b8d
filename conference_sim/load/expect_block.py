"""The ``expect:`` block (SPEC 7), parsed with the same validators as the rest of the file.

``names`` None accepts any call name (the Python API's ``assert_*`` helpers on bare events).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import InputError
from ..events import KINDS, KNOWN_EVENTS
from ..expectations import Count, Expectations, FinalConference, Pattern
from ..states import CallState, RoomState
from ..timeparse import excerpt, to_ms
from .schema import At, describe, line_of, listed, mapping, no_such_call, time

SECTIONS = ("timeline", "never", "callbacks", "count", "final")
PATTERN_KEYS = ("t", "event", "call", "conference", "account", "kind", "params")
COUNT_KEYS = ("count", "at_most", "at_least")
CONFERENCE_STATES = tuple(RoomState)
CALL_STATES = tuple(CallState)


def expectations(at: At, names: set[str] | None) -> Expectations:
    if not isinstance(at.value, Mapping):
        raise at.fail(
            f"must be a mapping with timeline, never or callbacks; got {describe(at.value)}"
        )
    raw = mapping(SECTIONS)(at)
    out: dict[str, Any] = {}
    for section in ("timeline", "never", "callbacks"):
        if section in raw:
            items = at.child(section)
            listed()(items)
            out[section] = tuple(pattern(item, names) for item in items.items())
    if "count" in raw:
        items = at.child("count")
        listed()(items)
        out["count"] = tuple(count(item, names) for item in items.items())
    if "final" in raw:
        out["final_conferences"], out["final_calls"] = final(at.child("final"), names)
    return Expectations(**out)


def from_python(sections: Mapping[str, Any], names: set[str] | None) -> Expectations:
    """Expectations from plain Python values (the API's ``assert_*`` helpers)."""
    return expectations(At({"expect": sections}, "expect", "expect"), names)


def pattern(at: At, names: set[str] | None, line: int | None = None) -> Pattern:
    item = at.value
    if isinstance(item, str):
        fields = shorthand(at)
        text = item
    elif isinstance(item, Mapping):
        mapping(PATTERN_KEYS)(at)
        fields = {}
        for key in item:
            fields.update(pattern_field(at.child(key)))
        text = " ".join(f"{k}={v}" for k, v in item.items())
    else:
        raise at.fail("a pattern is a string 'TIME EVENT [CALL]' or a mapping")
    event = fields.get("event")
    if event is not None and event not in KNOWN_EVENTS:
        raise at.fail(f"unknown event {excerpt(event)}; allowed: {', '.join(KNOWN_EVENTS)}")
    call = fields.get("call")
    if call is not None and names is not None and call not in names:
        raise at.fail(no_such_call(call, names, sids=False))
    return Pattern(**fields, line=line if line is not None else at.line, text=text)


def shorthand(at: At) -> dict[str, Any]:
    item: str = at.value
    tokens = item.split()
    t_ms = None
    if len(tokens) >= 2 and tokens[0][:1].isdigit():
        try:
            t_ms = to_ms(tokens[0])
            tokens = tokens[1:]
        except InputError:
            t_ms = None
    if not tokens or len(tokens) > 2:
        raise at.fail(
            f"{excerpt(item)} is not a pattern; write 'TIME EVENT [CALL]', e.g. "
            "'30 participant-join bob' (TIME and CALL optional)"
        )
    fields: dict[str, Any] = {"event": tokens[0], "t_ms": t_ms}
    if len(tokens) == 2:
        fields["call"] = tokens[1]
    return fields


def pattern_field(at: At) -> dict[str, Any]:
    key, value = at.key, at.value
    if key == "t":
        return {"t_ms": time("t")(at)}
    if key == "params":
        if not isinstance(value, Mapping):
            raise at.fail("must be a mapping of parameter: value")
        return {
            "params": tuple(
                (str(k), ("true" if v else "false") if isinstance(v, bool) else str(v))
                for k, v in value.items()
            )
        }
    if key == "kind" and value not in KINDS:
        raise at.fail(f"{excerpt(value)} is not allowed; allowed: {', '.join(KINDS)}")
    return {key: str(value)}


def count(at: At, names: set[str] | None) -> Count:
    item = at.value
    if not isinstance(item, Mapping):
        raise at.fail(
            "a count check is a mapping: a pattern (or match: 'EVENT [CALL]') with one of "
            "count, at_most, at_least, e.g. {event: beep, count: 2}"
        )
    bounds = {k: item[k] for k in COUNT_KEYS if k in item}
    if len(bounds) != 1:
        raise at.fail(f"give exactly one of {', '.join(COUNT_KEYS)}; got {len(bounds)}")
    ((kind, n),) = bounds.items()
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise at.child(kind).fail(f"must be a whole number ≥ 0; got {excerpt(n)}")
    rest = {k: v for k, v in item.items() if k not in COUNT_KEYS}
    if "match" in rest:
        if len(rest) > 1 or not isinstance(rest["match"], str):
            raise At(item, "match", at.where, at.path).fail(
                "'match' takes a shorthand string and no other pattern keys"
            )
        found = pattern(At(rest, "match", f"{at.where}.match", at.path), names, at.line)
    else:
        mapping((*PATTERN_KEYS, "match", *COUNT_KEYS))(at)
        found = pattern(At({0: rest}, 0, at.where, at.path), names, at.line)
    low = n if kind in ("count", "at_least") else None
    high = n if kind in ("count", "at_most") else None
    return Count(found, low, high)


def final(
    at: At, names: set[str] | None
) -> tuple[tuple[FinalConference, ...], tuple[tuple[str, str, int | None], ...]]:
    mapping(("conferences", "calls"), "a mapping with conferences and/or calls")(at)
    rooms = tuple(final_conference(item, names) for item in final_map(at, "conferences"))
    calls: list[tuple[str, str, int | None]] = []
    for item in final_map(at, "calls"):
        name, state = item.key, item.value
        if names is not None and name not in names:
            raise item.fail(no_such_call(name, names, sids=False))
        if state not in CALL_STATES:
            raise item.fail(
                f"{excerpt(state)} is not a call state; allowed: {', '.join(CALL_STATES)}"
            )
        calls.append((str(name), state, item.line))
    return rooms, tuple(calls)


def final_map(at: At, key: str) -> list[At]:
    if not at.has(key):
        return []
    item = at.child(key)
    if not isinstance(item.value, Mapping):
        what = {
            "conferences": "map conference names to a state or {state, participants, account}",
            "calls": "map call names to a state",
        }[key]
        raise item.fail(f"must {what}")
    return list(item.items())


def final_conference(at: At, names: set[str] | None) -> FinalConference:
    spec = at.value
    short = isinstance(spec, str)
    place = at
    if short:
        spec = {"state": spec}
    elif not isinstance(spec, Mapping):
        raise at.fail(
            "must be a state (init, in-progress, completed, none) or a mapping with "
            "state, participants, account"
        )
    else:
        mapping(("state", "participants", "account"))(at)
        place = at.child("state")
    state = spec.get("state")
    if state is not None and state not in CONFERENCE_STATES:
        allowed = ", ".join(CONFERENCE_STATES)
        raise place.fail(f"{excerpt(state)} is not a conference state; allowed: {allowed}")
    people = spec.get("participants")
    if people is not None:
        where = At(spec, "participants", f"{at.where}.participants", at.path)
        if not isinstance(people, list) or not all(isinstance(p, str) for p in people):
            raise where.fail("must be a list of call names")
        for person in people:
            if names is not None and person not in names:
                raise where.fail(no_such_call(person, names, sids=False))
    account = spec.get("account")
    return FinalConference(
        str(at.key),
        None if account is None else str(account),
        state,
        None if people is None else tuple(people),
        line_of(at.container, at.key),
    )
