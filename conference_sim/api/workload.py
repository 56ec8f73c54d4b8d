"""A call-centre day: a load-like workload of R rooms × P participants, made lazily.

Room ``r`` opens ``r × gap`` seconds into the day; its participants join 2 s apart (the first
one owns the room and subscribes a statusCallback to every event), each talks in two 3 s bursts,
participant 1 is muted by REST at +60 s and unmuted at +75 s, and everyone hangs up from
``+room_s`` on, half a second apart. Rooms open at a steady rate, so the number of live rooms
stays about ``room_s / gap`` however long the day is: memory should follow that, not R.

``calls()`` and ``actions()`` are generators in the order the streaming engine needs (each call
in order of its first step, actions in time order); ``steps()`` is the same workload as plain
times, for the bare-simpy baseline of the benchmark.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from attrs import frozen

from ..actions import Action, Mute, Unmute
from ..dialects import DIALECTS
from ..load import cxml
from ..model import CallSpec, Document, Scenario, Speech

CALLBACK = "https://app.example/events"


@frozen
class CallCentreDay:
    rooms: int
    participants: int = 10
    gap_ms: int = 1_000
    room_ms: int = 300_000
    dialect: str = "signalwire"

    def scenario(self) -> Scenario:
        """The scenario around the streams: dialect, seed and clock; calls come streamed."""
        return Scenario(calls=(), dialect=DIALECTS[self.dialect], name="call-centre day")

    def documents(self, room: int) -> tuple[Document, Document]:
        dialect = DIALECTS[self.dialect]
        name = f"room-{room}"
        owner = {
            "statusCallback": CALLBACK,
            "statusCallbackEvent": "start end join leave mute hold speaker",
        }
        first = Document((cxml.dial(name, owner, {}, dialect),), source="workload")
        rest = Document((cxml.dial(name, {}, {}, dialect),), source="workload")
        return first, rest

    def call(self, room: int, p: int, doc: Document) -> CallSpec:
        start = room * self.gap_ms
        at = start + p * 2_000
        talk1 = start + 30_000 + p * 5_000
        talk2 = start + 120_000 + p * 7_000
        return CallSpec(
            name=f"r{room}p{p}",
            document=doc,
            at_ms=at,
            hangup_ms=start + self.room_ms + p * 500,
            speech=(Speech(talk1, talk1 + 3_000), Speech(talk2, talk2 + 3_000)),
        )

    def slot(self, p: int) -> Iterator[CallSpec]:
        """Participant number p of every room, in room order."""
        for room in range(self.rooms):
            first, rest = self.documents(room)
            yield self.call(room, p, first if p == 0 else rest)

    def calls(self) -> Iterator[CallSpec]:
        return heapq.merge(*(self.slot(p) for p in range(self.participants)), key=lambda c: c.at_ms)

    def actions(self) -> Iterator[Action]:
        if self.participants < 2:
            return iter(())

        def toggles(kind: type[Mute | Unmute], offset: int) -> Iterator[Action]:
            for room in range(self.rooms):
                yield kind(at_ms=room * self.gap_ms + offset, call=f"r{room}p1")

        return heapq.merge(toggles(Mute, 60_000), toggles(Unmute, 75_000), key=_at)

    def steps(self) -> Iterator[tuple[int, list[int]]]:
        """(first time, all step times) per call, then per action, for the bare baseline."""
        for c in self.calls():
            times = [c.at_ms]
            for s in c.speech:
                times += [s.start_ms, s.end_ms]
            times.append(c.hangup_ms or c.at_ms)
            yield c.at_ms, times

    @property
    def step_count(self) -> int:
        """Scenario steps: arrival, 4 speech edges and a hang-up per call; 2 REST per room."""
        return self.rooms * (self.participants * 6 + (2 if self.participants >= 2 else 0))


def _at(a: Action) -> int:
    return a.at_ms
