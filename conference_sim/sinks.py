"""Output sinks ("tracers"): where timeline events go. The model never prints.

Each sink has ``emit(event)`` and ``close()``. JSONL streams as events happen; the table needs
the whole run to size its columns, so it renders on close.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Iterator
from typing import IO, Protocol

from .events import Event


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


# One encoder for every line: json.dumps(..., ensure_ascii=False) would build a new one per call.
_encode = json.JSONEncoder(ensure_ascii=False).encode


def jsonl_line(event: Event) -> str:
    return _encode(event.to_dict())


class JsonlSink:
    """One JSON object per line, written (and flushed) as each event happens."""

    def __init__(self, stream: IO[str], *, flush: bool = True) -> None:
        self.stream = stream
        self.flush = flush

    def emit(self, event: Event) -> None:
        self.stream.write(jsonl_line(event) + "\n")
        if self.flush:
            self.stream.flush()

    def close(self) -> None:
        self.stream.flush()
