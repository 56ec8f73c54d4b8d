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

from .callbacks import dial_params
from .conference import Participant, Refused
from .cxml import MAX_INSTANT_REDIRECTS, playing
from .events import Request
from .model import CallSpec, Dial, Document, Hangup, Pause, Play, Redirect, Say

if TYPE_CHECKING:
    from .simulation import Simulation


@frozen
class DialOver:
    """Interrupt cause: the call's stay in the conference is over; its Dial has ended."""

    why: str


@frozen
class HungUp:
    """Interrupt cause: the caller hung up; the process stops."""


class Call:
    def __init__(self, sim: Simulation, spec: CallSpec) -> None:
        self.sim = sim
        self.spec = spec
        self.name = spec.name
        self.account = spec.account
        self.sid = sim.sid("CA", spec.name)
        self.account_sid = sim.account_sid(spec.account)
        self.participant: Participant | None = None
        self.talking = False
        self.hung_up = False
        self.ended = False
        self.started = False
        self.now_playing: str | None = None
        self.process: simpy.Process | None = None
        self.log = sim.log.bind(call=spec.name, account=spec.account)

    # -- scenario steps --------------------------------------------------------------------------
    def arrive(self) -> None:
        self.started = True
        self.sim.call_started()
        self.log.info(
            "call-start",
            kind="call",
            params={"CallSid": self.sid, "From": self.spec.from_, "To": self.spec.to},
        )
        self.process = self.sim.env.process(self.run())

    def hangup(self) -> None:
        """The caller hangs up: leave (and maybe end) the conference, dial-end, call-end."""
        if self.ended or not self.started:
            return
        self.hung_up = True
        if self.participant is not None:
            self.leave_conference("hangup")
        self.end("caller-hung-up")
        if self.process is not None and self.process.is_alive:
            self.process.interrupt(HungUp())

    def set_talking(self, on: bool) -> None:
        self.talking = on
        if self.participant is not None:
            self.participant.room.update_speech(self.participant)

    def press(self, digits: str) -> None:
        p = self.participant
        if p is not None and p.dial.hangup_on_star and "*" in digits:
            self.leave_conference("hangup-on-star")

    # -- the story ---------------------------------------------------------------------------------
    def run(self) -> Generator[simpy.Event, Any, None]:
        try:
            reason = yield from self.run_document(self.spec.document, None)
        except simpy.Interrupt as stop:
            if isinstance(stop.cause, HungUp):
                return
            raise
        self.end(reason)

    def run_document(self, doc: Document, url: str | None) -> Generator[simpy.Event, Any, str]:
        verbs, i, hops, last_t = doc.verbs, 0, 0, -1
        while i < len(verbs):
            verb = verbs[i]
            i += 1
            if isinstance(verb, Say | Play):
                self.now_playing, ms = playing(verb, self.sim.scenario.media)
                yield self.sim.play_for(ms)
                self.now_playing = None
            elif isinstance(verb, Pause):
                yield self.sim.media_wait(verb.length_ms)
            elif isinstance(verb, Hangup):
                return "hangup-verb"
            elif isinstance(verb, Redirect):
                hops = hops + 1 if self.sim.env.now == last_t else 0
                last_t = self.sim.env.now
                if hops > MAX_INSTANT_REDIRECTS:
                    self.sim.warn(
                        self.log,
                        "document-invalid",
                        url=url or doc.source,
                        reason="<Redirect> loops without any time passing; the call hangs up",
                    )
                    return "redirect-loop"
                target = verb.url or url
                if target is None:  # the inline document again
                    verbs, i = doc.verbs, 0
                    continue
                nxt = self.sim.fetch_document(target, "Redirect", self.log)
                doc, url, verbs, i = nxt, target, nxt.verbs, 0
            elif isinstance(verb, Dial):
                nxt, nxt_url = yield from self.dial(verb)
                if nxt is not None:
                    doc, url, verbs, i = nxt, nxt_url, nxt.verbs, 0
        return "document-end"

    def dial(self, verb: Dial) -> Generator[simpy.Event, Any, tuple[Document | None, str | None]]:
        room = self.sim.room(self.account, verb.room, verb.attrs)
        try:
            p = room.admit(self, verb)
        except Refused as refused:
            self.sim.discard_if_unopened(room)
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
            return self.after_dial(verb) if send_action else (None, None)
        self.participant = p
        if verb.time_limit_ms is not None:
            self.sim.after(verb.time_limit_ms, lambda: self.time_limit(p))
        try:
            yield self.sim.env.event()  # in the conference until an interrupt says otherwise
        except simpy.Interrupt as over:
            if not isinstance(over.cause, DialOver):
                raise
        return self.after_dial(verb)

    def after_dial(self, verb: Dial) -> tuple[Document | None, str | None]:
        """S5: the Dial action's answer runs next if set, else the verb after <Dial>."""
        if verb.action is None:
            return None, None
        return self.sim.fetch_document(verb.action, "action", self.log), verb.action

    # -- leaving ---------------------------------------------------------------------------------
    def time_limit(self, p: Participant) -> None:
        if self.participant is p:
            self.leave_conference("time-limit")

    def leave_conference(self, cause: str) -> None:
        """This call leaves on its own account (hang-up, timeLimit, hangupOnStar)."""
        p = self.participant
        assert p is not None
        removed = p.room.remove(p, cause)
        self.participant = None
        self.finish_dial(p.dial, "answered", joined_ms=p.joined_ms)
        for other in removed:
            other.call.dial_over(other, "conference-ended")
        if cause != "hangup" and self.process is not None:
            self.process.interrupt(DialOver(cause))

    def dial_over(self, p: Participant, why: str) -> None:
        """Something else (REST, the room ending) took this call out of its conference."""
        if self.participant is not p:
            return
        self.participant = None
        self.finish_dial(p.dial, "answered", joined_ms=p.joined_ms)
        if self.process is not None and self.process.is_alive:
            self.process.interrupt(DialOver(why))

    def finish_dial(
        self,
        verb: Dial,
        status: str,
        error: int | None = None,
        *,
        joined_ms: int | None,
        send_action: bool = True,
    ) -> None:
        stay = 0 if joined_ms is None else self.sim.now - joined_ms
        requests = []
        if verb.action is not None and send_action:
            requests.append(Request("action", verb.action, verb.method))
        self.log.bind(conference=verb.room).info(
            "dial-end",
            kind="call",
            params=dial_params(self, status, error, stay),
            requests=requests,
        )

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
        self.sim.call_ended(self)
