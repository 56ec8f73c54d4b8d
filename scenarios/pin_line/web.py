"""A PIN-protected conference line with a moderator menu, as tutorial authors write it (Flask,
the twilio SDK, relative ``url_for`` action URLs).

conference-sim drives it in tests: see ../pin-line*.yaml.

* A caller is asked for the 4-digit PIN (``<Gather numDigits=4>``); with no input it is asked
  again, twice at most, then offered voicemail (``<Record>``), which the app keeps.
* A wrong PIN is told so and asked again; the right one leads to the menu: 1 to listen
  (muted), 2 to speak, 9 for the moderator, who starts the room and ends it on leaving.
* Every webhook is checked with the platform's signature.
"""

from __future__ import annotations

import os

from flask import Flask, Response, abort, request, url_for
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

AUTH_TOKEN = os.environ.get("PIN_LINE_AUTH_TOKEN", "c0ffee00c0ffee00c0ffee00c0ffee00")
PIN = "1234"
ROOM = "board"

app = Flask(__name__)
validator = RequestValidator(AUTH_TOKEN)


@app.before_request
def check_signature() -> None:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not validator.validate(request.url, request.form.to_dict(), signature):
        abort(403)


def twiml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")


@app.post("/voice")
def voice() -> Response:
    tries = int(request.args.get("tries", "0"))
    response = VoiceResponse()
    if tries >= 2:
        response.say("We did not get your PIN. Leave a message after the tone.")
        response.record(max_length=60, action=url_for("voicemail"),
                        recording_status_callback=url_for("recording_done"))  # fmt: skip
        return twiml(response)
    gather = Gather(num_digits=4, action=url_for("check_pin"), timeout=5)
    gather.say("Welcome to the board line. Enter your four digit PIN.")
    response.append(gather)
    response.redirect(url_for("voice", tries=tries + 1))  # no input: ask again
    return twiml(response)


@app.post("/check-pin")
def check_pin() -> Response:
    response = VoiceResponse()
    if request.form.get("Digits") != PIN:
        response.say("That PIN is not right.")
        response.redirect(url_for("voice"))
        return twiml(response)
    menu = Gather(num_digits=1, action=url_for("role"), timeout=5)
    menu.say("Press 1 to listen, 2 to speak, or 9 if you chair the meeting.")
    response.append(menu)
    response.redirect(url_for("role"))  # no choice: a speaker
    return twiml(response)


@app.post("/role")
def role() -> Response:
    choice = request.form.get("Digits", "2")
    response = VoiceResponse()
    dial = Dial()
    dial.conference(
        ROOM,
        muted=choice == "1",
        start_conference_on_enter=choice == "9",
        end_conference_on_exit=choice == "9",
        participant_label={"1": "listener", "9": "chair"}.get(choice),
    )
    response.append(dial)
    return twiml(response)


VOICEMAILS: list[dict[str, str]] = []  # what the app heard of each message


@app.post("/voicemail")
def voicemail() -> Response:
    response = VoiceResponse()
    response.say("Thank you. Goodbye.")
    response.hangup()
    return twiml(response)


@app.post("/recording-done")
def recording_done() -> Response:
    VOICEMAILS.append(request.form.to_dict())
    return Response(status=204)
