"""What a room plays: beeps (S3, S4, S5), wait audio (S2) and hold audio (H1).

Each start or stop is an ``audio`` event on the timeline, carrying the request when a document
was fetched for it; the players themselves are :class:`~.audio.Player` processes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..events import Request
from . import params as cb
from .audio import Player

if TYPE_CHECKING:
    from .conference import Conference
    from .participant import Participant

BEEP_NAMES = 10  # a beep names up to this many listeners (SPEC 3's heard_by), else counts them


def beep(room: Conference, subject: Participant, reason: str) -> None:
    """A beep names who hears it (everyone present but the subject and the held); in a
    room of more than BEEP_NAMES others it counts them instead, naming only those who do
    not hear it, so a beep costs the same in a room of 250 as in a room of 3."""
    others = len(room.participants) - (room.participants.get(subject.call.name) is subject)
    if others <= BEEP_NAMES:
        heard_by = [
            q.call.name for q in room.participants.values() if q is not subject and not q.held
        ]
        room.audio("beep", subject, reason=reason, heard_by=heard_by)
        return
    held = [name for name in room.held if name != subject.call.name]
    room.audio("beep", subject, reason=reason, heard_by_count=others - len(held), not_heard_by=held)


def start_wait(room: Conference, p: Participant) -> None:
    """S2: a participant in an init conference hears its wait audio (none for waitUrl='')."""
    if p.wait_url == "" or p.held:
        return
    p.wait_player = play_to(room, p, p.wait_url, p.wait_method, "waitUrl", "wait-start")


def stop_wait(room: Conference, p: Participant) -> None:
    silence(room, p, "wait_player", "wait-stop")


def start_hold_audio(room: Conference, p: Participant, url: str | None, method: str) -> None:
    p.hold_player = play_to(room, p, url, method, "holdUrl", "hold-audio-start")


def stop_hold_audio(room: Conference, p: Participant) -> None:
    silence(room, p, "hold_player", "hold-audio-stop")


def play_to(
    room: Conference, p: Participant, url: str | None, method: str, purpose: str, event: str
) -> Player:
    """Start wait or hold audio (url None: the default music); the event carries the request."""
    player = Player(room.sim, url, method, purpose, p.log, params=cb.voice_params(p.call))
    status = player.start()
    requests = (Request(purpose, url, method, status),) if url else ()
    room.audio(event, p, requests=requests, source=player.source)
    return player


def silence(room: Conference, p: Participant, slot: str, event: str) -> None:
    """Stop the wait or hold audio in ``slot`` (if any), and say so."""
    player: Player | None = getattr(p, slot)
    if player is not None:
        player.stop()
        setattr(p, slot, None)
        room.audio(event, p, source=player.source)
