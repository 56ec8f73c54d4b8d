"""The platform's 15 s for a whole exchange with the app, and what an app may not do to a run.

* **The deadline** covers the whole exchange: connecting, the headers, every chunk of the body.
  An in-process app is called in the run's own thread (so it sees the same thread-local state
  as the test that runs it: a Django test database, a SQLite connection); in the main thread an
  alarm (SIGALRM) ends an app that has not answered in time, wherever it is stuck, by raising
  :class:`AppTimedOut` inside it. Elsewhere (a run driven from another thread, ``serve``) the
  exchange runs in a worker thread that is abandoned at the deadline.
* **An app cannot end the run**: ``SystemExit``, ``GeneratorExit``, ``asyncio.CancelledError``
  and a ``KeyboardInterrupt`` that the app raised itself are the app's failure (11200). A Ctrl-C
  pressed while the app runs is the user's, and still stops the run.
"""

from __future__ import annotations

import asyncio
import math
import os
import signal

try:  # the C functions under signal's (which wrap each number and handler in an enum)
    import _signal as raw_signal
except ImportError:  # pragma: no cover - another Python
    raw_signal = signal  # type: ignore[assignment]
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
TIMEOUT_S = 15.0


class AppTimedOut(BaseException):
    """Raised inside an in-process app that has not answered within the deadline."""


class UserInterrupt(KeyboardInterrupt):
    """Ctrl-C pressed while the app ran: the user's, it stops the run."""


class AppEndedTheRun(Exception):
    """The app raised what would end a run (SystemExit, …): its failure, as 11200."""

    def __init__(self, err: BaseException) -> None:
        super().__init__(f"{type(err).__name__}: {err}" if str(err) else type(err).__name__)
        self.original = err


APP_ENDINGS = (SystemExit, GeneratorExit, KeyboardInterrupt, asyncio.CancelledError)


HAS_ALARM = hasattr(signal, "SIGALRM")
SIGINT = int(signal.SIGINT)
SIGALRM = int(getattr(signal, "SIGALRM", 14))
ITIMER_REAL = int(getattr(signal, "ITIMER_REAL", 0))


def in_main_thread() -> bool:
    return HAS_ALARM and threading.get_ident() == threading.main_thread().ident


def ctrl_c(_signum: int, _frame: Any) -> None:
    """Ctrl-C: the user's while an app answers (told apart from a KeyboardInterrupt the app
    raises itself); Python's own KeyboardInterrupt otherwise."""
    raise UserInterrupt if ALARM.dues else KeyboardInterrupt


class Alarm:
    """The main thread's alarm, shared by the runs that go in it: installed at an exchange when
    it is not (the first of a run, or after someone else put their handler in), put back at the
    end of a run when no exchange is under way. ``bound(job, s)``: AppTimedOut raised inside
    ``job`` once ``s`` pass; a Ctrl-C meanwhile is the user's (UserInterrupt, a
    KeyboardInterrupt), told apart from one the app raises itself.

    One timer serves every exchange, set again only when it rings (at most once an exchange's
    deadline), so an exchange makes no system call: a request costs what the app costs.
    Someone else's timer (pytest-timeout's, the test's own) is carried on it: it rings into
    their handler when it falls due, or, if that is inside an exchange, just after it (never
    inside the app, which would take what their handler raises for its own failure); it is
    given back, with what is left of it, when the alarm is put back."""

    def __init__(self) -> None:
        self.handler = self.ring  # (one bound method: the one installed, compared by identity)
        self.dues: list[float] = []  # (monotonic) deadlines of the exchanges under way
        self.timer = 0.0  # when the timer rings; 0: it is not set
        self.owed = False  # their timer fell due inside an exchange: it rings as that ends
        self.their_due = self.their_every = 0.0
        self.before_alarm: Any = None
        self.before_int: Any = None

    def install(self) -> None:
        self.before_alarm = raw_signal.signal(SIGALRM, self.handler)
        theirs, self.their_every = raw_signal.setitimer(ITIMER_REAL, 0)
        self.their_due = time.monotonic() + theirs if theirs > 0 else 0.0
        self.timer = 0.0
        self.before_int = raw_signal.getsignal(SIGINT)
        if self.before_int is signal.default_int_handler:
            raw_signal.signal(SIGINT, ctrl_c)
        self.set_timer()

    def release(self) -> None:
        """A run's end: their timer and handlers back, unless an exchange is under way (the
        next exchange installs the alarm again), or it is not ours any more."""
        if self.dues or not in_main_thread() or raw_signal.getsignal(SIGALRM) is not self.handler:
            return
        if self.their_due:
            left = max(self.their_due - time.monotonic(), 0.001)
            raw_signal.setitimer(ITIMER_REAL, left, self.their_every)
        elif self.timer:
            raw_signal.setitimer(ITIMER_REAL, 0)
        self.timer = self.their_due = 0.0
        before = self.before_alarm
        raw_signal.signal(SIGALRM, signal.SIG_DFL if before is None else before)
        if raw_signal.getsignal(SIGINT) is ctrl_c:
            raw_signal.signal(SIGINT, self.before_int)

    def set_timer(self) -> None:
        """The timer at the first of the exchanges' deadlines and theirs (or not at all)."""
        due = [t for t in self.dues if t != math.inf]
        if self.their_due:
            due.append(self.their_due)
        if due:
            self.timer = min(due)
            raw_signal.setitimer(ITIMER_REAL, max(self.timer - time.monotonic(), 0.001))

    def ring(self, signum: int, frame: Any) -> None:
        now, armed, self.timer = time.monotonic(), self.timer, 0.0
        if not armed:  # a timer set by someone else since: theirs
            self.theirs(signum, frame)
            return
        if self.dues and now >= self.dues[-1]:
            self.dues[-1] = math.inf  # (it rings once)
            self.set_timer()
            raise AppTimedOut(f"no answer within {TIMEOUT_S:g} s")
        if self.their_due and now >= self.their_due:
            self.their_due = now + self.their_every if self.their_every else 0.0
            if self.dues:
                self.owed = True
            else:
                self.set_timer()
                self.theirs(signum, frame)
                return
        self.set_timer()

    def theirs(self, signum: int, frame: Any) -> None:
        """What their timer's ring would have done: their handler, or the default (the end)."""
        handler = self.before_alarm
        if callable(handler):
            handler(signum, frame)
        elif handler in (signal.SIG_DFL, None):
            raw_signal.signal(SIGALRM, signal.SIG_DFL)
            signal.raise_signal(SIGALRM)

    def bound(self, job: Callable[[], T], seconds: float) -> T:
        if raw_signal.getsignal(SIGALRM) is not self.handler:
            self.install()
        due = time.monotonic() + max(seconds, 0.001)
        self.dues.append(due)
        if not self.timer or self.timer > due:
            self.set_timer()
        try:
            return job()
        finally:
            self.dues.pop()
            if self.owed and not self.dues:  # theirs fell due meanwhile: it rings in a moment,
                self.owed = False  # once out of the exchange (what it raises is not the app's)
                self.their_due = time.monotonic()
                self.set_timer()

    def forked(self) -> None:
        """In a child process: no timer of the parent's came with it (fork does not copy it)."""
        self.timer = self.their_due = 0.0


