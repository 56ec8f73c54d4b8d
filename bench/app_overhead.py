"""Benchmark: the app in the loop against its limit, in one run (issue 29).

    python bench/app_overhead.py [--repeat 20]

Every bundled scenario without an app of its own runs, for a Flask app and for a FastAPI app
that serve its documents and answer every callback with 204 (so the events are the same):

* **the simulation alone**: answered from its ``documents:``;
* **the app alone**: the very requests the run made, recorded, sent again straight to the app
  as a server would send each one (a WSGI call; an ASGI call run on an event loop), with
  nothing else around them;
* **both**: the simulation with the app attached.

The limit is what the two parts cost apart (simulation alone + app alone); the ratio
limit / both says how much of its limit the app in the loop runs at (1.0: no overhead at all).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi import Request as FastRequest
from fastapi.responses import Response as FastResponse
from flask import Flask, Response, request

from conference_sim.api.builder import run
from conference_sim.model import Scenario

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def flask_app(documents: dict[str, str]) -> Flask:
    app = Flask("bench-app")

    @app.route("/<path:path>", methods=["GET", "POST"])
    def answer(path: str) -> Response:
        body = documents.get(request.base_url)
        if body is None:
            return Response("", status=204)
        return Response(body, mimetype="text/xml")

    return app


def fastapi_app(documents: dict[str, str]) -> FastAPI:
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def answer(path: str, request: FastRequest) -> FastResponse:
        await request.form()
        url = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
        body = documents.get(url)
        if body is None:
            return FastResponse(status_code=204)
        return FastResponse(body, media_type="text/xml")

    return app


class RecordedWsgi:
    """The app, with every request it gets kept (environ and body) to be sent again."""

    def __init__(self, app: Any) -> None:
        self.app, self.requests = app, []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        body = environ["wsgi.input"].read()
        self.requests.append(({**environ}, body))
        environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)

    def replay(self) -> None:
        for environ, body in self.requests:
            environ = {**environ, "wsgi.input": io.BytesIO(body)}
            result = self.app(environ, lambda status, headers, exc_info=None: None)
            for _chunk in result:
                pass
            getattr(result, "close", lambda: None)()


class RecordedAsgi:
    def __init__(self, app: Any) -> None:
        self.app, self.requests = app, []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        message = await receive()
        self.requests.append((scope, message["body"]))

        async def again() -> dict[str, Any]:
            return message

        return await self.app(scope, again, send)

    def replay(self, loop: asyncio.AbstractEventLoop) -> None:
        """Each request as a server calls an ASGI app for it: one call, run on the loop."""

        async def send(_message: dict[str, Any]) -> None:
            pass

        for scope, body in self.requests:

            async def receive(b: bytes = body) -> dict[str, Any]:
                return {"type": "http.request", "body": b, "more_body": False}

            loop.run_until_complete(self.app(scope, receive, send))


def raw_documents(path: Path) -> dict[str, str]:
    import yaml

    data = yaml.safe_load(path.read_text())
    return {url: text for url, text in (data.get("documents") or {}).items()}


def best(fn: Any, rounds: int) -> float:
    """The fastest of ``rounds`` timings: on a shared machine, the one least disturbed."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(kind: str, repeat: int, rounds: int) -> tuple[float, float, float, int, int]:
    """(simulation alone, app alone, both, events, requests) over every bundled scenario, each
    part the best of ``rounds`` rounds of ``repeat`` runs, the three parts in turn."""
    alone = app_alone = both = 0.0
    events = requests = 0
    loop = asyncio.new_event_loop()
    for path in sorted(SCENARIOS.glob("*.yaml")):
        scenario = Scenario.from_file(path)
        if scenario.app is not None:
            continue
        documents = raw_documents(path)
        if kind == "flask":
            recorded: Any = RecordedWsgi(flask_app(documents))
        else:
            recorded = RecordedAsgi(fastapi_app(documents))
        bare_events = len(run(scenario))
        with_app = len(run(scenario, app=recorded))  # warm, and the requests recorded
        assert bare_events == with_app, f"{path.name}: the app changed the timeline"
        app = recorded.app

        def sim_alone(s: Scenario = scenario) -> None:
            for _ in range(repeat):
                run(s)

        def sim_and_app(s: Scenario = scenario, a: Any = app) -> None:
            for _ in range(repeat):
                run(s, app=a)

        def app_only(r: Any = recorded) -> None:
            for _ in range(repeat):
                r.replay() if kind == "flask" else r.replay(loop)

        alone += best(sim_alone, rounds)
        app_alone += best(app_only, rounds)
        both += best(sim_and_app, rounds)
        events += bare_events * repeat
        requests += len(recorded.requests) * repeat
    loop.close()
    return alone, app_alone, both, events, requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    print(
        f"the app in the loop against its limit: every bundled scenario {args.repeat} times, "
        f"the best of {args.rounds} rounds\n"
    )
    print(f"{'app':<9} {'requests':>8} {'sim alone s':>12} {'app alone s':>12} {'limit s':>8} "
          f"{'both s':>8} {'ratio':>6}")  # fmt: skip
    for kind in ("flask", "fastapi"):
        alone, app_alone, both, _events, requests = measure(kind, args.repeat, args.rounds)
        limit = alone + app_alone
        print(f"{kind:<9} {requests:>8} {alone:>12.3f} {app_alone:>12.3f} {limit:>8.3f} "
              f"{both:>8.3f} {limit / both:>6.2f}")  # fmt: skip
    print("\nratio: (simulation alone + app alone) / both; 1.0 would be no overhead at all")


if __name__ == "__main__":
    main()
