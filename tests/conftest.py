"""Fixtures for the rule tests: run a scenario given as YAML text, and look at its events.

``run`` runs on the engine alone (no app, no REST API): what the rules are about. The others
pick events out of a timeline: ``find`` (all that match), ``one`` (exactly one), ``names``
(``event`` or ``event:call`` strings, for order assertions) and ``at`` (the names at one time).
They are session-scoped: pure functions, usable under hypothesis too.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import pytest

from conference_sim.engine.core import Engine
from conference_sim.events import CaptureSink, Event
from conference_sim.model import Scenario


def run_yaml(yaml_text: str, **kwargs: object) -> list[Event]:
    scenario = Scenario.from_yaml(textwrap.dedent(yaml_text), path="test.yaml")
    sink = CaptureSink()
    Engine(scenario, sinks=[sink], **kwargs).run()  # type: ignore[arg-type]
    return sink.events


def event_names(events: list[Event], *, kinds: tuple[str, ...] = ()) -> list[str]:
    return [
        f"{e.event}:{e.call}" if e.call else e.event for e in events if not kinds or e.kind in kinds
    ]


def find_events(events: list[Event], event: str, call: str | None = None) -> list[Event]:
    return [e for e in events if e.event == event and (call is None or e.call == call)]


def one_event(events: list[Event], event: str, call: str | None = None) -> Event:
    found = find_events(events, event, call)
    assert len(found) == 1, (
        f"expected one {event} for {call}, got {len(found)}: {event_names(events)}"
    )
    return found[0]


@pytest.fixture(scope="session")
def run() -> Callable[..., list[Event]]:
    return run_yaml


@pytest.fixture(scope="session")
def names() -> Callable[..., list[str]]:
    return event_names


@pytest.fixture(scope="session")
def find() -> Callable[..., list[Event]]:
    return find_events


@pytest.fixture(scope="session")
def one() -> Callable[..., Event]:
    return one_event


@pytest.fixture(scope="session")
def at() -> Callable[[list[Event], float], list[str]]:
    return lambda events, t: event_names([e for e in events if e.t == t])
