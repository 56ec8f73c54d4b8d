"""REST operations as typed values: one frozen class per operation (SPEC 10).

The scenario's ``actions:``, the shell's REST commands and (later) the REST API all produce these;
the engine applies them with one ``match`` (:mod:`conference_sim.engine.rest`). ``at_ms`` is when
a scheduled action is due; ``line`` is where a scenario file wrote it.
"""

from __future__ import annotations

from typing import ClassVar

from attrs import frozen


@frozen(kw_only=True)
class Action:
    at_ms: int = 0
    line: int | None = None
    verb: ClassVar[str] = ""
    target_field: ClassVar[str] = ""

    @property
    def target(self) -> str:
        """What the action names: a call (name or CallSid) or a conference name."""
        return str(getattr(self, self.target_field))


@frozen(kw_only=True)
class ParticipantAction(Action):
    """An operation on one participant, named by call name or CallSid."""

    call: str
    target_field: ClassVar[str] = "call"


@frozen(kw_only=True)
class Mute(ParticipantAction):
    verb: ClassVar[str] = "mute"


@frozen(kw_only=True)
class Unmute(ParticipantAction):
    verb: ClassVar[str] = "unmute"


@frozen(kw_only=True)
class Hold(ParticipantAction):
    hold_url: str | None = None  # None: the platform's default hold music
    hold_method: str = "GET"
    verb: ClassVar[str] = "hold"


@frozen(kw_only=True)
class Unhold(ParticipantAction):
    verb: ClassVar[str] = "unhold"


@frozen(kw_only=True)
class Kick(ParticipantAction):
    verb: ClassVar[str] = "kick"


@frozen(kw_only=True)
class Update(ParticipantAction):
    """A participant update; ``None`` leaves a field as it is."""

    beep_on_exit: bool | None = None
    end_conference_on_exit: bool | None = None
    coaching: bool | None = None
    call_sid_to_coach: str | None = None
    wait_url: str | None = None
    wait_method: str | None = None
    verb: ClassVar[str] = "update"


@frozen(kw_only=True)
class RoomAction(Action):
    """An operation on a live conference, named by its FriendlyName within an account."""

    conference: str
    account: str = "default"
    target_field: ClassVar[str] = "conference"


@frozen(kw_only=True)
class End(RoomAction):
    verb: ClassVar[str] = "end"


@frozen(kw_only=True)
class Announce(RoomAction):
    url: str
    method: str = "POST"
    call: str | None = None  # announce to this participant only
    verb: ClassVar[str] = "announce"


PARTICIPANT_ACTIONS: dict[str, type[ParticipantAction]] = {
    c.verb: c for c in (Mute, Unmute, Hold, Unhold, Kick, Update)
}
ROOM_ACTIONS: dict[str, type[RoomAction]] = {c.verb: c for c in (End, Announce)}
ACTIONS: dict[str, type[Action]] = {**PARTICIPANT_ACTIONS, **ROOM_ACTIONS}
