"""Issue 25, SPEC 11: the IVR in front of the room: ``<Gather>`` (IV1-IV3), ``<Reject>`` (IV5)
and the verbs the simulator does not follow (IV4), in both dialects."""

from __future__ import annotations

import inspect

import pytest
from twilio.twiml.voice_response import VoiceResponse

import conference_sim
from conference_sim import Scenario

DIALECTS = ["signalwire", "twilio"]
DOCS = {
    "https://app.example/ivr": "<Response><Gather action='next'><Say>Hi</Say></Gather></Response>",
    "https://app.example/next": "<Response><Say>got it</Say></Response>",
}


def run(cxml: str, press=(), dialect: str = "twilio", url: str | None = None, **extra):
    call = {"name": "a", "hangup": 120, "press": [{"at": t, "digits": d} for t, d in press]}
    if url:
        call["url"] = url  # a document of documents:, with a URL of its own
        call["cxml"] = f"<Response><Redirect>{url}</Redirect></Response>"
    else:
        call["cxml"] = cxml
    data = {"dialect": dialect, "calls": [call], "documents": {**DOCS, **extra}}
    if url:
        del call["url"]
    return conference_sim.run(data).list


def ended(events):
    return next(e for e in events if e.event == "gather-end")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_IV1_digits_end_on_finish_on_key_which_is_not_in_digits(dialect):
    events = run(
        "<Response><Gather action='https://app.example/next'><Say>PIN</Say></Gather></Response>",
        press=[(5, "12"), (6, "3#")],
        dialect=dialect,
    )
    end = ended(events)
    assert (end.t, end.params["Digits"], end.params["FinishedOnKey"]) == (6.0, "123", "#")
    assert end.requests[0].url == "https://app.example/next"
    assert end.requests[0].method == "POST"  # IV2: the method's default


def test_IV1_num_digits_ends_the_input_and_a_key_restarts_the_timeout():
    events = run(
        "<Response><Gather numDigits='3' timeout='4'/></Response>",
        press=[(2, "1"), (5, "2"), (8, "3")],
    )
    end = ended(events)
    assert (end.t, end.params["Digits"], end.params["reason"]) == (8.0, "123", "numDigits")
    slow = ended(
        run("<Response><Gather numDigits='3' timeout='4'/></Response>", press=[(2, "1"), (7, "2")])
    )
    assert (slow.t, slow.params["Digits"], slow.params["reason"]) == (6.0, "1", "timeout")


def test_IV1_a_key_stops_the_prompt_barge_in():
    long_prompt = "<Say>" + "a very long menu " * 20 + "</Say>"  # 34 s of speech
    events = run(
        f"<Response><Gather numDigits='1'>{long_prompt}</Gather></Response>", press=[(3, "2")]
    )
    assert ended(events).t == 3.0


def test_IV2_the_timeout_runs_from_the_end_of_the_prompts_default_5_s():
    events = run("<Response><Gather><Say>Press a key</Say></Gather><Say>again</Say></Response>")
    assert ended(events).t == pytest.approx(1.1 + 5)  # (0.1 s a character)


def test_IV2_the_action_defaults_to_the_current_documents_url():
    events = run("", url="https://app.example/menu", press=[(1, "7#")], **{
        "https://app.example/menu": "<Response><Gather/></Response>"})  # fmt: skip
    end = ended(events)
    assert end.requests[0].url == "https://app.example/menu"


def test_IV2_a_relative_action_resolves_against_the_document():
    events = run("", url="https://app.example/ivr", press=[(3, "1#")])
    assert ended(events).requests[0].url == "https://app.example/next"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_IV3_no_input_goes_on_with_the_next_verb_and_no_request(dialect):
    events = run(
        "<Response><Gather action='https://app.example/next'/><Say>nothing</Say></Response>",
        dialect=dialect,
    )
    end = ended(events)
    assert end.requests == () and end.params["Digits"] == ""
    assert events[-1].event == "call-end" and events[-1].t == pytest.approx(5 + 0.7 + 0.3, abs=0.5)


