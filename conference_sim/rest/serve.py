"""``conference-sim serve``: the REST API over real HTTP on this machine, for apps and tests in
any language, with control endpoints for the simulated clock.

* ``POST /_sim/advance`` with ``to=TIME`` (a scenario time): run up to it; answers the new
  events as JSONL.
* ``POST /_sim/run``: run to the end; answers the new events as JSONL.
* ``GET /_sim/timeline`` (``since=SEQ``: from that event on): the timeline so far, as JSONL,
  streamed.

The control endpoints answer only requests addressed to this server by its own name (the
``Host`` a browser sends after DNS rebinding, or the ``Origin`` of a web page's form post, is
refused with 403), and, with ``--token``, only requests that carry it (``Authorization:
Bearer TOKEN``). The server is threaded: it answers REST requests while the simulation waits
for an answer from the app (an app that calls the API from inside a callback handler), and they
take effect at that instant.
"""

from __future__ import annotations

import hmac
import sys
import threading
from collections.abc import Iterable, Iterator
from typing import IO, Any
from urllib.parse import urlsplit

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from ..errors import InputError
from ..events import CaptureSink
from ..output.sinks import jsonl_line
from ..timeparse import to_ms
from .errors import ApiRequest
from .platform import platform_for
from .server import listen, loopback
from .wsgi import RestApi

CONTROL_HELP = (
    "allowed: POST /_sim/advance (to=TIME), POST /_sim/run, GET /_sim/timeline (since=SEQ)\n"
)


def text(body: str, status: int) -> Response:
    return Response(body, status=status, mimetype="text/plain")


class Server:
    """The REST API of one simulation, and its clock controls."""

    def __init__(self, sim: Any, sink: CaptureSink, *, token: str | None = None) -> None:
        self.sim = sim
        self.sink = sink
        self.platform = platform_for(sim)
        self.api = RestApi(self.platform)
        self.shown = 0
        self.token = token
        self.names: set[str] = set()  # the Host names this server answers to (set by serve)
        self.when_finished: Any = None  # (serve --check: stop once the run has ended)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = ApiRequest(environ)
        if request.path.startswith("/_sim/"):
            return self.control(request)(environ, start_response)
        return self.api(environ, start_response)

    # -- who may move the clock -----------------------------------------------------------------
    def refused(self, request: Request) -> Response | None:
        if self.names:
            host = request.host.lower()
            if host not in self.names:
                return text(f"refused: Host {host!r} is not this server's own name\n", 403)
            origin = request.headers.get("Origin")
            if origin and (urlsplit(origin).netloc.lower() not in self.names):
                return text(f"refused: a request from the page at {origin}\n", 403)
        if self.token is not None:
            given = request.headers.get("Authorization", "")
            scheme, _, value = given.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(value, self.token):
                response = text("refused: this server wants its token (Bearer)\n", 401)
                response.headers["WWW-Authenticate"] = 'Bearer realm="conference-sim"'
                return response
        return None

    def control(self, request: Request) -> Response:
        refused = self.refused(request)
        if refused is not None:
            return refused
        path, method = request.path, request.method
        if path == "/_sim/timeline" and method in ("GET", "HEAD"):
            try:
                since = int(request.args.get("since", "0"))
            except ValueError:
                return text("since: a whole number (an event's seq) is wanted\n", 400)
            return Response(self.lines(max(since, 0)), mimetype="application/x-ndjson")
        if path in ("/_sim/advance", "/_sim/run") and method == "POST":
            try:
                to = to_ms(request.form.get("to", ""), what="to") if path.endswith("e") else None
            except InputError as err:
                return text(f"{err.message}\n", 400)
            except RequestEntityTooLarge:
                return text(f"the request body is too large; at most {ApiRequest.MAX_BODY:,} "
                            "bytes\n", 413)  # fmt: skip
            with self.platform.lock:
                if to is None:
                    self.sim.run()
                else:
                    self.sim.advance(to)
                if self.sim.finished and self.when_finished is not None:
                    self.when_finished()
                return self.new_events()
        if path in ("/_sim/advance", "/_sim/run", "/_sim/timeline"):
            allowed = "GET, HEAD" if path == "/_sim/timeline" else "POST"
            response = text(f"{method} is not allowed here; {CONTROL_HELP}", 405)
            response.headers["Allow"] = allowed
            return response
        return text(f"unknown control endpoint; {CONTROL_HELP}", 404)

    def lines(self, since: int) -> Iterator[str]:
        """The timeline from event ``since`` on, one line at a time (never all in memory)."""
        events = self.sink.events
        for i in range(since, len(events)):
            yield jsonl_line(events[i]) + "\n"

    def new_events(self) -> Response:
        events = self.sink.events[self.shown :]
        self.shown = len(self.sink.events)
        return Response(
            "".join(jsonl_line(e) + "\n" for e in events), mimetype="application/x-ndjson"
        )


def serve(
    sim: Any,
    sink: CaptureSink,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    quiet: bool = False,
    token: str | None = None,
    out: IO[str] = sys.stdout,
    https: bool = False,
    ca_file: str | None = None,
    stop_when_finished: bool = False,
) -> int:
    """Serve until interrupted (or, with ``stop_when_finished``, until the run has ended)."""
    host = loopback(host)
    app = Server(sim, sink, token=token)
    context = None
    if https:
        from .tls import server_context

        context, ca_file = server_context(ca_file)
    server = listen(host, port, app, quiet=quiet, ssl_context=context)
    if stop_when_finished:  # (after the answer that ended it has gone)
        app.when_finished = lambda: threading.Timer(0.2, server.shutdown).start()
    shown = f"[{host}]" if ":" in host else host
    bound = server.server_port
    app.names = {f"{name}:{bound}" for name in (shown, "localhost", "127.0.0.1", "[::1]")}
    stop_on_term()  # (before saying it listens: a harness may stop it at once)
    try:
        if https:
            out.write(f"CA certificate: {ca_file} (REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS)\n")
        out.write(f"listening on {'https' if https else 'http'}://{shown}:{bound}\n")
        out.flush()
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def stop_on_term() -> None:
    """SIGTERM (a test harness or CI stopping serve) ends it as Ctrl-C does: cleanly."""
    import signal

    def interrupt(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)
