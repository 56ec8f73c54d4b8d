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


def test_timeline_in_order_with_others_between_passes(tmp_path, capsys):
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
    assert (
        "timeline: no event matching 5 conference-start (line 8) after 0:00.0  participant-join a"
        in out
    )
    assert "0:10.0  conference-start" in out  # the closest actual one
    assert "0 passed, 1 failed" in out


def test_timeline_order_matters(tmp_path, capsys):
    path = write(
        tmp_path,
        """
        timeline:
          - conference-start
          - participant-join a
    """,
    )
    assert check(capsys, path)[0] == 1


def test_never_fails_when_the_pattern_happens(tmp_path, capsys):
    path = write(
        tmp_path,
        """
        never:
          - {event: beep, call: b}
    """,
    )
    code, out, _ = check(capsys, path)
    assert code == 1 and "never: event=beep call=b (line 7) happened" in out
    assert "0:10.0  beep b" in out


def test_callbacks_exactly_these_requests(tmp_path, capsys):
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
    assert code == 1 and "2 more request(s) than expected" in out
    code, out, _ = check(capsys, wrong)
    assert code == 1 and "request #2 should match conference-start (line 8)" in out


@pytest.mark.parametrize(
    ("expect", "fragment"),
    [
        ("timeline:\n  - 0 participant-joined a", "unknown event 'participant-joined'"),
        ("timeline:\n  - 0 participant-join zed", "'zed' names no call"),
        ("timeline:\n  - 0 participant-join a extra", "is not a pattern"),
        ("timeline:\n  - {event: beep, when: 3}", "unknown key 'when'"),
        ("sometimes:\n  - beep", "unknown key 'sometimes'"),
        ("never: beep", "must be a list of patterns"),
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
