"""The directory of a run: its identities (SIDs), its calls and its conference rooms.

SIDs are deterministic functions of the seed and names. Rooms are keyed by ``(account, name)``;
a room that ends leaves the live directory, and a later call to that name opens a new instance
with a new ConferenceSid (SPEC 1). ``latest`` keeps the last instance of each room, live or not,
for :meth:`Engine.state`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..dialects import Dialect

if TYPE_CHECKING:
    from .call import Call
    from .conference import Conference
    from .recordings import Kept


class Directory:
    def __init__(
        self,
        dialect: Dialect,
        seed: int,
        *,
        keep_ended: bool = True,
        declared: Mapping[str, str] | None = None,
    ) -> None:
        self.dialect = dialect
        self.seed = seed
        self.keep_ended = keep_ended  # False when streaming: only live calls are kept
        self.account_sids: dict[str, str] = dict(declared or {})  # (the scenario's own SIDs)
        self.calls: dict[str, Call] = {}
        self.calls_by_sid: dict[str, Call] = {}
        self.rooms: dict[tuple[str, str], Conference] = {}
        self.latest: dict[tuple[str, str], Conference] = {}
        self.conferences: dict[str, Conference] = {}  # every opened instance, by ConferenceSid
        self.instances: dict[tuple[str, str], int] = {}
        self.live_calls = 0
        self.recordings: dict[str, Kept] = {}  # every recording resource, by RecordingSid
        self.api_recordings: dict[str, list[Kept]] = {}  # by CallSid: the live ones REST started
        self.api_counts: dict[str, int] = {}  # by CallSid: how many REST has started (their SIDs)

    # -- identities ----------------------------------------------------------------------------
    def sid(self, kind: str, *parts: str) -> str:
        return self.dialect.sid(kind, self.seed, *parts)

    def account_sid(self, account: str) -> str:
        sid = self.account_sids.get(account)
        if sid is None:
            sid = self.account_sids[account] = self.sid("AC", account)
        return sid

    def account_of(self, account_sid: str) -> str | None:
        """The account name of an AccountSid (None: not an account of this run)."""
        return next((a for a, sid in self.account_sids.items() if sid == account_sid), None)

    def next_room_sid(self, account: str, name: str) -> str:
        """The ConferenceSid the next instance of the room will get."""
        return self.sid("CF", account, name, str(self.instances.get((account, name), 0)))

    def room_sid(self, account: str, name: str) -> str:
        """A new instance of the room ``(account, name)``: the next ConferenceSid."""
        key = (account, name)
        n = self.instances.get(key, 0)
        self.instances[key] = n + 1
        return self.sid("CF", account, name, str(n))

    # -- calls -----------------------------------------------------------------------------------
    def find_call(self, name_or_sid: str) -> Call | None:
        return self.calls.get(name_or_sid) or self.calls_by_sid.get(name_or_sid)

    def add_call(self, call: Call) -> Call:
        self.calls[call.name] = call
        self.calls_by_sid[call.sid] = call
        return call

    def call_started(self) -> None:
        self.live_calls += 1

    def call_ended(self, call: Call, *, started: bool = True) -> None:
        if started:
            self.live_calls -= 1
        if not self.keep_ended:
            self.calls.pop(call.name, None)
            self.calls_by_sid.pop(call.sid, None)

    # -- rooms -----------------------------------------------------------------------------------
    def room(self, account: str, name: str) -> Conference | None:
        return self.rooms.get((account, name))

    def add_room(self, room: Conference) -> None:
        self.rooms[(room.account, room.name)] = room

    def room_opened(self, room: Conference) -> None:
        """Its first participant is in: from now on it is the room's latest instance."""
        if self.keep_ended:
            self.latest[(room.account, room.name)] = room
            self.conferences[room.sid] = room

    def remove_room(self, room: Conference) -> None:
        """The room ended, or was created by a join that was refused before it opened."""
        key = (room.account, room.name)
        if self.rooms.get(key) is room:
            del self.rooms[key]
