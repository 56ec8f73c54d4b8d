"""Issue 6: the invariants hold on every bundled scenario, explore finds planted bugs and writes
a small scenario that reproduces them, and passes on the real engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from conference_sim import Scenario, invariants
from conference_sim.api.builder import run
from conference_sim.check.explore import explore
from conference_sim.cli import main
from conference_sim.engine.conference import Conference

SCENARIOS = sorted((Path(__file__).parent.parent / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_invariants_hold_on_every_bundled_scenario(path):
    scenario = Scenario.from_file(path)
    timeline = run(scenario)
    assert invariants.check(timeline.list, scenario) == []
    assert invariants.check_determinism(scenario) == []
    # and with same-instant steps shuffled (SPEC 8): other orders, same invariants
    for tie_seed in (1, 2):
        assert invariants.check(run(scenario, shuffle_ties=tie_seed).list, scenario) == []


def test_explore_passes_on_the_real_engine(capsys):
    assert main(["explore", "--examples", "500", "--profile", "medium"]) == 0
    out = capsys.readouterr().out
    assert "500 random scenarios (--examples 500 --seed 0 --profile medium)" in out


def planted_lone_start(self: Conference) -> bool:
    return len(self.participants) >= 1  # the bug: a lone participant starts the room


def test_explore_finds_a_planted_start_bug_and_writes_a_small_reproducer(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(Conference, "can_start", planted_lone_start)
    out = tmp_path / "found.yaml"
    code = main(["explore", "--examples", "50", "--profile", "small", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 1
    assert "invariant violated: start-needs-two" in printed
    text = out.read_text()
    assert "# Violated: start-needs-two: " in text
    assert "# Found with: conference-sim explore --examples 50 --seed 0 --profile small" in text
    found = Scenario.from_file(out)
    assert len(found.calls) == 1 and not found.actions  # shrunk to the essence
    violations = invariants.check(run(found).list, found)
    assert [v.invariant for v in violations][:1] == ["start-needs-two"]
    monkeypatch.undo()  # on the real engine the same file is fine
    assert invariants.check(run(found).list, found) == []


def test_explore_finds_a_planted_max_participants_bug(monkeypatch):
    from conference_sim.engine import conference

    original = conference.Conference.admit

    def admit_ignoring_max(self, call, dial):
        saved, self.max_participants = self.max_participants, 250
        try:
            return original(self, call, dial)
        finally:
            self.max_participants = saved

    monkeypatch.setattr(conference.Conference, "admit", admit_ignoring_max)
    finding = explore(examples=200, profile="small", seed=4)
    assert finding is not None
    assert finding.violations[0].invariant == "max-participants"
    creates = [a for a in finding.data.get("actions", []) if "create" in a]
    # the smallest room that can overflow (max 1): two callers, or one and a call created
    assert len(finding.data["calls"]) + len(creates) == 2


def test_a_wrong_checker_is_reported_as_found():
    def too_strict(scenario, _ties):
        events = run(scenario).list
        return [
            invariants.Violation("no-beeps", "a beep", e.seq) for e in events if e.event == "beep"
        ]

    finding = explore(examples=100, profile="small", checker=too_strict)
    assert finding is not None and finding.violations[0].invariant == "no-beeps"
    creates = [a for a in finding.data.get("actions", []) if "create" in a]
    # the least that makes a beep: two callers, or one and a call created into its room
    assert len(finding.data["calls"]) + len(creates) == 2


def test_invariant_checker_catches_hand_made_broken_timelines():
    scenario = Scenario.from_yaml(
        "calls:\n  - {name: a, conference: R, hangup: 30, attributes: {statusCallback: https://x.example/cb, statusCallbackEvent: join leave}}\n"
        "  - {name: b, at: 10, conference: R, hangup: 20}\n"
    )
    events = run(scenario).list
    assert invariants.check(events, scenario) == []
    no_leave = [e for e in events if not (e.event == "participant-leave" and e.call == "b")]
    renumbered = [type(e)(**{**_fields(e), "seq": i}) for i, e in enumerate(no_leave)]
    names = {v.invariant for v in invariants.check(renumbered, scenario)}
    assert "leave-once" in names and "sequence-gapless" in names
    backwards = list(events)
    backwards[3], backwards[4] = backwards[4], backwards[3]
    assert "time-order" in {v.invariant for v in invariants.check(backwards, scenario)}


def _fields(e):
    return {
        k: getattr(e, k)
        for k in (
            "seq",
            "t_ms",
            "kind",
            "event",
            "conference",
            "account",
            "call",
            "params",
            "requests",
        )
    }


def test_call_legs_invariant_finds_progress_after_the_final_status_and_a_gap():
    # SPEC 11: a planted timeline where a leg rings again after it was busy, and skips a number
    from conference_sim.events import Event

    def progress(seq, t, status, number):
        params = {"CallSid": "CA1", "CallStatus": status, "SequenceNumber": str(number)}
        return Event(seq, t, "call", "call-progress", None, "default", "leg", params, ())

    events = [progress(0, 0, "initiated", 0), progress(1, 0, "ringing", 1),
              progress(2, 1000, "busy", 2), progress(3, 2000, "ringing", 4)]  # fmt: skip
    found = [v.message for v in invariants.check(events) if v.invariant == "call-legs"]
    assert any("ringing after its final status busy" in m for m in found)
    assert any("SequenceNumber 4 where 3 was due" in m for m in found)
    clean = invariants.check(events[:3])
    assert clean == []


def test_explore_random_calls_and_dials_hold_every_invariant(capsys):
    # the generator dials numbers, clients and SIP from <Dial>, and creates calls by REST
    assert main(["explore", "--examples", "300", "--profile", "small", "--seed", "7"]) == 0
