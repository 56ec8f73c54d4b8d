"""Request parameters exactly as the platform would form-encode them (SPEC 4). Pure functions.

Every value is a string; booleans are ``true``/``false``; Timestamps are RFC 2822.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING, Any

from ..events import Request

if TYPE_CHECKING:
    from .call import Call
    from .conference import Conference
    from .participant import Participant


def flag(value: bool) -> str:
    return "true" if value else "false"


def rfc2822(start: dt.datetime, t_ms: int) -> str:
    """``Thu, 01 Jan 2026 00:00:30 +0000`` for scenario time t_ms after ``start``."""
    last = LAST_TIMESTAMP[0]  # one read of an immutable tuple: safe when runs share a process
    if last[1] == t_ms and last[0] is start:  # the events of one instant share it
        return last[2]
    text = _rfc2822_second(start, (start.microsecond + t_ms * 1000) // 1_000_000)
    LAST_TIMESTAMP[0] = (start, t_ms, text)
    return text


LAST_TIMESTAMP: list[tuple[Any, int, str]] = [(None, -1, "")]  # (start, t_ms, text), the latest


DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@functools.lru_cache(maxsize=256)  # many events share a second
def _rfc2822_second(start: dt.datetime, seconds: int) -> str:
    """The second ``seconds`` after start's own whole second, as email.utils.format_datetime
    writes a UTC time (without importing the email package on every start)."""
    t = start.replace(microsecond=0) + dt.timedelta(seconds=seconds)
    return (
        f"{DAYS[t.weekday()]}, {t.day:02d} {MONTHS[t.month - 1]} {t.year:04d} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} +0000"
    )


def whole_seconds(ms: int) -> int:
    """Durations are reported in whole seconds, rounded down (a modelling choice)."""
    return ms // 1000


def conference_params(room: Conference, event: str, t_ms: int) -> dict[str, str]:
    return {
        "AccountSid": room.account_sid,
        "ConferenceSid": room.sid,
        "FriendlyName": room.name,
        "StatusCallbackEvent": event,
        "Timestamp": rfc2822(room.sim.scenario.start, t_ms),
    }


def call_params(call: Call) -> dict[str, str]:
    """The standard call parameters SignalWire adds to participant events."""
    return {
        "From": call.spec.from_,
        "To": call.spec.to,
        "CallStatus": "in-progress",
        "Direction": call.direction,
        "ApiVersion": "2010-04-01",
    }


def participant_params(room: Conference, p: Participant, event: str, t_ms: int) -> dict[str, str]:
    """A copy of the participant's own parameters (built at its first event: what cannot change
    while it is in the room) with what can change written in, each key in its place."""
    params = p.params or participant_template(room, p)
    params = params.copy()
    params["StatusCallbackEvent"] = event
    params["Timestamp"] = rfc2822(room.sim.scenario.start, t_ms)
    params["Muted"] = "true" if p.muted else "false"
    params["Hold"] = "true" if p.held else "false"
    params["Coaching"] = "true" if p.coach_of is not None else "false"
    params["EndConferenceOnExit"] = "true" if p.end_on_exit else "false"
    return params


def participant_template(room: Conference, p: Participant) -> dict[str, str]:
    """Every key of a participant event in its order (SPEC 4); kept on the participant."""
    params = {  # conference_params' keys, without formatting a Timestamp
        "AccountSid": room.account_sid,
        "ConferenceSid": room.sid,
        "FriendlyName": room.name,
        "StatusCallbackEvent": "",
        "Timestamp": "",
    }
    params.update(
        {
            "CallSid": p.call.sid,
            "Muted": "",
            "Hold": "",
            "Coaching": "",
            "EndConferenceOnExit": "",
            "StartConferenceOnEnter": flag(p.attrs.start_conference_on_enter),
        }
    )
    if p.label is not None:
        params["ParticipantLabel"] = p.label
    if room.dialect.call_params:
        params.update(call_params(p.call))
    p.params = params
    return params


def dial_params(
    call: Call, status: str, error: int | None, in_conference_ms: int
) -> dict[str, str]:
    params = {
        "CallSid": call.sid,
        "AccountSid": call.account_sid,
        "From": call.spec.from_,
        "To": call.spec.to,
        "CallStatus": "completed" if call.hung_up else "in-progress",
        "DialCallStatus": status,
    }
    if error is not None:
        params["ErrorCode"] = str(error)
    dialect = call.sim.dialect
    if dialect.dial_call_duration:
        params["DialCallDuration"] = str(whole_seconds(in_conference_ms))
    if dialect.dial_bridged:  # Twilio: whether the call was ever in the conference
        params["DialBridged"] = flag(status == "answered")
    if dialect.call_params:  # SignalWire: the standard parameters of every request
        params["ApiVersion"] = "2010-04-01"
        params["Direction"] = call.direction
    return params


def voice_params(call: Call, status: str = "in-progress") -> dict[str, str]:
    """The standard parameters of a request about one call (voice URL, Redirect, wait, hold)."""
    return {
        "CallSid": call.sid,
        "AccountSid": call.account_sid,
        "From": call.spec.from_,
        "To": call.spec.to,
        "Caller": call.spec.from_,
        "Called": call.spec.to,
        "CallStatus": status,
        "Direction": call.direction,
        "ApiVersion": "2010-04-01",
    }


def event_callback(room: Conference, record: dict[str, str]) -> tuple[Request, ...]:
    """The eventCallbackUrl request at the end (SPEC 4). Twilio: the deprecated
    conference-record-end (``record``: Duration, RecordingUrl, RecordingFileSize), and none at
    all when recordingStatusCallback is set; SignalWire: the conference-end parameters."""
    url = room.creator.event_callback_url
    if not url:
        return ()
    if not room.dialect.record_end_apart:
        return (Request("eventCallbackUrl", url, "POST"),)
    if room.creator.recording_status_callback:
        return ()
    body = conference_params(room, "conference-record-end", room.clock.now_ms)
    del body["StatusCallbackEvent"]
    body["EventName"] = "conference-record-end"
    body.update(record)
    return (Request("eventCallbackUrl", url, "POST", body=body),)
