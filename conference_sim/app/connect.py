"""Attach the app of a run: the ``app=`` argument, the ``--app`` option, or the scenario's
``app:`` key, in that order; ``app_url``/``auth_token`` likewise."""

from __future__ import annotations

from typing import Any

from ..engine.requests import ScenarioTransport, Transport
from ..model import Scenario


def connect(
    scenario: Scenario,
    app: Any = None,
    *,
    app_url: str | None = None,
    auth_token: str | None = None,
    where: str = "app",
) -> Transport | None:
    """The transport for a run with an app, or None when no app is attached (the scenario's
    documents answer everything). ``where`` names the option or key in error messages."""
    documents = ScenarioTransport(scenario.documents, scenario.media)
    if app is None:
        app, where = scenario.app, "app"
    if app is None:
        return None
    from .target import resolve

    target = resolve(app, where=where, path=scenario.path)
    from .delivery import AppTransport  # httpx is imported only when an app is attached

    return AppTransport(
        target,
        app_url=app_url or scenario.app_url,
        auth_token=auth_token or scenario.auth_token,
        dialect=scenario.dialect,
        media=scenario.media,
        fallback=documents,
    )
