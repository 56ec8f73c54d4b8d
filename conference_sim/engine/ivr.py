"""The IVR verbs a call's story runs (SPEC 11): ``<Gather>``, ``<Reject>``, and the verbs the
simulator does not follow.

``<Gather>`` plays its prompts; a key press stops them (barge-in) and starts the input. Each
key restarts the ``timeout``; ``finishOnKey`` ends the input (the key is not in ``Digits``),
and so does reaching ``numDigits``; silence for ``timeout`` ends it too. With input (or with
``actionOnEmptyResult``) the action is requested with ``Digits`` and ``FinishedOnKey`` and its
answer runs next; with none the call goes on with the next verb (rules IV1-IV3). Keys pressed
when no ``<Gather>`` listens are lost.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from ..events import Request
from ..model import Document, Gather, Pause, Reject, Unfollowed
from .causes import FAILED
from .fetching import runnable
from .media import playing
from .params import voice_params
from .requests import HttpRequest

if TYPE_CHECKING:
    from .call import Call


class Gathering:
    """The input of one ``<Gather>`` as it comes: the digits, and why it ended."""

    def __init__(self, call: Call, verb: Gather) -> None:
        self.verb = verb
        self.clock = call.clock
        self.digits = ""
        self.finished_on = ""
        self.reason: str | None = None
        self.changed: simpy.Event = self.clock.event()

    def key(self, key: str) -> None:
        if self.reason is not None or "dtmf" not in self.verb.input or key in "wW":
            return
        if self.verb.finish_on_key and key == self.verb.finish_on_key:
            self.finished_on, self.reason = key, "finishOnKey"
        else:
            self.digits += key
            if self.verb.num_digits is not None and len(self.digits) >= self.verb.num_digits:
                self.reason = "numDigits"
        if not self.changed.triggered:
            self.changed.succeed()

    def wait(self, ms: int) -> simpy.Event:
        """Until ``ms`` pass or a key comes, whichever is first."""
        if self.changed.triggered:
            self.changed = self.clock.event()
        return self.clock.any_of([self.clock.media_wait(ms), self.changed])


def gather(
    call: Call, verb: Gather, doc: Document, url: str | None
) -> Generator[simpy.Event, Any, Document | None]:
    """Run one ``<Gather>``; the document to run next (None: the next verb)."""
    call.sim.ignored(call.log, verb.ignored)
    g = call.gathering = Gathering(call, verb)
    call.log.info("gather-start", kind="call", params={"CallSid": call.sid})
    try:
        for prompt in verb.prompts:  # a key stops the prompt and starts the input (barge-in)
            if g.digits or g.reason:
                break
            if isinstance(prompt, Pause):
                ms: int | None = prompt.length_ms
            else:
                call.now_playing, ms = playing(prompt, call.sim.scenario.media)
            yield g.wait(ms if ms is not None else 3_600_000)
            call.now_playing = None
        while g.reason is None:  # each key restarts the timeout
            before = len(g.digits)
            yield g.wait(verb.timeout_ms)
            if g.reason is None and len(g.digits) == before and not g.changed.triggered:
                g.reason = "timeout"
    finally:
        call.gathering = None
        call.now_playing = None
    params = {**voice_params(call), "Digits": g.digits, "FinishedOnKey": g.finished_on}
    if not g.digits and not verb.action_on_empty_result:
        call.log.info("gather-end", kind="call", params={**params, "reason": g.reason})
        return None  # no input: the next verb
    target = verb.action or url
    if target is None:  # an inline document has no URL: it runs again, as a Redirect would
        call.log.info("gather-end", kind="call", params={**params, "reason": g.reason})
        return doc
    request = HttpRequest("action", target, verb.method, params)
    answer = call.sim.send(request)
    call.log.info(
        "gather-end",
        kind="call",
        params={**params, "reason": g.reason},
        requests=[Request("action", target, verb.method, answer.status)],
    )
    document = runnable(request, call.sim.documents.report(request, answer, call.log))
    return FAILED if document is None else document


def reject(call: Call, verb: Reject, first: bool) -> str:
    """``<Reject>``: as the first verb the call is never answered and ends ``busy`` or
    ``no-answer``; later, it hangs up an answered call (rule IV5)."""
    if first:
        call.final_status = "busy" if verb.reason == "busy" else "no-answer"
    return "rejected"


def unfollowed(call: Call, verb: Unfollowed) -> bool:
    """A verb the simulator does not follow: one warning saying so; True when the call goes on
    with the next verb, False when it hangs up there (rule IV4)."""
    what = "goes on with the next verb" if verb.goes_on else "hangs up here (reason not-simulated)"
    where = f" (line {verb.line})" if verb.line else ""
    call.sim.warn(
        call.log,
        "verb-not-simulated",
        verb=f"<{verb.tag}>",
        reason=f"the simulator does not follow <{verb.tag}>{where}; the call {what}",
    )
    return verb.goes_on
