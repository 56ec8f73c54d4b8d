"""The simulated clock: a simpy environment whose same-instant order has named priorities.

Lower runs first:

* ``URGENT`` (simpy's own): process starts and interrupts, i.e. the consequences of a step,
  run before anything else due at that instant;
* ``OPERATION``: REST operations the app made while a request was out (an app's webhook
  handler calling the API), one at a time in the order made, once the consequences of what
  set them off are complete (rule RE1: the model is never changed in the middle of a step);
* ``STEP``: scenario steps (arrivals, speech, key presses, hang-ups, REST actions), one at a
  time in file order (calls in ``calls`` order, then ``actions``);
* ``MEDIA``: media and timers running out (Say/Play/Pause ends, Dial timeLimit);
* ``STOP``: the clock stops, after everything else due at that instant.

Time is integer milliseconds, so sums never drift.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from heapq import heappush
from typing import Any

import simpy
from simpy.events import URGENT

OPERATION, STEP, MEDIA, STOP = URGENT + 1, URGENT + 2, URGENT + 3, URGENT + 9


class Due(simpy.Event):
    """An event due ``delay_ms`` from now at a named priority (simpy's Timeout has no priority
    argument; this is Timeout with one)."""

    def __init__(self, env: simpy.Environment, delay_ms: int, priority: int) -> None:
        # Event.__init__ and schedule() inlined, as simpy's own Timeout does: one per step
        self.env = env
        self.callbacks = []
        self._value = None
        self._ok = True
        heappush(env._queue, (env._now + delay_ms, priority, next(env._eid), self))  # type: ignore[attr-defined]


class Clock(simpy.Environment):
    """The run's environment: ``now_ms``, timers at named priorities, and what is due next.
    Time stays a whole number of milliseconds: every delay is one, and so is every time the
    clock is run to (``Engine.advance``)."""

    # read by every event: a property whose getter is C (no Python frame)
    now_ms = property(operator.attrgetter("_now"), doc="The simulated time in ms (an int).")

    def reader(self) -> Callable[[], int]:
        """A function of no argument that reads ``now_ms`` (in C, as the event log calls it)."""
        return functools.partial(operator.attrgetter("_now"), self)

    def free_for_step(self, t_ms: int) -> bool:
        """Whether a step due at ``t_ms`` may run now, without waiting on the queue: it is due
        now, and nothing queued would run before it (nothing at this instant at URGENT or STEP
        priority). Most steps of a large run share their instant with the step before."""
        if t_ms != self._now:
            return False
        queue = self._queue  # type: ignore[attr-defined]
        return not queue or queue[0][0] != t_ms or queue[0][1] > STEP

    def due(self, delay_ms: int, priority: int) -> simpy.Event:
        return Due(self, delay_ms, priority)

    def media_wait(self, ms: int) -> simpy.Event:
        """Fires when ``ms`` of media have played (MEDIA priority)."""
        return Due(self, ms, MEDIA)

    def play_for(self, ms: int | None) -> simpy.Event:
        """Media playing for ms; None (loop="0") plays until the process is interrupted."""
        return self.media_wait(ms) if ms is not None else simpy.Event(self)

    def after(self, ms: int, fn: Callable[[], Any]) -> None:
        """Call ``fn`` when ``ms`` have passed (a timer, MEDIA priority)."""
        self.media_wait(ms).callbacks.append(lambda _e: fn())


def interrupt(clock: simpy.Environment, process: simpy.Process | None, cause: object) -> None:
    """Interrupt a process with a cause. From inside that process itself (an app acting by REST
    on an event its own step just emitted), the interrupt waits until the process next waits: a
    simpy process cannot interrupt itself."""
    if process is None or not process.is_alive:
        return
    if clock.active_process is process:
        later = Due(clock, 0, URGENT)
        later.callbacks.append(lambda _e: process.is_alive and process.interrupt(cause))
        return
    process.interrupt(cause)
