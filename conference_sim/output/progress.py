"""A progress bar on stderr for long runs on a terminal: the simulated time reached and the
events so far. It appears only after about a second of wall time, only when stderr is a
terminal, and never in the run's output (JSONL or table go to stdout)."""

from __future__ import annotations

import time
from typing import IO, Any

from ..timeparse import clock

CHUNK_MS = 60_000  # simulated time run between two looks at the wall clock


def run_with_progress(sim: Any, stream: IO[str], *, after_s: float = 1.0) -> None:
    """Run ``sim`` to the end, showing progress on ``stream`` once ``after_s`` have passed."""
    from ..model import MAX_UNTIL_MS

    start = time.monotonic()
    horizon = sim.until_ms or MAX_UNTIL_MS
    bar: Any = None
    task: Any = None
    try:
        while not sim.finished:
            sim.advance(max(sim.now + CHUNK_MS, int(min(sim.next_time(), horizon))))
            if bar is None and time.monotonic() - start >= after_s:
                from rich.console import Console
                from rich.progress import BarColumn, Progress, TextColumn

                bar = Progress(
                    TextColumn("simulated {task.fields[at]}"),
                    BarColumn(),
                    TextColumn("{task.fields[events]:,} events"),
                    console=Console(file=stream, force_terminal=True),
                    transient=True,
                )
                bar.start()
                task = bar.add_task("run", total=horizon, at="", events=0)
            if bar is not None:
                bar.update(task, completed=sim.now, at=clock(sim.now), events=sim.eventlog.count)
    finally:
        if bar is not None:
            bar.stop()
    sim.run()
