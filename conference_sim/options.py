"""The command line: its parser, and its option values, each checked and bounded (one clear
error per bad value)."""

from __future__ import annotations

import argparse
import math
import sys

from . import __version__
from .errors import InputError


def seed(text: str) -> int:
    if not text.isdigit() or not text.isascii() or len(text) > 18:
        raise argparse.ArgumentTypeError(f"{text[:20]!r} is not a whole number from 0 to 10^18")
    return int(text)


MAX_JOBS = 64


def jobs(text: str) -> int:
    if not text.isdigit() or not text.isascii() or len(text) > 6 or not 1 <= int(text) <= MAX_JOBS:
        raise argparse.ArgumentTypeError(
            f"{text[:20]!r} is not a whole number from 1 to {MAX_JOBS}"
        )
    return int(text)


def count(text: str) -> int:
    if not text.isdigit() or not text.isascii() or len(text) > 7 or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text[:20]!r} is not a whole number from 1 to 9999999")
    return int(text)


def until(text: str) -> int:
    from .timeparse import to_ms

    try:
        ms = to_ms(text, what="--until")
    except InputError as err:
        raise argparse.ArgumentTypeError(err.message) from None
    if ms == 0:
        raise argparse.ArgumentTypeError("--until must be after 0")
    return ms


def number(text: str, low: float, high: float, refusal: str) -> float:
    """A number from ``low`` to ``high`` (which also refuses nan and inf), else ``refusal``."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{text!r} {refusal}")
    return value


def seconds(text: str) -> float:
    return number(text, 0.1, 3600, "is not allowed; allowed: 0.1 to 3600 seconds")


def pace(text: str) -> float:
    return number(text, 0.01, 1000, "is not a pace; allowed: 0.01 to 1000 (1: real time)")


def port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port; allowed: 0 to 65535")
    return int(text)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"conference-sim: error: {message}\n")
        raise SystemExit(2)


APP_HELP = (
    "your application: module:attribute (a WSGI or ASGI app, imported from the current "
    "directory or the scenario's) or http://127.0.0.1:PORT; overrides the scenario's app:"
)


def add_served(command: argparse.ArgumentParser, *, paced: bool = True) -> None:
    """--api-port, --app-command, --app-timeout: an app in any language in the loop."""
    command.add_argument(
        "--api-port",
        type=port,
        default=None,
        metavar="PORT",
        help="serve the REST API on 127.0.0.1:PORT while the run goes (0: any free port; "
        "the URL is printed on stderr and given to --app-command as CONFERENCE_SIM_API_BASE)",
    )
    command.add_argument(
        "--app-command",
        metavar="CMD",
        default=None,
        help="start your app with this shell command before the run and stop it after; "
        "--app http://127.0.0.1:PORT is where it answers (waited for). It gets PORT, "
        "CONFERENCE_SIM_API_BASE and each account's TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN "
        "(signalwire: SIGNALWIRE_PROJECT_ID/SIGNALWIRE_TOKEN) in its environment",
    )
    command.add_argument(
        "--https",
        action="store_true",
        help="serve that REST API over https, with a certificate made at start; the app gets "
        "its CA file (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE) and SIGNALWIRE_SPACE_URL, for "
        "the SignalWire SDKs, which speak https only; needs conference-sim[https]",
    )
    if paced:
        command.add_argument(
            "--pace",
            type=pace,
            default=None,
            metavar="FACTOR",
            help="paced: the simulated clock follows the wall clock at FACTOR times its speed (1: "
            "real time), so an app's own timers (sleep 4 s, then move the caller) meet the run as "
            "on the platform; the default is deterministic, as fast as it goes",
        )
    command.add_argument(
        "--app-timeout",
        type=seconds,
        default=60.0,
        metavar="S",
        help="how long --app-command's app may take to answer (default 60 s)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="conference-sim",
        description="Emulate SignalWire cXML / Twilio TwiML conference rooms on a simulated clock.",
    )
    parser.add_argument("--version", action="version", version=f"conference-sim {__version__}")
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    run = sub.add_parser("run", help="print a scenario's timeline")
    run.add_argument("scenario", metavar="SCENARIO", help="the scenario file (YAML)")
    run.add_argument("--app", metavar="APP", help=APP_HELP)
    add_served(run)
    run.add_argument(
        "--format",
        choices=("table", "jsonl", "mermaid", "html"),
        default=None,
        help="table (default on a terminal), jsonl (default otherwise), mermaid (a "
        "sequenceDiagram) or html (one self-contained page)",
    )
    run.add_argument("--html", metavar="FILE", help="also write the HTML timeline to FILE")
    run.add_argument(
        "-w", "--wide", action="store_true", help="table: each event on one line, however long"
    )
    run.add_argument("--seed", type=seed, default=None, help="override the scenario's seed")
    run.add_argument(
        "--until",
        type=until,
        default=None,
        help="stop the clock at this time (e.g. 90, 5m, 1h30m)",
    )
    run.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour in the table (auto: on a terminal)",
    )
    run.add_argument(
        "--hearing",
        type=until,
        action="append",
        default=[],
        metavar="T",
        help="after the run, print who hears whom at time T (repeatable)",
    )
    run.add_argument(
        "--shuffle-ties",
        type=seed,
        default=None,
        metavar="SEED",
        help="run same-instant steps in a seeded random order instead of file order (SPEC 8)",
    )
    check = sub.add_parser("check", help="run scenarios and check their expect blocks")
    check.add_argument(
        "scenarios", nargs="+", metavar="SCENARIO|DIR", help="scenario files, or folders of them"
    )
    check.add_argument("--app", metavar="APP", help=APP_HELP)
    add_served(check)
    check.add_argument(
        "--html-dir",
        metavar="DIR",
        help="write each failing scenario's HTML timeline to DIR (the missing events marked)",
    )
    check.add_argument(
        "--golden",
        action="store_true",
        help="also compare each timeline with FILE.golden.jsonl beside the scenario",
    )
    check.add_argument(
        "--update",
        action="store_true",
        help="write the golden files instead of comparing (implies --golden)",
    )
    check.add_argument(
        "-j",
        "--jobs",
        type=jobs,
        default=None,
        metavar="N",
        help="run N scenarios at a time (1 to 64; default: the machine's cores for 20 files "
        "or more, else 1)",
    )
    check.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour in the report (auto: on a terminal)",
    )
    check.add_argument(
        "--shuffle-ties",
        type=seed,
        default=None,
        metavar="SEED",
        help="run same-instant steps in a seeded random order (SPEC 8)",
    )
    shell = sub.add_parser(
        "shell", help="step through a scenario interactively (or commands from stdin)"
    )
    shell.add_argument("scenario", nargs="?", metavar="SCENARIO", help="start from this file")
    shell.add_argument("--app", metavar="APP", help=APP_HELP)
    add_served(shell, paced=False)
    explore = sub.add_parser(
        "explore", help="random scenarios checked by invariants; the smallest failure as a file"
    )
    serve = sub.add_parser(
        "serve",
        help="the REST API on 127.0.0.1 over a scenario; the clock moves when told",
        description="Serve the platform's REST API (SPEC 10) for SCENARIO over real HTTP. "
        "Prints 'listening on http://127.0.0.1:PORT' when ready. Move the clock with "
        "POST /_sim/advance (to=TIME) or POST /_sim/run; read GET /_sim/timeline.",
    )
    serve.add_argument("scenario", metavar="SCENARIO", help="the scenario file (YAML)")
    serve.add_argument("--port", type=port, default=0, help="the port (default 0: any free)")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="the loopback address to listen on: 127.0.0.1 (default), ::1 or localhost",
    )
    serve.add_argument("--app", metavar="APP", help=APP_HELP)
    serve.add_argument(
        "--token",
        metavar="TOKEN",
        default=None,
        help="the /_sim/ control endpoints answer only requests with 'Authorization: Bearer "
        "TOKEN' (default: $CONFERENCE_SIM_TOKEN if set, else no token)",
    )
    serve.add_argument("-q", "--quiet", action="store_true", help="no request log on stderr")
    serve.add_argument(
        "--https",
        action="store_true",
        help="serve https with a certificate made at start (its CA file is printed first: give "
        "it to your client as REQUESTS_CA_BUNDLE or NODE_EXTRA_CA_CERTS); needs "
        "conference-sim[https]",
    )
    serve.add_argument(
        "--ca-file", metavar="FILE", default=None, help="with --https: write the CA file here"
    )
    serve.add_argument(
        "--check",
        action="store_true",
        help="once the run has ended, check the scenario's expect block, print the report, stop "
        "serving and exit 0 (pass) or 1 (fail)",
    )
    serve.add_argument(
        "--golden",
        action="store_true",
        help="with --check: also compare the timeline with FILE.golden.jsonl beside the scenario",
    )
    explore.add_argument(
        "--examples", type=count, default=100, metavar="N", help="how many random scenarios"
    )
    explore.add_argument("--seed", type=seed, default=0, help="Hypothesis seed (default 0)")
    explore.add_argument(
        "--profile",
        choices=("small", "medium", "large"),
        default="medium",
        help="scenario sizes: small (≤4 calls, 1 room), medium (≤8, 2), large (≤20, 3)",
    )
    explore.add_argument(
        "--shuffle-ties",
        type=seed,
        default=None,
        metavar="SEED",
        help="run same-instant steps in a seeded random order (SPEC 8)",
    )
    explore.add_argument(
        "--out",
        default="explore-failure.yaml",
        metavar="FILE",
        help="where to write the smallest failing scenario (default explore-failure.yaml)",
    )
    accounts = sub.add_parser(
        "accounts",
        help="print the run's AccountSids, auth tokens and API keys, before any run",
        description="Print each account of SCENARIO as a run of it has it: the declared ones "
        "(accounts:) with their own SID, token and keys, the others with the SID made from the "
        "seed. --format env prints the variables an app reads (TWILIO_ACCOUNT_SID, ...).",
    )
    accounts.add_argument("scenario", metavar="SCENARIO", help="the scenario file (YAML)")
    accounts.add_argument(
        "--format",
        choices=("table", "env", "json"),
        default="table",
        help="table (default), env (NAME=value lines for a shell or an .env file) or json",
    )
    accounts.add_argument("--seed", type=seed, default=None, help="override the scenario's seed")
    validate = sub.add_parser("validate", help="check scenario files without running them")
    validate.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario files")
    return parser
