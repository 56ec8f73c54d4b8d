"""The REST API on a loopback port for the runs of one command (``run``, ``check``, ``shell``
with ``--api-port``), for an app in any language: while a run goes, its REST API answers there;
between runs, a 503 says no run is going. The port is the same for every run of the command, so
an app started once (``--app-command``) reads it once."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterable
from typing import Any

from .platform import platform_for
from .server import Server, listen
from .wsgi import RestApi, api_of


class Switchboard:
    """WSGI: the REST API of the run going now."""

    def __init__(self, port: int, *, https: bool = False) -> None:
        self.current: RestApi | None = None
        self.ca_file: str | None = None  # with https: the CA file that verifies it
        context = None
        if https:
            from .tls import server_context

            context, self.ca_file = server_context(None)
        self.scheme = "https" if https else "http"
        self.server: Server = listen("127.0.0.1", port, self, quiet=True, ssl_context=context)
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="conference-sim api", daemon=True
        )
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server.server_port}"

    def attach(self, sim: Any) -> None:
        self.current = api_of(platform_for(sim))

    def detach(self, sim: Any) -> None:
        if self.current is not None and self.current.platform.sim is sim:
            self.current = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        api = self.current
        if api is None:
            body = json.dumps(
                {
                    "code": None,
                    "message": "conference-sim: no simulated run is going at this moment (the "
                    "REST API answers while a run goes)",
                    "more_info": None,
                    "status": 503,
                }
            ).encode()
            start_response("503 Service Unavailable", [("Content-Type", "application/json")])
            return [body]
        return api(environ, start_response)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.ca_file is not None:  # (made for this command: gone with it)
            with contextlib.suppress(OSError):
                os.unlink(self.ca_file)
