"""The shell's plumbing over :class:`cmd.Cmd`: echo on a pipe, errors as one line, Ctrl-C
back to the prompt, readline completion. The commands themselves are in :mod:`.commands`."""

from __future__ import annotations

import cmd
import contextlib
import difflib
import signal
import threading
from typing import Any

from ..output.safe import visible
from .help import HELP, completions
from .session import CommandError, Session


class Prompt(cmd.Cmd):
    session: Session
    echo: bool
    failed: int
    interrupted: bool

    def say(self, text: str = "") -> None:
        if not text.startswith("{"):  # a JSON line is already safe
            text = "\n".join(visible(line) for line in text.split("\n"))
        self.stdout.write(text + "\n")

    def precmd(self, line: str) -> str:
        if self.echo and line.strip() and line != "EOF":
            self.say(f"> {line.rstrip()}")
        return line

    def onecmd(self, line: str) -> bool:
        try:
            return self.onecmd_interruptibly(line)
        except CommandError as err:
            self.failed += 1
            self.say(f"error: {err}")
        except ValueError as err:  # shlex: unbalanced quotes
            self.failed += 1
            self.say(f"error: {err}")
        return False

    def emptyline(self) -> bool:
        return False

    def default(self, line: str) -> bool:
        if line == "EOF":
            return True
        word = line.split()[0]
        close = difflib.get_close_matches(word, [*HELP, "exit"], n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise CommandError(f"unknown command {word!r}; {hint}`help` lists the commands")

    def cmdloop(self, intro: Any = None) -> None:
        """Ctrl-C at the prompt or during a command returns to the prompt; Ctrl-D leaves."""
        while True:
            try:
                super().cmdloop(intro)
                return
            except KeyboardInterrupt:
                self.say("^C (Ctrl-D or `quit` leaves)")
                intro = ""

    def onecmd_interruptibly(self, line: str) -> bool:
        previous = signal.getsignal(signal.SIGINT)
        self.interrupted = False

        def stop(_signum: int, _frame: Any) -> None:
            self.interrupted = True

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, stop)
        try:
            return super().onecmd(line)
        finally:
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGINT, previous)

    def preloop(self) -> None:
        with contextlib.suppress(ImportError):
            import readline

            readline.set_completer_delims(" \t\n")  # event names have '-' in them

    def completenames(self, text: str, *ignored: Any) -> list[str]:
        return [c + " " for c in HELP if c.startswith(text)]

    def completedefault(self, text: str, line: str, begidx: int, endidx: int) -> list[str]:
        return completions(self.session, text, line[:begidx])
