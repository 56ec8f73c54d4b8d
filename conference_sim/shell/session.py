"""A shell session: the scenario so far, the clock reading, and the simulation replayed up to
now; and what ``show`` prints of it. The commands that drive it are in :mod:`.shell`."""

from __future__ import annotations

import copy
from typing import Any

from ..api.builder import ScenarioBuilder
from ..errors import InputError
from ..events import CaptureSink, Event
from ..model import MAX_UNTIL_MS
from ..output.table import summary
from ..runner import Simulation
from ..timeparse import clock, to_ms


class CommandError(Exception):
    """A refused command: one line, and the session goes on."""


class Session:
    """The scenario so far, the clock, and the live simulation replayed up to now."""

    def __init__(self, builder: ScenarioBuilder | None = None, app: str | None = None) -> None:
        self.builder = builder or ScenarioBuilder()
        self.app = app
        self.now = 0
        self.sim, self.sink = self.replay()
        self.shown: list[Event] = self.sink.events  # the events list shown from (not a copy)
        self.shown_count = 0

    def replay(self) -> tuple[Simulation | None, CaptureSink]:
        """A fresh simulation advanced to now (None while there are no calls)."""
        data = copy.deepcopy(self.builder.data)
        if not data.get("calls"):
            return None, CaptureSink()
        scenario = ScenarioBuilder.from_dict(data).build()
        sink = CaptureSink()
        from ..app import connect

        if getattr(self, "sim", None) is not None:
            self.sim.close()  # the replay replaces it
        transport = connect(scenario, self.app, where="--app")
        sim = Simulation(scenario, sinks=[sink], transport=transport)
        sim.advance(self.now)
        return sim, sink

    @property
    def limit(self) -> int:
        return (self.sim.until_ms if self.sim else None) or MAX_UNTIL_MS

    def change(self, edit: Any, live: Any = None, undo: Any = None) -> None:
        """Apply ``edit(data)`` to the scenario (what ``save`` writes); undo it if the scenario
        refuses. ``live(sim)`` checks the new item alone and adds it to the running simulation
        now: each command costs the same however long the session. The scenario is replayed
        from the start only when events were already shown at this instant (a step added now
        runs before them in the file, so the timeline can change) or there is nothing live."""
        before = copy.deepcopy(self.builder.data) if undo is None else None
        edit(self.builder.data)
        try:
            if live is not None and self.sim is not None and not self.shown_now():
                live(self.sim)
                self.sim.advance(self.now)
            else:
                self.sim, self.sink = self.replay()
        except InputError as err:
            if undo is not None:
                undo(self.builder.data)
            else:
                self.builder.data = before
            raise CommandError(one_line(err)) from None

    # -- checking one new item alone (what a full load would say of it) -----------------------
    def call_spec(self, name: str) -> Any:
        """The call ``name`` as the loader builds it from the session's data."""
        from ..load.calls import call, check_coaches
        from ..load.schema import At

        names = self.call_names()
        index = names.index(name)
        assert self.sim is not None
        spec = call(At({index: call_data(self.builder.data, name)}, index, f"calls[{index}]"),
                    index, self.sim.dialect)  # fmt: skip
        check_coaches((spec,), {}, set(names), None)
        return spec

    def action(self, index: int) -> Any:
        """Action ``index`` as the loader builds it."""
        from ..load.actions import action, options
        from ..load.schema import At

        names = set(self.call_names())
        assert self.sim is not None
        item = At(self.builder.data["actions"], index, f"actions[{index}]")
        return action(item, names, options(names), self.sim.dialect)

    def shown_now(self) -> bool:
        events = self.sink.events
        return bool(events) and events[-1].t_ms >= self.now

    def run_to(self, t_ms: int, interrupted: Any = lambda: False) -> None:
        """Move the clock to ``t_ms``, one simulation step at a time, so that Ctrl-C
        (``interrupted()``) stops it cleanly between two steps."""
        target = min(t_ms, self.limit)
        sim = self.sim
        if sim is None:
            self.now = target
            return
        while not sim.finished and sim.next_time() <= target:
            if interrupted():
                self.now = sim.now
                return
            sim.step()
        sim.advance(target)
        self.now = target

    def step(self) -> bool:
        """To the next instant with a timeline event; False if nothing is left to happen."""
        count = len(self.sink.events)
        while len(self.sink.events) == count:
            if self.sim is None:
                return False
            t = self.sim.next_time()
            if t > self.limit or t == float("inf") or self.sim.finished:
                return False
            self.run_to(int(t))
        return True

    def fresh(self) -> tuple[int | None, list[Event]]:
        """Events not shown yet; and the seq from which a replay changed what was shown."""
        events = self.sink.events
        if events is self.shown:  # no replay since: what is new comes after what was shown
            new = events[self.shown_count :]
            self.shown_count = len(events)
            return None, new
        same, shown = 0, self.shown[: self.shown_count]
        while same < min(len(events), len(shown)) and events[same] == shown[same]:
            same += 1
        changed = same if same < len(shown) else None
        self.shown, self.shown_count = events, len(events)
        return changed, events[same:]

    def call_names(self) -> list[str]:
        return [c["name"] for c in self.builder.data.get("calls", [])]

    def room_names(self) -> list[str]:
        rooms = {c["conference"] for c in self.builder.data.get("calls", []) if "conference" in c}
        if self.sim is not None:
            rooms |= {name for _account, name in self.sim.rooms}
        return sorted(rooms)

    def save_data(self) -> dict[str, Any]:
        if not self.builder.data.get("calls"):
            raise CommandError("nothing to save yet: a scenario needs a call (`call NAME ROOM`)")
        data = copy.deepcopy(self.builder.data)
        if self.sim is not None and self.sim.finished:
            return data  # the clock stopped by itself: the file stops it the same way
        until = data.get("until")
        now = max(self.now, 1)  # `until` must be after 0: 1 ms shows everything at 0
        if until is None or to_ms(until) > now:
            data["until"] = now / 1000 if now % 1000 else now // 1000
            # calls that would arrive after the clock reading never did in this session (and
            # an expect block may name them: it described the whole file, not the session)
            arrived = [c for c in data["calls"] if to_ms(c.get("at", 0)) <= now]
            if len(arrived) < len(data["calls"]):
                data["calls"] = arrived
                data.pop("expect", None)
        return data


