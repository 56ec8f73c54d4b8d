"""The ``actions:`` list: REST operations at scenario times, built into typed actions.

The REST API (SPEC 10) builds its actions with these same functions, from its form parameters
(``Muted=true`` arrives here as ``muted: true``): one implementation of what each operation
takes and what it allows.
"""

from __future__ import annotations

import re
from typing import Any

from ..actions import (
    ACTIONS,
    PARTICIPANT_ACTIONS,
    Action,
    AddParticipant,
    Announce,
    CreateCall,
    RedirectCall,
    Update,
)
from ..dialects import Dialect
from ..errors import DocumentError
from ..timeparse import excerpt
from . import cxml
from .documents import document
from .schema import (
    METHOD,
    At,
    Validator,
    boolean,
    call_ref,
    choice,
    describe,
    line_of,
    mapping,
    string,
    time,
    url,
)

PHONE = re.compile(r"^\+?[0-9A-Za-z:@._-]+$")
NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
CALL_EVENTS = ("initiated", "ringing", "answered", "completed")
# participant create: the YAML key -> the <Conference> attribute it sets
ADD_ATTRIBUTES = {
    "label": "participantLabel",
    "beep": "beep",
    "startConferenceOnEnter": "startConferenceOnEnter",
    "endConferenceOnExit": "endConferenceOnExit",
    "muted": "muted",
    "callSidToCoach": "coach",
    "waitUrl": "waitUrl",
    "waitMethod": "waitMethod",
    "jitterBufferSize": "jitterBufferSize",
    "conferenceStatusCallback": "statusCallback",
    "conferenceStatusCallbackEvent": "statusCallbackEvent",
    "conferenceStatusCallbackMethod": "statusCallbackMethod",
    "conferenceRecord": "record",
    "conferenceTrim": "trim",
    "conferenceRecordingStatusCallback": "recordingStatusCallback",
    "conferenceRecordingStatusCallbackEvent": "recordingStatusCallbackEvent",
    "maxParticipants": "maxParticipants",
    "region": "region",
}


def words(allowed: tuple[str, ...]) -> Validator[tuple[str, ...]]:
    def check(at: At) -> tuple[str, ...]:
        found = tuple(re.split(r"[\s,]+", string()(at).strip()))
        bad = [w for w in found if w not in allowed]
        if bad:
            raise at.fail(f"{excerpt(bad[0])} is not allowed; allowed: {' '.join(allowed)}")
        return found

    return check


def options(names: set[str] | None) -> dict[str, dict[str, tuple[str, Validator[Any]]]]:
    """Per verb: the YAML key -> (the action's field, its validator)."""
    call = call_ref(names)
    flag = boolean
    return {
        "mute": {},
        "unmute": {},
        "hold": {"holdUrl": ("hold_url", url()), "holdMethod": ("hold_method", METHOD)},
        "unhold": {},
        "kick": {},
        "update": {
            "muted": ("muted", flag),
            "hold": ("hold", flag),
            "holdUrl": ("hold_url", url()),
            "holdMethod": ("hold_method", METHOD),
            "announceUrl": ("announce_url", url()),
            "announceMethod": ("announce_method", METHOD),
            "beepOnExit": ("beep_on_exit", flag),
            "endConferenceOnExit": ("end_conference_on_exit", flag),
            "coaching": ("coaching", flag),
            "callSidToCoach": ("call_sid_to_coach", call),
            "waitUrl": ("wait_url", url(empty_ok=True)),
            "waitMethod": ("wait_method", METHOD),
        },
        "end": {"account": ("account", string())},
        "announce": {
            "account": ("account", string()),
            "url": ("url", url()),
            "method": ("method", METHOD),
            "call": ("call", call),
        },
        "redirect": {"url": ("url", url()), "method": ("method", METHOD), "twiml": ("", string())},
        "hangup": {},
        "create": {
            "account": ("account", string()),
            "to": ("to", string(ADDRESS, "E.164 (+15550001111), client:NAME or sip:URI")),
            "from": ("from_", string(PHONE, "a phone number or client:NAME")),
            "name": ("name", string(NAME, "letters, digits, '_', '.', '-'")),
            "url": ("url", url()),
            "method": ("method", METHOD),
            "twiml": ("", string()),
            "fallbackUrl": ("fallback_url", url()),
            "fallbackMethod": ("fallback_method", METHOD),
            "statusCallback": ("status_callback", url()),
            "statusCallbackEvent": ("status_callback_event", words(CALL_EVENTS)),
            "statusCallbackMethod": ("status_callback_method", METHOD),
            "timeout": ("timeout_ms", create_timeout),
            "timeLimit": ("time_limit_ms", time("timeLimit")),
            "machineDetection": ("machine_detection", choice("Enable", "DetectMessageEnd")),
            "callerId": ("caller_id", string()),
            **{key: ("", anything) for key in CREATE_IGNORED},
        },
        "add": {
            "account": ("account", string()),
            "to": ("to", string(PHONE, "a phone number or SIP address, e.g. +15550001111")),
            "from": ("from_", string(PHONE, "a phone number, e.g. +15550000001")),
            "name": (
                "name",
                string(re.compile(r"^[A-Za-z0-9_.-]+$"), "letters, digits, '_', '.', '-'"),
            ),
            "timeout": ("timeout_ms", time("timeout")),
            "statusCallback": ("status_callback", url()),
            "statusCallbackEvent": ("status_callback_event", words(CALL_EVENTS)),
            "statusCallbackMethod": ("status_callback_method", METHOD),
            "coaching": ("", flag),
            **{key: ("", attribute_text) for key in ADD_ATTRIBUTES},
            **{key: ("", anything) for key in ADD_IGNORED},
        },
    }


