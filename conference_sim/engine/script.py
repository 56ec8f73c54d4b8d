"""A call's story: the simpy process that runs its cXML document verb by verb.

It reads top to bottom: say and play things, follow Redirects, dial into a conference and wait
there until something ends the stay (an interrupt or value that carries the cause), then run the
Dial action's answer or the next verb; the document running out hangs the call up.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from ..model import (
    DEFAULT_TIME_LIMIT_MS,
    Dial,
    Document,
    Gather,
    Hangup,
    Pause,
    Play,
    Record,
    Redirect,
    Reject,
    Say,
    Unfollowed,
)
from . import ivr
from .causes import FAILED, HUNG_UP_DOC, QUIET_LOOPS, DialOver, HungUp, Redirected
from .media import MAX_INSTANT_REDIRECTS, playing
from .params import voice_params
from .participant import Refused
from .requests import HttpRequest

if TYPE_CHECKING:
    from .call import Call


def run(call: Call, document: Document) -> Generator[simpy.Event, Any, None]:
    url = call.spec.url
    while True:
        try:
            reason = yield from run_document(call, document, url)
            break
        except simpy.Interrupt as stop:
            match stop.cause:
                case HungUp():
                    return
                case Redirected(document=document, url=url):
                    continue  # REST moved the call to another document
                case _:
                    raise
    call.end(reason)


def run_document(call: Call, doc: Document, url: str | None) -> Generator[simpy.Event, Any, str]:
    verbs, i = doc.verbs, 0
    while i < len(verbs):
        verb = verbs[i]
        i += 1
        first = call.verbs_run == 0
        call.verbs_run += 1
        if first and call.number_leg is not None and not isinstance(verb, Reject):
            call.number_leg.progress("in-progress")  # the first verb answers (IV5: not Reject)
        if isinstance(verb, Say | Play):
            call.now_playing, ms = playing(verb, call.sim.scenario.media)
            yield call.clock.play_for(ms)
            call.now_playing = None
        elif isinstance(verb, Pause):
            yield call.clock.media_wait(verb.length_ms)
        elif isinstance(verb, Hangup):
            return "hangup-verb"
        elif isinstance(verb, Redirect):
            if looping(call, url or doc.source, "<Redirect>"):
                return "redirect-loop"
            quiet_loops(call, url or doc.source)
            target = verb.url or url
            if target is None:  # the inline document again
                verbs, i = doc.verbs, 0
                continue
            request = HttpRequest("Redirect", target, verb.method, voice_params(call))
            nxt = call.sim.documents.document(request, call.log)
            if nxt is None:
                return "application-error"
            doc, url, verbs, i = nxt, target, nxt.verbs, 0
        elif isinstance(verb, Gather):
            nxt = yield from ivr.gather(call, verb, doc, url)
            if nxt is FAILED:
                return "application-error"
            if nxt is not None:
                if looping(call, verb.action or url or doc.source, "the Gather's action"):
                    return "redirect-loop"
                url = (verb.action or url) if nxt is not doc else url
                doc, verbs, i = nxt, nxt.verbs, 0
        elif isinstance(verb, Record):
            nxt = yield from ivr.record(call, verb, doc, url)
            if nxt is FAILED:
                return "application-error"
            if nxt is not None:  # (no action: the current document again, which loops)
                if looping(call, verb.action or url or doc.source, "the Record's action"):
                    return "redirect-loop"
                url = (verb.action or url) if nxt is not doc else url
                doc, verbs, i = nxt, nxt.verbs, 0
        elif isinstance(verb, Reject):
            return ivr.reject(call, verb, first)
        elif isinstance(verb, Unfollowed):
            if not ivr.unfollowed(call, verb):
                return "not-simulated"
        elif isinstance(verb, Dial):
            nxt, nxt_url = yield from dial(call, verb)
            if nxt is HUNG_UP_DOC:
                return "caller-hung-up"  # the call has ended already
            if nxt is FAILED:
                return "application-error"  # the Dial action failed: the call hangs up
            if nxt is not None:
                if looping(call, nxt_url or nxt.source, "the Dial action's answer"):
                    return "redirect-loop"
                doc, url, verbs, i = nxt, nxt_url, nxt.verbs, 0
    return "document-end"


def looping(call: Call, url: str, how: str) -> bool:
    """Whether the call has moved to another document (``<Redirect>``, a Dial action's
    answer) more than MAX_INSTANT_REDIRECTS times with no time passing:
    on the platform each hop takes network time; here it would spin forever at one
    instant. It is told, and the call hangs up."""
    now = call.clock.now_ms
    call.hops = call.hops + 1 if now == call.hop_ms else 0
    call.hop_ms = now
    if call.hops <= MAX_INSTANT_REDIRECTS:
        return False
    reason = f"{how} loops without any time passing; the call hangs up"
    call.sim.warn(call.log, "document-invalid", url=url, reason=reason)
    return True


def quiet_loops(call: Call, url: str) -> None:
    """A document that loops (Redirect) for a long stretch with nothing else happening on
    the timeline is told once, instead of spinning silently to the end of the clock."""
    count = call.sim.eventlog.count
    if call.loop_mark == -2:
        return
    if count != call.loop_mark:
        call.loop_mark, call.loops = count, 0
        return
    call.loops += 1
    if call.loops == QUIET_LOOPS and call.loop_mark >= 0:
        call.loop_mark = -2  # once: the warning itself moves the timeline
        call.sim.warn(
            call.log,
            "document-invalid",
            url=url,
            reason=f"the document has looped (Redirect) {QUIET_LOOPS} times with nothing else "
            "happening; the call goes on looping until it hangs up or the clock stops",
        )


def dial(call: Call, verb: Dial) -> Generator[simpy.Event, Any, tuple[Document | None, str | None]]:
    if verb.room is None:  # <Number>, <Client>, <Sip>: a bridge, not a room
        return (yield from dial_targets(call, verb))
    call.sim.ignored(call.log.bind(conference=verb.room), verb.ignored)  # D1
    room = call.sim.room(call.account, verb.room, verb.attrs)
    try:
        p = room.admit(call, verb)
    except Refused as refused:
        if not room.opened:
            call.sim.directory.remove_room(room)
        call.log.bind(conference=verb.room).info(
            "join-refused",
            kind="call",
            params={
                "CallSid": call.sid,
                "ErrorCode": str(refused.code),
                "Reason": refused.reason,
            },
        )
        # L1: a duplicate label goes on with the next verb, with no action request.
        send_action = refused.code != 16025
        call.finish_dial(verb, "failed", refused.code, joined_ms=None, send_action=send_action)
        return after_dial(call, verb)
    # (the room set call.participant; the app may already have taken it out again)
    if verb.time_limit_ms == DEFAULT_TIME_LIMIT_MS:
        call.sim.time_limits.add(p, call.clock.now_ms + verb.time_limit_ms)
    else:
        call.clock.after(verb.time_limit_ms, lambda: call.time_limit(p))
    call.stay = call.clock.event()
    try:
        over = yield call.stay  # in the conference until end_stay or an interrupt
    except simpy.Interrupt as stop:
        if not isinstance(stop.cause, DialOver | HungUp):
            raise
        over = stop.cause
    finally:
        call.stay = None
    if isinstance(over, HungUp):
        return HUNG_UP_DOC, None
    return after_dial(call, verb)


def dial_targets(
    call: Call, verb: Dial
) -> Generator[simpy.Event, Any, tuple[Document | None, str | None]]:
    """Ring the targets and wait until the Dial is over (see :mod:`.bridge`)."""
    from .bridge import Bridge

    call.sim.ignored(call.log, verb.ignored)  # D1
    over = call.clock.event()

    def finished(status: str) -> None:  # dial-end and the action, as the Dial ends (SPEC 3)
        call.finish_dial(verb, status, joined_ms=None, extra=bridge.action_params())
        if not over.triggered:
            over.succeed(status)

    bridge = Bridge(call, verb, finished)
    call.bridge = bridge
    bridge.start()
    try:
        yield over
    except simpy.Interrupt as stop:
        if not isinstance(stop.cause, HungUp):
            raise  # (Redirected: the bridge was dropped; the story moves on)
    if call.hung_up:
        return HUNG_UP_DOC, None
    return after_dial(call, verb)


def after_dial(call: Call, verb: Dial) -> tuple[Document | None, str | None]:
    """S5: the Dial action's answer runs next if one was requested, else the next verb
    (FAILED: the action request failed)."""
    answer, call.action_answer = call.action_answer, None
    return (answer, verb.action) if answer is not None else (None, None)
