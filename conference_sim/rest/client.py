"""The official twilio client, answered by a simulation.

* ``HttpClient(sim)``: an ``http_client`` for ``twilio.rest.Client(sid, token, http_client=…)``.
* In-process (as moto does for boto3): while a run with an in-process app is live, every
  ``twilio.rest.Client`` the process builds is answered by that run, with no change to the app:
  the twilio package's two transports (sync and async) are swapped for the run's REST API from
  the first such run on, for the rest of the process, so that nothing reaches the platform (a
  request once no run is live is a 503 that says so).
"""

from __future__ import annotations

import base64
import contextvars
import gc
import json
import logging
import threading
import weakref
from typing import Any
from urllib.parse import urlsplit

try:
    from twilio.http import HttpClient as TwilioHttpClientBase
    from twilio.http import http_client as twilio_http
    from twilio.http.response import Response as TwilioResponse
except ImportError as err:  # a runtime-only install: say what to type
    raise ImportError(
        "conference_sim.rest.client adapts the official twilio client, which is not "
        "installed: pip install twilio"
    ) from err
from werkzeug.test import Client, EnvironBuilder

from .platform import Platform, platform_for
from .wsgi import RestApi, api_of

LOG = logging.getLogger("conference_sim.rest")


def call_api(
    api: RestApi,
    method: str,
    uri: str,
    params: Any = None,
    data: Any = None,
    headers: Any = None,
    auth: Any = None,
    **_ignored: Any,  # timeout, allow_redirects: nothing waits here
) -> TwilioResponse:
    """One request of the twilio client, answered by the REST WSGI app."""
    sent = dict(headers or {})
    if auth:
        sent["Authorization"] = (
            "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        )
    builder = EnvironBuilder(
        path=urlsplit(uri).path,
        method=method,
        query_string=params or urlsplit(uri).query or None,  # (a next_page_uri carries its own)
        data=data or None,
        headers=sent,
    )
    try:
        response = Client(api).open(builder)
    finally:
        builder.close()
    return TwilioResponse(response.status_code, response.get_data(as_text=True), response.headers)


class HttpClient(TwilioHttpClientBase):
    """``twilio.rest.Client(sid, token, http_client=HttpClient(sim))``: the simulation answers."""

    def __init__(self, target: Any) -> None:
        super().__init__(LOG, is_async=False)
        platform = target if isinstance(target, Platform) else platform_for(target)
        self.api = RestApi(platform)

    def request(
        self,
        method: str,
        uri: str,
        params: Any = None,
        data: Any = None,
        headers: Any = None,
        auth: Any = None,
        timeout: Any = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        return call_api(self.api, method, uri, params, data, headers, auth)


# -- in-process: the twilio package's default transports, swapped while a run is live ---------
ORIGINAL = twilio_http.TwilioHttpClient.request
try:  # the async client (twilio's extra: aiohttp)
    from twilio.http.async_http_client import AsyncTwilioHttpClient as ASYNC_CLIENT

    ORIGINAL_ASYNC = ASYNC_CLIENT.request
except ImportError:  # pragma: no cover - twilio without aiohttp
    ASYNC_CLIENT = None  # type: ignore[assignment,misc]
    ORIGINAL_ASYNC = None
# The run whose app is answering a request in this context (a handler, the tasks it starts).
ANSWERING: contextvars.ContextVar[RestApi | None] = contextvars.ContextVar(
    "conference_sim_answering", default=None
)


class Runs:
    """Which run answers a client request made in-process. Each thread has a stack of runs:
    the run whose app is answering a request in that thread, and the run a thread made (a
    test's own code between ``advance()`` calls); a handler's context (the asyncio tasks and
    the anyio worker threads it starts inherit it). A thread with none (one an app started for
    itself) is answered by the one live run, or, with several, by the one going at that moment
    (waiting on its app, or running); else it is refused."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        # Weak references only: a run nobody closed goes with its simulation, and is not kept,
        # nor searched, by the runs that come after it.
        self.live: list[weakref.ref[RestApi]] = []
        self.threads: dict[int, list[weakref.ref[RestApi]]] = {}

    def current(self) -> RestApi | None:
        answering = ANSWERING.get()  # (asyncio tasks and anyio worker threads inherit it)
        if answering is not None and answering.live:
            return answering
        for ref in reversed(self.threads.get(threading.get_ident(), ())):
            if (api := ref()) is not None and api.live:
                return api
        live = self.alive()
        if len(live) > 1 and not any(busy(api) for api in live):
            gc.collect()  # (a run nobody closed, and nobody holds, is not live: let it go)
            live = self.alive()
        if len(live) == 1:
            return live[0]
        # a thread the app started: the one run going (waiting on its app, or running)
        going = [api for api in live if busy(api)]
        return going[0] if len(going) == 1 else None

    def alive(self) -> list[RestApi]:
        with self.lock:
            return [api for ref in self.live if (api := ref()) is not None and api.live]

    def push(self, api: RestApi) -> None:
        """The thread that made a run is answered by it (until another is made there)."""
        with self.lock:
            stack = self.threads.setdefault(threading.get_ident(), [])
            stack[:] = [ref for ref in stack if ref() is not None] + [weakref.ref(api)]

    def start(self, api: RestApi) -> None:
        with self.lock:
            self.live = [ref for ref in self.live if ref() is not None] + [weakref.ref(api)]
            api.live = True
            twilio_http.TwilioHttpClient.request = intercepted  # type: ignore[method-assign]
            if ASYNC_CLIENT is not None:
                ASYNC_CLIENT.request = intercepted_async  # type: ignore[method-assign]

    def stop(self, api: RestApi) -> None:
        with self.lock:
            api.live = False
            self.live = [ref for ref in self.live if ref() not in (None, api)]
            for ident, stack in list(self.threads.items()):
                stack[:] = [ref for ref in stack if ref() not in (None, api)]
                if not stack:
                    del self.threads[ident]
            # The transports stay swapped for the rest of the process: a thread of the app that
            # calls once its run has ended is told so, and nothing reaches the platform.


RUNS = Runs()


def busy(api: RestApi) -> bool:
    """Whether a run is going now: waiting on its app, or inside its run()."""
    sim = api.platform.sim
    return sim.sending > 0 or bool(getattr(sim, "running", False))


def platform_host(url: str) -> bool:
    """Whether a URL is the real platform's (the REST API of Twilio or of SignalWire)."""
    host = (urlsplit(url).hostname or "").lower()
    return host in ("twilio.com", "signalwire.com") or host.endswith(
        (".twilio.com", ".signalwire.com")
    )


def intercepted(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> TwilioResponse:
    """TwilioHttpClient.request while a run with an in-process app is live: a request to the
    platform is answered by the run; one to any other host (a ``serve`` on this machine) goes
    where it was sent."""
    if not platform_host(url):
        if this_machine(url):
            return ORIGINAL(self, method, url, *args, **kwargs)
        return refused(method, url)
    return answer_here(method, url, *args[:4], **kwargs)


async def intercepted_async(
    self: Any, method: str, url: str, *args: Any, **kwargs: Any
) -> TwilioResponse:
    """AsyncTwilioHttpClient.request, likewise: answered on the spot, nothing awaited."""
    if not platform_host(url):
        if this_machine(url):
            return await ORIGINAL_ASYNC(self, method, url, *args, **kwargs)  # type: ignore[misc]
        return refused(method, url)
    return answer_here(method, url, *args[:4], **kwargs)


def this_machine(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def refused(method: str, url: str) -> TwilioResponse:
    """A client pointed at a host that is neither the platform nor this machine, while a run
    is live: refused here, never sent (and a ``rest-refused`` warning on the run's timeline)."""
    host = urlsplit(url).hostname or url
    reason = (
        f"conference-sim: the twilio client was pointed at {host}, which is neither the "
        "platform (api.twilio.com, *.signalwire.com) nor this machine; while a simulation "
        "runs nothing leaves the process, so the request was not sent"
    )
    api = RUNS.current()
    if api is not None:
        api.platform.refused(method, url, reason)
    body = json.dumps({"code": None, "message": reason, "more_info": None, "status": 502})
    return TwilioResponse(502, body)


def answer_here(method: str, url: str, *args: Any, **kwargs: Any) -> TwilioResponse:
    api = RUNS.current()
    if api is None and not RUNS.alive():  # the run it belonged to has ended
        return TwilioResponse(
            503,
            '{"code": null, "status": 503, "more_info": null, "message": "conference-sim: no '
            "simulated run is live in this process (the one this client was answered by has "
            'ended), so no run can answer this request; it was not sent anywhere"}',
        )
    if api is None:  # several runs are live and this thread belongs to none of them
        return TwilioResponse(
            500,
            '{"code": 20500, "status": 500, "message": "conference-sim: several simulations '
            "are running in this process and this thread belongs to none of them, so no run "
            'can answer this request; it was not sent anywhere"}',
        )
    return call_api(api, method, url, *args, **kwargs)


def attach(platform: Platform) -> RestApi:
    """From now until ``detach``: the twilio clients of this process reach this run (in the
    thread that made it, and in threads no other run claims)."""
    api = api_of(platform)
    RUNS.start(api)
    RUNS.push(api)
    return api


def detach(platform: Platform) -> None:
    RUNS.stop(api_of(platform))


class answered_by:  # (used as a function: ``with answered_by(platform):``)
    """While the app handles one request: its twilio clients, in this thread, reach this run."""

    __slots__ = ("api", "token")

    def __init__(self, platform: Platform) -> None:
        self.api = api_of(platform)
        self.token: contextvars.Token[RestApi | None] | None = None

    def __enter__(self) -> None:
        self.token = ANSWERING.set(self.api)

    def __exit__(self, *_exc: object) -> None:
        if self.token is not None:
            try:  # noqa: SIM105 - each request: suppress() would make an object
                ANSWERING.reset(self.token)
            except ValueError:  # (reset from another context: let it be)
                pass
            self.token = None