# participant create: documented parameters accepted, and named in one attribute-ignored
# warning when the call is dialled (SPEC 11)
ADD_IGNORED = (
    "earlyMedia", "record", "recordingChannels", "recordingStatusCallback",
    "recordingStatusCallbackMethod", "recordingStatusCallbackEvent", "recordingTrack",
    "conferenceRecordingStatusCallbackMethod", "conferenceStatusCallbackMethod",
    "sipAuthUsername", "sipAuthPassword", "byoc", "callerId", "callReason", "timeLimit",
    "machineDetection", "machineDetectionTimeout", "machineDetectionSpeechThreshold",
    "machineDetectionSpeechEndThreshold", "machineDetectionSilenceTimeout", "amdStatusCallback",
    "amdStatusCallbackMethod", "trim", "callToken", "clientNotificationUrl", "callerDisplayName",
)  # fmt: skip
# calls create: documented parameters accepted, and named in one attribute-ignored warning
CREATE_IGNORED = (
    "sendDigits", "record", "recordingChannels", "recordingStatusCallback",
    "recordingStatusCallbackMethod", "recordingStatusCallbackEvent", "recordingTrack", "trim",
    "machineDetectionTimeout", "machineDetectionSpeechThreshold",
    "machineDetectionSpeechEndThreshold", "machineDetectionSilenceTimeout",
    "machineWordsThreshold", "asyncAmd", "asyncAmdStatusCallback",
    "asyncAmdStatusCallbackMethod", "asyncAmdPartialResults", "sipAuthUsername",
    "sipAuthPassword", "callToken", "byoc", "callReason", "clientNotificationUrl",
    "applicationSid", "maxPricePerMinute", "earlyMedia",
)  # fmt: skip
ADDRESS = re.compile(r"^(\+[1-9][0-9]{1,14}|client:[^\s]{1,256}|sips?:[^\s]{1,255})$")


def create_timeout(at: At) -> int:
    """Ring time: a whole number of seconds from 1 to 600 (the platform: 21208)."""
    value = at.value
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 600:
        raise at.fail(f"{excerpt(value)} is not allowed; allowed: a whole number of seconds 1-600")
    return value * 1000


def anything(at: At) -> object:
    return at.value


def attribute_text(at: At) -> str:
    """A <Conference> attribute's value as cXML would carry it."""
    value = at.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise at.fail(f"must be a string, number or boolean; got {describe(value)}")


def actions(at: At, names: set[str], dialect: Dialect) -> tuple[Action, ...]:
    raw = at.value or []
    if not isinstance(raw, list):
        raise at.fail("must be a list of actions")
    table = options(names)
    return tuple(action(item, names, table, dialect) for item in at.items()) if raw else ()


def action(
    at: At,
    names: set[str] | None,
    table: dict[str, dict[str, Any]],
    dialect: Dialect,
    *,
    timed: bool = True,
) -> Action:
    """One action. ``timed`` False: no ``at`` (the REST API acts now)."""
    item = at.value
    if not isinstance(item, dict):
        raise at.fail(f"must be a mapping like {{at: 2m, mute: bob}}; got {describe(item)}")
    # `hold` is an action and also a field of `update` ({update: bob, hold: true})
    verbs = [k for k in item if k in ACTIONS and not (k == "hold" and "update" in item)]
    if len(verbs) != 1:
        raise at.fail(
            f"an action needs exactly one of {', '.join(ACTIONS)}; "
            f"got {', '.join(map(str, verbs)) or 'none'}"
        )
    verb = verbs[0]
    fields = table[verb]
    mapping((*(("at",) if timed else ()), verb, *fields))(at)
    kw: dict[str, Any] = {"line": at.line}
    if timed:
        if "at" not in item:
            raise at.fail("an action needs 'at' (a scenario time)")
        kw["at_ms"] = time("at")(at.child("at"))
    if verb in PARTICIPANT_ACTIONS:
        kw["call"] = call_ref(names)(at.child(verb))
    else:
        kw["conference"] = string()(at.child(verb))
    for key, (name, check) in fields.items():
        if key in item and name:
            kw[name] = check(at.child(key))
    cls = ACTIONS[verb]
    verb_line = line_of(item, verb)
    if cls is Announce and "url" not in kw:
        raise at.fail("announce needs 'url' (the announceUrl document)", line=verb_line)
    if cls is Update and len(kw) == 2 + timed:
        raise at.fail(f"update needs at least one of {', '.join(fields)}", line=verb_line)
    if cls is RedirectCall:
        redirect_document(at, kw, dialect, verb_line)
    if cls is AddParticipant:
        add_participant(at, kw, dialect, names, verb_line)
    if cls is CreateCall:
        create_call(at, kw, dialect, verb_line)
    return cls(**kw)


