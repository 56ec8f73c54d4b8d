"""Calling an in-process ASGI app (ASGI 3) directly: one scope per request, on an event loop
kept for the run, with the app's lifespan (startup and shutdown) around the run.

In the main thread with no loop running, the loop runs in that thread, for each request in turn
(an alarm bounds what blocks it), and the thread keeps its loop from one run to the next, as a
server keeps its loop from one request to the next. Elsewhere (inside an async test, in another
thread) the loop runs in a thread of its own for the run.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import functools
import os
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from . import deadline
from .answers import Answer, Body
from .deadline import AppEndedTheRun, AppTimedOut
from .inprocess import Request, type_and_encoding


class KeptLoops(threading.local):
    """Each thread's idle event loop, lent to one run at a time (a second run in the same thread
    meanwhile gets a loop of its own)."""

    def __init__(self) -> None:
        self.idle: asyncio.AbstractEventLoop | None = None
        self.closed_at_exit: asyncio.AbstractEventLoop | None = None

    def borrow(self) -> tuple[asyncio.AbstractEventLoop, bool]:
        loop, self.idle = self.idle, None
        if loop is not None and not loop.is_closed():
            return loop, True
        return asyncio.new_event_loop(), False

    def give_back(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.idle is None and not loop.is_closed():
            self.idle = loop
            if self.closed_at_exit is not loop:
                self.closed_at_exit = loop
                atexit.register(close_loop, loop)
        else:
            loop.close()


def close_loop(loop: asyncio.AbstractEventLoop) -> None:
    if not loop.is_closed() and not loop.is_running():
        loop.close()


KEPT = KeptLoops()
if hasattr(os, "register_at_fork"):  # a child process must not share its parent's loop (its
    # selector and wake-up pipe are the parent's): it makes its own
    os.register_at_fork(after_in_child=lambda: setattr(KEPT, "idle", None))


@functools.lru_cache(maxsize=1024)
def url_scope(url: str) -> dict[str, Any]:
    """What a scope takes from the URL alone (the same URLs recur in a run)."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "scheme": parts.scheme,
        "path": unquote_to_bytes(parts.path or "/").decode("utf-8", "replace"),
        "raw_path": (parts.path or "/").encode("latin-1", "replace"),
        "query_string": parts.query.encode("latin-1", "replace"),
        "root_path": "",
        "host": (b"host", parts.netloc.encode("latin-1")),
        "client": ("127.0.0.1", 0),
        "server": (parts.hostname or "localhost", parts.port or (443 if https else 80)),
    }


def scope_of(request: Request) -> dict[str, Any]:
    scope = url_scope(request.url).copy()
    scope["asgi"] = {"version": "3.0", "spec_version": "2.3"}
    scope["method"] = request.method
    scope["headers"] = [
        scope.pop("host"),
        *[(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in request.headers.items()],
    ]
    return scope


async def bounded(coroutine: Any, seconds: float) -> Any:
    async with asyncio.timeout(seconds):
        return await coroutine


class AsgiApp:
    """An ASGI app on one event loop for the run; its lifespan is run around the run when the
    app supports it."""

    def __init__(self, app: Any, limit: deadline.Deadline) -> None:
        self.app = app
        self.limit = limit  # (the transport's: it puts the alarm back at the end of the run)
        self.in_thread = deadline.in_main_thread() and asyncio_running() is None
        self.thread: threading.Thread | None = None
        self.kept = False
        if self.in_thread:
            self.loop, self.kept = KEPT.borrow()
        else:
            self.loop = asyncio.new_event_loop()
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
        self.state: dict[str, Any] = {}  # what the lifespan keeps for requests (ASGI's "state")
        self.start_lifespan()

    def run(self, coroutine: Any, seconds: float) -> Any:
        """The coroutine's result, run on the app's loop; TimeoutError past ``seconds``."""
        if self.in_thread:
            return self.limit.bound(  # (the alarm: a coroutine that blocks its own loop)
                lambda: self.loop.run_until_complete(bounded(coroutine, seconds)), seconds + 1
            )
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(seconds)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError from None

    def start_lifespan(self) -> None:
        """The app's lifespan startup, awaited; an app without lifespan support raises, and is
        then simply not run."""

        async def started() -> None:
            self.shutdown = asyncio.Queue()
            self.shutdown.put_nowait({"type": "lifespan.startup"})
            ready = asyncio.get_running_loop().create_future()

            async def send(message: dict[str, Any]) -> None:
                if message["type"].startswith("lifespan.startup") and not ready.done():
                    ready.set_result(message["type"] == "lifespan.startup.complete")

            async def lifespan() -> None:
                assert self.shutdown is not None
                with contextlib.suppress(BaseException):
                    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self.state}
                    await self.app(scope, self.shutdown.get, send)
                if not ready.done():
                    ready.set_result(False)

            self.lifespan = asyncio.ensure_future(lifespan())
            await ready

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
        scope = scope_of(request)
        scope["state"] = self.state.copy()  # (as servers do: each request its own copy)
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
                out["type"], encoding = type_and_encoding(out["headers"])
                out["body"] = Body(encoding or None)
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
        except deadline.UserInterrupt:  # Ctrl-C pressed while the app answered: the user's
            raise
        except (SystemExit, KeyboardInterrupt) as err:  # (these would stop the loop itself)
            raise AppEndedTheRun(err) from None
        finally:
            done.set()
        if out["status"] is None:
            raise RuntimeError("the ASGI app sent no response")
        return out["body"].answer(out["status"], out["type"])  # type: ignore[no-any-return]

    def close(self) -> None:
        async def finish() -> None:
            if self.shutdown is not None and self.lifespan is not None and not self.lifespan.done():
                self.shutdown.put_nowait({"type": "lifespan.shutdown"})
                with contextlib.suppress(BaseException):
                    await asyncio.wait([self.lifespan], timeout=deadline.TIMEOUT_S)
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
        else:
            KEPT.give_back(self.loop)


def asyncio_running() -> Any:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
