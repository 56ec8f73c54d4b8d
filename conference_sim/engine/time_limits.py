"""S5's default Dial timeLimit (4 h) for every stay, with one timer.

Every stay has the same default limit, so deadlines come in join order: one timer serves them
all, and a stay that ends sooner is forgotten, so memory follows the live participants. (A stay
with a timeLimit of its own has a timer of its own: :mod:`.script`.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import simpy

from .clock import MEDIA, Clock

if TYPE_CHECKING:
    from .participant import Participant


class TimeLimits:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.stays: dict[int, tuple[int, Participant]] = {}  # in join (deadline) order
        self.timer: simpy.Event | None = None

    def add(self, p: Participant, deadline_ms: int) -> None:
        """A stay that ends at ``deadline_ms`` unless it ends sooner (``forget``)."""
        self.stays[id(p)] = (deadline_ms, p)
        if self.timer is None:
            self.arm()

    def forget(self, p: Participant) -> None:
        self.stays.pop(id(p), None)

    def arm(self) -> None:
        deadline, _p = next(iter(self.stays.values()))
        self.timer = self.clock.due(deadline - self.clock.now_ms, MEDIA)
        self.timer.callbacks.append(self.reached)

    def reached(self, _event: simpy.Event) -> None:
        self.timer = None
        while self.stays:
            key, (deadline, p) = next(iter(self.stays.items()))
            if deadline > self.clock.now_ms:
                break
            del self.stays[key]
            p.call.time_limit(p)
        if self.stays:
            self.arm()
