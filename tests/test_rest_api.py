"""SPEC 10: the platform's REST API, driven through the official twilio client
(``twilio.rest.Client``): with an explicit ``http_client``, in-process from inside an app's
webhook handler, and over real HTTP with ``conference-sim serve``."""

from __future__ import annotations

import json
import threading

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

import conference_sim
from conference_sim.rest.client import HttpClient

TOKEN = "c0ffee00c0ffee00c0ffee00c0ffee00"
SCENARIO = """
dialect: twilio
calls:
  - name: alice
    conference: Room
    attributes: {participantLabel: host, statusCallback: "https://app.example/events",
                 statusCallbackEvent: "start end join leave mute hold modify"}
    hangup: 10m
  - {name: bob, at: 10, conference: Room, hangup: 10m}
  - {name: carol, at: 10, conference: Lobby, hangup: 10m}
documents:
  https://app.example/hold: <Response><Pause length="60"/></Response>
  https://app.example/elsewhere: <Response><Say>You left the room</Say></Response>
callees:
  "+15550001111": {answer: 3s, hangup: 1m}
  "+15550002222": busy
  "+15550003333": no-answer
  "+15550004444": failed
"""


@pytest.fixture(params=["http_client", "serve"])
def world(request):
    """A simulation at 0:30 with alice and bob in Room, and a twilio Client that reaches it:
    through an explicit http_client, or over real HTTP to `serve`'s server on 127.0.0.1."""
    sink = conference_sim.CaptureSink()
    sim = conference_sim.Simulation(conference_sim.Scenario.from_yaml(SCENARIO), sinks=[sink])
    sim.advance(30_000)
    account = sim.directory.account_sid("default")
    if request.param == "http_client":
        client = Client(account, TOKEN, http_client=HttpClient(sim))
        server = None
    else:
        import threading

        from werkzeug.serving import make_server

        from conference_sim.rest.serve import Server

        server = make_server("127.0.0.1", 0, Server(sim, sink), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        client = Client(account, TOKEN)
        client.api.base_url = f"http://127.0.0.1:{server.server_port}"
    room = next(c for c in client.conferences.list() if c.friendly_name == "Room")
    yield sim, sink, client, room
    if server is not None:
        server.shutdown()


def names(sink, event):
    return [(e.t, e.call) for e in sink.events if e.event == event]


def test_SPEC10_conferences_list_filters_and_fetch(world):
    _sim, _sink, client, room = world
    assert {c.friendly_name for c in client.conferences.list()} == {"Room", "Lobby"}
    assert [c.friendly_name for c in client.conferences.list(friendly_name="Lobby")] == ["Lobby"]
    assert [c.sid for c in client.conferences.list(status="in-progress")] == [room.sid]
    assert client.conferences.list(status="completed") == []
    fetched = client.conferences(room.sid).fetch()
    assert (fetched.status, fetched.friendly_name, fetched.region) == ("in-progress", "Room", "us1")
    assert fetched.date_created.year == 2026 and fetched.reason_conference_ended is None


def test_SPEC10_participants_list_filters_and_fetch_by_call_sid_or_label(world):
    sim, _sink, client, room = world
    people = client.conferences(room.sid).participants
    assert len(people.list()) == 2
    alice = sim.calls["alice"].sid
    assert people(alice).fetch().label == "host"
    assert people("host").fetch().call_sid == alice
    people("host").update(muted=True)
    assert [p.call_sid for p in people.list(muted=True)] == [alice]
    assert len(people.list(muted=False)) == 1 and people.list(hold=True) == []


def test_SPEC10_participant_update_mutes_holds_and_coaches_at_the_current_time(world):
    sim, sink, client, room = world
    people = client.conferences(room.sid).participants
    bob, alice = sim.calls["bob"].sid, sim.calls["alice"].sid
    assert people(bob).update(muted=True).muted is True
    held = people(bob).update(hold=True, hold_url="https://app.example/hold", hold_method="POST")
    assert held.hold is True
    coach = people(bob).update(coaching=True, call_sid_to_coach=alice)
    assert (coach.coaching, coach.call_sid_to_coach) == (True, alice)
    people(bob).update(beep_on_exit=False, end_conference_on_exit=True)
    sim.run()
    events = [(e.t, e.event) for e in sink.events if e.call == "bob" and e.t == 30]
    assert events == [
        (30, "participant-mute"), (30, "participant-hold"), (30, "hold-audio-start"),
        (30, "participant-modify"), (30, "participant-modify"),
    ]  # fmt: skip
    hold = next(e for e in sink.events if e.event == "hold-audio-start")
    assert hold.requests[0].url == "https://app.example/hold"


def test_SPEC10_participant_delete_kicks_and_conference_update_ends(world):
    sim, sink, client, room = world
    assert client.conferences(room.sid).participants(sim.calls["bob"].sid).delete() is True
    leave = next(e for e in sink.events if e.event == "participant-leave")
    assert leave.params["ReasonParticipantLeft"] == "participant_updated_via_api"
    ended = client.conferences(room.sid).update(status="completed")
    assert (ended.status, ended.reason_conference_ended) == (
        "completed",
        "conference-ended-via-api",
    )
    end = next(e for e in sink.events if e.event == "conference-end")
    assert end.t == 30 and end.params["ReasonConferenceEnded"] == "conference-ended-via-api"
    assert client.conferences(room.sid).fetch().status == "completed"


def test_SPEC10_conference_announce(world):
    sim, sink, client, room = world
    client.conferences(room.sid).update(announce_url="https://cdn.example/notice.mp3")
    sim.advance(60_000)
    assert [e.event for e in sink.events if "announcement" in e.event] == [
        "announcement-start", "announcement-end",
    ]  # fmt: skip


def test_SPEC10_participant_create_rings_answers_and_joins_with_callbacks(world):
    sim, sink, client, room = world
    created = client.conferences(room.sid).participants.create(
        from_="+15559990000", to="+15550001111", label="supervisor",
        status_callback="https://app.example/progress",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
    )  # fmt: skip
    assert (created.status, created.label, created.conference_sid) == (
        "queued",
        "supervisor",
        room.sid,
    )
    sim.advance(120_000)
    progress = [(e.t, e.params["CallStatus"]) for e in sink.events if e.event == "call-progress"]
    # CP1: the initiated event says CallStatus=initiated; SequenceNumber counts every event
    assert progress == [(30, "initiated"), (30, "ringing"), (33, "in-progress"), (93, "completed")]
    numbers = [e.params["SequenceNumber"] for e in sink.events if e.event == "call-progress"]
    assert numbers == ["0", "1", "2", "3"]
    assert all(
        e.requests[0].purpose == "callStatusCallback"
        for e in sink.events
        if e.event == "call-progress"
    )
    assert names(sink, "participant-join")[-1] == (33, "supervisor")
    joined = next(
        e for e in sink.events if e.event == "participant-join" and e.call == "supervisor"
    )
    assert (
        joined.params["CallSid"] == created.call_sid
        and joined.params["ParticipantLabel"] == "supervisor"
    )
    call = client.calls(created.call_sid).fetch()
    assert (call.status, call.direction) == ("completed", "outbound-api")


@pytest.mark.parametrize(
    ("number", "status", "at"),
    [
        ("+15550002222", "busy", 31),
        ("+15550003333", "no-answer", 60),
        ("+15550004444", "failed", 30),
    ],
)
def test_SPEC10_participant_create_busy_no_answer_failed(world, number, status, at):
    sim, sink, client, room = world
    created = client.conferences(room.sid).participants.create(
        from_="+15559990000", to=number, status_callback="https://app.example/progress"
    )
    sim.advance(120_000)
    progress = [
        (e.t, e.params["CallStatus"], len(e.requests))
        for e in sink.events
        if e.event == "call-progress"
    ]
    assert progress[-1] == (at, status, 1)  # the default subscription: completed only
    assert all(n == 0 for _t, _s, n in progress[:-1])
    leave = [e for e in sink.events if e.event == "participant-leave"][-1]
    assert (leave.params["CallSid"], leave.params["ParticipantCallStatus"]) == (
        created.call_sid,
        status,
    )
    assert leave.params["ReasonParticipantLeft"] == "participant_add_failed"
    assert not [
        e
        for e in sink.events
        if e.event == "participant-join" and e.params.get("CallSid") == created.call_sid
    ]


def test_SPEC10_participant_create_by_friendly_name_creates_the_room(world):
    sim, _sink, client, _room = world
    created = client.conferences("Breakout").participants.create(
        from_="+15559990000", to="+15550001111"
    )
    sim.advance(40_000)
    breakout = next(c for c in client.conferences.list(friendly_name="Breakout"))
    assert breakout.sid == created.conference_sid and breakout.status == "init"


def test_SPEC10_calls_fetch_redirect_and_hang_up(world):
    sim, sink, client, _room = world
    alice, bob = sim.calls["alice"].sid, sim.calls["bob"].sid
    assert client.calls(alice).fetch().status == "in-progress"
    client.calls(alice).update(twiml="<Response><Say>Moving on</Say></Response>")
    client.calls(bob).update(status="completed")
    sim.advance(60_000)
    leaves = [
        (e.call, e.params["ReasonParticipantLeft"])
        for e in sink.events
        if e.event == "participant-leave"
    ]
    assert leaves == [("alice", "participant_updated_via_api"), ("bob", "participant_hung_up")]
    dial_end = next(e for e in sink.events if e.event == "dial-end" and e.call == "alice")
    assert dial_end.requests == ()  # a redirected call's Dial action is not requested
    assert names(sink, "call-end") == [(30, "bob"), (31, "alice")]  # "Moving on" takes 1 s
    assert client.calls(bob).fetch().status == "completed"
    client.calls(sim.calls["carol"].sid).update(url="https://app.example/elsewhere", method="POST")
    sim.advance(70_000)
    assert names(sink, "call-end")[-1] == (61.7, "carol")  # 17 characters said


def raw(client, method, path, **data):
    account = client.username
    uri = f"{client.api.base_url}/2010-04-01/Accounts/{account}/{path}"
    return client.request(method, uri, data=data)


def test_SPEC10_errors_are_the_platforms_json(world):
    sim, _sink, client, room = world
    with pytest.raises(TwilioRestException) as missing:
        client.conferences("CF" + "0" * 32).fetch()
    assert (missing.value.status, missing.value.code) == (404, 20404)
    bad = raw(client, "POST", f"Conferences/{room.sid}/Participants/host.json", Muted="maybe")
    assert (
        bad.status_code == 400
        and '"code": 21200' in bad.text
        and "Muted: must be true or false" in bad.text
    )
    coach = raw(client, "POST", f"Conferences/{room.sid}/Participants/host.json", Coaching="true",
                CallSidToCoach=sim.calls["carol"].sid)  # fmt: skip
    assert (
        coach.status_code == 400
        and '"code": 16028' in coach.text
        and "CallSidToCoach" in coach.text
    )
    no_to = raw(client, "POST", f"Conferences/{room.sid}/Participants.json", From="+15550000001")
    assert '"code": 21201' in no_to.text
    stranger = Client(client.username, "wrong-token", http_client=client.http_client)
    stranger.api.base_url = client.api.base_url
    with pytest.raises(TwilioRestException) as denied:
        stranger.conferences(room.sid).fetch()
    assert (denied.value.status, denied.value.code) == (401, 20003)


def test_SPEC10_a_request_body_over_1_MB_is_refused_unread_and_changes_nothing(world):
    sim, sink, client, room = world
    before = len(sink.events)
    huge = raw(client, "POST", f"Conferences/{room.sid}/Participants/host.json", Muted="true",
               AnnounceUrl="https://app.example/" + "a" * 1_100_000)  # fmt: skip
    assert huge.status_code == 413 and '"code": 21200' in huge.text
    assert "at most 1,000,000 bytes" in huge.text
    assert len(sink.events) == before and not sim.calls["alice"].participant.muted
    fine = raw(client, "POST", f"Conferences/{room.sid}/Participants/host.json", Muted="true")
    assert fine.status_code == 200 and sim.calls["alice"].participant.muted


def test_SPEC10_booleans_are_case_insensitive_and_both_prefixes_answer(world):
    _sim, sink, client, room = world
    account = client.username
    for prefix in ("/2010-04-01", "/api/laml/2010-04-01"):
        uri = f"{client.api.base_url}{prefix}/Accounts/{account}/Conferences/{room.sid}/Participants/host.json"
        assert client.request("POST", uri, data={"Muted": "True"}).status_code == 200
        assert client.request("POST", uri, data={"Muted": "FALSE"}).status_code == 200
    assert [e.event for e in sink.events if e.call == "alice"][-2:] == [
        "participant-mute",
        "participant-unmute",
    ]


# -- the scenario's actions are the same operations ---------------------------------------------
def test_SPEC10_actions_cover_every_update_field_and_participant_create():
    text = (
        SCENARIO
        + """
actions:
  - {at: 20, update: bob, muted: true, hold: true, holdUrl: "https://app.example/hold"}
  - {at: 25, update: bob, hold: false, announceUrl: "https://cdn.example/notice.mp3"}
  - {at: 30, add: Room, to: "+15550001111", label: supervisor, coaching: true, callSidToCoach: alice}
  - {at: 40, redirect: carol, url: "https://app.example/elsewhere"}
  - {at: 45, hangup: bob}
"""
    )
    timeline = conference_sim.run(conference_sim.Scenario.from_yaml(text))
    bob = [(e.t, e.event) for e in timeline.events(call="bob") if e.kind == "conference"]
    assert bob[1:4] == [
        (20, "participant-mute"),
        (20, "participant-hold"),
        (25, "participant-unhold"),
    ]
    joined = timeline.events("participant-join", call="supervisor")[0]
    assert (joined.t, joined.params["Coaching"]) == (33, "true")
    assert timeline.events("call-end", call="carol")[0].t == 41.7


# -- in-process: the app's own twilio Client, unchanged ------------------------------------------
def test_RE1_in_process_an_apps_client_acts_at_the_instant_of_the_webhook_after_its_consequences():
    from flask import Flask, request

    app = Flask("mute-on-join")

    @app.post("/events")
    def events():
        form = request.form
        if (
            form["StatusCallbackEvent"] == "participant-join"
            and form.get("ParticipantLabel") != "host"
        ):
            client = Client(form["AccountSid"], TOKEN)  # built as any app builds it
            room = client.conferences(form["ConferenceSid"])
            muted = room.participants("host").update(muted=True)
            assert muted.muted is True  # the response shows the resource as it will be
        return "", 204

    from conference_sim.rest.client import RUNS

    before = [ref() for ref in RUNS.live]
    timeline = conference_sim.run(conference_sim.Scenario.from_yaml(SCENARIO), app=app)
    at_10 = [(e.event, e.call) for e in timeline if e.t == 10 and e.conference == "Room"]
    # the mute acts at 0:10, once the join's own consequences (the room starts, the beep)
    # are complete: never in the middle of them (RE1)
    assert at_10 == [
        ("participant-join", "bob"),
        ("wait-stop", "alice"),
        ("conference-start", None),
        ("beep", "bob"),
        ("participant-mute", "alice"),
    ]
    # once the run is over it answers nobody's clients: it is no longer live, and this
    # thread is not bound to it
    assert [ref() for ref in RUNS.live if ref() is not None] == [a for a in before if a]
    assert all(
        ref().platform.sim.finished is False  # type: ignore[union-attr]
        for ref in RUNS.threads.get(threading.get_ident(), [])
        if ref() is not None
    )


def test_SPEC10_an_app_whose_operations_set_each_other_off_is_stopped_with_a_warning():
    """Mute on unmute, unmute on mute: each operation's event calls the app, which makes the
    next one at the same instant. It ends with one action-failed, not a stack overflow."""
    from flask import Flask, request

    app = Flask("ping-pong")

    @app.post("/events")
    def events():
        form = request.form
        event = form["StatusCallbackEvent"]
        if form.get("ParticipantLabel") == "host" and event != "participant-leave":
            client = Client(form["AccountSid"], TOKEN)
            participant = client.conferences(form["ConferenceSid"]).participants("host")
            participant.update(muted=event != "participant-mute")
        return "", 204

    timeline = conference_sim.run(conference_sim.Scenario.from_yaml(SCENARIO), app=app)
    assert not timeline.events("callback-failed")
    (failed,) = timeline.events("action-failed")
    assert "more than 20 operations on CA" in failed.params["reason"]  # on host, by CallSid
    toggles = timeline.events("participant-mute") + timeline.events("participant-unmute")
    assert len(toggles) == 20 and {e.t for e in toggles} == {0.0}


@pytest.mark.parametrize("loop", ["redirect on join", "announce on announcement-end"])
def test_SPEC10_an_app_that_sets_off_its_own_callback_at_one_instant_is_stopped(loop):
    """Calls update Url on every join (the call rejoins at once), or a new empty announcement on
    every announcement-end: both spun for ever at one instant (found hangs). The 21st operation
    on the same resource is dropped with action-failed, and the run goes on."""
    from flask import Flask, request

    app = Flask("looper")

    @app.post("/voice")
    def voice():
        return (
            "<Response><Dial><Conference statusCallback='https://app.example/events' "
            "statusCallbackEvent='join announcement'>R</Conference></Dial></Response>"
        )

    @app.post("/empty")
    def empty():
        return "<Response/>"

    @app.post("/events")
    def events():
        form, client = request.form, Client(request.form["AccountSid"], TOKEN)
        event = form["StatusCallbackEvent"]
        if loop == "redirect on join" and event == "participant-join":
            client.calls(form["CallSid"]).update(url="https://app.example/voice")
        if loop != "redirect on join" and event in ("participant-join", "announcement-end"):
            client.conferences(form["ConferenceSid"]).update(
                announce_url="https://app.example/empty"
            )
        return "", 204

    text = "dialect: twilio\ncalls:\n  - {name: a, url: https://app.example/voice, hangup: 10}\n"
    timeline = conference_sim.run(conference_sim.Scenario.from_yaml(text), app=app)
    (failed,) = timeline.events("action-failed")
    assert (failed.t, failed.params["action"]) == (
        0,
        "redirect" if loop == "redirect on join" else "announce",
    )
    assert "more than 20 operations" in failed.params["reason"]
    assert timeline.events("call-end", call="a")[0].t == 10  # the call goes on to its hang-up


@pytest.mark.parametrize("operation", ["kick", "hang up", "redirect"])
def test_RE1_an_app_may_remove_a_participant_from_inside_its_own_join_callback(operation):
    """The join is emitted by the joiner's own call: acting on that call at that instant must
    not break its story (a simpy process cannot interrupt itself). The operation acts once the
    join's consequences (the room starts, the enter beep) are complete."""
    from flask import Flask, request

    app = Flask("bouncer")

    @app.post("/events")
    def events():
        form = request.form
        if (
            form["StatusCallbackEvent"] == "participant-join"
            and form.get("ParticipantLabel") != "host"
        ):
            client = Client(form["AccountSid"], TOKEN)
            if operation == "kick":
                client.conferences(form["ConferenceSid"]).participants(form["CallSid"]).delete()
            elif operation == "hang up":
                client.calls(form["CallSid"]).update(status="completed")
            else:
                client.calls(form["CallSid"]).update(
                    twiml="<Response><Say>Not today</Say></Response>"
                )
        return "", 204

    timeline = conference_sim.run(conference_sim.Scenario.from_yaml(SCENARIO), app=app)
    bob = [(e.t, e.event) for e in timeline.events(call="bob")]
    assert bob[1:4] == [(10, "participant-join"), (10, "beep"), (10, "participant-leave")]
    assert (
        bob[-1][1] == "call-end"
        and bob[-1][0] == {"kick": 10, "hang up": 10, "redirect": 11}[operation]
    )


# -- nothing the API is sent can crash it -------------------------------------------------------
PARAM_NAMES = ["Muted", "Hold", "HoldUrl", "HoldMethod", "AnnounceUrl", "AnnounceMethod", "WaitUrl",
               "WaitMethod", "BeepOnExit", "EndConferenceOnExit", "Coaching", "CallSidToCoach",
               "Status", "From", "To", "Label", "Beep", "Timeout", "StatusCallbackEvent", "Url",
               "Method", "Twiml", "StartConferenceOnEnter", "ConferenceRecord", "Region"]  # fmt: skip


def test_SPEC10_garbage_parameters_get_the_platforms_errors_never_a_crash():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from werkzeug.test import Client as WsgiClient

    from conference_sim.rest.platform import platform_for
    from conference_sim.rest.wsgi import RestApi

    sink = conference_sim.CaptureSink()
    sim = conference_sim.Simulation(conference_sim.Scenario.from_yaml(SCENARIO), sinks=[sink])
    sim.advance(30_000)
    account = sim.directory.account_sid("default")
    room = next(iter(sim.directory.conferences.values()))
    call = sim.calls["alice"].sid
    base = f"/2010-04-01/Accounts/{account}"
    paths = [f"{base}/Conferences/{room.sid}.json", f"{base}/Conferences/{room.sid}/Participants.json",
             f"{base}/Conferences/{room.sid}/Participants/{call}.json", f"{base}/Calls/{call}.json",
             f"{base}/Conferences.json", f"{base}/Conferences/nope/Participants/x.json"]  # fmt: skip
    client = WsgiClient(RestApi(platform_for(sim)))
    values = st.one_of(st.text(max_size=12), st.sampled_from(["true", "False", "maybe", "", "-1",
                       "https://app.example/x", "9" * 40, "\x00", "completed", call]))  # fmt: skip

    @settings(max_examples=300, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(st.sampled_from(paths), st.sampled_from(["GET", "POST", "DELETE", "PUT"]),
           st.dictionaries(st.sampled_from(PARAM_NAMES), values, max_size=4))  # fmt: skip
    def probe(path, method, data):
        response = client.open(path, method=method, data=data, auth=(account, TOKEN))
        assert response.status_code in (200, 201, 204, 400, 404, 405), response.get_data(
            as_text=True
        )
        if response.status_code >= 400:
            body = response.get_json()
            assert set(body) == {"code", "message", "more_info", "status"}

    probe()
    sim.run()  # and the simulation goes on to its end
    assert sink.events[-1].event in ("call-end", "clock-stopped", "conference-end", "dial-end")


def test_SPEC10_a_form_key_never_retargets_an_operation():
    # issue 27: Update=, Add=, Account= in a form once re-targeted the operation
    import conference_sim as cs
    from conference_sim.rest.client import HttpClient

    sim = cs.Simulation(cs.Scenario.from_yaml(SCENARIO), sinks=[sink := cs.CaptureSink()])
    sim.advance(20_000)
    account = sim.directory.account_sid("default")
    client = Client(account, TOKEN, http_client=HttpClient(sim))
    room = client.conferences.list(friendly_name="Room")[0]
    bob, alice = sim.calls["bob"].sid, sim.calls["alice"].sid
    url = (
        f"https://api.twilio.com/2010-04-01/Accounts/{account}/Conferences/{room.sid}/Participants"
    )
    answer = client.request("POST", f"{url}/{bob}.json", data={"Muted": "true", "Update": alice},
                            auth=(account, TOKEN))  # fmt: skip
    assert answer.status_code == 200
    sim.advance(21_000)
    muted = [e.call for e in sink.events if e.event == "participant-mute"]
    assert muted == ["bob"]  # not alice
    answer = client.request("POST", f"{url}.json", auth=(account, TOKEN),
                            data={"From": "+15550000001", "To": "+15550001111", "Add": "Lobby",
                                  "Account": "other"})  # fmt: skip
    assert answer.status_code == 201
    assert json.loads(answer.text)["conference_sid"] == room.sid


def test_SPEC11_P1_a_parameter_an_operation_does_not_know_is_ignored_everywhere(world):
    # the platform ignores form parameters it does not know; so does every operation here
    _sim, _sink, client, room = world
    host = client.conferences(room.sid).participants.list()[0].call_sid
    answers = [
        raw(client, "POST", f"Conferences/{room.sid}/Participants/{host}.json",
            Muted="true", NotAParameter="1"),
        raw(client, "POST", f"Conferences/{room.sid}.json", NotAParameter="1"),
        raw(client, "POST", f"Conferences/{room.sid}/Participants.json",
            To="+15550002222", From="+15550001111", NotAParameter="1"),
        raw(client, "POST", "Calls.json", To="client:x", From="+15550001111",
            Url="https://app.example/x", NotAParameter="1"),
    ]  # fmt: skip
    assert [a.status_code for a in answers] == [200, 200, 201, 201]
    assert json.loads(answers[0].text)["muted"] is True  # the known ones still act
