"""Issue 18: the shell in a real pseudo-terminal (pexpect), as people use it: Ctrl-C stops what
runs and returns to the prompt, Tab completes past the '-' of event names and offers what fits
the command, a typo gets a suggestion, `help` lists every command."""

from __future__ import annotations

import re
import sys

import pytest

pexpect = pytest.importorskip("pexpect")

PROMPT = "conference-sim> "
LOOP = """until: 720h
calls:
  - {name: a, cxml: '<Response><Pause length="1"/><Redirect/></Response>'}
  - {name: bob, conference: Room1, hangup: 10h}
  - {name: carol, at: 1, conference: Room1, hangup: 10h}
"""


@pytest.fixture
def shell(tmp_path):
    scenario = tmp_path / "loop.yaml"
    scenario.write_text(LOOP)
    child = pexpect.spawn(
        sys.executable, ["-m", "conference_sim", "shell", str(scenario)],
        encoding="utf-8", timeout=20, dimensions=(40, 120), env={"HOME": str(tmp_path), "TERM": "dumb"},
    )  # fmt: skip
    child.expect_exact(PROMPT)
    yield child
    child.terminate(force=True)


def test_shell_ctrl_c_during_a_long_advance_returns_to_the_prompt(shell):
    shell.sendline("advance 700h")  # 2.5 million Redirect loops, step by step
    shell.expect_exact("advance 700h")
    import time

    time.sleep(0.5)
    shell.sendintr()
    shell.expect("interrupted at ")
    shell.expect_exact(PROMPT)
    shell.sendline("show")  # the session goes on, at the clock reading where it stopped
    shell.expect("at \\d+:")
    shell.expect_exact(PROMPT)
    shell.sendintr()  # Ctrl-C at the prompt: a new prompt, not the end
    shell.expect_exact(PROMPT)
    shell.sendeof()
    shell.expect(pexpect.EOF)


def test_shell_tab_completes_event_names_past_their_dash_and_arguments_by_command(shell):
    shell.send("until participant-j\t")
    shell.expect_exact("participant-join ")
    shell.send("\x15")  # Ctrl-U: clear the line
    shell.send("mute ca\t")
    shell.expect_exact("mute carol ")
    shell.send("\x15")
    shell.send("end Ro\t")
    shell.expect_exact("end Room1 ")
    shell.send("\x15")
    shell.sendline("shwo")
    shell.expect_exact("did you mean 'show'?")
    shell.expect_exact(PROMPT)


def test_shell_help_lists_every_command(shell):
    shell.sendline("help")
    shell.expect_exact(PROMPT)
    listed = shell.before
    for command in ("call", "hangup", "mute", "unmute", "hold", "unhold", "kick", "update", "end",
                    "announce", "advance", "step", "until", "show", "events", "save", "quit"):  # fmt: skip
        assert f"\n  {command} " in listed.replace("\r", ""), command


def test_shell_many_commands_apply_incrementally(tmp_path):
    """A long session does not replay itself from the start on every command."""
    import io

    from conference_sim.shell import main

    lines = [f"call c{i} R{i % 7}\nadvance 1s\n" for i in range(300)]
    script = io.StringIO("".join(lines) + "mute c1\nshow\n")
    out = io.StringIO()
    assert main(None, script, out) == 0
    assert "(replayed" not in out.getvalue()  # (the time of 1 000 commands: bench, not here)
    assert re.search(r"\n  c1 +muted", out.getvalue())
