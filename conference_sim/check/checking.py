"""Run one scenario and judge it: its ``expect`` block and, when asked, its golden timeline.

Shared by ``conference-sim check`` (also in worker processes with ``-j``) and the pytest plugin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from attrs import frozen

from ..model import Scenario
from .diffs import Failure
from .expect import check


@frozen
class Outcome:
    """``status`` is pass, fail or skip; ``note`` says why a scenario was skipped or updated."""

    path: str
    name: str
    status: str
    failures: tuple[Failure, ...] = ()
    note: str = ""


def check_scenario(
    scenario: Scenario,
    *,
    golden: bool = False,
    update: bool = False,
    shuffle_ties: int | None = None,
    app: str | None = None,
    html_dir: str | None = None,
    pace: float | None = None,
) -> Outcome:
    from ..app import connect
    from ..runner import capture

    path = scenario.path or "<scenario>"
    transport = connect(scenario, app, where="--app")  # an app that cannot attach: bad input
    if scenario.expect is None and not golden:
        if transport is not None:
            transport.close()  # type: ignore[attr-defined]
        return Outcome(path, scenario.name, "skip", note="no expect block")
    events = capture(scenario, shuffle_ties=shuffle_ties, transport=transport, pace=pace)
    return judge(scenario, events, golden=golden, update=update, html_dir=html_dir)


def judge(
    scenario: Scenario,
    events: list[Any],
    *,
    golden: bool = False,
    update: bool = False,
    html_dir: str | None = None,
) -> Outcome:
    """A run's events against the scenario's expect block and, when asked, its golden file."""
    from ..output.sinks import jsonl_line
    from .golden import compare, golden_path

    path = scenario.path or "<scenario>"
    failures = check(scenario.expect, events) if scenario.expect else []
    note = ""
    if golden:
        target = golden_path(path)
        actual = "".join(jsonl_line(e) + "\n" for e in events)
        try:
            if update:
                if not target.exists() or target.read_text(encoding="utf-8") != actual:
                    target.write_text(actual, encoding="utf-8")
                    note = f"wrote {target}"
            elif not target.exists():
                failures.append(
                    Failure(
                        "golden",
                        f"golden: no golden file {target}",
                        (("hint", "create it with: conference-sim check --golden --update FILE"),),
                    )
                )
            elif diff := compare(target.read_text(encoding="utf-8"), actual, target.name):
                failures.append(diff)
        except (OSError, UnicodeDecodeError) as err:
            reason = getattr(err, "strerror", None) or str(err)
            failures.append(Failure("golden", f"golden: cannot use {target}: {reason}"))
    if failures and html_dir:
        note = write_html(html_dir, scenario, events, failures) or note
    return Outcome(path, scenario.name, "fail" if failures else "pass", tuple(failures), note)


def write_html(folder: str, scenario: Scenario, events: list[Any], failures: list[Failure]) -> str:
    """A failing scenario's HTML timeline, the missing patterns marked: ``DIR/STEM.html``."""
    from ..output.html import page

    missing = [
        {"t": f.expected[0], "call": f.expected[1], "label": f.expected[2]}
        for f in failures
        if f.expected is not None
    ]
    target = Path(folder) / f"{Path(scenario.path or scenario.name).stem}.html"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page(events, scenario.name, missing), encoding="utf-8")
    except OSError as err:
        return f"cannot write {target}: {err.strerror}"
    return f"timeline in {target}"


def check_path(
    path: str,
    golden: bool,
    update: bool,
    shuffle_ties: int | None,
    app: str | None = None,
    html_dir: str | None = None,
    pace: float | None = None,
) -> Outcome | str:
    """Load and check one file (in whichever process runs it): its Outcome, or the one-line
    error when the file does not load or its app cannot be attached."""
    from ..errors import InputError

    try:
        scenario = Scenario.from_file(Path(path))
        return check_scenario(
            scenario,
            golden=golden,
            update=update,
            shuffle_ties=shuffle_ties,
            app=app,
            html_dir=html_dir,
            pace=pace,
        )
    except InputError as err:
        return str(err)
