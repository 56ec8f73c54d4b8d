"""The REST API's hold on one running simulation: finding resources, and acting at the right
simulated instant.

A REST operation made while the simulation is waiting for an answer from the app (the app calls
the API from inside a webhook handler) is queued and takes effect at that same instant, right
after the event being delivered, in the order made (SPEC 9, 10); the response shows the
resource as it will be. One made between runs takes effect at once, at the current time.
"""

from __future__ import annotations

import itertools
import threading
from typing import TYPE_CHECKING

from ..actions import Action
from ..engine import rest

if TYPE_CHECKING:
    from ..engine.call import Call
    from ..engine.conference import Conference
    from ..engine.participant import Participant
    from ..engine.simulation import Simulation


# An app that answers each event's callback with an operation that causes the next event (mute
# on unmute, unmute on mute) would nest without end at one instant: deeper than this is a loop.
MAX_NESTED_OPERATIONS = 20


class Platform:
    def __init__(self, sim: Simulation, auth_token: str) -> None:
        self.sim = sim
        self.nested = 0  # deferred operations applying, each inside the previous one's event
        self.auth_token = auth_token
        self.lock = threading.RLock()  # serve: one thread moves the clock at a time
        self.added = itertools.count(1)
        for spec in sim.scenario.calls:  # every account of the scenario is known from the start
            sim.directory.account_sid(spec.account)
        sim.directory.account_sid("default")

    # -- finding -----------------------------------------------------------------------------
    def account(self, account_sid: str) -> str | None:
        return self.sim.directory.account_of(account_sid)

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
        taken = self.sim.directory.calls
        if label and label not in taken and label.replace("-", "").replace("_", "").isalnum():
            return label
        while (name := f"added-{next(self.added)}") in taken:
            pass
        return name

    # -- acting ------------------------------------------------------------------------------
    def apply_deferred(self, action: Action) -> None:
        if self.nested >= MAX_NESTED_OPERATIONS:
            rest.refuse(
                self.sim,
                action,
                f"the app's REST operations have set each other off {MAX_NESTED_OPERATIONS} "
                "times without any time passing (each caused by the event of the one before); "
                "this one is dropped and the chain ends",
            )
            return
        self.nested += 1
        try:
            rest.apply(self.sim, action)
        finally:
            self.nested -= 1

    @property
    def deferred(self) -> bool:
        """Whether an operation made now waits for the event being delivered."""
        return self.sim.sending > 0

    def act(self, action: Action) -> None:
        if self.deferred:
            self.sim.pending.append(lambda: self.apply_deferred(action))
            return
        with self.lock:
            rest.apply(self.sim, action)
