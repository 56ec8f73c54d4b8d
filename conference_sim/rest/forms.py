"""REST parameters as the simulator reads them: booleans, the ``actions:`` keys they map to,
list filters, and the typed action a request builds (validated like a scenario's ``actions:``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from ..actions import ACTIONS, Update
from ..errors import InputError
from ..load.actions import action as build_action
from ..load.actions import options
from ..load.schema import At
from . import resources
from .errors import ApiError

if TYPE_CHECKING:
    from .wsgi import RestApi

BOOLEANS = {"Muted", "Hold", "BeepOnExit", "EndConferenceOnExit", "Coaching",
            "StartConferenceOnEnter", "EarlyMedia", "Record"}  # fmt: skip
CODES = {"to": 21201, "from": 21213, "callSidToCoach": 16028}
# keys that name what an operation acts on: set from the URL path, never from a form
TARGETING = frozenset(
    {*ACTIONS, "account", "at", "name", "call", "conference", "callSid"}
    - {"hold"}  # (Hold=: a field)
)


def act(api: RestApi, data: dict[str, Any], *, sid: str | None = None) -> None:
    """Build the action and make it; ``sid`` pins a room action to that conference instance."""
    action = build(api, data)
    if sid is not None:
        action = evolve(action, sid=sid)
    api.platform.act(action)


def build(api: RestApi, data: dict[str, Any], *, codes: dict[str, int] | None = None) -> Any:
    """A typed action from REST parameters, validated like a scenario's ``actions:``; a bad
    parameter is the platform's error code for it (``codes``, else 21200), named in the
    platform's words rather than the scenario file's."""
    sim = api.platform.sim
    table = options(None)
    verb = next((k for k in data if k in ACTIONS and not (k == "hold" and "update" in data)), None)
    if verb is not None:  # P1: a parameter the operation does not know is ignored, as there
        known = {verb, *table[verb]}
        data = {k: v for k, v in data.items() if k in known}
    try:
        return build_action(At([data], 0, "", None), None, table, sim.dialect, timed=False)
    except InputError as err:
        key = (err.where or "").split(".")[-1]
        param = key[:1].upper() + key[1:] if key else "parameter"
        code = (codes or CODES).get(key, 21200)
        message = err.message.replace("'url' or 'twiml'", "Url or Twiml").replace("create", "To")
        raise ApiError(400, code, f"{param}: {message}") from None


def flag(name: str, value: str) -> bool:
    if value.lower() not in ("true", "false"):
        raise ApiError(400, 21200, f"{name}: {value!r} is not allowed; allowed: true, false")
    return value.lower() == "true"


def yaml_keys(params: Any) -> dict[str, Any]:
    """REST parameters as ``actions:`` keys: ``Muted=True`` -> ``muted: true``; a repeated one
    (``StatusCallbackEvent=ringing&StatusCallbackEvent=answered``) as one space-separated."""
    out: dict[str, Any] = {}
    for name, values in params.lists():
        value = " ".join(values)
        key = name[:1].lower() + name[1:]
        if key in TARGETING:  # (a form key never re-targets an operation: issue 27)
            continue
        if name in BOOLEANS and value.lower() in ("true", "false"):
            out[key] = value.lower() == "true"
        elif name == "Beep" and value.lower() in ("true", "false"):
            out[key] = value.lower()
        else:
            out[key] = value
    return out


def overlay(action: Update, p: Any) -> dict[str, Any]:
    """How the participant resource will read once the update acts."""
    out: dict[str, Any] = {}
    for field, key in (("muted", "muted"), ("hold", "hold"), ("end_conference_on_exit",
                       "end_conference_on_exit"), ("coaching", "coaching")):  # fmt: skip
        value = getattr(action, field)
        if value is not None:
            out[key] = value
    if action.call_sid_to_coach is not None and action.coaching is not False:
        out["call_sid_to_coach"], out["coaching"] = action.call_sid_to_coach, True
    if action.coaching is False:
        out["call_sid_to_coach"] = None
    return out


def matches(room: Any, params: Mapping[str, str]) -> bool:
    """The Conferences list filters: FriendlyName, Status, DateCreated/DateUpdated (=, <, >)."""
    if "FriendlyName" in params and room.name != params["FriendlyName"]:
        return False
    if "Status" in params and str(room.state) != params["Status"]:
        return False
    for name, t_ms in (("DateCreated", room.created_ms), ("DateUpdated", room.updated_ms)):
        day = parsedate_to_datetime(resources.date(room.sim, t_ms) or "").date()
        for suffix, test in (("", day.__eq__), ("<", day.__le__), (">", day.__ge__)):
            if name + suffix in params and not test(
                parse_day(name + suffix, params[name + suffix])
            ):
                return False
    return True


def parse_day(name: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ApiError(400, 21200, f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None


def evolve(action: Any, **changes: Any) -> Any:
    import attrs

    return attrs.evolve(action, **changes)
