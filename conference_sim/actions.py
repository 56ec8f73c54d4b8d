"""REST operations as typed values: one frozen class per operation (SPEC 10).

The scenario's ``actions:``, the shell's REST commands and the REST API all produce these; the
engine applies them with one ``match`` (:mod:`conference_sim.engine.operations`). ``at_ms`` is
when a scheduled action is due; ``line`` is where a scenario file wrote it.
"""

from __future__ import annotations

from typing import ClassVar

from attrs import field, frozen

from .model import ConferenceAttrs, Document


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
    """A participant update (every field of SPEC 10); ``None`` leaves a field as it is."""

    muted: bool | None = None
    hold: bool | None = None
    hold_url: str | None = None
    hold_method: str | None = None
    announce_url: str | None = None
    announce_method: str | None = None
    beep_on_exit: bool | None = None
    end_conference_on_exit: bool | None = None
    coaching: bool | None = None
    call_sid_to_coach: str | None = None
    wait_url: str | None = None
    wait_method: str | None = None
    verb: ClassVar[str] = "update"


@frozen(kw_only=True)
class RoomAction(Action):
    """An operation on a live conference, named by its FriendlyName within an account; ``sid``
    (from the REST API) names one instance, which must still be live when it acts."""

    conference: str
    account: str = "default"
    sid: str | None = None
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


@frozen(kw_only=True)
class AddParticipant(RoomAction):
    """Participant create: dial ``to`` and put whoever answers into the conference.

    ``attrs`` are the new participant's <Conference> attributes (label, beep, muted, coach…, and
    the room's callbacks if it creates the room); ``status_callback`` gets the call's progress
    (``initiated ringing answered completed``; default ``completed``). ``name`` is the call's
    name on the timeline."""

    to: str
    from_: str
    attrs: ConferenceAttrs = field(factory=ConferenceAttrs)
    name: str = ""
    timeout_ms: int = 30_000
    status_callback: str | None = None
    status_callback_event: tuple[str, ...] = ("completed",)
    status_callback_method: str = "POST"
    call_sid: str = ""  # given by the REST API (it answers with it); else derived from name
    ignored: tuple[str, ...] = ()  # documented parameters the simulator does not model
    verb: ClassVar[str] = "add"


@frozen(kw_only=True)
class RedirectCall(ParticipantAction):
    """Call update with ``Url``/``Twiml``: the call leaves its conference (no Dial action) and
    runs that document; ``document`` is set for Twiml, else it is fetched from ``url``."""

    url: str | None = None
    method: str = "POST"
    document: Document | None = None
    verb: ClassVar[str] = "redirect"


@frozen(kw_only=True)
class LimitCall(ParticipantAction):
    """Call update with ``TimeLimit``: the call hangs up that long from now, unless it ends
    first."""

    time_limit_ms: int
    verb: ClassVar[str] = "limit"


@frozen(kw_only=True)
class HangupCall(ParticipantAction):
    """Call update with ``Status=completed``: the call hangs up."""

    verb: ClassVar[str] = "hangup"


@frozen(kw_only=True)
class CreateCall(Action):
    """Calls create (SPEC 11): dial ``to`` (E.164, ``client:NAME``, ``sip:URI``) from
    ``from_``; on answer the call runs ``document`` or what ``url`` answers. ``ignored`` names
    the documented parameters the simulator accepts without modelling them."""

    to: str
    from_: str
    account: str = "default"
    url: str | None = None
    method: str = "POST"
    document: Document | None = None
    fallback_url: str | None = None
    fallback_method: str = "POST"
    status_callback: str | None = None
    status_callback_event: tuple[str, ...] = ("completed",)
    status_callback_method: str = "POST"
    timeout_ms: int = 60_000
    time_limit_ms: int | None = None
    machine_detection: str | None = None
    caller_id: str | None = None
    name: str = ""
    call_sid: str = ""
    ignored: tuple[str, ...] = ()
    verb: ClassVar[str] = "create"
    target_field: ClassVar[str] = "to"


PARTICIPANT_ACTIONS: dict[str, type[ParticipantAction]] = {
    c.verb: c for c in (Mute, Unmute, Hold, Unhold, Kick, Update, RedirectCall, HangupCall)
}
ROOM_ACTIONS: dict[str, type[RoomAction]] = {c.verb: c for c in (End, Announce, AddParticipant)}
ACTIONS: dict[str, type[Action]] = {
    **PARTICIPANT_ACTIONS, **ROOM_ACTIONS, CreateCall.verb: CreateCall
}  # fmt: skip
