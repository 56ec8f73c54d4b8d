"""``conference-sim shell [FILE]``: step through a scenario on the simulated clock.

The session is a scenario (a :class:`~conference_sim.builder.ScenarioBuilder`) plus the clock
reading ``now``. Commands that add something (a call, a REST action, speech, a key press, a
hang-up) add it to the scenario *at now* and replay the scenario from the start up to now, so
the session is always exactly what ``conference-sim run`` gives for the saved file. Commands
that move the clock (``advance``, ``step``, ``until``) run the live simulation on.

Interactive use has line editing, history and tab completion (readline); on a pipe the commands
are read from stdin, echoed with ``>``, and the exit status is 2 if any command was refused.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import IO, Any

from ..engine import operations
from ..events import KNOWN_EVENTS
from ..output.sinks import jsonl_line
from ..timeparse import clock
from .help import CALL_KEYS, HELP, REST
from .plumbing import Prompt
from .session import (
    CommandError,
    Session,
    as_seconds,
    call_data,
    duration_ms,
    key_values,
    line_of,
    show_lines,
)


class Shell(Prompt):
    intro = ""

    def __init__(self, session: Session, stdin: IO[str], stdout: IO[str], echo: bool) -> None:
        super().__init__(stdin=stdin, stdout=stdout)
        self.session = session
        self.echo = echo
        self.use_rawinput = not echo
        self.prompt = "" if echo else "conference-sim> "
        self.failed = 0
        self.interrupted = False  # Ctrl-C during a command (the clock stops between steps)

    def report(self) -> None:
        changed, events = self.session.fresh()
        if changed is not None:
            self.say(
                f"(replayed from the start: the timeline changed from seq {changed}; a step "
                f"added at {clock(self.session.now)} runs before the media and timers due then; "
                "`advance 1ms` first to act after them)"
            )
        for e in events:
            self.say(line_of(e))
        self.say(f"[{clock(self.session.now)}]")

    # -- adding to the scenario ------------------------------------------------------------------
    def do_call(self, arg: str) -> None:
        words = shlex.split(arg)
        if len(words) < 2:
            raise CommandError("usage: " + HELP["call"])
        name, *pairs = words
        if name in self.session.call_names():
            raise CommandError(f"there is already a call named {name!r}")
        spec: dict[str, Any] = {"name": name, "at": as_seconds(self.session.now)}
        if "=" not in pairs[0]:
            spec["conference"] = pairs.pop(0)
        for key, value in key_values(pairs).items():
            if key in CALL_KEYS:
                spec[key] = value
            elif key.startswith("dial."):
                spec.setdefault("dial", {})[key[5:]] = value
            else:
                spec.setdefault("attributes", {})[key] = value
        if "at" in spec and duration_ms(spec["at"]) < self.session.now:
            raise CommandError(
                f"at={spec['at']} is in the past; the clock reads {clock(self.session.now)}"
            )
        session = self.session
        session.change(
            lambda d: d.setdefault("calls", []).append(spec),
            live=lambda sim: sim.add_call(session.call_spec(name)),
            undo=lambda d: d["calls"].pop(),
        )
        self.report()

    def do_hangup(self, arg: str) -> None:
        name = self.one_call(arg, "hangup")
        now = as_seconds(self.session.now)
        previous = call_data(self.session.builder.data, name).get("hangup")

        def live(sim: Any) -> None:
            self.session.call_spec(name)  # (checks it)
            sim.at(self.session.now, sim.calls[name].hangup)

        def undo(d: Any) -> None:
            call_data(d, name).pop("hangup")
            if previous is not None:
                call_data(d, name)["hangup"] = previous

        self.session.change(lambda d: call_data(d, name).update(hangup=now), live, undo)
        self.report()

    def do_speech(self, arg: str) -> None:
        words = shlex.split(arg)
        if len(words) != 2:
            raise CommandError("usage: " + HELP["speech"])
        name = self.known(words[0])
        end = self.session.now + duration_ms(words[1])
        burst = [as_seconds(self.session.now), as_seconds(end)]
        start = self.session.now

        def live(sim: Any) -> None:
            self.session.call_spec(name)  # (checks it: no overlap with earlier speech)
            call = sim.calls[name]
            sim.at(start, lambda: call.set_talking(True))
            sim.at(end, lambda: call.set_talking(False))

        self.session.change(
            lambda d: call_data(d, name).setdefault("speech", []).append(burst),
            live,
            lambda d: call_data(d, name)["speech"].pop(),
        )
        self.report()

    def do_press(self, arg: str) -> None:
        words = shlex.split(arg)
        if len(words) != 2:
            raise CommandError("usage: " + HELP["press"])
        name = self.known(words[0])
        press = {"at": as_seconds(self.session.now), "digits": words[1]}

        def live(sim: Any) -> None:
            self.session.call_spec(name)  # (checks the digits)
            sim.at(self.session.now, lambda: sim.calls[name].press(words[1]))

        self.session.change(
            lambda d: call_data(d, name).setdefault("press", []).append(press),
            live,
            lambda d: call_data(d, name)["press"].pop(),
        )
        self.report()

    def do_say(self, arg: str) -> None:
        words = shlex.split(arg)
        if len(words) < 2:
            raise CommandError("usage: " + HELP["say"])
        name, text = self.known(words[0]), " ".join(words[1:])
        said = {"at": as_seconds(self.session.now), "text": text}

        def live(sim: Any) -> None:
            self.session.call_spec(name)  # (checks it as the loader would)
            sim.at(self.session.now, lambda: sim.calls[name].utter(text, 0.9))

        self.session.change(
            lambda d: call_data(d, name).setdefault("speak", []).append(said),
            live,
            lambda d: call_data(d, name)["speak"].pop(),
        )
        self.report()

    def rest(self, verb: str, arg: str) -> None:
        words = shlex.split(arg)
        if not words:
            raise CommandError("usage: " + HELP.get(verb, HELP["mute"]))
        target, *pairs = words
        if verb not in ("end", "announce", "create"):
            target = self.known(target)
        action = {"at": as_seconds(self.session.now), verb: target, **key_values(pairs)}
        session = self.session

        def live(sim: Any) -> None:
            typed = session.action(len(session.builder.data["actions"]) - 1)
            sim.at(typed.at_ms, lambda: operations.apply(sim, typed))

        session.change(
            lambda d: d.setdefault("actions", []).append(action),
            live,
            lambda d: d["actions"].pop(),
        )
        self.report()

    # -- the clock -------------------------------------------------------------------------------
    def do_advance(self, arg: str) -> None:
        if not arg.strip():
            raise CommandError("usage: " + HELP["advance"])
        self.session.run_to(self.session.now + duration_ms(arg.strip()), lambda: self.interrupted)
        if self.interrupted:
            self.say(f"interrupted at {clock(self.session.now)}")
        self.report()

    def do_step(self, arg: str) -> None:
        if not self.session.step():
            self.say("nothing left to happen")
        self.report()

    def do_until(self, arg: str) -> None:
        words = arg.split()
        if not words or len(words) > 2 or words[0] not in KNOWN_EVENTS:
            raise CommandError("usage: " + HELP["until"] + f"; events: {', '.join(KNOWN_EVENTS)}")
        event, call = words[0], (words[1] if len(words) > 1 else None)
        start = len(self.session.sink.events)
        while True:
            if any(
                e.event == event and (call is None or e.call == call)
                for e in self.session.sink.events[start:]
            ):
                break
            if self.interrupted:
                self.say(f"interrupted at {clock(self.session.now)}")
                break
            if not self.session.step():
                self.say(f"no {arg.strip()} happened; the clock stopped")
                break
        self.report()

    # -- looking -------------------------------------------------------------------------------
    def do_show(self, arg: str) -> None:
        for text in show_lines(self.session):
            self.say(text)

    def do_events(self, arg: str) -> None:
        events = self.session.sink.events
        if arg.strip() == "jsonl":
            for e in events:
                self.say(jsonl_line(e))
        elif arg.strip():
            raise CommandError("usage: " + HELP["events"])
        elif not events:
            self.say("(no events yet)")
        else:
            from ..output.table import TableSink

            table = TableSink(self.stdout, color=None if not self.echo else False)
            for e in events:
                table.emit(e)
            table.close()

    def do_save(self, arg: str) -> None:
        if not arg.strip():
            raise CommandError("usage: " + HELP["save"])
        from ..load.yamlsource import dump_yaml

        path = Path(arg.strip())
        data = self.session.save_data()  # refused before anything is written
        stop = "`until` stops the clock there" if "until" in data else "the clock stopped"
        header = (
            f"# Saved by conference-sim shell at {clock(self.session.now)}; {stop}, so\n"
            f"# `conference-sim run {path.name}` prints exactly the session's timeline.\n"
        )
        try:
            path.write_text(header + dump_yaml(data), encoding="utf-8")
        except OSError as err:
            raise CommandError(f"cannot write {path}: {err.strerror}") from None
        self.say(f"saved {path}")

    def do_help(self, arg: str) -> None:
        if arg.strip():
            if arg.strip() not in HELP:
                raise CommandError(f"no command {arg.strip()!r}; commands: {', '.join(HELP)}")
            self.say(HELP[arg.strip()])
            return
        for text in HELP.values():
            self.say("  " + text)

    def do_quit(self, arg: str) -> bool:
        return True

    do_exit = do_quit

    def do_EOF(self, arg: str) -> bool:
        if not self.echo:
            self.say()
        return True

    # -- helpers -------------------------------------------------------------------------------
    def known(self, name: str) -> str:
        if name not in self.session.call_names():
            names = ", ".join(self.session.call_names()) or "none yet"
            raise CommandError(f"{name!r} names no call; calls: {names}")
        return name

    def one_call(self, arg: str, verb: str) -> str:
        words = arg.split()
        if len(words) != 1:
            raise CommandError("usage: " + HELP[verb])
        return self.known(words[0])


for _verb in REST:  # do_mute, do_unmute, do_hold, …: each a REST action now
    setattr(Shell, f"do_{_verb}", lambda self, arg, verb=_verb: self.rest(verb, arg))
