"""A call: a simpy process that runs its cXML document verb by verb.

The story reads top to bottom: the call arrives, says and plays things, dials into a conference
and waits there until something ends its stay (an interrupt that carries the cause), then runs
the Dial action's answer or the next verb, and hangs up when its document runs out.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy
from attrs import frozen

from ..events import Request
from ..model import (
    DEFAULT_TIME_LIMIT_MS,
    CallSpec,
    Dial,
    Document,
    Hangup,
    Pause,
    Play,
    Redirect,
    Say,
)
from ..states import CallState
from .clock import URGENT, interrupt
from .fetching import runnable
from .media import MAX_INSTANT_REDIRECTS, playing
from .params import dial_params, voice_params
from .participant import Participant, Refused
from .requests import HttpRequest

if TYPE_CHECKING:
    from .core import Engine
    from .eventlog import EventLogger
    from .outbound import Leg


@frozen
class DialOver:
    """Interrupt cause: the call's stay in the conference is over; its Dial has ended."""

    why: str


QUIET_LOOPS = 1000
FAILED = Document(verbs=(), source="<the Dial action failed>")


@frozen
class Redirected:
    """Interrupt cause: REST moved the call to another document."""

    document: Document
    url: str | None


@frozen
class HungUp:
    """Interrupt cause: the caller hung up; the process stops."""


HUNG_UP = HungUp()
HUNG_UP_DOC = Document(verbs=(), source="<the caller hung up>")


