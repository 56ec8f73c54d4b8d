"""One vocabulary of states, and the rules that both the engine and the timeline read.

The engine's live objects (:mod:`conference_sim.engine`) and the fold of a timeline's events
(:mod:`conference_sim.check.timeline`) both produce a :class:`State`; a test checks, step by step,
that they agree. The invariants and the engine decide S1 and K1 with the same functions here.
"""

from __future__ import annotations

from enum import StrEnum

from attrs import define, field


class RoomState(StrEnum):
    """A conference's lifecycle (SPEC 2); ``NONE``: the room never existed."""

    NONE = "none"
    INIT = "init"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"


class CallState(StrEnum):
    """A call's lifecycle: arrived (``connected``) until it hangs up (``ended``)."""

    NOT_ARRIVED = "not-arrived"
    CONNECTED = "connected"
    ENDED = "ended"


def may_start(present: int, starters: int) -> bool:
    """S1: at least two present, at least one with startConferenceOnEnter=true."""
    return present >= 2 and starters >= 1


def audible(room: RoomState, muted: bool, held: bool) -> bool:
    """K1: heard by the room: conference in progress, not muted, not held."""
    return room == RoomState.IN_PROGRESS and not muted and not held


@define
class ParticipantState:
    """One participant present at an instant."""

    call: str
    muted: bool = False
    held: bool = False
    waiting: bool = False  # in a conference that has not started (S2)
    coaching: bool = False
    speaking: bool = False  # a speech-start without its stop (K1)


@define
class ConferenceState:
    """The latest instance of a named conference."""

    name: str
    account: str
    sid: str
    state: RoomState = RoomState.INIT
    participants: dict[str, ParticipantState] = field(factory=dict)
    sequence: int = 0  # the last SequenceNumber sent to its statusCallback

    @property
    def present(self) -> list[str]:
        """Call names present, in join order."""
        return list(self.participants)


@define
class State:
    """Conferences (latest instance per account and name) and calls at one instant."""

    t_ms: int
    conferences: dict[tuple[str, str], ConferenceState]
    calls: dict[str, CallState]  # calls that arrived

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
            if call in c.participants and c.state != RoomState.COMPLETED:
                return c.name
        return None
