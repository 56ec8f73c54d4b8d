"""``--format html``: a run as one self-contained HTML file (no network: styles, script and
data are inline; the page is ``timeline.html`` beside this module). A swimlane per participant
per conference over simulated time, states as coloured bars (waiting, in the mix, muted, held,
coaching), speech as marks, beeps, wait and hold audio, the room's start and end; callbacks as
ticks whose parameters show on click; a zoomable time axis. Built from the timeline alone; the
same run gives the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from ..events import Event
from ..timeparse import clock

STATES = ("waiting", "mix", "muted", "held", "coaching")
IVR_EVENTS = frozenset({"gather-start", "gather-end", "record-end", "beep", "recording-completed",
                        "recording-absent"})  # fmt: skip


class Lanes:
    """Folds the events into bars and marks per lane (room instance × call)."""

    def __init__(self) -> None:
        self.rooms: dict[str, dict[str, Any]] = {}  # ConferenceSid (or name) -> room
        self.open: dict[tuple[str, str, str], int] = {}  # (room, call, kind) -> start ms
        self.end_ms = 0
        self.names: dict[str, str] = {}  # CallSid -> the call's name on the timeline

    def room(self, e: Event) -> dict[str, Any]:
        key = e.params.get("ConferenceSid") or f"{e.account}/{e.conference}"
        latest = self.rooms.get(f"latest:{e.account}/{e.conference}")
        if "ConferenceSid" not in e.params and latest is not None:
            return latest
        room = self.rooms.get(key)
        if room is None:
            room = {"name": e.conference, "account": e.account, "start": None, "end": None,
                    "lanes": {}, "ticks": []}  # fmt: skip
            self.rooms[key] = room
            self.rooms[f"latest:{e.account}/{e.conference}"] = room
        return room

    def lane(self, room: dict[str, Any], call: str) -> dict[str, Any]:
        return room["lanes"].setdefault(call, {"call": call, "bars": [], "marks": []})

    def begin(self, room: dict[str, Any], call: str, kind: str, t: int) -> None:
        self.open.setdefault((id(room), call, kind), t)  # type: ignore[index]

    def finish(self, room: dict[str, Any], call: str, kind: str, t: int) -> None:
        start = self.open.pop((id(room), call, kind), None)  # type: ignore[arg-type]
        if start is not None:
            self.lane(room, call)["bars"].append([kind, start, t])

    def bridge(self, e: Event) -> None:
        """A ``<Dial>`` of a number, client or SIP address: a group of two lanes, the caller
        and the leg that answered, in the mix for as long as they are bridged (SPEC 11)."""
        t, caller = e.t_ms, e.call or ""
        key = f"bridge:{e.params.get('CallSid')}"
        if e.event == "bridge-start":
            leg = self.names.get(e.params.get("DialCallSid", ""), e.params.get("To", "leg"))
            room = {"name": f"{caller} \u21c4 {leg}", "account": e.account, "start": t,
                    "end": None, "lanes": {}, "ticks": []}  # fmt: skip
            self.rooms[key] = room
            for who in (caller, leg):
                self.lane(room, who)
                self.begin(room, who, "mix", t)
        elif key in self.rooms:
            room = self.rooms.pop(key)
            self.rooms[f"{key}:{t}:{e.seq}"] = room
            room["end"] = t
            for who in list(room["lanes"]):
                self.finish(room, who, "mix", t)

    def ivr(self, e: Event) -> None:
        """The IVR in front of the room (SPEC 11): a lane per call, with its <Gather> input
        (a bar, the digits or speech as a mark) and its <Record> (a bar)."""
        call, t = e.call or "", e.t_ms
        key = f"ivr:{e.account}/{call}"
        room = self.rooms.get(key)
        if room is None:
            room = {"name": f"{call}: before the room", "account": e.account, "start": None,
                    "end": None, "lanes": {}, "ticks": []}  # fmt: skip
            self.rooms[key] = room
        lane = self.lane(room, call)
        if e.event == "gather-start":
            self.begin(room, call, "prompt", t)
        elif e.event == "gather-end":
            self.finish(room, call, "prompt", t)
            heard = e.params.get("Digits") or e.params.get("SpeechResult") or "nothing"
            lane["marks"].append(["digits", t, heard])
        elif e.event == "beep":  # a <Record>'s beep: the recording starts
            self.begin(room, call, "recording", t)
        elif e.event in ("recording-completed", "recording-absent"):
            if (id(room), call, "recording") not in self.open:  # (no beep: playBeep=false)
                start = t - 1000 * int(e.params.get("RecordingDuration", "0") or 0)
                self.open[(id(room), call, "recording")] = start  # type: ignore[index]
            self.finish(room, call, "recording", t)
        if e.requests:
            room["ticks"].append(tick(e))

    def apply(self, e: Event) -> None:
        t, name, call = e.t_ms, e.event, e.call
        self.end_ms = max(self.end_ms, t)
        if call and "CallSid" in e.params:
            self.names.setdefault(e.params["CallSid"], call)
        if name in ("bridge-start", "bridge-end"):
            self.bridge(e)
            return
        if e.conference is None and call and name in IVR_EVENTS:
            self.ivr(e)
            return
        if e.conference is None:
            return
        room = self.room(e)
        if name == "conference-start":
            room["start"] = t
            for who in list(room["lanes"]):
                self.finish(room, who, "waiting", t)
                self.begin(room, who, "mix", t)
        elif name == "conference-end":
            room["end"] = t
        elif call and name == "participant-join":
            self.lane(room, call)
            self.begin(room, call, "waiting" if room["start"] is None else "mix", t)
            if e.params.get("Muted") == "true":
                self.begin(room, call, "muted", t)
            if e.params.get("Coaching") == "true":
                self.begin(room, call, "coaching", t)
        elif call and name == "participant-leave":
            for kind in (*STATES, "speech", "wait-audio", "hold-audio"):
                self.finish(room, call, kind, t)
        elif call:
            self.lane_event(room, e)
        if e.requests:
            room["ticks"].append(tick(e))

    def lane_event(self, room: dict[str, Any], e: Event) -> None:
        t, name, call = e.t_ms, e.event, e.call or ""
        pairs = {
            "participant-mute": ("begin", "muted"), "participant-unmute": ("finish", "muted"),
            "participant-hold": ("begin", "held"), "participant-unhold": ("finish", "held"),
            "participant-speech-start": ("begin", "speech"),
            "participant-speech-stop": ("finish", "speech"),
            "wait-start": ("begin", "wait-audio"), "wait-stop": ("finish", "wait-audio"),
            "hold-audio-start": ("begin", "hold-audio"),
            "hold-audio-stop": ("finish", "hold-audio"),
        }  # fmt: skip
        if name in pairs:
            how, kind = pairs[name]
            (self.begin if how == "begin" else self.finish)(room, call, kind, t)
            if kind == "held":  # held: out of the mix meanwhile
                (self.finish if how == "begin" else self.begin)(room, call, "mix", t)
        elif name == "beep":
            self.lane(room, call)["marks"].append(["beep", t, e.params.get("reason", "")])
        elif name == "join-refused":
            self.lane(room, call)["marks"].append(["refused", t, e.params.get("ErrorCode", "")])
        elif name == "participant-modify" and "Coaching" in e.params:
            coaching = e.params["Coaching"] == "true"
            (self.begin if coaching else self.finish)(room, call, "coaching", t)

    def model(self, title: str, missing: list[dict[str, Any]]) -> dict[str, Any]:
        for (room_id, call, kind), start in list(self.open.items()):
            room = next(r for r in self.rooms.values() if id(r) == room_id)
            room["lanes"][call]["bars"].append([kind, start, self.end_ms])
        self.open.clear()
        rooms = [r for k, r in self.rooms.items() if not k.startswith("latest:")]
        for r in rooms:
            r["lanes"] = list(r["lanes"].values())
        return {"title": title, "end": max(self.end_ms, 1000), "rooms": rooms, "missing": missing}


def tick(e: Event) -> dict[str, Any]:
    return {
        "t": e.t_ms,
        "call": e.call,
        "event": e.event,
        "at": clock(e.t_ms),
        "requests": [r.to_dict() for r in e.requests],
        "params": e.params,
    }


def page(events: list[Event], title: str, missing: list[dict[str, Any]] | None = None) -> str:
    """The HTML page of a timeline; ``missing`` marks expected events that never came."""
    lanes = Lanes()
    for e in events:
        lanes.apply(e)
    data = json.dumps(lanes.model(title, missing or []), ensure_ascii=True, separators=(",", ":"))
    data = data.replace("<", "\\u003c")  # no tag of any kind inside the script's data
    safe_title = json.dumps(title, ensure_ascii=True)[1:-1].replace("<", "&lt;")
    template = (Path(__file__).parent / "timeline.html").read_text(encoding="utf-8")
    return template.replace("__TITLE__", safe_title).replace("__DATA__", data)


class HtmlSink:
    """Collects events; writes the page when the run ends."""

    def __init__(self, stream: IO[str], title: str = "") -> None:
        self.stream = stream
        self.title = title
        self.events: list[Event] = []

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def close(self) -> None:
        self.stream.write(page(self.events, self.title))
        self.stream.flush()
