"""Issue 14: where the platforms' documentation and the simulator disagreed. Each test names the
rule of SPEC 2/4 it pins (R1 is in test_coach_speech_recording, S5's 4 h timeLimit in
test_lifecycle)."""

from __future__ import annotations

import inspect

import pytest
from twilio.twiml.voice_response import Dial, VoiceResponse

import conference_sim

COMMON = {"AccountSid", "ConferenceSid", "FriendlyName", "StatusCallbackEvent", "Timestamp"}
RECORDED = """
dialect: {dialect}
calls:
  - name: host
    conference: R
    attributes: {{record: record-from-start, participantLabel: boss, endConferenceOnExit: true,
                 statusCallback: "https://app.example/cb", statusCallbackEvent: end {extra}}}
    speech: [[20, 30]]
    hangup: 60
  - {{name: guest, at: 10, conference: R, hangup: 120}}
"""


def test_SPEC4_twilio_conference_end_carries_only_its_documented_parameters(one, run):
    events = run(RECORDED.format(dialect="twilio", extra=""))
    end = one(events, "conference-end")
    assert set(end.params) == COMMON | {
        "SequenceNumber", "ReasonConferenceEnded", "Reason",
        "CallSidEndingConference", "ParticipantLabelEndingConference",
    }  # fmt: skip
    sw = one(run(RECORDED.format(dialect="signalwire", extra="")), "conference-end")
    assert {"Duration", "RecordingUrl", "RecordingFileSize"} <= set(
        sw.params
    )  # SignalWire keeps them


def record_end_body(extra: str) -> tuple[list[str], list[dict[str, str]]]:
    from flask import Flask, request

    app = Flask("record-end")
    bodies: list[dict[str, str]] = []

    @app.post("/ended")
    def ended():
        bodies.append(request.form.to_dict())
        return "", 204

    text = RECORDED.format(
        dialect="twilio", extra=f', eventCallbackUrl: "https://app.example/ended"{extra}'
    )
    timeline = conference_sim.run(conference_sim.Scenario.from_yaml(text), app=app)
    purposes = [r.purpose for r in timeline.events("conference-end")[0].requests]
    return purposes, bodies


def test_SPEC4_twilio_eventCallbackUrl_gets_the_conference_record_end():
    purposes, bodies = record_end_body("")
    assert purposes == ["statusCallback", "eventCallbackUrl"]
    (body,) = bodies
    assert body["EventName"] == "conference-record-end"
    assert (body["Duration"], body["RecordingFileSize"]) == ("50", str(44 + 16000 * 10))
    assert body["RecordingUrl"].startswith("https://api.twilio.com/2010-04-01/Accounts/AC")
    assert "StatusCallbackEvent" not in body and "ReasonConferenceEnded" not in body


def test_SPEC4_twilio_eventCallbackUrl_gets_nothing_when_recordingStatusCallback_is_set():
    purposes, bodies = record_end_body(', recordingStatusCallback: "https://app.example/rec"')
    assert purposes == ["statusCallback"] and bodies == []


def test_SPEC4_announcement_to_one_participant_carries_its_parameters(one, run):
    events = run("""
        dialect: twilio
        calls:
          - {name: a, conference: R, attributes: {participantLabel: alpha, muted: true,
             statusCallback: "https://app.example/cb", statusCallbackEvent: announcement}, hangup: 60}
          - {name: b, at: 5, conference: R, hangup: 60}
        actions:
          - {at: 10, announce: R, url: "https://cdn.example/n.mp3", call: a}
    """)
    end = one(events, "announcement-end")
    a = one(events, "participant-join", "a").params["CallSid"]
    assert end.params.items() >= {
        "CallSid": a, "Muted": "true", "Hold": "false", "Coaching": "false",
        "EndConferenceOnExit": "false", "StartConferenceOnEnter": "true",
        "ParticipantLabel": "alpha", "AnnounceUrl": "https://cdn.example/n.mp3",
    }.items()  # fmt: skip
    assert end.call == "a" and end.requests[0].purpose == "statusCallback"