ALARM = Alarm()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=ALARM.forked)


class Worker:
    """A daemon thread that runs exchanges one at a time; abandoned when one overruns."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.jobs: list[tuple[Callable[[], Any], threading.Event, list[Any]]] = []
        self.ready = threading.Condition()
        self.thread = threading.Thread(target=self.loop, name=name, daemon=True)
        self.thread.start()

    def loop(self) -> None:
        while True:
            with self.ready:
                while not self.jobs:
                    self.ready.wait()
                job, done, out = self.jobs.pop(0)
            try:
                out.append((True, job()))
            except BaseException as err:  # handed to the waiting thread
                out.append((False, err))
            done.set()

    def run(self, job: Callable[[], T], seconds: float) -> tuple[bool, Any]:
        """(True, the job's result) or (False, what it raised); TimeoutError past ``seconds``."""
        done, out = threading.Event(), []
        with self.ready:
            self.jobs.append((job, done, out))
            self.ready.notify()
        if not done.wait(seconds):
            raise TimeoutError
        return out[0]  # type: ignore[no-any-return]


class Deadline:
    """Runs one exchange under the deadline, in this thread (main: an alarm) or in a worker."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.worker: Worker | None = None
        self.alarmed = False  # an exchange of this run went under the main thread's alarm

    def bound(self, job: Callable[[], T], seconds: float) -> T:
        """In the main thread: ``job()``, with AppTimedOut raised inside it past ``seconds``."""
        self.alarmed = True
        return ALARM.bound(job, seconds)

    def close(self) -> None:
        """The run's end: the main thread's alarm put back (when no exchange is under way)."""
        if self.alarmed:
            self.alarmed = False
            ALARM.release()

    def run(self, exchange: Callable[[], T], *, in_process: bool) -> T:
        """The exchange's result; AppTimedOut past the deadline; AppEndedTheRun for what would
        end the run. A Ctrl-C pressed meanwhile is the user's: it goes on up."""
        if in_process and in_main_thread():
            try:
                return self.bound(exchange, TIMEOUT_S)
            except UserInterrupt:
                raise
            except APP_ENDINGS as err:
                raise AppEndedTheRun(err) from None
        if self.worker is None:
            self.worker = Worker(self.name)
        try:
            ok, value = self.worker.run(exchange, TIMEOUT_S)
        except TimeoutError:
            self.worker = None  # stuck in the app: abandoned, a new one next time
            raise AppTimedOut(f"no answer within {TIMEOUT_S:g} s") from None
        if ok:
            return value  # type: ignore[no-any-return]
        if isinstance(value, APP_ENDINGS):  # (in a worker every one of them is the app's)
            raise AppEndedTheRun(value) from None
        raise value
