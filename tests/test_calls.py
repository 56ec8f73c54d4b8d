"""Issue 24, SPEC 11: the call around the room.

Calls create / list / fetch / update / delete through the official twilio client; call progress
callbacks (CP1: SequenceNumber counts every event, CP2: the final SIP code); ``callees:`` by
address; ``<Dial>`` to ``<Number>``, ``<Client>``, ``<Sip>`` and a bare number (DL1-DL4); relative
URLs resolved against the document's own URL (U1).
"""

from __future__ import annotations

import json

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio.twiml.voice_response import Dial, VoiceResponse

import conference_sim
from conference_sim import CaptureSink, Scenario, Simulation
from conference_sim.errors import InputError
from conference_sim.rest.client import HttpClient

TOKEN = "c0ffee00c0ffee00c0ffee00c0ffee00"
DIALECTS = ["signalwire", "twilio"]


def simulation(dialect: str, **extra):
    data = {
        "dialect": dialect,
        "calls": [{"name": "a", "conference": "R", "hangup": "10m"}],
        "callees": {
            "client:agent": {"answer": "4s", "hangup": "1m"},
            "+15550002222": "busy",
            "+15550003333": "no-answer",
            "+15550004444": "failed",
            "+15550005555": "machine",
        },
        "documents": {
            "https://app.example/hello": "<Response><Say>hello there</Say><Pause length='300'/></Response>"
        },
        **extra,
    }
    sink = CaptureSink()
    sim = Simulation(Scenario.from_dict(data), sinks=[sink])
    sim.advance(1000)
    client = Client(sim.directory.account_sid("default"), TOKEN, http_client=HttpClient(sim))
    return sim, sink, client


def progress(sink, sid):
    return [
        (e.t, e.params["CallStatus"], e.params["SequenceNumber"])
        for e in sink.events
        if e.event == "call-progress" and e.params["CallSid"] == sid
    ]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_SPEC11_calls_create_answers_queued_outbound_api_then_rings_answers_and_runs_its_url(
    dialect,
):
    sim, sink, client = simulation(dialect)
    call = client.calls.create(
        to="client:agent",
        from_="+15550000001",
        url="https://app.example/hello",
        status_callback="https://app.example/progress",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
    )
    assert (call.status, call.direction, call.start_time, call.duration) == (
        "queued", "outbound-api", None, None,
    )  # fmt: skip
    sim.run()
    # CP1: every progress event numbered from 0, each sent (all four subscribed)
    assert progress(sink, call.sid) == [
        (1.0, "initiated", "0"), (1.0, "ringing", "1"), (5.0, "in-progress", "2"),
        (65.0, "completed", "3"),
    ]  # fmt: skip
    done = [
        e for e in sink.events if e.event == "call-progress" and e.params["CallSid"] == call.sid
    ]
    assert all(e.requests and e.requests[0].purpose == "callStatusCallback" for e in done)
    final = done[-1].params
    assert final["CallDuration"] == "60" and final["Direction"] == "outbound-api"
    sip = "SipResponseCode" if dialect == "twilio" else "SipResultCode"
    assert final[sip] == "200"  # CP2
    start = next(
        e for e in sink.events if e.event == "call-start" and e.params["CallSid"] == call.sid
    )
    assert start.t == 5.0 and start.requests[0].url == "https://app.example/hello"
    fetched = client.calls(call.sid).fetch()
    assert (fetched.status, fetched.duration, fetched.direction) == (
        "completed",
        "60",
        "outbound-api",
    )


@pytest.mark.parametrize(
    "to, status, events, sip",
    [("+15550002222", "busy", ["initiated", "ringing", "completed"], "486"),
     ("+15550003333", "no-answer", ["initiated", "ringing", "completed"], "487"),
     ("+15550004444", "failed", ["initiated", "completed"], "404")],
)  # fmt: skip
def test_SPEC11_an_unanswered_call_ends_with_its_status_and_the_documented_sequence(
    to, status, events, sip
):
    sim, sink, client = simulation("twilio")
    call = client.calls.create(to=to, from_="+15550000001", url="https://app.example/hello",
                               status_callback="https://app.example/progress", timeout=20)  # fmt: skip
    sim.run()
    seen = [s for _t, s, _n in progress(sink, call.sid)]
    assert seen == [*events[:-1], status]
    last = [
        e for e in sink.events if e.event == "call-progress" and e.params["CallSid"] == call.sid
    ][-1]
    assert last.params["SipResponseCode"] == sip and last.params["CallDuration"] == "0"
    assert last.requests  # completed is the default subscription
    assert not [
        e for e in sink.events if e.event == "call-start" and e.params["CallSid"] == call.sid
    ]
    assert client.calls(call.sid).fetch().status == status


