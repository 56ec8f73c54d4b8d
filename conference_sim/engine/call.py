"""A call, from its arrival to its hang-up, and the leg of a call the platform dialled.

A call arrives (its first document fetched from the app when it has a voice URL), runs its
document as a simpy process (:mod:`.script`), may stay in a conference, and ends. What the
scenario makes it do (speech, key presses, hang-up) and what the room does to it (leave, kick,
end) arrive here as steps; the Dial's end and its action request are sent from here.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from ..events import Request
from ..model import CallSpec, Dial, Document
from ..states import CallState
from . import script
from .causes import FAILED, HUNG_UP, DialOver, HungUp, Redirected
from .clock import URGENT, interrupt
from .fetching import runnable
from .params import dial_params, voice_params
from .participant import Participant
from .requests import HttpRequest

if TYPE_CHECKING:
    from .bridge import Bridge
    from .core import Engine
    from .eventlog import EventLogger
    from .ivr import Gathering, Recorder
    from .legs import Leg


class Call:
    """One call of the scenario, from its arrival to its hang-up."""

    __slots__ = (  # every attribute, each set in __init__
        "account",
        "account_sid",
        "action_answer",
        "bridge",
        "clock",
        "created_ms",
        "deleted",
        "ended",
        "ended_ms",
        "final_status",
        "gathering",
        "hop_ms",
        "hops",
        "hung_up",
        "log",
        "loop_mark",
        "loops",
        "name",
        "now_playing",
        "number_leg",
        "outbound",
        "participant",
        "process",
        "recorder",
        "sid",
        "sim",
        "spec",
        "started",
        "started_ms",
        "stay",
        "talking",
        "updated_ms",
        "verbs_run",
    )

    def __init__(
        self, sim: Engine, spec: CallSpec, sid: str | None = None, created_ms: int | None = None
    ) -> None:
        self.sim = sim
        self.clock = sim.clock
        self.spec = spec
        self.name = spec.name
        self.account = spec.account
        self.sid = sid or sim.directory.sid("CA", spec.name)
        self.outbound: Leg | None = None  # a call the platform dialled: its progress
        self.number_leg: Leg | None = None  # an inbound call's progress (status_callback:)
        self.bridge: Bridge | None = None
        self.gathering: Gathering | None = None  # a <Gather> listening for keys
        self.recorder: Recorder | None = None  # a <Record> under way
        self.final_status = "completed"  # (a <Reject> as the first verb: busy, no-answer)
        self.verbs_run = 0  # a <Dial> of numbers under way (this call dialled)
        self.account_sid = sim.directory.account_sid(spec.account)
        self.participant: Participant | None = None
        self.talking = False
        self.hung_up = False
        self.ended = False
        self.deleted = False  # (the REST API removed its record: Calls DELETE)
        self.started = False
        # the resource's times (SPEC 10): made, answered, ended, last changed; they move only
        # when the call changes, never on a fetch
        self.created_ms = spec.at_ms if created_ms is None else created_ms  # (dialled: now)
        self.started_ms: int | None = None
        self.ended_ms: int | None = None
        self.updated_ms = self.created_ms
        self.now_playing: str | None = None
        self.loop_mark, self.loops = -1, 0  # Redirects since the timeline last moved
        self.hop_ms, self.hops = -1, 0  # documents started at the instant hop_ms
        self.action_answer: Document | None = None  # the Dial action's answer, to run next
        self.process: simpy.Process | None = None
        self.stay: simpy.Event | None = None  # what the process waits on, in a conference
        self.log = sim.log.bind(call=spec.name, account=spec.account)

    @property
    def direction(self) -> str:
        return self.outbound.direction if self.outbound is not None else "inbound"

    @property
    def state(self) -> CallState:
        if self.ended:
            return CallState.ENDED
        return CallState.CONNECTED if self.started else CallState.NOT_ARRIVED

    # -- scenario steps --------------------------------------------------------------------------
    def arrive(self, fallback: tuple[str | None, str] = (None, "POST")) -> None:
        """call-start; a call with a voice URL asks the app for its first document (SPEC 9):
        an inbound call while it rings, a call the platform dialled once it is answered (with
        ``AnsweredBy`` when machine detection was asked for). When that request fails and a
        ``fallback`` URL is given, the fallback is asked (with ``ErrorCode`` and ``ErrorUrl``)."""
        self.started = True
        self.started_ms = self.updated_ms = self.clock.now_ms
        self.sim.directory.call_started()
        if self.outbound is None and self.spec.status_callback is not None:
            from .legs import Leg  # an inbound call with its number's status callback

            spec = self.spec
            self.number_leg = Leg(self, direction="inbound", status_callback=spec.status_callback,
                                  events=spec.status_callback_event,
                                  method=spec.status_callback_method)  # fmt: skip
            self.number_leg.progress("ringing")  # (answered by its first verb: script.py)
        document, requests = self.spec.document, []
        if self.spec.url is not None:
            params = voice_params(self, "ringing" if self.outbound is None else "in-progress")
            if self.outbound is not None and self.outbound.answered_by is not None:
                params["AnsweredBy"] = self.outbound.answered_by
            request = HttpRequest("voice", self.spec.url, self.spec.method, params)
            answer = self.sim.send(request)
            requests.append(Request("voice", request.url, request.method, answer.status))
            if answer.kind == "failed" and fallback[0] is not None:
                self.sim.documents.report(request, answer, self.log)
                failed_params = {**params, "ErrorCode": str(answer.error_code),
                                 "ErrorUrl": request.url}  # fmt: skip
                request = HttpRequest("voice", fallback[0], fallback[1], failed_params)
                answer = self.sim.send(request)
                requests.append(Request("fallbackUrl", request.url, request.method, answer.status))
        self.log.info(
            "call-start",
            kind="call",
            params={"CallSid": self.sid, "From": self.spec.from_, "To": self.spec.to},
            requests=requests,
        )
        if self.spec.url is not None:
            document = runnable(request, self.sim.documents.report(request, answer, self.log))
        if document is None:  # the app failed: the platform ends the call
            self.end("application-error")
            return
        self.process = self.clock.process(self.run(document))

    def hangup(self, reason: str = "caller-hung-up") -> None:
        """The caller hangs up: leave (and maybe end) the conference, dial-end, call-end."""
        if self.ended or not self.started:
            return
        self.hung_up = True
        if self.participant is not None:
            self.participant.room.remove(self.participant, "hangup")
        if self.bridge is not None:
            self.bridge.hung_up(self)
        if self.recorder is not None:
            self.recorder.hang_up()
        self.end(reason)
        self.end_stay(HUNG_UP)

    def set_talking(self, on: bool) -> None:
        self.talking = on
        if self.recorder is not None:
            self.recorder.talk(on)
        if self.participant is not None:
            self.participant.room.update_speech(self.participant)

    def utter(self, text: str, confidence: float) -> None:
        if self.gathering is not None:
            self.gathering.utter(text, confidence)

    def press(self, digits: str) -> None:
        p = self.participant
        if p is not None and p.dial.hangup_on_star and "*" in digits:
            p.room.remove(p, "hangup-on-star")
        if self.bridge is not None and "*" in digits:
            self.bridge.star(self)
        if self.gathering is not None:
            for key in digits:
                self.gathering.key(key)
        if self.recorder is not None:
            for key in digits:
                self.recorder.key(key)

    def run(self, document: Document) -> Generator[simpy.Event, Any, None]:
        """The call's process (see :mod:`.script`)."""
        return script.run(self, document)

    def redirect(self, document: Document, url: str | None) -> None:
        """REST call update (Url/Twiml): leave the conference (no Dial action), run document."""
        if self.participant is not None:
            self.participant.room.remove(self.participant, "redirect")
        if self.bridge is not None:
            self.bridge.drop()
        self.interrupt(Redirected(document, url))

    def interrupt(self, cause: object) -> None:
        interrupt(self.clock, self.process, cause)

    def end_stay(self, cause: DialOver | HungUp) -> None:
        """Tell the process its stay in the conference is over: at the same place in the queue
        as an interrupt (URGENT, now), but as the value it waits for, without an exception
        through its frames. Anywhere else (or from inside itself), it is interrupted."""
        stay = self.stay
        if stay is None or stay.triggered or self.clock.active_process is self.process:
            self.interrupt(cause)
            return
        stay._ok, stay._value = True, cause
        self.clock.schedule(stay, URGENT)

    # -- leaving ---------------------------------------------------------------------------------
    def time_limit(self, p: Participant) -> None:
        if self.participant is p:
            p.room.remove(p, "time-limit")

    def left(self, p: Participant, why: str) -> None:
        """The room took this call out (it left, was kicked, or the room ended): its Dial ends,
        and unless the caller hung up, the call goes on with what follows the Dial."""
        if self.participant is not p:
            return
        self.participant = None
        redirected = why == "redirect"  # the call runs other cXML: its Dial action is not asked
        self.finish_dial(
            p.dial, "answered", joined_ms=p.joined_ms, send_action=not redirected, log=p.log
        )
        if why not in ("hangup", "redirect"):
            self.end_stay(DialOver(why))

    def finish_dial(
        self,
        verb: Dial,
        status: str,
        error: int | None = None,
        *,
        joined_ms: int | None,
        send_action: bool = True,
        log: EventLogger | None = None,
        extra: dict[str, str] | None = None,
    ) -> None:
        """dial-end, and the request to the Dial action: its answer is what the call runs next
        (kept for ``after_dial``); after a hang-up the platform still sends it."""
        stay = 0 if joined_ms is None else self.clock.now_ms - joined_ms
        params = dial_params(self, status, error, stay)
        if extra is not None:  # a dial of targets (DL3): DialCallSid and its own duration
            params.update(extra)
            if not self.sim.dialect.dial_bridged:
                params.pop("DialBridged", None)
        requests = []
        if verb.action is not None and send_action:
            request = HttpRequest("action", verb.action, verb.method, params)
            answer = self.sim.send(request)
            requests.append(Request("action", verb.action, verb.method, answer.status))
        log = log or self.log.bind(conference=verb.room)  # (the participant's: the same context)
        log.info("dial-end", kind="call", params=params, requests=requests)
        if requests and not self.hung_up:  # after a hang-up nobody runs the answer
            document = runnable(request, self.sim.documents.report(request, answer, self.log))
            self.action_answer = FAILED if document is None else document

    def end(self, reason: str) -> None:
        if self.ended:
            return
        self.ended = True
        self.ended_ms = self.updated_ms = self.clock.now_ms
        self.now_playing = None
        self.log.info(
            "call-end",
            kind="call",
            params={"CallSid": self.sid, "CallStatus": self.final_status, "reason": reason},
        )
        leg = self.outbound or self.number_leg
        if leg is not None:
            stay = self.clock.now_ms - self.started_ms if self.started_ms is not None else 0
            unanswered = self.final_status != "completed"
            leg.progress(self.final_status, duration_ms=0 if unanswered else stay)
        if self.sid in self.sim.directory.api_recordings:
            from .recordings import call_ended

            call_ended(self.sim, self)
        self.sim.directory.call_ended(self)