def line_of(e: Event) -> str:
    where = " ".join(x for x in (e.conference, e.call) if x)
    details = summary(e)
    return f"{clock(e.t_ms):>8}  {e.event:<26} {where}" + (f"  {details}" if details else "")


def show_lines(session: Session) -> list[str]:
    """Conference states, participants with effective mute/hold/waiting, and who hears what."""
    from ..engine.hearing import hearing

    sim = session.sim
    out = [f"at {clock(session.now)}"]
    if sim is None:
        return [*out, "no calls yet: add one with `call NAME ROOM`"]
    heard = hearing(sim)
    inside: set[str] = set()
    for (account, name), room in sorted(sim.rooms.items()):
        since = f" since {clock(room.started_ms)}" if room.started_ms is not None else ""
        acct = f", account {account}" if account != "default" else ""
        out.append(f"conference {name!r}: {room.state}{since}{acct}")
        width = max((len(n) for n in room.participants), default=0)
        for call_name, p in room.participants.items():
            inside.add(call_name)
            flags = []
            if p.muted:
                flags.append("muted")
            if p.held:
                flags.append("held")
            if p.waiting:
                flags.append("waiting" + ("" if p.attrs.start_conference_on_enter else ", silent"))
            if p.coaching:
                flags.append(f"coaching {p.coach_of.name if p.coach_of else ''}".strip())
            state = ", ".join(flags) or "in the mix"
            out.append(f"  {call_name:<{width}}  {state:<24} hears: {heard[call_name].describe()}")
    others = [h for n, h in heard.items() if n not in inside]
    if others:
        out.append("calls outside a conference:")
        width = max(len(h.call) for h in others)
        for h in others:
            hears = f"  hears: {h.describe()}" if h.state == "outside" else ""
            out.append(f"  {h.call:<{width}}  {h.state}{hears}")
    return out


def one_line(err: InputError) -> str:
    where = f"{err.where}: " if err.where else ""
    return f"{where}{err.message}".replace("\n", " ")


def key_values(words: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise CommandError(f"{word!r} is not key=value")
        out[key] = {"true": True, "false": False}.get(value, value)
    return out


def duration_ms(text: str) -> int:
    try:
        return to_ms(text, what="time")
    except InputError as err:
        raise CommandError(err.message) from None


def as_seconds(ms: int) -> int | float:
    return ms // 1000 if ms % 1000 == 0 else ms / 1000


def call_data(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in data["calls"] if c["name"] == name)  # type: ignore[no-any-return]
