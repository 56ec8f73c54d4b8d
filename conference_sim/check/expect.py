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
Failures are :class:`~conference_sim.check.diffs.Failure` objects that render as a readable
diff. The block is parsed by :mod:`conference_sim.load.expect_block`.
"""

from __future__ import annotations

from attrs import frozen

from ..events import Event
from ..states import CallState, RoomState
from ..timeparse import clock
from .diffs import Failure, callbacks_failure, count_failure, never_failure, timeline_failure
from .timeline import fold


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
            got_state = room.state if room else RoomState.NONE
            if want.state is not None and got_state != want.state:
                out.append(Failure("final", f"{where} is {got_state}, expected {want.state}"))
            present = room.present if room and room.state != RoomState.COMPLETED else []
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
            got = state.calls.get(name, CallState.NOT_ARRIVED)
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
