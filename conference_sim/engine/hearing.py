"""Who hears whom: at the current instant, what each call hears and from whom.

Derived from live state, never stored: a held participant hears its hold audio; a participant of
a conference not yet started hears its wait audio; in a started conference a participant hears
everyone who is neither muted nor held, except coaches, whom only their coached call hears (C1).
An announcement is heard on top of that. A call outside any conference hears its own document;
two calls a ``<Dial>`` bridged hear each other (DL1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrs import frozen

from ..states import CallState, RoomState
from .participant import Participant

if TYPE_CHECKING:
    from .core import Engine


@frozen
class Hearing:
    """What one call hears: ``audio`` (music, a prompt, an announcement) and ``voices``."""

    call: str
    conference: str | None
    state: str  # in-conference, waiting, held, bridged, outside, ended
    audio: str | None
    voices: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = []
        if self.audio:
            parts.append(self.audio)
        if self.voices:
            parts.append("voices: " + ", ".join(self.voices))
        return "; ".join(parts) or "silence"


def heard_by_participant(speaker: Participant, listener: Participant) -> bool:
    if speaker is listener or speaker.muted or speaker.held:
        return False
    return speaker.coach_of is None or speaker.coach_of is listener.call


def hearing(sim: Engine) -> dict[str, Hearing]:
    """What every call of the scenario hears right now, in scenario order."""
    out: dict[str, Hearing] = {}
    for name, call in sim.directory.calls.items():
        p = call.participant
        bridge = call.bridge
        if bridge is not None and bridge.bridged_ms is not None and bridge.winner is not None:
            other = bridge.winner if bridge.call is call else bridge.call  # DL1: each other
            out[name] = Hearing(name, None, "bridged", None, (other.name,))
            continue
        if p is None:
            state = "outside" if call.state == CallState.CONNECTED else str(call.state)
            out[name] = Hearing(name, None, state, call.now_playing)
            continue
        room = p.room
        if p.held:
            audio = p.hold_player.now_playing if p.hold_player else None
            out[name] = Hearing(name, room.name, "held", f"hold: {audio or 'silence'}")
            continue
        announcement = p.announcement or room.announcement
        extra = f"announcement: {announcement.now_playing or 'silence'}" if announcement else None
        if room.state != RoomState.IN_PROGRESS:
            wait = p.wait_player.now_playing if p.wait_player else None
            audio = f"wait: {wait or 'silence'}"
            out[name] = Hearing(name, room.name, "waiting", f"{audio}; {extra}" if extra else audio)
            continue
        voices = tuple(
            q.call.name for q in room.participants.values() if heard_by_participant(q, p)
        )
        out[name] = Hearing(name, room.name, "in-conference", extra, voices)
    return out
