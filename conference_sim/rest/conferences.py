"""The Conferences and Participants resources: what each request does (SPEC 10)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Response

from ..actions import AddParticipant, Kick, Update
from . import paging, resources
from .errors import ApiError, json_response, not_found
from .forms import act, build, evolve, flag, matches, overlay, yaml_keys

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .wsgi import RestApi


def conferences_get(api: RestApi, account: str, path: str, params: Mapping[str, str]) -> Response:
    rooms = [r for r in api.platform.conferences(account) if matches(r, params)]
    items = [resources.conference(r) for r in rooms]
    return json_response(paging.page("conferences", path, items, params, api.platform.sim.dialect))


def find_room(api: RestApi, account: str, path: str, sid: str) -> Any:
    room = api.platform.conference(account, sid)
    if room is None:
        raise not_found(path)
    return room


def conference_get(api: RestApi, account: str, path: str, params: Any, sid: str) -> Response:
    return json_response(resources.conference(find_room(api, account, path, sid)))


def conference_post(api: RestApi, account: str, path: str, params: Any, sid: str) -> Response:
    room = find_room(api, account, path, sid)
    status = params.get("Status")
    if status is not None and status != "completed":
        raise ApiError(400, 21200, f"Status: {status!r} is not allowed; allowed: completed")
    if room.state == "completed" or room.ending:  # (ending: it will be completed when this acts)
        raise ApiError(400, 16022, f"Conference {room.sid} does not exist or is completed")
    if params.get("AnnounceUrl"):
        data = {"announce": room.name, "account": account, "url": params["AnnounceUrl"]}
        if "AnnounceMethod" in params:
            data["method"] = params["AnnounceMethod"]
        act(api, data, sid=room.sid)
    body = resources.conference(room)
    if status == "completed":
        act(api, {"end": room.name, "account": account}, sid=room.sid)
        if api.platform.deferred or room.state != "completed":
            body.update(status="completed", reason_conference_ended="conference-ended-via-api")
        else:
            body = resources.conference(room)
    return json_response(body)


def participants_get(api: RestApi, account: str, path: str, params: Any, sid: str) -> Response:
    room = find_room(api, account, path, sid)
    wanted = {k: flag(k, params[k]) for k in ("Muted", "Hold", "Coaching") if k in params}
    items = [
        resources.participant(p)
        for p in room.participants.values()
        if all(
            getattr(p, {"Muted": "muted", "Hold": "held", "Coaching": "coaching"}[k]) == v
            for k, v in wanted.items()
        )
    ]
    if not wanted:  # the participants still being dialled: queued, connecting, ringing
        items += [resources.dialling(c, room) for c in dialling(api, room)]
    return json_response(paging.page("participants", path, items, params, api.platform.sim.dialect))


def dialling(api: RestApi, room: Any) -> list[Any]:
    """The calls a participant create is dialling into this room, not answered yet."""
    return [
        c for c in api.platform.sim.directory.calls.values()
        if c.outbound is not None and c.outbound.conference == room.name
        and c.account == room.account and not c.started and not c.ended
        and room.state != "completed"
    ]  # fmt: skip


def find_participant(api: RestApi, account: str, path: str, sid: str, key: str) -> Any:
    room = find_room(api, account, path, sid)
    p = api.platform.participant(room, key)
    if p is None or room.ending:  # (ending: it will have left when an operation acts)
        raise not_found(path)
    return p


def dialling_one(api: RestApi, room: Any, key: str) -> Any:
    return next((c for c in dialling(api, room) if key == c.sid), None)


def participant_get(
    api: RestApi, account: str, path: str, params: Any, sid: str, key: str
) -> Response:
    room = find_room(api, account, path, sid)
    ringing = dialling_one(api, room, key)
    if ringing is not None:
        return json_response(resources.dialling(ringing, room))
    return json_response(resources.participant(find_participant(api, account, path, sid, key)))


def participant_delete(
    api: RestApi, account: str, path: str, params: Any, sid: str, key: str
) -> Response:
    p = find_participant(api, account, path, sid, key)
    api.platform.act(Kick(call=p.call.sid))
    return Response(status=204)


def participant_post(
    api: RestApi, account: str, path: str, params: Any, sid: str, key: str
) -> Response:
    p = find_participant(api, account, path, sid, key)
    data = {"update": p.call.sid, **yaml_keys(params)}
    if "callSidToCoach" in data:
        target = api.platform.participant(p.room, data["callSidToCoach"])
        if target is None or target is p:
            raise ApiError(
                400, 16028,
                f"CallSidToCoach: {data['callSidToCoach']!r} is not a participant of this "
                "conference",
            )  # fmt: skip
        data["callSidToCoach"] = target.call.sid
    if len(data) == 1:
        return json_response(resources.participant(p))
    action = build(api, data)
    assert isinstance(action, Update)
    api.platform.act(action)
    if api.platform.deferred:
        return json_response(resources.participant(p, **overlay(action, p)))
    if p.call.participant is p:
        return json_response(resources.participant(p))
    return json_response(resources.participant(p, **overlay(action, p)))


def participants_post(api: RestApi, account: str, path: str, params: Any, sid: str) -> Response:
    for param, code in (("To", 21201), ("From", 21213)):
        if not params.get(param):
            raise ApiError(400, code, f"{param}: a {param} number is required")
    room = api.platform.conference(account, sid)
    if room is not None and (room.state == "completed" or room.ending):
        # a ConferenceSid names one instance: one that has ended takes nobody in
        raise ApiError(400, 16022, f"Conference {room.sid} does not exist or is completed")
    if room is None:  # a FriendlyName: its live instance, or a new one when its caller joins
        room = api.platform.sim.directory.room(account, sid)
    name = room.name if room is not None else sid
    data = {"add": name, "account": account, **yaml_keys(params)}
    if "timeout" in data:
        data["timeout"] = (
            int(data["timeout"]) if str(data["timeout"]).isdigit() else data["timeout"]
        )
    label = data.get("label")
    call_name = api.platform.new_call_name(label if isinstance(label, str) else None)
    action = build(api, data)
    assert isinstance(action, AddParticipant)
    call_sid = api.platform.sim.directory.sid("CA", call_name)
    action = evolve(action, name=call_name, call_sid=call_sid)
    conference_sid = (
        room.sid if room is not None and room.state != "completed" and not room.ending
        else api.platform.sim.directory.next_room_sid(account, name)
    )  # fmt: skip
    api.platform.act(action)  # the answer shows it as created: queued
    return json_response(resources.created(api.platform.sim, action, conference_sid), 201)