def test_SPEC11_machine_detection_says_who_answered():
    sim, sink, client = simulation("twilio")
    call = client.calls.create(to="+15550005555", from_="+15550000001",
                               url="https://app.example/hello", machine_detection="Enable")  # fmt: skip
    sim.run()
    answered = [
        e for e in sink.events if e.event == "call-progress" and e.params["CallSid"] == call.sid
    ]
    assert answered[-2].params["AnsweredBy"] == "machine_start"
    assert client.calls(call.sid).fetch().answered_by == "machine_start"


def test_SPEC11_a_ringing_call_is_canceled_and_an_answered_one_is_not():
    sim, _sink, client = simulation("twilio")
    ringing = client.calls.create(
        to="client:agent", from_="+15550000001", url="https://app.example/hello"
    )
    sim.advance(2000)
    assert client.calls(ringing.sid).fetch().status == "ringing"
    assert client.calls(ringing.sid).update(status="canceled").status in ("ringing", "completed")
    sim.advance(3000)
    assert client.calls(ringing.sid).fetch().status == "canceled"
    live = client.calls.create(
        to="client:agent", from_="+15550000001", url="https://app.example/hello"
    )
    sim.advance(10_000)
    assert client.calls(live.sid).update(status="canceled").status == "in-progress"
    with pytest.raises(TwilioRestException) as deleting:
        client.calls(live.sid).delete()
    assert deleting.value.code == 20009  # not yet complete
    sim.run()
    assert client.calls(live.sid).delete() is True
    with pytest.raises(TwilioRestException) as gone:
        client.calls(live.sid).fetch()
    assert gone.value.status == 404


def test_SPEC11_calls_list_filters_and_a_call_that_has_not_arrived_is_not_there():
    sim, _sink, client = simulation(
        "twilio", calls=[{"name": "a", "conference": "R", "hangup": 30},
                         {"name": "late", "at": "5m", "conference": "R", "hangup": "6m"}],
    )  # fmt: skip
    made = client.calls.create(
        to="client:agent", from_="+15550000009", url="https://app.example/hello"
    )
    listed = client.calls.list()
    assert next(c.sid for c in listed) == made.sid  # newest first (CL1)
    assert sim.calls["late"].sid not in {c.sid for c in listed}
    assert [c.sid for c in client.calls.list(to="client:agent")] == [made.sid]
    assert [c.sid for c in client.calls.list(from_="+15550000009")] == [made.sid]
    sim.advance(40_000)
    assert sim.calls["a"].sid in {c.sid for c in client.calls.list(status="completed")}


@pytest.mark.parametrize(
    "params, code",
    [({"from_": "+15550000001", "url": "https://app.example/x"}, 21201),
     ({"to": "+15550001111", "url": "https://app.example/x"}, 21213),
     ({"to": "+15550001111", "from_": "+15550000001"}, 21205),
     ({"to": "not a number", "from_": "+15550000001", "url": "https://app.example/x"}, 21211),
     ({"to": "+15550001111", "from_": "+15550000001", "url": "https://app.example/x",
       "timeout": 601}, 21208)],
)  # fmt: skip
def test_SPEC11_a_bad_create_is_the_platforms_error_and_creates_nothing(params, code):
    _sim, _sink, client = simulation("twilio")
    before = len(client.calls.list())
    names = {"to": "To", "from_": "From", "url": "Url", "timeout": "Timeout"}
    answer = client.request(
        "POST",
        f"https://api.twilio.com/2010-04-01/Accounts/{client.username}/Calls.json",
        data={names[k]: str(v) for k, v in params.items()},
        auth=(client.username, TOKEN),
    )
    assert answer.status_code == 400 and json.loads(answer.text)["code"] == code
    assert len(client.calls.list()) == before


