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

import collections
import functools
import heapq
import itertools
import random
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Any

import simpy
from simpy.events import URGENT

from . import actions
from .call import Call
from .conference import Conference, Participant
from .eventlog import EventLog
from .events import Event
from .hearing import Hearing
from .model import ActionSpec, CallSpec, ConferenceAttrs, Document
from .scenario import MAX_UNTIL_MS, Scenario
from .sinks import BufferSink, Sink

STEP, MEDIA, STOP = URGENT + 1, URGENT + 2, URGENT + 9
AUDIO_SUFFIXES = (".mp3", ".wav", ".ogg", ".m4a", ".aac", ".ulaw", ".gsm")


def first_step(spec: CallSpec) -> int:
    """When a call's first step is due (speech or a press may come before the arrival)."""
    times = [spec.at_ms, *(s.start_ms for s in spec.speech), *(p.at_ms for p in spec.presses)]
    if spec.hangup_ms is not None:
        times.append(spec.hangup_ms)
    return min(times)


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
        calls: Iterable[CallSpec] | None = None,
        actions_stream: Iterable[ActionSpec] | None = None,
    ) -> None:
        """``calls``/``actions_stream``, when given, replace the scenario's and are consumed
        lazily (each in order of its first step): a call exists only while it is live."""
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
        self.counter = itertools.count()
        self.streaming = calls is not None
        if calls is None:  # a file: every call known from the start (hearing lists them all)
            for spec in scenario.calls:
                self.register(Call(self, spec))
            ordered = sorted(enumerate(scenario.calls), key=lambda ic: (first_step(ic[1]), ic[0]))
            self.call_source: Iterable[tuple[int, int, CallSpec]] = (
                (first_step(spec), i, spec) for i, spec in ordered
            )
        else:
            self.call_source = ((first_step(spec), i, spec) for i, spec in enumerate(calls))
        if actions_stream is None:
            ordered_actions = sorted(enumerate(scenario.actions), key=lambda ia: ia[1].at_ms)
            self.action_source: Iterable[tuple[int, int, ActionSpec]] = (
                (a.at_ms, i, a) for i, a in ordered_actions
            )
        else:
            self.action_source = ((a.at_ms, i, a) for i, a in enumerate(actions_stream))
        self.live_calls = 0
        self.rooms: dict[tuple[str, str], Conference] = {}
        self.instances: dict[tuple[str, str], int] = {}
        self.until_ms = until_ms if until_ms is not None else scenario.until_ms
        self.stop_event = self.timer(self.until_ms or MAX_UNTIL_MS, STOP)
        self.stop_event.callbacks.append(self._clock_stopped)
        self.env.process(self.drive())
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
    # A step is (time, tie, tie2, order, n, action): calls (group 0) before actions (group 1),
    # then file index, then a call's own order (arrive 0, speech 1, press 2, hang-up 3), then
    # the order it was added. Steps are pulled lazily into a heap: a call's steps enter when
    # its first step is due, so a streamed workload never holds more than the live calls.
    def step_key(self, t_ms: int, group: int, index: int) -> tuple[int, float, int]:
        if self.shuffle_ties is None:
            return t_ms, group, index
        # SPEC 8: same-instant steps of different calls/actions in a seeded order
        return t_ms, tie_rank(self.shuffle_ties, t_ms, group, index), 0

    def push_call(self, heap: list[Any], index: int, call: Call) -> None:
        spec = call.spec

        def push(t_ms: int, order: int, step: Callable[[], None]) -> None:
            heapq.heappush(heap, (*self.step_key(t_ms, 0, index), order, next(self.counter), step))

        push(spec.at_ms, 0, call.arrive)
        for sp in spec.speech:
            push(sp.start_ms, 1, lambda c=call: c.set_talking(True))
            push(sp.end_ms, 1, lambda c=call: c.set_talking(False))
        for press in spec.presses:
            push(press.at_ms, 2, lambda c=call, d=press.digits: c.press(d))
        if spec.hangup_ms is not None:
            push(spec.hangup_ms, 3, call.hangup)

    def push_action(self, heap: list[Any], index: int, action: ActionSpec) -> None:
        key = self.step_key(action.at_ms, 1, index)
        step = functools.partial(actions.apply, self, action)
        heapq.heappush(heap, (*key, 0, next(self.counter), step))

    def drive(self) -> Generator[simpy.Event, Any, None]:
        heap: list[Any] = []
        calls = iter(self.call_source)
        acts = iter(self.action_source)
        next_call, next_action = next(calls, None), next(acts, None)
        while True:
            while True:  # pull every call and action whose first step is due by the next step
                top = heap[0][0] if heap else None
                if next_call is not None and (top is None or next_call[0] <= top):
                    _, index, spec = next_call
                    self.push_call(heap, index, self.call_for(spec))
                    following = next(calls, None)
                    if following is not None and following[0] < next_call[0]:
                        raise ValueError("streamed calls must come in order of their first step")
                    next_call = following
                elif next_action is not None and (top is None or next_action[0] <= top):
                    self.push_action(heap, next_action[1], next_action[2])
                    next_action = next(acts, None)
                else:
                    break
            if not heap:
                return
            entry = heapq.heappop(heap)
            yield self.timer(entry[0] - self.now, STEP)
            entry[-1]()

    def run(self) -> Simulation:
        """Run to the end: ``until``, or when nothing is left to happen (at most 4 h)."""
        if not self.stop_event.processed:
            self.env.run(until=self.stop_event)
        if not self.closed:
            self.closed = True
            self.eventlog.close()
        return self

    def stream(self) -> Iterator[Event]:
        """Run to the end, yielding each event as it happens (nothing is kept afterwards)."""
        buffer: collections.deque[Event] = collections.deque()
        self.eventlog.add_sink(BufferSink(buffer))
        while not self.stop_event.processed:
            self.env.step()
            while buffer:
                yield buffer.popleft()
        self.run()

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

    def register(self, call: Call) -> Call:
        self.calls[call.name] = call
        self.calls_by_sid[call.sid] = call
        return call

    def call_for(self, spec: CallSpec) -> Call:
        """The call of a spec: made when its first step is due when streaming."""
        return self.calls[spec.name] if not self.streaming else self.register(Call(self, spec))

    def call_started(self) -> None:
        self.live_calls += 1

    def call_ended(self, call: Call) -> None:
        self.live_calls -= 1
        if self.streaming:  # keep only what the live state needs
            self.calls.pop(call.name, None)
            self.calls_by_sid.pop(call.sid, None)

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
