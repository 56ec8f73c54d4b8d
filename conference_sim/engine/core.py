"""The simulation: a clock, a directory of calls and rooms, a document server, and the
scenario's steps, pulled lazily into a heap in the order they are due.

Same-instant order is decided by the clock's named priorities (:mod:`.clock`).
"""

from __future__ import annotations

import collections
import contextlib
import functools
import gc
import heapq
import itertools
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Any

import simpy

from ..actions import Action
from ..events import BufferSink, Event, Request, Sink
from ..model import MAX_UNTIL_MS, CallSpec, ConferenceAttrs, Scenario
from ..states import State
from . import operations
from .call import Call
from .clock import OPERATION, STEP, STOP, Clock, Due
from .conference import Conference
from .directory import Directory
from .eventlog import EventLog
from .fetching import DocumentServer, failed
from .hearing import Hearing
from .requests import HttpRequest, HttpResponse, ScenarioTransport, Transport
from .time_limits import TimeLimits


def first_step(spec: CallSpec) -> int:
    """When a call's first step is due (speech or a press may come before the arrival)."""
    first = spec.at_ms if spec.hangup_ms is None else min(spec.at_ms, spec.hangup_ms)
    for s in spec.speech:  # (loops, not generators: once per call of a streamed day)
        first = min(first, s.start_ms)
    for p in spec.presses:
        first = min(first, p.at_ms)
    for u in spec.utterances:
        first = min(first, u.at_ms)
    return first


def tie_rank(seed: int, t_ms: int, group: int, index: int) -> float:
    """A seeded, process-independent rank for a step owner at one instant (--shuffle-ties)."""
    import random

    return random.Random(f"{seed}:{t_ms}:{group}:{index}").random()


