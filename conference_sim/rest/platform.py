"""The REST API's hold on one running simulation: finding resources, and acting at the right
simulated instant.

A REST operation made while the simulation is waiting for an answer from the app (the app calls
the API from inside a webhook handler) is queued and takes effect at that same instant, once
the consequences of what is under way are complete, in the order made (rule RE1, SPEC 9, 10);
the response shows the resource as it will be. One made between steps (from the test's own
code between ``advance()`` calls, or ``serve``) takes effect at once, at the current time.
"""

from __future__ import annotations

import collections
import hmac
import itertools
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..actions import Action
from ..engine import operations

if TYPE_CHECKING:
    from ..engine.call import Call
    from ..engine.conference import Conference
    from ..engine.core import Engine
    from ..engine.participant import Participant


# An app that answers an event's callback with an operation that causes the event again (mute
# on unmute, a new announcement on announcement-end, a redirect on join) would loop for ever at
# one simulated instant (on the platform each turn takes network time). More operations than
# this on one resource within one instant, made while the app handles webhooks, are a loop.
MAX_INSTANT_OPERATIONS = 20


class Platform:
    def __init__(self, sim: Engine, auth_token: str) -> None:
        self.sim = sim
        self.instant_ms = -1  # the instant whose operations ``made`` counts, per target
        self.made: collections.Counter[str] = collections.Counter()
        self.auth_token = auth_token
        # one thread moves the clock at a time (the Simulation's lock; an Engine alone: its own)
        self.lock = getattr(sim, "lock", None) or threading.RLock()
        self.added = itertools.count(1)
        self.given: set[str] = set()  # call names given to creates (see new_call_name)
        for spec in sim.scenario.calls:  # every account of the scenario is known from the start
            sim.directory.account_sid(spec.account)
        for name in sim.scenario.accounts:
            sim.directory.account_sid(name)
        sim.directory.account_sid("default")

    # -- finding -----------------------------------------------------------------------------
    def account(self, account_sid: str) -> str | None:
        return self.sim.directory.account_of(account_sid)

    def token_of(self, account: str) -> str:
        return self.sim.scenario.token_of(account, self.auth_token)

    def accepts(self, account: str | None, account_sid: str, user: str, password: str) -> bool:
        """Whether HTTP Basic ``user:password`` may act on the account of ``account_sid``: its
        sid and auth token, or one of its API keys (a key of another account may not)."""
        if user == account_sid:
            token = self.token_of(account) if account is not None else self.auth_token
            return hmac.compare_digest(password.encode(), token.encode())
        declared = self.sim.scenario.accounts.get(account or "")
        keys = declared.api_keys if declared is not None else ()
        return any(
            k.sid == user and hmac.compare_digest(password.encode(), k.secret.encode())
            for k in keys
        )

    def conferences(self, account: str) -> list[Conference]:
        rooms = self.sim.directory.conferences.values()
        return [r for r in rooms if r.account == account]

    def conference(self, account: str, sid: str) -> Conference | None:
        room = self.sim.directory.conferences.get(sid)
        return room if room is not None and room.account == account else None

    def participant(self, room: Conference, key: str) -> Participant | None:
        """A participant in the room, by CallSid or label."""
        return next((p for p in room.participants.values() if key in (p.call.sid, p.label)), None)

    def call(self, account: str, sid: str) -> Call | None:
        call = self.sim.directory.calls_by_sid.get(sid)
        return call if call is not None and call.account == account else None

    def new_call_name(self, label: str | None) -> str:
        """A timeline name for a call the API creates: its label when free, else ``added-N``.
        Names given out are kept, so two creates made before either acts (both inside one
        webhook) never share a name, nor so a CallSid."""

        def taken(name: str) -> bool:
            return name in self.sim.directory.calls or name in self.given

        if label and not taken(label) and label.replace("-", "").replace("_", "").isalnum():
            name = label
        else:
            while taken(name := f"added-{next(self.added)}"):
                pass
        self.given.add(name)
        return name

    def not_simulated(self, method: str, path: str) -> None:
        """NS1: a request the simulator does not follow is a warning on the timeline."""
        if self.sim.finished:
            return
        self.sim.warn(
            self.sim.log,
            "rest-not-simulated",
            method=method,
            path=path,
            reason="the platform answers this request and conference-sim does not simulate "
            "it: the app got a 501 and nothing was sent anywhere",
        )

    def refused(self, method: str, url: str, reason: str) -> None:
        if not self.sim.finished:
            self.sim.warn(self.sim.log, "rest-refused", method=method, url=url, reason=reason)

    # -- acting ------------------------------------------------------------------------------
    def apply_deferred(self, action: Action) -> None:
        now = self.sim.clock.now_ms
        if now != self.instant_ms:
            self.instant_ms, self.made = now, collections.Counter()
        self.made[action.target] += 1
        if self.made[action.target] > MAX_INSTANT_OPERATIONS:
            operations.refuse(
                self.sim,
                action,
                f"the app has made more than {MAX_INSTANT_OPERATIONS} operations on "
                f"{action.target} without any time passing, each set off by the event of one "
                "before: a loop; this one is dropped and the loop ends",
            )
            return
        operations.apply(self.sim, action)

    @property
    def deferred(self) -> bool:
        """Whether an operation made now waits for the event being delivered."""
        return self.sim.sending > 0

    def change(self, change: Callable[[], None]) -> None:
        """A change that is not a scenario action (a recording's), timed as actions are (RE1)."""
        if self.deferred:
            self.sim.defer(change)
            return
        with self.lock:
            change()

    def act(self, action: Action) -> None:
        if self.deferred:
            self.sim.defer(lambda: self.apply_deferred(action))
            return
        with self.lock:
            operations.apply(self.sim, action)


def platform_for(sim: Engine, auth_token: str | None = None) -> Platform:
    """The REST platform of a simulation (made once, kept on it)."""
    platform = getattr(sim, "rest_platform", None)
    if platform is None:
        token = auth_token or sim.scenario.auth_token
        platform = sim.rest_platform = Platform(sim, token)
    return platform
