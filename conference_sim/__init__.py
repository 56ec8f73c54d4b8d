"""conference-sim: SignalWire cXML / Twilio TwiML conference rooms on a simulated clock.

Public API (imported lazily so that ``conference-sim --version`` starts fast)::

    from conference_sim import Scenario, Simulation, CaptureSink, run_scenario

    events = run_scenario(Scenario.from_file("scenarios/01-simple.yaml"))
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
}
__all__ = [*_EXPORTS, "__version__", "run_scenario"]

if TYPE_CHECKING:
    from .dialects import Dialect
    from .errors import DocumentError, InputError, ScenarioError
    from .events import Event, Request
    from .hearing import Hearing
    from .scenario import Scenario
    from .simulation import Simulation
    from .sinks import CaptureSink, JsonlSink, NullSink


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'conference_sim' has no attribute {name!r}")
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
