"""SPEC 7 expectations and `conference-sim check`: pass, fail with a readable reason, bad input."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conference_sim.cli import main

BASE = """
calls:
  - {name: a, conference: R, attributes: {statusCallback: "https://app.example/cb", statusCallbackEvent: "start join"}, hangup: 60}
  - {name: b, at: 10, conference: R, hangup: 60}
expect:
"""


def write(tmp_path: Path, expect: str, name: str = "s.yaml") -> str:
    path = tmp_path / name
    path.write_text(BASE + textwrap.indent(textwrap.dedent(expect).strip() + "\n", "  "))
    return str(path)


def check(capsys, *paths: str) -> tuple[int, str, str]:
    code = main(["check", *paths])
    out, err = capsys.readouterr()
    return code, out, err


def test_SPEC7_timeline_in_order_with_others_between_passes(tmp_path, capsys):
    path = write(
        tmp_path,
        """
        timeline:
          - 0 participant-join a
          - 10 conference-start
          - {event: conference-end, params: {ReasonConferenceEnded: last-participant-left}}
    """,
    )
    code, out, _ = check(capsys, path)
    assert code == 0 and out.startswith("PASS") and "1 passed, 0 failed" in out


def test_timeline_failure_names_the_pattern_its_line_and_the_closest_events(tmp_path, capsys):
    path = write(
        tmp_path,
        """
        timeline:
          - 0 participant-join a
          - 5 conference-start
    """,
    )
    code, out, _ = check(capsys, path)
    assert code == 1
    assert "FAIL" in out
    assert "timeline: pattern 2 of 2 not found: '5 conference-start' (line 8)" in out
    assert "✓ '0 participant-join a' (line 7)  matched  0:00.0  participant-join a" in out
    # the closest actual event, and what differs in it
    assert "closest actual: 0:10.0  conference-start\n        t is 0:10.0, expected 0:05.0" in out
    # the actual events around where it should have been, with a marker at the spot
    window = out[out.index("around where it was expected") :].splitlines()[1:4]
    assert window[0].strip() == "0:00.0  wait-start a"
    assert "<- 5 conference-start expected here" in window[1]
    assert window[2].strip() == "0:10.0  call-start b"
    assert "0 passed, 1 failed" in out
    assert "\033[" not in out  # not a terminal: no colour


def test_SPEC7_timeline_order_matters(tmp_path, capsys):
    path = write(
        tmp_path,
        """
        timeline:
          - conference-start
          - participant-join a
    """,
    )
    assert check(capsys, path)[0] == 1


def test_SPEC7_never_fails_when_the_pattern_happens(tmp_path, capsys):
    path = write(
        tmp_path,
        """
        never:
          - {event: beep, call: b}
    """,
    )
    code, out, _ = check(capsys, path)
    assert code == 1 and "never: 'event=beep call=b' (line 7) happened once:" in out
    assert "0:10.0  beep b" in out


def test_SPEC7_callbacks_exactly_these_requests(tmp_path, capsys):
    good = write(tmp_path, """
        callbacks:
          - participant-join a
          - participant-join b
          - conference-start
    """, "good.yaml")  # fmt: skip
    short = write(tmp_path, """
        callbacks:
          - participant-join a
    """, "short.yaml")  # fmt: skip
    wrong = write(tmp_path, """
        callbacks:
          - participant-join a
          - conference-start
    """, "wrong.yaml")  # fmt: skip
    assert check(capsys, good)[0] == 0
    code, out, _ = check(capsys, short)
    assert code == 1 and "3 request(s) sent, 1 expected; unexpected from #2" in out
    assert "#2 unexpected 0:10.0  participant-join b" in out
    code, out, _ = check(capsys, wrong)
    assert code == 1 and "callbacks: request #2 differs" in out  # the first divergence
    assert "#2 expected 'conference-start' (line 8)" in out
    assert "actual   0:10.0  participant-join b" in out
    assert "event is participant-join, expected conference-start" in out


@pytest.mark.parametrize(
    ("expect", "fragment"),
    [
        ("timeline:\n  - 0 participant-joined a", "unknown event 'participant-joined'"),
        ("timeline:\n  - 0 participant-join zed", "'zed' names no call"),
        ("timeline:\n  - 0 participant-join a extra", "is not a pattern"),
        ("timeline:\n  - {event: beep, when: 3}", "unknown key 'when'"),
        ("sometimes:\n  - beep", "unknown key 'sometimes'"),
        ("never: beep", "must be a list"),
        ("count:\n  - {event: beep}", "give exactly one of count, at_most, at_least; got 0"),
        ("count:\n  - {event: beep, count: -1}", "must be a whole number ≥ 0"),
        ("count:\n  - {match: 'beep zed', at_most: 1}", "'zed' names no call"),
        ("count:\n  - beep", "a count check is a mapping"),
        ("final:\n  conferences: {R: finished}", "'finished' is not a conference state"),
        ("final:\n  conferences: {R: {participants: [zed]}}", "'zed' names no call"),
        ("final:\n  calls: {a: gone}", "'gone' is not a call state"),
        ("final:\n  rooms: {}", "unknown key 'rooms'; allowed: conferences, calls"),
    ],
)
def test_bad_expectations_are_load_errors_with_line(tmp_path, capsys, expect, fragment):
    path = write(tmp_path, expect)
    code, out, err = check(capsys, path)
    assert code == 2 and out == ""
    assert err.startswith(f"conference-sim: {path}:") and fragment in err


def test_check_a_directory_from_the_command_line_exit_codes(tmp_path):
    passing = tmp_path / "suite"
    passing.mkdir()
    write(passing, "timeline:\n  - 10 conference-start", "a.yaml")
    cmd = [sys.executable, "-m", "conference_sim", "check", str(passing)]
    assert subprocess.run(cmd, capture_output=True, check=False).returncode == 0
    write(passing, "timeline:\n  - 11 conference-start", "b.yaml")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[0].startswith("PASS") and "FAIL" in proc.stdout
    write(passing, "timeline:\n  - 11 conference-stat", "c.yaml")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and proc.stdout == ""


def test_bundled_scenarios_all_carry_and_pass_their_expectations(capsys):
    root = Path(__file__).parent.parent / "scenarios"
    code, out, _ = check(capsys, str(root))
    assert code == 0
    assert "SKIP" not in out and "FAIL" not in out


def test_count_exactly_at_most_at_least(tmp_path, capsys):
    ok = write(tmp_path, """
        count:
          - {event: participant-join, count: 2}
          - {match: "beep b", at_most: 1}
          - {event: beep, at_least: 2}
          - {event: participant-mute, count: 0}
    """, "ok.yaml")  # fmt: skip
    assert check(capsys, ok)[0] == 0
    bad = write(tmp_path, """
        count:
          - {event: beep, at_most: 1}
          - {match: "participant-join a", at_least: 2}
    """, "bad.yaml")  # fmt: skip
    code, out, _ = check(capsys, bad)
    assert code == 1
    assert "count: 'event=beep' (line 7) matched 2 event(s), expected at most 1" in out
    assert "0:10.0  beep b" in out and "1:00.0  beep a" in out
    assert "count: 'participant-join a' (line 8) matched 1 event(s), expected at least 2" in out


def test_final_conference_state_participants_and_calls(tmp_path, capsys):
    # a hangs up at 60 and b too; with until 30 both are still in the started room
    cut = BASE.replace("calls:", "until: 30\ncalls:")
    (tmp_path / "ok.yaml").write_text(
        cut
        + """  final:
    conferences:
      R: {state: in-progress, participants: [b, a]}
      Other: none
    calls: {a: connected, b: connected}
