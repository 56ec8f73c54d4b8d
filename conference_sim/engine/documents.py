"""The document server: what a call or a player gets when it fetches a URL.

Every fetch goes through the run's transport (:mod:`.transport`); this module turns the answer
into what the engine runs (a document, a media length, or nothing) and says so on the timeline
when something is missing.
"""

from __future__ import annotations

from typing import Any

from ..model import Document
from .transport import HttpRequest, Transport


class DocumentServer:
    def __init__(self, transport: Transport, warn: Any) -> None:
        self.transport = transport
        self.warn = warn  # Simulation.warn

    def fetch(self, request: HttpRequest, log: Any) -> Document | int | None:
        """What the app serves: a document, a media file's length, or None (missing)."""
        answer = self.transport.send(request)
        if answer.kind == "document":
            return answer.document
        if answer.kind == "media":
            return answer.media_ms
        self.warn(
            log,
            "document-missing",
            url=request.url,
            purpose=request.purpose,
            reason="the scenario's documents have nothing at this URL; the simulator "
            "answers an empty <Response/>",
        )
        return None

    def document(self, request: HttpRequest, log: Any) -> Document:
        """A document to run next (an empty one when nothing is there)."""
        doc = self.fetch(request, log)
        return doc if isinstance(doc, Document) else Document(verbs=(), source=request.url)

    def notify(self, request: HttpRequest) -> None:
        """A request whose answer nobody will run (the Dial action after a hang-up)."""
        self.transport.send(request)
