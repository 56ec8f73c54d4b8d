"""The worked example, tested as its developers would: the support-desk Flask app
(scenarios/support_desk/web.py) driven by conference-sim, through the pytest plugin (its
scenario file, scenarios/support-desk.yaml, is a test item of its own) and the Python API."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "scenarios"))

from support_desk import web


def test_the_customer_waits_with_music_until_an_agent_comes(conference_sim):
    web.EVENTS.clear()
    timeline = conference_sim.run("scenarios/support-desk.yaml")
    assert timeline.state_at(60).conference("support").participants["customer"].waiting
    assert timeline.events("wait-stop", call="customer")[0].t == 90
    # the app received every statusCallback, signed (its before_request refuses any other)
    assert [(e["StatusCallbackEvent"], e.get("ParticipantLabel")) for e in web.EVENTS] == [
        ("participant-join", "customer"), ("participant-mute", "customer"),
        ("participant-join", "agent"), ("conference-start", None),
        ("participant-unmute", "customer"), ("participant-join", "supervisor"),
        ("participant-hold", "customer"), ("participant-leave", "supervisor"),
        ("participant-unhold", "customer"), ("participant-leave", "agent"),
        ("participant-leave", "customer"), ("conference-end", None),
    ]  # fmt: skip


def test_the_app_coaches_the_agent_through_the_rest_api(conference_sim):
    timeline = conference_sim.run("scenarios/support-desk.yaml")
    supervisor = timeline.events("participant-join", call="supervisor")[0]
    assert (supervisor.t, supervisor.params["Coaching"]) == (95, "true")
    assert timeline.state_at(100).conference("support").participants["customer"].held
    h = conference_sim.run("scenarios/support-desk.yaml")  # deterministic: same bytes again
    assert h.to_jsonl() == timeline.to_jsonl()


def test_an_agent_who_hangs_up_ends_the_room_and_the_customer_hears_goodbye(conference_sim):
    timeline = (
        conference_sim.scenario("agent hangs up")
        .call("customer", from_="+15551230001", url="https://app.example/voice")
        .call("agent", at="1m", from_="+15550000100", url="https://app.example/voice", hangup="2m")
        .run(app=web.app)
    )
    timeline.assert_timeline(
        "60 conference-start",
        {
            "t": 120,
            "event": "conference-end",
            "params": {"ReasonConferenceEnded": "participant-with-end-conference-on-exit-left"},
        },
        "call-end customer",
    )
    # the agent hung up: the wrap-up request is still made, but nobody hears it
    assert timeline.events("dial-end", call="agent")[0].requests[0].status == 200
    assert timeline.events("call-end", call="agent")[0].params["reason"] == "caller-hung-up"


def test_the_room_is_refused_to_a_forged_request(conference_sim, monkeypatch):
    monkeypatch.setattr(web, "validator", web.RequestValidator("someone-elses-token"))
    timeline = conference_sim.run("scenarios/support-desk.yaml")
    failed = timeline.events("request-failed")
    assert failed[0].params["status"] == 403 and failed[0].params["ErrorCode"] == "11200"
