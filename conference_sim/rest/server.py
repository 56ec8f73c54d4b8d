"""The HTTP server under ``conference-sim serve``: werkzeug's threaded server, made safe to
leave running on a developer's machine.

* It listens on a loopback address only (``--host``: 127.0.0.1 by default, or ``::1``,
  ``localhost``), and reuses a port still in TIME_WAIT.
* A connection that never finishes its request line and headers is closed after
  HEADER_TIMEOUT_S; a request with two ``Content-Length`` headers is a 400.
* The request log goes through a bounded queue to a thread of its own, so a stderr nobody
  reads never blocks the server (lines past the queue are counted and dropped); ``--quiet``
  turns it off.
* Running out of file descriptors (EMFILE) is logged, at most once a second, and survived: the
  server waits a little and accepts again.
"""

from __future__ import annotations

import errno
import ipaddress
import queue
import socket
import ssl
import sys
import threading
import time
from typing import IO, Any

from werkzeug.serving import BaseWSGIServer, ThreadedWSGIServer, WSGIRequestHandler

from ..errors import InputError

HEADER_TIMEOUT_S = 10.0


def loopback(host: str) -> str:
    """The host to bind: a loopback address (or ``localhost``), else an input error."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        if ipaddress.ip_address(host.strip("[]")).is_loopback:
            return host.strip("[]")
    except ValueError:
        pass
    raise InputError(
        f"{host!r} is not allowed; allowed: a loopback address (127.0.0.1, ::1, localhost): "
        "serve answers this machine only",
        where="--host",
    )


class Log:
    """Request-log lines, written by a thread of their own; never blocks the caller."""

    def __init__(self, stream: IO[str] | None, size: int = 1000) -> None:
        self.lines: queue.Queue[str] = queue.Queue(size)
        self.dropped = 0
        self.stream = stream
        if stream is not None:
            threading.Thread(target=self.write, name="serve log", daemon=True).start()

    def say(self, line: str) -> None:
        if self.stream is None:
            return
        try:
            self.lines.put_nowait(line)
        except queue.Full:
            self.dropped += 1

    def write(self) -> None:
        assert self.stream is not None
        while True:
            line = self.lines.get()
            try:
                self.stream.write(line + "\n")
                self.stream.flush()
            except (OSError, ValueError):
                return


class Handler(WSGIRequestHandler):
    timeout = HEADER_TIMEOUT_S  # (the socket's: a request that never completes is closed)
    server: Server

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if len(self.headers.get_all("Content-Length") or []) > 1:
            self.send_error(400, "two Content-Length headers")
            return False
        return True

    def log(self, type: str, message: str, *args: Any) -> None:
        self.server.log.say(f"{self.address_string()} - {message % args}")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.log("info", '"%s" %s %s', self.requestline, code, size)


class Server(ThreadedWSGIServer):
    allow_reuse_address = True  # a port still in TIME_WAIT after the last run

    def __init__(
        self, host: str, port: int, app: Any, log: Log, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self.log = log
        self.last_exhausted = 0.0
        BaseWSGIServer.__init__(self, host, port, app, handler=Handler, ssl_context=ssl_context)

    def get_request(self) -> tuple[socket.socket, Any]:
        try:
            return super().get_request()
        except OSError as err:
            if err.errno in (errno.EMFILE, errno.ENFILE):
                now = time.monotonic()
                if now - self.last_exhausted > 1:
                    self.last_exhausted = now
                    self.log.say("out of file descriptors: waiting for connections to close")
                time.sleep(0.05)  # (accept would fail at once again: do not spin)
            raise

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.log.say(f"{client_address}: {sys.exc_info()[1]!r}")


def listen(
    host: str,
    port: int,
    app: Any,
    *,
    quiet: bool = False,
    ssl_context: ssl.SSLContext | None = None,
) -> Server:
    """A server bound to ``host:port`` (0: any free port); a port in use is an input error."""
    try:
        if port:  # werkzeug exits with its own message on a busy port: ask first
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            with socket.socket(family) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind((host, port))
        return Server(host, port, app, Log(None if quiet else sys.stderr), ssl_context)
    except (OSError, SystemExit) as err:
        reason = getattr(err, "strerror", None) or "the address is in use or not available"
        raise InputError(f"cannot listen on {host}:{port}: {reason}", where="--port") from None
