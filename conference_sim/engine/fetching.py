"""The document server: what a call or a player gets when it fetches a URL.

Every fetch goes through the run's transport (:mod:`.requests`); this module turns the answer
into what the engine runs and says on the timeline what went wrong: ``document-missing`` (no
such document in the scenario), ``request-failed`` (the app could not be reached, answered an
error, or answered something that is not cXML: SPEC 9's 11205, 11200, 12100).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model import Document
from .requests import DOCUMENT_PURPOSES, HttpRequest, HttpResponse


class DocumentServer:
    def __init__(self, send: Callable[..., HttpResponse], warn: Any) -> None:
        self.send = send  # Engine.send: the transport, one request at a time
        self.warn = warn  # Engine.warn

    def fetch(self, request: HttpRequest, log: Any) -> HttpResponse:
        """The answer, after saying on the timeline when there is nothing usable in it."""
        return self.report(request, self.send(request), log)

    def report(self, request: HttpRequest, answer: HttpResponse, log: Any) -> HttpResponse:
        """Say on the timeline what is wrong with an answer (nothing when it is usable)."""
        if answer.kind == "missing":
            self.warn(
                log,
                "document-missing",
                url=request.url,
                purpose=request.purpose,
                reason="the scenario's documents have nothing at this URL; the simulator "
                "answers an empty <Response/>",
            )
        elif answer.kind == "failed":
            failed(self.warn, log, request, answer)
        return answer

    def document(self, request: HttpRequest, log: Any) -> Document | None:
        """A document to run next: empty when nothing is there, None when the request failed."""
        return runnable(request, self.fetch(request, log))


def runnable(request: HttpRequest, answer: HttpResponse) -> Document | None:
    """What a call runs from an answer: None when the request failed, empty when missing."""
    if answer.kind == "failed":
        return None
    return answer.document or Document(verbs=(), source=request.url)


def failed(warn: Any, log: Any, request: HttpRequest, answer: HttpResponse) -> None:
    """``request-failed`` (or ``callback-failed`` for a callback), with the platform's code."""
    is_callback = request.purpose not in DOCUMENT_PURPOSES
    params: dict[str, Any] = {
        "ErrorCode": str(answer.error_code),
        "url": request.url,
        "purpose": request.purpose,
    }
    if answer.status is not None:
        params["status"] = answer.status
    params["reason"] = answer.detail
    warn(log, "callback-failed" if is_callback else "request-failed", **params)