def test_S5_default_timeLimit_applies_in_the_twilio_dialect_too(find, run):
    events = run("""
        dialect: twilio
        calls:
          - {name: a, conference: R}
          - {name: b, at: 1, conference: R}
    """)
    assert [(e.t, e.call) for e in find(events, "participant-leave")] == [
        (14400.0, "a"),
        (14401.0, "b"),
    ]


def test_W1_each_loop_of_a_wait_document_is_a_request_on_the_timeline(find, run):
    events = run("""
        calls:
          - {name: a, conference: R, attributes: {waitUrl: "https://app.example/wait"}, hangup: 60}
          - {name: b, at: 25, conference: R, hangup: 60}
        documents:
          https://app.example/wait: <Response><Play>https://cdn.example/t.mp3</Play><Redirect/></Response>
        media:
          https://cdn.example/t.mp3: 10
    """)
    loops = find(events, "audio-loop")
    assert [(e.t, e.call, e.requests[0].purpose, e.requests[0].url) for e in loops] == [
        (10.0, "a", "waitUrl", "https://app.example/wait"),
        (20.0, "a", "waitUrl", "https://app.example/wait"),
    ]  # fmt: skip
    no_redirect = run("""
        calls:
          - {name: a, conference: R, attributes: {waitUrl: "https://app.example/wait"}, hangup: 60}
        documents:
          https://app.example/wait: <Response><Play>https://cdn.example/t.mp3</Play></Response>
    """)
    assert not find(no_redirect, "audio-loop")  # plays once, then silence


def test_SPEC4_dial_action_DialBridged_in_twilio_and_standard_parameters_in_signalwire(one, run):
    text = """
        dialect: {dialect}
        calls:
          - {{name: a, conference: R, attributes: {{maxParticipants: 1}}, dial: {{action: "https://app.example/a"}}, hangup: 30}}
          - {{name: b, at: 5, conference: R, dial: {{action: "https://app.example/a"}}}}
        documents:
          https://app.example/a: <Response/>
    """
    tw = run(text.format(dialect="twilio"))
    assert one(tw, "dial-end", "a").params["DialBridged"] == "true"
    assert one(tw, "dial-end", "b").params["DialBridged"] == "false"  # refused: room full
    assert "Direction" not in one(tw, "dial-end", "a").params
    sw = one(run(text.format(dialect="signalwire")), "dial-end", "a").params
    assert (sw["ApiVersion"], sw["Direction"]) == ("2010-04-01", "inbound")
    assert "DialBridged" not in sw


def test_A1_region_is_set_by_the_first_participant_that_gives_one(find, run):
    events = run("""
        calls:
          - {name: a, conference: R, hangup: 60}
          - {name: b, at: 1, conference: R, attributes: {region: ie1}, hangup: 60}
          - {name: c, at: 2, conference: R, attributes: {region: ie1}, hangup: 60}
          - {name: d, at: 3, conference: R, attributes: {region: de1}, hangup: 60}
    """)
    warned = [(e.call, e.params["attributes"]) for e in find(events, "attribute-ignored")]
    assert warned == [("d", "region")]  # b set it (a gave none); c agreed; d differed


def test_SPEC4_signalwire_participant_leave_CallStatus_agrees_with_ParticipantCallStatus(one, run):
    events = run("""
        calls:
          - {name: a, conference: R, hangup: 30}
          - {name: b, at: 1, conference: R, hangup: 60}
          - {name: c, at: 2, conference: R, hangup: 60}
        actions:
          - {at: 40, kick: b}
    """)
    hung_up = one(events, "participant-leave", "a").params
    kicked = one(events, "participant-leave", "b").params
    assert hung_up["CallStatus"] == hung_up["ParticipantCallStatus"] == "completed"
    assert kicked["CallStatus"] == kicked["ParticipantCallStatus"] == "in-progress"