def test_IV3_a_finish_key_before_any_digit_is_no_input():
    events = run(
        "<Response><Gather action='https://app.example/next'/></Response>", press=[(1, "#")]
    )
    assert ended(events).requests == ()


def test_IV3_action_on_empty_result_requests_the_action_anyway():
    events = run(
        "<Response><Gather actionOnEmptyResult='true' action='https://app.example/next'/></Response>"
    )
    end = ended(events)
    assert end.requests and end.params["Digits"] == ""


def test_IV3_keys_pressed_when_no_gather_listens_are_lost():
    events = run(
        "<Response><Say>Wait for it</Say><Gather numDigits='1'/></Response>", press=[(0.5, "5")]
    )
    assert ended(events).params["Digits"] == ""


@pytest.mark.parametrize(
    "verb, goes_on",
    [("<Enqueue>support</Enqueue>", False), ("<Connect><Stream url='wss://x.example/s'/></Connect>", False),
     ("<Pay/>", False), ("<Start><Stream url='wss://x.example/s'/></Start>", True),
     ("<Leave/>", True), ("<Echo/>", False)],
)  # fmt: skip
def test_IV4_a_verb_the_simulator_does_not_follow_loads_and_says_what_happens(verb, goes_on):
    cxml = f"<Response>\n<Say>Hello</Say>\n{verb}\n<Say>after</Say>\n</Response>"
    events = run(cxml)
    warning = next(e for e in events if e.event == "verb-not-simulated")
    assert "(line 3)" in warning.params["reason"]
    end = events[-1]
    assert end.event == "call-end"
    assert end.params["reason"] == ("document-end" if goes_on else "not-simulated")


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("reason, status", [("busy", "busy"), ("rejected", "no-answer")])
def test_IV5_reject_as_the_first_verb_leaves_the_call_unanswered(dialect, reason, status):
    data = {
        "dialect": dialect,
        "calls": [{"name": "a", "cxml": f"<Response><Reject reason='{reason}'/></Response>",
                   "status_callback": "https://app.example/status"}],
    }  # fmt: skip
    events = conference_sim.run(data).list
    end = next(e for e in events if e.event == "call-end")
    assert end.params["CallStatus"] == status
    progress = [e.params["CallStatus"] for e in events if e.event == "call-progress"]
    assert progress == ["ringing", status]  # never answered
    final = [e for e in events if e.event == "call-progress"][-1]
    assert (final.params["CallStatus"], final.params["CallDuration"]) == (status, "0")


def test_IV5_reject_later_hangs_up_an_answered_call():
    events = run("<Response><Say>Hello</Say><Reject/></Response>")
    end = events[-1]
    assert (end.event, end.params["CallStatus"], end.params["reason"]) == (
        "call-end", "completed", "rejected",
    )  # fmt: skip


def test_D1_every_gather_keyword_of_the_twilio_builder_loads():
    kwargs = {}
    names = list(inspect.signature(VoiceResponse.gather).parameters)
    assert "num_digits" in names and "speech_timeout" in names  # the builder's own keywords
    for name in names:
        if name in ("self", "kwargs"):
            continue
        kwargs[name] = {
            "input": "dtmf speech", "action": "https://app.example/next", "method": "POST",
            "timeout": 5, "speech_timeout": "auto", "max_speech_time": 30,
            "profanity_filter": True, "finish_on_key": "#", "num_digits": 4,
            "partial_result_callback": "https://app.example/partial",
            "partial_result_callback_method": "POST", "language": "en-US", "hints": "yes, no",
            "barge_in": True, "debug": False, "action_on_empty_result": True,
            "speech_model": "phone_call", "enhanced": False,
        }.get(name, "x")  # fmt: skip
    response = VoiceResponse()
    gather = response.gather(**kwargs)
    gather.say("hello")
    gather.play("https://cdn.example/a.mp3")
    gather.pause(length=1)
    scenario = Scenario.from_dict({"calls": [{"name": "a", "cxml": str(response)}]})
    verb = scenario.calls[0].document.verbs[0]
    assert (verb.num_digits, verb.input, len(verb.prompts)) == (4, ("dtmf", "speech"), 3)
    assert "hints" in verb.ignored and "language" in verb.ignored


