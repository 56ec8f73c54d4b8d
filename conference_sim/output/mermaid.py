"""``--format mermaid``: a run as a Mermaid ``sequenceDiagram`` to paste into a pull request.

Participants are the calls (in order of arrival), the conference rooms, and one per host that
requests go to (the app). Each timeline event is an arrow or a note; each request the platform
sends is an arrow to its host with its key parameters. The output keeps to a small subset of
the syntax (stated in :data:`GRAMMAR`) so that it parses wherever Mermaid runs.
"""

from __future__ import annotations

import re
from typing import IO
from urllib.parse import urlsplit

from ..events import Event
from ..timeparse import clock
from .safe import visible

# Every line written matches one of these (the test checks it).
TEXT = r"(?:[^;#\n]|#\d+;)+"  # one line; ; and # only inside entity codes (#59; #35;)
GRAMMAR = (
    r"sequenceDiagram",
    r"    participant [a-z][a-z0-9]* as [^;#:\n]+",
    rf"    [a-z][a-z0-9]*(->>|-->>|-\))[a-z][a-z0-9]*: {TEXT}",
    rf"    Note over [a-z][a-z0-9]*(,[a-z][a-z0-9]*)?: {TEXT}",
)
KEY_PARAMS = ("DialCallStatus", "ReasonParticipantLeft", "ReasonConferenceEnded", "ErrorCode")


ENTITY = {"#": "#35;", ";": "#59;"}


def text(value: str) -> str:
    """Mermaid message text: one line; ``;`` ends a statement and ``#`` starts an entity."""
    return re.sub(r"[#;]", lambda m: ENTITY[m.group()], visible(value)) or " "


class MermaidSink:
    """Collects events; writes the diagram when the run ends."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.events: list[Event] = []

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def close(self) -> None:
        self.stream.write(diagram(self.events))
        self.stream.flush()


def diagram(events: list[Event]) -> str:
    ids: dict[tuple[str, str], str] = {}
    declared: list[str] = []

    def who(kind: str, name: str) -> str:
        key = (kind, name)
        if key not in ids:
            ids[key] = f"{kind[0]}{len(ids)}"
            label = {"call": name, "room": f"room {name}", "host": name}[kind]
            alias = visible(label).replace(";", ",").replace("#", "no.").replace(":", " ")
            declared.append(f"    participant {ids[key]} as {alias.strip() or kind}")
        return ids[key]

    body: list[str] = []
    for e in events:
        when = clock(e.t_ms)
        room = who("room", room_name(e)) if e.conference else None
        caller = who("call", e.call) if e.call else None
        label = text(f"{when} {e.event}{detail(e)}")
        if e.kind == "warning":
            body.append(f"    Note over {caller or room or who('room', '(platform)')}: {label}")
        elif caller and room and e.kind in ("conference", "audio", "call"):
            arrow = "->>" if e.event in ("participant-join", "dial-end", "join-refused") else "-->>"
            body.append(f"    {caller}{arrow}{room}: {label}")
        elif room:
            body.append(f"    Note over {room}: {label}")
        elif caller:
            body.append(f"    Note over {caller}: {label}")
        source = room or caller
        for r in e.requests:
            host = who("host", urlsplit(r.url).netloc or r.url)
            status = f" → {r.status}" if r.status is not None else ""
            path = urlsplit(r.url).path or "/"
            if source:
                what = e.params.get("StatusCallbackEvent") or e.params.get("RecordingStatus") or ""
                seq = e.params.get("SequenceNumber")
                key = f" {what}" if what and r.purpose != "action" else ""
                key += f" #{seq}" if seq and r.purpose == "statusCallback" else ""
                message = text(f"{r.method} {path} ({r.purpose}{key}){status}")
                body.append(f"    {source}-){host}: {message}")
                if r.body is not None:  # its own parameters, not the event's
                    sent = text(" ".join(f"{k}={v}" for k, v in r.body.items()))
                    body.append(f"    Note right of {host}: sends {sent}")
    return "\n".join(["sequenceDiagram", *declared, *body]) + "\n"


def room_name(e: Event) -> str:
    account = "" if e.account in (None, "default") else f" ({e.account})"
    return f"{e.conference}{account}"


def detail(e: Event) -> str:
    keys = (*KEY_PARAMS, "CallStatus") if e.event == "call-progress" else KEY_PARAMS
    shown = [f"{k}={e.params[k]}" for k in keys if k in e.params]
    return f" [{', '.join(shown)}]" if shown else ""


def valid(line: str) -> bool:
    return any(re.fullmatch(rule, line) for rule in GRAMMAR)
