"""conference-sim: SignalWire cXML / Twilio TwiML conference rooms on a simulated clock.

Public API (imported lazily so that ``conference-sim --version`` starts fast)::

    import conference_sim

    timeline = conference_sim.run("scenarios/01-simple.yaml")
    timeline.assert_timeline("0 participant-join alice", "conference-start")
    timeline.state_at("1m").conference("Room 1234").present   # ['alice', 'bob']

    scenario = conference_sim.ScenarioBuilder().call("a", "R").call("b", "R", at=5).build()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Scenario": "model",
    "Simulation": "runner",
    "Event": "events",
    "Request": "events",
    "Hearing": "engine.hearing",
    "CaptureSink": "events",
    "JsonlSink": "output.sinks",
    "NullSink": "events",
    "InputError": "errors",
    "ScenarioError": "errors",
    "DocumentError": "errors",
    "Dialect": "dialects",
    "ScenarioBuilder": "api.builder",
    "run": "api.builder",
    "Timeline": "check.timeline",
    "State": "states",
    "ConferenceState": "states",
    "ParticipantState": "states",
    "RoomState": "states",
    "CallState": "states",
    "Expectations": "expectations",
    "ExpectationFailed": "check.expect",
    "Failure": "check.diffs",
    "Outcome": "check.checking",
    "check_scenario": "check.checking",
    "invariants": "check",
    "explore": "check",
    "actions": "",
}
__all__ = [*_EXPORTS, "__version__", "run_scenario"]

if TYPE_CHECKING:
    from . import actions
    from .api.builder import ScenarioBuilder, run
    from .check import explore, invariants
    from .check.checking import Outcome, check_scenario
    from .check.diffs import Failure
    from .check.expect import ExpectationFailed
    from .check.timeline import Timeline
    from .dialects import Dialect
    from .engine.hearing import Hearing
    from .errors import DocumentError, InputError, ScenarioError
    from .events import CaptureSink, Event, NullSink, Request
    from .expectations import Expectations
    from .model import Scenario
    from .output.sinks import JsonlSink
    from .runner import Simulation
    from .states import CallState, ConferenceState, ParticipantState, RoomState, State


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'conference_sim' has no attribute {name!r}")
    module = _EXPORTS[name]
    if module in ("", "check"):  # a submodule
        value = importlib.import_module(f".{module}.{name}".replace("..", "."), __name__)
    else:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def run_scenario(
    scenario: Scenario, *, seed: int | None = None, until_ms: int | None = None, app: Any = None
) -> list[Event]:
    """Run a scenario to the end and return its whole timeline as a list (its ``app:``
    attached, as :func:`run` does; ``run`` gives the same events as a Timeline)."""
    from .runner import capture

    return capture(scenario, seed=seed, until_ms=until_ms, app=app)
