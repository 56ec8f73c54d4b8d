"""Build scenarios in Python, fluently, and run them.

    from conference_sim import ScenarioBuilder

    timeline = (
        ScenarioBuilder("agent joins late")
        .call("customer", "Support", startConferenceOnEnter=False, hangup="5m")
        .call("agent", "Support", at="30s", endConferenceOnExit=True, hangup="2m")
        .mute("customer", at=60)
        .run()
    )
    timeline.assert_timeline("30 conference-start", "60 participant-mute customer")

The builder holds the same plain data a scenario file holds (``to_dict``/``to_yaml``), and
``build()`` validates it with exactly the rules of a file, so its errors read the same.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..check.timeline import Timeline
    from ..model import Scenario

Time = float | int | str


class ScenarioBuilder:
    """A scenario under construction: every method adds to it and returns the builder."""

    def __init__(
        self,
        name: str | None = None,
        *,
        dialect: str | None = None,
        seed: int | None = None,
        start: str | None = None,
        until: Time | None = None,
        app: str | None = None,
        app_url: str | None = None,
        auth_token: str | None = None,
    ) -> None:
        self.data: dict[str, Any] = {}
        for key, value in (
            ("name", name),
            ("dialect", dialect),
            ("seed", seed),
            ("start", start),
            ("until", until),
            ("app", app),
            ("app_url", app_url),
            ("auth_token", auth_token),
        ):
            if value is not None:
                self.data[key] = value
        self.data["calls"] = []

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScenarioBuilder:
        """Start from a scenario's plain data (what a YAML file holds)."""
        from ..load.yamlsource import plain

        builder = cls()
        builder.data = plain(data)
        builder.data.setdefault("calls", [])
        return builder

    @classmethod
    def from_yaml(cls, text: str) -> ScenarioBuilder:
        from ..load.yamlsource import load_yaml

        data = load_yaml(text, None)
        if not isinstance(data, dict):
            from ..errors import ScenarioError

            raise ScenarioError("a scenario is a mapping with at least a 'calls' list")
        return cls.from_dict(data)

    @classmethod
    def from_file(cls, path: str | Path) -> ScenarioBuilder:
        from ..load.scenario import load_data, read_text
        from ..load.yamlsource import load_yaml

        data = load_yaml(read_text(path), str(path))
        load_data(data, str(path))  # located errors for a bad file
        return cls.from_dict(data)

    # -- calls -----------------------------------------------------------------------------------
    def call(
        self,
        name: str,
        conference: str | None = None,
        *,
        at: Time = 0,
        account: str | None = None,
        cxml: str | None = None,
        dial: dict[str, Any] | None = None,
        hangup: Time | None = None,
        speech: list[tuple[Time, Time]] | None = None,
        press: list[tuple[Time, str]] | None = None,
        speak: list[tuple[Time, str]] | None = None,
        from_: str | None = None,
        to: str | None = None,
        url: str | None = None,
        method: str | None = None,
        **attributes: Any,
    ) -> ScenarioBuilder:
        """A caller. ``conference`` (with cXML ``<Conference>`` attributes as keywords, e.g.
        ``startConferenceOnEnter=False``), a whole ``cxml`` document, or the voice ``url`` your
        app answers (SPEC 9)."""
        call: dict[str, Any] = {"name": name}
        if at:
            call["at"] = at
        for key, value in (("account", account), ("from", from_), ("to", to)):
            if value is not None:
                call[key] = value
        if conference is not None:
            call["conference"] = conference
        if attributes:
            call["attributes"] = attributes
        if dial:
            call["dial"] = dict(dial)
        if cxml is not None:
            call["cxml"] = cxml
        for key, value in (("url", url), ("method", method)):
            if value is not None:
                call[key] = value
        if hangup is not None:
            call["hangup"] = hangup
        if speech:
            call["speech"] = [list(s) for s in speech]
        if press:
            call["press"] = [{"at": t, "digits": d} for t, d in press]
        if speak:  # what the caller says, for <Gather input="speech">
            call["speak"] = [{"at": t, "text": words} for t, words in speak]
        self.data["calls"].append(call)
        return self

    def call_spec(self, name: str) -> dict[str, Any]:
        """The plain data of a call added before (to change it in place)."""
        for call in self.data["calls"]:
            if call.get("name") == name:
                return call  # type: ignore[no-any-return]
        raise KeyError(name)

    # -- REST actions ----------------------------------------------------------------------------
    def action(self, verb: str, target: str, *, at: Time, **options: Any) -> ScenarioBuilder:
        """Any REST action: ``verb`` is mute, unmute, hold, unhold, kick, update, end, announce."""
        self.data.setdefault("actions", []).append({"at": at, verb: target, **options})
        return self

    def mute(self, call: str, *, at: Time) -> ScenarioBuilder:
        return self.action("mute", call, at=at)

    def unmute(self, call: str, *, at: Time) -> ScenarioBuilder:
        return self.action("unmute", call, at=at)

    def hold(self, call: str, *, at: Time, **options: Any) -> ScenarioBuilder:
        """Options: holdUrl, holdMethod."""
        return self.action("hold", call, at=at, **options)

    def unhold(self, call: str, *, at: Time) -> ScenarioBuilder:
        return self.action("unhold", call, at=at)

    def kick(self, call: str, *, at: Time) -> ScenarioBuilder:
        return self.action("kick", call, at=at)

    def update(self, call: str, *, at: Time, **options: Any) -> ScenarioBuilder:
        """Options: beepOnExit, endConferenceOnExit, coaching, callSidToCoach, waitUrl, …"""
        return self.action("update", call, at=at, **options)

    def end(self, conference: str, *, at: Time, **options: Any) -> ScenarioBuilder:
        """Options: account."""
        return self.action("end", conference, at=at, **options)

    def announce(self, conference: str, *, at: Time, url: str, **options: Any) -> ScenarioBuilder:
        """Options: account, method, call (announce to one participant)."""
        return self.action("announce", conference, at=at, url=url, **options)

    def create(self, to: str, *, at: Time, from_: str, **options: Any) -> ScenarioBuilder:
        """Calls create (SPEC 11): dial ``to`` (E.164, ``client:NAME``, ``sip:URI``).
        Options: url, method, twiml, statusCallback, statusCallbackEvent, timeout, timeLimit,
        machineDetection, callerId, fallbackUrl, name."""
        return self.action("create", to, at=at, **{"from": from_, **options})

    def callee(self, address: str, behaviour: str | dict[str, Any] = "answer") -> ScenarioBuilder:
        """What the party at ``address`` does when dialled: ``answer``, ``busy``,
        ``no-answer``, ``failed``, ``machine``, or ``{"answer": "3s", "hangup": "1m", …}``."""
        self.data.setdefault("callees", {})[address] = behaviour
        return self

    # -- what the app serves -----------------------------------------------------------------------
    def document(self, url: str, cxml: str) -> ScenarioBuilder:
        self.data.setdefault("documents", {})[url] = cxml
        return self

    def media(self, url: str, seconds: float) -> ScenarioBuilder:
        self.data.setdefault("media", {})[url] = seconds
        return self

    def expect(self, **sections: Any) -> ScenarioBuilder:
        """An ``expect`` block, as in a file: timeline=[…], never=[…], count=[…], final={…}."""
        self.data["expect"] = sections
        return self

    # -- results ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self.data)

    def to_yaml(self) -> str:
        from ..load.yamlsource import dump_yaml

        return dump_yaml(self.data)

    def build(self) -> Scenario:
        """The validated scenario (a ScenarioError, naming the field, if something is wrong)."""
        from ..load.scenario import load_data

        return load_data(copy.deepcopy(self.data))

    def run(self, **options: Any) -> Timeline:
        """Build and run; options as for :func:`conference_sim.run`."""
        return run(self, **options)


