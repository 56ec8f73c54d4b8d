"""Benchmark: the cost of an app in the loop (SPEC 9), in events per second.

    python bench/app_overhead.py [--repeat 20]

Every bundled scenario without an app of its own runs (a) as it is, answered from its
``documents:``, and (b) with an in-process Flask app attached at ``https://app.example`` that
serves the same documents and answers every callback with 204, so both runs produce the same
events. Prints events/s for each and the ratio (b)/(a), measured in this one run.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

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


def raw_documents(path: Path) -> dict[str, str]:
    import yaml

    data = yaml.safe_load(path.read_text())
    return {url: text for url, text in (data.get("documents") or {}).items()}


def timed(scenario: Scenario, repeat: int, app: Flask | None) -> tuple[float, int]:
    events = 0
    start = time.perf_counter()
    for _ in range(repeat):
        events += len(run(scenario, app=app))
    return time.perf_counter() - start, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    print(f"app overhead: each bundled scenario {args.repeat} times, with and without an app\n")
    print(f"{'scenario':<28} {'events':>7} {'without ev/s':>13} {'with app ev/s':>14} {'ratio':>6}")
    totals = [0.0, 0.0, 0]
    for path in sorted(SCENARIOS.glob("*.yaml")):
        scenario = Scenario.from_file(path)
        if scenario.app is not None:
            continue
        app = flask_app(raw_documents(path))
        run(scenario), run(scenario, app=app)  # warm up: imports, caches
        bare, n = timed(scenario, args.repeat, None)
        with_app, n_app = timed(scenario, args.repeat, app)
        assert n == n_app, f"{path.name}: the app changed the timeline"
        totals[0] += bare
        totals[1] += with_app
        totals[2] += n
        print(
            f"{path.stem:<28} {n // args.repeat:>7} {n / bare:>13,.0f} {n / with_app:>14,.0f}"
            f" {bare / with_app:>6.2f}"
        )
    bare, with_app, n = totals
    print(
        f"{'all':<28} {n // args.repeat:>7} {n / bare:>13,.0f} {n / with_app:>14,.0f}"
        f" {bare / with_app:>6.2f}"
    )


if __name__ == "__main__":
    main()
