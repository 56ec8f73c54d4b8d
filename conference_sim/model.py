"""Frozen value classes for what a scenario describes: documents, verbs, calls, actions.

Times are integer milliseconds. Constructors at the boundary (``load.cxml.parse_document``,
``Scenario.from_yaml``) build these; nothing here parses text. The ``cxml()`` field metadata is
the one table of cXML attributes: the loader parses by it, rule A1 reads its ``room`` flags.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from attrs import Attribute, field, fields, frozen

from .dialects import DIALECTS, Dialect

DEFAULT_START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
MAX_UNTIL_MS = 24 * 3_600_000  # the default clock limit: a day (S5's 4 h timeLimit shows)
DEFAULT_TIME_LIMIT_MS = 14_400_000
DEFAULT_APP_URL = "https://app.example"
DEFAULT_AUTH_TOKEN = "c0ffee00c0ffee00c0ffee00c0ffee00"  # documented: tests sign with it

BEEP = ("true", "false", "onEnter", "onExit")
METHODS = ("GET", "POST")
RECORD = ("do-not-record", "record-from-start")
TRIM = ("trim-silence", "do-not-trim")
JITTER = ("off", "small", "medium", "large")
REGIONS = ("us1", "us2", "ie1", "de1", "sg1", "br1", "au1", "jp1")


def cxml(
    name: str, kind: str, default: Any = None, *, allowed: tuple[str, ...] = (), room: bool = False
) -> Any:
    """A field read from a cXML attribute: the table that drives parsing, defaults and rule A1.

    ``kind`` names the validator the loader applies (``load.cxml.ATTRIBUTE_KINDS``); ``room``
    marks the attributes only the participant that creates the conference sets (A1).
    """
    return field(
        default=default, metadata={"cxml": name, "kind": kind, "allowed": allowed, "room": room}
    )


@frozen
class ConferenceAttrs:
    """The attributes of one ``<Conference>`` noun, validated and typed.

    ``given`` holds the cXML names that were written, so the A1 rule can say which room-level
    attributes a later participant tried to set.
    """

    beep: str = cxml("beep", "choice", "true", allowed=BEEP)
    muted: bool = cxml("muted", "bool", False)
    start_conference_on_enter: bool = cxml("startConferenceOnEnter", "bool", True)
    end_conference_on_exit: bool = cxml("endConferenceOnExit", "bool", False)
    wait_url: str | None = cxml("waitUrl", "url-or-empty")
    wait_method: str = cxml("waitMethod", "choice", "POST", allowed=METHODS)
    max_participants: int = cxml("maxParticipants", "max-participants", 250, room=True)
    record: bool = cxml("record", "record", False, allowed=RECORD, room=True)
    recording_status_callback: str | None = cxml("recordingStatusCallback", "url", room=True)
    recording_status_callback_event: tuple[str, ...] | None = cxml(
        "recordingStatusCallbackEvent", "recording-events", room=True
    )
    recording_status_callback_method: str = cxml(
        "recordingStatusCallbackMethod", "choice", "POST", allowed=METHODS, room=True
    )
    trim: str | None = cxml("trim", "choice", allowed=TRIM, room=True)
    status_callback: str | None = cxml("statusCallback", "url", room=True)
    status_callback_event: tuple[str, ...] | None = cxml("statusCallbackEvent", "groups", room=True)
    status_callback_method: str = cxml(
        "statusCallbackMethod", "choice", "POST", allowed=METHODS, room=True
    )
    event_callback_url: str | None = cxml("eventCallbackUrl", "url", room=True)
    coach: str | None = cxml("coach", "call")
    participant_label: str | None = cxml("participantLabel", "label")
    jitter_buffer_size: str = cxml("jitterBufferSize", "choice", "large", allowed=JITTER)
    region: str | None = cxml("region", "choice", allowed=REGIONS)
    given: frozenset[str] = frozenset()

    @property
    def beep_on_enter(self) -> bool:
        return self.beep in ("true", "onEnter")

    @property
    def beep_on_exit(self) -> bool:
        return self.beep in ("true", "onExit")


def cxml_fields(cls: type) -> dict[str, Attribute]:
    """cXML attribute name -> the attrs field it fills, for a class built with :func:`cxml`."""
    return {f.metadata["cxml"]: f for f in fields(cls) if "cxml" in f.metadata}


CONFERENCE_ATTRIBUTES = cxml_fields(ConferenceAttrs)
# Room-level attributes: read from the participant that creates the room (A1).
ROOM_ATTRIBUTES = frozenset(n for n, f in CONFERENCE_ATTRIBUTES.items() if f.metadata["room"])


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
class Target:
    """One party a ``<Dial>`` rings: a ``<Number>``, ``<Client>``, ``<Sip>`` or bare number.
    ``address`` is what the call's ``To`` says (E.164, ``client:NAME``, ``sip:URI``), the key
    of the scenario's ``callees:``; ``url`` is the whisper document the callee hears before the
    bridge; the status callback gets the leg's call progress."""

    kind: str  # number, client, sip
    address: str
    url: str | None = None
    method: str = "POST"
    status_callback: str | None = None
    status_callback_event: tuple[str, ...] = ("completed",)
    status_callback_method: str = "POST"
    send_digits: str | None = None
    ignored: tuple[str, ...] = ()


