"""Small helpers for tests: run a scenario given as YAML text and look at its events."""

from __future__ import annotations

import textwrap

from conference_sim.engine.core import Engine
from conference_sim.events import Event
from conference_sim.model import Scenario
from conference_sim.output.sinks import CaptureSink


def run(yaml_text: str, **kwargs: object) -> list[Event]:
    scenario = Scenario.from_yaml(textwrap.dedent(yaml_text), path="test.yaml")
    sink = CaptureSink()
    Engine(scenario, sinks=[sink], **kwargs).run()  # type: ignore[arg-type]
    return sink.events


def names(events: list[Event], *, kinds: tuple[str, ...] = ()) -> list[str]:
    """``event`` or ``event:call`` strings, for order assertions."""
    out = []
    for e in events:
        if kinds and e.kind not in kinds:
            continue
        out.append(f"{e.event}:{e.call}" if e.call else e.event)
    return out


def find(events: list[Event], event: str, call: str | None = None) -> list[Event]:
    return [e for e in events if e.event == event and (call is None or e.call == call)]


def one(events: list[Event], event: str, call: str | None = None) -> Event:
    found = find(events, event, call)
    assert len(found) == 1, f"expected one {event} for {call}, got {len(found)}: {names(events)}"
    return found[0]


def at(events: list[Event], t: float) -> list[str]:
    return names([e for e in events if e.t == t])
