"""SPEC 6 command line: run's JSONL (pinned shape), the table, options, determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conference_sim.cli import main

ROOT = Path(__file__).parent.parent
SIMPLE = str(ROOT / "scenarios" / "01-simple.yaml")
PINNED_KEYS = ["seq", "t", "kind", "event", "conference", "account", "call", "params", "requests"]


def jsonl(capsys, *argv: str) -> list[dict]:
    assert main(["run", *argv, "--format", "jsonl"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_jsonl_has_the_pinned_keys_in_order_and_types(capsys):
    rows = jsonl(capsys, SIMPLE)
    assert [r["seq"] for r in rows] == list(range(len(rows)))
    for r in rows:
        assert list(r) == PINNED_KEYS
        assert isinstance(r["t"], float)
        assert all(isinstance(v, str) for v in r["params"].values()) or r["kind"] == "audio"
    join = next(r for r in rows if r["event"] == "participant-join")
    assert (join["conference"], join["account"], join["call"]) == ("Room 1234", "default", "alice")
    assert join["requests"] == [
        {"purpose": "statusCallback", "url": "https://app.example/conference-events",
         "method": "POST"}
    ]  # fmt: skip
    start = next(r for r in rows if r["event"] == "conference-start")
    assert start["call"] is None
    call_start = rows[0]
    assert call_start["event"] == "call-start" and call_start["conference"] is None


def test_jsonl_contains_the_simple_lifecycle(capsys):
    events = [r["event"] for r in jsonl(capsys, SIMPLE)]
    for needed in ("participant-join", "conference-start", "participant-leave", "conference-end"):
        assert needed in events


def test_seed_and_until_options(capsys):
    base = jsonl(capsys, SIMPLE)
    other = jsonl(capsys, SIMPLE, "--seed", "9")
    assert base[0]["params"]["CallSid"] != other[0]["params"]["CallSid"]
    short = jsonl(capsys, SIMPLE, "--until", "1m")
    assert short[-1]["t"] <= 60.0
    assert [r["event"] for r in short] == [r["event"] for r in base if r["t"] <= 60.0]


def _run_process(path: str, hashseed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    return subprocess.run(
        [sys.executable, "-m", "conference_sim", "run", path, "--format", "jsonl"],
        capture_output=True,
        env=env,
        check=True,
    ).stdout


def test_jsonl_is_byte_identical_across_processes_and_hash_seeds():
    for name in ("05-coach.yaml", "edge-twilio-dialect.yaml"):
        path = str(ROOT / "scenarios" / name)
        outputs = {_run_process(path, seed) for seed in ("0", "1", "12345")}
        assert len(outputs) == 1
        assert outputs.pop().count(b"\n") > 10


def test_version_and_module_entry_point():
    proc = subprocess.run(
        [sys.executable, "-m", "conference_sim", "--version"], capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    assert proc.stdout.startswith("conference-sim ")


def test_hearing_option_prints_who_hears_whom(capsys):
    coach = str(ROOT / "scenarios" / "05-coach.yaml")
    assert main(["run", coach, "--format", "jsonl", "--hearing", "40", "--hearing", "5"]) == 0
    stdout, out = capsys.readouterr()  # with JSONL on stdout, the snapshots go to stderr
    assert all(line.startswith("{") for line in stdout.splitlines())
    assert out.index("who hears whom at 0:05.0") < out.index("who hears whom at 0:40.0")
    at40 = out[out.index("at 0:40.0") :]
    assert "customer    in-conference in Example-Room: voices: agent\n" in at40
    assert "agent       in-conference in Example-Room: voices: customer, supervisor" in at40
    assert "trainee     ended" in at40


def test_public_api_is_reexported():
    import conference_sim

    scenario = conference_sim.Scenario.from_file(SIMPLE)
    events = conference_sim.run_scenario(scenario)
    assert isinstance(events[0], conference_sim.Event)
    assert events[0].event == "call-start"


def test_advance_past_the_end_then_run_still_closes_the_sinks():
    import io

    from conference_sim.engine.core import Engine
    from conference_sim.model import Scenario
    from conference_sim.output.table import TableSink

    out = io.StringIO()
    sim = Engine(Scenario.from_file(SIMPLE), sinks=[TableSink(out, color=False)])
    sim.advance(10 * 3_600_000)  # beyond the 4 h clock limit
    assert out.getvalue() == ""  # the table renders when the run is closed
    sim.run()
    assert "conference-end" in out.getvalue()


def test_stepping_the_clock_to_any_time_gives_the_same_timeline_as_running_it():
    """advance() to times between events, even given as floats, leaves the clock on whole
    milliseconds: durations stay whole seconds ("Duration": "300", not "300.0") and the
    timeline is the one run() gives."""
    from conference_sim.engine.core import Engine, capture
    from conference_sim.events import CaptureSink
    from conference_sim.model import Scenario

    scenario = Scenario.from_file(SIMPLE)
    whole = capture(scenario)
    sink = CaptureSink()
    sim = Engine(scenario, sinks=[sink])
    for t in (1500.5, 2_000, 61_250.75, 200_000.0):
        sim.advance(t)
    sim.run()
    assert sink.events == whole
    assert all(type(e.t_ms) is int for e in sink.events)
    # and what acts at the instant the clock was stepped to (a REST operation) is stamped then
    stepped = Engine(scenario, sinks=[sink := CaptureSink()])
    stepped.advance(45_500.5)
    name = next(iter(stepped.calls))
    stepped.at(stepped.now, lambda: stepped.calls[name].hangup())
    stepped.run()
    ends = [e for e in sink.events if e.event == "call-end" and e.call == name]
    assert [type(e.t_ms) for e in ends] == [int] and ends[0].t_ms == 45_500
    numbers = [v for e in sink.events for v in e.params.values() if str(v)[:1].isdigit()]
    assert numbers and not [v for v in numbers if isinstance(v, str) and v.endswith(".0")]


def test_SPEC6_jsonl_line_is_the_compact_pinned_shape():
    """SPEC 6: one compact JSON object a line (no spaces after , and :), keys in pinned order,
    UTF-8: byte for byte what the standard library writes with compact separators."""
    import json

    from conference_sim import run
    from conference_sim.output.sinks import jsonl_line

    root = Path(__file__).parent.parent / "scenarios"
    for path in sorted(root.glob("*.yaml")):
        for e in run(path):
            line = jsonl_line(e)
            assert line == json.dumps(e.to_dict(), ensure_ascii=False, separators=(",", ":"))
            assert line.startswith('{"seq":') and list(json.loads(line)) == [
                "seq", "t", "kind", "event", "conference", "account", "call", "params", "requests",
            ]  # fmt: skip


def test_SPEC6_a_jsonl_only_run_writes_the_same_bytes_as_its_events():
    """With only JSONL sinks the event log hands them records, without an Event each; with
    any other sink beside them it makes Events. Both write the same bytes, the golden files'
    (an app's answers included: its request statuses)."""
    import io

    from conference_sim.events import CaptureSink
    from conference_sim.model import Scenario
    from conference_sim.output.sinks import JsonlSink, jsonl_line
    from conference_sim.runner import Simulation

    root = Path(__file__).parent.parent / "scenarios"
    for path in sorted(root.glob("*.yaml")):  # support-desk.yaml runs its Flask app
        scenario = Scenario.from_file(path)
        alone, beside = io.StringIO(), io.StringIO()
        capture = CaptureSink()
        records = Simulation(scenario, sinks=[JsonlSink(alone)])
        assert records.eventlog.takers is not None  # the record path
        records.run()
        events = Simulation(scenario, sinks=[JsonlSink(beside), capture])
        assert events.eventlog.takers is None  # the Event path
        events.run()
        assert alone.getvalue() == beside.getvalue(), path.name
        assert alone.getvalue() == "".join(jsonl_line(e) + "\n" for e in capture.events)
        golden = path.with_suffix(".golden.jsonl")
        if golden.exists():
            assert alone.getvalue() == golden.read_text(encoding="utf-8"), path.name


def test_SPEC6_without_orjson_the_standard_library_writes_the_same_lines():
    """orjson is only a speed-up: with its import failing, JSONL is byte for byte the same."""
    import subprocess
    import sys

    code = (
        "import sys, io\n"
        "sys.modules['orjson'] = None\n"
        "from conference_sim.engine.core import Engine\n"
        "from conference_sim.model import Scenario\n"
        "from conference_sim.output.sinks import JsonlSink\n"
        "out = io.StringIO()\n"
        "Engine(Scenario.from_file(sys.argv[1]), sinks=[JsonlSink(out)]).run()\n"
        "sys.stdout.write(out.getvalue())\n"
    )
    path = Path(__file__).parent.parent / "scenarios" / "05-coach.yaml"
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    assert done.stdout == path.with_suffix(".golden.jsonl").read_text(encoding="utf-8")
