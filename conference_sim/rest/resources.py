"""The platform's JSON resources for conferences, participants and calls, from live objects.

Field names are the API reference's (snake_case); dates are RFC 2822 from the simulated clock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..engine.params import rfc2822

if TYPE_CHECKING:
    from ..actions import AddParticipant
    from ..engine.call import Call
    from ..engine.conference import Conference
    from ..engine.core import Engine
    from ..engine.participant import Participant

API = "/2010-04-01"
CALL_STATUS = {  # a call's resource status from its state
    "not-arrived": "queued",
    "connected": "in-progress",
    "ended": "completed",
}


def date(sim: Engine, t_ms: int | None) -> str | None:
    return None if t_ms is None else rfc2822(sim.scenario.start, t_ms)


def conference(room: Conference) -> dict[str, Any]:
    sim = room.sim
    base = f"{API}/Accounts/{room.account_sid}/Conferences/{room.sid}"
    return {
        "account_sid": room.account_sid,
        "api_version": "2010-04-01",
        "call_sid_ending_conference": room.ended_by,
        "date_created": date(sim, room.created_ms),
        "date_updated": date(sim, room.updated_ms),
        "friendly_name": room.name,
        "reason_conference_ended": room.end_reason,
        "region": room.region or "us1",
        "sid": room.sid,
        "status": str(room.state),
        "subresource_uris": {
            "participants": f"{base}/Participants.json",
            "recordings": f"{base}/Recordings.json",
        },
        "uri": f"{base}.json",
    }


def participant(p: Participant, **overlay: Any) -> dict[str, Any]:
    """A participant in the room; ``overlay`` shows fields as an update will set them."""
    room, sim = p.room, p.room.sim
    body = {
        "account_sid": room.account_sid,
        "call_sid": p.call.sid,
        "call_sid_to_coach": p.coach_of.sid if p.coach_of is not None else None,
        "coaching": p.coaching,
        "conference_sid": room.sid,
        "date_created": date(sim, p.joined_ms),
        "date_updated": date(sim, p.updated_ms),
        "end_conference_on_exit": p.end_on_exit,
        "hold": p.held,
        "label": p.label,
        "muted": p.muted,
        "queue_time": None,
        "start_conference_on_enter": p.attrs.start_conference_on_enter,
        "status": "connected",
        "uri": f"{API}/Accounts/{room.account_sid}/Conferences/{room.sid}/Participants/"
        f"{p.call.sid}.json",
    }
    body.update(overlay)
    return body


def dialling(call: Call, room: Conference) -> dict[str, Any]:
    """A participant still being dialled (SPEC 11): queued, connecting or ringing."""
    sim = room.sim
    status = {"queued": "queued", "initiated": "connecting"}.get(call.outbound.status, "ringing")  # type: ignore[union-attr]
    return {
        "account_sid": room.account_sid,
        "call_sid": call.sid,
        "call_sid_to_coach": None,
        "coaching": False,
        "conference_sid": room.sid,
        "date_created": date(sim, call.created_ms),
        "date_updated": date(sim, call.updated_ms),
        "end_conference_on_exit": False,
        "hold": False,
        "label": None,
        "muted": False,
        "queue_time": "0",
        "start_conference_on_enter": True,
        "status": status,
        "uri": f"{API}/Accounts/{room.account_sid}/Conferences/{room.sid}/Participants/"
        f"{call.sid}.json",
    }


def created(sim: Engine, action: AddParticipant, conference_sid: str) -> dict[str, Any]:
    """The participant a create answers with: queued, with the attributes it asked for."""
    account_sid = sim.directory.account_sid(action.account)
    now = date(sim, sim.now)
    attrs = action.attrs
    return {
        "account_sid": account_sid,
        "call_sid": action.call_sid,
        "call_sid_to_coach": attrs.coach,
        "coaching": attrs.coach is not None,
        "conference_sid": conference_sid,
        "date_created": now,
        "date_updated": now,
        "end_conference_on_exit": attrs.end_conference_on_exit,
        "hold": False,
        "label": attrs.participant_label,
        "muted": attrs.muted,
        "queue_time": "0",
        "start_conference_on_enter": attrs.start_conference_on_enter,
        "status": "queued",
        "uri": f"{API}/Accounts/{account_sid}/Conferences/{conference_sid}/Participants/"
        f"{action.call_sid}.json",
    }


def call(c: Call, **overlay: Any) -> dict[str, Any]:
    """A call as the Calls resource shows it (SPEC 11): its times move only when it changes."""
    sim = c.sim
    leg = c.outbound
    if c.ended:
        status = c.final_status  # (completed, or busy / no-answer for a <Reject>)
        if leg is not None and leg.status in ("busy", "no-answer", "failed", "canceled"):
            status = leg.status
    elif c.started:
        status = "in-progress"
    else:
        status = leg.status if leg is not None else "queued"
        status = "queued" if status == "initiated" else status
    answered = c.started_ms is not None
    dialled = leg is not None and leg.status != "queued"
    base = f"{API}/Accounts/{c.account_sid}/Calls/{c.sid}"
    body = {
        "account_sid": c.account_sid,
        "annotation": None,
        "answered_by": leg.answered_by if leg is not None else None,
        "api_version": "2010-04-01",
        "caller_name": None,
        "date_created": date(sim, c.created_ms),
        "date_updated": date(sim, c.updated_ms),
        "direction": leg.direction if leg is not None else "inbound",
        "duration": None
        if c.ended_ms is None or not answered
        else str((c.ended_ms - c.started_ms) // 1000),  # type: ignore[operator]
        "end_time": date(sim, c.ended_ms) if answered else None,
        "forwarded_from": None,
        "from": c.spec.from_,
        "from_formatted": c.spec.from_,
        "group_sid": None,
        "parent_call_sid": leg.parent.sid if leg is not None and leg.parent else None,
        "phone_number_sid": None,
        "price": None,
        "price_unit": "USD",
        "queue_time": "0",
        "sid": c.sid,
        "start_time": date(sim, c.started_ms if not dialled else c.created_ms),
        "status": status,
        "subresource_uris": {
            "notifications": f"{base}/Notifications.json",
            "recordings": f"{base}/Recordings.json",
            "payments": f"{base}/Payments.json",
            "events": f"{base}/Events.json",
            "siprec": f"{base}/Siprec.json",
            "streams": f"{base}/Streams.json",
            "transcriptions": f"{base}/Transcriptions.json",
            "user_defined_message_subscriptions": f"{base}/UserDefinedMessageSubscriptions.json",
            "user_defined_messages": f"{base}/UserDefinedMessages.json",
        },
        "to": c.spec.to,
        "to_formatted": c.spec.to,
        "trunk_sid": None,
        "uri": f"{base}.json",
    }
    body.update(overlay)
    return body


def created_call(sim: Engine, action: Any) -> dict[str, Any]:
    """A calls create answers with the call as created: queued, nothing timed yet."""
    account_sid = sim.directory.account_sid(action.account)
    now = date(sim, sim.now)
    base = f"{API}/Accounts/{account_sid}/Calls/{action.call_sid}"
    return {
        **{k: None for k in ("annotation", "answered_by", "caller_name", "duration", "end_time",
                             "forwarded_from", "group_sid", "parent_call_sid",
                             "phone_number_sid", "price", "start_time", "trunk_sid")},
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "date_created": now,
        "date_updated": now,
        "direction": "outbound-api",
        "from": action.caller_id or action.from_,
        "from_formatted": action.caller_id or action.from_,
        "price_unit": "USD",
        "queue_time": "0",
        "sid": action.call_sid,
        "status": "queued",
        "subresource_uris": {"recordings": f"{base}/Recordings.json",
                             "notifications": f"{base}/Notifications.json"},
        "to": action.to,
        "to_formatted": action.to,
        "uri": f"{base}.json",
    }  # fmt: skip


def error(code: int, message: str, status: int) -> dict[str, Any]:
    return {
        "code": code or None,  # (NS1: no platform code for what is not simulated)
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}" if code else None,
        "status": status,
    }
