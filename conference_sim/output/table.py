"""Rendering the timeline for people: a table with aligned columns (rich), times as m:ss.s."""

from __future__ import annotations

from typing import IO

from ..events import Event
from ..timeparse import clock
from .safe import visible

# The params worth a glance per event; everything else is in --format jsonl.
SUMMARY_KEYS = (
    "reason",
    "heard_by",
    "source",
    "url",
    "Muted",
    "Hold",
    "Coaching",
    "ReasonParticipantLeft",
    "ParticipantCallStatus",
    "ReasonConferenceEnded",
    "Duration",
    "DialCallStatus",
    "CallStatus",
    "ErrorCode",
    "Reason",
    "RecordingStatus",
    "RecordingDuration",
    "RecordingFileSize",
    "attributes",
    "purpose",
    "action",
    "target",
)
QUIET = {"Muted": "false", "Hold": "false", "Coaching": "false"}


def summary(event: Event) -> str:
    parts = []
    for key in SUMMARY_KEYS:
        if key not in event.params:
            continue
        value = event.params[key]
        if QUIET.get(key) == value:
            continue
        if key == "Reason" and event.event == "conference-end":
            continue
        if key == "CallStatus" and event.event != "call-progress":
            continue
        if isinstance(value, list):
            value = ",".join(value) if value else "nobody"
        parts.append(f"{key}={value}")
    return " ".join(parts)


def requests_text(event: Event) -> str:
    out = []
    seq = event.params.get("SequenceNumber")
    for r in event.requests:
        tag = f" #{seq}" if r.purpose == "statusCallback" and seq else ""
        out.append(f"{r.method} {r.url} ({r.purpose}{tag})")
    return "; ".join(out)


class TableSink:
    """Collects events and renders one aligned row per event when the run ends."""

    def __init__(self, stream: IO[str], *, color: bool | None = None, title: str = "") -> None:
        self.stream = stream
        self.color = color
        self.title = title
        self.rows: list[Event] = []

    def emit(self, event: Event) -> None:
        self.rows.append(event)

    def close(self) -> None:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        def cell(text: str) -> Text:  # shown as written: no markup, no control characters
            return Text(visible(text))

        console = Console(
            file=self.stream,
            width=200 if not self.stream.isatty() else None,
            force_terminal=self.color,
            no_color=self.color is False,
            highlight=False,
            soft_wrap=False,
        )
        table = Table(
            box=None,
            pad_edge=False,
            header_style="bold",
            title=cell(self.title) if self.title else None,
            title_justify="left",
        )
        table.add_column("time", justify="right", no_wrap=True)
        table.add_column("event", no_wrap=True)
        table.add_column("conference", no_wrap=True)
        table.add_column("call", no_wrap=True)
        table.add_column("details", overflow="fold")
        table.add_column("requests", overflow="fold")
        styles = {
            "warning": "yellow",
            "conference": "cyan",
            "recording": "magenta",
            "audio": "dim",
            "call": "",
        }
        for e in self.rows:
            table.add_row(
                clock(e.t_ms),
                e.event,
                cell(e.conference or ""),
                cell(e.call or ""),
                cell(summary(e)),
                cell(requests_text(e)),
                style=styles.get(e.kind, ""),
            )
        console.print(table)
        self.stream.flush()
