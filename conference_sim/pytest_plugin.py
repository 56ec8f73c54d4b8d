"""The pytest plugin (entry point ``pytest11``): scenario files as test items, and a fixture.

* Files matching the ini option ``conference_sim_scenarios`` (globs relative to the rootdir;
  default ``scenarios/**/*.yaml`` and ``scenarios/**/*.yml``) are collected. Each is one test
  item named after its scenario (``name:`` or the file stem), so ``-k`` selects by name.
* The item runs the scenario and checks its ``expect`` block, and its golden timeline when a
  ``FILE.golden.jsonl`` lies beside it. A failure reads as the same diff ``conference-sim check``
  prints; a scenario that does not load is a collection error with file and line.
* ``--conference-sim-jobs N`` (ini ``conference_sim_jobs``; ``auto``: one per core) checks the
  selected files in N forked workers from the start of the run; the items report their
  answers in order, exactly as a serial run would (not under pytest-xdist).
* The ``conference_sim`` fixture gives the Python API, with paths relative to the rootdir.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

try:
    import pytest
except ImportError as err:  # imported by hand on a runtime-only install: say what to type
    raise ImportError(
        "conference_sim.pytest_plugin is a pytest plugin, and pytest is not installed: "
        "pip install pytest"
    ) from err

from .errors import InputError
from .load.files import read_text

if TYPE_CHECKING:
    from .api.builder import ScenarioBuilder
    from .check.checking import Outcome
    from .check.pool import Pool
    from .model import Scenario

DEFAULT_GLOBS = ["scenarios/**/*.yaml", "scenarios/**/*.yml"]
INI = "conference_sim_scenarios"
JOBS_INI = "conference_sim_jobs"
POOL: pytest.StashKey[Pool | None] = pytest.StashKey()  # the run's pool (--conference-sim-jobs)
JOBS: pytest.StashKey[int] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--conference-sim-html",
        metavar="DIR",
        default=None,
        help="write each failing scenario's HTML timeline to DIR (CI artefacts)",
    )
    parser.addoption(
        "--conference-sim-jobs",
        metavar="N",
        default=None,
        help="check the scenario files in N worker processes ('auto': one per core) while "
        "pytest reports them in order (ignored under pytest-xdist)",
    )
    parser.addini(
        JOBS_INI,
        default="1",
        help="like --conference-sim-jobs: worker processes for scenario files (default 1)",
    )
    parser.addini(
        INI,
        type="linelist",
        default=DEFAULT_GLOBS,
        help="globs (relative to the rootdir) of scenario files to collect as tests",
    )


@functools.cache  # every file collected asks for the same few globs
def glob_regex(glob: str) -> re.Pattern[str]:
    """``**/`` is any number of directories, ``*`` and ``?`` stay within one path part."""
    out, i = "", 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out, i = out + "(?:[^/]+/)*", i + 3
        elif glob.startswith("**", i):
            out, i = out + ".*", i + 2
        elif glob[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif glob[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(glob[i]), i + 1
    return re.compile(out + r"\Z")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    config = parent.config
    try:
        rel = file_path.relative_to(config.rootpath).as_posix()
    except ValueError:
        return None
    if any(glob_regex(g).match(rel) for g in config.getini(INI)):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def load_engine() -> None:
    """The model, the loader and the engine, imported when pytest is configured: one copy of
    each for the whole session, before any test runs, even one that runs pytest in-process
    (pytester restores sys.modules, and libyaml's C module cannot be loaded twice)."""
    from .api import builder  # noqa: F401
    from .check import checking, golden  # noqa: F401
    from .engine import core  # noqa: F401
    from .load import scenario  # noqa: F401


def jobs_of(config: pytest.Config) -> int:
    value = config.getoption("--conference-sim-jobs") or config.getini(JOBS_INI)
    text = str(value).strip().lower()
    if text == "auto":
        return os.cpu_count() or 1
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise pytest.UsageError(
            f"--conference-sim-jobs / {JOBS_INI}: expected a number of worker processes "
            f"from 1 to 64, or 'auto'; got {value!r}"
        )
    return int(text)


def pytest_configure(config: pytest.Config) -> None:
    config.stash[JOBS] = jobs_of(config)  # a bad value stops the run before collection
    if not xdist_controller(config):  # which runs no item: its workers start sooner
        load_engine()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, None, None]:
    """With --conference-sim-jobs N, every selected scenario item is checked in N forked
    workers from the start of the run; each item then reports its file's answer, in order.
    Under pytest-xdist (a worker, or the controller that runs no item) there is no pool."""
    config = session.config
    jobs = config.stash.get(JOBS, 1)
    items = [i for i in session.items if isinstance(i, ScenarioItem)]
    pool = None
    if jobs > 1 and len(items) > 1 and not xdist_active(config):
        from .check.golden import golden_path
        from .check.pool import Pool

        html_dir = config.getoption("--conference-sim-html")
        pool = Pool(
            [str(i.path) for i in items],
            [golden_path(i.path).exists() for i in items],
            min(jobs, len(items)),
            html_dir=html_dir,
        )
        for n, item in enumerate(items):
            item.pooled = n
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None and reporter.verbosity >= 0:
            reporter.write_line(
                f"conference-sim: {len(items)} scenarios checked in {min(jobs, len(items))} "
                "worker processes"
            )
    config.stash[POOL] = pool
    try:
        yield
    finally:
        config.stash[POOL] = None
        if pool is not None:
            pool.close()


