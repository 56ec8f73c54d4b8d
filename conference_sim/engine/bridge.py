"""``<Dial>`` to numbers, clients and SIP addresses (SPEC 11).

The caller's call rings every target at once, each a child leg (``Direction=outbound-dial``,
``ParentCallSid`` the caller) with its own call progress; what each callee does comes from the
scenario's ``callees:``. The first to answer is bridged to the caller (after its whisper
document, the noun's ``url``, when it has one) and the others are canceled; the two parties hear
each other. The Dial ends when either party hangs up, the caller presses ``*`` with
``hangupOnStar``, its ``timeLimit`` runs out, or nobody answers within ``timeout`` (no-answer),
or every leg fails; then the Dial action is requested with ``DialCallStatus`` (``completed``,
``busy``, ``no-answer``, ``failed``, ``canceled``), ``DialCallSid``, ``DialCallDuration`` and
``DialBridged`` (rules DL1-DL4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model import Callee, CallSpec, Dial, Target
from .legs import Leg, end_unanswered, ring
from .media import playing
from .params import voice_params
from .requests import HttpRequest

if TYPE_CHECKING:
    from .call import Call


class Bridge:
    """One ``<Dial>`` of targets: its legs, the one that answered, and how it ended."""

    def __init__(self, call: Call, verb: Dial, on_end: Any) -> None:
        self.call = call
        self.verb = verb
        self.on_end = on_end  # told the DialCallStatus when the Dial is over
        self.legs: list[tuple[Call, Target]] = []
        self.winner: Call | None = None
        self.bridged_ms: int | None = None
        self.status: str | None = None
        self.failures: list[str] = []

    @property
    def sim(self) -> Any:
        return self.call.sim

    def start(self) -> None:
        from .call import Call

        sim, call, verb = self.sim, self.call, self.verb
        count = sum(1 for c in sim.directory.calls.values() if c.outbound is not None)
        for i, target in enumerate(verb.targets):
            name = f"{call.name}.leg{count + i + 1}"
            spec = CallSpec(
                name=name,
                document=None,
                at_ms=sim.now,
                account=call.account,
                from_=verb.caller_id or call.spec.from_,
                to=target.address,
            )
            leg_call = Call(sim, spec, created_ms=sim.now)
            leg_call.outbound = Leg(
                leg_call,
                direction="outbound-dial",
                status_callback=target.status_callback,
                events=target.status_callback_event,
                method=target.status_callback_method,
                parent=call,
            )
            sim.directory.add_call(leg_call)
            self.legs.append((leg_call, target))
        for leg_call, target in list(self.legs):
            if self.status is not None:
                break
            callee = sim.scenario.callees.get(target.address, Callee())
            ring(sim, leg_call, callee, verb.timeout_ms,
                 answered=lambda c=leg_call, t=target, e=callee: self.answered(c, t, e),
                 failed=lambda status, c=leg_call: self.failed(c, status))  # fmt: skip
        if self.status is None:
            sim.at(sim.now + verb.timeout_ms, self.timed_out)

    # -- ringing ---------------------------------------------------------------------------------
    def answered(self, leg_call: Call, target: Target, callee: Callee) -> None:
        if self.status is not None or self.winner is not None or leg_call.ended:
            return
        sim = self.sim
        self.winner = leg_call
        assert leg_call.outbound is not None
        if callee.answered_by != "human":
            leg_call.outbound.answered_by = callee.answered_by
        leg_call.started = True
        leg_call.started_ms = leg_call.updated_ms = sim.now
        sim.directory.call_started()
        leg_call.outbound.progress("in-progress")
        leg_call.log.info(
            "call-start",
            kind="call",
            params={"CallSid": leg_call.sid, "From": leg_call.spec.from_,
                    "To": leg_call.spec.to, "ParentCallSid": self.call.sid},
        )  # fmt: skip
        for other, _t in self.legs:  # the first to answer wins; the others are canceled
            if other is not leg_call:
                end_unanswered(sim, other, "canceled")
        delay = self.whisper(leg_call, target)
        if callee.hangup_ms is not None:
            sim.at(sim.now + callee.hangup_ms, lambda: self.hung_up(leg_call))
        leg_call.bridge = self
        for press in callee.presses:
            sim.at(sim.now + press.at_ms, lambda d=press.digits: leg_call.press(d))
        if delay:
            sim.at(sim.now + delay, lambda: self.bridge(leg_call))
        else:
            self.bridge(leg_call)

    def whisper(self, leg_call: Call, target: Target) -> int:
        """The noun's url: a document the callee hears before the bridge; its length (ms)."""
        if target.url is None:
            return 0
        request = HttpRequest("url", target.url, target.method, voice_params(leg_call))
        doc = self.sim.documents.document(request, leg_call.log)
        if doc is None:
            return 0
        total = 0
        for verb in doc.verbs:
            if type(verb).__name__ in ("Say", "Play"):
                ms = playing(verb, self.sim.scenario.media)[1]  # type: ignore[arg-type]
                total += ms or 0
            elif type(verb).__name__ == "Pause":
                total += verb.length_ms  # type: ignore[union-attr]
        return total

    def bridge(self, leg_call: Call) -> None:
        if self.status is not None or leg_call.ended:
            return
        self.bridged_ms = self.sim.now
        self.call.log.info(
            "bridge-start",
            kind="call",
            params={"CallSid": self.call.sid, "DialCallSid": leg_call.sid, "To": leg_call.spec.to},
        )
        if self.verb.time_limit_ms:
            self.sim.at(self.sim.now + self.verb.time_limit_ms, lambda: self.end("completed"))

    def failed(self, leg_call: Call, status: str) -> None:
        end_unanswered(self.sim, leg_call, status)
        self.failures.append(status)
        if self.status is None and self.winner is None and len(self.failures) == len(self.legs):
            # every leg failed: busy wins over no-answer over failed (rule DL2)
            for final in ("busy", "no-answer", "failed"):
                if final in self.failures:
                    self.end(final)
                    return

    def timed_out(self) -> None:
        if self.status is None and self.winner is None:
            for leg_call, _t in self.legs:
                end_unanswered(self.sim, leg_call, "no-answer")
            self.end("no-answer")

    # -- the bridged call ------------------------------------------------------------------------
    def hung_up(self, who: Call) -> None:
        """Either party hung up (the caller's own hang-up comes here from Call.hangup)."""
        if self.status is not None:
            return
        if who is self.call and self.winner is None:  # the caller gave up while it rang
            for leg_call, _t in self.legs:
                end_unanswered(self.sim, leg_call, "canceled")
            self.end("canceled")
            return
        self.end("completed")

    def star(self, who: Call) -> None:
        if who is self.call and self.verb.hangup_on_star and self.winner is not None:
            self.end("completed")

    def drop(self) -> None:
        """The caller's call was moved to other cXML (REST): every leg ends, no Dial action."""
        self.on_end = lambda _status: None
        if self.winner is None:
            for leg_call, _t in self.legs:
                end_unanswered(self.sim, leg_call, "canceled")
        self.end("completed")

    def end(self, status: str) -> None:
        if self.status is not None:
            return
        self.status = status
        winner = self.winner
        if winner is not None and not winner.ended:
            winner.bridge = None
            winner.hung_up = True
            winner.end("bridge-ended")
        if self.bridged_ms is not None:
            self.call.log.info(
                "bridge-end",
                kind="call",
                params={"CallSid": self.call.sid, "DialCallSid": winner.sid if winner else ""},
            )
        self.call.bridge = None
        self.on_end(status)

    def action_params(self) -> dict[str, str]:
        """What the Dial action adds for a dial of targets (DL3)."""
        stay = 0 if self.bridged_ms is None else self.sim.now - self.bridged_ms
        out = {
            "DialCallDuration": str(stay // 1000),
            "DialBridged": str(self.bridged_ms is not None).lower(),
        }
        if self.winner is not None:
            out["DialCallSid"] = self.winner.sid
        elif self.legs:
            out["DialCallSid"] = self.legs[-1][0].sid
        return out
