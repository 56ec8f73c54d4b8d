"""The Calls resource: what each request does (SPEC 10, 11): create, list, fetch, update,
delete."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Response

from ..actions import HangupCall, LimitCall, RedirectCall
from . import paging, resources
from .errors import ApiError, json_response, not_found
from .forms import build, evolve, parse_day

if TYPE_CHECKING:
    from .wsgi import RestApi


def find_call(api: RestApi, account: str, path: str, sid: str) -> Any:
    call = api.platform.call(account, sid)
    if call is None or call.deleted or not listed(call):
        raise not_found(path)
    return call


def call_get(api: RestApi, account: str, path: str, params: Any, sid: str) -> Response:
    return json_response(resources.call(find_call(api, account, path, sid)))


def call_post(api: RestApi, account: str, path: str, params: Any, sid: str) -> Response:
    call = find_call(api, account, path, sid)
    status = params.get("Status")
    if status is not None and status not in ("completed", "canceled"):
        raise ApiError(
            400, 21200, f"Status: {status!r} is not allowed; allowed: completed, canceled"
        )
    if call.ended or call.hung_up:  # (hung up: it will have ended when an operation acts)
        raise ApiError(400, 21220, f"Call {call.sid} is not in progress: invalid call state")
    if status == "canceled" and call.started:  # canceled only stops a call not yet answered
        return json_response(resources.call(call))
    if status is not None:
        api.platform.act(HangupCall(call=call.sid))
        return json_response(resources.call(call, status="completed"))
    limit = params.get("TimeLimit")
    if limit is not None:  # the call's longest stay from now (SPEC 11)
        if not limit.isdigit() or not 1 <= int(limit) <= 86400:
            raise ApiError(400, 21200, f"TimeLimit: {limit!r} is not a whole number of seconds")
        api.platform.act(LimitCall(call=call.sid, time_limit_ms=int(limit) * 1000))
    if params.get("StatusCallback") and call.outbound is not None:
        if not (params.get("Url") or params.get("Twiml")):  # as the platform asks
            raise ApiError(400, 21205, "To change StatusCallback, send Url in the same request")
        call.outbound.status_callback = params["StatusCallback"]
        call.outbound.method = params.get("StatusCallbackMethod", call.outbound.method)
    if not params.get("Url") and not params.get("Twiml"):
        if limit is not None:
            return json_response(resources.call(call))
        raise ApiError(400, 21205, "Url parameter is required (or Twiml, or Status)")
    data: dict[str, Any] = {"redirect": call.sid}
    if params.get("Twiml"):
        data["twiml"] = params["Twiml"]
    else:
        data["url"] = params["Url"]
        if "Method" in params:
            data["method"] = params["Method"]
    action = build(api, data)
    assert isinstance(action, RedirectCall)
    api.platform.act(action)
    return json_response(resources.call(call))


# -- the Calls list: create and list -----------------------------------------------------------
CREATE_CODES = {"to": 21211, "from": 21212, "url": 21205, "timeout": 21208, "method": 21209,
                "statusCallback": 21609, "create": 21211}  # fmt: skip
CREATE_KEYS = {"Url": "url", "Method": "method", "Twiml": "twiml", "FallbackUrl": "fallbackUrl",
               "FallbackMethod": "fallbackMethod", "StatusCallback": "statusCallback",
               "StatusCallbackEvent": "statusCallbackEvent", "StatusCallbackMethod":
               "statusCallbackMethod", "Timeout": "timeout", "TimeLimit": "timeLimit",
               "MachineDetection": "machineDetection", "CallerId": "callerId"}  # fmt: skip


def calls_post(api: RestApi, account: str, path: str, params: Any, sid: str = "") -> Response:
    """Calls create: a call ``queued``, dialled at once (SPEC 11)."""
    from ..load.actions import CREATE_IGNORED, readable

    for param, code in (("To", 21201), ("From", 21213)):
        if not params.get(param):
            raise ApiError(400, code, f"A '{param}' phone number is required.")
    if not params.get("Url") and not params.get("Twiml"):
        raise ApiError(400, 21205, "Url parameter is required (or Twiml).")
    data: dict[str, Any] = {"create": params["To"], "from": params["From"], "account": account}
    for name, values in params.lists():
        key = CREATE_KEYS.get(name) or next(
            (k for k in CREATE_IGNORED if k.lower() == name.lower()), None
        )
        if key is None:
            continue  # the platform ignores parameters it does not know
        value: Any = " ".join(values)
        if key in ("timeout", "timeLimit"):
            value = int(value) if value.isdigit() else value
        data[key] = value
    if "url" in data and "twiml" in data:
        del data["twiml"]  # on create, Url wins over Twiml (the platform ignores Twiml)
    name = api.platform.new_call_name(readable(params["To"]))
    call_sid = api.platform.sim.directory.sid("CA", name)
    data["name"] = name
    try:
        action = build(api, data, codes=CREATE_CODES)
    except ApiError:
        api.platform.given.discard(name)
        raise
    action = evolve(action, call_sid=call_sid)
    api.platform.act(action)
    status = api.platform.sim.dialect.created_status
    return json_response(resources.created_call(api.platform.sim, action), status)


def calls_get(api: RestApi, account: str, path: str, params: Any, sid: str = "") -> Response:
    """The Calls list: newest first (rule CL1), with the documented filters."""
    sim = api.platform.sim
    calls = [c for c in sim.directory.calls.values() if c.account == account and listed(c)]
    calls.sort(key=lambda c: (c.created_ms, c.sid), reverse=True)
    wanted = [c for c in calls if call_matches(c, params)]
    return json_response(
        paging.page("calls", path, [resources.call(c) for c in wanted], params, sim.dialect)
    )


def listed(call: Any) -> bool:
    """A call is there once it exists: arrived, or dialled; never before; not once deleted."""
    return not call.deleted and (call.started or call.outbound is not None)


def call_matches(call: Any, params: Any) -> bool:
    body = resources.call(call)
    for param, field in (("To", "to"), ("From", "from"), ("Status", "status"),
                         ("ParentCallSid", "parent_call_sid")):  # fmt: skip
        if param in params and body[field] != params[param]:
            return False
    for name, field in (("StartTime", "start_time"), ("EndTime", "end_time")):
        for suffix, test in (("", "=="), ("<", "<"), (">", ">=")):
            if name + suffix not in params:
                continue
            stamp = body[field]
            if stamp is None:
                return False
            day = parsedate_to_datetime(stamp).date()
            want = parse_day(name + suffix, params[name + suffix])
            if not {"==": day == want, "<": day < want, ">=": day >= want}[test]:
                return False
    return True


def call_delete(api: RestApi, account: str, path: str, params: Any, sid: str) -> Response:
    call = find_call(api, account, path, sid)
    if not call.ended:
        raise ApiError(400, 20009, "Cannot delete this resource before it is complete")
    call.deleted = True
    return Response(status=204)
