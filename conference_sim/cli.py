"""The ``conference-sim`` command line (SPEC 6): run, check, validate, shell, explore, serve,
accounts.

Bad input is one message on stderr naming the file and line, exit status 2, nothing on stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from . import options
from .errors import InputError
from .output.safe import fits, utf8, visible


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # any locale: what cannot be encoded is escaped
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    args = options.build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return cmd_run(args)
        if args.command == "validate":
            return cmd_validate(args)
        if args.command == "check":
            return cmd_check(args)
        if args.command == "explore":
            return cmd_explore(args)
        if args.command == "serve":
            return cmd_serve(args)
        if args.command == "accounts":
            return cmd_accounts(args)
        if args.command == "shell":
            return cmd_shell(args)
    except InputError as err:
        sys.stderr.write(f"conference-sim: {visible(str(err))}\n")
        for line in getattr(err, "details", ()):  # (a command's last lines of output)
            sys.stderr.write(f"  | {visible(line)}\n")
        return 2
    except BrokenPipeError:
        return 0
    except Exception as err:  # a bug in conference-sim, not bad input
        if os.environ.get("CONFERENCE_SIM_DEBUG"):
            raise
        sys.stderr.write(
            f"conference-sim: internal error ({type(err).__name__}: {err}). This is a bug in "
            "conference-sim; set CONFERENCE_SIM_DEBUG=1 to see the traceback.\n"
        )
        return 3
    return 2  # pragma: no cover - argparse requires a command


def cmd_run(args: argparse.Namespace) -> int:
    from .model import Scenario

    scenario = Scenario.from_file(args.scenario)
    with served(args, scenario):
        return run_with(args, scenario)


def served(args: argparse.Namespace, scenario: Any) -> Any:
    """The REST API on a port and the app's process, around the runs (--api-port, ...)."""
    from .served import around_runs

    return around_runs(
        scenario,
        app=args.app,
        api_port=args.api_port,
        app_command=args.app_command,
        app_timeout=args.app_timeout,
        https=args.https,
    )


def cmd_shell(args: argparse.Namespace) -> int:
    from .model import Scenario
    from .shell import main as shell_main

    if args.scenario is None:
        if args.api_port is not None or args.app_command is not None or args.https:
            raise InputError(
                "needs a scenario file: conference-sim shell FILE --api-port PORT",
                where="--api-port, --app-command, --https",
            )
        return shell_main(None, app=args.app)
    with served(args, Scenario.from_file(args.scenario)):
        return shell_main(args.scenario, app=args.app)


def run_with(args: argparse.Namespace, scenario: Any) -> int:
    from .app import connect
    from .runner import Simulation
    from .timeparse import clock

    transport = connect(scenario, args.app, where="--app")  # before any output
    fmt = args.format or ("table" if sys.stdout.isatty() else "jsonl")
    sinks = [output_sink(fmt, args, scenario)]
    if args.html:
        from .output.html import HtmlSink

        try:
            html_file = open(args.html, "w", encoding="utf-8")  # noqa: SIM115 - closed by the run
        except OSError as err:
            raise InputError(
                f"cannot write {err.strerror}", path=args.html, where="--html"
            ) from None
        sinks.append(HtmlSink(html_file, title=scenario.name))
    sim = Simulation(
        scenario,
        sinks=sinks,
        seed=args.seed,
        until_ms=args.until,
        shuffle_ties=args.shuffle_ties,
        transport=transport,
        pace=args.pace,
    )
    if not args.hearing:
        if sys.stderr.isatty() and args.pace is None:  # a long run on a terminal: how far
            from .output.progress import run_with_progress

            run_with_progress(sim, sys.stderr)
        else:
            sim.run()
        return 0
    snapshots = []
    for t_ms in sorted(args.hearing):
        sim.advance(t_ms)
        snapshots.append((t_ms, sim.hearing()))
    sim.run()
    out = sys.stderr if fmt == "jsonl" else sys.stdout  # never mixed into the JSONL
    for t_ms, hearing in snapshots:
        out.write(f"\nwho hears whom at {clock(t_ms)}\n")
        width = max(len(name) for name in hearing)
        for name, h in hearing.items():
            where = f" in {h.conference}" if h.conference else ""
            out.write(visible(f"  {name:<{width}}  {h.state}{where}: {h.describe()}") + "\n")
    return 0