def run_calls(*calls, dialect="twilio"):
    data = {"dialect": dialect, "calls": list(calls),
            "documents": {"https://app.example/saved": "<Response><Say>Thanks</Say></Response>"}}  # fmt: skip
    return conference_sim.run(data).list


RECORD = "<Response><Record action='https://app.example/saved'{extra}/></Response>"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_IV6_record_ends_after_timeout_seconds_of_silence_and_trims_it(dialect):
    events = run_calls({"name": "a", "cxml": RECORD.format(extra=""), "speech": [[3, 10], [12, 20]]},
                       dialect=dialect)  # fmt: skip
    done = next(e for e in events if e.event == "record-end")
    assert (done.t, done.params["RecordingDuration"], done.params["Digits"]) == (25.0, "17", "")
    rec = next(e for e in events if e.event == "recording-completed")
    assert rec.params["RecordingSource"] == "RecordVerb" and rec.params["RecordingChannels"] == "1"
    assert done.params["RecordingSid"] == rec.params["RecordingSid"]
    beep = next(e for e in events if e.event == "beep")
    assert beep.t == 0.0 and beep.params["reason"] == "record"  # playBeep: true by default


def test_IV6_a_finish_key_ends_it_and_is_the_digits_max_length_too():
    events = run_calls(
        {"name": "a", "cxml": RECORD.format(extra=" timeout='0'"), "speech": [[1, 4]],
         "press": [{"at": 6, "digits": "#"}]},
        {"name": "b", "cxml": RECORD.format(extra=" maxLength='8' timeout='0' trim='do-not-trim'"),
         "speech": [[1, 30]]},
    )  # fmt: skip
    ends = {e.call: e for e in events if e.event == "record-end"}
    assert (ends["a"].t, ends["a"].params["Digits"], ends["a"].params["reason"]) == (
        6.0,
        "#",
        "finishOnKey",
    )
    assert (ends["b"].t, ends["b"].params["RecordingDuration"]) == (8.0, "8")


@pytest.mark.parametrize(
    "dialect, status, url", [("twilio", "completed", True), ("signalwire", "absent", False)]
)
def test_IV7_a_silent_recording_twilio_keeps_it_signalwire_saves_none_both_ask_the_action(
    dialect, status, url
):
    events = run_calls({"name": "a", "cxml": RECORD.format(extra="")}, dialect=dialect)
    assert (
        next(e for e in events if e.event.startswith("recording-")).event == f"recording-{status}"
    )
    done = next(e for e in events if e.event == "record-end")
    assert done.requests and done.params["RecordingDuration"] == "0"
    assert bool(done.params["RecordingUrl"]) is url


def test_IV8_a_hang_up_ends_the_recording_with_digits_hangup_before_call_end():
    events = run_calls(
        {"name": "a", "cxml": RECORD.format(extra=""), "speech": [[1, 10]], "hangup": 6}
    )
    names = [e.event for e in events if e.call == "a"]
    assert names[-3:] == ["recording-completed", "record-end", "call-end"]
    done = next(e for e in events if e.event == "record-end")
    assert done.params["Digits"] == "hangup" and done.params["CallStatus"] == "completed"


def test_IV1_speech_input_hears_what_the_caller_says():
    events = run_calls({
        "name": "a",
        "cxml": "<Response><Gather input='speech dtmf' speechTimeout='2' action='https://app.example/saved'>"
                "<Say>Say sales or support</Say></Gather></Response>",
        "speak": [{"at": 4, "text": "support", "confidence": 0.85}],
    })  # fmt: skip
    end = ended(events)
    assert (end.t, end.params["SpeechResult"], end.params["Confidence"]) == (6.0, "support", "0.85")
    assert end.requests
    dtmf_only = run_calls({"name": "a", "cxml": "<Response><Gather/></Response>",
                           "speak": [{"at": 1, "text": "hello"}]})  # fmt: skip
    assert "SpeechResult" not in ended(dtmf_only).params  # input=dtmf hears no speech


