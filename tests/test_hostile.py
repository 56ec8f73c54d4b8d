"""Issue 17: scenario files are untrusted. A pinned corpus of every class of hostile input
found, and a property-based fuzzer that mutates the bundled scenarios: always exit 0, 1 or 2,
never an internal error (3), never a hang (a generous alarm guards each input), never a
terminal escape or a broken JSONL record."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conference_sim.cli import main

ROOT = Path(__file__).parent.parent
GOOD = "calls:\n  - {name: a, conference: R, hangup: 60}\n  - {name: b, at: 5, conference: R, hangup: 60}\n"


@contextlib.contextmanager
def guard(seconds: int = 10):
    """Fail instead of hanging (a guard, not a timing assertion)."""

    def expired(_signum, _frame):
        raise TimeoutError(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with guard(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- the pinned corpus: each reported class is exit 2 with file:line, or runs correctly ----------
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
CORPUS = {
    "spaces-in-time": GOOD.replace("hangup: 60}\n  - {name: b", 'hangup: "1h' + " " * 50_000 + 'x"}\n  - {name: b'),
    "alias-bomb-at": BOMB + "calls:\n  - {name: a, conference: R, at: *b}\n",
    "alias-in-expect": "calls:\n  - {name: a, conference: R}\nx: &p {a: 1}\nexpect:\n  timeline:\n    - {event: beep, params: *p}\n",
    "deep-nesting": "calls: " + "[" * 5000 + "]" * 5000 + "\n",
    "huge-seed": "seed: " + "9" * 5000 + "\n" + GOOD,
    "huge-pause": "calls:\n  - {name: a, cxml: '<Response><Pause length=\"" + "9" * 5000 + "\"/></Response>'}\n",
    "huge-expect-time": GOOD + "expect:\n  timeline:\n    - " + "9" * 5000 + " beep\n",
    "huge-expect-t": GOOD + "expect:\n  timeline:\n    - {t: 1e308, event: beep}\n",
    "xml-encoding": "calls:\n  - {name: a, cxml: '<?xml version=\"1.0\" encoding=\"nope-42\"?><Response/>'}\n",
    "tag-int": "seed: !!int x\n" + GOOD,
    "tag-bool": "seed: !!bool maybe\n" + GOOD,
    "tag-python": "seed: !!python/object:os.system x\n" + GOOD,
    "list-for-string": "dialect: [twilio]\n" + GOOD,
    "huge-at": "calls:\n  - {name: a, conference: R, at: 1e308, hangup: 1e308}\n",
    "after-until": "until: 10\n" + GOOD.replace("at: 5", "at: 20"),
    "nul": GOOD.replace("name: a", "name: a\x00"),
    "long-value": "dialect: " + "x" * 100_000 + "\n" + GOOD,
    "too-many-speech": "calls:\n  - {name: a, conference: R, speech: [" + ",".join(f"[{i},{i}.5]" for i in range(1500)) + "]}\n",
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CORPUS), ids=sorted(CORPUS))
@pytest.mark.parametrize("command", ["validate", "run", "check"])
def test_hostile_corpus_is_exit_2_with_a_located_one_line_message(tmp_path, case, command):
    path = write(tmp_path, CORPUS[case])
    code, out, err = cli(command, path, *(["--format", "jsonl"] if command == "run" else []))
    assert code == 2, (code, err)
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"conference-sim: {path}")
    assert len(err) < 1000  # a short excerpt of the value, never the whole of it
    if case not in ("huge-pause", "xml-encoding"):  # (located at the call's line too)
        assert f"{path}:" in err


def test_hostile_alias_bomb_is_refused_not_expanded(tmp_path):
    _code, _out, err = cli("validate", write(tmp_path, CORPUS["alias-bomb-at"]))
    assert "aliases (&anchor … *anchor) are not allowed" in err and "lol" not in err


def test_hostile_nul_is_located_by_line(tmp_path):
    _code, _out, err = cli("validate", write(tmp_path, CORPUS["nul"]))
    assert "s.yaml:2:" in err and "offset" not in err


@pytest.mark.parametrize(
    "name",
    ["Room [/] one", "[link=https://evil.example]click[/link]", "[blink]x[/blink]",
     "clear\x1b[2J\x1b[Hscreen", "two\nlines 0:00.0  conference-end  Fake", "bidi\u202egnp.exe"],
)  # fmt: skip
def test_hostile_names_reach_the_table_as_text_never_as_markup_or_escapes(tmp_path, name):
    text = (
        "name: "
        + json.dumps(name)
        + "\n"
        + GOOD.replace("conference: R", "conference: " + json.dumps(name))
    )
    code, out, _err = cli("run", write(tmp_path, text), "--format", "table", "--color", "always")
    assert code == 0
    body = out.replace("\x1b[", "§")  # the table's own colours are fine; count what is left
    assert "\x1b" not in body and "\u202e" not in out
    rows = [line for line in out.splitlines() if "participant-join" in line]
    assert len(rows) == 2 and all("\n" not in r for r in rows)
    if "\n" in name:  # a forged line cannot appear as a line of its own
        assert not any(line.lstrip().startswith("lines 0:00.0") for line in out.splitlines())


def test_hostile_jsonl_stays_one_record_per_line_with_unicode_line_breakers(tmp_path):
    text = GOOD.replace("conference: R", 'conference: "R\\u2028X\\u2029Y\\x85Z"')
    code, out, _err = cli("run", write(tmp_path, text), "--format", "jsonl")
    assert code == 0
    records = out.splitlines()  # str.splitlines breaks at U+2028, U+2029 and U+0085 too
    assert all(json.loads(r)["seq"] == i for i, r in enumerate(records))
    assert json.loads(records[1])["conference"] == "R\u2028X\u2029Y\x85Z"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_hostile_files_that_are_not_files(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for path in ("/dev/zero", str(fifo)):
        code, out, err = cli("run", path)
        assert (code, out) == (2, "") and "not a regular file" in err
    folder = tmp_path / "dir"
    folder.mkdir()
    (folder / "a.yaml").symlink_to(fifo)
    (folder / "b.yaml").symlink_to("/dev/zero")
    code, out, err = cli("check", str(folder))
    assert (code, out) == (2, "") and err.count("not a regular file") == 2


@pytest.mark.parametrize(
    "argv",
    [["check", "-j", "100000"], ["check", "-j", "9" * 20], ["run", "--hearing", "9" * 5000],
     ["run", "--seed", "9" * 5000], ["explore", "--examples", "9" * 50]],
)  # fmt: skip
def test_hostile_options_are_bounded(tmp_path, argv):
    path = write(tmp_path, GOOD)
    with pytest.raises(SystemExit) as exit_info, guard():
        main([argv[0], path, *argv[1:]] if argv[0] != "explore" else argv)
    assert exit_info.value.code == 2


def test_hostile_validate_prints_no_success_when_any_file_is_bad(tmp_path):
    good, bad = write(tmp_path, GOOD, "good.yaml"), write(tmp_path, "calls: []\n", "bad.yaml")
    code, out, err = cli("validate", good, bad)
    assert (code, out) == (2, "") and "bad.yaml:1" in err


def test_hostile_a_long_quiet_loop_says_so_and_ends(tmp_path):
    text = "until: 720h\ncalls:\n  - {name: a, cxml: '<Response><Pause length=\"1\"/><Redirect/></Response>'}\n"
    code, out, _err = cli("run", write(tmp_path, text), "--format", "jsonl")
    events = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [e["event"] for e in events] == ["call-start", "document-invalid"]
    assert "looped (Redirect) 1000 times" in events[1]["params"]["reason"]


@pytest.mark.parametrize("command", ["check", "run"])
def test_hostile_any_locale_output_works_in_latin_1(tmp_path, command):
    text = (
        'name: "Zürich ☎ call"\n'
        + GOOD.replace("conference: R", "conference: Café☕")
        + ("expect:\n  timeline:\n    - 999 conference-start\n")
    )
    path = write(tmp_path, text)
    argv = [sys.executable, "-m", "conference_sim", command, path]
    if command == "run":
        argv += ["--format", "jsonl"]
    env = {**os.environ, "PYTHONIOENCODING": "latin-1", "LC_ALL": "C", "PYTHONUTF8": "0"}
    proc = subprocess.run(argv, capture_output=True, env=env, timeout=60)
    assert proc.returncode == (1 if command == "check" else 0), proc.stderr
    if command == "run":  # JSONL is UTF-8 bytes whatever the locale
        first = json.loads(proc.stdout.decode("utf-8").splitlines()[1])
        assert first["conference"] == "Café☕"
    else:
        assert b"x '999 conference-start'" in proc.stdout and b"Traceback" not in proc.stderr


# -- the fuzzer -----------------------------------------------------------------------------------
SCENARIOS = [yaml.safe_load(p.read_text()) for p in sorted((ROOT / "scenarios").glob("*.yaml"))]
SCENARIOS = [s for s in SCENARIOS if "app" not in s]  # (the app's own behaviour is not fuzzed)
NASTY = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**30), 10**30), st.floats(allow_nan=True),
    st.text(max_size=30), st.sampled_from(["\x1b[2J", "[/]", "\u2028", "\x00", "1e308", "-5", "9" * 40]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)  # fmt: skip


def paths(data, prefix=()):
    """Every (path, value) inside a scenario's data."""
    yield prefix, data
    if isinstance(data, dict):
        for k, v in data.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from paths(v, (*prefix, i))


