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

Where the difference goes, per request, measured in the same run:

* **delivery**: what a request costs the simulator itself (signing it, the environ or scope,
  the deadline, reading the answer): a null app that answers at once (the same documents, as
  bare WSGI and ASGI callables), in the loop, less the simulation alone and less the null app
  alone (for ASGI, an event loop's round);
* **the app, in the run**: the app's own calls timed inside the run, against the app alone.
  Called between the simulation's own steps, the same calls take longer than when replayed
  back to back, whose code and data stay in the processor's caches from one to the next.
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


def null_wsgi(documents: dict[str, str]) -> Any:
    """Answers at once: the document at the URL, else 204 (no framework at all)."""
    bodies = {url: text.encode() for url, text in documents.items()}

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        url = f"{environ['wsgi.url_scheme']}://{environ['HTTP_HOST']}{environ['PATH_INFO']}"
        body = bodies.get(url)
        if body is None:
            start_response("204 No Content", [])
            return [b""]
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [body]

    return app


def null_asgi(documents: dict[str, str]) -> Any:
    bodies = {url: text.encode() for url, text in documents.items()}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise RuntimeError("no lifespan")
        await receive()
        host = dict(scope["headers"])[b"host"].decode()
        body = bodies.get(f"{scope['scheme']}://{host}{scope['path']}")
        status, headers = (204, []) if body is None else (200, [(b"content-type", b"text/xml")])
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body or b""})

    return app


class TimedWsgi:
    """The app, with the time its own calls take added up (the body read out included)."""

    def __init__(self, app: Any) -> None:
        self.app, self.seconds = app, 0.0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        start = time.perf_counter()
        result = self.app(environ, start_response)
        chunks = list(result)
        getattr(result, "close", lambda: None)()
        self.seconds += time.perf_counter() - start
        return chunks


class TimedAsgi:
    def __init__(self, app: Any) -> None:
        self.app, self.seconds = app, 0.0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":  # (the lifespan lasts the whole run)
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.seconds += time.perf_counter() - start


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


def best_timed(timed: Any, fn: Any, rounds: int) -> float:
    """The fewest seconds ``timed`` added up over one round of ``fn``, of ``rounds`` rounds."""
    times = []
    for _ in range(rounds):
        timed.seconds = 0.0
        fn()
        times.append(timed.seconds)
    return min(times)


def measure(kind: str, repeat: int, rounds: int) -> dict[str, float]:
    """Over every bundled scenario, each part the best of ``rounds`` rounds of ``repeat`` runs,
    the parts in turn: the simulation alone, the app alone, both, the null app in the loop (less
    the null app alone), and the app's own time in the run (seconds); the requests made."""
    parts = dict.fromkeys(("alone", "app", "both", "null", "in_run", "requests"), 0.0)
    loop = asyncio.new_event_loop()
    for path in sorted(SCENARIOS.glob("*.yaml")):
        scenario = Scenario.from_file(path)
        if scenario.app is not None:
            continue
        documents = raw_documents(path)
        if kind == "flask":
            recorded: Any = RecordedWsgi(flask_app(documents))
            null: Any = RecordedWsgi(null_wsgi(documents))
            timed: Any = TimedWsgi(recorded.app)
        else:
            recorded = RecordedAsgi(fastapi_app(documents))
            null, timed = RecordedAsgi(null_asgi(documents)), TimedAsgi(recorded.app)
        bare_events = len(run(scenario))
        with_app = len(run(scenario, app=recorded))  # warm, and the requests recorded
        assert bare_events == with_app, f"{path.name}: the app changed the timeline"
        assert len(run(scenario, app=null)) == bare_events, f"{path.name}: the null app did"
        app = recorded.app

        def runs(s: Scenario = scenario, **options: Any) -> Any:
            return lambda: [run(s, **options) for _ in range(repeat)]

        def replayed(r: Any) -> Any:
            again = r.replay if kind == "flask" else lambda: r.replay(loop)
            return lambda: [again() for _ in range(repeat)]

        parts["alone"] += best(runs(), rounds)
        parts["app"] += best(replayed(recorded), rounds)
        parts["both"] += best(runs(app=app), rounds)
        parts["null"] += best(runs(app=null.app), rounds) - best(replayed(null), rounds)
        parts["in_run"] += best_timed(timed, runs(app=timed), rounds)
        parts["requests"] += len(recorded.requests) * repeat
    loop.close()
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    print(
        f"the app in the loop against its limit: every bundled scenario {args.repeat} times, "
        f"the best of {args.rounds} rounds\n"
    )
    figures = {kind: measure(kind, args.repeat, args.rounds) for kind in ("flask", "fastapi")}
    print(f"{'app':<9} {'requests':>8} {'sim alone s':>12} {'app alone s':>12} {'limit s':>8} "
          f"{'both s':>8} {'ratio':>6}")  # fmt: skip
    for kind, f in figures.items():
        limit = f["alone"] + f["app"]
        print(f"{kind:<9} {f['requests']:>8.0f} {f['alone']:>12.3f} {f['app']:>12.3f} "
              f"{limit:>8.3f} {f['both']:>8.3f} {limit / f['both']:>6.2f}")  # fmt: skip
    print("\nratio: (simulation alone + app alone) / both; 1.0 would be no overhead at all")
    print("\nwhere the difference goes, per request (microseconds):\n")
    print(f"{'app':<9} {'both - limit':>13} {'delivery':>9} {'app alone':>10} "
          f"{'app in the run':>15} {'ratio, delivery at 0':>21}")  # fmt: skip
    for kind, f in figures.items():
        n = f["requests"] / 1e6
        gap = (f["both"] - f["alone"] - f["app"]) / n
        delivery = (f["null"] - f["alone"]) / n
        free = (f["alone"] + f["app"]) / (f["both"] - delivery * n)
        print(f"{kind:<9} {gap:>13.0f} {delivery:>9.0f} {f['app'] / n:>10.0f} "
              f"{f['in_run'] / n:>15.0f} {free:>21.2f}")  # fmt: skip
    print(
        "\ndelivery: a null app that answers at once, in the loop, less the simulation alone and"
        "\nless that app alone (signing, the environ or scope, the deadline, reading the answer);"
        "\napp in the run: the app's own calls timed inside the run, where each comes between the"
        "\nsimulation's steps instead of back to back with the last; ratio, delivery at 0: the"
        "\nratio were delivery free"
    )


if __name__ == "__main__":
    main()
