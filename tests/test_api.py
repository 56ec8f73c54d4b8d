"""The Python API: build fluently or from a dict/YAML, run, query, and assert with the check diff."""

from __future__ import annotations

from pathlib import Path

import pytest

import conference_sim
from conference_sim import ExpectationFailed, InputError, ScenarioBuilder

CB = {
    "statusCallback": "https://app.example/cb",
    "statusCallbackEvent": "start end join leave mute",
}


def support_desk() -> ScenarioBuilder:
    return (
        ScenarioBuilder("support desk", seed=3)
        .call("customer", "Support", startConferenceOnEnter=False, hangup="5m", **CB)
        .call("agent", "Support", at="30s", endConferenceOnExit=True, hangup="2m")
        .mute("customer", at=60)
    )


def test_builder_runs_and_queries_the_timeline():
    tl = support_desk().run()
    assert [e.call for e in tl.events("participant-join")] == ["customer", "agent"]
    assert [e.event for e in tl.events(kind="conference", call="customer")] == [
        "participant-join", "participant-mute", "participant-leave"
    ]  # fmt: skip
    assert [e.event for e in tl.callbacks()] == [
        "participant-join", "participant-join", "conference-start", "participant-mute",
        "participant-leave", "participant-leave", "conference-end",
    ]  # fmt: skip


def test_state_at_and_final():
    tl = support_desk().run()
    before = tl.state_at(10).conference("Support")
    assert before.state == "init" and before.present == ["customer"]
    assert before.participants["customer"].waiting
    during = tl.state_at("1m")
    room = during.conference("Support")
    assert room.state == "in-progress" and room.present == ["customer", "agent"]
    assert room.participants["customer"].muted and not room.participants["agent"].muted
    assert during.where("agent") == "Support" and during.calls["agent"] == "connected"
    assert tl.final.conference("Support").state == "completed"
    assert tl.final.calls == {"customer": "ended", "agent": "ended"}
    assert tl.state_at(0).conference("Elsewhere") is None


def test_assert_helpers_raise_the_same_diff_as_check():
    tl = support_desk().run()
    tl.assert_timeline(
        "0 participant-join customer", "30 conference-start", "60 participant-mute customer"
    )
    tl.assert_never("participant-hold")
    tl.assert_expect({"count": [{"event": "participant-join", "count": 2}]})
    with pytest.raises(ExpectationFailed) as err:
        tl.assert_timeline("30 conference-start", {"event": "participant-mute", "t": 50})
    text = str(err.value)
    assert "timeline: pattern 2 of 2 not found" in text
    assert "closest actual: 1:00.0  participant-mute customer" in text
    with pytest.raises(ExpectationFailed, match="callbacks: request #1 differs"):
        tl.assert_callbacks("conference-start")
    with pytest.raises(InputError, match="'nobody' names no call"):
        tl.assert_never("participant-join nobody")


def test_from_dict_yaml_and_to_yaml_round_trip(tmp_path):
    builder = support_desk()
    text = builder.to_yaml()
    assert "startConferenceOnEnter: false" in text
    path = tmp_path / "desk.yaml"
    path.write_text(text)
    from_file = conference_sim.run(path)
    again = ScenarioBuilder.from_yaml(text).run()
    from_dict = conference_sim.run(builder.to_dict())
    original = builder.run()
    assert from_file.to_jsonl() == again.to_jsonl() == from_dict.to_jsonl() == original.to_jsonl()


def test_builder_errors_name_the_field_like_a_file_would():
    with pytest.raises(InputError) as err:
        ScenarioBuilder().call("a", "R", beep="maybe").build()
    assert "calls[0].attributes.beep" in str(err.value) and "allowed: true, false" in str(err.value)
    with pytest.raises(InputError, match="'zed' names no call"):
        ScenarioBuilder().call("a", "R").kick("zed", at=5).build()


def test_bundled_file_through_the_api_matches_the_cli_jsonl():
    root = Path(__file__).parent.parent / "scenarios"
    tl = conference_sim.run(root / "01-simple.yaml")
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "conference_sim", "run", str(root / "01-simple.yaml"), "--format", "jsonl"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert tl.to_jsonl() == out