def put(data, path, value):
    if not path:
        return value
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def remove(data, path):
    if path:
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return data


@st.composite
def mutated(draw):
    """A bundled scenario, structurally mutated a few times, as YAML text."""
    import copy

    data = copy.deepcopy(draw(st.sampled_from(SCENARIOS)))
    for _ in range(draw(st.integers(1, 4))):
        places = [p for p, _ in paths(data) if p]
        if not places:
            break
        place = draw(st.sampled_from(places))
        how = draw(st.sampled_from(["delete", "replace", "nest", "unicode"]))
        if how == "delete":
            data = remove(data, place)
        elif how == "replace":
            data = put(data, place, draw(NASTY))
        elif how == "nest":
            data = put(data, place, [[[[[[draw(NASTY)]]]]]] * draw(st.integers(1, 2)))
        else:
            data = put(data, place, draw(st.text(min_size=1, max_size=20)))
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    if draw(st.integers(0, 9)) == 0:  # text-level: an alias, a tag, a deep run of brackets
        text += draw(
            st.sampled_from(
                ["x: &a [1]\ny: *a\n", "seed: !!int z\n", "z: " + "[" * 60 + "]" * 60 + "\n"]
            )
        )
    return text


FUZZ_EXAMPLES = int(os.environ.get("CONFERENCE_SIM_FUZZ_EXAMPLES", "2000"))


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))  # fmt: skip
@given(mutated())
def test_fuzz_mutated_scenarios_never_break_validate_run_or_check(tmp_path_factory, text):
    path = str(tmp_path_factory.getbasetemp() / "fuzz.yaml")
    Path(path).write_text(text, encoding="utf-8")
    outputs = {}
    for command in ("validate", "run", "check"):
        argv = [command, path] + (["--format", "jsonl"] if command == "run" else [])
        code, out, err = cli(*argv)
        assert code in (0, 1, 2), (command, code, err)
        assert "\x1b" not in err and "Traceback" not in err
        outputs[command] = code
        if command == "run" and code == 0:
            for line in out.splitlines():
                json.loads(line)  # one record per line
    assert (
        (outputs["validate"] == 2) == (outputs["run"] == 2) == (outputs["check"] == 2)
    )  # one loader


@pytest.mark.parametrize("case", sorted(CORPUS), ids=sorted(CORPUS))
def test_hostile_corpus_in_a_latin_1_locale(tmp_path, case):
    """The same corpus, in a fresh process whose terminal is Latin-1: exit 2, one line."""
    path = write(tmp_path, CORPUS[case])
    env = {**os.environ, "PYTHONIOENCODING": "latin-1", "LC_ALL": "C", "PYTHONUTF8": "0"}
    proc = subprocess.run(
        [sys.executable, "-m", "conference_sim", "run", path, "--format", "table"],
        capture_output=True, env=env, timeout=30,
    )  # fmt: skip
    assert (proc.returncode, proc.stdout) == (2, b"")
    assert proc.stderr.count(b"\n") == 1 and b"Traceback" not in proc.stderr
