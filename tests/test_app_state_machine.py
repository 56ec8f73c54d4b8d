"""Issue 28: a hypothesis state machine with an in-process app in the loop whose webhooks make
random REST operations, through the official twilio client, at random moments.

Rules: callers arrive (moderators or not, with or without the right to start the room), talk,
press ``*``, hang up; the clock moves; the app is told what to do at its next webhooks (hang
up, kick, mute, hold, redirect, end the room, announce, dial someone in, fetch); the test's own
client acts between ``advance()`` calls too. After every step: the live state is the fold of
the timeline, and no invariant is broken so far (each room ends once, nothing after its end,
SequenceNumber gapless, never more present than allowed, time never goes back). At the end:
every invariant of the whole run.

``make test`` runs at least 2 000 steps; ``make fuzz`` 100 000
(``CONFERENCE_SIM_STATE_STEPS``).
"""

from __future__ import annotations

import collections
import os
from typing import Any

from flask import Flask
from flask import request as flask_request
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from conference_sim import CaptureSink, Scenario, Simulation, invariants
from conference_sim.check.invariants import Checker
from conference_sim.check.timeline import Fold
from conference_sim.model import CallSpec, Press, Speech
from conference_sim.rest.client import HttpClient

TOKEN = "c0ffee00c0ffee00c0ffee00c0ffee00"
BASE = "https://app.example"
STEPS = int(os.environ.get("CONFERENCE_SIM_STATE_STEPS", "2000"))
PER_RUN = 50
OPERATIONS = ["hangup-this", "hangup-other", "kick-this", "kick-other", "mute-this",
              "unmute-this", "hold-this", "unhold-this", "moderator-this", "redirect-this",
              "end-room", "announce", "add-participant", "fetch"]  # fmt: skip
ROOMS = ["r1", "r2"]


def perform(client: Client, operation: str, call_sid: str, room_sid: str) -> None:
    """One REST operation as an app would make it; the platform's errors are its to handle."""
    room = client.conferences(room_sid) if room_sid else None
    try:
        others = (
            [p.call_sid for p in room.participants.list() if p.call_sid != call_sid] if room else []
        )
        match operation:
            case "hangup-this" if call_sid:
                client.calls(call_sid).update(status="completed")
            case "hangup-other" if others:
                client.calls(others[0]).update(status="completed")
            case "kick-this" if room and call_sid:
                room.participants(call_sid).delete()
            case "kick-other" if room and others:
                room.participants(others[0]).delete()
            case "mute-this" | "unmute-this" if room and call_sid:
                room.participants(call_sid).update(muted=operation == "mute-this")
            case "hold-this" | "unhold-this" if room and call_sid:
                room.participants(call_sid).update(hold=operation == "hold-this")
            case "moderator-this" if room and call_sid:
                room.participants(call_sid).update(end_conference_on_exit=True)
            case "redirect-this" if call_sid:
                client.calls(call_sid).update(twiml="<Response><Pause length='2'/></Response>")
            case "end-room" if room:
                room.update(status="completed")
            case "announce" if room:
                room.update(announce_url=f"{BASE}/announce")
            case "add-participant" if room:
                room.participants.create(from_="+15550000009", to="+15550001111")
            case "fetch" if room:
                room.fetch()
    except TwilioRestException:
        pass


def app_for(machine: AppInTheLoop) -> Flask:
    app = Flask("state-machine")

    def act(form: dict[str, str]) -> None:
        if machine.plan:
            operation = machine.plan.popleft()
            client = Client(form["AccountSid"], TOKEN)
            perform(client, operation, form.get("CallSid", ""), form.get("ConferenceSid", ""))

    @app.post("/voice")
    def voice() -> Any:
        args = flask_request.args
        return (
            f'<Response><Dial action="{BASE}/after" hangupOnStar="true"><Conference '
            f'statusCallback="{BASE}/events" statusCallbackEvent="start end join leave mute hold '
            f'speaker" waitUrl="{BASE}/wait" maxParticipants="4" '
            f'startConferenceOnEnter="{args.get("start", "true")}" '
            f'endConferenceOnExit="{args.get("moderator", "false")}">{args["room"]}</Conference>'
            "</Dial></Response>"
        )

    @app.post("/events")
    def events() -> Any:
        act(flask_request.form.to_dict())
        return "", 204

    @app.post("/after")
    def after() -> Any:
        act(flask_request.form.to_dict())
        return "<Response><Say>bye</Say></Response>"

    @app.post("/wait")
    def wait() -> Any:
        return "<Response><Pause length='20'/><Redirect/></Response>"

    @app.post("/announce")
    def announce() -> Any:
        return "<Response><Say>news</Say></Response>"

    return app


