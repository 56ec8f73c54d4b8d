"""One call's presence in one conference: mute, hold, coach and speech state live here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import Dial
from ..states import ParticipantState, RoomState, audible

if TYPE_CHECKING:
    from .audio import Player
    from .call import Call
    from .conference import Conference

# Why a participant left -> (ParticipantCallStatus, ReasonParticipantLeft)
LEAVE_REASONS = {
    "hangup": ("completed", "participant_hung_up"),
    "time-limit": ("in-progress", "participant_hung_up"),
    "hangup-on-star": ("in-progress", "participant_hung_up"),
    "kick": ("in-progress", "participant_updated_via_api"),
    "moderator": ("in-progress", "moderator_ended_conference"),
    "api-end": ("in-progress", "conference_ended_via_api"),
    "redirect": ("in-progress", "participant_updated_via_api"),
}


class Refused(Exception):
    """A join the platform refuses: error code and reason (C1 13240, L1 16025, M1 16020)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Participant:
    __slots__ = (  # every attribute, each set in __init__
        "announcement",
        "attrs",
        "beep_enter",
        "beep_exit",
        "call",
        "coach_of",
        "dial",
        "end_on_exit",
        "held",
        "hold_player",
        "joined_ms",
        "label",
        "log",
        "muted",
        "params",
        "room",
        "speaking",
        "updated_ms",
        "wait_method",
        "wait_player",
        "wait_url",
    )

    def __init__(self, room: Conference, call: Call, dial: Dial, coach_of: Call | None) -> None:
        a = dial.attrs
        self.room = room
        self.call = call
        self.dial = dial
        self.attrs = a
        self.label = a.participant_label
        self.muted = a.muted
        self.held = False
        self.beep_enter = a.beep_on_enter
        self.beep_exit = a.beep_on_exit
        self.end_on_exit = a.end_conference_on_exit
        self.coach_of = coach_of
        self.wait_url = a.wait_url
        self.wait_method = a.wait_method
        self.joined_ms = self.updated_ms = room.clock.now_ms
        self.speaking = False
        self.wait_player: Player | None = None
        self.hold_player: Player | None = None
        self.announcement: Player | None = None
        self.log = room.log.bind(call=call.name)
        self.params: dict[str, str] | None = None  # its event parameters' fixed part (params.py)

    @property
    def coaching(self) -> bool:
        return self.coach_of is not None

    @property
    def waiting(self) -> bool:
        return self.room.state == RoomState.INIT

    @property
    def audible(self) -> bool:
        return audible(self.room.state, self.muted, self.held)

    def snapshot(self) -> ParticipantState:
        return ParticipantState(
            self.call.name,
            muted=self.muted,
            held=self.held,
            waiting=self.waiting,
            coaching=self.coaching,
            speaking=self.speaking,
        )
