"""The Calls resource: what each request does (SPEC 10)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..actions import HangupCall, RedirectCall
from . import resources
from .errors import ApiError, json_response, not_found
from .forms import build

if TYPE_CHECKING:
    from werkzeug.wrappers import Response

    from .wsgi import RestApi


def find_call(api: RestApi, account: str, path: str, sid: str) -> Any:
    call = api.platform.call(account, sid)
    if call is None:
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
    if not params.get("Url") and not params.get("Twiml"):
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
