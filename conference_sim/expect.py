"""Expectations (SPEC 7): what a scenario's ``expect`` block asserts about its timeline.

Sections:

* ``timeline``: patterns that must match events in this order (others may come between);
* ``never``: patterns no event may match;
* ``callbacks``: exactly these statusCallback requests, in this order;
* ``count``: patterns with ``count``/``at_most``/``at_least``: how many events match;
* ``final``: conference states, who is still in which conference, and call states at the end.

A pattern is the shorthand ``"TIME EVENT [CALL]"`` (TIME optional) or a mapping with any of
``t``, ``event``, ``call``, ``conference``, ``account``, ``kind`` and ``params`` (a subset).
Everything is checked when the scenario loads; a bad expectation is a load error with the line.
Failures are :class:`~conference_sim.diffs.Failure` objects that render as a readable diff.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from attrs import frozen

from .diffs import Failure, callbacks_failure, count_failure, never_failure, timeline_failure
from .errors import InputError
from .events import KINDS, KNOWN_EVENTS, Event
from .timeline import CONFERENCE_STATES, fold
from .timeparse import to_ms

SECTIONS = ("timeline", "never", "callbacks", "count", "final")
PATTERN_KEYS = ("t", "event", "call", "conference", "account", "kind", "params")
COUNT_KEYS = ("count", "at_most", "at_least")
CALL_STATES = ("not-arrived", "connected", "ended")
Fail = Callable[[str, Any, Any, str], Exception]


@frozen
class Pattern:
    event: str | None = None
    t_ms: int | None = None
    call: str | None = None
    conference: str | None = None
    account: str | None = None
    kind: str | None = None
    params: tuple[tuple[str, str], ...] = ()
    line: int | None = None
    text: str = ""

    def matches(self, e: Event) -> bool:
        return not self.differences(e)

    def differences(self, e: Event) -> list[str]:
        """What differs between this pattern and an event, e.g. ``call is 'b', expected 'a'``."""
        from .timeparse import clock

        out = []
        if self.event is not None and e.event != self.event:
            out.append(f"event is {e.event}, expected {self.event}")
        if self.t_ms is not None and e.t_ms != self.t_ms:
            out.append(f"t is {clock(e.t_ms)}, expected {clock(self.t_ms)}")
        for name in ("call", "conference", "account", "kind"):
            want = getattr(self, name)
            if want is not None and getattr(e, name) != want:
                out.append(f"{name} is {getattr(e, name)!r}, expected {want!r}")
        for key, want in self.params:
            got = e.params.get(key)
            if got is None or str(got) != want:
                shown = "absent" if got is None else repr(str(got))
                out.append(f"params.{key} is {shown}, expected {want!r}")
        return out

    def label(self) -> str:
        return f"{self.text!r}" + (f" (line {self.line})" if self.line else "")


@frozen
class Count:
    pattern: Pattern
    low: int | None  # at least
    high: int | None  # at most

    def describe(self) -> str:
        if self.low == self.high:
            return f"exactly {self.low}"
        return f"at most {self.high}" if self.high is not None else f"at least {self.low}"


@frozen
class FinalConference:
    name: str
    account: str | None
    state: str | None
    participants: tuple[str, ...] | None
    line: int | None


@frozen
class Expectations:
    timeline: tuple[Pattern, ...] = ()
    never: tuple[Pattern, ...] = ()
    callbacks: tuple[Pattern, ...] | None = None
    count: tuple[Count, ...] = ()
    final_conferences: tuple[FinalConference, ...] = ()
    final_calls: tuple[tuple[str, str, int | None], ...] = ()

    def check(self, events: list[Event]) -> list[Failure]:
        """Every failure, as a diff (empty when everything holds)."""
        failures: list[Failure] = []
        matched: list[tuple[Pattern, int]] = []
        pos = 0
        for p in self.timeline:
            hit = next((i for i in range(pos, len(events)) if p.matches(events[i])), None)
            if hit is None:
                failures.append(timeline_failure(p, len(matched), self.timeline, matched, events))
                break
            matched.append((p, hit))
            pos = hit + 1
        for p in self.never:
            hits = [e for e in events if p.matches(e)]
            if hits:
                failures.append(never_failure(p, hits))
        if self.callbacks is not None:
            sent = [e for e in events if any(r.purpose == "statusCallback" for r in e.requests)]
            failure = callbacks_failure(self.callbacks, sent)
            if failure:
                failures.append(failure)
        for c in self.count:
            hits = [e for e in events if c.pattern.matches(e)]
            if (c.low is not None and len(hits) < c.low) or (
                c.high is not None and len(hits) > c.high
            ):
                failures.append(count_failure(c.pattern, c.describe(), hits))
        failures += self.check_final(events)
        return failures

    def check_final(self, events: list[Event]) -> list[Failure]:
        if not self.final_conferences and not self.final_calls:
            return []
        state = fold(events)
        out = []
        for want in self.final_conferences:
            where = f"final: conference {want.name!r}" + (
                f" (line {want.line})" if want.line else ""
            )
            try:
                room = state.conference(want.name, want.account)
            except ValueError as err:
                out.append(Failure("final", f"{where}: {err}"))
                continue
            got_state = room.state if room else "none"
            if want.state is not None and got_state != want.state:
                out.append(Failure("final", f"{where} is {got_state}, expected {want.state}"))
            present = room.present if room and room.state != "completed" else []
            if want.participants is not None and sorted(present) != sorted(want.participants):
                missing = sorted(set(want.participants) - set(present))
                extra = sorted(set(present) - set(want.participants))
                detail = [("bad", f"missing: {', '.join(missing)}")] if missing else []
                detail += [("bad", f"unexpected: {', '.join(extra)}")] if extra else []
                out.append(
                    Failure(
                        "final",
                        f"{where} has participants [{', '.join(present)}], expected "
                        f"[{', '.join(want.participants)}]",
                        tuple(detail),
                    )
                )
        for name, want_state, line in self.final_calls:
            got = state.calls.get(name, "not-arrived")
            if got != want_state:
                at = f" (line {line})" if line else ""
                out.append(
                    Failure("final", f"final: call {name!r}{at} is {got}, expected {want_state}")
                )
        return out


class ExpectationFailed(AssertionError):
    """Raised by the Python API's ``assert_*`` helpers; its message is the same diff as `check`."""

    def __init__(self, failures: list[Failure]) -> None:
        self.failures = failures
        super().__init__("\n".join(f.render() for f in failures))


