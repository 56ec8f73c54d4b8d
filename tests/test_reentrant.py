"""Issue 28, rule RE1: an operation an app makes while the platform delivers a request is
queued and applied at that instant once the consequences of what is under way are complete,
never inside them.

The exhaustive matrix: every way a room ends × every callback the app may act in × every REST
operation it may make there, in both dialects. Each run must finish (no internal error), hold
every invariant of ``conference_sim.check.invariants``, end each conference once and emit
nothing for a conference after its end.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from flask import Flask
from flask import request as flask_request
from twilio.rest import Client

import conference_sim
from conference_sim.check import invariants

TOKEN = "c0ffee00c0ffee00c0ffee00c0ffee00"
BASE = "https://app.example"

ENDINGS = {  # how the room ends: the calls' and actions' part of the scenario
    "last-hangs-up": {"a": {"hangup": 40}, "b": {"hangup": 50}, "c": {"hangup": 60}},
    "moderator-hangs-up": {"a": {"hangup": 40, "moderator": True}, "b": {}, "c": {}},
    "moderator-kicked": {"a": {"moderator": True}, "b": {}, "c": {}, "kick": "a"},
    "last-kicked": {"a": {"hangup": 40}, "b": {"hangup": 45}, "c": {}, "kick": "c"},
    "ended-via-api": {"a": {}, "b": {}, "c": {}, "end": True},
    "time-limit": {"a": {"limit": 50}, "b": {"limit": 55}, "c": {"limit": 60}},
}
CALLBACKS = [
    "participant-join",
    "participant-leave",
    "conference-start",
    "conference-end",
    "participant-mute",
    "participant-hold",
    "participant-speech-start",
    "participant-speech-stop",
    "action",  # the Dial action's request (a document)
    "recording",  # a recordingStatusCallback
    "wait",  # a waitUrl document request
]
OPERATIONS = [
    "hangup-this",
    "hangup-other",
    "redirect-this",
    "kick-this",
    "kick-other",
    "mute-this",
    "hold-this",
    "update-moderator",
    "end-room",
    "announce",
    "add-participant",
    "fetch",
]


def app_for(operation: str, callback: str) -> Flask:
    """An app as users write it: its webhook handler calls the API with the official client
    when the chosen callback arrives, once per call and event."""
    app = Flask("reentrant")
    done: set[tuple[str, str]] = set()

    def act(form: dict[str, str], event: str) -> None:
        call_sid, room_sid = form.get("CallSid", ""), form.get("ConferenceSid", "")
        key = (event, call_sid)
        if key in done or event != callback:
            return
        done.add(key)
        client = Client(form["AccountSid"], TOKEN)
        rooms = client.conferences.list(status="in-progress") + client.conferences.list(
            status="init"
        )
        room_sid = room_sid or (rooms[0].sid if rooms else "")
        others = [
            p.call_sid
            for p in (client.conferences(room_sid).participants.list() if room_sid else [])
            if p.call_sid != call_sid
        ]
        try:
            match operation:
                case "hangup-this" if call_sid:
                    client.calls(call_sid).update(status="completed")
                case "hangup-other" if others:
                    client.calls(others[0]).update(status="completed")
                case "redirect-this" if call_sid:
                    client.calls(call_sid).update(twiml="<Response><Say>moved</Say></Response>")
                case "kick-this" if call_sid and room_sid:
                    client.conferences(room_sid).participants(call_sid).delete()
                case "kick-other" if others:
                    client.conferences(room_sid).participants(others[0]).delete()
                case "mute-this" if call_sid and room_sid:
                    client.conferences(room_sid).participants(call_sid).update(muted=True)
                case "hold-this" if call_sid and room_sid:
                    client.conferences(room_sid).participants(call_sid).update(hold=True)
                case "update-moderator" if call_sid and room_sid:
                    client.conferences(room_sid).participants(call_sid).update(
                        end_conference_on_exit=True
                    )
                case "end-room" if room_sid:
                    client.conferences(room_sid).update(status="completed")
                case "announce" if room_sid:
                    client.conferences(room_sid).update(announce_url=f"{BASE}/announce")
                case "add-participant" if room_sid:
                    client.conferences(room_sid).participants.create(
                        from_="+15550000009", to="+15550001111", label="added"
                    )
                case "fetch" if room_sid:
                    client.conferences(room_sid).fetch()
                    if call_sid:
                        client.calls(call_sid).fetch()
        except Exception as err:  # the platform's error answers are the app's to handle
            if type(err).__name__ != "TwilioRestException":
                raise

    @app.post("/voice")
    def voice() -> Any:
        moderator = flask_request.form.get("From") == "+15550000001" and flask_request.args.get(
            "moderator"
        )
        limit = flask_request.args.get("limit")
        dial = f'<Dial action="{BASE}/after"' + (f' timeLimit="{limit}"' if limit else "") + ">"
        return (
            "<Response>" + dial + '<Conference statusCallback="https://app.example/events" '
            'statusCallbackEvent="start end join leave mute hold speaker" '
            'record="record-from-start" recordingStatusCallback="https://app.example/rec" '
            'recordingStatusCallbackEvent="in-progress completed" '
            f'waitUrl="{BASE}/wait" '
            f'endConferenceOnExit="{"true" if moderator else "false"}">room</Conference>'
            "</Dial></Response>"
        )

    @app.post("/events")
    def events() -> Any:
        act(flask_request.form.to_dict(), flask_request.form["StatusCallbackEvent"])
        return "", 204

    @app.post("/rec")
    def rec() -> Any:
        act(flask_request.form.to_dict(), "recording")
        return "", 204

    @app.post("/after")
    def after() -> Any:
        act(flask_request.form.to_dict(), "action")
        return "<Response><Say>bye</Say></Response>"

    @app.post("/wait")
    def wait() -> Any:
        act(flask_request.form.to_dict(), "wait")
        return "<Response><Pause length='3'/></Response>"

    @app.post("/announce")
    def announce() -> Any:
        return "<Response><Say>hello</Say></Response>"

    return app


def scenario(ending: str, dialect: str) -> dict[str, Any]:
    shape = ENDINGS[ending]
    calls = []
    for i, name in enumerate("abc"):
        spec = shape[name]
        query = []
        if spec.get("moderator"):
            query.append("moderator=1")
        if spec.get("limit"):
            query.append(f"limit={spec['limit']}")
        url = f"{BASE}/voice" + ("?" + "&".join(query) if query else "")
        call: dict[str, Any] = {
            "name": name,
            "at": i * 5,
            "from": f"+1555000000{i + 1}",
            "url": url,
            "speech": [[20 + i, 25 + i]],
        }
        if "hangup" in spec:
            call["hangup"] = spec["hangup"]
        calls.append(call)
    actions: list[dict[str, Any]] = [{"at": 30, "mute": "b"}, {"at": 31, "hold": "c"}]
    if "kick" in shape:
        actions.append({"at": 40, "kick": shape["kick"]})
    if shape.get("end"):
        actions.append({"at": 40, "end": "room"})
    return {
        "dialect": dialect,
        "until": "3m",
        "calls": calls,
        "actions": actions,
        "callees": {"+15550001111": {"answer": "2s", "hangup": "20s"}},
    }


def problems(events: list[Any], scenario: Any = None) -> list[str]:
    out = [str(v) for v in invariants.check(events, scenario)]
    ends: dict[str, float] = {}
    for e in events:
        sid = e.params.get("ConferenceSid") if e.kind == "conference" else None
        if sid is None:
            continue
        if e.event == "conference-end":
            if sid in ends:
                out.append(f"conference {sid} ended twice")
            ends[sid] = e.t
        elif sid in ends:
            out.append(f"{e.event} for conference {sid} after its end")
    return out


MATRIX = list(itertools.product(ENDINGS, CALLBACKS, OPERATIONS, ["signalwire", "twilio"]))


@pytest.mark.parametrize(
    "ending, callback, operation, dialect", MATRIX, ids=["-".join(m) for m in MATRIX]
)
def test_RE1_every_room_ending_callback_and_operation_holds_the_invariants(
    ending, callback, operation, dialect
):
    timeline = conference_sim.run(scenario(ending, dialect), app=app_for(operation, callback))
    events = list(timeline.events())
    assert problems(events, timeline.scenario) == []
    assert not [e for e in events if e.event == "request-failed"], [
        e.params for e in events if e.event == "request-failed"
    ]


# -- the findings, one by one --------------------------------------------------------------------
ROOM = """
dialect: {dialect}
app: ""
calls:
  - {{name: a, url: "https://app.example/voice", hangup: 60}}
  - {{name: b, at: 5, url: "https://app.example/voice", hangup: 90}}
  - {{name: c, at: 6, url: "https://app.example/voice", hangup: 100}}
