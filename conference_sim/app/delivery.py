"""The app transport: requests to URLs under ``app_url`` go to the user's app, exactly as the
platform sends them; every other URL is answered by the scenario's documents.

An in-process app is called directly (:mod:`.inprocess`: a WSGI environ, or an ASGI scope on
one event loop kept for the run); an app over HTTP through one kept-alive connection. Answers
to document requests are parsed and validated like scenario documents, at run time. Failures
become the platform's errors (SPEC 9): 11205 (no connection, or no whole answer within 15 s),
11200 (an HTTP status of 400 or more, or an exception inside an in-process app, as a 500),
12100 (a body that is not a valid cXML document, or too large). Nothing the app does can crash
the run, end it, or hang it (:mod:`.deadline`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import urlsplit

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
from ..load.cxml import parse_document
from . import deadline
from .answers import MAX_BODY, Answer, Body, Unreadable
from .asgi import AsgiApp
from .deadline import AppEndedTheRun, AppTimedOut, Deadline
from .inprocess import Request, call_wsgi
from .signing import form_encode, signature_headers
from .target import Target

USER_AGENT = "conference-sim (TwilioProxy/1.1 compatible)"
FORM = "application/x-www-form-urlencoded"


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
        self.below = (self.app_url + "/", self.app_url + "?")  # (load.calls.under, inline)
        self.auth_token = auth_token
        self.tokens: dict[str, str] = {}  # AccountSid -> its own auth token (the runner's)
        self.dialect = dialect
        self.media = dict(media)
        self.fallback = fallback
        self.restore: list[Callable[[], None]] = []
        # Entered around each request to the app (the runner puts the run's REST API there, so
        # that an in-process app's clients reach it while it answers).
        self.around: Callable[[], AbstractContextManager[Any]] = contextlib.nullcontext
        self.limit = Deadline(f"conference-sim {target.kind} app")
        self.asgi: AsgiApp | None = None
        self.http: Any = None
        match target.kind:
            case "wsgi":
                self.propagate_exceptions()
            case "asgi":
                self.asgi = AsgiApp(target.app, self.limit)
            case _:
                import httpx  # only an app over HTTP needs an HTTP client

                self.http = httpx.Client(timeout=deadline.TIMEOUT_S)

    @property
    def in_process(self) -> bool:
        return self.target.kind in ("wsgi", "asgi")

    def propagate_exceptions(self) -> None:
        """Flask and Django answer an exception with their own 500 and log a traceback; ask
        them to let the exception through instead, so the warning can name its one-line cause
        (restored on close): Flask's PROPAGATE_EXCEPTIONS, Django's DEBUG_PROPAGATE_EXCEPTIONS."""
        config = getattr(self.target.app, "config", None)
        if isinstance(config, dict) and "PROPAGATE_EXCEPTIONS" in config:
            value = config["PROPAGATE_EXCEPTIONS"]
            self.restore.append(lambda: config.__setitem__("PROPAGATE_EXCEPTIONS", value))
            config["PROPAGATE_EXCEPTIONS"] = True
        if type(self.target.app).__module__.startswith("django."):
            from django.conf import settings  # (the app is Django's: it is imported)

            before = settings.DEBUG_PROPAGATE_EXCEPTIONS
            self.restore.append(lambda: setattr(settings, "DEBUG_PROPAGATE_EXCEPTIONS", before))
            settings.DEBUG_PROPAGATE_EXCEPTIONS = True

    def close(self) -> None:
        for put_back in self.restore:
            put_back()
        self.restore.clear()
        if self.asgi is not None:
            self.asgi.close()
            self.asgi = None
        if self.http is not None:
            self.http.close()
            self.http = None
        self.limit.close()  # (the alarm's handlers back)

    # -- requests ------------------------------------------------------------------------------
    def send(self, request: HttpRequest) -> HttpResponse:
        url = request.url
        if url != self.app_url and not url.startswith(self.below):  # not the app's
            return self.fallback.send(request)
        if request.purpose in MEDIA_PURPOSES and is_media_url(request.url, self.media):
            return HttpResponse("media", media_ms=self.media.get(request.url, UNKNOWN_MEDIA_MS))
        try:
            prepared = self.prepare(request)
            answer = self.exchange(prepared)
        except AppTimedOut:
            return failure(
                11205, None, f"no whole answer from the app within {deadline.TIMEOUT_S:g} s"
            )
        except AppEndedTheRun as err:
            return failure(11200, 500, f"the app raised {one_line(err)}")
        except Unreadable as err:
            return failure(12100, None, str(err))
        except Exception as err:  # raised inside the user's in-process app, or the connection
            return self.failed(err)
        if answer.status >= 400:
            detail = f"the app answered HTTP {answer.status}"
            if answer.status in (400, 401, 403):
                detail += self.refused_signature(request, prepared)
            return failure(11200, answer.status, detail)
        if request.purpose not in DOCUMENT_PURPOSES:
            return HttpResponse("ok", status=answer.status)
        if request.purpose in MEDIA_PURPOSES and answer.content_type.startswith("audio/"):
            ms = self.media.get(request.url, UNKNOWN_MEDIA_MS)
            return HttpResponse("media", media_ms=ms, status=answer.status)
        text = answer.text
        if answer.too_large or len(text) > MAX_BODY:
            return failure(
                12100, answer.status, f"the answer is too large: over {MAX_BODY:,} characters"
            )
        try:
            document = parse_document(text, self.dialect, source=request.url)
        except DocumentError as err:
            line = f" (line {err.line})" if err.line else ""
            where = f"{err.where}: " if err.where else ""
            return failure(
                12100, answer.status, f"not a valid cXML document{line}: {where}{err.message}"
            )
        return HttpResponse("document", document=document, status=answer.status)

    def refused_signature(self, request: HttpRequest, sent: Request) -> str:
        """Where users get stuck: what was signed, and the usual reasons an app computes
        another URL or uses another token than the platform did."""
        params = {} if request.method == "GET" else dict(request.params)
        account = params.get("AccountSid") or "the default account"
        said = (
            f"; if it refused the signature: conference-sim signed {sent.url} with "
            f"{len(params)} form parameter(s) and the auth token of {account}"
        )
        if self.in_process:
            return said + (
                " (the app must validate with that token: the scenario's auth_token, or its "
                "accounts:)"
            )
        return said + (
            ", and sent it to the app with Host and X-Forwarded-Proto naming that URL, as a "
            "proxy does: the app must trust them (werkzeug ProxyFix(x_proto=1, x_host=1); "
            "Django SECURE_PROXY_SSL_HEADER and ALLOWED_HOSTS; Express app.set('trust proxy', "
            "true); uvicorn --proxy-headers --forwarded-allow-ips='*') and use that token"
        )

    def failed(self, err: Exception) -> HttpResponse:
        if self.http is not None:
            import httpx

            if isinstance(err, httpx.TimeoutException):
                return failure(
                    11205, None, f"no answer from the app within {deadline.TIMEOUT_S:g} s"
                )
            if isinstance(err, httpx.TransportError):
                return failure(11205, None, f"could not reach the app: {one_line(err)}")
        return failure(11200, 500, f"the app raised {type(err).__name__}: {one_line(err)}")

    def prepare(self, request: HttpRequest) -> Request:
        """The request as the platform sends it: signed, form-encoded (GET: in the query)."""
        params = dict(request.params)
        url, body = request.url, b""
        if request.method == "GET" and params:
            url += ("&" if "?" in url else "?") + form_encode(params)
        token = (
            self.tokens.get(params.get("AccountSid", ""), self.auth_token)
            if self.tokens
            else self.auth_token
        )
        headers = signature_headers(
            self.dialect, token, url, {} if request.method == "GET" else params
        )
        headers["User-Agent"] = USER_AGENT
        if request.method != "GET":
            body = form_encode(params).encode()
            headers["Content-Type"] = FORM
        return Request(request.method, url, headers, body)

    def exchange(self, request: Request) -> Answer:
        match self.target.kind:
            case "wsgi":

                def wsgi() -> Answer:
                    with self.around():
                        return call_wsgi(self.target.app, request)

                return self.limit.run(wsgi, in_process=True)
            case "asgi":
                assert self.asgi is not None
                return self.asgi.call(request, self.around)
            case _:
                return self.limit.run(lambda: self.over_http(request), in_process=False)

    def over_http(self, request: Request) -> Answer:
        """An app on this machine, asked for the public URL it believes it serves, as behind a
        proxy: ``Host`` and ``X-Forwarded-Proto`` say what the platform would have asked."""
        parts = urlsplit(request.url)
        headers = {
            **request.headers,
            "Host": parts.netloc,
            "X-Forwarded-Proto": parts.scheme,
            "X-Forwarded-Host": parts.netloc,
            "Accept-Encoding": "gzip, deflate",
        }
        target = self.target.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
        sent = self.http.build_request(
            request.method, target, headers=headers, content=request.body or None
        )
        response = self.http.send(sent, stream=True)
        try:
            body = Body(response.headers.get("content-encoding"))
            for chunk in response.iter_raw():  # decompressed here, bounded (answers.Body)
                if body.add(chunk):
                    break
            return body.answer(response.status_code, response.headers.get("content-type", ""))
        finally:
            response.close()


def failure(code: int, status: int | None, detail: str) -> HttpResponse:
    return HttpResponse("failed", status=status, error_code=code, detail=detail)


def one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text if len(text) <= 200 else text[:197] + "..."
