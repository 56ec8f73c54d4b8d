"""Rendering the timeline for people, through rich: readable at 80 columns (nothing breaks a
word), times as m:ss.s (h:mm:ss.s past an hour), then a summary of each conference."""

from __future__ import annotations

import textwrap
from typing import IO

from ..events import Event
from ..timeparse import clock
from .safe import visible

# The params worth a glance per event; everything else is in --format jsonl.
SUMMARY_KEYS = (
    "reason",
    "heard_by",
    "heard_by_count",
    "not_heard_by",
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
    "Digits",
    "FinishedOnKey",
    "verb",
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
        if (
            key == "CallStatus"
            and event.event != "call-progress"
            and not (event.event == "call-end" and value != "completed")
        ):
            continue
        if key in ("Digits", "FinishedOnKey") and value == "":
            continue
        if isinstance(value, list):
            value = ",".join(value) if value else "nobody"
        parts.append(f"{key}={value}")
    return " ".join(parts)


class Abbreviations:
    """A room's statusCallback (and other repeated request URLs) is written in full the first
    time per conference, then as its purpose alone."""

    def __init__(self) -> None:
        self.seen: set[tuple[str | None, str, str]] = set()

    def requests(self, event: Event) -> list[str]:
        out = []
        seq = event.params.get("SequenceNumber")
        for r in event.requests:
            tag = f" #{seq}" if r.purpose == "statusCallback" and seq else ""
            status = f" → {r.status}" if r.status is not None else ""
            key = (event.conference, r.purpose, r.url)
            if key in self.seen:
                out.append(f"→ {r.purpose}{tag}{status}")
            else:
                self.seen.add(key)
                out.append(f"→ {r.method} {r.url} ({r.purpose}{tag}){status}")
            if r.body is not None:  # its own parameters, not the event's
                out.append("  sends " + " ".join(f"{k}={v}" for k, v in r.body.items()))
        return out


def requests_text(event: Event) -> str:
    out = []
    seq = event.params.get("SequenceNumber")
    for r in event.requests:
        tag = f" #{seq}" if r.purpose == "statusCallback" and seq else ""
        out.append(f"{r.method} {r.url} ({r.purpose}{tag})")
    return "; ".join(out)


STYLES = {"warning": "yellow", "conference": "cyan", "recording": "magenta", "audio": "dim"}
EVENT_WIDTH = 25


def lines_of(event: Event, width: int, wide: bool, abbreviations: Abbreviations) -> list[str]:
    """An event as lines of at most ``width`` (a single word longer than that stays whole):
    time, event, conference and call on the first, details and requests after it."""
    where = " ".join(visible(x) for x in (event.conference, event.call) if x)
    head = f"{clock(event.t_ms):>10}  {event.event:<{EVENT_WIDTH}} {where}".rstrip()
    extra = [visible(summary(event)), *map(visible, abbreviations.requests(event))]
    extra = [x for x in extra if x]
    if wide:
        return [" ".join([head, *extra])]
    indent = " " * 12
    out = [head]
    for item in extra:
        out += textwrap.wrap(
            item,
            width=max(width, 40),
            initial_indent=indent,
            subsequent_indent=indent + "  ",
            break_long_words=False,
            break_on_hyphens=False,
        )
    return out


def wrapped(line: str, width: int) -> list[str]:
    """A summary line wrapped between words to ``width``, continuing under its own indent."""
    indent = " " * (len(line) - len(line.lstrip()))
    return textwrap.wrap(
        line,
        width=max(width, 40),
        subsequent_indent=indent + "  ",
        break_long_words=False,
        break_on_hyphens=False,
    ) or [line]


class TableSink:
    """Collects events and writes them for people when the run ends: one head line per event
    (time, event, conference, call), its details and requests on indented continuation lines
    that wrap between words to the terminal's width (``wide``: all on one line), then a
    summary of each conference."""

    def __init__(
        self,
        stream: IO[str],
        *,
        color: bool | None = None,
        title: str = "",
        width: int | None = None,
        wide: bool = False,
        summary: bool = True,
    ) -> None:
        self.stream = stream
        self.color = color
        self.title = title
        self.width = width
        self.wide = wide
        self.with_summary = summary
        self.rows: list[Event] = []

    def emit(self, event: Event) -> None:
        self.rows.append(event)

    def close(self) -> None:
        from rich.console import Console
        from rich.text import Text

        console = Console(
            file=self.stream,
            width=self.width or (None if self.stream.isatty() else 120),
            force_terminal=self.color,
            no_color=self.color is False,
            highlight=False,
            soft_wrap=True,
        )
        width = console.width
        if self.title:
            console.print(Text(visible(self.title), style="bold"))
        abbreviations = Abbreviations()
        for e in self.rows:
            style = STYLES.get(e.kind, "")
            for i, line in enumerate(lines_of(e, width, self.wide, abbreviations)):
                console.print(Text(line, style=style if i == 0 else "dim"))
        if self.with_summary and self.rows:
            from .summary import summary_lines

            console.print()
            for line in summary_lines(self.rows):
                for part in [line] if self.wide else wrapped(visible(line), width):
                    console.print(Text(part))
        self.stream.flush()