def output_sink(fmt: str, args: argparse.Namespace, scenario: Any) -> Any:
    """The sink that prints the run in the chosen format."""
    if fmt == "jsonl":
        from .output.sinks import JsonlSink

        return JsonlSink(utf8(sys.stdout))  # JSONL is UTF-8 whatever the locale
    if fmt == "mermaid":
        from .output.mermaid import MermaidSink

        return MermaidSink(utf8(sys.stdout))
    if fmt == "html":
        from .output.html import HtmlSink

        return HtmlSink(utf8(sys.stdout), title=scenario.name)
    from .output.table import TableSink

    color = {"auto": None, "always": True, "never": False}[args.color]
    return TableSink(sys.stdout, color=color, title=scenario.name, wide=args.wide)


def cmd_accounts(args: argparse.Namespace) -> int:
    import json

    from .credentials import credentials, environment
    from .model import Scenario

    scenario = Scenario.from_file(args.scenario)
    if args.format == "env":
        for name, value in environment(scenario, seed=args.seed).items():
            sys.stdout.write(f"{name}={value}\n")
        return 0
    creds = credentials(scenario, seed=args.seed)
    if args.format == "json":
        rows = [
            {
                "account": c.account,
                "sid": c.sid,
                "auth_token": c.auth_token,
                "api_keys": [{"sid": k.sid, "secret": k.secret} for k in c.api_keys],
            }
            for c in creds
        ]
        sys.stdout.write(json.dumps({"dialect": scenario.dialect.name, "accounts": rows}) + "\n")
        return 0
    sys.stdout.write(f"dialect: {scenario.dialect.name}\n")
    width = max(len(c.account) for c in creds)
    for c in creds:
        keys = "".join(f"  key {k.sid} secret {k.secret}" for k in c.api_keys)
        line = f"{c.account:<{width}}  {c.sid}  token {c.auth_token}{keys}"
        sys.stdout.write(visible(line) + "\n")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .app import connect
    from .events import CaptureSink
    from .model import Scenario
    from .rest.serve import serve
    from .runner import Simulation

    if args.golden and not args.check:
        raise InputError(
            "compares the timeline once the run has ended: add --check", where="--golden"
        )
    if args.ca_file is not None and not args.https:
        raise InputError("is the CA file of --https's certificate: add --https", where="--ca-file")
    scenario = Scenario.from_file(args.scenario)
    transport = connect(scenario, args.app, where="--app")
    sink = CaptureSink()
    sim = Simulation(scenario, sinks=[sink], transport=transport)
    token = args.token if args.token is not None else os.environ.get("CONFERENCE_SIM_TOKEN")
    status = serve(
        sim,
        sink,
        host=args.host,
        port=args.port,
        quiet=args.quiet,
        token=token or None,
        https=args.https,
        ca_file=args.ca_file,
        stop_when_finished=args.check,
    )
    if not args.check:
        return status
    from .check.checking import Outcome, judge
    from .check.diffs import Failure

    if not sim.finished:  # stopped before the run ended: nothing to judge it by
        ended = Failure("serve", "serve: stopped before the run ended (POST /_sim/run ends it)")
        outcome = Outcome(args.scenario, scenario.name, "fail", (ended,))
    elif scenario.expect is None and not args.golden:
        outcome = Outcome(args.scenario, scenario.name, "skip", note="no expect block")
    else:
        outcome = judge(scenario, sink.events, golden=args.golden)
    args.color = "auto"
    return report(args, [outcome])


def cmd_validate(args: argparse.Namespace) -> int:
    from .model import Scenario

    errors = []
    for path in args.scenarios:
        try:
            Scenario.from_file(path)
        except InputError as err:
            errors.append(f"conference-sim: {visible(str(err))}\n")
    if errors:  # nothing on stdout that could pass for success
        sys.stderr.write("".join(errors))
        return 2
    sys.stdout.write("".join(f"{visible(path)}: ok\n" for path in args.scenarios))
    return 0


def scenario_files(paths: Sequence[str]) -> list[str]:
    """Files as given; directories expand to their *.yaml / *.yml files, sorted."""
    from pathlib import Path

    out: list[str] = []
    for path in paths:
        p = Path(path)
        if p.is_dir():
            out += sorted(str(f) for f in p.rglob("*") if f.suffix in (".yaml", ".yml"))
        else:
            out.append(path)
    return out