def create_call(at: At, kw: dict[str, Any], dialect: Dialect, line: int | None) -> None:
    """Calls create: what to dial, from where, and what to run on answer."""
    item = at.value
    kw["to"] = kw.pop("conference")  # (the verb's value is the address dialled)
    if not ADDRESS.match(kw["to"]):
        raise at.child("create").fail(
            f"{excerpt(kw['to'])} is not allowed; allowed: E.164 (+15550001111), client:NAME "
            "or sip:URI",
            line=line,
        )
    if "from_" not in kw:
        raise at.fail("create needs 'from' (the caller's number)", line=line)
    if ("url" in kw) == ("twiml" in item):
        raise at.fail("create needs exactly one of 'url' or 'twiml'", line=line)
    if "twiml" in item:
        kw["document"] = document(at.child("twiml"), dialect, source=f"{at.where}.twiml")
    kw["ignored"] = tuple(k for k in item if k in CREATE_IGNORED)


def redirect_document(at: At, kw: dict[str, Any], dialect: Dialect, line: int | None) -> None:
    if ("url" in kw) == ("twiml" in at.value):
        raise at.fail("redirect needs exactly one of 'url' or 'twiml'", line=line)
    if "twiml" in at.value:
        kw["document"] = document(at.child("twiml"), dialect, source=f"{at.where}.twiml")


def add_participant(
    at: At, kw: dict[str, Any], dialect: Dialect, names: set[str] | None, line: int | None
) -> None:
    """Participant create: its <Conference> attributes, validated as cXML ones are."""
    item = at.value
    if "to" not in kw:
        raise at.child("to").fail("add needs 'to' (the number to dial)", line=line)
    kw.setdefault("from_", "+15559990000")
    kw["ignored"] = tuple(k for k in item if k in ADD_IGNORED)
    raw = {ADD_ATTRIBUTES[k]: attribute_text(at.child(k)) for k in ADD_ATTRIBUTES if k in item}
    if "coach" in raw:
        call_ref(names)(at.child("callSidToCoach"))
    if item.get("coaching") is False:
        raw.pop("coach", None)
    if raw.get("record") in ("true", "false"):
        raw["record"] = "record-from-start" if raw["record"] == "true" else "do-not-record"
    try:
        kw["attrs"] = cxml.conference_attrs(raw, dialect)
    except DocumentError as err:
        key = next((k for k, v in ADD_ATTRIBUTES.items() if v == err.where), None)
        raise (at.child(key) if key in item else at).fail(err.message) from None


def readable(address: str) -> str:
    """A timeline name for a call to ``address``: ``client:agent`` -> ``agent``,
    ``sip:desk@pbx`` -> ``desk``, ``+15550001111`` -> ``call-15550001111``."""
    if address.startswith("client:"):
        address = address[7:]
    elif address.startswith(("sip:", "sips:")):
        address = address.split(":", 1)[1].split("@")[0]
    else:
        address = "call-" + address.lstrip("+")
    return re.sub(r"[^A-Za-z0-9_.-]", "-", address)[:64] or "call"


def added_names(at: At, taken: set[str]) -> list[str]:
    """The timeline names of the calls that ``add`` actions dial, in order: ``name:``, else the
    label when it is a free name, else ``added-N``."""
    out: list[str] = []
    items = at.value if isinstance(at.value, list) else []
    for item in items:
        if not isinstance(item, dict) or not ("add" in item or "create" in item):
            continue
        wanted = item.get("name") or item.get("label")
        if "create" in item and not wanted and isinstance(item["create"], str):
            wanted = readable(item["create"])
        if not isinstance(wanted, str) or not NAME.match(wanted) or wanted in taken:
            wanted = f"added-{len(out) + 1}"
        taken = taken | {wanted}
        out.append(wanted)
    return out
