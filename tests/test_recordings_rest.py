"""The Recordings resources (SPEC 11, research 8): every recording the run makes is one, at the
account, the conference and the call; a conference's can be paused and resumed, a call's
started on a live call, paused and stopped; pauses show on the timeline and in the duration;
the media URL answers audio of the recording's length."""

from __future__ import annotations

import io
import json
import wave
from typing import Any

import httpx
import pytest
from flask import Flask, request
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

import conference_sim

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "recordings-token"
ACCOUNTS = {"default": {"sid": SID, "auth_token": TOKEN}}
RECORDED_ROOM = {
    "record": "record-from-start",
    "trim": "do-not-trim",
    "statusCallback": "https://app.example/events",
    "statusCallbackEvent": "start end",
}


def recording_app(on_start: Any, on_end: Any = None, on_leave: Any = None) -> Flask:
    app = Flask("recordings")
    app.config["seen"] = []

    @app.post("/voice")
    def voice() -> str:
        return "<Response><Dial><Conference>room</Conference></Dial></Response>"

    @app.post("/events")
    def events() -> tuple[str, int]:
        client = Client(request.form["AccountSid"], TOKEN)
        event = request.form["StatusCallbackEvent"]
        work = {"conference-start": on_start, "conference-end": on_end,
                "participant-leave": on_leave}.get(event)  # fmt: skip
        if work is not None:
            app.config["seen"].append(work(client, request.form))
        return "", 204

    return app


def scenario(**extra: Any) -> dict[str, Any]:
    return {
        "dialect": "twilio",
        "accounts": ACCOUNTS,
        "calls": [
            {"name": "host", "conference": "room", "attributes": RECORDED_ROOM, "hangup": 100},
            {"name": "guest", "at": 10, "conference": "room", "hangup": 100},
        ],
        **extra,
    }


def test_SPEC11_a_conference_recording_is_a_resource_at_every_scope():
    def listed(client: Client, form: Any) -> Any:
        room = form["ConferenceSid"]
        (rec,) = client.conferences(room).recordings.list()
        return rec.sid, rec.status, rec.source, rec.duration

    def done(client: Client, form: Any) -> Any:
        room = form["ConferenceSid"]
        rec = client.recordings.list(conference_sid=room)[0]
        return rec.status, rec.duration, rec.conference_sid == room, rec.channels

    app = recording_app(listed, done)
    timeline = conference_sim.run(scenario(), app=app)
    (started, ended) = app.config["seen"]
    sid, status, source, duration = started
    assert (status, source, duration) == ("in-progress", "Conference", None)
    (completed,) = timeline.events("recording-completed")
    assert completed.params["RecordingSid"] == sid
    # at conference-end the recording is still being finished: the event comes after
    assert ended[0] == "in-progress"


def test_SPEC11_pausing_a_conference_recording_shows_on_the_timeline_and_in_its_duration():
    made: dict[str, Any] = {}

    def pause_then_resume(client: Client, form: Any) -> Any:
        room = form["ConferenceSid"]
        rec = (
            client.conferences(room)
            .recordings("Twilio.CURRENT")
            .update(status="paused", pause_behavior="skip")
        )
        made["room"], made["sid"] = room, rec.sid
        return rec.status

    def resume(client: Client, form: Any) -> Any:
        if form["CallSid"] != guest_sid(form):
            return None
        return (
            client.conferences(made["room"])
            .recordings(made["sid"])
            .update(status="in-progress")
            .status
        )

    def guest_sid(form: Any) -> str:
        return made.setdefault("guest", form["CallSid"])

    app = recording_app(pause_then_resume, on_leave=resume)
    recorded = scenario()
    recorded["calls"][1]["hangup"] = 40
    recorded["calls"][0]["attributes"] = {**RECORDED_ROOM, "statusCallbackEvent": "start leave"}
    timeline = conference_sim.run(recorded, app=app)
    assert app.config["seen"][:2] == ["paused", "in-progress"]
    (paused,) = timeline.events("recording-paused")
    assert paused.t == 10 and paused.params["PauseBehavior"] == "skip"
    (resumed,) = timeline.events("recording-resumed")
    assert resumed.t == 40
    (completed,) = timeline.events("recording-completed")
    # recorded from 10 s to 100 s, 30 s of it paused and skipped: 60 s
    assert completed.params["RecordingDuration"] == "60"


def test_SPEC11_a_call_recording_started_by_rest_completes_with_its_call():
    app = Flask("call-recording")

    @app.post("/voice")
    def voice() -> str:
        client = Client(SID, TOKEN)
        rec = client.calls(request.form["CallSid"]).recordings.create(
            recording_status_callback="https://app.example/recorded",
            recording_status_callback_event=["in-progress", "completed"],
            recording_channels="dual",
        )
        app.config["made"] = (rec.sid, rec.status, rec.source, rec.track, rec.channels)
        return "<Response><Dial><Conference>room</Conference></Dial></Response>"

    @app.post("/recorded")
    def recorded() -> tuple[str, int]:
        return "", 204

    calls = [{"name": "caller", "url": "https://app.example/voice", "hangup": 42}]
    timeline = conference_sim.run(
        {"dialect": "twilio", "accounts": ACCOUNTS, "calls": calls}, app=app
    )
    sid, status, source, track, channels = app.config["made"]
    assert (status, source, track, channels) == ("in-progress", "StartCallRecordingAPI", "both", 2)
    started, completed = (
        timeline.events("recording-in-progress")[0],
        timeline.events("recording-completed")[0],
    )
    assert started.params["RecordingSid"] == completed.params["RecordingSid"] == sid
    assert completed.t == 42 and completed.params["RecordingDuration"] == "42"
    assert [r.purpose for r in completed.requests] == ["recordingStatusCallback"]
    names = [e.event for e in timeline.events(call="caller")]
    assert names.index("recording-completed") > names.index("call-end")


