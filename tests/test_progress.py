"""Issue 18: long runs say how far they are, on a terminal's stderr only."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import conference_sim
from conference_sim.output.progress import run_with_progress

ROOT = Path(__file__).parent.parent


def test_progress_shows_simulated_time_and_events_on_a_terminal_and_leaves_the_run_alone():
    scenario = conference_sim.Scenario.from_file(ROOT / "scenarios" / "05-coach.yaml")
    stream = io.StringIO()
    sink = conference_sim.CaptureSink()
    sim = conference_sim.Simulation(scenario, sinks=[sink])
    run_with_progress(sim, stream, after_s=0)  # at once, for the test
    shown = stream.getvalue()
    assert "simulated" in shown and "events" in shown
    assert [e.to_dict() for e in sink.events] == [e.to_dict() for e in conference_sim.run(scenario)]


def test_no_progress_on_a_pipe():
    proc = subprocess.run(
        [sys.executable, "-m", "conference_sim", "run", str(ROOT / "scenarios" / "05-coach.yaml"),
         "--format", "jsonl"], capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert proc.stderr == "" and all(line.startswith("{") for line in proc.stdout.splitlines())
