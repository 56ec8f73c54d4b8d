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
    "Scenario": "scenario",
    "Simulation": "simulation",
    "Event": "events",
    "Request": "events",
    "Hearing": "hearing",
    "CaptureSink": "sinks",
    "JsonlSink": "sinks",
    "NullSink": "sinks",
    "InputError": "errors",
    "ScenarioError": "errors",
    "DocumentError": "errors",
    "Dialect": "dialects",
    "ScenarioBuilder": "builder",
    "run": "builder",
    "Timeline": "timeline",
    "State": "timeline",
    "ConferenceState": "timeline",
    "ParticipantState": "timeline",
    "Expectations": "expect",
    "ExpectationFailed": "expect",
    "Failure": "diffs",
    "Outcome": "checking",
    "check_scenario": "checking",
    "invariants": None,
    "explore": None,
}
__all__ = [*_EXPORTS, "__version__", "run_scenario"]

if TYPE_CHECKING:
    from .builder import ScenarioBuilder, run
    from .checking import Outcome, check_scenario
    from .dialects import Dialect
    from .diffs import Failure
    from .errors import DocumentError, InputError, ScenarioError
    from .events import Event, Request
    from .expect import ExpectationFailed, Expectations
    from .hearing import Hearing
    from .scenario import Scenario
    from .simulation import Simulation
    from .sinks import CaptureSink, JsonlSink, NullSink
    from .timeline import ConferenceState, ParticipantState, State, Timeline


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'conference_sim' has no attribute {name!r}")
    module = _EXPORTS[name]
    if module is None:  # a submodule
        value = importlib.import_module(f".{name}", __name__)
    else:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def run_scenario(
    scenario: Scenario, *, seed: int | None = None, until_ms: int | None = None
) -> list[Event]:
    """Run a scenario to the end and return its whole timeline."""
    from .simulation import Simulation
    from .sinks import CaptureSink

    sink = CaptureSink()
    Simulation(scenario, sinks=[sink], seed=seed, until_ms=until_ms).run()
    return sink.events
