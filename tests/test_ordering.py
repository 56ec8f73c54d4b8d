"""SPEC 3, ordering at one instant (pinned): file order for steps, causal order within one."""

from __future__ import annotations


def test_ordering_steps_at_one_instant_run_in_file_order_calls_then_actions(at, run):
    events = run("""
        calls:
          - {name: a, at: 10, conference: R, hangup: 60}
          - {name: b, at: 10, conference: R, hangup: 60}
        actions:
          - {at: 10, mute: a}
    """)
    assert at(events, 10.0) == [
        "call-start:a", "participant-join:a", "wait-start:a",
        "call-start:b", "participant-join:b", "wait-stop:a", "conference-start", "beep:b",
        "participant-mute:a",
    ]  # fmt: skip


def test_ordering_join_that_starts_the_conference(at, run):
    """participant-join (joiner), wait-stop per waiter (join order), conference-start, beep,
    recording-in-progress."""
    events = run("""
        calls:
          - name: w1
            conference: R
            attributes: {startConferenceOnEnter: false, record: record-from-start}
            hangup: 60
          - {name: w2, at: 1, conference: R, attributes: {startConferenceOnEnter: false}, hangup: 60}
          - {name: mod, at: 5, conference: R, hangup: 60}
    """)
    assert at(events, 5.0) == [
        "call-start:mod", "participant-join:mod", "wait-stop:w1", "wait-stop:w2",
        "conference-start", "beep:mod", "recording-in-progress",
    ]  # fmt: skip


def test_ordering_leave_that_ends_the_conference_E1(at, run):
    """leaver's participant-leave, the others' in join order, conference-end,
    recording-completed, then the dial-ends."""
    events = run("""
        calls:
          - {name: a, conference: R, attributes: {record: record-from-start}, hangup: 300}
          - {name: b, at: 1, conference: R, hangup: 300, speech: [[10, 20]]}
          - {name: mod, at: 2, conference: R, attributes: {endConferenceOnExit: true}, hangup: 60}
    """)
    assert at(events, 60.0) == [
        "participant-leave:mod", "participant-leave:a", "participant-leave:b",
        "conference-end", "recording-completed",
        "dial-end:mod", "dial-end:a", "dial-end:b",
        "call-end:mod", "call-end:a", "call-end:b",
    ]  # fmt: skip


def test_ordering_end_via_api_E3(at, run):
    events = run("""
        calls:
          - {name: a, conference: R, attributes: {record: record-from-start}, hangup: 300}
          - {name: b, at: 1, conference: R, hangup: 300, speech: [[10, 20]]}
        actions:
          - {at: 60, end: R}
    """)
    assert at(events, 60.0) == [
        "participant-leave:a", "participant-leave:b", "conference-end", "recording-completed",
        "dial-end:a", "dial-end:b", "call-end:a", "call-end:b",
    ]  # fmt: skip


def test_ordering_hangup_leave_then_end_then_dial_end_then_call_end(at, run):
    events = run("""
        calls:
          - {name: a, conference: R, hangup: 30}
          - {name: b, at: 1, conference: R, hangup: 60}
    """)
    assert at(events, 60.0) == [
        "participant-leave:b",
        "conference-end",
        "dial-end:b",
        "call-end:b",
    ]
    # and without an end: the exit beep to those left sits between leave and dial-end
    assert at(events, 30.0) == ["participant-leave:a", "beep:a", "dial-end:a", "call-end:a"]


def test_ordering_is_stable_across_runs(names, run):
    text = """
        calls:
          - {name: a, conference: R, hangup: 30, speech: [[5, 10]]}
          - {name: b, at: 0, conference: R, hangup: 30, speech: [[5, 10]]}
          - {name: c, at: 0, conference: R, hangup: 30}
    """
    assert names(run(text)) == names(run(text))


TIES = """
calls:
  - {name: a, at: 10, conference: R, hangup: 30, speech: [[10, 20]]}
  - {name: b, at: 10, conference: R, hangup: 30}
  - {name: c, at: 10, conference: R, hangup: 30}
"""


def joins(events):
    return [e.call for e in events if e.event == "participant-join"]


def test_shuffle_ties_permutes_same_instant_steps_by_seed_and_repeats_exactly(run):
    assert joins(run(TIES)) == ["a", "b", "c"]  # SPEC 8: file order by default
    orders = {tuple(joins(run(TIES, shuffle_ties=s))) for s in range(12)}
    assert len(orders) > 2  # other orders do come up
    assert all(sorted(o) == ["a", "b", "c"] for o in orders)
    assert run(TIES, shuffle_ties=5) == run(TIES, shuffle_ties=5)


def test_shuffle_ties_keeps_one_calls_own_steps_in_order(run):
    for s in range(12):
        events = run(TIES, shuffle_ties=s)
        a = [e.event for e in events if e.call == "a"]
        assert a.index("call-start") < a.index("participant-join")


def test_shuffle_ties_on_the_command_line(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "ties.yaml"
    path.write_text(TIES)

    def jsonl(*extra):
        return subprocess.run(
            [sys.executable, "-m", "conference_sim", "run", str(path), "--format", "jsonl", *extra],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip

    plain, shuffled = jsonl(), [jsonl("--shuffle-ties", str(s)) for s in (1, 2, 3, 4)]
    assert any(s != plain for s in shuffled)
    assert jsonl("--shuffle-ties", "1") == shuffled[0]


def test_SPEC3_steps_at_one_instant_run_back_to_back_but_before_its_timers(at, run):
    """Steps that share an instant run one after another without waiting on the clock when
    nothing else is due (the engine's fast path), but still all before the media and timers
    due at that instant (MEDIA priority), and still after each step's own consequences."""
    events = run("""
        calls:
          - {name: a, conference: R, hangup: 60, speech: [[10, 20]]}
          - {name: b, conference: R, hangup: 60, speech: [[10, 20]]}
          - name: c
            cxml: <Response><Pause length="10"/><Dial><Conference>R</Conference></Dial></Response>
            hangup: 60
            speech: [[10, 20]]
          - {name: d, at: 10, conference: R, hangup: 60}
        actions:
          - {at: 10, mute: d}
    """)
    assert at(events, 10.0) == [
        "participant-speech-start:a", "participant-speech-start:b",
        "call-start:d", "participant-join:d", "beep:d", "participant-mute:d",
        "participant-join:c", "beep:c", "participant-speech-start:c",
    ]  # fmt: skip