def test_SPEC11_documented_but_unmodelled_create_parameters_load_with_one_warning():
    sim, sink, client = simulation("twilio")
    client.calls.create(to="client:agent", from_="+15550000001", url="https://app.example/hello",
                        send_digits="1234", record=True, trim="do-not-trim")  # fmt: skip
    sim.run()
    ignored = [e for e in sink.events if e.event == "attribute-ignored"]
    assert len(ignored) == 1
    assert set(ignored[0].params["attributes"].split()) >= {"sendDigits", "record", "trim"}


# -- <Dial> to numbers, clients and SIP --------------------------------------------------------
def dial_scenario(dialect: str, nouns: str, callees: dict, hangup: str = "3m", **dial) -> dict:
    attrs = " ".join(
        f'{k}="{v}"' for k, v in {"action": "https://app.example/after", **dial}.items()
    )
    return {
        "dialect": dialect,
        "calls": [{"name": "caller", "hangup": hangup,
                   "cxml": f"<Response><Dial {attrs}>{nouns}</Dial><Say>next</Say></Response>"}],
        "callees": callees,
        "documents": {"https://app.example/after": "<Response><Say>thanks</Say></Response>"},
    }  # fmt: skip


@pytest.mark.parametrize("dialect", DIALECTS)
def test_DL1_the_first_to_answer_is_bridged_the_others_canceled_and_they_hear_each_other(dialect):
    data = dial_scenario(
        dialect,
        "<Number>+15550001111</Number><Client>agent</Client><Sip>sip:desk@pbx.example</Sip>",
        {"+15550001111": {"answer": "8s"}, "client:agent": {"answer": "3s", "hangup": "40s"},
         "sip:desk@pbx.example": "no-answer"},
    )  # fmt: skip
    sim = Simulation(Scenario.from_dict(data), sinks=[sink := CaptureSink()])
    sim.advance(10_000)
    hearing = sim.hearing()
    legs = {e.params["To"]: e.call for e in sink.events if e.event == "call-progress"}
    agent = legs["client:agent"]
    assert hearing["caller"].voices == (agent,) and hearing[agent].voices == ("caller",)
    sim.run()
    finals = {
        e.params["To"]: e.params["CallStatus"] for e in sink.events if e.event == "call-progress"
    }
    assert finals == {"+15550001111": "canceled", "client:agent": "completed",
                      "sip:desk@pbx.example": "canceled"}  # fmt: skip
    parents = {e.params.get("ParentCallSid") for e in sink.events if e.event == "call-progress"}
    assert parents == {sim.calls["caller"].sid}
    directions = {e.params["Direction"] for e in sink.events if e.event == "call-progress"}
    assert directions == {"outbound-dial"}
    end = next(e for e in sink.events if e.event == "dial-end")
    assert end.t == 43.0 and end.params["DialCallStatus"] == "completed"
    assert end.params["DialCallSid"] == sim.calls[agent].sid
    assert end.params["DialCallDuration"] == "40"
    assert ("DialBridged" in end.params) == (dialect == "twilio")  # (SignalWire: not documented)
    assert end.requests[0].url == "https://app.example/after"


@pytest.mark.parametrize(
    "callee, status, after_s",
    [("busy", "busy", 1), ("no-answer", "no-answer", 30), ("failed", "failed", 0),
     ({"answer": "40s"}, "no-answer", 30)],
)  # fmt: skip
def test_DL2_an_unanswered_dial_ends_with_its_status_and_the_action(callee, status, after_s):
    data = dial_scenario("twilio", "+15550001111", {"+15550001111": callee})
    events = conference_sim.run(data).list
    end = next(e for e in events if e.event == "dial-end")
    assert (end.t, end.params["DialCallStatus"], end.params["DialBridged"]) == (
        after_s, status, "false",
    )  # fmt: skip
    assert end.params["DialCallDuration"] == "0"  # DL3


