"""REST operations at scenario times: mute, unmute, hold, unhold, kick, end, announce, update.

An action whose call or conference is not there becomes a ``warning`` event (the platform would
answer 404 / 20404, or 16099 for a state it cannot act on), never a crash.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import ActionSpec

if TYPE_CHECKING:
    from .conference import Conference, Participant
    from .simulation import Simulation


def apply(sim: Simulation, action: ActionSpec) -> None:
    verb, opts = action.verb, action.options
    if verb in ("end", "announce"):
        room = sim.rooms.get((action.account, action.target))
        if room is None:
            _missing(
                sim,
                action,
                f"no live conference named {action.target!r} in account {action.account!r}",
            )
            return
        if verb == "end":
            sim.end_room(room)
            return
        target = None
        if "call" in opts:
            target = _participant(sim, str(opts["call"]))
            if target is None or target.room is not room:
                _missing(sim, action, f"{opts['call']!r} is not a participant of {action.target!r}")
                return
        room.announce(str(opts["url"]), str(opts.get("method", "POST")), target)
        return
    p = _participant(sim, action.target)
    if p is None:
        _missing(sim, action, f"{action.target!r} is not a participant of any live conference")
        return
    room: Conference = p.room
    if verb == "mute":
        room.set_muted(p, True)
    elif verb == "unmute":
        room.set_muted(p, False)
    elif verb == "hold":
        room.set_held(p, True, opts.get("holdUrl"), str(opts.get("holdMethod", "GET")))  # type: ignore[arg-type]
    elif verb == "unhold":
        room.set_held(p, False)
    elif verb == "kick":
        sim.kick(p)
    elif verb == "update":
        room.update(p, opts)


def _participant(sim: Simulation, name_or_sid: str) -> Participant | None:
    call = sim.find_call(name_or_sid)
    return call.participant if call is not None else None


def _missing(sim: Simulation, action: ActionSpec, why: str) -> None:
    sim.warn(
        sim.log.bind(account=action.account),
        "action-failed",
        action=action.verb,
        target=action.target,
        ErrorCode="20404",
        reason=f"{why}; the platform would answer 404 and nothing changes",
    )
