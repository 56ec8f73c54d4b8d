"""Diagnostics where users get stuck (SPEC 11): an app that answers 400/401/403 to a signed
request gets a warning that says what was signed (the URL, how many parameters, whose token)
and, for an app over HTTP, the proxy settings that make an app see the URL the platform
signed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, abort, request
from twilio.request_validator import RequestValidator

import conference_sim

CALLS = {"calls": [{"name": "a", "url": "https://app.example/voice", "hangup": 10}]}
TOKEN = "c0ffee00c0ffee00c0ffee00c0ffee00"


def strict_app(token: str = TOKEN) -> Flask:
    app = Flask("strict")

    @app.post("/voice")
    def voice() -> str:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not RequestValidator(token).validate(request.url, request.form.to_dict(), signature):
            abort(403)
        return "<Response><Say>hi</Say></Response>"

    return app


@contextmanager
def served_without_proxy_fix(app: Any) -> Iterator[str]:
    """As a developer first serves the app: no ProxyFix, so it sees http://127.0.0.1:PORT."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def reason(timeline: conference_sim.Timeline) -> str:
    (failed,) = timeline.events("request-failed")
    return str(failed.params["reason"])


def test_SPEC11_a_403_over_http_names_the_signed_url_and_the_proxy_settings():
    with served_without_proxy_fix(strict_app()) as url:
        said = reason(conference_sim.run(CALLS, app=url))
    assert said.startswith("the app answered HTTP 403; if it refused the signature:")
    assert "signed https://app.example/voice with" in said
    assert "ProxyFix(x_proto=1, x_host=1)" in said and "app.set('trust proxy', true)" in said
    assert "SECURE_PROXY_SSL_HEADER" in said and "--proxy-headers" in said


def test_SPEC11_a_403_in_process_names_the_token_to_validate_with():
    said = reason(conference_sim.run(CALLS, app=strict_app("another-token")))
    assert "signed https://app.example/voice with" in said
    assert "the app must validate with that token" in said and "ProxyFix" not in said


def test_SPEC11_a_500_says_nothing_of_signatures():
    app = Flask("broken")

    @app.post("/voice")
    def voice() -> str:
        abort(500)

    said = reason(conference_sim.run(CALLS, app=app))
    assert said == "the app answered HTTP 500"