class Call:
    """One call of the scenario, from its arrival to its hang-up."""

    __slots__ = (  # every attribute, each set in __init__
        "account",
        "account_sid",
        "action_answer",
        "clock",
        "ended",
        "hop_ms",
        "hops",
        "hung_up",
        "log",
        "loop_mark",
        "loops",
        "name",
        "now_playing",
        "outbound",
        "participant",
        "process",
        "sid",
        "sim",
        "spec",
        "started",
        "stay",
        "talking",
    )

    def __init__(self, sim: Engine, spec: CallSpec, sid: str | None = None) -> None:
        self.sim = sim
        self.clock = sim.clock
        self.spec = spec
        self.name = spec.name
        self.account = spec.account
        self.sid = sid or sim.directory.sid("CA", spec.name)
        self.outbound: Leg | None = None  # a call the REST API dialled (participant create)
        self.account_sid = sim.directory.account_sid(spec.account)
        self.participant: Participant | None = None
        self.talking = False
        self.hung_up = False
        self.ended = False
        self.started = False
        self.now_playing: str | None = None
        self.loop_mark, self.loops = -1, 0  # Redirects since the timeline last moved
        self.hop_ms, self.hops = -1, 0  # documents started at the instant hop_ms
        self.action_answer: Document | None = None  # the Dial action's answer, to run next
        self.process: simpy.Process | None = None
        self.stay: simpy.Event | None = None  # what the process waits on, in a conference
        self.log = sim.log.bind(call=spec.name, account=spec.account)

    @property
    def direction(self) -> str:
        return "outbound-api" if self.outbound is not None else "inbound"

    @property
    def state(self) -> CallState:
        if self.ended:
            return CallState.ENDED
        return CallState.CONNECTED if self.started else CallState.NOT_ARRIVED

    # -- scenario steps --------------------------------------------------------------------------
    def arrive(self) -> None:
        """call-start; a call with a voice URL asks the app for its first document (SPEC 9)."""
        self.started = True
        self.sim.directory.call_started()
        document, requests = self.spec.document, []
        if self.spec.url is not None:
            request = HttpRequest(
                "voice", self.spec.url, self.spec.method, voice_params(self, "ringing")
            )
            answer = self.sim.send(request)
            requests.append(Request("voice", request.url, request.method, answer.status))
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
        self.end(reason)
        self.end_stay(HUNG_UP)

    def set_talking(self, on: bool) -> None:
        self.talking = on
        if self.participant is not None:
            self.participant.room.update_speech(self.participant)

    def press(self, digits: str) -> None:
        p = self.participant
        if p is not None and p.dial.hangup_on_star and "*" in digits:
            p.room.remove(p, "hangup-on-star")

    # -- the story ---------------------------------------------------------------------------------
    def run(self, document: Document) -> Generator[simpy.Event, Any, None]:
        url = self.spec.url
        while True:
            try:
                reason = yield from self.run_document(document, url)
                break
            except simpy.Interrupt as stop:
                match stop.cause:
                    case HungUp():
                        return
                    case Redirected(document=document, url=url):
                        continue  # REST moved the call to another document
                    case _:
                        raise
        self.end(reason)

    def redirect(self, document: Document, url: str | None) -> None:
        """REST call update (Url/Twiml): leave the conference (no Dial action), run document."""
        if self.participant is not None:
            self.participant.room.remove(self.participant, "redirect")
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

    def run_document(self, doc: Document, url: str | None) -> Generator[simpy.Event, Any, str]:
        verbs, i = doc.verbs, 0
        while i < len(verbs):
            verb = verbs[i]
            i += 1
            if isinstance(verb, Say | Play):
                self.now_playing, ms = playing(verb, self.sim.scenario.media)
                yield self.clock.play_for(ms)
                self.now_playing = None
            elif isinstance(verb, Pause):
                yield self.clock.media_wait(verb.length_ms)
            elif isinstance(verb, Hangup):
                return "hangup-verb"
            elif isinstance(verb, Redirect):
                if self.looping(url or doc.source, "<Redirect>"):
                    return "redirect-loop"
                self.quiet_loops(url or doc.source)
                target = verb.url or url
                if target is None:  # the inline document again
                    verbs, i = doc.verbs, 0
                    continue
                request = HttpRequest("Redirect", target, verb.method, voice_params(self))
                nxt = self.sim.documents.document(request, self.log, standalone=True)
                if nxt is None:
                    return "application-error"
                doc, url, verbs, i = nxt, target, nxt.verbs, 0
            elif isinstance(verb, Dial):
                nxt, nxt_url = yield from self.dial(verb)
                if nxt is HUNG_UP_DOC:
                    return "caller-hung-up"  # the call has ended already
                if nxt is FAILED:
                    return "application-error"  # the Dial action failed: the call hangs up
                if nxt is not None:
                    if self.looping(nxt_url or nxt.source, "the Dial action's answer"):
                        return "redirect-loop"
                    doc, url, verbs, i = nxt, nxt_url, nxt.verbs, 0
        return "document-end"

    def looping(self, url: str, how: str) -> bool:
        """Whether the call has moved to another document (``<Redirect>``, a Dial action's
        answer) more than MAX_INSTANT_REDIRECTS times with no time passing:
        on the platform each hop takes network time; here it would spin forever at one
        instant. It is told, and the call hangs up."""
        now = self.clock.now_ms
        self.hops = self.hops + 1 if now == self.hop_ms else 0
        self.hop_ms = now
        if self.hops <= MAX_INSTANT_REDIRECTS:
            return False
        reason = f"{how} loops without any time passing; the call hangs up"
        self.sim.warn(self.log, "document-invalid", url=url, reason=reason)
        return True

    def quiet_loops(self, url: str) -> None:
        """A document that loops (Redirect) for a long stretch with nothing else happening on
        the timeline is told once, instead of spinning silently to the end of the clock."""
        count = self.sim.eventlog.count
        if self.loop_mark == -2:
            return
        if count != self.loop_mark:
            self.loop_mark, self.loops = count, 0
            return
        self.loops += 1
        if self.loops == QUIET_LOOPS and self.loop_mark >= 0:
            self.loop_mark = -2  # once: the warning itself moves the timeline
            self.sim.warn(
                self.log,
                "document-invalid",
                url=url,
                reason=f"the document has looped (Redirect) {QUIET_LOOPS} times with nothing else "
                "happening; the call goes on looping until it hangs up or the clock stops",
            )

    def dial(self, verb: Dial) -> Generator[simpy.Event, Any, tuple[Document | None, str | None]]:
        if verb.ignored:  # D1: accepted, but the simulator does not model them
            self.sim.warn(
                self.log.bind(conference=verb.room),
                "attribute-ignored",
                attributes=" ".join(verb.ignored),
                reason="the platform knows these attributes but the simulator does not model "
                "them; the run goes on as if they were absent",
            )
        room = self.sim.room(self.account, verb.room, verb.attrs)
        try:
            p = room.admit(self, verb)
        except Refused as refused:
            if not room.opened:
                self.sim.directory.remove_room(room)
            self.log.bind(conference=verb.room).info(
                "join-refused",
                kind="call",
                params={
                    "CallSid": self.sid,
                    "ErrorCode": str(refused.code),
                    "Reason": refused.reason,
                },
            )
            # L1: a duplicate label goes on with the next verb, with no action request.
            send_action = refused.code != 16025
            self.finish_dial(verb, "failed", refused.code, joined_ms=None, send_action=send_action)
            return self.after_dial(verb)
        # (the room set self.participant; the app may already have taken it out again)
        if verb.time_limit_ms == DEFAULT_TIME_LIMIT_MS:
            self.sim.limit_stay(p, self.clock.now_ms + verb.time_limit_ms)
        else:
            self.clock.after(verb.time_limit_ms, lambda: self.time_limit(p))
        self.stay = self.clock.event()
        try:
            over = yield self.stay  # in the conference until end_stay or an interrupt
        except simpy.Interrupt as stop:
            if not isinstance(stop.cause, DialOver | HungUp):
                raise
            over = stop.cause
        finally:
            self.stay = None
        if isinstance(over, HungUp):
            return HUNG_UP_DOC, None
        return self.after_dial(verb)

    def after_dial(self, verb: Dial) -> tuple[Document | None, str | None]:
        """S5: the Dial action's answer runs next if one was requested, else the next verb
        (FAILED: the action request failed)."""
        answer, self.action_answer = self.action_answer, None
        return (answer, verb.action) if answer is not None else (None, None)

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
    ) -> None:
        """dial-end, and the request to the Dial action: its answer is what the call runs next
        (kept for ``after_dial``); after a hang-up the platform still sends it."""
        stay = 0 if joined_ms is None else self.clock.now_ms - joined_ms
        params = dial_params(self, status, error, stay)
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
        self.now_playing = None
        self.log.info(
            "call-end",
            kind="call",
            params={"CallSid": self.sid, "CallStatus": "completed", "reason": reason},
        )
        if self.outbound is not None:
            self.outbound.progress("completed")
        self.sim.directory.call_ended(self)