def test_SPEC11_recording_errors_are_the_platforms():
    app = Flask("errors")

    @app.post("/voice")
    def voice() -> str:
        client = Client(SID, TOKEN)
        out = []
        for attempt in (
            lambda: client.calls("CA" + "0" * 32).recordings.create(),
            lambda: client.recordings("RE" + "0" * 32).fetch(),
            lambda: (
                client.calls(request.form["CallSid"])
                .recordings("Twilio.CURRENT")
                .update(status="paused")
            ),
        ):
            with pytest.raises(TwilioRestException) as caught:
                attempt()
            out.append((caught.value.status, caught.value.code))
        app.config["out"] = out
        return "<Response><Hangup/></Response>"

    conference_sim.run({"dialect": "twilio", "accounts": ACCOUNTS,
                        "calls": [{"name": "c", "url": "https://app.example/voice"}]}, app=app)  # fmt: skip
    assert app.config["out"] == [(404, 20404), (404, 20404), (400, 21220)]


def serve_run(tmp_path: Any) -> tuple[Any, str]:
    """A recorded room run to its end under serve, with the account's credentials."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    import yaml

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario()))
    proc = subprocess.Popen(
        [sys.executable, "-m", "conference_sim", "serve", str(path), "--port", "0", "-q"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert proc.stdout is not None
    base = proc.stdout.readline().strip().removeprefix("listening on ")
    events = [json.loads(line) for line in httpx.post(f"{base}/_sim/run").text.splitlines()]
    del events
    return proc, base


def test_SPEC11_the_media_url_answers_audio_of_the_recordings_length(tmp_path):
    proc, base = serve_run(tmp_path)
    try:
        auth = (SID, TOKEN)
        listed = httpx.get(f"{base}/2010-04-01/Accounts/{SID}/Recordings.json", auth=auth).json()
        (rec,) = listed["recordings"]
        assert rec["status"] == "completed" and rec["duration"] == "90"  # 10 s to 100 s
        media = f"{base}/2010-04-01/Accounts/{SID}/Recordings/{rec['sid']}"
        wav = httpx.get(media + ".wav", auth=auth)
        assert wav.headers["content-type"] == "audio/x-wav"
        with wave.open(io.BytesIO(wav.content)) as audio:
            assert audio.getnframes() / audio.getframerate() == 90
        assert httpx.get(media, auth=auth).content == wav.content  # no extension: WAV too
        mp3 = httpx.get(media + ".mp3", auth=auth)
        assert mp3.headers["content-type"] == "audio/mpeg" and mp3.content[:2] == b"\xff\xfb"
        assert httpx.get(media + ".wav").status_code == 401  # media needs the account's auth
        gone = httpx.delete(media + ".json", auth=auth)
        assert gone.status_code == 204
        assert httpx.get(media + ".json", auth=auth).status_code == 404
        soft = httpx.get(media + ".json", params={"IncludeSoftDeleted": "true"}, auth=auth)
        assert soft.json()["status"] == "deleted"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize(
    ("dialect", "answer"), [("twilio", (400, 21220)), ("signalwire", "stopped")]
)
def test_SPEC11_REC2_a_conference_recording_stops_only_where_the_platform_lets_it(dialect, answer):
    def stop(client: Client, form: Any) -> Any:
        recs = client.conferences(form["ConferenceSid"]).recordings
        try:
            return recs("Twilio.CURRENT").update(status="stopped").status
        except TwilioRestException as err:
            return (err.status, err.code)

    app = recording_app(stop)
    data = scenario(dialect=dialect)
    if dialect == "signalwire":
        data["accounts"] = {"default": {"sid": "2f1e9e35-1c2a-4d0b-9d5e-5f3c7b8a9e10",
                                        "auth_token": TOKEN}}  # fmt: skip
    timeline = conference_sim.run(data, app=app)
    assert app.config["seen"] == [answer]
    (completed,) = timeline.events("recording-completed")
    assert completed.t == (10 if dialect == "signalwire" else 100)  # stopped, or at the end


def test_SPEC11_signalwire_recordings_have_signalwires_shape():
    # research 8.4: channels as text (and channel), duration a number, end_time, trim, /api/laml
    project = "2f1e9e35-1c2a-4d0b-9d5e-5f3c7b8a9e10"
    seen: list[Any] = []
    app = Flask("laml")

    @app.post("/voice")
    def voice() -> str:
        sid = request.form["CallSid"]
        http = Client(project, TOKEN)
        base = f"https://api.twilio.com/api/laml/2010-04-01/Accounts/{project}"
        uri = f"{base}/Calls/{sid}/Recordings.json"
        seen.append(json_of(http.request("POST", uri)))
        return '<Response><Pause length="20"/></Response>'

    def json_of(response: Any) -> Any:
        return json.loads(response.text)

    conference_sim.run({"dialect": "signalwire",
                        "accounts": {"default": {"sid": project, "auth_token": TOKEN}},
                        "calls": [{"name": "c", "url": "https://app.example/voice", "hangup": 10}]},
                       app=app)  # fmt: skip
    (made,) = seen
    assert made["channels"] == "1" and made["channel"] == "1" and made["duration"] is None
    assert made["source"] == "StartCallRecordingApi" and made["trim"] == "do-not-trim"
    assert made["uri"].startswith(f"/api/laml/2010-04-01/Accounts/{project}/Calls/")
