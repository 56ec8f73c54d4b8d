"""A warm transfer, written as tutorial authors write it (Flask, the twilio SDK, ``url_for``).

conference-sim drives it in tests: see ../warm-transfer.yaml and ../warm-transfer-busy.yaml.

* A customer calls: the app puts them in a conference named after their CallSid, waiting with
  music (relative ``url_for`` URLs in the TwiML), and dials the first agent, ``client:agent1``,
  with ``calls.create``; the agent's call asks ``/agent`` for its TwiML and joins the room,
  which starts it.
* When the first agent is in the room, the app dials a second agent, ``client:agent2``, into
  the same room (the warm transfer: the first agent introduces the customer).
* When the second agent has joined, the first agent may leave: the customer stays with the
  second. The customer leaving ends the room (``endConferenceOnExit``).
* If the second agent does not answer (busy, no answer), the first agent stays with the
  customer: the app hears of it from the call's status callback.
* Every webhook is checked with the platform's signature.
"""

from __future__ import annotations

import os

from flask import Flask, Response, abort, request, url_for
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.voice_response import Dial, VoiceResponse

AUTH_TOKEN = os.environ.get("WARM_TRANSFER_AUTH_TOKEN", "c0ffee00c0ffee00c0ffee00c0ffee00")
DESK = "+15559990000"

app = Flask(__name__)
validator = RequestValidator(AUTH_TOKEN)
ROOMS: dict[str, dict[str, str]] = {}  # room name -> what the app knows of it
LOG: list[tuple[str, str]] = []  # (event, detail) as the app saw them


@app.before_request
def check_signature() -> None:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not validator.validate(request.url, request.form.to_dict(), signature):
        abort(403)


def twiml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")


def client() -> Client:
    return Client(request.form["AccountSid"], AUTH_TOKEN)


def dial_agent(room: str, agent: str) -> str:
    call = client().calls.create(
        to=f"client:{agent}",
        from_=DESK,
        url=url_for("agent", room=room, agent=agent, _external=True),
        status_callback=url_for("agent_status", room=room, agent=agent, _external=True),
        status_callback_event=["ringing", "answered", "completed"],
    )
    return call.sid


@app.post("/voice")
def voice() -> Response:
    room = request.form["CallSid"]
    ROOMS[room] = {"customer": request.form["CallSid"]}
    response = VoiceResponse()
    response.say("Thanks for calling. Connecting you to an agent.")
    dial = Dial(action=url_for("customer_done"))
    dial.conference(
        room,
        start_conference_on_enter=False,
        end_conference_on_exit=True,
        wait_url=url_for("hold_music"),
        status_callback=url_for("conference_events"),
        status_callback_event="start end join leave",
        participant_label="customer",
    )
    response.append(dial)
    ROOMS[room]["agent1"] = dial_agent(room, "agent1")
    return twiml(response)


@app.post("/hold-music")
def hold_music() -> Response:
    response = VoiceResponse()
    response.play("https://cdn.example/hold.mp3")
    response.redirect(url_for("hold_music"))
    return twiml(response)


@app.post("/agent")
def agent() -> Response:
    room, agent = request.args["room"], request.args["agent"]
    response = VoiceResponse()
    dial = Dial()
    dial.conference(room, start_conference_on_enter=True, end_conference_on_exit=False,
                    participant_label=agent, beep="onEnter")  # fmt: skip
    response.append(dial)
    return twiml(response)


@app.post("/conference-events")
def conference_events() -> Response:
    form = request.form
    event, label = form["StatusCallbackEvent"], form.get("ParticipantLabel", "")
    LOG.append((event, label))
    room = form["FriendlyName"]
    if event == "participant-join" and label == "agent1" and room in ROOMS:
        ROOMS[room]["agent2"] = dial_agent(room, "agent2")  # the warm transfer begins
    return Response(status=204)


@app.post("/agent-status")
def agent_status() -> Response:
    LOG.append((f"{request.args['agent']}:{request.form['CallStatus']}", request.args["room"]))
    return Response(status=204)


@app.post("/customer-done")
def customer_done() -> Response:
    return twiml(VoiceResponse())
