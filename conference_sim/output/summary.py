"""What a run comes to, for people: per conference its lifetime, peak participants, who ended
it and why, and the requests sent per URL; then the warnings by name."""

from __future__ import annotations

from collections import Counter

from ..events import Event
from ..timeparse import clock


def summary_lines(events: list[Event]) -> list[str]:
    rooms: dict[str, dict] = {}
    names: dict[str, str] = {}  # CallSid -> call name
    warnings: Counter[str] = Counter()
    dialled: dict[str, str] = {}  # CallSid -> its last progress status (calls the platform made)
    for e in events:
        if e.call and "CallSid" in e.params:
            names.setdefault(e.params["CallSid"], e.call)
        if e.event == "call-progress" and e.params.get("Direction") != "inbound":
            dialled[e.params["CallSid"]] = e.params["CallStatus"]
        if e.kind == "warning":
            warnings[e.event] += 1
        sid = e.params.get("ConferenceSid")
        if not sid or e.kind != "conference":
            continue
        room = rooms.setdefault(sid, {"name": e.conference, "first": e.t_ms, "start": None,
                                      "end": None, "present": set(), "peak": 0,
                                      "requests": Counter(), "ended": ""})  # fmt: skip
        if e.event == "participant-join" and e.call:
            room["present"].add(e.call)
            room["peak"] = max(room["peak"], len(room["present"]))
        elif e.event == "participant-leave" and e.call:
            room["present"].discard(e.call)
        elif e.event == "conference-start":
            room["start"] = e.t_ms
        elif e.event == "conference-end":
            room["end"] = e.t_ms
            by = names.get(e.params.get("CallSidEndingConference", ""), "")
            room["ended"] = e.params.get("ReasonConferenceEnded", "") + (f" ({by})" if by else "")
        for r in e.requests:
            room["requests"][f"{r.method} {r.url}"] += 1
    out = ["summary"]
    for room in rooms.values():
        started = clock(room["start"]) if room["start"] is not None else "never started"
        ended = clock(room["end"]) if room["end"] is not None else "still open"
        out.append(
            f"  conference {room['name']}: opened {clock(room['first'])}, started {started}, "
            f"ended {ended}; peak {room['peak']} participant(s)"
        )
        if room["ended"]:
            out.append(f"    ended by: {room['ended']}")
        for url, count in sorted(room["requests"].items()):
            out.append(f"    {count:>4} × {url}")
    if dialled:
        outcomes = Counter(dialled.values())
        listed = ", ".join(f"{status} × {n}" for status, n in sorted(outcomes.items()))
        out.append(f"  calls the platform dialled: {len(dialled)} ({listed})")
    if warnings:
        listed = ", ".join(f"{name} × {n}" for name, n in sorted(warnings.items()))
        out.append(f"  warnings: {listed}")
    return out
