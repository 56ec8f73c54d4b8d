"""A finished run's timeline and what can be read from it: filtered events, the callbacks sent,
and the state of every conference and call at any instant (``state_at``) or at the end
(``final``). Everything here is derived from the events alone, so it works on a golden file too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..events import Event
from ..states import CallState, ConferenceState, ParticipantState, RoomState, State
from ..timeparse import to_ms

CONFERENCE_STATES = tuple(RoomState)
FLAGS = {  # event -> (participant flag, value)
    "participant-mute": ("muted", True),
    "participant-unmute": ("muted", False),
    "participant-hold": ("held", True),
    "participant-unhold": ("held", False),
    "participant-speech-start": ("speaking", True),
    "participant-speech-stop": ("speaking", False),
}


class Fold:
    """The state of the rooms and calls, built up one event at a time (``apply``)."""

    def __init__(self) -> None:
        self.conferences: dict[tuple[str, str], ConferenceState] = {}
        self.calls: dict[str, CallState] = {}
        self.t_ms = 0

    def state(self, t_ms: int | None = None) -> State:
        return State(
            t_ms=self.t_ms if t_ms is None else t_ms, conferences=self.conferences, calls=self.calls
        )

    def room_of(self, e: Event) -> ConferenceState | None:
        """The conference instance an event belongs to (a new one on a new ConferenceSid)."""
        if e.kind not in ("conference", "audio", "recording") or e.conference is None:
            return None
        key = (e.account or "default", e.conference)
        sid = e.params.get("ConferenceSid")
        room = self.conferences.get(key)
        if sid and e.kind != "recording" and (room is None or room.sid != sid):
            room = self.conferences[key] = ConferenceState(e.conference, key[0], sid)
        return room

    def apply(self, e: Event) -> None:
        self.t_ms = e.t_ms
        if e.event == "call-start" and e.call:
            self.calls[e.call] = CallState.CONNECTED
        elif e.event == "call-end" and e.call:
            self.calls[e.call] = CallState.ENDED
        room = self.room_of(e)
        if room is not None and e.kind != "recording":
            apply_to_room(room, e)


def apply_to_room(room: ConferenceState, e: Event) -> None:
    name = e.event
    seq = e.params.get("SequenceNumber")
    if seq is not None and e.kind == "conference":
        room.sequence = int(seq)
    if name == "conference-start":
        room.state = RoomState.IN_PROGRESS
        for p in room.participants.values():
            p.waiting = False
    elif name == "conference-end":
        room.state = RoomState.COMPLETED
        room.participants.clear()
    elif e.call is None:
        return
    elif name == "participant-join":
        room.participants[e.call] = ParticipantState(
            e.call,
            muted=e.params.get("Muted") == "true",
            held=e.params.get("Hold") == "true",
            waiting=room.state == RoomState.INIT,
            coaching=e.params.get("Coaching") == "true",
        )
    elif name == "participant-leave":
        room.participants.pop(e.call, None)
    elif (p := room.participants.get(e.call)) is not None:
        if name in FLAGS:
            flag, value = FLAGS[name]
            setattr(p, flag, value)
        elif name == "participant-modify" and "Coaching" in e.params:
            p.coaching = e.params["Coaching"] == "true"


def fold(events: Iterable[Event], until_ms: int | None = None) -> State:
    """Replay events (up to and including ``until_ms``) into a :class:`State`."""
    f = Fold()
    for e in events:
        if until_ms is not None and e.t_ms > until_ms:
            break
        f.apply(e)
    return f.state(until_ms)


class Timeline:
    """The events of one run, with queries for tests written in Python.

    >>> tl = conference_sim.run("scenarios/01-simple.yaml")
    >>> [e.call for e in tl.events(event="participant-join")]
    """

    def __init__(self, events: list[Event], scenario: Any = None) -> None:
        self.list = events
        self.scenario = scenario

    def __iter__(self) -> Iterator[Event]:
        return iter(self.list)

    def __len__(self) -> int:
        return len(self.list)

    def __getitem__(self, i: int) -> Event:
        return self.list[i]

    def events(
        self,
        event: str | None = None,
        *,
        kind: str | None = None,
        call: str | None = None,
        conference: str | None = None,
    ) -> list[Event]:
        """Events matching every filter given."""
        return [
            e
            for e in self.list
            if (event is None or e.event == event)
            and (kind is None or e.kind == kind)
            and (call is None or e.call == call)
            and (conference is None or e.conference == conference)
        ]

    def callbacks(self, purpose: str = "statusCallback") -> list[Event]:
        """Events that send a request of this purpose (statusCallback by default), in order."""
        return [e for e in self.list if any(r.purpose == purpose for r in e.requests)]

    def state_at(self, t: float | str) -> State:
        """Conference and call states after everything at time ``t`` (seconds or '1m30s')."""
        return fold(self.list, to_ms(t, what="t"))

    @property
    def final(self) -> State:
        """The states when the run stopped."""
        return fold(self.list)

    def to_jsonl(self) -> str:
        from ..output.sinks import jsonl_line

        return "".join(jsonl_line(e) + "\n" for e in self.list)

    # -- assertions (same diff as `conference-sim check`) --------------------------------------
    def assert_timeline(self, *patterns: str | dict[str, Any]) -> None:
        """Each pattern matches an event, in this order (others may come between)."""
        self._assert(timeline=list(patterns))

    def assert_never(self, *patterns: str | dict[str, Any]) -> None:
        """No event matches any of the patterns."""
        self._assert(never=list(patterns))

    def assert_callbacks(self, *patterns: str | dict[str, Any]) -> None:
        """Exactly these statusCallback requests were sent, in this order."""
        self._assert(callbacks=list(patterns))

    def assert_expect(self, expect: dict[str, Any]) -> None:
        """A whole ``expect`` block, as written in a scenario file."""
        self._assert(**expect)

    def _assert(self, **sections: Any) -> None:
        from ..load.expect_block import from_python
        from .expect import ExpectationFailed, check

        names = {c.name for c in self.scenario.calls} if self.scenario is not None else None
        failures = check(from_python(sections, names), self.list)
        if failures:
            raise ExpectationFailed(failures)
