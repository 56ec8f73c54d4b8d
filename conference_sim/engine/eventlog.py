"""The event log: a structlog logger whose processors stamp simulated time and feed the sinks.

Model code logs ``log.info("participant-join", kind="conference", params=..., requests=...)`` on
a logger bound with ``conference=``/``account=``/``call=``; the processor chain (plain callables)
numbers the event, stamps the simulated clock (never the wall clock) and hands a frozen
:class:`~conference_sim.events.Event` to every sink.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import structlog

from ..events import KNOWN_EVENTS, Event, Request, Sink
from .transport import CALLBACK_PURPOSES

KNOWN = frozenset(KNOWN_EVENTS)


class SimTimeStamper:
    """Like structlog's TimeStamper, but reads the simulated clock (integer milliseconds)."""

    __slots__ = ("now",)

    def __init__(self, now: Callable[[], int]) -> None:
        self.now = now

    def __call__(self, _logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
        event_dict["t_ms"] = self.now()
        return event_dict


class Numberer:
    """Gives each event its ``seq`` (0, 1, 2, … in emission order)."""

    __slots__ = ("next_seq",)

    def __init__(self) -> None:
        self.next_seq = 0

    def __call__(self, _logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
        event_dict["seq"] = self.next_seq
        self.next_seq += 1
        return event_dict


class Deliver:
    """Sends the event's callback requests (statusCallback, recordingStatusCallback,
    eventCallbackUrl) through the run's transport, with the event's parameters. Document
    requests (waitUrl, Redirect, action…) are fetched by the engine itself when it needs them."""

    __slots__ = ("send",)

    def __init__(self, send: Callable[[Request, dict[str, Any]], Request]) -> None:
        self.send = send

    def __call__(self, _logger: Any, _name: str, ed: dict[str, Any]) -> dict[str, Any]:
        requests = ed.get("requests")
        if requests:
            ed["requests"] = [
                self.send(r, ed) if r.purpose in CALLBACK_PURPOSES else r for r in requests
            ]
        return ed


class FanOut:
    """Last processor: builds the Event, gives it to each sink, and drops the log call."""

    __slots__ = ("after", "sinks")

    def __init__(self, sinks: list[Sink], after: Callable[[], None] | None) -> None:
        self.sinks = sinks
        self.after = after  # runs once the event is out: what it caused comes after it

    def __call__(self, _logger: Any, _name: str, ed: dict[str, Any]) -> dict[str, Any]:
        if ed["event"] not in KNOWN:
            raise ValueError(f"the engine emitted an unknown event {ed['event']!r}")
        event = Event(
            seq=ed["seq"],
            t_ms=ed["t_ms"],
            kind=ed["kind"],
            event=ed["event"],
            conference=ed.get("conference"),
            account=ed.get("account"),
            call=ed.get("call"),
            params=ed.get("params") or {},
            requests=tuple(ed.get("requests") or ()),
        )
        for sink in self.sinks:
            sink.emit(event)
        if self.after is not None:
            self.after()
        raise structlog.DropEvent


class EventLog:
    """Owns the processor chain and the sinks; ``logger`` is the root to bind from."""

    def __init__(
        self,
        now: Callable[[], int],
        sinks: Iterable[Sink] = (),
        send: Callable[[Request, dict[str, Any]], Request] | None = None,
        after: Callable[[], None] | None = None,
    ) -> None:
        self.sinks: list[Sink] = list(sinks)
        self.numberer = Numberer()
        chain: list[Any] = [SimTimeStamper(now), self.numberer]
        if send is not None:
            chain.append(Deliver(send))
        self.logger = structlog.wrap_logger(
            None,
            processors=[*chain, FanOut(self.sinks, after)],
            wrapper_class=structlog.make_filtering_bound_logger(0),
            cache_logger_on_first_use=True,
        ).bind(conference=None, account=None, call=None)

    @property
    def count(self) -> int:
        return self.numberer.next_seq

    def add_sink(self, sink: Sink) -> None:
        self.sinks.append(sink)

    def close(self) -> None:
        for sink in self.sinks:
            sink.close()