def test_DL2_the_dial_timeout_is_the_dials_own():
    data = dial_scenario(
        "twilio", "+15550001111", {"+15550001111": {"answer": "12s"}}, timeout="10"
    )
    end = next(e for e in conference_sim.run(data).list if e.event == "dial-end")
    assert (end.t, end.params["DialCallStatus"]) == (10.0, "no-answer")


def test_DL4_the_caller_hanging_up_ends_the_bridge_and_the_action_is_still_sent():
    data = dial_scenario("twilio", "<Client>agent</Client>", {"client:agent": {"answer": "2s"}},
                         hangup="30s")  # fmt: skip
    events = conference_sim.run(data).list
    end = next(e for e in events if e.event == "dial-end")
    assert end.t == 30 and end.params["DialCallStatus"] == "completed"
    assert end.params["CallStatus"] == "completed" and end.requests  # sent, its answer unused
    assert [e.event for e in events if e.call == "caller"][-1] == "call-end"


def test_DL4_hangup_on_star_ends_the_bridge_and_the_caller_goes_on():
    data = dial_scenario("twilio", "<Client>agent</Client>", {"client:agent": {"answer": "2s"}},
                         hangupOnStar="true")  # fmt: skip
    data["calls"][0]["press"] = [{"at": 20, "digits": "*"}]
    events = conference_sim.run(data).list
    end = next(e for e in events if e.event == "dial-end")
    assert (end.t, end.params["DialCallStatus"], end.params["DialCallDuration"]) == (
        20.0, "completed", "18",
    )  # fmt: skip


def test_DL4_a_whisper_document_plays_to_the_callee_before_the_bridge():
    data = dial_scenario("twilio", '<Number url="https://app.example/whisper">+15550001111</Number>',
                         {"+15550001111": {"answer": "2s"}})  # fmt: skip
    data["documents"]["https://app.example/whisper"] = "<Response><Pause length='5'/></Response>"
    events = conference_sim.run(data).list
    bridged = next(e for e in events if e.event == "bridge-start")
    assert bridged.t == 7.0


def test_D1_every_dial_noun_keyword_of_the_twilio_builder_loads():
    import inspect

    for noun in ("number", "client", "sip"):
        method = getattr(Dial, noun)
        kwargs = {}
        for name in inspect.signature(method).parameters:
            if name in ("self", "kwargs", "phone_number", "identity", "sip_url"):
                continue
            kwargs[name] = (
                "initiated ringing" if name == "status_callback_event" else
                "POST" if "method" in name else "1234" if name == "send_digits" else
                "https://app.example/x" if "url" in name or "callback" in name else "x"
            )  # fmt: skip
        response = VoiceResponse()
        dial = Dial(action="https://app.example/after", timeout=20, caller_id="+15550000001",
                    answer_on_bridge=True, record="record-from-answer")  # fmt: skip
        address = {"number": "+15550001111", "client": "agent", "sip": "sip:a@pbx.example"}[noun]
        getattr(dial, noun)(address, **kwargs)
        response.append(dial)
        scenario = Scenario.from_dict({"calls": [{"name": "a", "cxml": str(response)}]})
        assert scenario.calls[0].document.verbs[0].targets[0].address.endswith(address[-8:])


@pytest.mark.parametrize(
    "document, message",
    [("<Dial>call me</Dial>", "is not a phone number"),
     ("<Dial><Number>+1555</Number><Conference>R</Conference></Dial>", "that one noun only"),
     ("<Dial><Client></Client></Dial>", "needs a client identity"),
     ("<Dial><Sip>desk</Sip></Dial>", "needs a SIP URI"),
     ("<Dial timeout='700'>+15550001111</Dial>", "from 5 to 600"),
     ("<Dial><Number statusCallbackEvent='picked-up'>+15550001111</Number></Dial>", "allowed")],
)  # fmt: skip
def test_SPEC11_bad_dial_nouns_are_located_load_errors(document, message):
    with pytest.raises(InputError) as err:
        Scenario.from_dict({"calls": [{"name": "a", "cxml": f"<Response>{document}</Response>"}]})
    assert message in str(err.value)


