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
import re
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import calls, conferences, recordings, resources
from . import recording_changes as changes
from .errors import API_2010_RESOURCES, ApiError, ApiRequest, NotSimulated, json_response, not_found
from .platform import Platform

BASE = "/Accounts/<account>"
PREFIXES = ("/api/laml/2010-04-01", "/2010-04-01")
# the resource a path under a prefix names: Accounts itself, or the first segment under one
API_RESOURCE = re.compile(r"\A/Accounts(?:\.json\Z|/[^/]+(?:\.json\Z|/([A-Za-z]+)))")

# (path under the account, endpoint) and each endpoint's handlers by method, resource by resource
ROUTES = (
    ("Conferences.json", "conferences"),
    ("Conferences/<sid>.json", "conference"),
    ("Conferences/<sid>/Participants.json", "participants"),
    ("Conferences/<sid>/Participants/<key>.json", "participant"),
    ("Calls.json", "calls"),
    ("Calls/<sid>.json", "call"),
    ("Recordings.json", "recordings"),
    ("Recordings/<sid>.json", "recording"),
    ("Recordings/<sid>.<any(wav, mp3):ext>", "recording_media"),
    ("Recordings/<sid>", "recording_media"),
    ("Conferences/<sid>/Recordings.json", "conference_recordings"),
    ("Conferences/<sid>/Recordings/<rec>.json", "conference_recording"),
    ("Calls/<sid>/Recordings.json", "call_recordings"),
    ("Calls/<sid>/Recordings/<rec>.json", "call_recording"),
)
HANDLERS: dict[tuple[str, str], Callable[..., Response]] = {
    ("conferences", "GET"): conferences.conferences_get,
    ("conference", "GET"): conferences.conference_get,
    ("conference", "POST"): conferences.conference_post,
    ("participants", "GET"): conferences.participants_get,
    ("participants", "POST"): conferences.participants_post,
    ("participant", "GET"): conferences.participant_get,
    ("participant", "POST"): conferences.participant_post,
    ("participant", "DELETE"): conferences.participant_delete,
    ("calls", "GET"): calls.calls_get,
    ("calls", "POST"): calls.calls_post,
    ("call", "GET"): calls.call_get,
    ("call", "POST"): calls.call_post,
    ("call", "DELETE"): calls.call_delete,
    ("recordings", "GET"): recordings.account_list,
    ("recording", "GET"): recordings.account_get,
    ("recording", "DELETE"): recordings.delete,
    ("recording_media", "GET"): recordings.media,
    ("conference_recordings", "GET"): partial(changes.list_get, scope="conference"),
    ("conference_recording", "GET"): partial(changes.one_get, scope="conference"),
    ("conference_recording", "POST"): partial(changes.one_post, scope="conference"),
    ("conference_recording", "DELETE"): partial(changes.one_delete, scope="conference"),
    ("call_recordings", "GET"): partial(changes.list_get, scope="call"),
    ("call_recordings", "POST"): changes.call_create,
    ("call_recording", "GET"): partial(changes.one_get, scope="call"),
    ("call_recording", "POST"): partial(changes.one_post, scope="call"),
    ("call_recording", "DELETE"): partial(changes.one_delete, scope="call"),
}


RECORDS = ("call", "recording", "conference_recording", "call_recording")


def routes() -> list[Rule]:
    return [
        Rule(f"{BASE}/{path}", endpoint=name, methods=[m for e, m in HANDLERS if e == name])
        for path, name in ROUTES
    ]


def a_platform_resource(path: str) -> bool:
    """Whether a path under the API's prefix names a resource of the 2010 API (the Accounts
    resource, or one under an account), served here or not."""
    found = API_RESOURCE.match(path)
    return found is not None and (found.group(1) is None or found.group(1) in API_2010_RESOURCES)


