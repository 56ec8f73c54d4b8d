from flask import Flask, request, url_for
from twilio.twiml.voice_response import Dial, VoiceResponse

app = Flask(__name__)
joined = []


@app.post("/voice")
def voice():
    response = VoiceResponse()
    dial = Dial()
    dial.conference(
        "standup",
        start_conference_on_enter=request.form["From"] == "+15550000002",
        status_callback=url_for("events", _external=True),
        status_callback_event="join leave",
    )
    response.append(dial)
    return str(response), {"Content-Type": "text/xml"}


@app.post("/events")
def events():
    joined.append((request.form["StatusCallbackEvent"], request.form["CallSid"]))
    return "", 204
