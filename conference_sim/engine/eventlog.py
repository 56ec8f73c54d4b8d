"""The event log: where the model's events become timeline lines.

Model code logs ``log.info("participant-join", kind="conference", params=..., requests=...)`` on
a logger bound with ``conference=``/``account=``/``call=`` (structlog's ``bind``/``info``
shape). Emitting numbers the event, stamps the simulated clock (never the wall clock), sends its
callbacks through the transport, and hands one :class:`~conference_sim.events.Event` (a named
tuple) to every sink: one straight path per event, with no processor chain on it (this is the
hot path of a run). When every sink takes records (``emit_record``: the JSONL sink), it hands
them the event's record (:func:`conference_sim.events.record`) and makes no Event at all.
structlog remains a sink away: :class:`conference_sim.output.sinks.StructlogSink`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..events import KNOWN_EVENTS, Event, Request, Sink, record
from .requests import CALLBACK_PURPOSES

KNOWN = frozenset(KNOWN_EVENTS)
new_tuple = tuple.__new__
NO_CONTEXT: dict[str, str | None] = {"conference": None, "account": None, "call": None}


class EventLogger:
    """A bound logger for timeline events: ``bind(call="bob")`` adds context, ``info(event,
    kind=…, params=…, requests=…)`` emits one event."""

    __slots__ = ("context", "log")

    def __init__(self, log: EventLog, context: dict[str, str | None]) -> None:
        self.log = log
        self.context = context

    def bind(self, **context: str | None) -> EventLogger:
        return EventLogger(self.log, {**self.context, **context})

    def info(
        self,
        event: str,
        *,
        kind: str,
        params: dict[str, Any] | None = None,
        requests: Iterable[Request] = (),
    ) -> None:
        self.log.emit(event, self.context, kind, params or {}, requests)

    warning = info


class EventLog:
    """Owns the sequence numbers and the sinks; ``logger`` is the root to bind from."""

    def __init__(
        self,
        now: Callable[[], int],
        sinks: Iterable[Sink] = (),
        send: Callable[[Request, dict[str, Any]], Request] | None = None,
    ) -> None:
        self.now = now
        self.sinks: list[Sink] = list(sinks)
        self.emitters = [sink.emit for sink in self.sinks]
        self.takers = self.record_takers()
        self.send = send  # delivers a callback, answers the request as sent (with its status)
        # what an event set off (an app's REST calls, a failed callback's warning): each runs
        # once the event is out, in order, and may emit events itself
        self.pending: list[Callable[[], None]] = []
        self.count = 0
        self.logger = EventLogger(self, NO_CONTEXT)

    def emit(
        self,
        name: str,
        context: dict[str, str | None],
        kind: str,
        params: dict[str, Any],
        requests: Iterable[Request],
        t_ms: int | None = None,
    ) -> None:
        if name not in KNOWN:
            raise ValueError(f"the engine emitted an unknown event {name!r}")
        if requests and self.send is not None:
            about = {"params": params, **context}
            requests = [
                self.send(r, about) if r.purpose in CALLBACK_PURPOSES else r for r in requests
            ]
        seq = self.count
        self.count = seq + 1
        t = self.now() if t_ms is None else t_ms
        conference, account, call = context["conference"], context["account"], context["call"]
        requests = tuple(requests)
        if self.takers is not None:  # every sink takes the record itself: no Event made
            line = record(seq, t, kind, name, conference, account, call, params, requests)
            for take in self.takers:
                take(line)
        else:  # Event(...) without its Python-level __new__
            event = new_tuple(
                Event, (seq, t, kind, name, conference, account, call, params, requests)
            )
            for emit in self.emitters:
                emit(event)
        if self.pending:
            self.run_pending()

    def run_pending(self) -> None:
        while self.pending:
            self.pending.pop(0)()

    def add_sink(self, sink: Sink) -> None:
        self.sinks.append(sink)
        self.emitters.append(sink.emit)
        self.takers = self.record_takers()

    def record_takers(self) -> list[Callable[[dict[str, Any]], None]] | None:
        """When every sink has ``emit_record`` (the JSONL sink), events go to them as records
        (``events.record``), without an Event each."""
        takers = [getattr(sink, "emit_record", None) for sink in self.sinks]
        return takers if takers and None not in takers else None  # type: ignore[return-value]

    def close(self) -> None:
        for sink in self.sinks:
            sink.close()
