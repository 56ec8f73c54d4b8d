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
* ``deterministic`` (``check_determinism``): the same input gives the same bytes.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from attrs import define, field, frozen

from .events import Event
from .model import ConferenceAttrs, Dial

if TYPE_CHECKING:
    from .scenario import Scenario

NAMES = (
    "leave-once",
    "one-end",
    "max-participants",
    "sequence-gapless",
    "start-needs-two",
    "time-order",
    "speech-audible",
    "deterministic",
)


@frozen
class Violation:
    invariant: str
    message: str
    seq: int | None = None

    def __str__(self) -> str:
        at = f" (event seq {self.seq})" if self.seq is not None else ""
        return f"{self.invariant}: {self.message}{at}"


@define
class Room:
    sid: str
    name: str
    present: dict[str, None] = field(factory=dict)  # the calls in the room, in join order
    muted: set[str] = field(factory=set)
    held: set[str] = field(factory=set)
    talking: set[str] = field(factory=set)
    silenced: dict[str, Event] = field(factory=dict)  # muted/held while talking, this instant
    started: bool = False
    ended: bool = False
    sequence: int = 0
    max_participants: int = 250


def attrs_of(scenario: Scenario | None, call: str, room: str) -> ConferenceAttrs:
    """The <Conference> attributes a call dialled this room with (first Dial found)."""
    if scenario is None:
        return ConferenceAttrs()
    docs = [c.document for c in scenario.calls if c.name == call]
    docs += list(scenario.documents.values())
    for doc in docs:
        for verb in doc.verbs:
            if isinstance(verb, Dial) and verb.room == room:
                return verb.attrs
    return ConferenceAttrs()


def check(events: Iterable[Event], scenario: Scenario | None = None) -> list[Violation]:
    """Every violation of the timeline invariants (empty when all hold)."""
    out: list[Violation] = []
    rooms: dict[str, Room] = {}
    last_t, last_stamp = 0, 0.0
    cut = scenario is not None and scenario.until_ms is not None
    expected_seq = 0

    def fail(name: str, message: str, e: Event | None = None) -> None:
        out.append(Violation(name, message, e.seq if e else None))

    def flush() -> None:  # speech must stop in the same instant as the mute or hold
        for room in rooms.values():
            for call, cause in room.silenced.items():
                fail("speech-audible", f"{call}: {cause.event} but its speech did not stop", cause)
            room.silenced.clear()

    for e in events:
        if e.t_ms != last_t:
            flush()
        if e.seq != expected_seq:
            fail("time-order", f"seq {e.seq} follows {expected_seq - 1}", e)
        expected_seq = e.seq + 1
        if e.t_ms < last_t:
            fail("time-order", f"t goes back from {last_t / 1000} to {e.t}", e)
        last_t = max(last_t, e.t_ms)
        stamp = e.params.get("Timestamp")
        if stamp:
            when = email.utils.parsedate_to_datetime(stamp).timestamp()
            if when < last_stamp:
                fail("time-order", f"Timestamp {stamp} is before the previous one", e)
            last_stamp = max(last_stamp, when)
        if e.event == "clock-stopped":
            cut = True
        sid = e.params.get("ConferenceSid")
        if not sid or e.kind not in ("conference", "recording"):
            continue
        room = rooms.get(sid)
        if room is None:
            room = rooms[sid] = Room(sid, e.conference or "")
        if room.ended and e.kind == "conference":
            fail("one-end", f"{e.event} after the conference-end of {room.name!r}", e)
            continue
        seq_no = e.params.get("SequenceNumber")
        if seq_no is not None:
            room.sequence += 1
            if seq_no != str(room.sequence):
                fail(
                    "sequence-gapless",
                    f"SequenceNumber {seq_no} in {room.name!r}, expected {room.sequence}",
                    e,
                )
                room.sequence = int(seq_no)
        _conference_event(room, e, scenario, fail)
    flush()
    for room in rooms.values():
        if not room.ended and not cut:
            fail("one-end", f"conference {room.name!r} was joined but never ended")
        if room.present and not cut:
            names = ", ".join(room.present)
            fail("leave-once", f"{names} joined {room.name!r} and never left")
    return out


def _conference_event(
    room: Room,
    e: Event,
    scenario: Scenario | None,
    fail: Callable[[str, str, Event | None], None],
) -> None:
    call = e.call
    name = e.event
    if name == "participant-join" and call:
        if call in room.present:
            fail("leave-once", f"{call} joined {room.name!r} twice without leaving", e)
        if not room.present:
            room.max_participants = attrs_of(scenario, call, room.name).max_participants
        room.present[call] = None
        if e.params.get("Muted") == "true":
            room.muted.add(call)
        if len(room.present) > room.max_participants:
            fail(
                "max-participants",
                f"{len(room.present)} present in {room.name!r}, "
                f"maxParticipants is {room.max_participants}",
                e,
            )
    elif name == "participant-leave" and call:
        if call not in room.present:
            fail("leave-once", f"{call} left {room.name!r} without being in it", e)
        room.present.pop(call, None)
        if call in room.talking:
            fail("speech-audible", f"{call} left while a speech-start was open", e)
            room.talking.discard(call)
    elif name == "conference-start":
        starters = [
            c for c in room.present if attrs_of(scenario, c, room.name).start_conference_on_enter
        ]
        if len(room.present) < 2 or not starters:
            fail(
                "start-needs-two",
                f"{room.name!r} started with {len(room.present)} present "
                f"({len(starters)} with startConferenceOnEnter)",
                e,
            )
        room.started = True
    elif name == "conference-end":
        if room.present:
            fail("leave-once", f"{', '.join(room.present)} still in {room.name!r} at its end", e)
        room.ended = True
    elif name in ("participant-mute", "participant-unmute") and call:
        (room.muted.add if name == "participant-mute" else room.muted.discard)(call)
        if name == "participant-mute" and call in room.talking:
            room.silenced[call] = e
    elif name in ("participant-hold", "participant-unhold") and call:
        (room.held.add if name == "participant-hold" else room.held.discard)(call)
        if name == "participant-hold" and call in room.talking:
            room.silenced[call] = e
    elif name == "participant-speech-start" and call:
        audible = room.started and call not in room.muted and call not in room.held
        if not audible or call not in room.present:
            fail("speech-audible", f"{call} speech-start while not audible in {room.name!r}", e)
        if call in room.talking:
            fail("speech-audible", f"{call} speech-start twice", e)
        room.talking.add(call)
    elif name == "participant-speech-stop" and call:
        if call not in room.talking:
            fail("speech-audible", f"{call} speech-stop without a start", e)
        room.talking.discard(call)
        room.silenced.pop(call, None)


def check_determinism(scenario: Scenario, shuffle_ties: int | None = None) -> list[Violation]:
    """Run the scenario twice; the JSONL must be identical."""
    from .builder import run

    first = run(scenario, shuffle_ties=shuffle_ties).to_jsonl()
    second = run(scenario, shuffle_ties=shuffle_ties).to_jsonl()
    if first == second:
        return []
    a, b = first.splitlines(), second.splitlines()
    pairs = enumerate(zip(a, b, strict=False))
    line = next((i for i, (x, y) in pairs if x != y), min(len(a), len(b)))
    return [Violation("deterministic", f"two runs differ from line {line + 1}")]
