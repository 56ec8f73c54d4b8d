"""``conference-sim explore``: random scenarios (Hypothesis), checked by the invariants, and the
smallest failing one written as a scenario file.

Each example is a scenario as plain data (what a YAML file holds): calls with random
attributes, arrival and hang-up times on a 5 s grid (so that same-instant ties are common),
speech, key presses and REST actions. It is run twice (determinism) and its timeline checked by
:mod:`conference_sim.invariants`. On a violation Hypothesis shrinks the scenario; the minimal
one is written as YAML with the violated invariant in a comment.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from attrs import frozen

from .invariants import Violation

PROFILES: dict[str, dict[str, int]] = {
    # calls, rooms, actions, seconds of arrivals
    "small": {"calls": 4, "rooms": 1, "actions": 3, "span": 60},
    "medium": {"calls": 8, "rooms": 2, "actions": 6, "span": 120},
    "large": {"calls": 20, "rooms": 3, "actions": 15, "span": 300},
}
CALLBACK = "https://app.example/events"
MEDIA = "https://cdn.example/announce.mp3"

Checker = Callable[[Any, Any], list[Violation]]


@frozen
class Finding:
    """What explore found: the minimal scenario (plain data) and what it violates."""

    data: dict[str, Any]
    violations: tuple[Violation, ...]


def scenarios(profile: str = "medium") -> Any:
    """A Hypothesis strategy of scenario data for a profile (small, medium, large)."""
    from hypothesis import strategies as st

    size = PROFILES[profile]
    times = st.integers(0, size["span"] // 5).map(lambda n: n * 5)

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        n = draw(st.integers(1, size["calls"]))
        names = [f"c{i}" for i in range(n)]
        rooms = [f"R{i}" for i in range(draw(st.integers(1, size["rooms"])))]
        calls = [draw(call(name, names, rooms)) for name in names]
        data: dict[str, Any] = {"dialect": draw(st.sampled_from(["signalwire", "twilio"]))}
        if draw(st.booleans()) and draw(st.booleans()):
            until = draw(st.integers(1, size["span"] // 5 + 60)) * 5
            data["until"] = max(until, *(c["at"] for c in calls))  # every call gets to arrive
        data["calls"] = calls
        verbs = ["mute", "unmute", "hold", "unhold", "kick", "update", "end", "announce"]
        actions = []
        for _ in range(draw(st.integers(0, size["actions"]))):
            verb = draw(st.sampled_from(verbs))
            target = draw(st.sampled_from(rooms if verb in ("end", "announce") else names))
            action: dict[str, Any] = {"at": draw(times) + 5, verb: target}
            if verb == "announce":
                action["url"] = MEDIA
            if verb == "update":
                action["endConferenceOnExit"] = draw(st.booleans())
            actions.append(action)
        # calls around the room (SPEC 11): some callers dial people instead of a room, and
        # calls create dials others in by REST
        addresses = ["+15550001111", "client:agent", "sip:desk@pbx.example", "+15550002222"]
        for i in range(draw(st.integers(0, 2))):
            to = draw(st.sampled_from(addresses))
            actions.append({"at": draw(times) + 5, "create": to, "from": "+15550000001",
                            "twiml": f"<Response><Dial><Conference>{draw(st.sampled_from(rooms))}"
                                     "</Conference></Dial></Response>"})  # fmt: skip
            _ = i
        for c in data["calls"]:
            if draw(st.integers(0, 5)) == 5:  # (shrinks towards a plain caller)
                nouns = "".join(
                    f"<Number>{a}</Number>" if a.startswith("+") else
                    f"<Client>{a[7:]}</Client>" if a.startswith("client:") else f"<Sip>{a}</Sip>"
                    for a in draw(st.lists(st.sampled_from(addresses), min_size=1, max_size=3,
                                           unique=True))
                )  # fmt: skip
                c.pop("conference"), c.pop("attributes", None), c.pop("dial", None)
                timeout = draw(st.integers(5, 40))
                c["cxml"] = f'<Response><Dial timeout="{timeout}">{nouns}</Dial></Response>'

        for c in data["calls"]:  # an IVR in front of the room, now and then (SPEC 11)
            if "conference" in c and draw(st.integers(0, 4)) == 4:
                digits = draw(st.sampled_from(["1", "12", "1234#", "#", "9"]))
                room = c.pop("conference")
                attrs = c.pop("attributes", None)
                _ = attrs
                c.pop("dial", None)
                gather = draw(st.sampled_from([
                    "<Gather numDigits='1' timeout='3'><Say>Press a key</Say></Gather>",
                    "<Gather finishOnKey='#' timeout='2'/>",
                    "<Gather input='dtmf speech' timeout='4'><Pause length='2'/></Gather>",
                    "<Record maxLength='10' timeout='2' playBeep='false' "
                    "action='https://app.example/recorded'/>",
                ]))  # fmt: skip
                c["cxml"] = (f"<Response>{gather}<Dial><Conference>{room}</Conference></Dial>"
                             "</Response>")  # fmt: skip
                c["press"] = [{"at": c["at"] + draw(st.integers(0, 6)), "digits": digits}]
        behaviours = st.sampled_from(
            ["busy", "no-answer", "failed", "machine", {"answer": "3s", "hangup": "20s"},
             {"answer": "8s"}, {"answer": "50s"}]
        )  # fmt: skip
        data["callees"] = {a: draw(behaviours) for a in addresses if draw(st.booleans())}
        if actions:
            data["actions"] = actions
        return data

    @st.composite
    def call(draw: Any, name: str, names: list[str], rooms: list[str]) -> dict[str, Any]:
        at = draw(times)
        attrs: dict[str, Any] = {}
        optional: dict[str, Any] = {
            "startConferenceOnEnter": st.booleans(),
            "endConferenceOnExit": st.booleans(),
            "beep": st.sampled_from(["true", "false", "onEnter", "onExit"]),
            "muted": st.booleans(),
            "maxParticipants": st.integers(1, 4),
            "waitUrl": st.just(""),
            "record": st.just("record-from-start"),
            "coach": st.sampled_from([n for n in names if n != name] or [name]),
        }
        rare = ("coach", "maxParticipants")  # each refuses joins: keep them to 1 call in 4
        for key, strategy in optional.items():
            if key == "coach" and len(names) < 2:
                continue
            if draw(st.booleans()) and (key not in rare or draw(st.booleans())):
                attrs[key] = draw(strategy)
        if draw(st.booleans()):
            attrs["statusCallback"] = CALLBACK
            attrs["statusCallbackEvent"] = "start end join leave mute hold speaker"
        out: dict[str, Any] = {"name": name, "at": at, "conference": draw(st.sampled_from(rooms))}
        if attrs:
            out["attributes"] = attrs
        if draw(st.booleans()):
            out["hangup"] = at + draw(st.integers(1, 60)) * 5
        if draw(st.booleans()):
            out["dial"] = {"timeLimit": draw(st.integers(1, 40)) * 5}
        points = sorted(set(draw(st.lists(times, max_size=4))))
        bursts = [[a, b] for a, b in zip(points[::2], points[1::2], strict=False)]
        if bursts:
            out["speech"] = bursts
        if draw(st.booleans()) and draw(st.booleans()):
            out["dial"] = {**out.get("dial", {}), "hangupOnStar": True}
            out["press"] = [{"at": draw(times) + 5, "digits": "*"}]
        return out

    return build()


def default_checker(scenario: Any, shuffle_ties: int | None) -> list[Violation]:
    from ..runner import capture
    from .invariants import check, check_determinism

    events = capture(scenario, shuffle_ties=shuffle_ties)
    return check(events, scenario) + check_determinism(scenario, shuffle_ties)


def explore(
    *,
    examples: int = 100,
    seed: int = 0,
    profile: str = "medium",
    shuffle_ties: int | None = None,
    checker: Callable[[Any, int | None], list[Violation]] = default_checker,
) -> Finding | None:
    """Run ``examples`` random scenarios; the minimal failing one, or None if all held."""
    from hypothesis import HealthCheck, Verbosity, given, settings
    from hypothesis import seed as fixed_seed

    from ..errors import InputError
    from ..model import Scenario

    last: dict[str, Finding] = {}

    @fixed_seed(seed)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(scenarios(profile))
    def holds(data: dict[str, Any]) -> None:
        try:
            scenario = Scenario.from_dict(copy.deepcopy(data))
            violations = checker(scenario, shuffle_ties)
        except InputError as err:
            violations = [Violation("generator", f"produced an invalid scenario: {err}")]
        except Exception as err:  # an engine crash is a finding too
            violations = [Violation("crash", f"{type(err).__name__}: {err}")]
        if violations:
            last["found"] = Finding(data, tuple(violations))
            raise AssertionError(str(violations[0]))

    try:
        holds()
    except AssertionError:
        return last.get("found")
    return None


def write_finding(
    finding: Finding, path: str | Path, *, command: str, shuffle_ties: int | None
) -> None:
    """The minimal scenario as YAML, the violated invariant(s) in a comment at the top."""
    from ..load.yamlsource import dump_yaml

    lines = [
        "# A scenario found by conference-sim explore that breaks an invariant.",
        f"# Found with: {command}",
    ]
    lines += [f"# Violated: {v}" for v in finding.violations]
    again = f" --shuffle-ties {shuffle_ties}" if shuffle_ties is not None else ""
    lines.append(f"# Reproduce: conference-sim run {Path(path).name}{again}")
    data = {"name": "explore finding", **finding.data}
    Path(path).write_text("\n".join(lines) + "\n" + dump_yaml(data), encoding="utf-8")