@pytest.mark.parametrize(
    "record, message",
    [("maxLength='x'", "maxLength='x' is not allowed"), ("finishOnKey='a'", "finishOnKey='a'"),
     ("playBeep='maybe'", "playBeep='maybe'")],
)  # fmt: skip
def test_IV6_bad_record_attributes_are_located_load_errors(record, message):
    from conference_sim.errors import InputError

    with pytest.raises(InputError) as err:
        Scenario.from_dict(
            {"calls": [{"name": "a", "cxml": f"<Response><Record {record}/></Response>"}]}
        )
    assert message in str(err.value) and "<Record>" in str(err.value)


def test_SPEC11_the_builder_and_the_shell_say_and_press_now():
    import subprocess
    import sys

    timeline = (
        conference_sim.ScenarioBuilder("ivr")
        .call("a", cxml="<Response><Gather input='speech' speechTimeout='1' "
              "action='https://app.example/x'/></Response>", speak=[(2, "sales")])
        .document("https://app.example/x", "<Response><Say>ok</Say></Response>")
        .run()
    )  # fmt: skip
    assert ended(timeline.list).params["SpeechResult"] == "sales"
    commands = (
        'call a cxml=\'<Response><Gather numDigits="2" action="https://app.example/x"/></Response>\'\n'
        "press a 42\nadvance 1s\n"
    )
    done = subprocess.run([sys.executable, "-m", "conference_sim", "shell"], input=commands,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert "gather-end                 a  reason=numDigits Digits=42" in done.stdout, done.stdout


def test_D1_every_record_keyword_of_the_twilio_builder_loads():
    names = [
        n for n in inspect.signature(VoiceResponse.record).parameters if n not in ("self", "kwargs")
    ]
    values = {"action": "https://app.example/saved", "method": "POST", "timeout": 5,
              "finish_on_key": "#", "max_length": 30, "play_beep": True, "trim": "do-not-trim",
              "recording_status_callback": "https://app.example/rec",
              "recording_status_callback_method": "POST",
              "recording_status_callback_event": "in-progress completed absent",
              "storage_url": "https://app.example/store", "storage_url_method": "POST",
              "transcribe": True, "transcribe_callback": "https://app.example/text",
              "recording_configuration_id": "JQ123"}  # fmt: skip
    assert set(names) <= set(values), set(names) - set(values)
    response = VoiceResponse()
    response.record(**{n: values[n] for n in names})
    verb = (
        Scenario.from_dict({"calls": [{"name": "a", "cxml": str(response)}]})
        .calls[0]
        .document.verbs[0]
    )
    assert (verb.max_length_ms, verb.trim, verb.finish_on_key) == (30_000, "do-not-trim", "#")
    assert "transcribe" in verb.ignored


def test_IV1_an_apps_bad_gather_is_12100_with_the_line():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [b"<Response>\n  <Say>Hello</Say>\n  <Gather numDigits='0'/>\n</Response>"]

    data = {"calls": [{"name": "a", "url": "https://app.example/voice"}]}
    failed = conference_sim.run(data, app=app).events("request-failed")[0].params
    assert failed["ErrorCode"] == "12100" and "(line 3)" in failed["reason"]
    assert "numDigits='0'" in failed["reason"]


def test_SPEC11_the_html_picture_shows_the_ivr_before_the_room():
    from pathlib import Path

    from conference_sim.output.html import Lanes

    scenario = Scenario.from_file(
        Path(__file__).parent.parent / "scenarios" / "pin-line-no-input.yaml"
    )
    lanes = Lanes()
    for e in conference_sim.run(scenario).list:
        lanes.apply(e)
    (group,) = lanes.model("t", [])["rooms"]
    (lane,) = group["lanes"]
    kinds = [bar[0] for bar in lane["bars"]]
    assert kinds == ["prompt", "prompt", "recording"]
    assert [m[2] for m in lane["marks"]] == ["nothing", "nothing"]
