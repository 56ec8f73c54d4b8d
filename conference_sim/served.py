"""What a command serves and starts around its runs (``--api-port``, ``--app-command``): the
REST API on a loopback port (:mod:`.rest.alongside`), then the user's app, started as
Playwright's ``webServer`` starts one and given the run's environment; both stopped at the end.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from .errors import InputError
from .model import Scenario

# An app that conference-sim starts sends its HTTP(S) through a proxy that is not there, except
# to this machine: a client left pointing at the real platform fails at once, never reaches it.
NOWHERE = "http://127.0.0.1:9"  # (the discard port: nothing listens)
SEALED = {
    **dict.fromkeys(("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"), NOWHERE),
    **dict.fromkeys(("NO_PROXY", "no_proxy"), "127.0.0.1,localhost,::1"),
}


@contextlib.contextmanager
def around_runs(
    scenario: Scenario,
    *,
    app: str | None,
    api_port: int | None,
    app_command: str | None,
    app_timeout: float = 60.0,
    https: bool = False,
) -> Iterator[dict[str, str]]:
    """Yields the environment given to the app (empty when nothing is served)."""
    if api_port is None and app_command is None and not https:
        yield {}
        return
    from . import runner
    from .credentials import environment
    from .rest.alongside import Switchboard

    url = app or scenario.app
    if app_command is not None and not (url or "").startswith("http://"):
        raise InputError(
            "needs the URL its app answers at, to wait for it and send it the platform's "
            "requests: --app http://127.0.0.1:PORT (or the scenario's app:)",
            where="--app-command",
        )
    board = Switchboard(api_port or 0, https=https)
    runner.SERVED = board
    env = environment(scenario, api_base=board.base_url)
    if board.ca_file is not None:  # every client the app may use trusts the run's API
        env.update(NODE_EXTRA_CA_CERTS=board.ca_file, REQUESTS_CA_BUNDLE=board.ca_file)
        env.update(SSL_CERT_FILE=board.ca_file)
        # the SignalWire SDKs speak https to SIGNALWIRE_SPACE_URL
        env["SIGNALWIRE_SPACE_URL"] = board.base_url.removeprefix("https://")
    if url and url.startswith("http://"):
        env["PORT"] = str(urlsplit(url).port or 80)
    env["CONFERENCE_SIM_APP_URL"] = scenario.app_url
    if not https:  # (the SignalWire SDKs send even loopback https through a proxy: not there)
        env.update(SEALED)
    sys.stderr.write(f"conference-sim: REST API on {board.base_url}\n")
    if board.ca_file is not None:
        sys.stderr.write(f"conference-sim: its CA certificate: {board.ca_file}\n")
    process: Any = None
    try:
        if app_command is not None:
            from .app.process import AppProcess

            process = AppProcess(app_command, str(url), env, timeout_s=app_timeout)
            process.wait_ready()
        yield env
    finally:
        if process is not None:
            process.stop()
        runner.SERVED = None
        board.close()
