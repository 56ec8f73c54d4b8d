"""A sealed platform (SPEC 11): with the network closed (DNS refused), every REST call an
in-process app makes is answered by the run, wherever it is made: the handler's thread, a
worker thread, a thread the app starts, FastAPI's BackgroundTasks, the async client, and the
test's own code between ``advance()`` calls (a UI endpoint). A request the run cannot answer
never leaves the process: it fails at once with a clear error and a warning on the timeline."""

from __future__ import annotations

import concurrent.futures
import gc
import threading
import weakref
from typing import Any

import pytest
from fastapi import BackgroundTasks, FastAPI
from fastapi.responses import Response
from flask import Flask
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

import conference_sim
from conference_sim.events import CaptureSink
from conference_sim.runner import Simulation

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "the-apps-own-token"
SCENARIO = {
    "dialect": "twilio",
    "accounts": {"default": {"sid": SID, "auth_token": TOKEN}},
    "calls": [
        {"name": "caller", "url": "https://app.example/voice", "hangup": 60},
        {"name": "other", "at": 5, "conference": "room", "hangup": 60},
    ],
}
JOIN = "<Response><Dial><Conference>room</Conference></Dial></Response>"


def calls_in_room(client: Client) -> int:
    return len(client.calls.list(status="in-progress"))


def test_SPEC11_from_a_worker_thread_and_a_thread_the_app_starts(no_network):
    app = Flask("threads")
    got: list[Any] = []

    @app.post("/voice")
    def voice() -> str:
        client = Client(SID, TOKEN)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            got.append(("pool", pool.submit(calls_in_room, client).result(10)))
        started = threading.Thread(target=lambda: got.append(("thread", calls_in_room(client))))
        started.start()
        started.join(10)
        return JOIN

    conference_sim.run(SCENARIO, app=app)
    assert got == [("pool", 1), ("thread", 1)] and no_network == []


def test_SPEC11_from_the_async_client_and_from_background_tasks(no_network):
    api = FastAPI()
    got: list[Any] = []

    def later(sid: str) -> None:  # a sync background task: run in a worker thread
        got.append(("background", Client(SID, TOKEN).calls(sid).fetch().status))

    @api.post("/voice")
    async def voice(background: BackgroundTasks) -> Response:
        client = Client(SID, TOKEN, http_client=AsyncTwilioHttpClient())
        listed = await client.calls.list_async()
        got.append(("async", len(listed)))
        background.add_task(later, listed[0].sid)
        return Response(JOIN, media_type="text/xml")

    conference_sim.run(SCENARIO, app=api)
    assert got == [("async", 1), ("background", "in-progress")] and no_network == []


def test_SPEC11_from_a_ui_endpoint_the_test_calls_between_advances(no_network):
    app = Flask("ui")

    @app.post("/voice")
    def voice() -> str:
        return JOIN

    @app.post("/ui/mute-all")
    def mute_all() -> str:  # an operator's button: no webhook in flight
        client = Client(SID, TOKEN)
        room = client.conferences.list(friendly_name="room", status="in-progress")[0]
        for participant in room.participants.list():
            participant.update(muted=True)
        return "ok"

    sink = CaptureSink()
    sim = Simulation(conference_sim.Scenario.from_dict(SCENARIO), app=app, sinks=[sink])
    sim.advance(10_000)
    assert app.test_client().post("/ui/mute-all").status_code == 200
    sim.run()
    muted = [(e.t_ms, e.call) for e in sink.events if e.event == "participant-mute"]
    assert muted == [(10_000, "caller"), (10_000, "other")] and no_network == []


def test_SPEC11_a_simulation_nobody_closed_is_not_kept_and_the_next_one_answers(no_network):
    """A test that drops a Simulation without close(): it goes with the garbage (the REST
    binding does not keep it alive), and the next run made in the thread answers the app."""
    app = Flask("dropped")

    @app.post("/voice")
    def voice() -> str:
        return JOIN

    @app.get("/ui/count")
    def count() -> str:
        return str(calls_in_room(Client(SID, TOKEN)))

    scenario = conference_sim.Scenario.from_dict(SCENARIO)
    first = Simulation(scenario, app=app)
    first.advance(10_000)  # both calls in the room
    assert app.test_client().get("/ui/count").text == "2"
    gone = weakref.ref(first)
    del first
    gc.collect()
    assert gone() is None
    second = Simulation(scenario, app=app)
    second.advance(2_000)  # only the caller so far
    assert app.test_client().get("/ui/count").text == "1"
    second.close()
    assert no_network == []


def test_SPEC11_NS1_what_the_run_cannot_answer_is_a_501_and_a_warning_never_a_request(no_network):
    app = Flask("messages")
    got: list[Any] = []

    @app.post("/voice")
    def voice() -> str:
        client = Client(SID, TOKEN)
        try:
            client.messages.create(to="+15550001111", from_="+15550002222", body="hi")
        except TwilioRestException as err:
            got.append((err.status, err.code, err.msg))
        with pytest.raises(TwilioRestException) as wrong_sid:
            client.calls("CA" + "0" * 32).fetch()
        got.append(wrong_sid.value.code)  # a wrong SID stays 20404, told apart
        response = client.request("GET", "https://api.example.org/v1/anything")
        got.append(response.status_code)
        return JOIN

    timeline = conference_sim.run(SCENARIO, app=app)
    status, code, message = got[0]
    assert (status, code) == (501, None) and "does not simulate POST" in message
    assert "Messages.json" in message and got[1] == 20404 and got[-1] == 502
    warned = [e.event for e in timeline.events(kind="warning")]
    assert warned.count("rest-not-simulated") == 1 and "rest-refused" in warned
    assert no_network == []
