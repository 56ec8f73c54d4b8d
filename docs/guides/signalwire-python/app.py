"""A conference line with SignalWire's Python SDK, served over HTTP with the standard library
only (wsgiref): callers join a conference, and the app dials an agent with
``client.calls.create`` when the first caller joins. Webhooks are checked with the SDK's own
``RequestValidator``. The client reads the space from ``SIGNALWIRE_SPACE_URL``, as SignalWire's
examples do, and speaks https to it. One line more than a deployed app: the SDK (on twilio 6)
ignores ``REQUESTS_CA_BUNDLE``, so the app gives its session the CA file.

conference-sim drives it unchanged (see line.yaml and the SignalWire guide):
    conference-sim check line.yaml --https --app http://127.0.0.1:3000 \\
        --app-command ".venv-signalwire/bin/python app.py"
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, make_server

from signalwire.request_validator import RequestValidator
from signalwire.rest import Client

PROJECT = os.environ["SIGNALWIRE_PROJECT_ID"]
TOKEN = os.environ["SIGNALWIRE_TOKEN"]
client = Client(PROJECT, TOKEN, signalwire_space_url=os.environ["SIGNALWIRE_SPACE_URL"])
if os.environ.get("REQUESTS_CA_BUNDLE"):
    # the one line this SDK needs: its twilio 6 sends without the environment's CA bundle
    client.http_client.session.verify = os.environ["REQUESTS_CA_BUNDLE"]
validator = RequestValidator(TOKEN)
dialled: list[str] = []

JOIN = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Conference '
    'statusCallback="/events" statusCallbackEvent="join" startConferenceOnEnter="{start}">'
    "line</Conference></Dial></Response>"
)


def public_url(environ: dict[str, Any]) -> str:
    """The URL the platform signed: behind a proxy, its Host and X-Forwarded-Proto say it."""
    scheme = environ.get("HTTP_X_FORWARDED_PROTO", environ["wsgi.url_scheme"])
    host = environ.get("HTTP_X_FORWARDED_HOST") or environ["HTTP_HOST"]
    query = f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else ""
    return f"{scheme}://{host}{environ['PATH_INFO']}{query}"


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    size = int(environ.get("CONTENT_LENGTH") or 0)
    form = dict(parse_qsl(environ["wsgi.input"].read(size).decode()))
    signature = environ.get("HTTP_X_SIGNALWIRE_SIGNATURE", "")
    if not validator.validate(public_url(environ), form, signature):
        start_response("403 Forbidden", [("Content-Type", "text/plain")])
        return [b"bad signature"]
    path = environ["PATH_INFO"]
    if path in ("/voice", "/agent"):
        start = "true" if path == "/agent" else "false"
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [JOIN.format(start=start).encode()]
    if path == "/events" and form.get("StatusCallbackEvent") == "participant-join" and not dialled:
        call = client.calls.create(
            to="client:agent", from_="+15559990000", url="https://app.example/agent"
        )
        dialled.append(call.sid)
        print(f"dialled the agent: {call.sid}", flush=True)
    start_response("204 No Content", [])
    return []


class Quiet(WSGIRequestHandler):
    def log_message(self, *_args: Any) -> None:
        pass

    def log_error(self, *args: Any) -> None:
        import traceback

        traceback.print_exc()


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "3000"))
    with make_server("127.0.0.1", port, app, handler_class=Quiet) as server:
        print(f"conference line on http://127.0.0.1:{port}", flush=True)
        server.serve_forever()
