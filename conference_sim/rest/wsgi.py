"""The REST API as one WSGI application (werkzeug), under ``/2010-04-01/Accounts/{AccountSid}/``
and SignalWire's ``/api/laml/2010-04-01/Accounts/{AccountSid}/``.

Requests are authenticated with HTTP Basic (AccountSid, auth token). Parameters arrive as the
clients send them (``Muted=true``, ``Muted=True``: booleans are read case-insensitively) and
are validated by the same loader functions as a scenario's ``actions:``. Errors are the
platform's JSON: 20404 not found, 20003 bad credentials (401), 21201/21213 a missing To/From,
21205 a missing Url, 16028 a coach target not in the room, 21200 any other bad parameter (and,
with status 413, a body of more than 1 MB).
Nothing a request holds can crash the simulation: an unexpected failure answers 500.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from ..actions import AddParticipant, HangupCall, Kick, RedirectCall, Update
from ..errors import InputError
from ..load.actions import action as build_action
from ..load.actions import options
from ..load.schema import At
from . import resources
from .platform import Platform

BASE = "/Accounts/<account>"


def routes() -> list[Rule]:
    return [
        Rule(f"{BASE}/Conferences.json", endpoint="conferences", methods=["GET"]),
        Rule(f"{BASE}/Conferences/<sid>.json", endpoint="conference", methods=["GET", "POST"]),
        Rule(
            f"{BASE}/Conferences/<sid>/Participants.json",
            endpoint="participants",
            methods=["GET", "POST"],
        ),
        Rule(
            f"{BASE}/Conferences/<sid>/Participants/<key>.json",
            endpoint="participant",
            methods=["GET", "POST", "DELETE"],
        ),
        Rule(f"{BASE}/Calls/<sid>.json", endpoint="call", methods=["GET", "POST"]),
    ]


PREFIXES = ("/api/laml/2010-04-01", "/2010-04-01")
BOOLEANS = {"Muted", "Hold", "BeepOnExit", "EndConferenceOnExit", "Coaching",
            "StartConferenceOnEnter", "EarlyMedia", "Record"}  # fmt: skip
CODES = {"to": 21201, "from": 21213, "callSidToCoach": 16028}


class ApiRequest(Request):
    """A request to the simulated platform: its body is bounded. The platform's REST calls
    carry a few short parameters; a body of more than MAX_BODY bytes (or a multipart form of
    more than 1 000 parts) is refused before it is read into memory."""

    max_content_length = MAX_BODY = 1_000_000
    max_form_memory_size = MAX_BODY
    max_form_parts = 1_000


class ApiError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def not_found(path: str) -> ApiError:
    return ApiError(404, 20404, f"The requested resource {path} was not found")


class RestApi:
    """WSGI: ``RestApi(platform)(environ, start_response)``."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.map: Map | None = None  # built at the first request: most runs make none

    @property
    def urls(self) -> Map:
        if self.map is None:
            self.map = Map(routes())
        return self.map

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return self.dispatch(ApiRequest(environ))(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        try:
            return self.route(request)
        except ApiError as err:
            return json_response(resources.error(err.code, err.message, err.status), err.status)
        except Exception as err:  # never a crash: the caller gets the platform's 500
            message = f"internal error: {type(err).__name__}: {err}"
            return json_response(resources.error(20500, message, 500), 500)

    def route(self, request: Request) -> Response:
        path = request.path
        prefix = next((p for p in PREFIXES if path.startswith(p + "/")), None)
        if prefix is None:
            raise not_found(path)
        try:
            endpoint, args = self.urls.bind("api").match(path[len(prefix) :], request.method)
        except MethodNotAllowed:
            raise ApiError(405, 20004, f"Method {request.method} not allowed for {path}") from None
        except (NotFound, HTTPException):
            raise not_found(path) from None
        account = self.authenticate(request, args.pop("account"))
        try:
            params = request.form if request.method == "POST" else request.args
        except RequestEntityTooLarge:
            raise ApiError(
                413,
                21200,
                f"the request body is too large; at most {ApiRequest.MAX_BODY:,} bytes "
                "are accepted",
            ) from None
        handler = getattr(self, f"{endpoint}_{request.method.lower()}")
        with self.platform.lock if not self.platform.deferred else contextlib.nullcontext():
            return handler(account, path, params, **args)

    def authenticate(self, request: Request, account_sid: str) -> str:
        header = request.headers.get("Authorization", "")
        user = password = ""
        if header.startswith("Basic "):
            with contextlib.suppress(ValueError):
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        if user != account_sid or password != self.platform.auth_token:
            raise ApiError(401, 20003, "Authentication Error - invalid username or password")
        account = self.platform.account(account_sid)
        if account is None:
            raise not_found(request.path)
        return account

    # -- conferences -----------------------------------------------------------------------
    def conferences_get(self, account: str, path: str, params: Mapping[str, str]) -> Response:
        rooms = [r for r in self.platform.conferences(account) if matches(r, params)]
        items = [resources.conference(r) for r in rooms]
        return json_response(resources.page("conferences", path, items))

    def room(self, account: str, path: str, sid: str) -> Any:
        room = self.platform.conference(account, sid)
        if room is None:
            raise not_found(path)
        return room

    def conference_get(self, account: str, path: str, params: Any, sid: str) -> Response:
        return json_response(resources.conference(self.room(account, path, sid)))

    def conference_post(self, account: str, path: str, params: Any, sid: str) -> Response:
        room = self.room(account, path, sid)
        status = params.get("Status")
        if status is not None and status != "completed":
            raise ApiError(400, 21200, f"Status: {status!r} is not allowed; allowed: completed")
        if params.get("AnnounceUrl"):
            data = {"announce": room.name, "account": account, "url": params["AnnounceUrl"]}
            if "AnnounceMethod" in params:
                data["method"] = params["AnnounceMethod"]
            self.act(data)
        body = resources.conference(room)
        if status == "completed":
            self.act({"end": room.name, "account": account})
            if self.platform.deferred or room.state != "completed":
                body.update(status="completed", reason_conference_ended="conference-ended-via-api")
            else:
                body = resources.conference(room)
        return json_response(body)

    # -- participants -----------------------------------------------------------------------
    def participants_get(self, account: str, path: str, params: Any, sid: str) -> Response:
        room = self.room(account, path, sid)
        wanted = {k: flag(k, params[k]) for k in ("Muted", "Hold", "Coaching") if k in params}
        items = [
            resources.participant(p)
            for p in room.participants.values()
            if all(
                getattr(p, {"Muted": "muted", "Hold": "held", "Coaching": "coaching"}[k]) == v
                for k, v in wanted.items()
            )
        ]
        return json_response(resources.page("participants", path, items))

    def participant(self, account: str, path: str, sid: str, key: str) -> Any:
        p = self.platform.participant(self.room(account, path, sid), key)
        if p is None:
            raise not_found(path)
        return p

    def participant_get(self, account: str, path: str, params: Any, sid: str, key: str) -> Response:
        return json_response(resources.participant(self.participant(account, path, sid, key)))

    def participant_delete(
        self, account: str, path: str, params: Any, sid: str, key: str
    ) -> Response:
        p = self.participant(account, path, sid, key)
        self.platform.act(Kick(call=p.call.sid))
        return Response(status=204)

    def participant_post(
        self, account: str, path: str, params: Any, sid: str, key: str
    ) -> Response:
        p = self.participant(account, path, sid, key)
        data = {"update": p.call.sid, **yaml_keys(params)}
        if "callSidToCoach" in data:
            target = self.platform.participant(p.room, data["callSidToCoach"])
            if target is None or target is p:
                raise ApiError(
                    400, 16028,
                    f"CallSidToCoach: {data['callSidToCoach']!r} is not a participant of this "
                    "conference",
                )  # fmt: skip
            data["callSidToCoach"] = target.call.sid
        if len(data) == 1:
            return json_response(resources.participant(p))
        action = self.build(data)
        assert isinstance(action, Update)
        self.platform.act(action)
        if self.platform.deferred:
            return json_response(resources.participant(p, **overlay(action, p)))
        if p.call.participant is p:
            return json_response(resources.participant(p))
        return json_response(resources.participant(p, **overlay(action, p)))

    def participants_post(self, account: str, path: str, params: Any, sid: str) -> Response:
        for param, code in (("To", 21201), ("From", 21213)):
            if not params.get(param):
                raise ApiError(400, code, f"{param}: a {param} number is required")
        room = self.platform.conference(account, sid)
        name = room.name if room is not None else sid  # Twilio: a FriendlyName creates the room
        data = {"add": name, "account": account, **yaml_keys(params)}
        if "timeout" in data:
            data["timeout"] = (
                int(data["timeout"]) if str(data["timeout"]).isdigit() else data["timeout"]
            )
        label = data.get("label")
        call_name = self.platform.new_call_name(label if isinstance(label, str) else None)
        action = self.build(data)
        assert isinstance(action, AddParticipant)
        call_sid = self.platform.sim.directory.sid("CA", call_name)
        action = _evolve(action, name=call_name, call_sid=call_sid)
        conference_sid = (
            room.sid if room is not None and room.state != "completed"
            else self.platform.sim.directory.next_room_sid(account, name)
        )  # fmt: skip
        self.platform.act(action)  # the answer shows it as created: queued
        return json_response(resources.created(self.platform.sim, action, conference_sid), 201)

    # -- calls -------------------------------------------------------------------------------
    def call(self, account: str, path: str, sid: str) -> Any:
        call = self.platform.call(account, sid)
        if call is None:
            raise not_found(path)
        return call

    def call_get(self, account: str, path: str, params: Any, sid: str) -> Response:
        return json_response(resources.call(self.call(account, path, sid)))

    def call_post(self, account: str, path: str, params: Any, sid: str) -> Response:
        call = self.call(account, path, sid)
        status = params.get("Status")
        if status is not None and status not in ("completed", "canceled"):
            raise ApiError(400, 21200, f"Status: {status!r} is not allowed; allowed: completed")
        if status is not None:
            self.platform.act(HangupCall(call=call.sid))
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
        action = self.build(data)
        assert isinstance(action, RedirectCall)
        self.platform.act(action)
        return json_response(resources.call(call))

    # -- building actions --------------------------------------------------------------------
    def act(self, data: dict[str, Any]) -> None:
        self.platform.act(self.build(data))

    def build(self, data: dict[str, Any]) -> Any:
        """A typed action from REST parameters, validated like a scenario's ``actions:``."""
        sim = self.platform.sim
        try:
            return build_action(
                At([data], 0, "", None), None, options(None), sim.dialect, timed=False
            )
        except InputError as err:
            key = (err.where or "").split(".")[-1]
            param = key[:1].upper() + key[1:] if key else "parameter"
            code = CODES.get(key, 21200)
            raise ApiError(400, code, f"{param}: {err.message}") from None


def flag(name: str, value: str) -> bool:
    if value.lower() not in ("true", "false"):
        raise ApiError(400, 21200, f"{name}: {value!r} is not allowed; allowed: true, false")
    return value.lower() == "true"


def yaml_keys(params: Any) -> dict[str, Any]:
    """REST parameters as ``actions:`` keys: ``Muted=True`` -> ``muted: true``; a repeated one
    (``StatusCallbackEvent=ringing&StatusCallbackEvent=answered``) as one space-separated."""
    out: dict[str, Any] = {}
    for name, values in params.lists():
        value = " ".join(values)
        key = name[:1].lower() + name[1:]
        if name in BOOLEANS and value.lower() in ("true", "false"):
            out[key] = value.lower() == "true"
        elif name == "Beep" and value.lower() in ("true", "false"):
            out[key] = value.lower()
        else:
            out[key] = value
    if "record" in out:
        out["conferenceRecord"] = out.pop("record")
    return out


def overlay(action: Update, p: Any) -> dict[str, Any]:
    """How the participant resource will read once the update acts."""
    out: dict[str, Any] = {}
    for field, key in (("muted", "muted"), ("hold", "hold"), ("end_conference_on_exit",
                       "end_conference_on_exit"), ("coaching", "coaching")):  # fmt: skip
        value = getattr(action, field)
        if value is not None:
            out[key] = value
    if action.call_sid_to_coach is not None and action.coaching is not False:
        out["call_sid_to_coach"], out["coaching"] = action.call_sid_to_coach, True
    if action.coaching is False:
        out["call_sid_to_coach"] = None
    return out


def matches(room: Any, params: Mapping[str, str]) -> bool:
    """The Conferences list filters: FriendlyName, Status, DateCreated/DateUpdated (=, <, >)."""
    if "FriendlyName" in params and room.name != params["FriendlyName"]:
        return False
    if "Status" in params and str(room.state) != params["Status"]:
        return False
    for name, t_ms in (("DateCreated", room.created_ms), ("DateUpdated", room.updated_ms)):
        day = parsedate_to_datetime(resources.date(room.sim, t_ms) or "").date()
        for suffix, test in (("", day.__eq__), ("<", day.__le__), (">", day.__ge__)):
            if name + suffix in params and not test(
                parse_day(name + suffix, params[name + suffix])
            ):
                return False
    return True


def parse_day(name: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ApiError(400, 21200, f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None


def _evolve(action: AddParticipant, **changes: Any) -> AddParticipant:
    import attrs

    return attrs.evolve(action, **changes)
