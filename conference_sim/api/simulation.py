"""The public ``Simulation``: the engine's, plus the user's app attached (SPEC 9)."""

from __future__ import annotations

from typing import Any

from ..app import connect
from ..engine.simulation import Simulation as EngineSimulation
from ..model import Scenario


class Simulation(EngineSimulation):
    """Runs one scenario: ``run()`` to the end, or ``advance(to_ms)`` step by step.

    ``app`` (a WSGI/ASGI callable, ``"module:attribute"`` or ``"http://127.0.0.1:PORT"``)
    attaches your application; without it the scenario's ``app:`` key, if any, is used.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        app: Any = None,
        app_url: str | None = None,
        auth_token: str | None = None,
        **options: Any,
    ) -> None:
        if options.get("transport") is None:
            options["transport"] = connect(scenario, app, app_url=app_url, auth_token=auth_token)
        super().__init__(scenario, **options)
