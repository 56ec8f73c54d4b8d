"""SPEC 3, ordering at one instant (pinned): file order for steps, causal order within one."""

from __future__ import annotations

from helpers import at, names, run


def test_ordering_steps_at_one_instant_run_in_file_order_calls_then_actions():
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


def test_ordering_join_that_starts_the_conference():
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


def test_ordering_leave_that_ends_the_conference_E1():
    """leaver's participant-leave, the others' in join order, conference-end,
    recording-completed, then the dial-ends."""
    events = run("""
        calls:
          - {name: a, conference: R, attributes: {record: record-from-start}, hangup: 300}
          - {name: b, at: 1, conference: R, hangup: 300}
          - {name: mod, at: 2, conference: R, attributes: {endConferenceOnExit: true}, hangup: 60}
    """)
    assert at(events, 60.0) == [
        "participant-leave:mod", "participant-leave:a", "participant-leave:b",
        "conference-end", "recording-completed",
        "dial-end:mod", "dial-end:a", "dial-end:b",
        "call-end:mod", "call-end:a", "call-end:b",
    ]  # fmt: skip


def test_ordering_end_via_api_E3():
    events = run("""
        calls:
          - {name: a, conference: R, attributes: {record: record-from-start}, hangup: 300}
          - {name: b, at: 1, conference: R, hangup: 300}
        actions:
          - {at: 60, end: R}
    """)
    assert at(events, 60.0) == [
        "participant-leave:a", "participant-leave:b", "conference-end", "recording-completed",
        "dial-end:a", "dial-end:b", "call-end:a", "call-end:b",
    ]  # fmt: skip


def test_ordering_hangup_leave_then_end_then_dial_end_then_call_end():
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


def test_ordering_is_stable_across_runs():
    text = """
        calls:
          - {name: a, conference: R, hangup: 30, speech: [[5, 10]]}
          - {name: b, at: 0, conference: R, hangup: 30, speech: [[5, 10]]}
          - {name: c, at: 0, conference: R, hangup: 30}
    """
    assert names(run(text)) == names(run(text))