def run(
    source: Scenario | ScenarioBuilder | dict[str, Any] | str | Path,
    *,
    seed: int | None = None,
    until: Time | None = None,
    shuffle_ties: int | None = None,
    app: Any = None,
    app_url: str | None = None,
    auth_token: str | None = None,
    pace: float | None = None,
) -> Timeline:
    """Run a scenario (object, builder, plain dict or file path) and return its timeline.

    ``pace``: the simulated clock follows the wall clock at this factor (1: real time), for an
    app with timers of its own; without it (the default) the run is deterministic and instant.

    ``app`` attaches your application (SPEC 9): a WSGI/ASGI callable, ``"module:attribute"``,
    or ``"http://127.0.0.1:PORT"``; it overrides the scenario's ``app:`` key. ``app_url`` and
    ``auth_token`` override the scenario's keys (a builder's or dict's voice URLs are checked
    against the ``app_url`` given; a file's or Scenario's against its own)."""
    from ..check.timeline import Timeline
    from ..load.scenario import load_data, load_file
    from ..runner import capture
    from ..timeparse import to_ms

    # Built here from data, the voice URLs are checked against the app_url/auth_token given.
    keys = {k: v for k, v in (("app_url", app_url), ("auth_token", auth_token)) if v is not None}
    if isinstance(source, ScenarioBuilder):
        scenario = load_data({**copy.deepcopy(source.data), **keys})
    elif isinstance(source, dict):
        scenario = load_data({**copy.deepcopy(source), **keys})
    elif isinstance(source, str | Path):
        scenario = load_file(source)
    else:
        scenario = source
    until_ms = None if until is None else to_ms(until, what="until")
    events = capture(
        scenario,
        seed=seed,
        until_ms=until_ms,
        shuffle_ties=shuffle_ties,
        app=app,
        app_url=app_url,
        auth_token=auth_token,
        pace=pace,
    )
    return Timeline(events, scenario)
