"""Issue 7: output is produced while the run goes, memory follows the live calls (not the length
of the day), lazy imports keep `--version` light. Nothing here is timed."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tracemalloc

import pytest

from conference_sim.api.workload import CallCentreDay
from conference_sim.engine.core import Engine
from conference_sim.output.sinks import JsonlSink


def day(rooms: int) -> CallCentreDay:
    # a room opens every 30 s and lasts 5 min: about 10 live rooms however long the day
    return CallCentreDay(rooms, participants=5, gap_ms=30_000)


def streamed(w: CallCentreDay, sinks=()) -> Engine:
    return Engine(w.scenario(), sinks=list(sinks), calls=w.calls(), actions_stream=w.actions())


def test_jsonl_lines_are_written_as_the_clock_runs_not_at_the_end():
    w = day(20)
    written_at: list[int] = []

    class Recording(io.StringIO):
        def write(self, text: str) -> int:
            written_at.append(sim.now)
            return super().write(text)

    sim = streamed(w, [JsonlSink(Recording())])
    sim.run()
    assert written_at[0] == 0 and written_at[-1] > 20 * 30_000  # the first line at 0:00
    assert written_at == sorted(written_at)


def test_stream_yields_the_first_events_before_the_run_ends():
    sim = streamed(day(20))
    events = sim.stream()
    first = next(events)
    assert first.seq == 0 and first.event == "call-start" and sim.now == 0
    assert not sim.finished  # the run is still going
    rest = list(events)
    assert rest[-1].seq == len(rest) and sim.finished


def test_file_scenario_stream_equals_the_captured_run():
    from conference_sim import Scenario, run

    scenario = Scenario.from_file(
        os.path.join(os.path.dirname(__file__), "..", "scenarios", "06-record.yaml")
    )
    assert list(Engine(scenario).stream()) == run(scenario).list


def peak_while_running(w: CallCentreDay, sink_factory=None) -> tuple[int, int]:
    with open(os.devnull, "w", encoding="utf-8") as null:
        sink = sink_factory() if sink_factory else JsonlSink(null, flush=False)
        tracemalloc.start()
        sim = streamed(w, [sink])
        sim.run()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert not sim.calls and not sim.rooms  # nothing of the day is kept once it is over
    return peak, sim.eventlog.count


def test_memory_follows_the_live_calls_not_the_number_of_events():
    small_peak, small_events = peak_while_running(day(20))
    big_peak, big_events = peak_while_running(day(200))
    assert big_events >= 9 * small_events
    # ten times the events, about the same memory (what grows: one entry per room name, to
    # give a reused name a new ConferenceSid, and garbage the collector has not reached yet)
    assert big_peak < 1.5 * small_peak
    # the control: a consumer that keeps every event does grow with the day
    from conference_sim.output.sinks import CaptureSink

    kept_peak, _ = peak_while_running(day(200), CaptureSink)
    assert kept_peak > 3 * small_peak


def test_streamed_calls_must_come_in_order():
    w = day(3)
    calls = list(w.calls())[::-1]
    sim = Engine(w.scenario(), calls=calls)
    try:
        sim.run()
    except ValueError as err:
        assert "order of their first step" in str(err)
    else:
        raise AssertionError("out-of-order stream accepted")


def test_importing_the_package_and_version_load_no_engine():
    code = (
        "import sys, conference_sim, conference_sim.cli\n"
        "heavy = [m for m in ('simpy', 'structlog', 'yaml', 'rich', 'hypothesis', 'attrs')"
        " if m in sys.modules]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    version = subprocess.run(
        [sys.executable, "-m", "conference_sim", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.startswith("conference-sim ")


def test_a_run_leaves_the_processs_garbage_collector_as_it_found_it():
    """run() collects less often while it goes (fewer_collections), and gives the process its
    own thresholds back afterwards, also when the run fails."""
    import gc

    before = gc.get_threshold()
    gc.set_threshold(555, 7, 3)
    try:
        seen = []
        sim = Engine(day(2).scenario(), calls=day(2).calls())
        sim.clock.process(iter_threshold(sim, seen))
        sim.run()
        assert seen and seen[0][0] >= 10_000  # while running
        assert gc.get_threshold() == (555, 7, 3)
        w = day(3)
        bad = Engine(w.scenario(), calls=list(w.calls())[::-1])
        with pytest.raises(ValueError):
            bad.run()
        assert gc.get_threshold() == (555, 7, 3)
    finally:
        gc.set_threshold(*before)


def iter_threshold(sim, seen):
    import gc

    yield sim.clock.timeout(1)
    seen.append(gc.get_threshold())
