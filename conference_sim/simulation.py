"""The simulation: a simpy environment, the calls and rooms, and the scenario's steps.

Same-instant order is decided by named priorities (lower runs first):

* ``URGENT`` (simpy's own): process starts and interrupts, i.e. the consequences of a step,
  run before anything else due at that instant;
* ``STEP``: scenario steps (arrivals, speech, key presses, hang-ups, REST actions), one at a
  time in file order (calls in ``calls`` order, then ``actions``);
* ``MEDIA``: media and timers running out (Say/Play/Pause ends, Dial timeLimit);
* ``STOP``: the clock stops, after everything else due at that instant.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator, Iterable
from typing import Any

import simpy
from simpy.events import URGENT

from . import actions
from .call import Call
from .conference import Conference, Participant
from .eventlog import EventLog
from .hearing import Hearing
from .model import ConferenceAttrs, Document
from .scenario import MAX_UNTIL_MS, Scenario
from .sinks import Sink

STEP, MEDIA, STOP = URGENT + 1, URGENT + 2, URGENT + 9
AUDIO_SUFFIXES = (".mp3", ".wav", ".ogg", ".m4a", ".aac", ".ulaw", ".gsm")


def tie_rank(seed: int, t_ms: int, group: int, index: int) -> float:
    """A seeded, process-independent rank for a step owner at one instant (--shuffle-ties)."""
    return random.Random(f"{seed}:{t_ms}:{group}:{index}").random()


class Simulation:
    """Runs one scenario. ``run()`` to the end, or ``advance(to_ms)`` step by step."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        sinks: Iterable[Sink] = (),
        seed: int | None = None,
        until_ms: int | None = None,
        shuffle_ties: int | None = None,
    ) -> None:
        self.scenario = scenario
        self.shuffle_ties = shuffle_ties
        self.dialect = scenario.dialect
        self.seed = scenario.seed if seed is None else seed
        self.env = simpy.Environment()
        self.eventlog = EventLog(lambda: self.env.now, sinks)
        self.log = self.eventlog.logger
        self._account_sids: dict[str, str] = {}
        self.calls: dict[str, Call] = {}
        self.calls_by_sid: dict[str, Call] = {}
        for spec in scenario.calls:
            call = Call(self, spec)
            self.calls[call.name] = call
            self.calls_by_sid[call.sid] = call
        self.live_calls = 0
        self.rooms: dict[tuple[str, str], Conference] = {}
        self.instances: dict[tuple[str, str], int] = {}
        self.until_ms = until_ms if until_ms is not None else scenario.until_ms
        self.stop_event = self.timer(self.until_ms or MAX_UNTIL_MS, STOP)
        self.stop_event.callbacks.append(self._clock_stopped)
        self.env.process(self.drive(self.steps()))
        self.closed = False

    # -- time ------------------------------------------------------------------------------------
    @property
    def now(self) -> int:
        return int(self.env.now)

    def timer(self, delay_ms: int, priority: int) -> simpy.Event:
        """An event due ``delay_ms`` from now at a named priority (what simpy's Timeout does
        internally, but Timeout has no priority argument)."""
        event = simpy.Event(self.env)
        event._ok = True
        event._value = None
        self.env.schedule(event, priority, delay_ms)
        return event

    def media_wait(self, ms: int) -> simpy.Event:
        """An event that fires when ms of media have played (MEDIA priority)."""
        return self.timer(ms, MEDIA)

    def play_for(self, ms: int | None) -> simpy.Event:
        """Media playing for ms; None (loop="0") plays until the process is interrupted."""
        return self.media_wait(ms) if ms is not None else simpy.Event(self.env)

    def after(self, ms: int, fn: Callable[[], None]) -> None:
        self.media_wait(ms).callbacks.append(lambda _e: fn())

    # -- the scenario's steps ------------------------------------------------------------------
    def steps(self) -> list[tuple[int, int, int, int, Callable[[], None]]]:
        """(time, group, index, order, action): calls (group 0) before actions (group 1)."""
        out: list[tuple[int, int, int, int, Callable[[], None]]] = []
        for i, spec in enumerate(self.scenario.calls):
            call = self.calls[spec.name]
            out.append((spec.at_ms, 0, i, 0, call.arrive))
            for s in spec.speech:
                out.append((s.start_ms, 0, i, 1, lambda c=call: c.set_talking(True)))
                out.append((s.end_ms, 0, i, 1, lambda c=call: c.set_talking(False)))
            for press in spec.presses:
                out.append((press.at_ms, 0, i, 2, lambda c=call, d=press.digits: c.press(d)))
            if spec.hangup_ms is not None:
                out.append((spec.hangup_ms, 0, i, 3, call.hangup))
        for j, action in enumerate(self.scenario.actions):
            out.append((action.at_ms, 1, j, 0, lambda a=action: actions.apply(self, a)))
        if self.shuffle_ties is None:
            out.sort(key=lambda step: step[:4])
        else:  # SPEC 8: same-instant steps of different calls/actions in a seeded order
            seed = self.shuffle_ties
            out.sort(key=lambda step: (step[0], tie_rank(seed, *step[:3]), step[3]))
        return out

    def drive(
        self, steps: list[tuple[int, int, int, int, Callable[[], None]]]
    ) -> Generator[simpy.Event, Any, None]:
        for t_ms, _group, _index, _order, step in steps:
            yield self.timer(t_ms - self.now, STEP)
            step()

    def run(self) -> Simulation:
        """Run to the end: ``until``, or when nothing is left to happen (at most 4 h)."""
        if not self.stop_event.processed:
            self.env.run(until=self.stop_event)
        if not self.closed:
            self.closed = True
            self.eventlog.close()
        return self

    def advance(self, to_ms: int) -> None:
        """Run everything due up to and including ``to_ms`` (for step-by-step use)."""
        limit = min(to_ms, self.until_ms or MAX_UNTIL_MS)
        while not self.stop_event.processed and self.env.peek() <= limit:
            self.env.step()

    def _clock_stopped(self, _event: simpy.Event) -> None:
        if self.until_ms is None and self.live_calls:
            self.warn(
                self.log,
                "clock-stopped",
                reason=f"the run stopped at the 4 h limit with {self.live_calls} call(s) "
                "still connected; set 'until' to choose when to stop",
            )

    def hearing(self) -> dict[str, Hearing]:
        """Who hears whom at the current instant (see :mod:`conference_sim.hearing`)."""
        from .hearing import hearing

        return hearing(self)

    # -- identities ----------------------------------------------------------------------------
    def sid(self, kind: str, *parts: str) -> str:
        return self.dialect.sid(kind, self.seed, *parts)

    def account_sid(self, account: str) -> str:
        sid = self._account_sids.get(account)
        if sid is None:
            sid = self._account_sids[account] = self.sid("AC", account)
        return sid

    def find_call(self, name_or_sid: str) -> Call | None:
        return self.calls.get(name_or_sid) or self.calls_by_sid.get(name_or_sid)

    def call_started(self) -> None:
        self.live_calls += 1

    def call_ended(self, _call: Call) -> None:
        self.live_calls -= 1

    # -- rooms -----------------------------------------------------------------------------------
    def room(self, account: str, name: str, creator: ConferenceAttrs) -> Conference:
        """The live conference of that name in that account, or a new one (new ConferenceSid)."""
        key = (account, name)
        room = self.rooms.get(key)
        if room is None:
            n = self.instances.get(key, 0)
            self.instances[key] = n + 1
            sid = self.sid("CF", account, name, str(n))
            room = Conference(self, account, name, sid, creator)
            self.rooms[key] = room
        return room

    def discard_if_unopened(self, room: Conference) -> None:
        if not room.opened:
            self.rooms.pop((room.account, room.name), None)

    def room_closed(self, room: Conference) -> None:
        self.rooms.pop((room.account, room.name), None)

    def end_room(self, room: Conference) -> None:
        """E3: REST end removes everyone; then each removed call's dial-end."""
        for q in room.end("conference-ended-via-api"):
            q.call.dial_over(q, "conference-ended")

    def kick(self, p: Participant) -> None:
        removed = p.room.remove(p, "kick")
        p.call.dial_over(p, "kicked")
        for q in removed:
            q.call.dial_over(q, "conference-ended")

    # -- documents -------------------------------------------------------------------------------
    def fetch(self, url: str, purpose: str, log: Any) -> Document | int | None:
        """What the app serves at url: a document, a media file's length, or None (missing)."""
        doc = self.scenario.documents.get(url)
        if doc is not None:
            return doc
        media = self.scenario.media
        if (
            purpose != "Redirect"
            and purpose != "action"
            and (url in media or url.lower().split("?")[0].endswith(AUDIO_SUFFIXES))
        ):
            return media.get(url, 10_000)
        self.warn(
            log,
            "document-missing",
            url=url,
            purpose=purpose,
            reason="the scenario's documents have nothing at this URL; the simulator "
            "answers an empty <Response/>",
        )
        return None

    def fetch_document(self, url: str, purpose: str, log: Any) -> Document:
        doc = self.fetch(url, purpose, log)
        return doc if isinstance(doc, Document) else Document(verbs=(), source=url)

    def warn(self, log: Any, event: str, **params: Any) -> None:
        log.warning(event, kind="warning", params=params, requests=[])