def test_U1_relative_urls_resolve_against_the_documents_own_url():
    data = {
        "calls": [{"name": "a", "cxml": "<Response><Redirect>https://app.example/ivr/start</Redirect></Response>",
                   "hangup": 60}],
        "documents": {
            "https://app.example/ivr/start": "<Response><Redirect>../menu?x=1</Redirect></Response>",
            "https://app.example/menu?x=1": (
                "<Response><Dial action='after'>+15550001111</Dial></Response>"
            ),
            "https://app.example/after": "<Response><Say>done</Say></Response>",
        },
        "callees": {"+15550001111": {"answer": "1s", "hangup": "5s"}},
    }  # fmt: skip
    events = conference_sim.run(data).list
    assert not [e for e in events if e.event == "document-missing"]
    end = next(e for e in events if e.event == "dial-end")
    assert end.requests[0].url == "https://app.example/after"


def test_U1_an_inline_document_refuses_a_relative_url_with_a_located_error():
    with pytest.raises(InputError) as err:
        Scenario.from_dict(
            {"calls": [{"name": "a", "cxml": "<Response><Redirect>/next</Redirect></Response>"}]}
        )
    assert "relative URL" in str(err.value) and "calls[0]" in str(err.value)


def test_SPEC11_a_scenario_action_creates_a_call():
    data = {
        "calls": [{"name": "a", "conference": "R", "hangup": "2m"}],
        "actions": [{"at": 10, "create": "client:agent", "from": "+15550000001",
                     "twiml": "<Response><Dial><Conference>R</Conference></Dial></Response>"}],
        "callees": {"client:agent": {"answer": "2s", "hangup": "30s"}},
    }  # fmt: skip
    events = conference_sim.run(data).list
    joins = [(e.t, e.call) for e in events if e.event == "participant-join"]
    assert joins[1][0] == 12.0
    with pytest.raises(InputError) as err:
        Scenario.from_dict({**data, "actions": [{"at": 1, "create": "nobody", "from": "+1555"}]})
    assert "E.164" in str(err.value)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_SPEC11_an_inbound_call_tells_its_numbers_status_callback(dialect):
    data = {
        "dialect": dialect,
        "calls": [{"name": "a", "conference": "R", "hangup": 42,
                   "status_callback": "https://app.example/number-status"},
                  {"name": "b", "conference": "R", "hangup": 50,
                   "status_callback": "https://app.example/number-status",
                   "status_callback_event": "ringing answered completed"}],
    }  # fmt: skip
    events = conference_sim.run(data).list
    sent = [(e.call, e.params["CallStatus"]) for e in events
            if e.event == "call-progress" and e.requests]  # fmt: skip
    assert sent == [("b", "ringing"), ("b", "in-progress"), ("a", "completed"), ("b", "completed")]
    final = [e for e in events if e.event == "call-progress" and e.call == "a"][-1]
    assert (final.params["Direction"], final.params["CallDuration"]) == ("inbound", "42")
    assert final.params["SequenceNumber"] == "2"  # CP1: ringing and answered came first


def test_SPEC11_a_participant_being_dialled_is_listed_until_it_joins_and_every_parameter_loads():
    sim, sink, client = simulation("twilio")
    room = client.conferences.list(status="init")[0]
    created = client.conferences(room.sid).participants.create(
        from_="+15550000001", to="client:agent", label="agent", early_media=True,
        time_limit=600, caller_id="+15550000001", record=True, machine_detection="Enable",
    )  # fmt: skip
    assert created.status == "queued"
    sim.advance(2000)
    listed = {p.call_sid: p.status for p in client.conferences(room.sid).participants.list()}
    assert listed[created.call_sid] == "ringing"
    assert client.conferences(room.sid).participants(created.call_sid).fetch().status == "ringing"
    sim.advance(6000)
    assert client.conferences(room.sid).participants(created.call_sid).fetch().status == "connected"
    ignored = [e for e in sink.events if e.event == "attribute-ignored"]
    assert len(ignored) == 1
    assert set(ignored[0].params["attributes"].split()) == {
        "earlyMedia",
        "timeLimit",
        "callerId",
        "record",
        "machineDetection",
    }