@frozen
class Dial:
    """``<Dial>``: one seam for every noun. A ``<Conference>`` noun gives ``room`` and
    ``attrs``; ``<Number>``, ``<Client>``, ``<Sip>`` (or a bare number) give ``targets``, rung
    at once, the first to answer bridged to the caller."""

    room: str | None
    attrs: ConferenceAttrs
    action: str | None = cxml("action", "url")
    method: str = cxml("method", "choice", "POST", allowed=METHODS)
    time_limit_ms: int = cxml("timeLimit", "seconds", 14_400_000)  # S5: 4 h on both platforms
    hangup_on_star: bool = cxml("hangupOnStar", "bool", False)
    timeout_ms: int = cxml("timeout", "dial-timeout", 30_000)
    caller_id: str | None = cxml("callerId", "text")
    line: int | None = None
    ignored: tuple[str, ...] = ()  # attributes the platforms know and the simulator does not model
    targets: tuple[Target, ...] = ()


DIAL_ATTRIBUTES = cxml_fields(Dial)


@frozen
class Gather:
    """``<Gather>`` (SPEC 11): collect key presses (and speech) while its prompts play.
    ``action`` None: the current document's URL; ``speech_timeout_ms`` None: ``auto``."""

    input: tuple[str, ...] = ("dtmf",)
    num_digits: int | None = None
    finish_on_key: str = "#"
    timeout_ms: int = 5000
    speech_timeout_ms: int | None = 5000
    action: str | None = None
    method: str = "POST"
    action_on_empty_result: bool = False
    prompts: tuple[Say | Play | Pause, ...] = ()
    line: int | None = None
    ignored: tuple[str, ...] = ()


@frozen
class Record:
    """``<Record>`` (SPEC 11): record the caller until ``finishOnKey``, ``timeout`` s of silence
    (0: never), ``maxLength`` or a hang-up; then the action (default: the current document)."""

    max_length_ms: int = 3_600_000
    timeout_ms: int = 5000
    finish_on_key: str = "1234567890*#"
    play_beep: bool = True
    trim: str = "trim-silence"
    action: str | None = None
    method: str = "POST"
    recording_status_callback: str | None = None
    recording_status_callback_event: tuple[str, ...] = ("completed",)
    recording_status_callback_method: str = "POST"
    line: int | None = None
    ignored: tuple[str, ...] = ()


@frozen
class Utterance:
    """What a caller says at a moment (SPEC 11): a ``<Gather input=speech>`` hears it."""

    at_ms: int
    text: str
    confidence: float = 0.9


@frozen
class Reject:
    """``<Reject>``: as the first verb the call is never answered (busy or no-answer)."""

    reason: str = "rejected"
    line: int | None = None


