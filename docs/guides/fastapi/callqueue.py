"""A call queue in FastAPI, as the FastAPI and twilio tutorials write it: async routes with
twilio's async client, a sync route (FastAPI runs it in a worker thread) with the sync client,
and a BackgroundTasks job. Every webhook's signature is checked.

* A caller is put in a conference that waits for an operator.
* On the caller's join (async route), the app dials the operator with the async client.
* When the operator joins (sync route), the app lists the waiting room, and a background task
  fetches it.

conference-sim drives it in-process: ``conference-sim check callqueue.yaml`` (its ``app:`` is
``callqueue:api``).
"""

from __future__ import annotations

import os

from fastapi import BackgroundTasks, FastAPI, HTTPException, Request
from fastapi.responses import Response
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.voice_response import Dial, VoiceResponse

ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdef")
API_KEY = os.environ.get("TWILIO_API_KEY", "SK0123456789abcdef0123456789abcdef")
API_SECRET = os.environ.get("TWILIO_API_SECRET", "fastapi-guide-secret")
AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "fastapi-guide-token")
validator = RequestValidator(AUTH_TOKEN)
api = FastAPI()
seen: list[str] = []  # what the app did, for its tests


async def form_of(request: Request) -> dict[str, str]:
    form = {k: str(v) for k, v in (await request.form()).items()}
    signature = request.headers.get("X-Twilio-Signature", "")
    if not validator.validate(str(request.url), form, signature):
        raise HTTPException(403, "bad signature")
    return form


def xml(response: VoiceResponse) -> Response:
    return Response(str(response), media_type="text/xml")


@api.post("/voice")
async def voice(request: Request) -> Response:
    await form_of(request)
    dial = Dial()
    dial.conference(
        "queue",
        start_conference_on_enter=False,
        status_callback=str(request.url_for("events")),
        status_callback_event="join",
    )
    return xml(VoiceResponse().append(dial))


@api.post("/events")
async def events(request: Request) -> Response:
    form = await form_of(request)
    if form.get("StatusCallbackEvent") == "participant-join" and "dialled" not in seen:
        seen.append("dialled")
        async with AsyncTwilioHttpClient() as http:
            client = Client(API_KEY, API_SECRET, ACCOUNT_SID, http_client=http)
            call = await client.calls.create_async(
                to="client:operator", from_="+15559990000", url=str(request.url_for("operator"))
            )
        seen.append(f"created {call.status}")
    return Response(status_code=204)


def note_operator(conference_sid: str) -> None:  # a background task, in a worker thread
    client = Client(ACCOUNT_SID, AUTH_TOKEN)
    seen.append(f"room is {client.conferences(conference_sid).fetch().status}")


@api.post("/operator", name="operator")
def operator(request: Request, background: BackgroundTasks) -> Response:  # sync: a worker
    dial = Dial()
    dial.conference("queue", start_conference_on_enter=True, end_conference_on_exit=True)
    client = Client(ACCOUNT_SID, AUTH_TOKEN)
    waiting = client.conferences.list(friendly_name="queue", status="init")
    seen.append(f"{len(waiting)} room waiting")
    if waiting:
        background.add_task(note_operator, waiting[0].sid)
    return xml(VoiceResponse().append(dial))
