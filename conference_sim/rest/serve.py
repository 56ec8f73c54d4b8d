"""``conference-sim serve``: the REST API over real HTTP on 127.0.0.1, for apps and tests in any
language, with control endpoints for the simulated clock.

* ``POST /_sim/advance`` with ``to=TIME`` (a scenario time): run up to it; answers the new
  events as JSONL.
* ``POST /_sim/run``: run to the end; answers the new events as JSONL.
* ``GET /_sim/timeline``: the whole timeline so far, as JSONL.

The server is threaded: it answers REST requests while the simulation waits for an answer from
the app (an app that calls the API from inside a callback handler), and they take effect at
that instant.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterable
from typing import IO, Any

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from ..errors import InputError
from ..events import CaptureSink
from ..output.sinks import jsonl_line
from ..timeparse import to_ms
from .platform import platform_for
from .wsgi import ApiRequest, RestApi


class Server:
    """The REST API of one simulation, and its clock controls."""

    def __init__(self, sim: Any, sink: CaptureSink) -> None:
        self.sim = sim
        self.sink = sink
        self.platform = platform_for(sim)
        self.api = RestApi(self.platform)
        self.shown = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = ApiRequest(environ)
        if request.path.startswith("/_sim/"):
            response = self.control(request)
        else:
            return self.api(environ, start_response)
        return response(environ, start_response)

    def control(self, request: Request) -> Response:
        path, method = request.path, request.method
        if path == "/_sim/timeline" and method == "GET":
            return jsonl(self.sink.events)
        if path == "/_sim/advance" and method == "POST":
            try:
                to = to_ms(request.values.get("to", ""), what="to")
            except InputError as err:
                return Response(f"{err.message}\n", status=400, mimetype="text/plain")
            except RequestEntityTooLarge:
                return Response(
                    f"the request body is too large; at most {ApiRequest.MAX_BODY:,} bytes\n",
                    status=413,
                    mimetype="text/plain",
                )
            with self.platform.lock:
                self.sim.advance(to)
                return self.new_events()
        if path == "/_sim/run" and method == "POST":
            with self.platform.lock:
                self.sim.run()
                return self.new_events()
        return Response(
            "unknown control endpoint; allowed: POST /_sim/advance (to=TIME), "
            "POST /_sim/run, GET /_sim/timeline\n",
            status=404,
            mimetype="text/plain",
        )

    def new_events(self) -> Response:
        events = self.sink.events[self.shown :]
        self.shown = len(self.sink.events)
        return jsonl(events)


def jsonl(events: list[Any]) -> Response:
    text = "".join(jsonl_line(e) + "\n" for e in events)
    return Response(text, mimetype="application/x-ndjson")


def serve(sim: Any, sink: CaptureSink, *, host: str, port: int, out: IO[str] = sys.stdout) -> int:
    try:
        if port:  # werkzeug exits with its own message on a busy port: ask first
            with socket.socket() as probe:
                probe.bind((host, port))
        server = make_server(host, port, Server(sim, sink), threaded=True)
    except OSError as err:
        raise InputError(f"cannot listen on {host}:{port}: {err.strerror or err}",
                         where="--port") from None  # fmt: skip
    out.write(f"listening on http://{host}:{server.server_port}\n")
    out.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