def utf8_form(request: Request) -> None:
    """A form body must be UTF-8 (raw and percent-decoded): werkzeug would replace what is not,
    so the request would act with other values than were sent. A 400 instead."""
    from urllib.parse import parse_qsl

    data = request.get_data(cache=True)
    if not data or request.mimetype != "application/x-www-form-urlencoded":
        return
    try:
        parse_qsl(data.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise ApiError(
            400, 21200, "the request body is not UTF-8; parameters must be sent as UTF-8"
        ) from None


class RestApi:
    """WSGI: ``RestApi(platform)(environ, start_response)``."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.map: Map | None = None  # built at the first request: most runs make none
        self.live = False  # answering the process's clients (rest.client)

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
        except NotSimulated as err:
            self.platform.not_simulated(err.method, err.path)
            return json_response(resources.error(0, err.message, err.status), err.status)
        except ApiError as err:
            response = json_response(resources.error(err.code, err.message, err.status), err.status)
            if err.status == 401:
                response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
            if err.allow:
                response.headers["Allow"] = ", ".join(err.allow)
            return response
        except Exception as err:  # never a crash: the caller gets the platform's 500
            message = f"internal error: {type(err).__name__}: {err}"
            return json_response(resources.error(20500, message, 500), 500)

    def route(self, request: Request) -> Response:
        path = request.path
        prefix = next((p for p in PREFIXES if path.startswith(p + "/")), None)
        if prefix is None:  # another API of the platform (Verify, Messaging, Voice v1…)
            raise NotSimulated(request.method, path)
        try:
            endpoint, args = self.urls.bind("api").match(path[len(prefix) :], request.method)
        except MethodNotAllowed as err:
            raise ApiError(
                405, 20004, f"Method {request.method} not allowed for {path}",
                allow=sorted(err.valid_methods or ()),
            ) from None  # fmt: skip
        except (NotFound, HTTPException):
            if a_platform_resource(path[len(prefix) :]):
                raise NotSimulated(request.method, path) from None
            raise not_found(path) from None
        account = self.authenticate(request, args.pop("account"))
        try:
            if request.method == "POST":
                utf8_form(request)
            params = request.form if request.method == "POST" else request.args
        except RequestEntityTooLarge:
            raise ApiError(
                413,
                21200,
                f"the request body is too large; at most {ApiRequest.MAX_BODY:,} bytes "
                "are accepted",
            ) from None
        # (removing an ended call's record, or a recording, changes nothing in the run)
        acts = request.method not in ("GET", "HEAD") and not (
            request.method == "DELETE" and endpoint in RECORDS
        )
        if acts and self.platform.sim.finished:
            raise ApiError(
                400,
                20001,
                "the simulated run has ended (its clock stopped at "
                f"{self.platform.sim.now / 1000:g} s): nothing more can happen in it",
            )
        handler = HANDLERS[endpoint, "GET" if request.method == "HEAD" else request.method]
        with self.platform.lock if not self.platform.deferred else contextlib.nullcontext():
            return handler(self, account, path, params, **args)

    def authenticate(self, request: Request, account_sid: str) -> str:
        """HTTP Basic as the platform takes it: the AccountSid and its auth token, or one of the
        account's API keys (its ``SK…`` sid and secret); anything else is 401 (20003)."""
        header = request.headers.get("Authorization", "")
        user = password = ""
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() == "basic":  # the scheme's name is case-insensitive (RFC 7617)
            with contextlib.suppress(ValueError):
                user, _, password = base64.b64decode(credentials).decode().partition(":")
        account = self.platform.account(account_sid)
        if not user:
            raise ApiError(401, 20003, "Authentication Error - No credentials provided")
        if not self.platform.accepts(account, account_sid, user, password):
            raise ApiError(401, 20003, "Authentication Error - invalid username")
        if account is None:
            raise not_found(request.path)
        return account


def api_of(platform: Platform) -> RestApi:
    """The one REST API of a run's platform (in-process clients and a served port share it)."""
    api = getattr(platform, "api", None)
    if api is None:
        api = platform.api = RestApi(platform)  # type: ignore[attr-defined]
    return api  # type: ignore[no-any-return]
