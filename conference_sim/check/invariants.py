"""Invariants every timeline must satisfy, whatever the scenario (issue 6).

``check(events, scenario)`` returns the violations; ``explore`` runs it on random scenarios and
the test suite on every bundled one. Each invariant has a name used in messages and reports:

* ``leave-once``: each participant that joins leaves exactly once (still present at the end
  only when the clock was stopped with its conference still open);
* ``one-end``: at most one ``conference-end`` per conference, no conference event for it after;
  a conference that was joined ends unless the clock was stopped;
* ``max-participants``: never more present than the room's ``maxParticipants`` (A1, M1);
* ``sequence-gapless``: ``SequenceNumber`` counts 1, 2, 3, … per conference;
* ``start-needs-two``: ``conference-start`` only with two present, one of them a starter (S1);
* ``time-order``: ``seq`` counts 0, 1, 2, …, and simulated time and ``Timestamp`` never go back;
* ``speech-audible``: speech events only while the talker is audible (K1), start/stop paired;
* ``call-legs``: a call's progress moves forward (initiated, ringing, in-progress, one final
  status) and nothing follows its final status; ``SequenceNumber`` counts 0, 1, 2, … per call;
  a leg's ``ParentCallSid`` is a call seen before it; its ``CallDuration`` is no longer than
  the call; every leg ends unless the clock was stopped (SPEC 11);
* ``deterministic`` (``check_determinism``): the same input gives the same bytes.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from attrs import frozen

from ..events import Event
from ..model import ConferenceAttrs, Dial
from ..states import ConferenceState, RoomState, audible, may_start
from .timeline import Fold

if TYPE_CHECKING:
    from ..model import Scenario

NAMES = (
    "leave-once",
    "one-end",
    "max-participants",
    "sequence-gapless",
    "start-needs-two",
    "time-order",
    "speech-audible",
    "call-legs",
    "deterministic",
)
PROGRESS_ORDER = {"initiated": 0, "ringing": 1, "in-progress": 2}
FINAL = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
Fail = Callable[[str, str, "Event | None"], None]


@frozen
class Violation:
    invariant: str
    message: str
    seq: int | None = None

    def __str__(self) -> str:
        at = f" (event seq {self.seq})" if self.seq is not None else ""
        return f"{self.invariant}: {self.message}{at}"


def attrs_of(scenario: Scenario | None, call: str, room: str) -> ConferenceAttrs:
    """The <Conference> attributes a call dialled this room with (first Dial found)."""
    if scenario is None:
        return ConferenceAttrs()
    docs = [c.document for c in scenario.calls if c.name == call and c.document]
    docs += list(scenario.documents.values())
    for doc in docs:
        for verb in doc.verbs:
            if isinstance(verb, Dial) and verb.room == room:
                return verb.attrs
    return ConferenceAttrs()


class Checker:
    """Folds the events (the same fold as ``Timeline.state_at``) and checks each one against
    the state it arrives in."""

    def __init__(self, scenario: Scenario | None) -> None:
        self.scenario = scenario
        self.out: list[Violation] = []
        self.fold = Fold()
        self.rooms: dict[str, ConferenceState] = {}  # every instance, by ConferenceSid
        self.capacity: dict[str, int] = {}
        self.silenced: dict[tuple[str, str], Event] = {}  # muted/held while talking, this instant
        self.cut = scenario is not None and scenario.until_ms is not None
        self.last_t, self.last_stamp, self.expected_seq = 0, 0.0, 0
        self.legs: dict[str, str] = {}  # CallSid -> its last progress status
        self.leg_numbers: dict[str, int] = {}
        self.leg_started: dict[str, int] = {}  # CallSid -> its first progress event
        self.seen_calls: set[str] = set()

    def fail(self, name: str, message: str, e: Event | None = None) -> None:
        self.out.append(Violation(name, message, e.seq if e else None))

    def flush(self) -> None:  # speech must stop in the same instant as the mute or hold
        for (_sid, call), cause in self.silenced.items():
            self.fail("speech-audible", f"{call}: {cause.event} but its speech did not stop", cause)
        self.silenced.clear()

    def call_leg(self, e: Event) -> None:
        sid, status = e.params.get("CallSid", ""), e.params.get("CallStatus", "")
        self.seen_calls.add(sid)
        parent = e.params.get("ParentCallSid")
        if parent is not None and parent not in self.seen_calls:
            self.fail("call-legs", f"{e.call}: ParentCallSid {parent} is no call seen before", e)
        before = self.legs.get(sid)
        if before is not None and before in FINAL:
            self.fail("call-legs", f"{e.call}: {status} after its final status {before}", e)
        elif (
            before is not None
            and status not in FINAL
            and (PROGRESS_ORDER.get(status, -1) <= PROGRESS_ORDER.get(before, -1))
        ):
            self.fail("call-legs", f"{e.call}: {status} after {before}", e)
        number = self.leg_numbers.get(sid, 0)
        if e.params.get("SequenceNumber") != str(number):
            self.fail("call-legs", f"{e.call}: SequenceNumber {e.params.get('SequenceNumber')} "
                      f"where {number} was due", e)  # fmt: skip
        self.leg_numbers[sid] = number + 1
        self.legs[sid] = status
        self.leg_started.setdefault(sid, e.t_ms)
        duration = e.params.get("CallDuration")
        if duration is not None and int(duration) * 1000 > e.t_ms - self.leg_started[sid]:
            self.fail(
                "call-legs", f"{e.call}: CallDuration {duration} s is longer than the call", e
            )

    def event(self, e: Event) -> None:
        if e.t_ms != self.last_t:
            self.flush()
        self.time_order(e)
        if e.event == "call-start":
            self.seen_calls.add(e.params.get("CallSid", ""))
        elif e.event == "call-progress":
            self.call_leg(e)
        if e.event == "clock-stopped":
            self.cut = True
        sid = e.params.get("ConferenceSid")
        if sid and e.kind == "conference":
            room = self.fold.room_of(e)
            assert room is not None
            self.rooms.setdefault(sid, room)
            if room.state == RoomState.COMPLETED:
                self.fail("one-end", f"{e.event} after the conference-end of {room.name!r}", e)
                return
            self.sequence(room, e)
            self.conference_event(room, e)
        self.fold.apply(e)
        if e.event == "participant-join" and sid:
            self.capacity_after_join(self.rooms[sid], e)

    def time_order(self, e: Event) -> None:
        if e.seq != self.expected_seq:
            self.fail("time-order", f"seq {e.seq} follows {self.expected_seq - 1}", e)
        self.expected_seq = e.seq + 1
        if e.t_ms < self.last_t:
            self.fail("time-order", f"t goes back from {self.last_t / 1000} to {e.t}", e)
        self.last_t = max(self.last_t, e.t_ms)
        stamp = e.params.get("Timestamp")
        if stamp:
            when = email.utils.parsedate_to_datetime(stamp).timestamp()
            if when < self.last_stamp:
                self.fail("time-order", f"Timestamp {stamp} is before the previous one", e)
            self.last_stamp = max(self.last_stamp, when)

    def sequence(self, room: ConferenceState, e: Event) -> None:
        seq_no = e.params.get("SequenceNumber")
        if seq_no is not None and seq_no != str(room.sequence + 1):
            self.fail(
                "sequence-gapless",
                f"SequenceNumber {seq_no} in {room.name!r}, expected {room.sequence + 1}",
                e,
            )

    def capacity_after_join(self, room: ConferenceState, e: Event) -> None:
        limit = self.capacity.setdefault(
            room.sid, attrs_of(self.scenario, e.call or "", room.name).max_participants
        )
        if len(room.participants) > limit:
            self.fail(
                "max-participants",
                f"{len(room.participants)} present in {room.name!r}, maxParticipants is {limit}",
                e,
            )

    def conference_event(self, room: ConferenceState, e: Event) -> None:
        """Checks against the state before the event is folded in."""
        call, name = e.call, e.event
        p = room.participants.get(call) if call else None
        if name == "participant-join" and call and p is not None:
            self.fail("leave-once", f"{call} joined {room.name!r} twice without leaving", e)
        elif name == "participant-leave" and call:
            if p is None and e.params.get("ReasonParticipantLeft") == "participant_add_failed":
                pass  # a dialled participant who never answered: told without a join
            elif p is None:
                self.fail("leave-once", f"{call} left {room.name!r} without being in it", e)
            elif p.speaking:
                self.fail("speech-audible", f"{call} left while a speech-start was open", e)
        elif name == "conference-start":
            starters = [
                c
                for c in room.participants
                if attrs_of(self.scenario, c, room.name).start_conference_on_enter
            ]
            if not may_start(len(room.participants), len(starters)):
                self.fail(
                    "start-needs-two",
                    f"{room.name!r} started with {len(room.participants)} present "
                    f"({len(starters)} with startConferenceOnEnter)",
                    e,
                )
        elif name == "conference-end" and room.participants:
            still = ", ".join(room.participants)
            self.fail("leave-once", f"{still} still in {room.name!r} at its end", e)
        elif name in ("participant-mute", "participant-hold") and p is not None and p.speaking:
            self.silenced[(room.sid, p.call)] = e
        elif name == "participant-speech-start" and call:
            if p is None or not audible(room.state, p.muted, p.held):
                self.fail(
                    "speech-audible", f"{call} speech-start while not audible in {room.name!r}", e
                )
            elif p.speaking:
                self.fail("speech-audible", f"{call} speech-start twice", e)
        elif name == "participant-speech-stop" and call:
            if p is None or not p.speaking:
                self.fail("speech-audible", f"{call} speech-stop without a start", e)
            self.silenced.pop((room.sid, call), None)

    def finish(self) -> list[Violation]:
        self.flush()
        if not self.cut:
            for sid, status in self.legs.items():
                if status not in FINAL:
                    self.fail("call-legs", f"call {sid} ended the run {status}, never finished")
            for room in self.rooms.values():
                if room.state != RoomState.COMPLETED:
                    self.fail("one-end", f"conference {room.name!r} was joined but never ended")
                if room.participants:
                    names = ", ".join(room.participants)
                    self.fail("leave-once", f"{names} joined {room.name!r} and never left")
        return self.out


def check(events: Iterable[Event], scenario: Scenario | None = None) -> list[Violation]:
    """Every violation of the timeline invariants (empty when all hold)."""
    checker = Checker(scenario)
    for e in events:
        checker.event(e)
    return checker.finish()


def check_determinism(scenario: Scenario, shuffle_ties: int | None = None) -> list[Violation]:
    """Run the scenario twice; the JSONL must be identical."""
    from ..output.sinks import jsonl_line
    from ..runner import capture

    first, second = (
        [jsonl_line(e) for e in capture(scenario, shuffle_ties=shuffle_ties)] for _ in range(2)
    )
    if first == second:
        return []
    a, b = first, second
    pairs = enumerate(zip(a, b, strict=False))
    line = next((i for i, (x, y) in pairs if x != y), min(len(a), len(b)))
    return [Violation("deterministic", f"two runs differ from line {line + 1}")]
