"""Bad input: exit 2, one clear paragraph naming file and line, nothing on stdout, no traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conference_sim.cli import main

GOOD_CALL = "calls:\n  - {name: a, conference: R}\n"
BILLION_LAUGHS = """calls:
  - name: a
    cxml: |
      <?xml version="1.0"?>
      <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
      <Response><Say>&lol2;</Say></Response>
"""
EXTERNAL_ENTITY = """calls:
  - name: a
    cxml: '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><Response><Say>&x;</Say></Response>'
"""

# (id, file text, line the message must name, a fragment the message must contain)
CASES = [
    ("broken-yaml", "calls:\n  - {name: a, conference: R\n", 3, "not valid YAML"),
    ("tab-indent", "calls:\n\t- name: a\n", 2, "not valid YAML"),
    ("empty-file", "", None, "empty"),
    ("top-level-list", "- a\n- b\n", 1, "must be a mapping"),
    ("unknown-top-key", GOOD_CALL + "colour: blue\n", 3, "unknown key 'colour'"),
    ("unknown-call-key", "calls:\n  - name: a\n    conference: R\n    mood: happy\n", 4,
     "unknown key 'mood'"),
    ("no-calls", "name: nothing\n", 1, "needs a 'calls' list"),
    ("calls-not-list", "calls: {name: a}\n", 1, "non-empty list"),
    ("duplicate-name", "calls:\n  - {name: a, conference: R}\n  - {name: a, conference: R}\n", 3,
     "duplicate call name 'a'"),
    ("duplicate-key", "calls:\n  - name: a\n    name: b\n    conference: R\n", 3,
     "duplicate key 'name'"),
    ("bad-name", "calls:\n  - {name: 'a b', conference: R}\n", 2, "'a b' is not allowed"),
    ("neither-conference-nor-cxml", "calls:\n  - {name: a}\n", 2, "exactly one of"),
    ("both-conference-and-cxml", "calls:\n  - {name: a, conference: R, cxml: '<Response/>'}\n", 2,
     "exactly one of"),
    ("bad-time-string", "calls:\n  - {name: a, conference: R, at: soon}\n", 2,
     "'1m30s'"),
    ("negative-time", "calls:\n  - {name: a, conference: R, at: -5}\n", 2, "must not be negative"),
    ("boolean-time", "calls:\n  - {name: a, conference: R, hangup: true}\n", 2, "got True"),
    ("hangup-before-arrival", "calls:\n  - {name: a, conference: R, at: 60, hangup: 30}\n", 2,
     "before it arrives"),
    ("bad-beep", "calls:\n  - name: a\n    conference: R\n    attributes:\n      beep: maybe\n", 5,
     "allowed: true, false, onEnter, onExit"),
    ("maxParticipants-zero", "calls:\n  - name: a\n    conference: R\n    attributes: {maxParticipants: 0}\n",
     4, "from 1 to 250"),
    ("maxParticipants-251", "calls:\n  - {name: a, cxml: '<Response><Dial><Conference maxParticipants=\"251\">R</Conference></Dial></Response>'}\n",
     2, "from 1 to 250"),
    ("unknown-attribute", "calls:\n  - name: a\n    conference: R\n    attributes: {volume: 11}\n", 4,
     "unknown <Conference> attribute 'volume'"),
    ("unknown-status-event", "calls:\n  - name: a\n    conference: R\n    attributes:\n      statusCallbackEvent: start finish\n",
     5, "'finish'"),
    ("relative-callback-url", "calls:\n  - name: a\n    conference: R\n    attributes: {statusCallback: /cb}\n",
     4, "absolute http(s) URL"),
    ("bad-dialect", "dialect: plivo\n" + GOOD_CALL, 1, "allowed: signalwire, twilio"),
    ("bad-seed", "seed: -1\n" + GOOD_CALL, 1, "whole number"),
    ("bad-start", "start: yesterday\n" + GOOD_CALL, 1, "ISO 8601"),
    ("impossible-date", "start: 2026-13-45\n" + GOOD_CALL, 1, "ISO 8601"),
    ("impossible-day", "start: 2026-02-30T10:00:00Z\n" + GOOD_CALL, 1, "ISO 8601"),
    ("malformed-xml", "calls:\n  - name: a\n    cxml: |\n      <Response>\n        <Say>hi\n      </Response>\n",
     6, "malformed XML"),
    ("unknown-verb", "calls:\n  - {name: a, cxml: '<Response><Gatherr/></Response>'}\n", 2,
     "<Gatherr> is not a verb the simulator follows"),
    ("gather-digits", "calls:\n  - {name: a, cxml: '<Response><Gather numDigits=\"0\"/></Response>'}\n", 2,
     "numDigits='0' is not allowed; allowed: a whole number of 1 or more"),
    ("gather-key", "calls:\n  - {name: a, cxml: '<Response><Gather finishOnKey=\"x\"/></Response>'}\n", 2,
     "finishOnKey='x' is not allowed; allowed: one of 0-9, #, *, or the empty string"),
    ("gather-timeout", "calls:\n  - {name: a, cxml: '<Response><Gather timeout=\"0\"/></Response>'}\n", 2,
     "timeout='0' is not allowed; allowed: a whole number of seconds from 1 to 600"),
    ("gather-record", "calls:\n  - {name: a, cxml: '<Response><Gather><Record/></Gather></Response>'}\n", 2,
     "<Gather> cannot contain <Record>"),
    ("dial-number", "calls:\n  - {name: a, cxml: '<Response><Dial>call me</Dial></Response>'}\n",
     2, "is not a phone number"),
    ("dial-timeout", "calls:\n  - {name: a, cxml: '<Response><Dial timeout=\"2\">+15551234567</Dial></Response>'}\n",
     2, "timeout='2' is not allowed; allowed: a whole number of seconds from 5 to 600"),
    ("dial-relative-inline", "calls:\n  - {name: a, cxml: '<Response><Dial action=\"/after\">+15551234567</Dial></Response>'}\n",
     2, "is a relative URL, and this document has no URL of its own"),
    ("wrong-root", "calls:\n  - {name: a, cxml: '<Reply/>'}\n", 2, "root element must be <Response>"),
    ("billion-laughs", BILLION_LAUGHS, 3, "refused"),
    ("external-entity", EXTERNAL_ENTITY, 3, "refused"),
    ("bad-document-url", GOOD_CALL + "documents:\n  wait: <Response/>\n", 4, "absolute http(s) URL"),
    ("bad-document-xml", GOOD_CALL + "documents:\n  https://a.example/w: <Response><Play/></Response>\n",
     4, "<Play> needs a media URL"),
    ("zero-media", GOOD_CALL + "media:\n  https://cdn.example/a.mp3: 0\n", 4, "more than 0"),
    ("speech-backwards", "calls:\n  - {name: a, conference: R, speech: [[20, 10]]}\n", 2,
     "end after it starts"),
    ("speech-overlap", "calls:\n  - {name: a, conference: R, speech: [[0, 20], [10, 30]]}\n", 2,
     "overlap"),
    ("action-unknown-call", GOOD_CALL + "actions:\n  - {at: 5, mute: zed}\n", 4, "'zed' names no call"),
    ("action-no-verb", GOOD_CALL + "actions:\n  - {at: 5}\n", 4, "exactly one of"),
    ("action-unknown-option", GOOD_CALL + "actions:\n  - {at: 5, mute: a, loudly: true}\n", 4,
     "unknown key 'loudly'"),
    ("announce-without-url", GOOD_CALL + "actions:\n  - {at: 5, announce: R}\n", 4, "needs 'url'"),
    ("coach-unknown-name", "calls:\n  - {name: a, conference: R, attributes: {coach: zed}}\n", 2,
     "coach='zed' names no call"),
    ("label-like-callsid", "calls:\n  - {name: a, conference: R, attributes: {participantLabel: 'a/b'}}\n",
     2, "16023"),
    ("timeLimit-zero", "calls:\n  - {name: a, conference: R, dial: {timeLimit: 0}}\n", 2, "timeLimit"),
    ("press-bad-digits", "calls:\n  - name: a\n    conference: R\n    press: [{at: 5, digits: 'x'}]\n",
     4, "DTMF"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "line", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_scenario_exits_2_with_file_and_line(tmp_path, capsys, text, line, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    assert main(["run", str(path), "--format", "jsonl"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err
    assert err.count("\n") == 1, "one paragraph"
    prefix = f"conference-sim: {path}" + (f":{line}:" if line else ":")
    assert err.startswith(prefix), err
    assert fragment in err
    assert main(["validate", str(path)]) == 2


def test_there_are_at_least_twenty_malformed_scenarios():
    assert len(CASES) >= 20


def test_missing_file_and_directory(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nope.yaml")]) == 2
    assert main(["run", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "no such file" in err and "is a directory" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["run"],
        ["run", "x.yaml", "--format", "xml"],
        ["run", "x.yaml", "--seed", "abc"],
        ["run", "x.yaml", "--until", "later"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and "error:" in err


def test_bad_input_through_the_console_script_has_no_traceback(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(CASES[0][1])
    proc = subprocess.run(
        [sys.executable, "-m", "conference_sim", "run", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert re.match(rf"conference-sim: {re.escape(str(path))}:3: ", proc.stderr)
    assert "Traceback" not in proc.stderr


def test_bundled_scenarios_validate(capsys):
    files = sorted(str(p) for p in Path(__file__).parent.parent.glob("scenarios/*.yaml"))
    assert main(["validate", *files]) == 0
    assert capsys.readouterr().out.count(": ok") == len(files)