callees:
  "+15550001111": {{answer: 2s, hangup: 10s}}
  "+15550002222": busy
"""


def room_app(on_event):
    """An app whose rooms call back on every event; ``on_event(client, form)`` acts."""
    app = Flask("findings")

    @app.post("/voice")
    def voice() -> Any:
        return (
            '<Response><Dial><Conference statusCallback="https://app.example/events" '
            'statusCallbackEvent="start end join leave">room</Conference></Dial></Response>'
        )

    @app.post("/events")
    def events() -> Any:
        on_event(Client(flask_request.form["AccountSid"], TOKEN), flask_request.form.to_dict())
        return "", 204

    return app


def run_room(on_event, dialect="twilio"):
    data = __import__("yaml").safe_load(ROOM.format(dialect=dialect))
    del data["app"]
    return conference_sim.run(data, app=room_app(on_event))


@pytest.mark.parametrize("dialect", ["signalwire", "twilio"])
def test_RE1_on_leave_hanging_up_the_leavers_call_is_the_platforms_21220_not_a_crash(dialect):
    # the most ordinary clean-up once crashed a plain 3-person room (KeyError in detach)
    answers = []

    def on_event(client, form):
        if form["StatusCallbackEvent"] == "participant-leave":
            try:
                client.calls(form["CallSid"]).update(status="completed")
                answers.append("ok")
            except Exception as err:
                answers.append(getattr(err, "code", err))

    timeline = run_room(on_event, dialect)
    events = list(timeline.events())
    assert problems(events, timeline.scenario) == []
    # the leaver hung up (its call is ending): the platform's "invalid call state"; the others
    # were taken out by the room's end and their calls go on, so hanging them up is done
    assert answers[0] == 21220
    assert not [e for e in events if e.event == "action-failed"]


def test_RE1_two_creates_with_one_label_in_one_webhook_get_two_calls():
    made = []

    def on_event(client, form):
        if form["StatusCallbackEvent"] == "conference-start":
            for _ in range(2):
                p = client.conferences(form["ConferenceSid"]).participants.create(
                    from_="+15550000009", to="+15550001111", label="guest"
                )
                made.append(p.call_sid)

    timeline = run_room(on_event)
    assert len(set(made)) == 2  # they once shared one CallSid
    assert [e.call for e in timeline.events("participant-join")][-1] == "guest"
    refused = timeline.events("join-refused")  # the second is the room's own L1 refusal
    assert [e.params["ErrorCode"] for e in refused] == ["16025"]
    assert refused[0].params["CallSid"] == made[1]


@pytest.mark.parametrize("callee", ["+15550001111", "+15550002222"])
@pytest.mark.parametrize("named_by", ["FriendlyName", "ConferenceSid"])
def test_RE1_a_create_in_the_conference_end_webhook_tells_nothing_of_the_ended_room(
    callee, named_by
):
    answers = []

    def on_event(client, form):
        if form["StatusCallbackEvent"] == "conference-end" and not answers:
            try:
                client.conferences(form[named_by]).participants.create(
                    from_="+15550000009", to=callee
                )
                answers.append("created")
            except Exception as err:
                answers.append(err.code)

    timeline = run_room(on_event)
    assert problems(list(timeline.events()), timeline.scenario) == []
    # by its name a new instance is made when the callee answers; the ended one takes nobody
    assert answers == (["created"] if named_by == "FriendlyName" else [16022])


def test_RE1_ending_a_completed_conference_by_sid_is_16022_and_leaves_the_live_one_alone():
    ended, answers = [], []

    def on_event(client, form):
        if form["StatusCallbackEvent"] == "conference-end":
            ended.append(form["ConferenceSid"])
        if form["StatusCallbackEvent"] == "participant-join" and ended:
            try:  # the first instance is over; a second one of the same name is live
                client.conferences(ended[0]).update(status="completed")
            except Exception as err:
                answers.append(err.code)

    data = {
        "dialect": "twilio",
        "calls": [
            {"name": "a", "url": "https://app.example/voice", "hangup": 10},
            {"name": "b", "at": 20, "url": "https://app.example/voice", "hangup": 60},
            {"name": "c", "at": 25, "url": "https://app.example/voice", "hangup": 60},
        ],
    }
    timeline = conference_sim.run(data, app=room_app(on_event))
    assert answers and set(answers) == {16022}
    second = [e for e in timeline.events("conference-end") if e.params["ConferenceSid"] != ended[0]]
    assert (
        second[0].t == 60 and second[0].params["ReasonConferenceEnded"] == "last-participant-left"
    )


def test_RE1_a_call_fetched_twice_keeps_its_times_and_a_create_after_the_run_is_refused():
    from twilio.base.exceptions import TwilioRestException

    from conference_sim.rest.client import HttpClient

    sim = conference_sim.Simulation(
        conference_sim.Scenario.from_dict(
            {
                "calls": [
                    {"name": "a", "conference": "R", "hangup": 30},
                    {"name": "b", "at": 5, "conference": "R"},
                ]
            }
        )
    )
    sim.advance(10_000)
    account = sim.directory.account_sid("default")
    client = Client(account, TOKEN, http_client=HttpClient(sim))
    first = client.calls(sim.calls["a"].sid).fetch()
    sim.advance(20_000)
    again = client.calls(sim.calls["a"].sid).fetch()
    assert (first.date_created, first.date_updated) == (again.date_created, again.date_updated)
    assert first.start_time == again.start_time and again.end_time is None
    sim.advance(40_000)
    ended = client.calls(sim.calls["a"].sid).fetch()
    assert ended.status == "completed" and ended.duration == "30" and ended.end_time is not None
    with pytest.raises(TwilioRestException) as refused:
        client.calls(sim.calls["a"].sid).update(status="completed")
    assert refused.value.code == 21220  # an ended call: the platform's invalid call state
    sim.run()
    room = client.conferences.list()[0]
    with pytest.raises(TwilioRestException) as after:
        client.conferences(room.sid).participants.create(from_="+15550000001", to="+15550001111")
    assert after.value.status == 400 and "run has ended" in after.value.msg
