"""Calling an in-process app directly: a WSGI environ (PEP 3333) or an ASGI scope (ASGI 3),
with everything the platform sends (method, form body or query, signature headers, Host and
scheme) and everything an answer may do (status, content type, a body of any shape, bounded).

No HTTP client sits between the run and the app: the request is the environ or the scope.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import io
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from . import deadline
from .answers import Answer, Body
from .deadline import AppEndedTheRun, AppTimedOut


class Request:
    """What the platform sends, ready for a server: method, URL, headers, body bytes."""

    __slots__ = ("body", "headers", "method", "url")

    def __init__(self, method: str, url: str, headers: dict[str, str], body: bytes) -> None:
        self.method, self.url, self.headers, self.body = method, url, headers, body


def header(headers: Iterable[tuple[str, str]], name: str) -> str:
    return next((v for k, v in headers if k.lower() == name), "")


# -- WSGI ----------------------------------------------------------------------------------------
def environ_of(request: Request) -> dict[str, Any]:
    parts = urlsplit(request.url)
    https = parts.scheme == "https"
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(parts.path or "/").decode("latin-1"),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": parts.hostname or "localhost",
        "SERVER_PORT": str(parts.port or (443 if https else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": parts.netloc,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme,
        "wsgi.input": io.BytesIO(request.body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in request.headers.items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ[f"HTTP_{key}"] = value
    if request.body:
        environ["CONTENT_LENGTH"] = str(len(request.body))
    return environ


def call_wsgi(app: Callable[..., Iterable[bytes]], request: Request) -> Answer:
    started: list[Any] = []
    written = bytearray()

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if exc_info is not None and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [status, headers]
        return written.extend  # the legacy write() callable

    result = app(environ_of(request), start_response)
    try:
        chunks = iter(result)
        first = next(chunks, b"")  # start_response may come with the first chunk
        if not started:
            raise RuntimeError("the WSGI app did not call start_response")
        status, headers = started
        body = Body(header(headers, "content-encoding") or None)
        if not body.add(bytes(written)) and not body.add(first):
            for chunk in chunks:
                if body.add(chunk):
                    break
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return body.answer(int(status.split()[0]), header(headers, "content-type"))


# -- ASGI ----------------------------------------------------------------------------------------
class AsgiApp:
    """An ASGI app on one event loop kept for the run; its lifespan (startup and shutdown) is
    run around the run when the app supports it. In the main thread with no loop running, the
    loop runs in that thread, for each request in turn (an alarm bounds what blocks it);
    elsewhere (inside an async test, in another thread) in a thread of its own."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.in_thread = deadline.in_main_thread() and asyncio_running() is None
        self.thread: threading.Thread | None = None
        if not self.in_thread:
            started = threading.Event()

            def run_loop() -> None:
                asyncio.set_event_loop(self.loop)
                started.set()
                self.loop.run_forever()

            self.thread = threading.Thread(target=run_loop, name="conference-sim asgi", daemon=True)
            self.thread.start()
            started.wait()
        self.shutdown: asyncio.Queue[dict[str, str]] | None = None
        self.lifespan: Any = None
        self.start_lifespan()

    def run(self, coroutine: Any, seconds: float) -> Any:
        """The coroutine's result, run on the app's loop; TimeoutError past ``seconds``."""
        if self.in_thread:
            with deadline.alarm(seconds + 1):  # (a coroutine that blocks its own loop)
                try:
                    return self.loop.run_until_complete(asyncio.wait_for(coroutine, seconds))
                except TimeoutError:
                    raise TimeoutError from None
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(seconds)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError from None

    def start_lifespan(self) -> None:
        ready: concurrent.futures.Future[bool] = concurrent.futures.Future()

        async def lifespan() -> None:
            self.shutdown = asyncio.Queue()
            sent = [False]

            async def receive() -> dict[str, str]:
                if not sent[0]:
                    sent[0] = True
                    return {"type": "lifespan.startup"}
                assert self.shutdown is not None
                return await self.shutdown.get()

            async def send(message: dict[str, Any]) -> None:
                if message["type"].startswith("lifespan.startup") and not ready.done():
                    ready.set_result(message["type"] == "lifespan.startup.complete")

            # an app without lifespan support raises: then it is simply not run
            with contextlib.suppress(BaseException):
                await self.app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
            if not ready.done():
                ready.set_result(False)

        async def started() -> Any:
            self.lifespan = asyncio.ensure_future(lifespan())
            return await asyncio.wrap_future(ready)

        with contextlib.suppress(TimeoutError, AppTimedOut):
            self.run(started(), deadline.TIMEOUT_S)

    def call(self, request: Request, around: Callable[[], Any]) -> Answer:
        """The app's answer; ``around()`` is entered on the loop while the app answers."""
        try:
            return self.run(self.exchange(request, around), deadline.TIMEOUT_S)  # type: ignore[no-any-return]
        except (TimeoutError, AppTimedOut):
            raise AppTimedOut(f"no answer within {deadline.TIMEOUT_S:g} s") from None
        except GeneratorExit as err:  # raised by the app itself
            raise AppEndedTheRun(err) from None

    async def exchange(self, request: Request, around: Callable[[], Any]) -> Answer:
        parts = urlsplit(request.url)
        https = parts.scheme == "https"
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": parts.scheme,
            "path": unquote_to_bytes(parts.path or "/").decode("utf-8", "replace"),
            "raw_path": (parts.path or "/").encode("latin-1", "replace"),
            "query_string": parts.query.encode("latin-1", "replace"),
            "root_path": "",
            "headers": [
                (k.lower().encode("latin-1"), v.encode("latin-1"))
                for k, v in [("host", parts.netloc), *request.headers.items()]
            ],
            "client": ("127.0.0.1", 0),
            "server": (parts.hostname or "localhost", parts.port or (443 if https else 80)),
        }
        done = asyncio.Event()
        given = [False]
        out: dict[str, Any] = {"status": None, "headers": [], "body": None}

        async def receive() -> dict[str, Any]:
            if not given[0]:
                given[0] = True
                return {"type": "http.request", "body": request.body, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                out["status"] = message["status"]
                out["headers"] = [
                    (k.decode("latin-1"), v.decode("latin-1"))
                    for k, v in message.get("headers", [])
                ]
                out["body"] = Body(header(out["headers"], "content-encoding") or None)
            elif message["type"] == "http.response.body" and out["body"] is not None:
                full = out["body"].add(message.get("body", b""))
                if full or not message.get("more_body"):
                    done.set()

        try:
            with around():
                await self.app(scope, receive, send)
        except asyncio.CancelledError as err:
            if asyncio.current_task() is not None and asyncio.current_task().cancelling():  # type: ignore[union-attr]
                raise  # the deadline cancelled it
            raise AppEndedTheRun(err) from None
        except (SystemExit, KeyboardInterrupt) as err:  # (these would stop the loop itself)
            raise AppEndedTheRun(err) from None
        finally:
            done.set()
        if out["status"] is None:
            raise RuntimeError("the ASGI app sent no response")
        return out["body"].answer(out["status"], header(out["headers"], "content-type"))  # type: ignore[no-any-return]

    def close(self) -> None:
        async def finish() -> None:
            if self.shutdown is not None and self.lifespan is not None and not self.lifespan.done():
                self.shutdown.put_nowait({"type": "lifespan.shutdown"})
                with contextlib.suppress(BaseException):
                    await asyncio.wait_for(asyncio.shield(self.lifespan), deadline.TIMEOUT_S)
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:  # an app still at work (one cut off at the limit)
                task.cancel()
            if tasks:
                await asyncio.wait(tasks, timeout=1)

        with contextlib.suppress(BaseException):
            self.run(finish(), deadline.TIMEOUT_S + 5)
        if self.thread is not None:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(deadline.TIMEOUT_S)
            if self.thread.is_alive():
                return
        self.loop.close()


def asyncio_running() -> Any:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
