"""Benchmark: conference-sim against a bare simpy model of the same workload (issue 7).

    python bench/bench.py                 # R = 100, 1 000, 10 000 rooms × 10 participants
    python bench/bench.py --rooms 100 1000 --participants 5

The workload is ``conference_sim.api.workload.CallCentreDay``: staggered joins, speech bursts, a
REST mute/unmute per room, hang-ups. For each size, in this one run:

(a) a bare simpy model of it: one process per call that waits for each of its steps, and one per
    REST action, with no bookkeeping at all;
(b) conference-sim running it streamed, JSONL written to a null sink (os.devnull).

Each measurement runs in a fresh subprocess (so peak memory is its own), ``--repeat`` times
(5), interleaved, keeping the fastest of each side (as ``timeit`` advises: slower runs are
other work on the machine, not the code): wall time, scenario steps/s (the same count for
both), timeline events/s for (b), the ratio (b)/(a) of steps/s, and peak RSS; with
``--trace`` also the traced peak (tracemalloc, in a separate run so that
tracing does not slow the timed one; it makes that run ~4× slower).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from typing import Any

import simpy

from conference_sim.api.workload import CallCentreDay
from conference_sim.engine.core import Engine
from conference_sim.output.sinks import JsonlSink

TARGET_RATIO = 0.30


def bare(rooms: int, participants: int) -> tuple[int, int]:
    """The same workload in bare simpy; returns (steps, 0)."""
    w = CallCentreDay(rooms, participants)
    env = simpy.Environment()
    done = [0]

    def call(times: list[int]) -> Any:
        for t in times:
            yield env.timeout(t - env.now)
            done[0] += 1

    def action(at: int) -> Any:
        yield env.timeout(at - env.now)
        done[0] += 1

    def spawner() -> Any:  # starts each call when its first step is due, like the engine
        for first, times in w.steps():
            if first > env.now:
                yield env.timeout(first - env.now)
            env.process(call(sorted(times)))

    def actions() -> Any:
        for a in w.actions():
            if a.at_ms > env.now:
                yield env.timeout(a.at_ms - env.now)
            env.process(action(a.at_ms))

    env.process(spawner())
    env.process(actions())
    env.run()
    return done[0], 0


def engine(rooms: int, participants: int) -> tuple[int, int]:
    """conference-sim on the workload, streamed, JSONL to os.devnull; (steps, events)."""
    w = CallCentreDay(rooms, participants)
    with open(os.devnull, "w", encoding="utf-8") as null:
        sim = Engine(
            w.scenario(),
            sinks=[JsonlSink(null, flush=False)],
            calls=w.calls(),
            actions_stream=w.actions(),
        )
        sim.run()
    return w.step_count, sim.eventlog.count


def one(kind: str, rooms: int, participants: int, trace: bool) -> dict[str, Any]:
    fn = bare if kind == "bare" else engine
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    steps, events = fn(rooms, participants)
    seconds = time.perf_counter() - start
    out = {"seconds": seconds, "steps": steps, "events": events}
    if trace:
        out["traced_peak"] = tracemalloc.get_traced_memory()[1]
    out["max_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return out


def measure(kind: str, rooms: int, participants: int, trace: bool = False) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--one", kind, str(rooms), str(participants)]
    if trace:
        cmd.append("--trace")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def mb(n: float) -> str:
    return f"{n / 1e6:7.1f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, nargs="+", default=[100, 1_000, 10_000])
    parser.add_argument("--participants", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5, help="runs per side; the fastest counts")
    parser.add_argument("--one", nargs=3, metavar=("KIND", "ROOMS", "PARTICIPANTS"))
    parser.add_argument(
        "--trace",
        action="store_true",
        help="also measure the traced peak (tracemalloc; a slower extra run per size)",
    )
    args = parser.parse_args()
    if args.one:
        kind, rooms, participants = args.one
        print(json.dumps(one(kind, int(rooms), int(participants), args.trace)))
        return 0
    p = args.participants
    print(
        f"call-centre day: R rooms × {p} participants, JSONL to a null sink "
        f"(fastest of {args.repeat} runs a side)\n"
    )
    head = (
        f"{'rooms':>6} {'steps':>8} {'events':>9} {'simpy s':>8} {'sim s':>8} "
        f"{'simpy steps/s':>14} {'sim steps/s':>12} {'sim events/s':>13} {'ratio':>6} "
        f"{'traced peak':>11} {'peak RSS':>10}"
    )
    print(head)
    rows = []
    for rooms in args.rooms:
        runs = [
            (measure("bare", rooms, p), measure("engine", rooms, p)) for _ in range(args.repeat)
        ]
        a = min((r[0] for r in runs), key=lambda m: m["seconds"])
        b = min((r[1] for r in runs), key=lambda m: m["seconds"])
        traced = measure("engine", rooms, p, trace=True) if args.trace else {"traced_peak": 0}
        ratio = (b["steps"] / b["seconds"]) / (a["steps"] / a["seconds"])
        rows.append((rooms, a, b, traced, ratio))
        print(
            f"{rooms:>6} {b['steps']:>8} {b['events']:>9} {a['seconds']:>8.2f} "
            f"{b['seconds']:>8.2f} {a['steps'] / a['seconds']:>14,.0f} "
            f"{b['steps'] / b['seconds']:>12,.0f} {b['events'] / b['seconds']:>13,.0f} "
            f"{ratio:>6.2f} {mb(traced['traced_peak']) if args.trace else '          -'} "
            f"{mb(b['max_rss'])}",
            flush=True,
        )
    print()
    for (r1, _, b1, t1, _), (r2, _, b2, t2, _) in itertools.pairwise(rows):
        traced = (
            f"traced peak × {t2['traced_peak'] / t1['traced_peak']:.2f}; " if args.trace else ""
        )
        print(
            f"{r2} vs {r1} rooms: time × {b2['seconds'] / b1['seconds']:.2f} "
            f"(rooms × {r2 / r1:g}); {traced}peak RSS × {b2['max_rss'] / b1['max_rss']:.2f}"
        )
    at_1000 = [ratio for rooms, *_, ratio in rows if rooms == 1_000]
    if at_1000:
        verdict = "meets" if at_1000[0] >= TARGET_RATIO else "misses"
        print(f"ratio at 1 000 rooms: {at_1000[0]:.2f} ({verdict} the target {TARGET_RATIO})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