"""
    )
    assert check(capsys, str(tmp_path / "ok.yaml"))[0] == 0
    (tmp_path / "bad.yaml").write_text(
        cut
        + """  final:
    conferences:
      R: {state: completed, participants: [a]}
    calls: {b: ended}
"""
    )
    code, out, _ = check(capsys, str(tmp_path / "bad.yaml"))
    assert code == 1
    assert "final: conference 'R' (line 9) is in-progress, expected completed" in out
    assert "final: conference 'R' (line 9) has participants [a, b], expected [a]" in out
    assert "✗ unexpected: b" in out
    assert "final: call 'b' (line 10) is connected, expected ended" in out


def test_golden_timeline_update_then_pass_then_first_divergence(tmp_path, capsys):
    path = write(tmp_path, "timeline:\n  - 10 conference-start")
    code, out, _ = check(capsys, "--golden", path)
    assert code == 1 and f"golden: no golden file {tmp_path / 's.golden.jsonl'}" in out
    code, out, _ = check(capsys, "--golden", "--update", path)
    assert code == 0 and f"wrote {tmp_path / 's.golden.jsonl'}" in out
    golden = (tmp_path / "s.golden.jsonl").read_text()
    assert golden == run_jsonl(path)  # exactly what `run --format jsonl` prints
    assert check(capsys, "--golden", path)[0] == 0
    # the platform model "changes": b now arrives at 12 s instead of 10 s
    Path(path).write_text(
        Path(path).read_text().replace("at: 10", "at: 12").replace("10 conf", "12 conf")
    )
    code, out, _ = check(capsys, "--golden", path)
    assert code == 1
    assert "golden: first divergence from s.golden.jsonl at line 4" in out
    assert "line 4 expected: seq 3  t=10.0  call-start b" in out
    assert "line 4 actual:   seq 3  t=12.0  call-start b" in out
    assert "t: 10.0 → 12.0" in out
    assert "conference-sim check --golden --update" in out
    assert check(capsys, path)[0] == 0  # without --golden only the expect block counts


def run_jsonl(path: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "conference_sim", "run", path, "--format", "jsonl"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return proc.stdout


def test_failures_are_coloured_only_when_asked(tmp_path, capsys):
    path = write(tmp_path, "timeline:\n  - 5 conference-start")
    _, out, _ = check(capsys, "--color", "always", path)
    assert "\033[31mFAIL\033[0m" in out and "\033[31m  ✗ '5 conference-start'" in out
    _, out, _ = check(capsys, "--color", "never", path)
    assert "\033[" not in out


def test_check_in_parallel_keeps_file_order(tmp_path, capsys):
    for i in range(4):
        write(tmp_path, f"timeline:\n  - {10 if i % 2 else 11} conference-start", f"s{i}.yaml")
    code, serial, _ = check(capsys, str(tmp_path))
    code_j, parallel, _ = check(capsys, "-j", "2", str(tmp_path))
    assert code == code_j == 1
    assert serial == parallel
    assert [line[:4] for line in parallel.splitlines() if line[:4] in ("PASS", "FAIL")] == [
        "FAIL", "PASS", "FAIL", "PASS"
    ]  # fmt: skip


def test_SPEC6_check_in_parallel_with_a_file_that_does_not_load_is_bad_input(tmp_path, capsys):
    """With workers as without: each file that does not load is told on stderr (file and
    line), nothing goes to stdout, exit 2."""
    for i in range(3):
        write(tmp_path, "timeline:\n  - 10 conference-start", f"s{i}.yaml")
    (tmp_path / "s1.yaml").write_text("calls:\n  - {name: a, conference: R, hangup: soon}\n")
    code, out, err = check(capsys, "-j", "2", str(tmp_path))
    assert (code, out) == (2, "")
    assert err.startswith("conference-sim: ") and "s1.yaml:2: calls[0].hangup" in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_golden_file_that_cannot_be_read_is_a_failure_not_a_crash(tmp_path, capsys):
    path = write(tmp_path, "timeline:\n  - 10 conference-start")
    (tmp_path / "s.golden.jsonl").mkdir()  # a directory where the golden file should be
    code, out, _ = check(capsys, "--golden", path)
    assert code == 1 and f"golden: cannot use {tmp_path / 's.golden.jsonl'}: Is a directory" in out


def test_SPEC7_a_pattern_matches_exactly_the_events_it_finds_no_difference_with():
    """``matches`` (how expectations are checked) and ``differences`` (what a failure shows)
    agree on every pattern and event: a pattern never passes where a failure would name a
    difference, nor fails where it would name none."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from conference_sim.events import Event
    from conference_sim.expectations import Pattern

    names = st.sampled_from(["participant-join", "participant-leave", "conference-end"])
    who = st.none() | st.sampled_from(["a", "b"])
    values = st.sampled_from(["true", "false", "1", "2"])
    params = st.dictionaries(st.sampled_from(["Muted", "Hold", "SequenceNumber"]), values)

    @settings(max_examples=300, deadline=None)
    @given(
        event=names,
        t=st.integers(0, 3),
        call=who,
        kind=st.sampled_from(["callback", "warning"]),
        got=params,
        want_event=st.none() | names,
        want_t=st.none() | st.integers(0, 3),
        want_call=who,
        want_kind=st.none() | st.sampled_from(["callback", "warning"]),
        want=params,
    )
    def agree(event, t, call, kind, got, want_event, want_t, want_call, want_kind, want):
        e = Event(0, t, kind, event, "R", "default", call, got)
        p = Pattern(want_event, want_t, want_call, None, None, want_kind, tuple(want.items()))
        assert p.matches(e) == (not p.differences(e))

    agree()
