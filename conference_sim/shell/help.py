"""The shell commands' help text, what their arguments complete to, and readline's
history. The commands themselves are in :mod:`.commands`."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from ..events import KNOWN_EVENTS

CALL_COMMANDS = ("mute", "unmute", "hold", "unhold", "kick", "update", "hangup", "speech", "press",
                 "say")  # fmt: skip
REST = ("mute", "unmute", "hold", "unhold", "kick", "update", "end", "announce", "create")
CALL_KEYS = ("account", "from", "to", "hangup", "at", "cxml", "url", "method")
HELP = {
    "call": "call NAME ROOM [key=value …]  a caller dials ROOM now; keys are <Conference> "
    "attributes (startConferenceOnEnter=false, beep=onExit, …), dial.X (dial.timeLimit=60), "
    "or account, from, to, hangup (a scenario time); or call NAME cxml='<Response>…'; or "
    "call NAME url=URL (your app answers it: shell --app)",
    "hangup": "hangup NAME  the caller hangs up now",
    "speech": "speech NAME DURATION  the caller talks from now for DURATION (e.g. 10s)",
    "press": "press NAME DIGITS  the caller presses keys now (e.g. *, or 1234# for a Gather)",
    "say": "say NAME WORDS…  the caller says WORDS now (a <Gather input=speech> hears them)",
    "mute": "mute NAME  REST: mute a participant now",
    "unmute": "unmute NAME  REST: unmute a participant now",
    "hold": "hold NAME [holdUrl=URL] [holdMethod=GET|POST]  REST: hold a participant now",
    "unhold": "unhold NAME  REST: take a participant off hold now",
    "kick": "kick NAME  REST: remove a participant from its conference now",
    "update": "update NAME key=value …  REST: beepOnExit, endConferenceOnExit, coaching, …",
    "end": "end ROOM [account=A]  REST: end the conference now",
    "announce": "announce ROOM url=URL [call=NAME] [method=…]  REST: play an announcement now",
    "create": "create ADDRESS from=NUMBER url=URL|twiml=… [timeout=…] [statusCallback=…]  REST: "
    "calls create: dial +1555…, client:NAME or sip:URI now (callees: says what it does)",
    "advance": "advance DURATION  move the clock on (e.g. 30s, 1m30s)",
    "step": "step  move the clock to the next instant something happens",
    "until": "until EVENT [CALL]  run until such an event happens (e.g. until conference-start)",
    "show": "show  conferences, participants (muted/held/waiting) and what each call hears",
    "events": "events [jsonl]  the timeline so far (a table, or JSONL)",
    "save": "save FILE  the session as a scenario file that `conference-sim run` reproduces",
    "help": "help [COMMAND]  this list, or one command",
    "quit": "quit  leave (also exit, or end of input)",
}


def completions(session: Any, text: str, before: str) -> list[str]:
    """What fits the command's argument: events after `until`, calls after `mute`, rooms
    after `end`, commands after `help`, a room after `call NAME`."""
    words = before.split()
    if not words:
        return []
    command, position = words[0], len(words)
    if command == "until" and position == 1:
        choices: list[str] = list(KNOWN_EVENTS)
    elif (command == "until" and position == 2) or (command in CALL_COMMANDS and position == 1):
        choices = session.call_names()
    elif (command in ("end", "announce") and position == 1) or (
        command == "call" and position == 2
    ):
        choices = session.room_names()
    elif command == "help" and position == 1:
        choices = list(HELP)
    else:
        return []
    return [c + " " for c in choices if c.startswith(text)]


def readline_history() -> None:
    try:
        import atexit
        import readline
    except ImportError:  # pragma: no cover - no readline on this platform
        return
    history = Path.home() / ".conference_sim_history"
    with contextlib.suppress(OSError):
        readline.read_history_file(history)
    readline.set_history_length(1000)
    atexit.register(_write_history, readline, history)


def _write_history(readline: Any, history: Path) -> None:
    with contextlib.suppress(OSError):
        readline.write_history_file(history)
