"""Issue 23: the README and the documentation site say what is true, and stay inside the
repository.

* every block marked ``<!-- output of: COMMAND -->`` is what COMMAND prints now;
* no link points outside the repository, and every relative link names a file that exists;
* no page speaks of the machine it was measured on;
* the README is short, and its first screen shows the two commands and what ``make run`` prints;
* the command-line reference, made from the parser, lists every command and option.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conference_sim.options import build_parser

ROOT = Path(__file__).parent.parent
PAGES = sorted([ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").rglob("*.md")])
MARKED = re.compile(r"<!-- output of: (?P<command>.+?) -->\n```\w*\n(?P<body>.*?)```", re.S)
# Hosts a page may name: the example hosts of scenarios, and the loopback of serve.
EXAMPLE_HOSTS = re.compile(r"^(?:[\w-]+\.)*example(?::\d+)?$|^127\.0\.0\.1(?::\w+)?$|^localhost")


def ids(path: Path) -> str:
    return str(path.relative_to(ROOT))


def printed(command: str) -> str:
    """What a documented command prints, run as a reader would from the top folder."""
    bin_dir = Path(sys.executable).parent
    argv = command.split()
    if argv[:2] == ["make", "run"]:  # what `make run` runs once .venv exists
        argv = ["conference-sim", "run", "scenarios/01-simple.yaml", "--format", "table"]
    argv[0] = str(bin_dir / argv[0])
    env = {**os.environ, "COLUMNS": "100"}
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, env=env, check=False)
    return done.stdout


@pytest.mark.parametrize("page", [p for p in PAGES if "<!-- output of:" in p.read_text()], ids=ids)
def test_docs_every_shown_output_is_what_the_command_prints(page):
    blocks = list(MARKED.finditer(page.read_text(encoding="utf-8")))
    assert blocks
    for block in blocks:
        command, body = block["command"], block["body"]
        shown = body.removeprefix(f"$ {command}\n")
        assert shown == printed(command), f"{ids(page)}: the output of {command!r} changed"


@pytest.mark.parametrize("page", PAGES, ids=ids)
def test_docs_no_link_points_outside_the_repository(page):
    text = page.read_text(encoding="utf-8")
    for host in re.findall(r"\b[a-z][a-z0-9+.-]*://([^/\s)`\"'<>]+)", text):
        assert EXAMPLE_HOSTS.match(host), f"{ids(page)} names the host {host}"
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        path = target.split("#")[0]
        if not path:
            continue
        resolved = (page.parent / path).resolve()
        assert resolved.is_relative_to(ROOT), f"{ids(page)} links outside: {target}"
        assert resolved.exists(), f"{ids(page)} links to a missing file: {target}"


@pytest.mark.parametrize("page", PAGES, ids=ids)
def test_docs_no_page_speaks_of_the_machine_it_was_measured_on(page):
    text = page.read_text(encoding="utf-8").lower()
    said = re.findall(r"this machine|shared machine|on \w+ cores|workplace|\.\./shared", text)
    assert said == [], f"{ids(page)}: {said}"


def test_docs_the_readme_is_short_and_its_first_screen_shows_the_two_commands_and_make_run():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 220
    first_screen = "\n".join(lines[:60])
    assert "make run" in first_screen and "make test" in first_screen
    assert "<!-- output of: make run -->" in first_screen
    assert "conference-start" in first_screen  # the output itself, not only its marker


def test_docs_the_cli_reference_lists_every_command_and_option():
    spec = importlib.util.spec_from_file_location(
        "cli_reference", ROOT / "docs" / "hooks" / "cli_reference.py"
    )
    assert spec is not None and spec.loader is not None
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    page = hook.on_page_markdown((ROOT / "docs" / "reference" / "cli.md").read_text(), None)
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():
        assert f"## `conference-sim {name}`" in page
        for action in command._actions:
            for option in action.option_strings:
                if option in ("-h", "--help"):
                    continue
                assert f"`{option}`" in page, f"{name} {option}"


QUOTED = re.compile(r"```\w*\n# (?P<path>docs/tutorial/[\w.-]+)\n(?P<body>.*?)```", re.S)


def test_docs_the_tutorials_files_are_quoted_as_they_are():
    text = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
    quoted = list(QUOTED.finditer(text))
    assert len(quoted) >= 3
    for block in quoted:
        if "(the end of it)" in block["path"]:
            continue
        assert block["body"] == (ROOT / block["path"]).read_text(encoding="utf-8"), block["path"]
