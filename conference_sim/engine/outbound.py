"""Participant create (SPEC 10): the platform dials a number and puts whoever answers into the
conference.

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

from ..actions import AddParticipant
from ..model import Callee, CallSpec, Dial, Document
from .participant import Participant

if TYPE_CHECKING:
    from .call import Call
    from .core import Engine


def dial_out(sim: Engine, action: AddParticipant) -> Call:
    """Create the call now; schedule what its callee does."""
    from .call import Call, Leg

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
    leg = call.outbound = Leg(call, action)
    sim.directory.add_call(call)
    leg.progress("queued")
    if callee.outcome == "failed":
        fail(sim, call, "failed")
        return call
    leg.progress("ringing")
    if callee.outcome == "busy":
        sim.at(now + 1000, lambda: fail(sim, call, "busy"))
    elif callee.outcome == "no-answer" or callee.answer_ms > action.timeout_ms:
        sim.at(now + action.timeout_ms, lambda: fail(sim, call, "no-answer"))
    else:
        sim.at(answer_at, lambda: answered(call))
        if spec.hangup_ms is not None:
            sim.at(spec.hangup_ms, call.hangup)
    return call


def answered(call: Call) -> None:
    if call.ended:
        return
    assert call.outbound is not None
    call.outbound.progress("in-progress")
    call.arrive()


def fail(sim: Engine, call: Call, status: str) -> None:
    """The callee never answered: the call ends; the room hears of a failed add."""
    if call.ended:
        return
    leg = call.outbound
    assert leg is not None
    room = sim.directory.room(call.account, leg.action.conference)
    if room is not None:  # the room is told with a leave and no join (participant_add_failed)
        p = Participant(room, call, Dial(room=room.name, attrs=leg.action.attrs), None)
        extra = {"ParticipantCallStatus": status, "ReasonParticipantLeft": "participant_add_failed"}
        room.emit("participant-leave", p, extra=extra)
    leg.progress(status)
    call.ended = True
    call.ended_ms = call.updated_ms = sim.now
    sim.directory.call_ended(call, started=False)
