"""Starting the app for a run, the way Playwright's ``webServer`` does: a command that starts
it, the URL to wait for, the environment it is given, stopped at the end.

The command runs in a shell of its own process group, with the run's environment added to
conference-sim's (the API base URL, each account's SID and token: :mod:`..credentials`). It is
ready once its URL answers anything over HTTP. One that exits first, or never answers within
the timeout, is bad input: its error, with the command's last lines of output.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

from ..errors import InputError

LAST_LINES = 15
LINE_BYTES = 4096  # (an app that writes without newlines is read, and kept, in pieces)


class AppCommandFailed(InputError):
    """The app's command did not start the app; ``details`` are its last lines of output."""

    def __init__(self, message: str, details: list[str]) -> None:
        super().__init__(message, where="--app-command")
        self.details = tuple(details)


class AppProcess:
    def __init__(
        self,
        command: str,
        url: str,
        env: Mapping[str, str],
        *,
        timeout_s: float = 60.0,
    ) -> None:
        self.command, self.url, self.timeout_s = command, url, timeout_s
        self.output: collections.deque[str] = collections.deque(maxlen=LAST_LINES)
        self.proc = subprocess.Popen(
            command,
            shell=True,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # (its own process group: stopped whole at the end)
        )
        self.reader = threading.Thread(target=self.read, name="app output", daemon=True)
        self.reader.start()

    def read(self) -> None:
        """Its output, kept by the last lines (a line without end is kept in pieces)."""
        assert self.proc.stdout is not None
        for raw in iter(lambda: self.proc.stdout.readline(LINE_BYTES), b""):  # type: ignore[union-attr]
            self.output.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def wait_ready(self) -> None:
        """Until the URL answers; AppCommandFailed if the command exits or time runs out."""
        parts = urlsplit(self.url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        deadline = time.monotonic() + self.timeout_s
        while True:
            code = self.proc.poll()
            if code is not None:
                self.reader.join(2)
                raise AppCommandFailed(
                    f"{self.command!r} exited with status {code} before its app answered at "
                    f"{self.url}; its last lines of output:",
                    list(self.output) or ["(no output)"],
                )
            if answers(host, port):
                return
            if time.monotonic() > deadline:
                self.stop()
                raise AppCommandFailed(
                    f"{self.command!r} started, but nothing answered at {self.url} within "
                    f"{self.timeout_s:g} s (is it listening on that port? --app-timeout gives "
                    "it longer); its last lines of output:",
                    list(self.output) or ["(no output)"],
                )
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM to its process group; SIGKILL 5 s later if it is still there."""
        if self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)


def answers(host: str, port: int) -> bool:
    """Whether an HTTP server answers at host:port (any status: the app is up)."""
    import http.client

    connection = http.client.HTTPConnection(host, port, timeout=2)
    try:
        connection.request("GET", "/")
        connection.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()
