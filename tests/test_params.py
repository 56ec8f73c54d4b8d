"""SPEC 4 callback parameters and SPEC 3 subscriptions, for both dialects."""

from __future__ import annotations

import re

import pytest

SUBSCRIBED = """
dialect: {dialect}
start: 2026-09-01T12:00:00Z
calls:
  - name: a
    conference: R
    attributes:
      statusCallback: https://app.example/cb
      statusCallbackEvent: {events}
      participantLabel: host
    dial: {{action: "https://app.example/after"}}
    hangup: 90
  - {{name: b, at: 30, conference: R, hangup: 60}}
documents:
  https://app.example/after: <Response/>
"""


@pytest.fixture(scope="session")
def subscribed(run):
    def subscribed(dialect: str = "signalwire", events: str = "start end join leave"):
        return run(SUBSCRIBED.format(dialect=dialect, events=events))

    return subscribed


def test_params_all_strings_and_participant_fields(one, subscribed):
    join = one(subscribed(), "participant-join", "a")
    assert all(isinstance(v, str) for v in join.params.values())
    p = join.params
    assert p["StatusCallbackEvent"] == "participant-join"
    assert p["FriendlyName"] == "R"
    assert (p["Muted"], p["Hold"], p["Coaching"]) == ("false", "false", "false")
    assert (p["EndConferenceOnExit"], p["StartConferenceOnEnter"]) == ("false", "true")
    assert p["ParticipantLabel"] == "host"


def test_params_timestamp_is_rfc2822_from_the_scenario_start(one, subscribed):
    join_b = one(subscribed(), "participant-join", "b")
    assert join_b.params["Timestamp"] == "Tue, 01 Sep 2026 12:00:30 +0000"


def test_params_sequence_number_counts_sent_requests_per_conference_gaplessly(one, subscribed):
    events = subscribed(events="start end leave")  # join is not subscribed
    sent = [e for e in events if e.requests and e.requests[0].purpose == "statusCallback"]
    assert [e.event for e in sent] == [
        "conference-start", "participant-leave", "participant-leave", "conference-end",
    ]  # fmt: skip
    assert [e.params["SequenceNumber"] for e in sent] == ["1", "2", "3", "4"]
    assert "SequenceNumber" not in one(events, "participant-join", "a").params


def test_params_subscription_filter_by_group_keywords(one, subscribed):
    events = subscribed(events="join")
    requested = {e.event for e in events if e.requests and e.kind == "conference"}
    assert requested == {"participant-join"}
    req = one(events, "participant-join", "a").requests[0]
    assert (req.purpose, req.url, req.method) == (
        "statusCallback",
        "https://app.example/cb",
        "POST",
    )


def test_params_callback_unsubscribed_warning_when_events_absent(one, run):
    events = run("""
        calls:
          - {name: a, conference: R, attributes: {statusCallback: "https://app.example/cb"}, hangup: 9}
          - {name: b, at: 1, conference: R, hangup: 9}
    """)
    assert one(events, "callback-unsubscribed").kind == "warning"
    assert not [e for e in events if e.requests]


def test_params_conference_end_fields(one, subscribed):
    end = one(subscribed(), "conference-end")
    p = end.params
    assert p["ReasonConferenceEnded"] == "last-participant-left"
    assert p["Reason"]
    assert p["CallSidEndingConference"] == one(subscribed(), "call-start", "a").params["CallSid"]
    assert p["ParticipantLabelEndingConference"] == "host"
    assert p["Duration"] == "60"  # started at 30 (b joined), ended at 90


def test_params_participant_leave_fields(one, subscribed):
    leave = one(subscribed(), "participant-leave", "b")
    assert leave.params["ParticipantCallStatus"] == "completed"
    assert leave.params["ReasonParticipantLeft"] == "participant_hung_up"


