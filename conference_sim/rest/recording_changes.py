"""A conference's and a call's recordings: list, fetch, delete, and the changes (research 8.2,
8.3): start one on a live call; pause (``PauseBehavior``), resume, and stop (a call's; a
conference's in the signalwire dialect, REC2).
``Twilio.CURRENT`` names the one recording in progress."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Response

from ..engine import recordings as engine
from ..engine.recording import stop_recording
from ..engine.recordings import Kept
from .errors import ApiError, json_response, not_found
from .recordings import CURRENT, body, delete, find, listed, newest_first

if TYPE_CHECKING:
    from .wsgi import RestApi

STATUSES = ("paused", "in-progress", "stopped")
EVENTS = ("in-progress", "completed", "absent")


def in_scope(kept: Kept, scope: str, owner: str) -> bool:
    return (kept.conference_sid if scope == "conference" else kept.call_sid) == owner


def owner_sid(api: RestApi, account: str, path: str, scope: str, sid: str) -> str:
    """The conference or call named in the path (it must exist in the account)."""
    platform = api.platform
    found = (
        platform.conference(account, sid) if scope == "conference" else platform.call(account, sid)
    )
    if found is None:
        raise not_found(path)
    return found.sid  # type: ignore[no-any-return]


def scoped(api: RestApi, account: str, path: str, scope: str, owner: str, sid: str) -> Kept:
    if sid == CURRENT:
        live = [
            k for k in newest_first(api, account, lambda k: in_scope(k, scope, owner)) if k.live
        ]
        if len(live) != 1:
            raise ApiError(400, 21220, f"{CURRENT} needs exactly one recording in progress; "
                           f"there are {len(live)}")  # fmt: skip
        return live[0]
    kept = find(api, account, path, sid)
    if not in_scope(kept, scope, owner):
        raise not_found(path)
    return kept


# -- handlers (each: conference or call scope, by the route's keyword) ---------------------------
def list_get(api: RestApi, account: str, path: str, params: Any, sid: str, scope: str) -> Response:
    owner = owner_sid(api, account, path, scope, sid)
    items = newest_first(api, account, lambda k: in_scope(k, scope, owner) and not k.deleted)
    return listed(api, path, params, items, scope)


def one_get(
    api: RestApi, account: str, path: str, params: Any, sid: str, rec: str, scope: str
) -> Response:
    owner = owner_sid(api, account, path, scope, sid)
    return json_response(body(api, scoped(api, account, path, scope, owner, rec), scope))


def one_delete(
    api: RestApi, account: str, path: str, params: Any, sid: str, rec: str, scope: str
) -> Response:
    owner = owner_sid(api, account, path, scope, sid)
    kept = scoped(api, account, path, scope, owner, rec)
    return delete(api, account, path, params, kept.sid)


def one_post(
    api: RestApi, account: str, path: str, params: Any, sid: str, rec: str, scope: str
) -> Response:
    """Pause, resume or stop (a conference's recording cannot be stopped on Twilio: REC2)."""
    owner = owner_sid(api, account, path, scope, sid)
    kept = scoped(api, account, path, scope, owner, rec)
    status = params.get("Status")
    if status not in STATUSES:
        raise ApiError(400, 21200, f"Status: {status!r} is not allowed; allowed: "
                       + ", ".join(STATUSES))  # fmt: skip
    behavior = params.get("PauseBehavior", "silence")
    if behavior not in ("skip", "silence"):
        raise ApiError(
            400, 21200, f"PauseBehavior: {behavior!r} is not allowed; allowed: skip, silence"
        )
    if (
        status == "stopped"
        and scope == "conference"
        and not api.platform.sim.dialect.stops_conference_recordings
    ):
        raise ApiError(400, 21220, "A conference recording can be paused and resumed, not stopped")
    if not kept.live:
        raise ApiError(400, 21220, f"Recording {kept.sid} is not in progress")
    sim = api.platform.sim

    def change() -> None:
        log = sim.log.bind(account=kept.account, call=call_name(api, kept))
        if status == "paused":
            engine.pause(sim, kept, behavior, log)
        elif status == "in-progress":
            engine.resume(sim, kept, log)
        elif kept.source == "Conference":
            room = sim.directory.conferences.get(kept.conference_sid or "")
            if room is not None:
                stop_recording(room)
        else:
            call = sim.directory.calls_by_sid.get(kept.call_sid or "")
            if call is not None:
                engine.stop_call_recording(sim, call, kept)

    api.platform.change(change)
    shown = body(api, kept, scope)
    shown.update(status=status, sid=rec if rec == CURRENT else kept.sid)
    return json_response(shown)


def call_name(api: RestApi, kept: Kept) -> str | None:
    call = api.platform.sim.directory.calls_by_sid.get(kept.call_sid or "")
    return call.name if call is not None else None


def call_create(api: RestApi, account: str, path: str, params: Any, sid: str) -> Response:
    """Start recording a live call (StartCallRecordingAPI)."""
    sim = api.platform.sim
    call = api.platform.call(account, sid)
    if call is None:
        raise not_found(path)
    if not call.started or call.ended or call.hung_up:
        raise ApiError(400, 21220, f"Call {call.sid} is not in progress: it cannot be recorded")
    channels = {"mono": 1, "dual": 2}.get(params.get("RecordingChannels", "mono"))
    track = params.get("RecordingTrack", "both")
    trim = params.get("Trim", "do-not-trim")
    if (
        channels is None
        or track not in ("inbound", "outbound", "both")
        or trim not in ("trim-silence", "do-not-trim")
    ):
        raise ApiError(
            400,
            21200,
            "RecordingChannels (mono, dual), RecordingTrack (inbound, outbound, both) or Trim "
            "(trim-silence, do-not-trim) is not allowed",
        )
    url = params.get("RecordingStatusCallback")
    events = (
        tuple(e for value in params.getlist("RecordingStatusCallbackEvent") for e in value.split())
        if hasattr(params, "getlist")
        else tuple(params.get("RecordingStatusCallbackEvent", "").split())
    )
    bad = [e for e in events if e not in EVENTS]
    if bad:
        raise ApiError(400, 21200, f"RecordingStatusCallbackEvent: {bad[0]!r} is not allowed; "
                       f"allowed: {', '.join(EVENTS)}")  # fmt: skip
    callback = (url, params.get("RecordingStatusCallbackMethod", "POST"), events or ("completed",))
    kept = engine.call_recording(sim, call, channels=channels, track=track, trim=trim,
                                 callback=callback if url else None)  # fmt: skip
    api.platform.change(lambda: engine.start_call_recording(sim, call, kept))
    return json_response(body(api, kept, "call"), sim.dialect.created_status)