@frozen
class Unfollowed:
    """A verb the platform knows and the simulator does not follow (``<Enqueue>``, ``<Pay>``,
    ``<Connect>``…): the document loads; at it, a warning says what the simulator does
    instead: ``goes_on`` (the next verb runs) or the call hangs up."""

    tag: str
    goes_on: bool
    line: int | None = None


Verb = Say | Play | Pause | Redirect | Hangup | Dial | Gather | Record | Reject | Unfollowed


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
    """A caller. Its first document is ``document``, or what its voice ``url`` answers (SPEC 9)."""

    name: str
    document: Document | None
    at_ms: int = 0
    account: str = "default"
    from_: str = ""
    to: str = ""
    hangup_ms: int | None = None
    speech: tuple[Speech, ...] = ()
    presses: tuple[Press, ...] = ()
    line: int | None = None
    url: str | None = None  # the voice URL: the first document comes from the app
    method: str = "POST"
    utterances: tuple[Utterance, ...] = ()  # what the caller says (speak:), for <Gather>
    # the phone number's status callback (SPEC 11): this call's progress, as the events say
    status_callback: str | None = None
    status_callback_event: tuple[str, ...] = ("completed",)
    status_callback_method: str = "POST"


@frozen
class Callee:
    """What the party at a dialled address does (SPEC 10, 11): ``answer`` after ``answer_ms``,
    or ``busy``, ``no-answer``, ``failed``; then hang up ``hangup_ms`` after answering (None:
    never). ``answered_by`` is what machine detection finds (``human``, ``machine_start``…);
    ``presses`` and ``speech`` are timed from the answer."""

    outcome: str = "answer"
    answer_ms: int = 5000
    hangup_ms: int | None = None
    answered_by: str = "human"
    presses: tuple[Press, ...] = ()
    speech: tuple[Speech, ...] = ()


@frozen
class ApiKey:
    """An API key (Twilio): HTTP Basic with its ``SK…`` sid and its secret."""

    sid: str
    secret: str


@frozen
class Account:
    """An account as the scenario declares it (SPEC 11): its own AccountSid (else one made from
    the seed and the name), its own auth token (else the scenario's) and its API keys."""

    name: str
    sid: str | None = None
    auth_token: str | None = None
    api_keys: tuple[ApiKey, ...] = ()


@frozen
class Scenario:
    """A loaded scenario. Build one at the boundary: ``Scenario.from_file``, ``from_yaml`` or
    ``from_dict`` (they call the loader, :mod:`conference_sim.load`)."""

    calls: tuple[CallSpec, ...]
    actions: tuple[Any, ...] = ()  # conference_sim.actions.Action
    documents: dict[str, Document] = field(factory=dict)
    media: dict[str, int] = field(factory=dict)
    name: str = ""
    dialect: Dialect = DIALECTS["signalwire"]
    seed: int = 0
    start: dt.datetime = DEFAULT_START
    until_ms: int | None = None
    expect: Any = None  # expectations.Expectations, made by the loader
    path: str | None = None
    callees: dict[str, Callee] = field(factory=dict)  # SPEC 10: who answers a dial-out
    app: str | None = None  # SPEC 9: module:attribute or http://127.0.0.1:PORT
    app_url: str = DEFAULT_APP_URL
    auth_token: str = DEFAULT_AUTH_TOKEN
    accounts: dict[str, Account] = field(factory=dict)  # the declared ones, by name

    def token_of(self, account: str, default: str | None = None) -> str:
        """The auth token of an account (``default``: the run's token where the account
        declares none; the scenario's when not given)."""
        declared = self.accounts.get(account)
        if declared is not None and declared.auth_token is not None:
            return declared.auth_token
        return default or self.auth_token

    @classmethod
    def from_file(cls, path: Any) -> Scenario:
        from .load.scenario import load_file

        return load_file(path)

    @classmethod
    def from_yaml(cls, text: str, path: str | None = None) -> Scenario:
        from .load.scenario import load_yaml_text

        return load_yaml_text(text, path)

    @classmethod
    def from_dict(cls, data: Any, path: str | None = None) -> Scenario:
        from .load.scenario import load_data

        return load_data(data, path)
