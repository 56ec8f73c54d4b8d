"""The document server: what a call or a player gets when it fetches a URL.

Every fetch goes through the run's transport (:mod:`.transport`); this module turns the answer
into what the engine runs (a document, a media length, or nothing) and says so on the timeline
when something is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import Document
from .transport import HttpRequest, Transport


class DocumentServer:
    def __init__(self, transport: Transport, warn: Any) -> None:
        self.transport = transport
        self.warn = warn  # Simulation.warn

    def fetch(
        self,
        url: str,
        purpose: str,
        log: Any,
        method: str = "POST",
        params: Mapping[str, str] | None = None,
    ) -> Document | int | None:
        """What the app serves at url: a document, a media file's length, or None (missing)."""
        answer = self.transport.send(HttpRequest(purpose, url, method, params or {}))
        if answer.kind == "document":
            return answer.document
        if answer.kind == "media":
            return answer.media_ms
        self.warn(
            log,
            "document-missing",
            url=url,
            purpose=purpose,
            reason="the scenario's documents have nothing at this URL; the simulator "
            "answers an empty <Response/>",
        )
        return None

    def document(
        self,
        url: str,
        purpose: str,
        log: Any,
        method: str = "POST",
        params: Mapping[str, str] | None = None,
    ) -> Document:
        """A document to run next (an empty one when nothing is there)."""
        doc = self.fetch(url, purpose, log, method, params)
        return doc if isinstance(doc, Document) else Document(verbs=(), source=url)

    def notify(self, url: str, purpose: str, method: str, params: Mapping[str, str]) -> None:
        """A request whose answer nobody will run (the Dial action after a hang-up)."""
        self.transport.send(HttpRequest(purpose, url, method, params))
