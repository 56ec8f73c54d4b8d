"""The timeline's vocabulary: one :class:`Event` per line, with the requests it would send."""

from __future__ import annotations

from typing import Any

from attrs import frozen

from .timeparse import seconds

KINDS = ("call", "conference", "recording", "audio", "warning")


@frozen(slots=True)
class Request:
    """An HTTP request the platform would send for an event."""

    purpose: str  # statusCallback, recordingStatusCallback, eventCallbackUrl, action, waitUrl, ...
    url: str
    method: str

    def to_dict(self) -> dict[str, str]:
        return {"purpose": self.purpose, "url": self.url, "method": self.method}


@frozen(slots=True)
class Event:
    """One timeline line. ``t_ms`` is simulated milliseconds; ``t`` gives seconds."""

    seq: int
    t_ms: int
    kind: str
    event: str
    conference: str | None
    account: str | None
    call: str | None
    params: dict[str, Any]
    requests: tuple[Request, ...] = ()

    @property
    def t(self) -> float:
        return seconds(self.t_ms)

    def to_dict(self) -> dict[str, Any]:
        """The pinned JSONL shape (SPEC 6), keys in pinned order."""
        return {
            "seq": self.seq,
            "t": self.t,
            "kind": self.kind,
            "event": self.event,
            "conference": self.conference,
            "account": self.account,
            "call": self.call,
            "params": self.params,
            "requests": [r.to_dict() for r in self.requests],
        }
