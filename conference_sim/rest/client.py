"""The official twilio client, answered by a simulation.

* ``HttpClient(sim)``: an ``http_client`` for ``twilio.rest.Client(sid, token, http_client=…)``.
* In-process (as moto does for boto3): while an in-process app handles a request of a run,
  every ``twilio.rest.Client`` it builds is answered by that run, with no change to the app: the
  twilio package's default transport is swapped for the run's REST API for the length of the
  request, and put back after it.
"""

from __future__ import annotations

import base64
import contextlib
import logging
from collections.abc import Iterator
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
from .wsgi import RestApi

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
        query_string=params or None,
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


# -- in-process: the twilio package's default transport, swapped while a run is live ----------
ACTIVE: list[RestApi] = []
ORIGINAL = twilio_http.TwilioHttpClient.request


def intercepted(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> TwilioResponse:
    """TwilioHttpClient.request, while an app handles a request: the run's REST API answers."""
    return call_api(ACTIVE[-1], method, url, *args[:4], **kwargs)


@contextlib.contextmanager
def answered_by(platform: Platform) -> Iterator[None]:
    """While the app handles one request: its twilio clients reach this platform."""
    api = getattr(platform, "api", None) or RestApi(platform)
    platform.api = api  # type: ignore[attr-defined]
    ACTIVE.append(api)
    twilio_http.TwilioHttpClient.request = intercepted  # type: ignore[method-assign]
    try:
        yield
    finally:
        ACTIVE.pop()
        if not ACTIVE:
            twilio_http.TwilioHttpClient.request = ORIGINAL  # type: ignore[method-assign]
