"""A support desk on SignalWire/Twilio, as its developers would write it (Flask + the twilio
SDK's VoiceResponse). conference-sim drives it in tests: see ../support-desk.yaml and
tests/test_support_desk_app.py.

* A customer calls: a greeting, then the "support" room, waiting with music until an agent comes.
* An agent calls (from a number in AGENTS): the room starts; when the agent leaves (hangs up,
  or presses * to step out) the room ends.
* The agent's Dial action reads the time spent with the customer; the customer hears goodbye.
* Through the REST API (the twilio Client, unchanged): the customer is muted while waiting
  and unmuted when the room starts; a supervisor is dialled in as a coach of the agent; the
  customer is held while the supervisor is in the room, and unheld when the supervisor leaves.
* Every webhook is checked with the platform's signature; statusCallbacks are kept in EVENTS.
"""

from __future__ import annotations

import os

from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.voice_response import Dial, VoiceResponse

AUTH_TOKEN = os.environ.get("SUPPORT_DESK_AUTH_TOKEN", "c0ffee00c0ffee00c0ffee00c0ffee00")
AGENTS = {"+15550000100"}
SUPERVISOR = "+15550000200"
DESK_NUMBER = "+15559990000"
HOLD_MUSIC = "https://cdn.example/jazz.mp3"
ROOM = "support"

app = Flask(__name__)
validator = RequestValidator(AUTH_TOKEN)
EVENTS: list[dict[str, str]] = []  # the statusCallbacks received, in order


@app.before_request
def check_signature() -> None:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not validator.validate(request.url, request.form.to_dict(), signature):
        abort(403)


def twiml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")


@app.post("/voice")
def voice() -> Response:
    response = VoiceResponse()
    callbacks = {
        "status_callback": "https://app.example/events",
        "status_callback_event": "start end join leave mute hold",
        "participant_label": "agent" if request.form["From"] in AGENTS else "customer",
    }
    if request.form["From"] in AGENTS:
        dial = Dial(action="https://app.example/wrap-up", hangup_on_star=True)
        dial.conference(
            ROOM,
            start_conference_on_enter=True,
            end_conference_on_exit=True,
            beep="onEnter",
            **callbacks,
        )
    else:
        response.say("Thanks for calling support. An agent will be with you shortly.")
        dial = Dial()
        dial.conference(
            ROOM,
            start_conference_on_enter=False,
            beep=False,
            wait_url="https://app.example/hold-music",
            **callbacks,
        )
        response.append(dial)
        response.say("Thank you for calling. Goodbye.")
        return twiml(response)
    response.append(dial)
    return twiml(response)


@app.post("/hold-music")
def hold_music() -> Response:
    response = VoiceResponse()
    response.play(HOLD_MUSIC)
    response.redirect("")  # empty: fetch this document again when the track ends
    return twiml(response)


@app.post("/events")
def events() -> tuple[str, int]:
    event = request.form.to_dict()
    EVENTS.append(event)
    rest = Client(event["AccountSid"], AUTH_TOKEN)  # the platform's REST API
    room = rest.conferences(event["ConferenceSid"])
    kind, label = event["StatusCallbackEvent"], event.get("ParticipantLabel")
    if kind == "participant-join" and label == "customer":
        room.participants("customer").update(muted=True)  # no background noise while waiting
    elif kind == "conference-start":
        room.participants("customer").update(muted=False)
        room.participants.create(  # a supervisor listens in and coaches the agent
            from_=DESK_NUMBER, to=SUPERVISOR, label="supervisor",
            coaching=True, call_sid_to_coach=agent_sid(room),
        )  # fmt: skip
    elif kind == "participant-join" and label == "supervisor":
        room.participants("customer").update(hold=True)  # the briefing is private
    elif kind == "participant-leave" and label == "supervisor":
        room.participants("customer").update(hold=False)
    return "", 204


def agent_sid(room: object) -> str:
    return room.participants("agent").fetch().call_sid  # type: ignore[attr-defined]


@app.post("/wrap-up")
def wrap_up() -> Response:
    response = VoiceResponse()
    seconds = request.form.get("DialCallDuration", "0")
    response.say(f"You spent {seconds} seconds with the customer. Goodbye.")
    response.hangup()
    return twiml(response)
