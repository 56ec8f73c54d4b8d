"""Small apps as users write them (Flask, FastAPI, the twilio SDK), for the SPEC 9 tests.

Each app answers the same routes the same way, checks every request's signature with the
official ``RequestValidator`` and records what it received in ``app.seen``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, Response
from flask import Flask
from flask import Response as FlaskResponse
from flask import request as flask_request
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import Dial, VoiceResponse

TOKEN = "c0ffee00c0ffee00c0ffee00c0ffee00"  # conference-sim's default auth_token
BASE = "https://app.example"


def voice_document() -> str:
    response = VoiceResponse()
    dial = Dial(action=f"{BASE}/after")
    dial.conference(
        "Room",
        wait_url=f"{BASE}/wait",
        status_callback=f"{BASE}/events",
        status_callback_event="start end join leave",
    )
    response.append(dial)
    return str(response)


def answer(path: str, behaviour: dict[str, Any]) -> tuple[int, str]:
    """(status, body) for a route; ``behaviour`` maps a path to a status, a body, or 'raise'."""
    override = behaviour.get(path)
    if override == "raise":
        raise ZeroDivisionError("division by zero in the handler")
    if isinstance(override, int):
        return override, "<error/>"
    if isinstance(override, str):
        return 200, override
    if path == "/voice":
        return 200, voice_document()
    if path == "/wait":
        return 200, str(VoiceResponse().play("https://cdn.example/jazz.mp3"))
    if path == "/after":
        return 200, str(VoiceResponse().say("bye"))
    if path == "/announce":
        return 200, str(VoiceResponse().say("the room closes soon"))
    return 204, ""


class Seen(list):  # type: ignore[type-arg]
    """What an app received: (method, url, form, headers, signature valid?)."""


def check(validator: RequestValidator, url: str, form: dict[str, str], headers: Any) -> bool:
    return bool(validator.validate(url, form, headers.get("X-Twilio-Signature", "")))


def flask_app(behaviour: dict[str, Any] | None = None, token: str = TOKEN) -> Any:
    app = Flask("flask-test-app")
    app.seen = Seen()  # type: ignore[attr-defined]
    validator = RequestValidator(token)
    behaviour = behaviour or {}

    @app.route("/<path:path>", methods=["GET", "POST"])
    def any_route(path: str) -> Any:
        req = flask_request
        form = req.form.to_dict()
        ok = check(validator, req.url, form, req.headers)
        app.seen.append((req.method, req.url, form, dict(req.headers), ok))  # type: ignore[attr-defined]
        status, body = answer(f"/{path}", behaviour)
        return FlaskResponse(body, status=status, mimetype="text/xml")

    return app


def fastapi_app(behaviour: dict[str, Any] | None = None, token: str = TOKEN) -> Any:
    app = FastAPI()
    app.state.seen = Seen()
    validator = RequestValidator(token)
    behaviour = behaviour or {}

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def any_route(path: str, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        ok = check(validator, str(request.url), form, request.headers)
        app.state.seen.append((request.method, str(request.url), form, dict(request.headers), ok))
        status, body = answer(f"/{path}", behaviour)
        return Response(body, status_code=status, media_type="text/xml")

    return app
