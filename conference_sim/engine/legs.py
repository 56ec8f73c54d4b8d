"""The call legs the platform dials itself: participant create, calls create, and each party
a ``<Dial>`` rings (SPEC 10, 11). A leg's progress is a ``call-progress`` event at each change
of its status, sent to its status callback when that event is subscribed.

Statuses and the events that subscribe to them: ``initiated`` (dialling starts), ``ringing``,
``in-progress`` (``answered``), and one final status on ``completed``: ``completed``, ``busy``,
``no-answer``, ``failed`` or ``canceled``. ``SequenceNumber`` counts every progress event of the
leg from 0, sent or not (rule CP1), so a subscriber to ``completed`` alone sees the number of
the events before it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..events import Request
from ..model import Callee
from .params import rfc2822

if TYPE_CHECKING:
    from .call import Call
    from .core import Engine

# call status -> the StatusCallbackEvent keyword that subscribes to it
EVENT_OF = {
    "initiated": "initiated",
    "ringing": "ringing",
    "in-progress": "answered",
    "completed": "completed",
    "busy": "completed",
    "no-answer": "completed",
    "failed": "completed",
    "canceled": "completed",
}
# the final SIP response the platform reports for each final status (rule CP2)
SIP_CODES = {"completed": "200", "busy": "486", "no-answer": "487", "canceled": "487",
             "failed": "404"}  # fmt: skip


class Leg:
    """The progress of one call the platform dialled: its status, and the callbacks it owes."""

    def __init__(
        self,
        call: Call,
        *,
        direction: str,
        status_callback: str | None = None,
        events: tuple[str, ...] = ("completed",),
        method: str = "POST",
        parent: Call | None = None,
        conference: str | None = None,
    ) -> None:
        self.call = call
        self.direction = direction
        self.status_callback = status_callback
        self.events = events
        self.method = method
        self.parent = parent
        self.conference = conference  # (participant create: the room it is for)
        self.status = "queued"
        self.sequence = 0
        self.answered_by: str | None = None

    def progress(self, status: str, *, duration_ms: int = 0) -> None:
        """The call's status changes: a call-progress event, a callback if subscribed."""
        if (self.status in SIP_CODES and self.status != "completed") or self.status == status:
            return  # a final status is final
        self.status = status
        call = self.call
        params = {
            "CallSid": call.sid,
            "AccountSid": call.account_sid,
            "From": call.spec.from_,
            "To": call.spec.to,
            "CallStatus": status,
            "Direction": self.direction,
            "ApiVersion": "2010-04-01",
            "CallbackSource": "call-progress-events",
            "Timestamp": rfc2822(call.sim.scenario.start, call.clock.now_ms),
            "SequenceNumber": str(self.sequence),
        }
        self.sequence += 1
        if self.parent is not None:
            params["ParentCallSid"] = self.parent.sid
        if EVENT_OF[status] == "completed":
            params["CallDuration"] = str(duration_ms // 1000)
            params[call.sim.dialect.sip_code_param] = SIP_CODES[status]
        if self.answered_by is not None:
            params["AnsweredBy"] = self.answered_by
        requests = []
        if self.status_callback and EVENT_OF[status] in self.events:
            requests.append(Request("callStatusCallback", self.status_callback, self.method))
        call.log.bind(conference=self.conference).info(
            "call-progress", kind="call", params=params, requests=requests
        )


def ring(
    sim: Engine,
    call: Call,
    callee: Callee,
    timeout_ms: int,
    *,
    answered: Callable[[], None],
    failed: Callable[[str], None],
) -> None:
    """Dial now: ``initiated`` and ``ringing`` at once; then what the callee does: answer after
    its time (``answered()``), or ``failed(status)``: busy 1 s later, no-answer at the timeout
    (also when it would answer after it), failed at once."""
    leg = call.outbound
    assert leg is not None
    leg.progress("initiated")
    if callee.outcome == "failed":
        failed("failed")
        return
    leg.progress("ringing")
    now = sim.now
    if callee.outcome == "busy":
        sim.at(now + 1000, lambda: failed("busy"))
    elif callee.outcome == "no-answer" or callee.answer_ms > timeout_ms:
        sim.at(now + timeout_ms, lambda: failed("no-answer"))
    else:
        sim.at(now + callee.answer_ms, answered)


def end_unanswered(sim: Engine, call: Call, status: str) -> None:
    """A leg that never answered (or was canceled) ends with its final status."""
    if call.ended:
        return
    assert call.outbound is not None
    call.outbound.progress(status)
    call.ended = True
    call.ended_ms = call.updated_ms = sim.now
    sim.directory.call_ended(call, started=False)
