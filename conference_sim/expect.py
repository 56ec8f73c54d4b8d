"""Expectations (SPEC 7): ``timeline`` (in order, others may come between), ``never`` and
``callbacks`` (exactly these statusCallback requests, in order).

A pattern is the shorthand ``"TIME EVENT [CALL]"`` (TIME optional) or a mapping with any of
``t``, ``event``, ``call``, ``conference``, ``account``, ``kind`` and ``params`` (a subset).
Patterns are checked when the scenario loads; a bad one is a load error with file and line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import frozen

from .errors import InputError
from .events import KNOWN_EVENTS, Event
from .timeparse import clock, to_ms

SECTIONS = ("timeline", "never", "callbacks")
PATTERN_KEYS = ("t", "event", "call", "conference", "account", "kind", "params")


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
        return (
            (self.event is None or e.event == self.event)
            and (self.t_ms is None or e.t_ms == self.t_ms)
            and (self.call is None or e.call == self.call)
            and (self.conference is None or e.conference == self.conference)
            and (self.account is None or e.account == self.account)
            and (self.kind is None or e.kind == self.kind)
            and all(str(e.params.get(k)) == v for k, v in self.params)
        )


@frozen
class Expectations:
    timeline: tuple[Pattern, ...] = ()
    never: tuple[Pattern, ...] = ()
    callbacks: tuple[Pattern, ...] | None = None

    def check(self, events: list[Event]) -> list[str]:
        """Return failure descriptions (empty when everything holds)."""
        failures = []
        pos = 0
        for p in self.timeline:
            hit = next((i for i in range(pos, len(events)) if p.matches(events[i])), None)
            if hit is None:
                failures.append(_missing(p, events, pos))
                break
            pos = hit + 1
        for p in self.never:
            for e in events:
                if p.matches(e):
                    failures.append(f"never: {p.text} (line {p.line}) happened:\n    {show(e)}")
                    break
        if self.callbacks is not None:
            sent = [e for e in events if any(r.purpose == "statusCallback" for r in e.requests)]
            for i, p in enumerate(self.callbacks):
                if i >= len(sent):
                    failures.append(
                        f"callbacks: expected {p.text} (line {p.line}) as request "
                        f"#{i + 1}, but only {len(sent)} were sent"
                    )
                    break
                if not p.matches(sent[i]):
                    failures.append(
                        f"callbacks: request #{i + 1} should match {p.text} "
                        f"(line {p.line}), but was:\n    {show(sent[i])}"
                    )
                    break
            else:
                if len(sent) > len(self.callbacks):
                    extra = "\n    ".join(show(e) for e in sent[len(self.callbacks) :][:5])
                    failures.append(
                        f"callbacks: {len(sent) - len(self.callbacks)} more request(s) "
                        f"than expected, from:\n    {extra}"
                    )
        return failures


def show(e: Event) -> str:
    return f"{clock(e.t_ms):>7}  {e.event}" + (f" {e.call}" if e.call else "")


def _missing(p: Pattern, events: list[Event], pos: int) -> str:
    after = f" after {show(events[pos - 1]).strip()}" if pos else ""
    lines = [f"timeline: no event matching {p.text} (line {p.line}){after}"]
    same = [e for e in events[pos:] if e.event == p.event][:3]
    near = same or events[pos : pos + 5]
    if near:
        lines.append("  closest events that followed:")
        lines += [f"    {show(e)}" for e in near]
    return "\n".join(lines)


def parse(raw: Mapping[str, Any], call_names: set[str], fail: Any) -> Expectations:
    """Build Expectations; ``fail(msg, container, key, where)`` makes a located error."""
    for key in raw:
        if key not in SECTIONS:
            raise fail(
                f"unknown key {key!r}; allowed: {', '.join(SECTIONS)}", raw, key, f"expect.{key}"
            )
    out: dict[str, tuple[Pattern, ...]] = {}
    for section in SECTIONS:
        if section not in raw:
            continue
        items = raw[section]
        if not isinstance(items, list):
            raise fail("must be a list of patterns", raw, section, f"expect.{section}")
        out[section] = tuple(
            _pattern(items, i, call_names, fail, f"expect.{section}[{i}]")
            for i in range(len(items))
        )
    return Expectations(
        timeline=out.get("timeline", ()), never=out.get("never", ()), callbacks=out.get("callbacks")
    )


def _pattern(items: Any, i: int, names: set[str], fail: Any, where: str) -> Pattern:
    item = items[i]
    line = items.line_of(i) if hasattr(items, "line_of") else None
    if isinstance(item, str):
        tokens = item.split()
        t_ms = None
        if len(tokens) >= 2:
            try:
                t_ms = to_ms(float(tokens[0]) if _number(tokens[0]) else tokens[0])
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
            if key == "t":
                try:
                    fields["t_ms"] = to_ms(value, what="t")
                except InputError as err:
                    raise fail(err.message, item, key, f"{where}.t") from None
            elif key == "params":
                if not isinstance(value, Mapping):
                    raise fail(
                        "must be a mapping of parameter: value", item, key, f"{where}.params"
                    )
                fields["params"] = tuple(
                    (str(k), ("true" if v else "false") if isinstance(v, bool) else str(v))
                    for k, v in value.items()
                )
            else:
                fields[key] = str(value)
        item = " ".join(f"{k}={v}" for k, v in item.items())
    else:
        raise fail("a pattern is a string 'TIME EVENT [CALL]' or a mapping", items, i, where)
    event = fields.get("event")
    if event is not None and event not in KNOWN_EVENTS:
        raise fail(f"unknown event {event!r}; allowed: {', '.join(KNOWN_EVENTS)}", items, i, where)
    call = fields.get("call")
    if call is not None and call not in names:
        raise fail(
            f"{call!r} names no call of this scenario; allowed: {', '.join(sorted(names))}",
            items,
            i,
            where,
        )
    return Pattern(**fields, line=line, text=repr(item) if not isinstance(item, str) else item)


def _number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True
