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