def xdist_controller(config: pytest.Config) -> bool:
    """pytest-xdist's controller: it hands the items to its workers and runs none itself."""
    return not hasattr(config, "workerinput") and config.getoption("dist", "no") != "no"


def xdist_active(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput") or xdist_controller(config)


class Unloadable(Exception):
    """A scenario file a pool worker could not load: its one-line error."""


class ScenarioFile(pytest.File):
    def collect(self) -> list[pytest.Item]:
        """Cheap: the item's name and its expect line are read off the text; the scenario is
        loaded when the item runs, in the process that runs it (each xdist worker collects
        every file, but parses only its own)."""
        text = read_text(self.path)
        name = top_level_name(text) or self.path.stem
        return [ScenarioItem.from_parent(self, name=name, line=expect_line(text))]

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # type: ignore[override]
        if isinstance(excinfo.value, InputError):
            return f"conference-sim: {excinfo.value}"
        return super().repr_failure(excinfo)


class ScenarioFailed(Exception):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.path)
        self.outcome = outcome


class ScenarioItem(pytest.Item):
    def __init__(self, *, line: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.line = line
        self.pooled: int | None = None  # this file's place in the run's pool, if any

    def runtest(self) -> None:
        pool = self.config.stash.get(POOL, None)
        if pool is not None and self.pooled is not None:
            answer = pool.outcome(self.pooled)
            if isinstance(answer, str):
                raise Unloadable(answer)
            outcome = answer
        else:
            from .check.checking import check_scenario
            from .check.golden import golden_path
            from .model import Scenario

            scenario = Scenario.from_file(self.path)
            outcome = check_scenario(
                scenario,
                golden=golden_path(self.path).exists(),
                html_dir=self.config.getoption("--conference-sim-html"),
            )
        if outcome.status == "skip":
            pytest.skip(f"{self.path.name}: {outcome.note}")
        if outcome.status == "fail":
            raise ScenarioFailed(outcome)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:  # type: ignore[override]
        if isinstance(excinfo.value, ScenarioFailed):
            color = self.config.get_terminal_writer().hasmarkup
            failures = excinfo.value.outcome.failures
            _, line, _ = self.reportinfo()
            path = self.path.relative_to(self.config.rootpath).as_posix()
            head = f"{path}:{line + 1}: scenario {self.name!r}: expectations failed"
            return "\n".join([head, *(f.render(color) for f in failures)])
        if isinstance(excinfo.value, InputError | Unloadable):  # the file does not load
            return f"conference-sim: {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.line, f"scenario: {self.name}"


NAME_LINE = re.compile(r"^name:[ \t]*(.*?)[ \t]*(?:#.*)?$", re.MULTILINE)


def top_level_name(text: str) -> str | None:
    """The scenario's ``name:`` as written at the top level (quotes removed), if simple."""
    found = NAME_LINE.search(text)
    if found is None:
        return None
    value = found.group(1)
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return value or None


def expect_line(text: str) -> int:
    """0-based line of the ``expect:`` key (the top of the file when there is none)."""
    for i, line in enumerate(text.splitlines()):
        if line.startswith("expect:"):
            return i
    return 0


class ConferenceSim:
    """What the ``conference_sim`` fixture gives: the Python API, paths from the rootdir."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, path: str | Path) -> Path:
        p = Path(path)
        return p if p.is_absolute() else self.root / p

    def load(self, path: str | Path) -> Scenario:
        """A scenario file, validated (``Scenario``)."""
        from .model import Scenario

        return Scenario.from_file(self.path(path))

    def scenario(self, name: str | None = None, **options: Any) -> ScenarioBuilder:
        """A fresh :class:`~conference_sim.builder.ScenarioBuilder`."""
        from .api.builder import ScenarioBuilder

        return ScenarioBuilder(name, **options)

    def run(self, source: Any, **options: Any) -> Any:
        """Run a builder, Scenario, dict or file path; returns a ``Timeline``."""
        from .api.builder import run

        if isinstance(source, str | Path):
            source = self.path(source)
        return run(source, **options)


@pytest.fixture
def conference_sim(request: pytest.FixtureRequest) -> ConferenceSim:
    """The conference-sim Python API (run, scenario builder, load), rooted at the rootdir."""
    return ConferenceSim(request.config.rootpath)
