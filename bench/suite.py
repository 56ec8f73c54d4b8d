"""Benchmark: a suite of 1 000 small scenarios, run serially and on 2 cores, by
``conference-sim check`` and by the pytest plugin (under pytest-xdist, and with its own
``--conference-sim-jobs``), pytest's own floor (as many empty tests, serially and under
pytest-xdist), and the start-up time of a small ``conference-sim run`` (issue 16).
Every figure is measured in this one run: each the median of several rounds, the commands
compared with each other run in turn in every round.

    python bench/suite.py [--scenarios 1000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parent.parent
# As users run it: Python caches compiled modules (and pytest its rewritten ones). This
# workplace sets PYTHONDONTWRITEBYTECODE, which makes every start compile everything again.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
TEMPLATE = """name: suite {i}
calls:
  - name: a
    conference: R{i}
    hangup: {h}
    speech: [[5, 9]]
    attributes:
      statusCallback: https://app.example/cb
      statusCallbackEvent: start end join leave
  - {{name: b, at: {b}, conference: R{i}, hangup: 90}}
actions:
  - {{at: 20, mute: b}}
expect:
  timeline:
    - {b} conference-start
    - 20 participant-mute b
  never: [recording-completed]
"""


def write_suite(folder: Path, n: int) -> None:
    for i in range(n):
        text = TEMPLATE.format(i=i, h=60 + i % 30, b=2 + i % 5)
        (folder / f"s{i:04d}.yaml").write_text(text)
    (folder / "pytest.ini").write_text("[pytest]\nconference_sim_scenarios = *.yaml\n")


def write_empty_suite(folder: Path, n: int) -> None:
    """pytest's own floor: as many test files, each one empty test, and no plugin of ours."""
    for i in range(n):
        (folder / f"test_{i:04d}.py").write_text("def test_empty():\n    pass\n")
    (folder / "pytest.ini").write_text("[pytest]\n")


def interleaved(commands: list[tuple[str, list[str]]], cwd: Path, rounds: int) -> list[float]:
    """The median wall time of each command over ``rounds`` rounds, the commands in turn in each
    round (so that what else the machine does falls on all of them alike), after one warm run
    of each (caches written once)."""
    for _label, argv in commands:
        subprocess.run(argv, cwd=cwd, capture_output=True, env=ENV)
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(rounds):
        for i, (_label, argv) in enumerate(commands):
            start = time.perf_counter()
            proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=ENV)
            times[i].append(time.perf_counter() - start)
            if proc.returncode != 0:
                raise SystemExit(
                    f"{' '.join(argv)} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
                )
    return [statistics.median(t) for t in times]


def timed_rows(
    commands: list[tuple[str, list[str]]], cwd: Path, rounds: int
) -> list[tuple[str, float]]:
    labels = [label for label, _ in commands]
    return list(zip(labels, interleaved(commands, cwd, rounds), strict=True))


RUNTIME_IMPORTS = (
    "import simpy, attrs, structlog, yaml, defusedxml, rich, hypothesis, httpx, werkzeug, orjson"
)


def startup(script: str, repeats: int = 15) -> float:
    """Median wall time of the console script on the smallest bundled scenario."""
    argv = [script, "run", str(ROOT / "scenarios" / "01-simple.yaml"), "--format", "jsonl"]
    return median_time(argv, repeats)


def median_time(argv: list[str], repeats: int = 15) -> float:
    subprocess.run(argv, capture_output=True, check=True, env=ENV)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True, env=ENV)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def pip(python: Path, *args: str) -> None:
    argv = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args]
    subprocess.run(argv, check=True, env=ENV, stderr=subprocess.DEVNULL)


def runtime_only_python() -> str:
    """A venv with conference-sim and its runtime dependencies only (what `pip install` gives),
    kept in .bench-venv: the development venv's ~100 extra packages slow every import."""
    venv = ROOT / ".bench-venv"
    python = venv / "bin" / "python"
    stamp = venv / ".stamp"
    source = (ROOT / "pyproject.toml").stat().st_mtime
    if not stamp.exists() or stamp.stat().st_mtime < source:
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip(python, str(ROOT))
        stamp.touch()
    else:  # the code may have changed since: reinstall it only (no dependency work)
        pip(python, "--no-deps", "--force-reinstall", str(ROOT))
    return str(python)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=1000)
    args = parser.parse_args()
    n = args.scenarios
    cs = [sys.executable, "-m", "conference_sim", "check", "."]
    py = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts="]
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as empty_tmp:
        folder, empty = Path(tmp), Path(empty_tmp)
        write_suite(folder, n)
        write_empty_suite(empty, n)
        check = [("check, serial", [*cs, "-j", "1"]), ("check -j 2", [*cs, "-j", "2"])]
        plugin = [
            ("pytest plugin, serial", py),
            ("pytest -n 2 (xdist)", [*py, "-n", "2"]),
            ("pytest --conference-sim-jobs 2", [*py, "--conference-sim-jobs", "2"]),
        ]
        rows = timed_rows(check, folder, 11) + timed_rows(plugin, folder, 3)
        empties = [("pytest, serial", py), ("pytest -n 2 (xdist)", [*py, "-n", "2"])]
        floor = timed_rows(empties, empty, 3)
    cores = os.cpu_count()
    print(f"suite: {n} small scenarios (2 calls, a REST mute, an expect each), {cores} cores;")
    print("each figure the median of its rounds (check: 11, pytest: 3), the rows run in turn")
    print()
    print(f"{'how':<31} {'wall s':>7} {'scenarios/s':>12} {'vs serial':>10}")
    for i, (label, seconds) in enumerate(rows):
        serial = rows[0 if i < 2 else 2][1]
        print(f"{label:<31} {seconds:>7.2f} {n / seconds:>12,.0f} {serial / seconds:>9.2f}x")
    print(
        f"\npytest's own floor: {n} test files of one empty test each (no scenario, no plugin work)"
    )
    for label, seconds in floor:
        print(f"{label:<31} {seconds:>7.2f} {n / seconds:>12,.0f} {floor[0][1] / seconds:>9.2f}x")
    dev = startup(str(Path(sys.executable).parent / "conference-sim"))
    python = runtime_only_python()
    user = startup(str(Path(python).parent / "conference-sim"))
    floor_s = median_time([python, "-c", RUNTIME_IMPORTS])
    bare = median_time([python, "-c", "pass"])
    print("\nstart-up of `conference-sim run` on a small scenario (median of 15, fresh process):")
    print(f"  runtime-only install: {user:.3f} s (target < 0.12)")
    print(f"  development venv:     {dev:.3f} s")
    print(f"  its floor, importing the runtime dependencies alone: {floor_s:.3f} s")
    print(f"  start-up / floor: {user / floor_s:.2f} (target <= 1.5); bare Python: {bare:.3f} s")


if __name__ == "__main__":
    main()
