"""Fixtures for the rule tests: run a scenario given as YAML text, and look at its events.

``run`` runs on the engine alone (no app, no REST API): what the rules are about. The others
pick events out of a timeline: ``find`` (all that match), ``one`` (exactly one), ``names``
(``event`` or ``event:call`` strings, for order assertions) and ``at`` (the names at one time).
They are session-scoped: pure functions, usable under hypothesis too.
"""

from __future__ import annotations

import socket
import textwrap
from collections.abc import Callable
from typing import Any

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


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """DNS refused and no connection anywhere but this machine: what tried is listed."""
    tried: list[str] = []
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.create_connection

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if str(host) not in ("127.0.0.1", "localhost", "::1"):
            tried.append(str(host))
            raise socket.gaierror(socket.EAI_NONAME, "DNS refused in this test")
        return real_getaddrinfo(host, *args, **kwargs)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
        if address[0] not in ("127.0.0.1", "localhost", "::1"):
            tried.append(str(address[0]))
            raise OSError("no network in this test")
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    return tried
