"""REST operations applied to the live rooms, one ``match`` over the typed actions.

An action whose call or conference is not there becomes a ``warning`` event (the platform would
answer 404 / 20404), never a crash. Announce and participant update live here; mute, hold, kick
and end are the room's own transitions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..actions import (
    Action,
    AddParticipant,
    Announce,
    CreateCall,
    End,
    HangupCall,
    Hold,
    Kick,
    LimitCall,
    Mute,
    ParticipantAction,
    RedirectCall,
    RoomAction,
    Unhold,
    Unmute,
    Update,
)
from ..events import Request
from ..model import Document
from . import params as cb
from . import sounds
from .audio import Player
from .legs import end_unanswered
from .outbound import dial_out, place_call
from .params import voice_params
from .requests import HttpRequest

if TYPE_CHECKING:
    from .conference import Conference
    from .core import Engine
    from .participant import Participant


def apply(sim: Engine, action: Action) -> None:
    """Carry out one REST operation now."""
    if isinstance(action, AddParticipant):  # the room may not exist yet: the join creates it
        dial_out(sim, action)
        return
    if isinstance(action, CreateCall):
        place_call(sim, action)
        return
    if isinstance(action, LimitCall):
        limited = sim.directory.find_call(action.call)
        if limited is not None and not limited.ended:
            sim.at(sim.now + action.time_limit_ms, lambda: limited.hangup("time-limit"))
        return
    if isinstance(action, RedirectCall | HangupCall):
        apply_to_call(sim, action)
        return
    if isinstance(action, RoomAction):
        room = sim.directory.room(action.account, action.conference)
        if action.sid is not None and (room is None or room.sid != action.sid):
            # the instance the REST API named has ended: never its FriendlyName's next one
            missing(sim, action, f"conference {action.sid} is not live (it has ended)")
            return
        if room is None:
            why = f"no live conference named {action.conference!r} in account {action.account!r}"
            missing(sim, action, why)
            return
        apply_to_room(sim, room, action)
        return
    assert isinstance(action, ParticipantAction)
    p = participant(sim, action.call)
    if p is None:
        missing(sim, action, f"{action.call!r} is not a participant of any live conference")
        return
    room = p.room
    match action:
        case Mute():
            room.set_muted(p, True)
        case Unmute():
            room.set_muted(p, False)
        case Hold(hold_url=url, hold_method=method):
            room.set_held(p, True, url, method)
        case Unhold():
            room.set_held(p, False)
        case Kick():
            room.remove(p, "kick")
        case Update():
            update(room, p, action)


def apply_to_call(sim: Engine, action: RedirectCall | HangupCall) -> None:
    """Calls/{CallSid} update: hang up, or move the call to another document."""
    call = sim.directory.find_call(action.call)
    if (
        isinstance(action, HangupCall)
        and call is not None
        and not call.ended
        and not call.started
        and call.outbound is not None
    ):  # a call still queued or ringing: canceled (Status=canceled or completed alike)
        end_unanswered(sim, call, "canceled")
        return
    if call is None or call.ended or not call.started:
        missing(sim, action, f"{action.call!r} is not a live call")
        return
    match action:
        case HangupCall():
            call.hangup("completed-via-api")
        case RedirectCall(document=Document() as doc):
            call.redirect(doc, None)
        case RedirectCall(url=str(url), method=method):
            request = HttpRequest("voice", url, method, voice_params(call))
            doc = sim.documents.document(request, call.log)
            if doc is None:  # the new URL failed: the platform ends the call
                call.hangup("application-error")
            else:
                call.redirect(doc, url)


def apply_to_room(sim: Engine, room: Conference, action: RoomAction) -> None:
    match action:
        case End():
            room.end_via_api()
        case Announce(url=url, method=method, call=None):
            announce(room, url, method)
        case Announce(url=url, method=method, call=str(name)):
            target = participant(sim, name)
            if target is None or target.room is not room:
                missing(sim, action, f"{name!r} is not a participant of {room.name!r}")
                return
            announce(room, url, method, target)


def participant(sim: Engine, name_or_sid: str) -> Participant | None:
    call = sim.directory.find_call(name_or_sid)
    return call.participant if call is not None else None


def missing(sim: Engine, action: Action, why: str) -> None:
    refuse(sim, action, f"{why}; the platform would answer 404 and nothing changes", "20404")


def refuse(sim: Engine, action: Action, reason: str, code: str | None = None) -> None:
    """An operation that changes nothing: an ``action-failed`` warning says why."""
    account = action.account if isinstance(action, RoomAction) else "default"
    params = {"action": action.verb, "target": action.target}
    if code is not None:
        params["ErrorCode"] = code
    sim.warn(sim.log.bind(account=account), "action-failed", **params, reason=reason)


# -- announce ----------------------------------------------------------------------------------
def announce(room: Conference, url: str, method: str, target: Participant | None = None) -> None:
    """Play an announceUrl document to the whole room, or to one participant."""
    holder: Conference | Participant = target if target is not None else room
    if holder.announcement is not None:
        holder.announcement.stop()
    log = target.log if target is not None else room.log
    params = cb.conference_params(room, "announcement", room.clock.now_ms)
    del params["StatusCallbackEvent"]
    if target is not None:
        params["CallSid"] = target.call.sid
    player = Player(
        room.sim,
        url,
        method,
        "announceUrl",
        log,
        on_done=lambda ok: announcement_done(room, player, url, target, ok),
        params=params,
    )
    holder.announcement = player
    heard_by = (
        [target.call.name]
        if target is not None
        else [q.call.name for q in room.participants.values() if not q.held]
    )
    status = player.start()
    room.audio(
        "announcement-start",
        target,
        requests=(Request("announceUrl", url, method, status),),
        url=url,
        heard_by=heard_by,
    )


def announcement_done(
    room: Conference, player: Player, url: str, target: Participant | None, ok: bool
) -> None:
    holder: Conference | Participant = target if target is not None else room
    if holder.announcement is player:
        holder.announcement = None
    if room.state == "completed":
        return
    extra = {"AnnounceUrl": url}  # to one participant: that participant's parameters too
    if room.dialect.announcement_events:
        if ok:
            room.emit("announcement-end", target, extra=extra)
        else:
            extra["ReasonAnnouncementFailed"] = f"could not fetch {url}"
            room.emit("announcement-fail", target, extra=extra)
    elif ok:
        room.audio("announcement-end", target, url=url)


# -- participant update ------------------------------------------------------------------------
def update(room: Conference, p: Participant, action: Update) -> None:
    """beepOnExit, endConferenceOnExit, coaching/callSidToCoach, waitUrl/waitMethod; the twilio
    dialect reports a change as participant-modify."""
    if action.muted is not None:
        room.set_muted(p, action.muted)
    if action.hold is not None:
        room.set_held(p, action.hold, action.hold_url, action.hold_method or "GET")
    if action.announce_url is not None:
        announce(room, action.announce_url, action.announce_method or "POST", p)
    changed = False
    if action.beep_on_exit is not None:
        changed |= p.beep_exit != action.beep_on_exit
        p.beep_exit = action.beep_on_exit
    if action.end_conference_on_exit is not None:
        changed |= p.end_on_exit != action.end_conference_on_exit
        p.end_on_exit = action.end_conference_on_exit
    if action.coaching is not None or action.call_sid_to_coach is not None:
        changed |= update_coaching(room, p, action)
    if action.wait_url is not None or action.wait_method is not None:
        if action.wait_url is not None:
            p.wait_url = action.wait_url
        p.wait_method = action.wait_method or p.wait_method
        changed = True
        if p.wait_player is not None:
            sounds.stop_wait(room, p)
            sounds.start_wait(room, p)
    if changed:
        p.updated_ms = room.clock.now_ms
    if changed and room.dialect.modify_events:
        room.emit("participant-modify", p)


def update_coaching(room: Conference, p: Participant, action: Update) -> bool:
    if action.coaching is False:
        was = p.coach_of is not None
        p.coach_of = None
        return was
    sid = action.call_sid_to_coach
    target = room.sim.directory.find_call(sid) if sid is not None else p.coach_of
    tp = target.participant if target is not None else None
    if target is None or tp is None or tp.room is not room or target is p.call:
        room.sim.warn(
            p.log,
            "action-failed",
            action="update",
            target=p.call.name,
            ErrorCode="16028",
            reason=f"callSidToCoach {sid!r} is not a participant of this "
            "conference; coaching is unchanged",
        )
        return False
    was = p.coach_of
    p.coach_of = target
    return was is not target
