"""The timeline's vocabulary: one :class:`Event` per line, with the requests it would send, and
the sinks ("tracers") that receive events as they happen. The model never prints: output sinks
(JSONL, the table) live in :mod:`conference_sim.output` and plug in here."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from typing import Any, NamedTuple, Protocol

from attrs import field, frozen

from .timeparse import seconds

KINDS = ("call", "conference", "recording", "audio", "warning")
KNOWN_EVENTS = (
    "call-start", "call-end", "dial-end", "join-refused",
    "conference-start", "conference-end", "participant-join", "participant-leave",
    "participant-mute", "participant-unmute", "participant-hold", "participant-unhold",
    "participant-speech-start", "participant-speech-stop", "participant-modify",
    "announcement-end", "announcement-fail",
    "recording-in-progress", "recording-completed", "recording-failed", "recording-absent",
    "wait-start", "wait-stop", "hold-audio-start", "hold-audio-stop", "beep",
    "announcement-start",
    "attribute-ignored", "callback-unsubscribed", "document-invalid", "document-missing",
    "action-failed", "clock-stopped", "request-failed", "callback-failed",
    "call-progress", "audio-loop", "bridge-start", "bridge-end", "gather-start", "gather-end",
    "verb-not-simulated", "record-end", "rest-not-simulated", "rest-refused",
    "recording-paused", "recording-resumed",
)  # fmt: skip


@frozen(slots=True)
class Request:
    """An HTTP request the platform would send for an event."""

    purpose: str  # statusCallback, recordingStatusCallback, eventCallbackUrl, action, waitUrl, ...
    url: str
    method: str
    status: int | None = None  # the HTTP status, when the request reached an app (SPEC 9)
    # its own form parameters when they are not the event's (Twilio's eventCallbackUrl)
    body: dict[str, str] | None = field(default=None, eq=False, repr=False)
    # to_dict(), made once: the JSONL encoder writes it for every line that carries the request
    wire: dict[str, Any] = field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "wire", self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"purpose": self.purpose, "url": self.url, "method": self.method}
        if self.status is not None:
            out["status"] = self.status
        if self.body is not None:  # what it sends, when that is not the event's params
            out["body"] = dict(self.body)
        return out


class Event(NamedTuple):
    """One timeline line, immutable. ``t_ms`` is simulated milliseconds; ``t`` gives seconds.
    (A named tuple: one is made per line, and it is the cheapest frozen record to make.)"""

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
        out = self.record()
        out["requests"] = [r.to_dict() for r in self.requests]
        return out

    def record(self) -> dict[str, Any]:
        """``to_dict`` with the :class:`Request` objects themselves under ``requests`` (the
        JSONL sink's encoder writes each as its dict, without a list made per line)."""
        return record(*self)


def record(
    seq: int,
    t_ms: int,
    kind: str,
    event: str,
    conference: str | None,
    account: str | None,
    call: str | None,
    params: dict[str, Any],
    requests: tuple[Request, ...],
) -> dict[str, Any]:
    """An event's pinned JSONL shape (SPEC 6) from its fields, requests as Request objects:
    ``Event.record``, and what the event log hands to sinks that take records."""
    return {
        "seq": seq,
        "t": t_ms / 1000,  # seconds(), inline: once per line
        "kind": kind,
        "event": event,
        "conference": conference,
        "account": account,
        "call": call,
        "params": params,
        "requests": requests,
    }


class Sink(Protocol):
    def emit(self, event: Event) -> None: ...

    def close(self) -> None: ...


class NullSink:
    """Discards everything (benchmarks)."""

    def emit(self, event: Event) -> None:
        pass

    def close(self) -> None:
        pass


class CaptureSink:
    """Keeps every event in memory (tests, expectations, the Python API)."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def close(self) -> None:
        pass

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)


class BufferSink:
    """Appends to a deque that a consumer drains as the run goes (``Simulation.stream``)."""

    def __init__(self, buffer: collections.deque[Event]) -> None:
        self.buffer = buffer

    def emit(self, event: Event) -> None:
        self.buffer.append(event)

    def close(self) -> None:
        pass
