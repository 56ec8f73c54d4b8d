"""Output sinks ("tracers"): where timeline events go. The model never prints.

Each sink has ``emit(event)`` and ``close()``. JSONL streams as events happen; the table needs
the whole run to size its columns, so it renders on close.
"""

from __future__ import annotations

import json
import operator
from typing import IO, Any

from ..events import BufferSink, CaptureSink, Event, NullSink, Sink
from .safe import one_record

__all__ = [
    "BufferSink",
    "CaptureSink",
    "JsonlSink",
    "NullSink",
    "Sink",
    "StructlogSink",
    "jsonl_line",
]


# What the encoders write for a Request in an event's record (Request.wire), read in C.
wire = operator.attrgetter("wire")


try:  # orjson writes the pinned compact shape (SPEC 6) about six times faster
    import orjson

    def encode(record: dict[str, Any]) -> str:
        return orjson.dumps(record).decode("utf-8")

    # dump_line(record, default=wire, option=LINE): an event's record as one UTF-8 line, its
    # newline included; called as it is (no Python function around it) once per line
    dump_line = orjson.dumps
    LINE = orjson.OPT_APPEND_NEWLINE

except ImportError:  # pragma: no cover - the standard library writes the same bytes
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    encode_record = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=wire)
    LINE = 0

    def dump_line(record: dict[str, Any], default: Any = None, option: int = 0) -> bytes:
        return (encode_record.encode(record) + "\n").encode("utf-8")


def jsonl_line(event: Event) -> str:
    """One event as its JSONL record: compact, keys in the pinned order, UTF-8, one line."""
    return one_record(encode(event.to_dict()))


class JsonlSink:
    """One JSON object per line, written (and flushed) as each event happens."""

    def __init__(self, stream: IO[str], *, flush: bool = True) -> None:
        self.write = stream.write
        self.stream = stream
        self.flush = flush

    def emit(self, event: Event) -> None:
        self.emit_record(event.record())

    def emit_record(self, record: dict[str, Any]) -> None:
        """One event's record (``events.record``): the event log hands it over directly when
        every sink takes records. jsonl_line, inline: this runs once per line."""
        line = dump_line(record, default=wire, option=LINE).decode()
        self.write(line if line.isascii() else one_record(line))
        if self.flush:
            self.stream.flush()

    def close(self) -> None:
        self.stream.flush()


class StructlogSink:
    """Forwards each timeline event to a structlog logger (your application's log pipeline):
    ``logger.info(event.event, **event.to_dict())``. structlog is imported only when used."""

    def __init__(self, logger: Any = None) -> None:
        if logger is None:
            import structlog

            logger = structlog.get_logger("conference_sim")
        self.logger = logger

    def emit(self, event: Event) -> None:
        record = event.to_dict()
        del record["event"]
        self.logger.info(event.event, **record)

    def close(self) -> None:
        pass
