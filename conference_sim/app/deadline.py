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


class Alarm:
    """One exchange's alarm: AppTimedOut once it rings (the first time only); a Ctrl-C
    meanwhile is the user's (UserInterrupt), told apart from one the app raises itself."""

    __slots__ = ("armed",)

    def __init__(self) -> None:
        self.armed = True

    def ring(self, _signum: int, _frame: Any) -> None:
        if self.armed:
            self.armed = False
            raise AppTimedOut(f"no answer within {TIMEOUT_S:g} s")

    @staticmethod
    def ctrl_c(_signum: int, _frame: Any) -> None:
        raise UserInterrupt


def under_alarm(job: Callable[[], T], seconds: float) -> T:
    """In the main thread: ``job()``, with AppTimedOut raised wherever it is once ``seconds``
    pass; someone else's timer (pytest-timeout's, the test's own) is put back after with what
    is left of it."""
    state = Alarm()
    before_alarm = raw_signal.signal(SIGALRM, state.ring)
    before_int = raw_signal.getsignal(SIGINT)
    default_int = before_int is signal.default_int_handler
    if default_int:
        raw_signal.signal(SIGINT, Alarm.ctrl_c)
    theirs, interval = raw_signal.setitimer(ITIMER_REAL, max(seconds, 0.001))
    started = time.monotonic() if theirs > 0 else 0.0
    try:
        return job()
    finally:
        state.armed = False
        raw_signal.setitimer(ITIMER_REAL, 0)
        raw_signal.signal(SIGALRM, before_alarm)
        if default_int:
            raw_signal.signal(SIGINT, before_int)
        if theirs > 0:
            left = max(theirs - (time.monotonic() - started), 0.001)
            raw_signal.setitimer(ITIMER_REAL, left, interval)


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

    def run(self, exchange: Callable[[], T], *, in_process: bool) -> T:
        """The exchange's result; AppTimedOut past the deadline; AppEndedTheRun for what would
        end the run. A Ctrl-C pressed meanwhile is the user's: it goes on up."""
        if in_process and in_main_thread():
            try:
                return under_alarm(exchange, TIMEOUT_S)
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
