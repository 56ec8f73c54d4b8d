"""Benchmark: ``conference-sim serve`` under concurrent REST clients, on loopback only.

    python bench/serve_load.py [--requests 300]

Two runs, each a ``serve`` subprocess and a bounded number of requests per client (and at
most a minute of wall time):

* **16 clients, no app**: every client lists conferences and fetches calls while one more
  moves the clock. Prints requests/s and the p50/p99 latency, and checks that the final
  timeline equals, byte for byte, ``conference-sim run`` of the same scenario (reads change
  nothing, whatever their interleaving).
* **32 clients, an app attached** (the bundled support desk, whose webhooks call the API):
  clients also mute and unmute participants. Prints the same figures and the number of
  invariant violations in the final timeline, which must be zero.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).parent.parent
TOKEN = "c0ffee00c0ffee00c0ffee00c0ffee00"
WALL_LIMIT_S = 60.0


def start(scenario: str, *args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "conference_sim", "serve", scenario, "--port", "0", "-q", *args],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    line = proc.stdout.readline().strip() if proc.stdout else ""
    if not line.startswith("listening on "):
        raise SystemExit(f"serve did not start: {line!r}")
    return proc, line.removeprefix("listening on ")


def load(base: str, clients: int, requests: int, *, writes: bool, until_s: int) -> dict:
    """Drive ``clients`` REST clients and one clock mover; returns the figures."""
    with httpx.Client(base_url=base, timeout=30) as first:
        lines = first.post("/_sim/advance", data={"to": "10"}).text.splitlines()
    account = next(json.loads(x)["params"]["AccountSid"] for x in lines if '"AccountSid"' in x)
    api = f"/2010-04-01/Accounts/{account}"
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + WALL_LIMIT_S

    def client(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base, auth=(account, TOKEN), timeout=30) as http:
            for _ in range(requests):
                if time.monotonic() > stop_at:
                    return
                began = time.perf_counter()
                rooms = http.get(f"{api}/Conferences.json", params={"Status": "in-progress"})
                took = [time.perf_counter() - began]
                ok = rooms.status_code == 200
                listed = rooms.json().get("conferences", []) if ok else []
                if writes and listed:
                    room = rng.choice(listed)["sid"]
                    began = time.perf_counter()
                    people = http.get(f"{api}/Conferences/{room}/Participants.json")
                    took.append(time.perf_counter() - began)
                    members = people.json().get("participants", []) if people.is_success else []
                    if members:
                        who = rng.choice(members)["call_sid"]
                        began = time.perf_counter()
                        muted = http.post(
                            f"{api}/Conferences/{room}/Participants/{who}.json",
                            data={"Muted": rng.choice(["true", "false"])},
                        )
                        took.append(time.perf_counter() - began)
                        ok = ok and muted.status_code in (200, 400, 404)
                with lock:
                    latencies.extend(took)
                    errors[0] += 0 if ok else 1

    def clock() -> None:
        with httpx.Client(base_url=base, timeout=60) as http:
            for t in range(12, until_s + 1, 2):
                if time.monotonic() > stop_at:
                    return
                http.post("/_sim/advance", data={"to": str(t)})
                time.sleep(0.005)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    threads.append(threading.Thread(target=clock))
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    with httpx.Client(base_url=base, timeout=60) as http:
        http.post("/_sim/run")
        timeline = http.get("/_sim/timeline").text
    latencies.sort()
    return {
        "requests": len(latencies),
        "per_s": len(latencies) / wall,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "errors": errors[0],
        "timeline": timeline,
    }


def violations(timeline: str, scenario: str) -> int:
    from conference_sim import Scenario, invariants
    from conference_sim.events import Event

    events = []
    for line in timeline.splitlines():
        d = json.loads(line)
        events.append(Event(d["seq"], round(d["t"] * 1000), d["kind"], d["event"],
                            d["conference"], d["account"], d["call"], d["params"], ()))  # fmt: skip
    return len(invariants.check(events, Scenario.from_file(ROOT / scenario)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="per client")
    args = parser.parse_args()
    print("serve under load (loopback; bounded: requests per client, and a minute at most)\n")
    print(f"{'run':<34} {'requests':>8} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}  check")

    plain = "scenarios/05-coach.yaml"
    proc, base = start(plain)
    try:
        figures = load(base, 16, args.requests, writes=False, until_s=240)
    finally:
        proc.terminate()
        proc.wait()
    serial = subprocess.run(
        [sys.executable, "-m", "conference_sim", "run", plain, "--format", "jsonl"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    same = "timeline = serial run" if figures["timeline"] == serial else "TIMELINE DIFFERS"
    print(f"{'16 clients, no app':<34} {figures['requests']:>8} {figures['per_s']:>8.0f} "
          f"{figures['p50_ms']:>7.1f} {figures['p99_ms']:>7.1f}  {same}")  # fmt: skip

    with_app = "scenarios/support-desk.yaml"
    proc, base = start(with_app)
    try:
        figures = load(base, 32, args.requests, writes=True, until_s=240)
    finally:
        proc.terminate()
        proc.wait()
    broken = violations(figures["timeline"], with_app)
    print(f"{'32 clients, an app, mute/unmute':<34} {figures['requests']:>8} "
          f"{figures['per_s']:>8.0f} {figures['p50_ms']:>7.1f} {figures['p99_ms']:>7.1f}  "
          f"{broken} invariant violations, {figures['errors']} failed requests")  # fmt: skip
    if same != "timeline = serial run" or broken:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
