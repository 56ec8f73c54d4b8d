"""Paced mode (SPEC 11): the simulated clock follows the wall clock at a chosen factor, so an
app with timers of its own (sleep 4 s, then move the caller) behaves as on the platform; a
REST call from the app's thread acts at the clock's reading. Deterministic stays the default:
there, the run is over before the app's timer fires, and its call is refused."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from flask import Flask, request
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

import conference_sim
from conference_sim.errors import InputError

SCENARIO = {
    "dialect": "twilio",
    "calls": [
        {"name": "caller", "url": "https://app.example/voice", "hangup": 10},
        {"name": "other", "at": 1, "conference": "room", "hangup": 10},
    ],
}
TOKEN = "c0ffee00c0ffee00c0ffee00c0ffee00"


def timer_app(wall_s: float, outcome: list[Any]) -> Flask:
    """On the caller's join, a thread waits ``wall_s`` seconds of wall time, then mutes it."""
    app = Flask("timers")

    def later(account: str, room: str, call: str) -> None:
        time.sleep(wall_s)
        try:
            Client(account, TOKEN).conferences(room).participants(call).update(muted=True)
            outcome.append("muted")
        except TwilioRestException as err:  # 20001 (closing), or 503 once it has closed
            outcome.append(err.code if err.status != 503 else None)

    @app.post("/voice")
    def voice() -> str:
        return (
            '<Response><Dial><Conference statusCallback="/events" statusCallbackEvent="join">'
            "room</Conference></Dial></Response>"
        )

    @app.post("/events")
    def events() -> tuple[str, int]:
        form = request.form
        if form["CallSid"] and not outcome:
            outcome.append("joined")
            args = (form["AccountSid"], form["ConferenceSid"], form["CallSid"])
            threading.Thread(target=later, args=args, daemon=True).start()
        return "", 204

    return app


def test_SPEC11_paced_an_apps_timer_acts_at_the_clocks_reading():
    outcome: list[Any] = []
    timeline = conference_sim.run(SCENARIO, app=timer_app(0.4, outcome), pace=10)
    (mute,) = timeline.events("participant-mute")
    assert outcome == ["joined", "muted"] and mute.call == "caller"
    assert 3.5 <= mute.t <= 6.5  # 0.4 s of wall time at 10x: about 4 s after the join at 0


def test_SPEC11_deterministic_by_default_the_timer_comes_after_the_run():
    outcome: list[Any] = []
    timeline = conference_sim.run(SCENARIO, app=timer_app(0.2, outcome))
    assert not timeline.events("participant-mute")
    deadline = time.monotonic() + 5
    while len(outcome) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    # the run has ended: nothing more happens in it, and the call got an answer in the process
    # (20001 while it closes, a 503 once closed; in a process where another run is live, that
    # run's answer): never a request that left it
    assert outcome[0] == "joined" and (outcome[1] is None or isinstance(outcome[1], int)), outcome


def test_SPEC11_a_paced_run_with_nothing_left_ends_at_once():
    started = time.monotonic()
    scenario = {"calls": [{"name": "a", "conference": "R", "hangup": 2}], "until": "1h"}
    timeline = conference_sim.run(scenario, pace=1)
    assert [e.event for e in timeline.events("call-end")] == ["call-end"]
    assert time.monotonic() - started < 10  # 2 s of calls; not the hour of until


@pytest.mark.parametrize("pace", [0, -1, float("inf"), float("nan")])
def test_SPEC11_a_pace_must_be_above_zero(pace):
    with pytest.raises(InputError, match="pace must be above 0"):
        conference_sim.run({"calls": [{"name": "a", "conference": "R", "hangup": 2}]}, pace=pace)