# -- parsing ---------------------------------------------------------------------------------------
def parse(raw: Mapping[str, Any], call_names: set[str] | None, fail: Fail) -> Expectations:
    """Build Expectations; ``fail(msg, container, key, where)`` makes a located error.

    ``call_names`` None accepts any call name (the Python API on a bare list of events).
    """
    for key in raw:
        if key not in SECTIONS:
            raise fail(
                f"unknown key {key!r}; allowed: {', '.join(SECTIONS)}", raw, key, f"expect.{key}"
            )
    out: dict[str, Any] = {}
    for section in ("timeline", "never", "callbacks"):
        if section in raw:
            items = _list(raw, section, fail)
            out[section] = tuple(
                _pattern(items, i, call_names, fail, f"expect.{section}[{i}]")
                for i in range(len(items))
            )
    if "count" in raw:
        items = _list(raw, "count", fail)
        out["count"] = tuple(
            _count(items, i, call_names, fail, f"expect.count[{i}]") for i in range(len(items))
        )
    if "final" in raw:
        out["final_conferences"], out["final_calls"] = _final(raw, call_names, fail)
    return Expectations(**out)


def from_python(sections: Mapping[str, Any], call_names: set[str] | None) -> Expectations:
    """Expectations from plain Python values (the API's ``assert_*`` helpers)."""

    def fail(msg: str, _container: Any, _key: Any, where: str) -> Exception:
        return InputError(msg, where=where)

    return parse(sections, call_names, fail)


