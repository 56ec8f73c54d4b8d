"""Starting a run: attach the user's app (:mod:`.app`) and the REST API (:mod:`.rest`) to the
engine, then run. The one place where the three meet: the command line, the shell, ``check``,
the Python API and ``serve`` all start their runs here.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import threading
import time
from typing import Any

from .app import connect
from .engine.core import Engine
from .errors import InputError
from .events import CaptureSink, Event
from .model import MAX_UNTIL_MS, Scenario

# The REST API served on a loopback port for this command's runs (``--api-port``): each run
# attaches itself there while it goes (:mod:`.rest.alongside`).
SERVED: Any = None


class Simulation(Engine):
    """Runs one scenario: ``run()`` to the end, or ``advance(to_ms)`` step by step.

    ``app`` (a WSGI/ASGI callable, ``"module:attribute"`` or ``"http://127.0.0.1:PORT"``)
    attaches your application; without it the scenario's ``app:`` key, if any, is used
    (``where`` names the option in error messages). While an in-process app answers a request,
    the official twilio client's requests are answered by this run's REST API (SPEC 10).
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        app: Any = None,
        app_url: str | None = None,
        auth_token: str | None = None,
        where: str = "app",
        pace: float | None = None,
        **options: Any,
    ) -> None:
        if pace is not None and not 0 < pace < math.inf:
            raise InputError(
                f"pace must be above 0 and finite (1: real time); got {pace!r}", where="pace"
            )
        self.pace = pace
        if options.get("transport") is None:
            options["transport"] = connect(
                scenario, app, app_url=app_url, auth_token=auth_token, where=where
            )
        # One thread moves the clock at a time: the run's own, while it runs; a REST request
        # from another thread (an app's timer, a server thread) waits for it, and acts at the
        # clock's reading then. (A request made while the run waits on the app is queued: RE1.)
        self.lock = threading.RLock()
        self.running = False  # inside run(): a thread of the app's with no run is this one's
        super().__init__(scenario, **options)
        transport = self.transport
        if scenario.accounts and hasattr(transport, "tokens"):  # each account signs with its own
            transport.tokens = {
                self.directory.account_sid(name): scenario.token_of(name, transport.auth_token)
                for name in scenario.accounts
            }
        self.attached: Any = None
        if getattr(transport, "in_process", False) and twilio_installed():
            from .rest import client
            from .rest.platform import platform_for

            platform = platform_for(self, transport.auth_token)  # type: ignore[attr-defined]
            transport.around = lambda: client.answered_by(platform)  # type: ignore[attr-defined]
            client.attach(platform)
            self.attached = lambda: client.detach(platform)
        if SERVED is not None:
            SERVED.attach(self)

    def run(self) -> Simulation:
        """To the end; with ``pace``, the simulated clock follows the wall clock at that factor
        (1: real time), so that an app's own timers meet the run as on the platform."""
        self.running = True
        try:
            if self.pace is not None:
                paced(self, self.pace)
            with self.lock:
                super().run()
        finally:
            self.running = False
        return self

    def advance(self, to_ms: int) -> None:
        with self.lock:
            super().advance(to_ms)

    def step(self) -> bool:
        with self.lock:
            return super().step()

    def close(self) -> None:
        """Flush the sinks, let the app go, and stop answering its clients (once)."""
        super().close()
        if SERVED is not None:
            SERVED.detach(self)
        if self.attached is not None:
            detach, self.attached = self.attached, None
            detach()


PACE_TICK_S = 0.01  # how often a paced run reads the wall clock when nothing is due sooner


def paced(sim: Simulation, pace: float) -> None:
    """Advance ``sim`` as the wall clock goes, at ``pace`` times its speed. Between steps the
    clock is free: a REST request from another thread (an app's timer) acts at its reading.
    Once no step is left to come and every call has ended, the run ends at once."""
    start_wall, start_ms = time.monotonic(), sim.clock.now_ms
    stop_ms = sim.until_ms or MAX_UNTIL_MS
    while not sim.stopped:
        reading = start_ms + int((time.monotonic() - start_wall) * 1000 * pace)
        with sim.lock:
            Engine.advance(sim, min(reading, stop_ms))
            if over(sim):
                return
        time.sleep(PACE_TICK_S)


def over(sim: Simulation) -> bool:
    """Nothing more will happen: no step to come, no call going, no operation queued."""
    calls = sim.directory.calls.values()
    return (
        not sim.driving.is_alive
        and not sim.operations
        and all(call.ended_ms is not None for call in calls)
    )


def capture(scenario: Scenario, **options: Any) -> list[Event]:
    """Run a scenario to the end, its app attached, and return its whole timeline (options as
    for :class:`Simulation`)."""
    sink = CaptureSink()
    Simulation(scenario, sinks=[sink], **options).run()
    return sink.events


@functools.cache
def twilio_installed() -> bool:
    return importlib.util.find_spec("twilio") is not None
