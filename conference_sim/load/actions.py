"""The ``actions:`` list: REST operations at scenario times, built into typed actions."""

from __future__ import annotations

from typing import Any

from ..actions import ACTIONS, PARTICIPANT_ACTIONS, Action, Announce, Update
from .schema import (
    METHOD,
    At,
    Validator,
    boolean,
    call_ref,
    describe,
    line_of,
    mapping,
    string,
    time,
    url,
)


def options(names: set[str]) -> dict[str, dict[str, tuple[str, Validator[Any]]]]:
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
    }


def actions(at: At, names: set[str]) -> tuple[Action, ...]:
    raw = at.value or []
    if not isinstance(raw, list):
        raise at.fail("must be a list of actions")
    table = options(names)
    return tuple(action(item, names, table) for item in at.items()) if raw else ()


def action(at: At, names: set[str], table: dict[str, dict[str, Any]]) -> Action:
    item = at.value
    if not isinstance(item, dict):
        raise at.fail(f"must be a mapping like {{at: 2m, mute: bob}}; got {describe(item)}")
    verbs = [k for k in item if k in ACTIONS]
    if len(verbs) != 1:
        raise at.fail(
            f"an action needs exactly one of {', '.join(ACTIONS)}; "
            f"got {', '.join(map(str, verbs)) or 'none'}"
        )
    verb = verbs[0]
    fields = table[verb]
    mapping(("at", verb, *fields))(at)
    if "at" not in item:
        raise at.fail("an action needs 'at' (a scenario time)")
    kw: dict[str, Any] = {"at_ms": time("at")(at.child("at")), "line": at.line}
    if verb in PARTICIPANT_ACTIONS:
        kw["call"] = call_ref(names)(at.child(verb))
    else:
        kw["conference"] = string()(at.child(verb))
    for key, (name, check) in fields.items():
        if key in item:
            kw[name] = check(at.child(key))
    cls = ACTIONS[verb]
    verb_line = line_of(item, verb)
    if cls is Announce and "url" not in kw:
        raise at.fail("announce needs 'url' (the announceUrl document)", line=verb_line)
    if cls is Update and len(kw) == 3:
        raise at.fail(f"update needs at least one of {', '.join(fields)}", line=verb_line)
    return cls(**kw)