def _list(raw: Mapping[str, Any], section: str, fail: Fail) -> Any:
    items = raw[section]
    if not isinstance(items, list):
        raise fail("must be a list", raw, section, f"expect.{section}")
    return items


def _line(container: Any, key: Any) -> int | None:
    return container.line_of(key) if hasattr(container, "line_of") else None


def _pattern(
    items: Any, i: Any, names: set[str] | None, fail: Fail, where: str, line: int | None = None
) -> Pattern:
    item = items[i]
    line = line if line is not None else _line(items, i)
    if isinstance(item, str):
        fields = _shorthand(item, items, i, fail, where)
        text = item
    elif isinstance(item, Mapping):
        fields = {}
        for key, value in item.items():
            if key not in PATTERN_KEYS:
                raise fail(
                    f"unknown key {key!r}; allowed: {', '.join(PATTERN_KEYS)}",
                    item,
                    key,
                    f"{where}.{key}",
                )
            fields.update(_field(item, key, value, fail, f"{where}.{key}"))
        text = " ".join(f"{k}={v}" for k, v in item.items())
    else:
        raise fail("a pattern is a string 'TIME EVENT [CALL]' or a mapping", items, i, where)
    _check_names(fields, names, items, i, fail, where)
    return Pattern(**fields, line=line, text=text)


def _shorthand(item: str, items: Any, i: Any, fail: Fail, where: str) -> dict[str, Any]:
    tokens = item.split()
    t_ms = None
    if len(tokens) >= 2 and tokens[0][:1].isdigit():
        try:
            t_ms = to_ms(tokens[0])
            tokens = tokens[1:]
        except InputError:
            t_ms = None
    if not tokens or len(tokens) > 2:
        raise fail(
            f"{item!r} is not a pattern; write 'TIME EVENT [CALL]', e.g. "
            "'30 participant-join bob' (TIME and CALL optional)",
            items,
            i,
            where,
        )
    fields: dict[str, Any] = {"event": tokens[0], "t_ms": t_ms}
    if len(tokens) == 2:
        fields["call"] = tokens[1]
    return fields


def _field(item: Any, key: str, value: Any, fail: Fail, where: str) -> dict[str, Any]:
    if key == "t":
        try:
            return {"t_ms": to_ms(value, what="t")}
        except InputError as err:
            raise fail(err.message, item, key, where) from None
    if key == "params":
        if not isinstance(value, Mapping):
            raise fail("must be a mapping of parameter: value", item, key, where)
        return {
            "params": tuple(
                (str(k), ("true" if v else "false") if isinstance(v, bool) else str(v))
                for k, v in value.items()
            )
        }
    if key == "kind" and value not in KINDS:
        raise fail(f"{value!r} is not allowed; allowed: {', '.join(KINDS)}", item, key, where)
    return {key: str(value)}


def _check_names(
    fields: Mapping[str, Any], names: set[str] | None, items: Any, i: Any, fail: Fail, where: str
) -> None:
    event = fields.get("event")
    if event is not None and event not in KNOWN_EVENTS:
        raise fail(f"unknown event {event!r}; allowed: {', '.join(KNOWN_EVENTS)}", items, i, where)
    call = fields.get("call")
    if call is not None and names is not None and call not in names:
        raise fail(
            f"{call!r} names no call of this scenario; allowed: {', '.join(sorted(names))}",
            items,
            i,
            where,
        )


