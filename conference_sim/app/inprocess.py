"""Calling an in-process app directly: a WSGI environ (PEP 3333) or an ASGI scope (ASGI 3),
with everything the platform sends (method, form body or query, signature headers, Host and
scheme) and everything an answer may do (status, content type, a body of any shape, bounded).

No HTTP client sits between the run and the app: the request is the environ or the scope.
"""

from __future__ import annotations

import functools
import io
import sys
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from .answers import Answer, Body


class Request:
    """What the platform sends, ready for a server: method, URL, headers, body bytes."""

    __slots__ = ("body", "headers", "method", "url")

    def __init__(self, method: str, url: str, headers: dict[str, str], body: bytes) -> None:
        self.method, self.url, self.headers, self.body = method, url, headers, body


def type_and_encoding(headers: Iterable[tuple[str, str]]) -> tuple[str, str]:
    """The Content-Type and Content-Encoding of an answer (each "" when absent), in one pass."""
    content_type = encoding = ""
    for name, value in headers:
        key = name.lower()
        if key == "content-type" and not content_type:
            content_type = value
        elif key == "content-encoding" and not encoding:
            encoding = value
    return content_type, encoding


# -- WSGI ----------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1024)
def url_environ(url: str) -> dict[str, Any]:
    """What a WSGI environ takes from the URL alone (the same URLs recur in a run)."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    return {
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
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


@functools.lru_cache(maxsize=256)
def environ_key(name: str) -> str:
    key = name.upper().replace("-", "_")
    return key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"


def environ_of(request: Request) -> dict[str, Any]:
    environ = url_environ(request.url).copy()  # (a fresh dict: the app may change its own)
    environ["REQUEST_METHOD"] = request.method
    environ["wsgi.input"] = io.BytesIO(request.body)
    environ["wsgi.errors"] = sys.stderr
    for name, value in request.headers.items():
        environ[environ_key(name)] = value
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
        content_type, encoding = type_and_encoding(headers)
        body = Body(encoding or None)
        if not body.add(bytes(written)) and not body.add(first):
            for chunk in chunks:
                if body.add(chunk):
                    break
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return body.answer(int(status.split()[0]), content_type)
