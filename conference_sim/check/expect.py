"""Expectations (SPEC 7) checked against a timeline: what a scenario's ``expect`` block asserts.

Sections:

* ``timeline``: patterns that must match events in this order (others may come between);
* ``never``: patterns no event may match;
* ``callbacks``: exactly these statusCallback requests, in this order;
* ``count``: patterns with ``count``/``at_most``/``at_least``: how many events match;
* ``final``: conference states, who is still in which conference, and call states at the end.

The values themselves (:class:`~conference_sim.expectations.Pattern`, ``Count``,
``FinalConference``, ``Expectations``) are plain data of the model layer, made by the loader.
Failures are :class:`~conference_sim.check.diffs.Failure` objects that render as a readable diff.
"""

from __future__ import annotations

from ..events import Event
from ..expectations import Count, Expectations, FinalConference, Pattern
from ..states import CallState, RoomState
from .diffs import Failure, callbacks_failure, count_failure, never_failure, timeline_failure
from .timeline import fold

__all__ = ["Count", "ExpectationFailed", "Expectations", "FinalConference", "Pattern", "check"]


def check(expected: Expectations, events: list[Event]) -> list[Failure]:
    """Every failure of the expectations on a timeline, as a diff (empty when all hold)."""
    failures: list[Failure] = []
    matched: list[tuple[Pattern, int]] = []
    pos = 0
    for p in expected.timeline:
        hit = next((i for i in range(pos, len(events)) if p.matches(events[i])), None)
        if hit is None:
            failures.append(timeline_failure(p, len(matched), expected.timeline, matched, events))
            break
        matched.append((p, hit))
        pos = hit + 1
    for p in expected.never:
        hits = [e for e in events if p.matches(e)]
        if hits:
            failures.append(never_failure(p, hits))
    if expected.callbacks is not None:
        sent = [e for e in events if any(r.purpose == "statusCallback" for r in e.requests)]
        failure = callbacks_failure(expected.callbacks, sent)
        if failure:
            failures.append(failure)
    for c in expected.count:
        hits = [e for e in events if c.pattern.matches(e)]
        if (c.low is not None and len(hits) < c.low) or (c.high is not None and len(hits) > c.high):
            failures.append(count_failure(c.pattern, c.describe(), hits))
    failures += check_final(expected, events)
    return failures


def check_final(expected: Expectations, events: list[Event]) -> list[Failure]:
    if not expected.final_conferences and not expected.final_calls:
        return []
    state = fold(events)
    out = []
    for want in expected.final_conferences:
        where = f"final: conference {want.name!r}" + (f" (line {want.line})" if want.line else "")
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
    for name, want_state, line in expected.final_calls:
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
