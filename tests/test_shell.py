"""Issue 6: the shell, driven through stdin: show, events, errors, completion, and save that
`conference-sim run` reproduces byte for byte."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from conference_sim.shell import Session, Shell, main

ROOT = Path(__file__).parent.parent


def drive(commands: str, path: str | None = None) -> tuple[int, str]:
    out = io.StringIO()
    code = main(path, stdin=io.StringIO(commands), stdout=out)
    return code, out.getvalue()


SESSION = """\
call alice Room1 startConferenceOnEnter=false statusCallback=https://app.example/cb "statusCallbackEvent=join leave mute hold speaker"
advance 10s
show
call bob Room1 beep=onExit
speech bob 5s
mute alice
step
hold bob
call carol Room2
show
"""


def test_show_reports_states_effective_mute_hold_waiting_and_hearing():
    code, out = drive(SESSION)
    assert code == 0
    first, second = out.split("> show\n")[1:3]
    assert "conference 'Room1': init" in first
    assert "alice  waiting, silent" in first and "hears: wait: default hold music" in first
    assert "conference 'Room1': in-progress since 0:10.0" in second
    assert "alice  muted" in second and "hears: silence" in second  # bob is held: not heard
    assert "bob    held" in second and "hears: hold: default hold music" in second
    assert "conference 'Room2': init" in second and "carol  waiting" in second


def test_commands_print_the_new_events_and_the_clock():
    _, out = drive(SESSION)
    after_bob = out.split("> call bob Room1 beep=onExit\n")[1].split("> ")[0]
    assert after_bob.splitlines() == [
        "  0:10.0  call-start                 bob",
        "  0:10.0  participant-join           Room1 bob",
        "  0:10.0  wait-stop                  Room1 alice  source=default hold music",
        "  0:10.0  conference-start           Room1",
        "[0:10.0]",
    ]
    assert "  0:15.0  participant-speech-stop    Room1 bob\n[0:15.0]" in out  # `step`


def test_events_prints_the_timeline_as_a_table():
    _, out = drive(SESSION + "events\n")
    table = out.split("> events\n")[1]
    assert table.split()[:3] == ["0:00.0", "call-start", "alice"]
    assert "0:15.0  participant-hold          Room1 bob\n" in table and "Hold=true" in table
    assert "→ statusCallback #4" in table


def test_save_round_trips_to_an_identical_timeline(tmp_path):
    saved = tmp_path / "session.yaml"
    _, out = drive(SESSION + f"advance 1m\nhangup alice\nsave {saved}\nevents jsonl\n")
    shell_jsonl = "".join(line + "\n" for line in out.splitlines() if line.startswith("{"))
    assert shell_jsonl.count("\n") > 15
    ran = subprocess.run(
        [sys.executable, "-m", "conference_sim", "run", str(saved), "--format", "jsonl"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert ran == shell_jsonl
    text = saved.read_text()
    assert text.startswith("# Saved by conference-sim shell at 1:15.0")
    assert "until: 75" in text and "- {at: 10, mute: alice}" in text


def test_shell_on_a_file_until_an_event_then_save_round_trips(tmp_path):
    saved = tmp_path / "coach.yaml"
    _, out = drive(f"until conference-start\nuntil participant-join supervisor\nshow\n"
                   f"kick agent\nsave {saved}\nevents jsonl\n",
                   str(ROOT / "scenarios" / "05-coach.yaml"))  # fmt: skip
    assert "conference-start" in out.split("> until conference-start\n")[1].split("> show")[0]
    assert "coaching agent" in out  # the supervisor whispers to the agent
    shell_jsonl = "".join(line + "\n" for line in out.splitlines() if line.startswith("{"))
    ran = subprocess.run(
        [sys.executable, "-m", "conference_sim", "run", str(saved), "--format", "jsonl"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert ran == shell_jsonl


def test_errors_are_one_line_the_session_goes_on_and_the_exit_status_says_so():
    code, out = drive(
        "call a R\nfrobnicate\nmute zed\ncall a R\ncall b R beep=maybe\nadvance soon\n"
        "until nothing-happens\nspeech a -5\ncall b R\nshow\n"
    )
    assert code == 2
    errors = [line for line in out.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: unknown command 'frobnicate'; `help` lists the commands",
        "error: 'zed' names no call; calls: a",
        "error: there is already a call named 'a'",
        "error: calls[1].attributes.beep: beep='maybe' is not allowed; allowed: true, false, "
        "onEnter, onExit",
        errors[4],
        errors[5],
        errors[6],
    ]
    assert "'soon'" in errors[4] and "until EVENT [CALL]" in errors[5]
    assert "must not be negative" in errors[6]
    assert "conference 'R': in-progress" in out  # the refused beep=maybe call was not added


def test_completion_of_commands_and_call_names():
    session = Session()
    shell = Shell(session, io.StringIO(), io.StringIO(), echo=True)
    shell.onecmd("call alice R")
    shell.onecmd("call albert R")
    assert shell.completenames("ad") == ["advance "]
    assert shell.completedefault("al", "mute al", 5, 7) == ["alice ", "albert "]
    assert shell.completedefault("conference-s", "until conference-s", 6, 18) == [
        "conference-start "
    ]


def test_help_lists_every_command():
    _, out = drive("help\nhelp until\n")
    for command in ("call NAME ROOM", "advance DURATION", "save FILE", "events [jsonl]"):
        assert command in out
    assert "until EVENT [CALL]  run until such an event happens" in out


def test_a_step_that_reorders_the_current_instant_says_so_and_call_takes_cxml():
    say = "<Response><Say>Hello there</Say><Dial><Conference>R</Conference></Dial></Response>"
    _, out = drive(f"call a R\ncall b 'cxml={say}'\nstep\nmute b\n")
    assert "0:01.1  participant-join           R b" in out  # after the 1.1 s Say
    assert (
        "(replayed from the start: the timeline changed from seq 4; a step added at 0:01.1" in out
    )
    assert "action-failed" in out  # in the file's order the mute comes before b joins
    _, out = drive(f"call a R\ncall b 'cxml={say}'\nstep\nadvance 1ms\nmute b\n")
    assert "replayed" not in out and "participant-mute           R b" in out


def test_save_before_any_call_is_refused_and_writes_nothing(tmp_path):
    code, out = drive(f"save {tmp_path / 'empty.yaml'}\n")
    assert code == 2
    assert "error: nothing to save yet: a scenario needs a call (`call NAME ROOM`)" in out
    assert not (tmp_path / "empty.yaml").exists()
