"""A finished run's timeline and what can be read from it: filtered events, the callbacks sent,
and the state of every conference and call at any instant (``state_at``) or at the end
(``final``). Everything here is derived from the events alone, so it works on a golden file too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from attrs import define, field

from .events import Event
from .timeparse import to_ms

CONFERENCE_STATES = ("none", "init", "in-progress", "completed")


@define
class ParticipantState:
    """One participant present at that instant, as the timeline reports it."""

    call: str
    muted: bool = False
    held: bool = False
    waiting: bool = False
    coaching: bool = False


@define
class ConferenceState:
    """The latest instance of a named conference: ``state`` is init, in-progress or completed."""

    name: str
    account: str
    sid: str
    state: str = "init"
    participants: dict[str, ParticipantState] = field(factory=dict)

    @property
    def present(self) -> list[str]:
        """Call names present, in join order."""
        return list(self.participants)


@define
class State:
    """Conferences (latest instance per account and name) and calls at one instant."""

    t_ms: int
    conferences: dict[tuple[str, str], ConferenceState]
    calls: dict[str, str]  # call name -> connected, ended

    def conference(self, name: str, account: str | None = None) -> ConferenceState | None:
        """The conference called ``name`` (in ``account`` if given); None if it never existed."""
        found = [
            c
            for (acc, n), c in self.conferences.items()
            if n == name and (account is None or acc == account)
        ]
        if len(found) > 1:
            raise ValueError(
                f"conference {name!r} exists in accounts "
                f"{', '.join(sorted(c.account for c in found))}; pass account="
            )
        return found[0] if found else None

    def where(self, call: str) -> str | None:
        """The name of the conference the call is in, or None."""
        for c in self.conferences.values():
            if call in c.participants and c.state != "completed":
                return c.name
        return None


def fold(events: Iterable[Event], until_ms: int | None = None) -> State:
    """Replay events (up to and including ``until_ms``) into a :class:`State`."""
    conferences: dict[tuple[str, str], ConferenceState] = {}
    calls: dict[str, str] = {}
    t_ms = 0
    for e in events:
        if until_ms is not None and e.t_ms > until_ms:
            break
        t_ms = e.t_ms
        if e.event == "call-start" and e.call:
            calls[e.call] = "connected"
        elif e.event == "call-end" and e.call:
            calls[e.call] = "ended"
        if e.kind not in ("conference", "audio") or e.conference is None:
            continue
        key = (e.account or "default", e.conference)
        sid = e.params.get("ConferenceSid")
        room = conferences.get(key)
        if sid and (room is None or room.sid != sid):
            room = conferences[key] = ConferenceState(e.conference, key[0], sid)
        if room is None:
            continue
        _apply(room, e)
    return State(t_ms=t_ms if until_ms is None else until_ms, conferences=conferences, calls=calls)


def _apply(room: ConferenceState, e: Event) -> None:
    name = e.event
    if name == "conference-start":
        room.state = "in-progress"
        for p in room.participants.values():
            p.waiting = False
    elif name == "conference-end":
        room.state = "completed"
        room.participants.clear()
    elif e.call is None:
        return
    elif name == "participant-join":
        room.participants[e.call] = ParticipantState(
            e.call,
            muted=e.params.get("Muted") == "true",
            held=e.params.get("Hold") == "true",
            coaching=e.params.get("Coaching") == "true",
        )
    elif name == "participant-leave":
        room.participants.pop(e.call, None)
    elif (p := room.participants.get(e.call)) is not None:
        if name in ("participant-mute", "participant-unmute"):
            p.muted = name == "participant-mute"
        elif name in ("participant-hold", "participant-unhold"):
            p.held = name == "participant-hold"
        elif name in ("wait-start", "wait-stop"):
            p.waiting = name == "wait-start"
        elif name == "participant-modify" and "Coaching" in e.params:
            p.coaching = e.params["Coaching"] == "true"


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
        from .sinks import jsonl_line

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
        from .expect import ExpectationFailed, from_python

        names = {c.name for c in self.scenario.calls} if self.scenario is not None else None
        failures = from_python(sections, names).check(self.list)
        if failures:
            raise ExpectationFailed(failures)
