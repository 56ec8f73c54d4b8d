"""``conference-sim shell [FILE]``: step through a scenario on the simulated clock.

The session is a scenario (a :class:`~conference_sim.api.builder.ScenarioBuilder`) plus the
clock reading ``now``. Commands that add something (a call, a REST action, speech, a key press,
a hang-up) add it to the scenario *at now*; the session is always exactly what
``conference-sim run`` gives for the saved file. Commands that move the clock (``advance``,
``step``, ``until``) run the live simulation on.

Interactive use has line editing, history and tab completion (readline); on a pipe the commands
are read from stdin, echoed with ``>``, and the exit status is 2 if any command was refused.
"""

from __future__ import annotations

import sys
from typing import IO

from ..api.builder import ScenarioBuilder
from .commands import Shell
from .help import readline_history
from .session import Session

__all__ = ["Session", "Shell", "main"]


def main(
    path: str | None,
    stdin: IO[str] = sys.stdin,
    stdout: IO[str] = sys.stdout,
    app: str | None = None,
) -> int:
    builder = ScenarioBuilder.from_file(path) if path else None
    session = Session(builder, app)
    interactive = stdin.isatty()
    shell = Shell(session, stdin, stdout, echo=not interactive)
    if interactive:
        readline_history()
        shell.intro = (
            f"conference-sim shell{f' on {path}' if path else ''}; `help` lists the commands, "
            "Tab completes, Ctrl-D leaves."
        )
    if session.sink.events:
        shell.report()
    shell.cmdloop()
    return 2 if shell.failed and not interactive else 0