@contextlib.contextmanager
def fewer_collections(young: int = 100_000) -> Iterator[None]:
    """While a run goes, the cyclic garbage collector looks at new objects after ``young``
    allocations instead of Python's 700: a run makes many containers that live for a while
    and almost no cycles (its peak memory is the same either way), and collecting every 700
    cost about 8% of a large run, every 10 000 still 3%. Restored after."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], young), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


class Engine:
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
        actions_stream: Iterable[Action] | None = None,
        transport: Transport | None = None,
    ) -> None:
        """``calls``/``actions_stream``, when given, replace the scenario's and are consumed
        lazily (each in order of its first step): a call exists only while it is live.
        ``transport`` answers the platform's requests (default: the scenario's documents)."""
        self.scenario = scenario
        self.shuffle_ties = shuffle_ties
        self.dialect = scenario.dialect
        self.seed = scenario.seed if seed is None else seed
        self.clock = Clock()
        self.env = self.clock  # the simpy environment, by its usual name
        self.transport = transport or ScenarioTransport(scenario.documents, scenario.media)
        # Without an app a callback's answer is always "ok" and changes nothing: not sent at all.
        deliver = None if type(self.transport) is ScenarioTransport else self.deliver
        self.eventlog = EventLog(self.clock.reader(), sinks, deliver)
        self.pending = self.eventlog.pending  # consequences of the event being written
        self.log = self.eventlog.logger
        self.streaming = calls is not None
        self.directory = Directory(
            self.dialect,
            self.seed,
            keep_ended=not self.streaming,
            declared={a.name: a.sid for a in scenario.accounts.values() if a.sid is not None},
        )
        self.sending = 0  # > 0 while a request is out (REST made then is queued: ``defer``)
        self.operations: collections.deque[Callable[[], None]] = collections.deque()
        self.operation_due = False  # an OPERATION event is queued to apply the next one
        self.documents = DocumentServer(self.send, self.warn)
        self.counter = itertools.count()
        self.time_limits = TimeLimits(self.clock)
        if calls is None:  # a file: every call known from the start (hearing lists them all)
            for spec in scenario.calls:
                self.directory.add_call(Call(self, spec))
            ordered = sorted(enumerate(scenario.calls), key=lambda ic: (first_step(ic[1]), ic[0]))
            self.call_source: Iterable[tuple[int, int, CallSpec]] = (
                (first_step(spec), i, spec) for i, spec in ordered
            )
        else:
            self.call_source = ((first_step(spec), i, spec) for i, spec in enumerate(calls))
        if actions_stream is None:
            ordered_actions = sorted(enumerate(scenario.actions), key=lambda ia: ia[1].at_ms)
            self.action_source: Iterable[tuple[int, int, Action]] = (
                (a.at_ms, i, a) for i, a in ordered_actions
            )
        else:
            self.action_source = ((a.at_ms, i, a) for i, a in enumerate(actions_stream))
        self.until_ms = until_ms if until_ms is not None else scenario.until_ms
        self.stop_event = self.clock.due(self.until_ms or MAX_UNTIL_MS, STOP)
        self.stop_event.callbacks.append(self._clock_stopped)
        # (not stop_event.processed: simpy puts the event it stopped on back in the queue)
        self.stopped = False
        self.driving = self.clock.process(self.drive())  # (alive while steps are to come)
        self.closed = False

    @property
    def now(self) -> int:
        return self.clock.now_ms

    @property
    def calls(self) -> dict[str, Call]:
        return self.directory.calls

    @property
    def rooms(self) -> dict[tuple[str, str], Conference]:
        return self.directory.rooms

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
        for said in spec.utterances:
            push(said.at_ms, 2, lambda c=call, s=said: c.utter(s.text, s.confidence))
        if spec.hangup_ms is not None:
            push(spec.hangup_ms, 3, call.hangup)

    def push_action(self, heap: list[Any], index: int, action: Action) -> None:
        key = self.step_key(action.at_ms, 1, index)
        step = functools.partial(operations.apply, self, action)
        heapq.heappush(heap, (*key, 0, next(self.counter), step))

    def drive(self) -> Generator[simpy.Event, Any, None]:
        heap: list[Any] = []
        clock = self.clock
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
            if not clock.free_for_step(entry[0]):
                yield Due(clock, entry[0] - clock._now, STEP)
            entry[-1]()

    def run(self) -> Engine:
        """Run to the end: ``until``, or when nothing is left to happen (at most 24 h)."""
        if not self.stopped:
            with fewer_collections():
                self.clock.run(until=self.stop_event)
        self.close()
        return self

    def close(self) -> None:
        """Flush the sinks and let the transport go (once)."""
        if not self.closed:
            self.closed = True
            self.eventlog.close()
            close = getattr(self.transport, "close", None)
            if close is not None:
                close()

    def stream(self) -> Iterator[Event]:
        """Run to the end, yielding each event as it happens (nothing is kept afterwards)."""
        buffer: collections.deque[Event] = collections.deque()
        self.eventlog.add_sink(BufferSink(buffer))
        while not self.stopped:
            self.clock.step()
            while buffer:
                yield buffer.popleft()
        self.run()

    def advance(self, to_ms: int) -> None:
        """Run everything due up to and including ``to_ms`` (for step-by-step use)."""
        limit = int(min(to_ms, self.until_ms or MAX_UNTIL_MS))  # whole ms: the clock stays an int
        while not self.stopped and self.clock.peek() <= limit:
            self.clock.step()
        if not self.stopped and self.clock.now < limit:
            self.clock.run(until=limit)  # the clock reads ``to_ms``: REST acts then

    def step(self) -> bool:
        """Process the next thing due; False once the clock has stopped."""
        if self.stopped:
            return False
        self.clock.step()
        return True

    def next_time(self) -> float:
        """When the next thing is due (ms; infinity when nothing is)."""
        return self.clock.peek()

    @property
    def finished(self) -> bool:
        return self.stopped

    def _clock_stopped(self, _event: simpy.Event) -> None:
        self.stopped = True
        live = self.directory.live_calls
        if self.until_ms is None and live:
            self.warn(
                self.log,
                "clock-stopped",
                reason=f"the run stopped at the 24 h limit with {live} call(s) "
                "still connected; set 'until' to choose when to stop",
            )

    def hearing(self) -> dict[str, Hearing]:
        """Who hears whom at the current instant (see :mod:`conference_sim.engine.hearing`)."""
        from .hearing import hearing

        return hearing(self)

    def state(self) -> State:
        """The conferences and calls now, in the vocabulary a timeline's fold gives."""
        return State(
            t_ms=self.now,
            conferences={key: room.snapshot() for key, room in self.directory.latest.items()},
            calls={c.name: c.state for c in self.directory.calls.values() if c.started},
        )

    # -- calls and rooms -------------------------------------------------------------------------
    def call_for(self, spec: CallSpec) -> Call:
        """The call of a spec: made when its first step is due when streaming."""
        if not self.streaming:
            return self.directory.calls[spec.name]
        return self.directory.add_call(Call(self, spec))

    def at(self, t_ms: int, step: Callable[[], Any]) -> None:
        """A step added while running (REST): due at ``t_ms`` (not before now), STEP priority."""
        self.clock.due(max(0, t_ms - self.now), STEP).callbacks.append(lambda _e: step())

    def add_call(self, spec: CallSpec) -> Call:
        """A call added while running (the shell): its steps scheduled from now on."""
        call = self.directory.add_call(Call(self, spec))
        self.at(spec.at_ms, call.arrive)
        for sp in spec.speech:
            self.at(sp.start_ms, lambda c=call: c.set_talking(True))
            self.at(sp.end_ms, lambda c=call: c.set_talking(False))
        for press in spec.presses:
            self.at(press.at_ms, lambda c=call, d=press.digits: c.press(d))
        for said in spec.utterances:
            self.at(said.at_ms, lambda c=call, s=said: c.utter(s.text, s.confidence))
        if spec.hangup_ms is not None:
            self.at(spec.hangup_ms, call.hangup)
        return call

    def find_call(self, name_or_sid: str) -> Call | None:
        return self.directory.find_call(name_or_sid)

    def room(self, account: str, name: str, creator: ConferenceAttrs) -> Conference:
        """The live conference of that name in that account, or a new one (new ConferenceSid)."""
        room = self.directory.room(account, name)
        if room is None:
            sid = self.directory.room_sid(account, name)
            room = Conference(self, account, name, sid, creator)
            self.directory.add_room(room)
        return room

    def deliver(self, request: Request, event: dict[str, Any]) -> Request:
        """Send a callback through the transport, with the event's parameters; its answer changes
        nothing in the room, but a failure is told (``callback-failed``) right after the event."""
        params = request.body if request.body is not None else event.get("params") or {}
        sent = HttpRequest(request.purpose, request.url, request.method, params)
        answer = self.send(sent)
        if answer.kind == "failed":
            log = self.log.bind(
                conference=event.get("conference"),
                account=event.get("account"),
                call=event.get("call"),
            )
            self.pending.append(lambda: failed(self.warn, log, sent, answer))
        if answer.status is None:
            return request
        return Request(request.purpose, request.url, request.method, answer.status, request.body)

    def send(self, request: HttpRequest) -> HttpResponse:
        """Every request the platform makes, through the transport. REST operations the app
        makes meanwhile are queued (``defer``)."""
        self.sending += 1
        try:
            return self.transport.send(request)
        finally:
            self.sending -= 1

    # -- operations the app makes while a request is out (rule RE1) -----------------------------
    def defer(self, operation: Callable[[], None]) -> None:
        """Queue an operation made while a request is out: it is applied at this instant, once
        the consequences of what is under way are complete, in the order made, one at a time
        (each one's own consequences complete before the next: OPERATION priority)."""
        self.operations.append(operation)
        if not self.operation_due:
            self.operation_due = True
            self.clock.due(0, OPERATION).callbacks.append(self.apply_next_operation)

    def apply_next_operation(self, _event: simpy.Event | None = None) -> None:
        self.operation_due = False
        operation = self.operations.popleft()
        if self.operations:
            self.operation_due = True
            self.clock.due(0, OPERATION).callbacks.append(self.apply_next_operation)
        operation()

    def warn(self, log: Any, event: str, **params: Any) -> None:
        log.warning(event, kind="warning", params=params, requests=[])

    def ignored(self, log: Any, names: tuple[str, ...], what: str = "attributes") -> None:
        """D1: what the platform knows and the simulator does not model, named once."""
        if names:
            self.warn(
                log,
                "attribute-ignored",
                attributes=" ".join(names),
                reason=f"the platform knows these {what} but the simulator does not model "
                "them; the run goes on as if they were absent",
            )


def capture(scenario: Scenario, **options: Any) -> list[Event]:
    """Run a scenario to the end and return its whole timeline (options as for Engine)."""
    from ..events import CaptureSink

    sink = CaptureSink()
    Engine(scenario, sinks=[sink], **options).run()
    return sink.events
