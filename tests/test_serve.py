"""SPEC 10: ``conference-sim serve``, a real HTTP server on 127.0.0.1 answering the REST API,
with its simulated clock moved by ``/_sim/`` requests; used by the official twilio client and by
an app over real HTTP that calls the API from inside its own webhook handler."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from twilio.rest import Client

TOKEN = "c0ffee00c0ffee00c0ffee00c0ffee00"
ROOT = Path(__file__).parent.parent


@contextmanager
def serving(*args: str) -> Iterator[str]:
    """``conference-sim serve … --port 0`` in a subprocess; yields its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "conference_sim", "serve", *args, "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        line = proc.stdout.readline().strip() if proc.stdout else ""
        assert line.startswith("listening on http://127.0.0.1:"), proc.stderr.read()
        yield line.removeprefix("listening on ")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def events(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def client_for(base: str, account: str) -> Client:
    client = Client(account, TOKEN)
    client.api.base_url = base  # the official client, pointed at the simulator
    return client


def test_SPEC10_serve_advance_mute_through_the_api_read_the_timeline():
    with serving("scenarios/01-simple.yaml") as base:
        first = events(httpx.post(f"{base}/_sim/advance", data={"to": "30"}).text)
        assert first[-1]["t"] <= 30 and any(e["event"] == "conference-start" for e in first)
        account = first[1]["params"]["AccountSid"]
        client = client_for(base, account)
        room = client.conferences.list(status="in-progress")[0]
        alice = next(e["params"]["CallSid"] for e in first if e["call"] == "alice")
        assert client.conferences(room.sid).participants(alice).update(muted=True).muted
        timeline = events(httpx.get(f"{base}/_sim/timeline").text)
        mute = [e for e in timeline if e["event"] == "participant-mute"]
        assert [(e["t"], e["call"]) for e in mute] == [(30.0, "alice")]  # at the clock's reading
        rest = events(httpx.post(f"{base}/_sim/run").text)  # all not answered yet: the mute too
        assert rest[0] == mute[0] and rest[-1]["event"] == "call-end"
        assert client.conferences(room.sid).fetch().status == "completed"


def test_SPEC10_serve_errors_are_one_line_exit_2(tmp_path):
    with serving("scenarios/01-simple.yaml") as base:
        port = base.rsplit(":", 1)[1]
        busy = subprocess.run(
            [sys.executable, "-m", "conference_sim", "serve", "scenarios/01-simple.yaml", "--port", port],
            capture_output=True, text=True, cwd=ROOT, timeout=30,
        )  # fmt: skip
        assert busy.returncode == 2 and busy.stdout == ""
        assert busy.stderr.count("\n") == 1 and f"cannot listen on 127.0.0.1:{port}" in busy.stderr
        bad_control = httpx.post(f"{base}/_sim/advance", data={"to": "soon"})
        assert bad_control.status_code == 400 and "to must be" in bad_control.text
        huge = httpx.post(f"{base}/_sim/advance", data={"to": "30", "pad": "x" * 1_100_000})
        assert huge.status_code == 413 and "at most 1,000,000 bytes" in huge.text
        unknown = httpx.get(f"{base}/2010-04-01/Accounts/AC1/Nothing.json")
        assert unknown.json()["code"] == 20404
    bad = tmp_path / "bad.yaml"
    bad.write_text("calls: []\n")
    result = subprocess.run(
        [sys.executable, "-m", "conference_sim", "serve", str(bad)],
        capture_output=True, text=True, cwd=ROOT, timeout=30,
    )  # fmt: skip
    assert result.returncode == 2 and "bad.yaml:1" in result.stderr and result.stdout == ""


def test_SPEC10_serve_answers_the_api_while_a_request_to_an_http_app_is_in_flight(tmp_path):
    """The app (over real HTTP) mutes the first caller from inside the callback for the
    second caller's join; serve answers that REST request while it waits for the callback,
    and the mute takes effect at that instant."""
    from flask import Flask, request
    from werkzeug.middleware.proxy_fix import ProxyFix
    from werkzeug.serving import make_server

    app = Flask("mute-over-http")
    api: dict[str, str] = {}

    @app.post("/events")
    def on_event():
        form = request.form
        if (
            form["StatusCallbackEvent"] == "participant-join"
            and form.get("ParticipantLabel") != "host"
        ):
            client = client_for(api["base"], form["AccountSid"])
            client.conferences(form["ConferenceSid"]).participants("host").update(muted=True)
        return "", 204

    server = make_server("127.0.0.1", 0, ProxyFix(app, x_proto=1, x_host=1), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "calls:\n"
        "  - {name: alice, conference: Room, hangup: 60, attributes: {participantLabel: host,\n"
        "     statusCallback: 'https://app.example/events', statusCallbackEvent: join mute}}\n"
        "  - {name: bob, at: 10, conference: Room, hangup: 30}\n"
    )
    try:
        with serving(str(scenario), "--app", f"http://127.0.0.1:{server.server_port}") as base:
            api["base"] = base
            timeline = events(httpx.post(f"{base}/_sim/run", timeout=30).text)
    finally:
        server.shutdown()
    at_10 = [(e["event"], e["call"]) for e in timeline if e["t"] == 10]
    assert at_10 == [  # the mute acts once the join's consequences are complete (RE1)
        ("call-start", "bob"),
        ("participant-join", "bob"),
        ("wait-stop", "alice"),
        ("conference-start", None),
        ("beep", "bob"),
        ("participant-mute", "alice"),
    ]
    join = next(e for e in timeline if e["event"] == "participant-join" and e["call"] == "bob")
    assert join["requests"][0]["status"] == 204


@pytest.mark.parametrize("prefix", ["/2010-04-01", "/api/laml/2010-04-01"])
def test_SPEC10_serve_plain_http_with_curl_shapes(prefix):
    with serving("scenarios/01-simple.yaml") as base:
        account = events(httpx.post(f"{base}/_sim/advance", data={"to": "25"}).text)[1]["params"][
            "AccountSid"
        ]
        url = f"{base}{prefix}/Accounts/{account}/Conferences.json"
        assert httpx.get(url).status_code == 401
        listed = httpx.get(url, auth=(account, TOKEN), params={"Status": "in-progress"}).json()
        assert [c["friendly_name"] for c in listed["conferences"]] == ["Room 1234"]