def test_SPEC11_the_builder_and_the_shell_know_calls(tmp_path):
    import subprocess
    import sys

    timeline = (
        conference_sim.ScenarioBuilder("builder")
        .call("a", "R", hangup="1m")
        .create("client:agent", at=5, from_="+15550000001",
                twiml="<Response><Dial><Conference>R</Conference></Dial></Response>")
        .callee("client:agent", {"answer": "2s", "hangup": "30s"})
        .run()
    )  # fmt: skip
    assert timeline.events("participant-join", call="agent")[0].t == 7
    commands = (
        "call a R\n"
        "create client:agent from=+15550000001 "
        "twiml='<Response><Dial><Conference>R</Conference></Dial></Response>'\n"
        "advance 10s\nshow\n"
    )
    done = subprocess.run([sys.executable, "-m", "conference_sim", "shell"], input=commands,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stdout
    assert "participant-join           R agent" in done.stdout


def test_SPEC11_the_pictures_show_a_bridge_as_two_lanes_in_the_mix():
    from conference_sim.output.html import Lanes
    from conference_sim.output.mermaid import MermaidSink

    data = dial_scenario("twilio", "<Client>agent</Client>", {"client:agent": {"answer": "2s"}},
                         hangup="30s")  # fmt: skip
    events = conference_sim.run(data).list
    lanes = Lanes()
    for e in events:
        lanes.apply(e)
    (room,) = lanes.model("t", [])["rooms"]
    assert room["name"].startswith("caller") and (room["start"], room["end"]) == (2000, 30000)
    assert [lane["bars"] for lane in room["lanes"]] == [[["mix", 2000, 30000]]] * 2
    import io

    out = io.StringIO()
    sink = MermaidSink(out)
    for e in events:
        sink.emit(e)
    sink.close()
    assert "bridge-start" in out.getvalue() and "call-progress" in out.getvalue()


def test_SPEC11_a_calls_time_limit_updated_by_rest_ends_it_that_long_from_now():
    sim, sink, client = simulation("twilio")
    call = client.calls.create(
        to="client:agent", from_="+15550000001", url="https://app.example/hello"
    )
    sim.advance(10_000)
    client.calls(call.sid).update(time_limit=20)
    with pytest.raises(TwilioRestException) as err:
        client.calls.create(to="client:agent", from_="+15550000001", url="https://app.example/x",
                            timeout=0)  # fmt: skip
    assert err.value.code == 21208
    sim.run()
    end = next(e for e in sink.events if e.event == "call-end" and e.params["CallSid"] == call.sid)
    assert (end.t, end.params["reason"]) == (30.0, "time-limit")


def test_PG1_the_official_client_walks_real_pages():
    # issue 27: .list(page_size=2) over 5 conferences makes 3 requests and returns 5
    data = {"calls": [{"name": f"c{i}", "conference": f"R{i}", "hangup": 60} for i in range(5)]}
    sim = Simulation(Scenario.from_dict(data), sinks=[CaptureSink()])
    sim.advance(1000)
    http = HttpClient(sim)
    sent = []
    original = http.request

    def counting(method, uri, *args, **kwargs):
        sent.append(uri)
        return original(method, uri, *args, **kwargs)

    http.request = counting
    client = Client(sim.directory.account_sid("default"), TOKEN, http_client=http)
    rooms = client.conferences.list(page_size=2)
    assert len(rooms) == 5 and len({r.sid for r in rooms}) == 5
    assert len(sent) == 3
    first = client.conferences.page(page_size=2)
    assert first.next_page_url is not None and len(list(first)) == 2
    assert len(client.conferences.list(limit=3)) == 3


@pytest.mark.parametrize("query, code", [({"PageSize": "1001"}, 20007), ({"PageSize": "0"}, 20001),
                                         ({"Page": "2"}, 70002), ({"PageToken": "x"}, 21481)])  # fmt: skip
def test_PG1_bad_paging_is_the_platforms_error(query, code):
    _sim, _sink, client = simulation("twilio")
    answer = client.request("GET", f"https://api.twilio.com/2010-04-01/Accounts/{client.username}"
                            "/Conferences.json", params=query, auth=(client.username, TOKEN))  # fmt: skip
    assert answer.status_code == 400 and json.loads(answer.text)["code"] == code