def test_params_signalwire_adds_call_parameters_twilio_does_not(one, subscribed):
    sw = one(subscribed("signalwire"), "participant-join", "a").params
    tw = one(subscribed("twilio"), "participant-join", "a").params
    assert (sw["From"], sw["To"], sw["CallStatus"], sw["Direction"], sw["ApiVersion"]) == (
        "+15550000001", "+15559990000", "in-progress", "inbound", "2010-04-01",
    )  # fmt: skip
    assert not {"From", "To", "CallStatus", "Direction", "ApiVersion"} & set(tw)


def test_params_dial_action_per_dialect(one, subscribed):
    sw = one(subscribed("signalwire"), "dial-end", "a")
    tw = one(subscribed("twilio"), "dial-end", "a")
    assert sw.params["DialCallStatus"] == "answered"
    assert sw.params["DialCallDuration"] == "90"
    assert sw.params["CallStatus"] == "completed"
    assert "DialCallDuration" not in tw.params and "DialCallSid" not in tw.params
    assert [(r.purpose, r.url) for r in tw.requests] == [("action", "https://app.example/after")]


def test_params_sid_shapes_per_dialect(one, subscribed):
    tw = one(subscribed("twilio"), "participant-join", "a").params
    sw = one(subscribed("signalwire"), "participant-join", "a").params
    assert re.fullmatch(r"CA[0-9a-f]{32}", tw["CallSid"])
    assert re.fullmatch(r"CF[0-9a-f]{32}", tw["ConferenceSid"])
    assert re.fullmatch(r"AC[0-9a-f]{32}", tw["AccountSid"])
    uuid = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
    for key in ("CallSid", "ConferenceSid", "AccountSid"):
        assert re.fullmatch(uuid, sw[key])


def test_params_sids_follow_the_seed(one, run):
    text = "seed: {seed}\ncalls:\n  - {{name: a, conference: R, hangup: 5}}\n"
    sid = lambda seed: one(run(text.format(seed=seed)), "call-start").params["CallSid"]  # noqa: E731
    assert sid(1) == sid(1)
    assert sid(1) != sid(2)
    events = run(text.format(seed=1), seed=2)
    assert one(events, "call-start").params["CallSid"] == sid(2)


def test_params_twilio_only_keywords_are_a_load_error_in_signalwire(find, subscribed):
    import pytest

    from conference_sim.errors import ScenarioError

    with pytest.raises(ScenarioError, match="modify"):
        subscribed("signalwire", events="join modify")
    assert find(subscribed("twilio", events="join modify"), "participant-join")


def test_params_event_callback_url_post_on_conference_end(one, run):
    events = run("""
        calls:
          - {name: a, conference: R, attributes: {eventCallbackUrl: "https://app.example/ended"}, hangup: 9}
    """)
    end = one(events, "conference-end")
    assert [(r.purpose, r.url, r.method) for r in end.requests] == [
        ("eventCallbackUrl", "https://app.example/ended", "POST")
    ]


def test_SPEC4_timestamps_of_two_runs_stepped_in_turn_in_one_process_are_each_their_own():
    """SPEC 4 Timestamp: each run's own start plus its clock, even when two runs with
    different starts alternate in one process (the formatted second is reused per instant)."""
    from conference_sim.engine.core import Engine
    from conference_sim.events import CaptureSink
    from conference_sim.model import Scenario

    sims, sinks = [], []
    for start in ("2026-09-01T12:00:00Z", "2031-02-03T04:05:06Z"):
        text = SUBSCRIBED.format(dialect="signalwire", events="start end join leave")
        scenario = Scenario.from_yaml(text.replace("2026-09-01T12:00:00Z", start))
        sinks.append(CaptureSink())
        sims.append(Engine(scenario, sinks=[sinks[-1]]))
    for t in range(0, 100_001, 5_000):
        for sim in sims:
            sim.advance(t)
    stamps = [{e.params["Timestamp"] for e in s.events if "Timestamp" in e.params} for s in sinks]
    assert "Tue, 01 Sep 2026 12:00:30 +0000" in stamps[0]
    assert "Mon, 03 Feb 2031 04:05:36 +0000" in stamps[1]
    assert all("2026" in s for s in stamps[0]) and all("2031" in s for s in stamps[1])