def cmd_check(args: argparse.Namespace) -> int:
    """Each scenario is loaded once, in the process that checks it; any that does not load
    (or whose app cannot be attached) is bad input: its error, nothing on stdout, exit 2."""
    from .check.checking import check_path

    files = scenario_files(args.scenarios)
    if not files:
        raise InputError("no scenario files (*.yaml, *.yml) found", path=" ".join(args.scenarios))
    if args.update:  # golden files are only written when every file is good
        errors = [e for e in map(load_error, files) if e]
        if errors:
            sys.stderr.write("".join(errors))
            return 2
    options = [args.golden or args.update, args.update, args.shuffle_ties, args.app, args.html_dir]
    if args.api_port is not None or args.app_command is not None or args.https or args.pace:
        from .model import Scenario

        # one REST port and one app for every file (or a paced clock): one at a time
        with served(args, Scenario.from_file(files[0])):
            outcomes = [check_path(f, *options, pace=args.pace) for f in files]
        return finish_check(args, outcomes)
    cores = os.cpu_count() or 1
    jobs = min(args.jobs or (cores if len(files) >= 20 else 1), len(files))
    if jobs > 1:
        from .check.pool import Pool

        golden, update, shuffle_ties, app, html_dir = options
        pool = Pool(
            files,
            [bool(golden)] * len(files),
            jobs,
            update=update,
            shuffle_ties=shuffle_ties,
            app=app,
            html_dir=html_dir,
        )
        try:
            outcomes = pool.outcomes()
        finally:
            pool.close()
    else:
        outcomes = [check_path(f, *options) for f in files]
    return finish_check(args, outcomes)


def finish_check(args: argparse.Namespace, outcomes: list[Any]) -> int:
    errors = [f"conference-sim: {visible(o)}\n" for o in outcomes if isinstance(o, str)]
    if errors:  # bad input: say so, and nothing that could pass for a result
        sys.stderr.write("".join(errors))
        return 2
    return report(args, outcomes)  # type: ignore[arg-type]


def load_error(path: str) -> str | None:
    from .model import Scenario

    try:
        Scenario.from_file(path)
    except InputError as err:
        return f"conference-sim: {visible(str(err))}\n"
    return None


def report(args: argparse.Namespace, outcomes: list[Any]) -> int:
    color = {"auto": sys.stdout.isatty(), "always": True, "never": False}[args.color]
    paint = (lambda text, code: f"\033[{code}m{text}\033[0m") if color else (lambda t, _c: t)
    ascii_marks = not fits(sys.stdout, "✓✗")
    counts = {"pass": 0, "fail": 0, "skip": 0}
    marks = {"pass": ("PASS", "32"), "fail": ("FAIL", "31"), "skip": ("SKIP", "33")}
    for o in outcomes:  # in file order, whatever order the workers finished in
        counts[o.status] += 1
        word, code = marks[o.status]
        note = f": {o.note}" if o.note else ""
        sys.stdout.write(f"{paint(word, code)} {visible(f'{o.path} ({o.name}){note}')}\n")
        for failure in o.failures:
            text = failure.render(color, ascii_marks=ascii_marks)
            sys.stdout.write("  " + text.replace("\n", "\n  ") + "\n")
    skipped = f", {counts['skip']} skipped" if counts["skip"] else ""
    sys.stdout.write(f"{counts['pass']} passed, {counts['fail']} failed{skipped}\n")
    return 1 if counts["fail"] else 0


def cmd_explore(args: argparse.Namespace) -> int:
    from .check.explore import explore, write_finding

    options = f"--examples {args.examples} --seed {args.seed} --profile {args.profile}"
    if args.shuffle_ties is not None:
        options += f" --shuffle-ties {args.shuffle_ties}"
    finding = explore(
        examples=args.examples,
        seed=args.seed,
        profile=args.profile,
        shuffle_ties=args.shuffle_ties,
    )
    if finding is None:
        sys.stdout.write(f"{args.examples} random scenarios ({options}): every invariant held\n")
        return 0
    try:
        write_finding(
            finding,
            args.out,
            command=f"conference-sim explore {options}",
            shuffle_ties=args.shuffle_ties,
        )
    except OSError as err:
        raise InputError(f"cannot write the finding: {err.strerror}", path=args.out) from None
    sys.stdout.write(f"invariant violated: {finding.violations[0]}\n")
    calls = len(finding.data.get("calls", []))
    actions = len(finding.data.get("actions", []))
    sys.stdout.write(
        f"smallest scenario found ({calls} call(s), {actions} action(s)) written to {args.out}\n"
    )
    return 1
