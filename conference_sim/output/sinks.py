"""Output sinks ("tracers"): where timeline events go. The model never prints.

Each sink has ``emit(event)`` and ``close()``. JSONL streams as events happen; the table needs
the whole run to size its columns, so it renders on close.
"""

from __future__ import annotations

import json
from typing import IO

from ..events import BufferSink, CaptureSink, Event, NullSink, Sink
from .safe import one_record

__all__ = ["BufferSink", "CaptureSink", "JsonlSink", "NullSink", "Sink", "jsonl_line"]


# One encoder for every line: json.dumps(..., ensure_ascii=False) would build a new one per call.
_encode = json.JSONEncoder(ensure_ascii=False).encode


def jsonl_line(event: Event) -> str:
    return one_record(_encode(event.to_dict()))


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
