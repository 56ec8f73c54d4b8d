"""Frozen value classes for what a scenario describes: documents, verbs, calls, actions.

Times are integer milliseconds. Constructors at the boundary (``cxml.parse_document``,
``scenario.Scenario.from_yaml``) build these; nothing here parses text.
"""

from __future__ import annotations

from typing import Literal

from attrs import field, frozen

Beep = Literal["true", "false", "onEnter", "onExit"]


@frozen
class ConferenceAttrs:
    """The attributes of one ``<Conference>`` noun, validated and typed.

    ``given`` holds the cXML names that were written, so the A1 rule can say which room-level
    attributes a later participant tried to set.
    """

    beep: str = "true"
    muted: bool = False
    start_conference_on_enter: bool = True
    end_conference_on_exit: bool = False
    wait_url: str | None = None
    wait_method: str = "POST"
    max_participants: int = 250
    record: bool = False
    recording_status_callback: str | None = None
    recording_status_callback_event: tuple[str, ...] | None = None
    recording_status_callback_method: str = "POST"
    trim: str | None = None
    status_callback: str | None = None
    status_callback_event: tuple[str, ...] | None = None
    status_callback_method: str = "POST"
    event_callback_url: str | None = None
    coach: str | None = None
    participant_label: str | None = None
    jitter_buffer_size: str = "large"
    region: str | None = None
    given: frozenset[str] = frozenset()

    @property
    def beep_on_enter(self) -> bool:
        return self.beep in ("true", "onEnter")

    @property
    def beep_on_exit(self) -> bool:
        return self.beep in ("true", "onExit")


# Room-level attributes: read from the participant that creates the room (A1).
ROOM_ATTRIBUTES = (
    "statusCallback",
    "statusCallbackEvent",
    "statusCallbackMethod",
    "eventCallbackUrl",
    "record",
    "recordingStatusCallback",
    "recordingStatusCallbackEvent",
    "recordingStatusCallbackMethod",
    "trim",
    "maxParticipants",
)


@frozen
class Say:
    text: str
    loop: int = 1
    line: int | None = None


@frozen
class Play:
    url: str
    loop: int = 1  # 0 loops forever
    line: int | None = None


@frozen
class Pause:
    length_ms: int = 1000
    line: int | None = None


@frozen
class Redirect:
    url: str | None  # None: the same document again
    method: str = "POST"
    line: int | None = None


@frozen
class Hangup:
    line: int | None = None


@frozen
class Dial:
    room: str
    attrs: ConferenceAttrs
    action: str | None = None
    method: str = "POST"
    time_limit_ms: int | None = None
    hangup_on_star: bool = False
    line: int | None = None


Verb = Say | Play | Pause | Redirect | Hangup | Dial


@frozen
class Document:
    """A parsed cXML ``<Response>``; ``source`` names where it came from for messages."""

    verbs: tuple[Verb, ...]
    source: str = "<inline>"


@frozen
class Speech:
    start_ms: int
    end_ms: int


@frozen
class Press:
    at_ms: int
    digits: str


@frozen
class CallSpec:
    name: str
    document: Document
    at_ms: int = 0
    account: str = "default"
    from_: str = ""
    to: str = ""
    hangup_ms: int | None = None
    speech: tuple[Speech, ...] = ()
    presses: tuple[Press, ...] = ()
    line: int | None = None


ActionVerb = Literal["mute", "unmute", "hold", "unhold", "kick", "end", "announce", "update"]


@frozen
class ActionSpec:
    """A REST operation at a scenario time.

    ``target`` is a call name or CallSid (participant actions) or a conference name (``end``, and
    ``announce`` to the whole room). ``options`` holds the validated extra fields.
    """

    verb: ActionVerb
    at_ms: int
    target: str
    account: str = "default"
    options: dict[str, object] = field(factory=dict)
    line: int | None = None
