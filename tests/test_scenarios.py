"""Every bundled scenario runs, shows what its comment promises, and warns only on purpose."""

from __future__ import annotations

from pathlib import Path

import pytest

from conference_sim.engine.core import Engine
from conference_sim.model import Scenario
from conference_sim.output.sinks import CaptureSink

SCENARIOS = sorted((Path(__file__).parent.parent / "scenarios").glob("*.yaml"))


def events_of(name: str):
    sink = CaptureSink()
    Engine(Scenario.from_file(Path(__file__).parent.parent / "scenarios" / name),
               sinks=[sink]).run()  # fmt: skip
    return sink.events


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_bundled_scenario_runs_and_every_conference_ends(path, find):
    text = path.read_text()
    assert text.startswith("#"), "each scenario starts with a comment saying what it shows"
    sink = CaptureSink()
    Engine(Scenario.from_file(path), sinks=[sink]).run()
    events = sink.events
    assert events
    assert not find(events, "clock-stopped")
    starts = {e.params["ConferenceSid"] for e in find(events, "participant-join")}
    ends = {e.params["ConferenceSid"] for e in find(events, "conference-end")}
    assert starts == ends


def test_seed_examples_show_their_feature(find, one):
    assert one(events_of("01-simple.yaml"), "conference-start").t == 20.0
    moderated = events_of("02-moderated-waiting.yaml")
    assert [e.call for e in find(moderated, "wait-stop")][:2] == ["guest1", "guest2"]
    moderator = events_of("03-moderator.yaml")
    assert one(moderator, "conference-end").params["ReasonConferenceEnded"] == (
        "participant-with-end-conference-on-exit-left"
    )
    monitor = events_of("04-monitor.yaml")
    assert [e.t for e in find(monitor, "participant-speech-start", "monitor")] == [130.0]
    coach = events_of("05-coach.yaml")
    assert one(coach, "participant-join", "supervisor").params["Coaching"] == "true"
    assert one(coach, "join-refused", "trainee").params["ErrorCode"] == "13240"
    record = events_of("06-record.yaml")
    assert one(record, "recording-completed").params["RecordingDuration"] == "45"  # R1 trim-silence
