"""The values of a scenario's ``expect`` block (SPEC 7): patterns, counts and final states.

Plain frozen data, made by the loader (:mod:`conference_sim.load.expect_block`) and checked
against a timeline by :mod:`conference_sim.check.expect`. A pattern is the shorthand
``"TIME EVENT [CALL]"`` (TIME optional) or a mapping with any of ``t``, ``event``, ``call``,
``conference``, ``account``, ``kind`` and ``params`` (a subset of the event's).
"""

from __future__ import annotations

from attrs import frozen

from .events import Event
from .timeparse import clock


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
        """Whether the event is one this pattern describes (``differences`` says how not, and
        builds its words only when they are shown)."""
        if (self.event is not None and e.event != self.event) or (
            self.t_ms is not None and e.t_ms != self.t_ms
        ):
            return False
        for name in ("call", "conference", "account", "kind"):
            want = getattr(self, name)
            if want is not None and getattr(e, name) != want:
                return False
        for key, want in self.params:
            got = e.params.get(key)
            if got is None or str(got) != want:
                return False
        return True

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