def _count(items: Any, i: int, names: set[str] | None, fail: Fail, where: str) -> Count:
    item = items[i]
    if not isinstance(item, Mapping):
        raise fail(
            "a count check is a mapping: a pattern (or match: 'EVENT [CALL]') with one of "
            "count, at_most, at_least, e.g. {event: beep, count: 2}",
            items,
            i,
            where,
        )
    bounds = {k: item[k] for k in COUNT_KEYS if k in item}
    if len(bounds) != 1:
        raise fail(
            f"give exactly one of {', '.join(COUNT_KEYS)}; got {len(bounds)}", items, i, where
        )
    ((kind, n),) = bounds.items()
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise fail(f"must be a whole number ≥ 0; got {n!r}", item, kind, f"{where}.{kind}")
    rest = {k: v for k, v in item.items() if k not in COUNT_KEYS}
    if "match" in rest:
        if len(rest) > 1 or not isinstance(rest["match"], str):
            raise fail(
                "'match' takes a shorthand string and no other pattern keys", item, "match", where
            )
        pattern = _pattern([rest["match"]], 0, names, fail, f"{where}.match", _line(items, i))
    else:
        for key in rest:
            if key not in PATTERN_KEYS:
                allowed = ", ".join((*PATTERN_KEYS, "match", *COUNT_KEYS))
                raise fail(f"unknown key {key!r}; allowed: {allowed}", item, key, f"{where}.{key}")
        pattern = _pattern([rest], 0, names, fail, where, _line(items, i))
    low = n if kind in ("count", "at_least") else None
    high = n if kind in ("count", "at_most") else None
    return Count(pattern, low, high)


def _final(
    raw: Mapping[str, Any], names: set[str] | None, fail: Fail
) -> tuple[tuple[FinalConference, ...], tuple[tuple[str, str, int | None], ...]]:
    final = raw["final"]
    if not isinstance(final, Mapping):
        raise fail("must be a mapping with conferences and/or calls", raw, "final", "expect.final")
    for key in final:
        if key not in ("conferences", "calls"):
            raise fail(
                f"unknown key {key!r}; allowed: conferences, calls",
                final,
                key,
                f"expect.final.{key}",
            )
    rooms: list[FinalConference] = []
    confs = final.get("conferences", {})
    if not isinstance(confs, Mapping):
        raise fail(
            "must map conference names to a state or {state, participants, account}",
            final,
            "conferences",
            "expect.final.conferences",
        )
    for name, spec in confs.items():
        where = f"expect.final.conferences.{name}"
        short = isinstance(spec, str)
        if short:
            spec = {"state": spec}
        if not isinstance(spec, Mapping):
            raise fail(
                "must be a state (init, in-progress, completed, none) or a mapping with "
                "state, participants, account",
                confs,
                name,
                where,
            )
        for key in spec:
            if key not in ("state", "participants", "account"):
                raise fail(
                    f"unknown key {key!r}; allowed: state, participants, account",
                    spec,
                    key,
                    f"{where}.{key}",
                )
        state = spec.get("state")
        if state is not None and state not in CONFERENCE_STATES:
            raise fail(
                f"{state!r} is not a conference state; allowed: {', '.join(CONFERENCE_STATES)}",
                confs if short else spec,
                name if short else "state",
                where if short else f"{where}.state",
            )
        people = spec.get("participants")
        if people is not None:
            if not isinstance(people, list) or not all(isinstance(p, str) for p in people):
                raise fail(
                    "must be a list of call names", spec, "participants", f"{where}.participants"
                )
            for person in people:
                if names is not None and person not in names:
                    raise fail(
                        f"{person!r} names no call of this scenario; allowed: "
                        f"{', '.join(sorted(names))}",
                        spec,
                        "participants",
                        f"{where}.participants",
                    )
        account = spec.get("account")
        rooms.append(
            FinalConference(
                str(name),
                None if account is None else str(account),
                state,
                None if people is None else tuple(people),
                _line(confs, name),
            )
        )
    calls: list[tuple[str, str, int | None]] = []
    wanted = final.get("calls", {})
    if not isinstance(wanted, Mapping):
        raise fail("must map call names to a state", final, "calls", "expect.final.calls")
    for name, state in wanted.items():
        where = f"expect.final.calls.{name}"
        if names is not None and name not in names:
            raise fail(
                f"{name!r} names no call of this scenario; allowed: {', '.join(sorted(names))}",
                wanted,
                name,
                where,
            )
        if state not in CALL_STATES:
            raise fail(
                f"{state!r} is not a call state; allowed: {', '.join(CALL_STATES)}",
                wanted,
                name,
                where,
            )
        calls.append((str(name), state, _line(wanted, name)))
    return tuple(rooms), tuple(calls)