# -- D1: documents the SDKs write load --------------------------------------------------------
VALUES = {  # a valid value for each keyword the builders take; anything new gets "x"
    "action": "https://app.example/a", "method": "POST", "timeout": 20, "hangup_on_star": True,
    "time_limit": 600, "caller_id": "+15550000001", "record": "record-from-answer",
    "trim": "trim-silence", "recording_status_callback": "https://app.example/rec",
    "recording_status_callback_method": "POST", "recording_status_callback_event": "completed",
    "answer_on_bridge": True, "ring_tone": "us", "recording_track": "both", "sequential": True,
    "refer_url": "https://app.example/refer", "refer_method": "POST",
    "events": "call-progress-event", "passports": "x", "recording_configuration_id": "RC123",
    "muted": True, "beep": "onEnter", "start_conference_on_enter": True,
    "end_conference_on_exit": False, "wait_url": "https://app.example/wait", "wait_method": "GET",
    "max_participants": 10, "region": "ie1", "coach": "CA" + "0" * 32,
    "status_callback_event": "start end join", "status_callback": "https://app.example/cb",
    "event_callback_url": "https://app.example/ended", "jitter_buffer_size": "small",
    "participant_label": "p1", "status_callback_method": "POST",
}  # fmt: skip
CONFERENCE_RECORD = {"record": "record-from-start"}


def keywords(method):
    return [
        p
        for p in inspect.signature(method).parameters
        if p not in ("self", "kwargs", "number", "name")
    ]


@pytest.mark.parametrize("keyword", keywords(VoiceResponse.dial))
def test_D1_every_Dial_keyword_of_the_twilio_builder_loads(keyword):
    response = VoiceResponse()
    dial = response.dial(**{keyword: VALUES.get(keyword, "x")})
    dial.conference("R")
    check_loads(str(response), keyword, conference_sim.model.DIAL_ATTRIBUTES)


@pytest.mark.parametrize("keyword", keywords(Dial.conference))
def test_D1_every_conference_keyword_of_the_twilio_builder_loads(keyword):
    response = VoiceResponse()
    value = CONFERENCE_RECORD.get(keyword, VALUES.get(keyword, "x"))
    response.dial().conference("R", **{keyword: value})
    check_loads(str(response), keyword, conference_sim.model.CONFERENCE_ATTRIBUTES)


def check_loads(document: str, keyword: str, modelled: dict) -> None:
    scenario = conference_sim.Scenario.from_dict(
        {"calls": [{"name": "a", "cxml": document, "hangup": 30}]}
    )
    timeline = conference_sim.run(scenario)
    camel = keyword.split("_")[0] + "".join(w.title() for w in keyword.split("_")[1:])
    ignored = " ".join(e.params["attributes"] for e in timeline.events("attribute-ignored"))
    if camel in modelled:
        assert camel not in ignored.split()
    else:
        assert camel in ignored.split(), f"{camel} loads but is not said to be ignored"


def test_D1_ssml_inside_say_counts_as_its_text(one):
    response = VoiceResponse()
    say = response.say("Please")
    say.prosody("hold the line", rate="slow")
    say.break_(time="1s")
    scenario = conference_sim.Scenario.from_dict({"calls": [{"name": "a", "cxml": str(response)}]})
    (verb,) = scenario.calls[0].document.verbs
    assert verb.text == "Please hold the line"
    assert one(conference_sim.run(scenario).list, "call-end", "a").t == 2.0  # 20 characters


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ('<Response><Dial><Conference beep="maybe">R</Conference></Dial></Response>',
         "verb 1 <Dial><Conference>.beep: beep='maybe' is not allowed"),
        ('<Response><Dial timeLimit="soon"><Conference>R</Conference></Dial></Response>',
         "verb 1 <Dial>.timeLimit: timeLimit='soon' is not allowed"),
        ("<Response><Gather><Gather/></Gather></Response>",
         "verb 1 <Gather>: <Gather> cannot contain <Gather>"),
    ],
)  # fmt: skip
def test_D1_errors_name_the_element_that_carries_them(document, message):
    with pytest.raises(conference_sim.ScenarioError) as err:
        conference_sim.Scenario.from_dict({"calls": [{"name": "a", "cxml": document}]})
    assert message in str(err.value)