class AppInTheLoop(RuleBasedStateMachine):
    steps = 0  # steps taken, over every run of the machine

    @initialize(dialect=st.sampled_from(["signalwire", "twilio"]))
    def start(self, dialect: str) -> None:
        self.plan: collections.deque[str] = collections.deque()
        self.sink = CaptureSink()
        scenario = Scenario.from_dict(
            {
                "dialect": dialect,
                "until": "2h",
                "calls": [{"name": "first", "url": f"{BASE}/voice?room=r1", "hangup": "90m"}],
                "callees": {"+15550001111": {"answer": "2s", "hangup": "30s"}},
            }
        )
        self.scenario = scenario
        self.sim = Simulation(scenario, sinks=[self.sink], app=app_for(self))
        self.client = Client(
            self.sim.directory.account_sid("default"), TOKEN, http_client=HttpClient(self.sim)
        )
        self.names = ["first"]
        self.checker = Checker(scenario)
        self.checked = 0

    @rule(
        room=st.sampled_from(ROOMS),
        moderator=st.booleans(),
        start=st.booleans(),
        talk=st.booleans(),
    )
    def caller(self, room: str, moderator: bool, start: bool, talk: bool) -> None:
        name = f"c{len(self.names)}"
        now = self.sim.now
        url = f"{BASE}/voice?room={room}&moderator={str(moderator).lower()}"
        url += f"&start={str(start).lower()}"
        speech = (Speech(now + 2000, now + 6000),) if talk else ()
        self.sim.add_call(CallSpec(name=name, document=None, at_ms=now, url=url, speech=speech,
                                   from_=f"+1555100{len(self.names):04d}"))  # fmt: skip
        self.names.append(name)

    @rule(seconds=st.integers(0, 40))
    def advance(self, seconds: int) -> None:
        self.sim.advance(self.sim.now + seconds * 1000)

    @rule(data=st.data())
    def hang_up(self, data: st.DataObject) -> None:
        call = self.sim.calls[data.draw(st.sampled_from(self.names))]
        self.sim.at(self.sim.now, call.hangup)
        self.sim.advance(self.sim.now)

    @rule(data=st.data())
    def star(self, data: st.DataObject) -> None:
        call = self.sim.calls[data.draw(st.sampled_from(self.names))]
        self.sim.at(self.sim.now, lambda: call.press("*"))
        self.sim.advance(self.sim.now)
        _ = Press  # (the same step a scenario's press: makes)

    @rule(operations=st.lists(st.sampled_from(OPERATIONS), min_size=1, max_size=3))
    def app_will(self, operations: list[str]) -> None:
        self.plan.extend(operations)

    @precondition(lambda self: not self.sim.finished)
    @rule(operation=st.sampled_from(OPERATIONS), data=st.data())
    def test_client_acts(self, operation: str, data: st.DataObject) -> None:
        rooms = [r.sid for r in self.client.conferences.list(status="in-progress")]
        rooms += [r.sid for r in self.client.conferences.list(status="init")]
        room_sid = data.draw(st.sampled_from(rooms)) if rooms else ""
        call_sid = self.sim.calls[data.draw(st.sampled_from(self.names))].sid
        perform(self.client, operation, call_sid, room_sid)

    @invariant()
    def live_state_is_the_fold_of_the_timeline(self) -> None:
        AppInTheLoop.steps += 1
        fold = Fold()
        for e in self.sink.events:
            fold.apply(e)
        live, folded = self.sim.state(), fold.state()
        assert live.conferences == folded.conferences
        assert live.calls == folded.calls

    @invariant()
    def no_invariant_broken_so_far(self) -> None:
        for e in self.sink.events[self.checked :]:
            self.checker.event(e)
        self.checked = len(self.sink.events)
        assert self.checker.out == []

    def teardown(self) -> None:
        sim = getattr(self, "sim", None)
        if sim is None:
            return
        sim.run()
        assert invariants.check(self.sink.events, self.scenario) == []


def test_RE1_an_app_making_random_rest_operations_keeps_every_invariant_after_every_step():
    AppInTheLoop.steps = 0
    examples = 0
    while AppInTheLoop.steps < STEPS:  # as many runs of the machine as the steps need
        run_state_machine_as_test(
            AppInTheLoop,
            settings=settings(
                max_examples=max(STEPS // 20, 1),
                stateful_step_count=PER_RUN,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
                database=None,
                derandomize=examples == 0,
            ),
        )
        examples += 1
    assert AppInTheLoop.steps >= STEPS
