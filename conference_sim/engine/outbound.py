"""The calls the REST API makes: participant create (SPEC 10), which dials a number and puts
whoever answers into the conference, and calls create (SPEC 11), which runs a document.

The call is ``queued`` and rings at once (``initiated``, ``ringing``); what the callee does comes
from the scenario's ``callees:`` (default: answers after 5 s). On answer the call runs one
``<Dial><Conference>`` with the participant's attributes (``answered``, then the usual join);
``busy``, ``no-answer`` (also when the callee would answer after ``Timeout``) and ``failed``
end it without a join, with a ``participant-leave`` whose ``ReasonParticipantLeft`` is
``participant_add_failed`` when the conference exists. Each change of the call's status is a
``call-progress`` event, sent to the create's ``StatusCallback`` when its event is subscribed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..actions import AddParticipant, CreateCall
from ..model import Callee, CallSpec, Dial, Document
from .legs import Leg, end_unanswered, ring
from .participant import Participant

if TYPE_CHECKING:
    from .call import Call
    from .core import Engine


def dial_out(sim: Engine, action: AddParticipant) -> Call:
    """Create the call now; schedule what its callee does."""
    from .call import Call

    callee = sim.scenario.callees.get(action.to, Callee())
    now = sim.now
    dial = Dial(room=action.conference, attrs=action.attrs)
    answer_at = now + callee.answer_ms
    spec = CallSpec(
        name=action.name,
        document=Document(verbs=(dial,), source=f"participant create ({action.to})"),
        at_ms=answer_at,
        account=action.account,
        from_=action.from_,
        to=action.to,
        hangup_ms=None if callee.hangup_ms is None else answer_at + callee.hangup_ms,
    )
    call = Call(sim, spec, sid=action.call_sid or None, created_ms=now)
    call.outbound = Leg(
        call,
        direction="outbound-api",
        status_callback=action.status_callback,
        events=action.status_callback_event,
        method=action.status_callback_method,
        conference=action.conference,
    )
    sim.directory.add_call(call)
    sim.ignored(call.log.bind(conference=action.conference), action.ignored, "parameters")

    def answered() -> None:
        if call.ended:
            return
        assert call.outbound is not None
        call.outbound.progress("in-progress")
        call.arrive()
        if spec.hangup_ms is not None:
            sim.at(spec.hangup_ms, call.hangup)

    ring(sim, call, callee, action.timeout_ms, answered=answered,
         failed=lambda status: fail(sim, call, action, status))  # fmt: skip
    return call


def fail(sim: Engine, call: Call, action: AddParticipant, status: str) -> None:
    """The callee never answered: the call ends; the room hears of a failed add."""
    if call.ended:
        return
    room = sim.directory.room(call.account, action.conference)
    if room is not None:  # the room is told with a leave and no join (participant_add_failed)
        p = Participant(room, call, Dial(room=room.name, attrs=action.attrs), None)
        extra = {"ParticipantCallStatus": status, "ReasonParticipantLeft": "participant_add_failed"}
        room.emit("participant-leave", p, extra=extra)
    end_unanswered(sim, call, status)


def place_call(sim: Engine, action: CreateCall) -> Call:
    """Calls create (SPEC 11): the call is queued and dialled at once; on answer it runs the
    create's document, or asks ``Url`` for one (``Direction=outbound-api``,
    ``CallStatus=in-progress``, and ``AnsweredBy`` when machine detection was asked for)."""
    from .call import Call

    callee = sim.scenario.callees.get(action.to, Callee())
    now = sim.now
    spec = CallSpec(
        name=action.name,
        document=action.document,
        at_ms=now,
        account=action.account,
        from_=action.caller_id or action.from_,
        to=action.to,
        url=action.url,
        method=action.method,
    )
    call = Call(sim, spec, sid=action.call_sid or None, created_ms=now)
    leg = call.outbound = Leg(
        call,
        direction="outbound-api",
        status_callback=action.status_callback,
        events=action.status_callback_event,
        method=action.status_callback_method,
    )
    sim.directory.add_call(call)
    sim.ignored(call.log, action.ignored, "parameters")

    def answered() -> None:
        if call.ended:
            return
        if action.machine_detection is not None:
            leg.answered_by = callee.answered_by
        leg.progress("in-progress")
        call.arrive(fallback=(action.fallback_url, action.fallback_method))
        start = sim.now
        for press in callee.presses:
            sim.at(start + press.at_ms, lambda d=press.digits: call.press(d))
        for s in callee.speech:
            sim.at(start + s.start_ms, lambda: call.set_talking(True))
            sim.at(start + s.end_ms, lambda: call.set_talking(False))
        if callee.hangup_ms is not None:
            sim.at(start + callee.hangup_ms, call.hangup)
        if action.time_limit_ms is not None:
            sim.at(start + action.time_limit_ms, lambda: call.hangup("time-limit"))

    ring(sim, call, callee, action.timeout_ms, answered=answered,
         failed=lambda status: end_unanswered(sim, call, status))  # fmt: skip
    return call
