"""The app transport: requests to URLs under ``app_url`` go to the user's app, exactly as the
platform sends them; every other URL is answered by the scenario's documents.

Answers to document requests are parsed and validated like scenario documents, at run time.
Failures become the platform's errors (SPEC 9): 11205 (no connection, or no answer in 15 s),
11200 (an HTTP status of 400 or more, or an exception inside an in-process app, as a 500),
12100 (a body that is not a valid cXML document). Nothing the app does can crash the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from ..dialects import Dialect
from ..engine.media import UNKNOWN_MEDIA_MS, is_media_url
from ..engine.requests import (
    DOCUMENT_PURPOSES,
    MEDIA_PURPOSES,
    HttpRequest,
    HttpResponse,
    Transport,
)
from ..errors import DocumentError
from ..load.calls import under
from ..load.cxml import parse_document
from .signing import signature_headers
from .target import Target

TIMEOUT_S = 15.0
MAX_BODY = 100_000  # characters: as a scenario's document
USER_AGENT = "conference-sim (TwilioProxy/1.1 compatible)"


class AppTransport:
    def __init__(
        self,
        target: Target,
        *,
        app_url: str,
        auth_token: str,
        dialect: Dialect,
        media: Mapping[str, int],
        fallback: Transport,
    ) -> None:
        self.target = target
        self.app_url = app_url.rstrip("/")
        self.auth_token = auth_token
        self.dialect = dialect
        self.media = dict(media)
        self.fallback = fallback
        self.loop: asyncio.AbstractEventLoop | None = None
        self.restore: list[Any] = []
        # Entered around each request to the app (the runner puts the run's REST API there, so
        # that an in-process app's clients reach it while it answers).
        self.around: Callable[[], AbstractContextManager[Any]] = contextlib.nullcontext
        self.client = self.open()

    @property
    def in_process(self) -> bool:
        return self.target.kind in ("wsgi", "asgi")

    # -- the connection ----------------------------------------------------------------------
    def open(self) -> Any:
        match self.target.kind:
            case "wsgi":
                self.propagate_exceptions()
                return httpx.Client(transport=httpx.WSGITransport(app=self.target.app))
            case "asgi":
                self.loop = asyncio.new_event_loop()
                return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.target.app))
            case _:
                return httpx.Client(timeout=TIMEOUT_S)

    def propagate_exceptions(self) -> None:
        """Flask answers an exception with its own 500 and logs a traceback; ask it to let the
        exception through instead, so the warning can name it (restored on close)."""
        config = getattr(self.target.app, "config", None)
        if isinstance(config, dict) and "PROPAGATE_EXCEPTIONS" in config:
            self.restore.append((config, config["PROPAGATE_EXCEPTIONS"]))
            config["PROPAGATE_EXCEPTIONS"] = True

    def close(self) -> None:
        for config, value in self.restore:
            config["PROPAGATE_EXCEPTIONS"] = value
        self.restore.clear()
        if self.loop is not None:
            self.loop.run_until_complete(self.client.aclose())
            self.loop.close()
            self.loop = None
        elif isinstance(self.client, httpx.Client):
            self.client.close()

    # -- requests ------------------------------------------------------------------------------
    def send(self, request: HttpRequest) -> HttpResponse:
        if not under(request.url, self.app_url):
            return self.fallback.send(request)
        if request.purpose in MEDIA_PURPOSES and is_media_url(request.url, self.media):
            return HttpResponse("media", media_ms=self.media.get(request.url, UNKNOWN_MEDIA_MS))
        try:
            with self.around():
                status, body, content_type = self.exchange(request)
        except httpx.TimeoutException:
            return failure(11205, None, f"no answer from the app within {TIMEOUT_S:g} s")
        except httpx.TransportError as err:
            return failure(11205, None, f"could not reach the app: {err or type(err).__name__}")
        except Exception as err:  # raised inside the user's in-process app
            return failure(11200, 500, f"the app raised {type(err).__name__}: {one_line(err)}")
        if status >= 400:
            return failure(11200, status, f"the app answered HTTP {status}")
        if request.purpose not in DOCUMENT_PURPOSES:
            return HttpResponse("ok", status=status)
        if request.purpose in MEDIA_PURPOSES and content_type.startswith("audio/"):
            ms = self.media.get(request.url, UNKNOWN_MEDIA_MS)
            return HttpResponse("media", media_ms=ms, status=status)
        if len(body) > MAX_BODY:
            return failure(12100, status, f"the answer is {len(body):,} characters; too large")
        try:
            document = parse_document(body, self.dialect, source=request.url)
        except DocumentError as err:
            line = f" (line {err.line})" if err.line else ""
            where = f"{err.where}: " if err.where else ""
            return failure(12100, status, f"not a valid cXML document{line}: {where}{err.message}")
        return HttpResponse("document", document=document, status=status)

    def exchange(self, request: HttpRequest) -> tuple[int, str, str]:
        """Send it as the platform does: signed, form-encoded (GET: in the query string)."""
        params = dict(request.params)
        url = request.url
        if request.method == "GET" and params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        headers = signature_headers(
            self.dialect, self.auth_token, url, {} if request.method == "GET" else params
        )
        headers["User-Agent"] = USER_AGENT
        kw: dict[str, Any] = {"headers": headers}
        if request.method != "GET":
            kw["data"] = params
        target_url = url
        if self.target.kind == "http":  # the app believes it serves app_url (as behind a proxy)
            parts = urlsplit(url)
            target_url = (
                self.target.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
            )
            headers["Host"] = parts.netloc
            headers["X-Forwarded-Proto"] = parts.scheme
            headers["X-Forwarded-Host"] = parts.netloc
        sent = self.client.build_request(request.method, target_url, **kw)
        if self.loop is not None:
            return self.loop.run_until_complete(read_async(self.client, sent))
        return read(self.client, sent)


# An answer is read up to this many bytes (UTF-8 has at most 4 a character): a larger one is
# refused (12100) without holding it all, and the whole answer must come within TIMEOUT_S even
# when it trickles in (httpx's own timeout is per read).
MAX_BODY_BYTES = 4 * MAX_BODY + 4


class Body:
    """An answer's bytes as they arrive: ``full(chunk)`` says when to stop reading (past
    MAX_BODY_BYTES), and raises a timeout once TIMEOUT_S have passed since the request."""

    def __init__(self, request: httpx.Request) -> None:
        self.request = request
        self.data = bytearray()
        self.deadline = time.monotonic() + TIMEOUT_S

    def full(self, chunk: bytes) -> bool:
        self.data += chunk
        if len(self.data) > MAX_BODY_BYTES:
            return True
        if time.monotonic() > self.deadline:
            raise httpx.ReadTimeout("the answer did not complete", request=self.request)
        return False

    def answer(self, response: httpx.Response) -> tuple[int, str, str]:
        text = bytes(self.data).decode(response.encoding or "utf-8", errors="replace")
        return response.status_code, text, response.headers.get("content-type", "")


def read(client: httpx.Client, request: httpx.Request) -> tuple[int, str, str]:
    response, body = client.send(request, stream=True), Body(request)
    try:
        for chunk in response.iter_bytes():
            if body.full(chunk):
                break
        return body.answer(response)
    finally:
        response.close()


async def read_async(client: httpx.AsyncClient, request: httpx.Request) -> tuple[int, str, str]:
    response, body = await client.send(request, stream=True), Body(request)
    try:
        async for chunk in response.aiter_bytes():
            if body.full(chunk):
                break
        return body.answer(response)
    finally:
        await response.aclose()


def failure(code: int, status: int | None, detail: str) -> HttpResponse:
    return HttpResponse("failed", status=status, error_code=code, detail=detail)


def one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text if len(text) <= 200 else text[:197] + "..."
