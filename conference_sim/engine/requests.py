"""The one door for every request the platform makes: ``Transport.send(HttpRequest)``.

Voice URLs, Redirects, Dial actions, waitUrl/holdUrl/announceUrl documents and every callback
(statusCallback, recordingStatusCallback, eventCallbackUrl) go through the run's transport. The
first implementation answers from the scenario's ``documents:`` and ``media:``; an application
transport (the user's app, in-process or over HTTP) plugs in at the same seam. The engine sees
only answers already parsed into the model: it never parses text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from attrs import field, frozen

from ..model import Document
from .media import is_media_url

DOCUMENT_PURPOSES = frozenset(
    {"voice", "Redirect", "action", "waitUrl", "holdUrl", "announceUrl", "url", "fallbackUrl"}
)  # ("url": a <Dial> noun's whisper document)
CALLBACK_PURPOSES = frozenset(
    {"statusCallback", "recordingStatusCallback", "eventCallbackUrl", "callStatusCallback"}
)
MEDIA_PURPOSES = frozenset({"waitUrl", "holdUrl", "announceUrl"})


@frozen
class HttpRequest:
    """A request as the platform sends it: why, where, how, and the form parameters."""

    purpose: str  # statusCallback, recordingStatusCallback, eventCallbackUrl, action, waitUrl, ...
    url: str
    method: str
    params: Mapping[str, str] = field(factory=dict)


@frozen
class HttpResponse:
    """What came back. ``kind``: ``document``, ``media`` (a length in ms), ``missing`` (nothing
    at that URL), ``failed`` (the platform's error ``error_code``: 11205 no connection or time-out,
    11200 an HTTP error status, 12100 not a valid document; ``detail`` says more), or ``ok`` (a
    callback answered). ``status`` is the HTTP status when a real app answered, else None."""

    kind: str
    document: Document | None = None
    media_ms: int | None = None
    status: int | None = None
    error_code: int | None = None
    detail: str = ""


class Transport(Protocol):
    def send(self, request: HttpRequest) -> HttpResponse: ...


class ScenarioTransport:
    """Answers from the scenario's ``documents:`` and ``media:`` (no app attached)."""

    def __init__(self, documents: Mapping[str, Document], media: Mapping[str, int]) -> None:
        self.documents = documents
        self.media = dict(media)

    def send(self, request: HttpRequest) -> HttpResponse:
        if request.purpose not in DOCUMENT_PURPOSES:
            return HttpResponse("ok")
        doc = self.documents.get(request.url)
        if doc is not None:
            return HttpResponse("document", document=doc)
        if request.purpose in MEDIA_PURPOSES and is_media_url(request.url, self.media):
            return HttpResponse("media", media_ms=self.media.get(request.url, 10_000))
        return HttpResponse("missing")
