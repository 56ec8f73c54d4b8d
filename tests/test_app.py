"""SPEC 9: the user's application in the loop, with real Flask and FastAPI apps and a server
over real HTTP. Every request is signed as the platform signs it and accepted by the official
``twilio.request_validator.RequestValidator``; each failure path behaves as the platform does."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from webapps import BASE, fastapi_app, flask_app

import conference_sim
from conference_sim.cli import main

CALLS = """
calls:
  - {name: alice, url: https://app.example/voice, hangup: 60}
  - {name: bob, at: 10, url: https://app.example/voice, hangup: 40}
media:
  https://cdn.example/jazz.mp3: 4
"""


def run(app: Any, text: str = CALLS, **kw: Any) -> conference_sim.Timeline:
    return conference_sim.run(conference_sim.Scenario.from_yaml(text), app=app, **kw)


def seen(app: Any) -> list[Any]:
    return app.seen if hasattr(app, "seen") else app.state.seen


@contextmanager
def served(app: Any) -> Iterator[str]:
    """The app on a real HTTP server on 127.0.0.1 (behind a proxy-aware wrapper, as apps
    deployed behind ngrok or a load balancer are)."""
    from werkzeug.middleware.proxy_fix import ProxyFix
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, ProxyFix(app, x_proto=1, x_host=1), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


# -- every request, exactly as the platform sends it --------------------------------------------
@pytest.mark.parametrize("make", [flask_app, fastapi_app], ids=["flask", "fastapi"])
def test_SPEC9_every_request_is_signed_and_accepted_by_RequestValidator(make):
    app = make()
    timeline = run(app)
    received = seen(app)
    paths = [url.removeprefix(BASE) for _m, url, *_ in received]
    assert paths[:2] == ["/voice", "/events"] and "/wait" in paths and "/after" in paths
    assert all(ok for *_, ok in received), [
        p for p, (*_, ok) in zip(paths, received, strict=False) if not ok
    ]
    # statusCallbacks carry exactly the JSONL params
    callbacks = [form for _m, url, form, _h, _ok in received if url.endswith("/events")]
    sent = [e.params for e in timeline.callbacks()]
    assert callbacks == sent
    # what reached the app carries its HTTP status in the timeline
    statuses = {(r.purpose, r.status) for e in timeline for r in e.requests}
    assert {("voice", 200), ("statusCallback", 204), ("waitUrl", 200), ("action", 200)} <= statuses


def test_SPEC9_voice_url_gets_the_standard_call_parameters():
    app = flask_app()
    timeline = run(app)
    _method, _url, form, headers, _ok = seen(app)[0]
    alice = timeline.events("call-start", call="alice")[0]
    assert form == {
        "CallSid": alice.params["CallSid"],
        "AccountSid": form["AccountSid"],
        "From": "+15550000001",
        "To": "+15559990000",
        "Caller": "+15550000001",
        "Called": "+15559990000",
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert headers["X-Signalwire-Signature"] == headers["X-Twilio-Signature"]


def test_SPEC9_twilio_dialect_signs_with_X_Twilio_Signature_only_and_GET_signs_the_query():
    app = flask_app()
    text = "dialect: twilio\n" + CALLS.replace(
        "url: https://app.example/voice, hangup: 60",
        "url: https://app.example/voice, method: GET, hangup: 60",
    )
    run(app, text)
    method, url, form, headers, ok = seen(app)[0]
    assert method == "GET" and "?CallSid=" in url and form == {} and ok
    assert "X-Signalwire-Signature" not in headers


def test_SPEC9_wrong_auth_token_is_rejected_by_the_apps_validator():
    app = flask_app(token="not-the-token")
    run(app)
    assert seen(app) and not any(ok for *_, ok in seen(app))


def test_SPEC9_same_scenario_same_app_same_bytes_flask_and_fastapi_alike():
    outputs = {run(make()).to_jsonl() for make in (flask_app, flask_app, fastapi_app)}
    assert len(outputs) == 1


def test_SPEC9_over_real_HTTP_every_request_is_signed_for_the_public_url():
    app = flask_app()
    with served(app) as url:
        timeline = run(url)
    assert seen(app) and all(ok for *_, ok in seen(app))
    assert timeline.to_jsonl() == run(flask_app()).to_jsonl()  # same bytes as in-process


def test_SPEC9_wait_documents_loop_by_request_through_the_app():
    app = flask_app(
        {"/wait": "<Response><Play>https://cdn.example/jazz.mp3</Play><Redirect/></Response>"}
    )
    run(app, CALLS.replace("at: 10,", "at: 30,"))
    waits = [url for _m, url, *_ in seen(app) if url.endswith("/wait")]
    assert len(waits) == 8  # 30 s of waiting, a 4 s track: one request per loop (W1)


def test_SPEC9_the_dial_action_is_delivered_after_a_hang_up():
    app = flask_app()
    run(app)
    # both callers hang up while in the room: nobody runs the answers, but the requests are made
    forms = [form for _m, url, form, *_ in seen(app) if url.endswith("/after")]
    assert [(f["CallStatus"], f["DialCallStatus"]) for f in forms] == [
        ("completed", "answered")
    ] * 2


def test_SPEC9_urls_outside_app_url_are_answered_by_documents():
    app = flask_app()
    text = (
        CALLS
        + "documents:\n  https://other.example/wait: <Response><Pause length='2'/></Response>\n"
    )
    text = text.replace(
        "url: https://app.example/voice, hangup: 60",
        "cxml: \"<Response><Dial><Conference waitUrl='https://other.example/wait'>Room</Conference></Dial></Response>\", hangup: 60",
    )
    timeline = run(app, text)
    wait = timeline.events("wait-start", call="alice")[0]
    assert wait.requests[0].status is None  # answered from documents:, not the app
    assert not any("other.example" in url for _m, url, *_ in seen(app))


@pytest.mark.parametrize("where", ["builder", "run option", "dict"])
def test_SPEC9_a_built_scenario_takes_app_url_so_its_voice_urls_may_live_on_the_apps_host(
    where: str,
):
    app = flask_app()
    url = "https://desk.example/voice"
    if where == "builder":
        source: Any = conference_sim.ScenarioBuilder("s", app_url="https://desk.example")
        source.call("alice", url=url, hangup=30)
        timeline = source.run(app=app)
    else:
        source = conference_sim.ScenarioBuilder("s").call("alice", url=url, hangup=30)
        if where == "dict":
            source = source.data
        timeline = conference_sim.run(source, app=app, app_url="https://desk.example")
    (method, asked, _form, _headers, signed), *_ = seen(app)
    assert (method, asked, signed) == ("POST", url, True)
    assert timeline.events("participant-join", call="alice")


# -- failures behave as on the platform -----------------------------------------------------------
def warning(timeline: conference_sim.Timeline, name: str) -> dict[str, Any]:
    found = timeline.events(name)
    assert found, f"no {name} event"
    return found[0].params


def test_SPEC9_voice_url_answering_500_ends_the_call_with_11200():
    timeline = run(flask_app({"/voice": 500}))
    params = warning(timeline, "request-failed")
    assert (params["ErrorCode"], params["status"], params["purpose"]) == ("11200", 500, "voice")
    alice = [e.event for e in timeline.events(call="alice")]
    assert alice == ["call-start", "request-failed", "call-end"]
    assert timeline.events("call-end", call="alice")[0].params["reason"] == "application-error"
    assert timeline.events("call-start", call="alice")[0].requests[0].status == 500


@pytest.mark.parametrize("make", [flask_app, fastapi_app], ids=["flask", "fastapi"])
def test_SPEC9_an_exception_in_the_app_is_a_500_with_its_one_line_summary(make, capsys):
    timeline = run(make({"/voice": "raise"}))
    params = warning(timeline, "request-failed")
    assert params["ErrorCode"] == "11200" and params["status"] == 500
    assert params["reason"] == "the app raised ZeroDivisionError: division by zero in the handler"
    assert "Traceback" not in capsys.readouterr().err


def test_SPEC9_a_body_that_is_not_cxml_is_12100():
    timeline = run(flask_app({"/voice": "<Response><Dial><Queue>x</Queue></Dial></Response>"}))
    params = warning(timeline, "request-failed")
    assert params["ErrorCode"] == "12100" and params["status"] == 200
    assert "not a valid cXML document" in params["reason"] and "<Queue>" in params["reason"]
    assert timeline.events("call-end", call="alice")[0].params["reason"] == "application-error"


def test_SPEC9_an_app_that_stops_answering_is_11205():
    app = flask_app()
    with served(app) as url:
        scenario = conference_sim.Scenario.from_yaml(CALLS)
        sim = conference_sim.Simulation(scenario, app=url, sinks=[conference_sim.CaptureSink()])
    # the server is gone before the first request
    sink = sim.eventlog.sinks[0]
    sim.run()
    params = next(e.params for e in sink.events if e.event == "request-failed")
    assert params["ErrorCode"] == "11205" and "could not reach the app" in params["reason"]


def test_SPEC9_an_answer_too_large_is_12100_without_reading_it_all():
    sent = [0]

    def endless(environ: Any, start_response: Any) -> Any:  # a stranger's server: no end
        start_response("200 OK", [("Content-Type", "text/xml")])

        def body() -> Iterator[bytes]:
            yield b"<Response><Say>"
            while sent[0] < 200_000_000:
                sent[0] += 65_536
                yield b"a" * 65_536

        return body()

    with served(endless) as url:
        timeline = conference_sim.run(conference_sim.Scenario.from_yaml(CALLS), app=url)
    params = warning(timeline, "request-failed")
    assert params["ErrorCode"] == "12100" and "too large" in params["reason"]
    assert sent[0] < 20_000_000  # the server was not read to its end


def test_SPEC9_an_answer_that_trickles_in_is_11205_after_the_time_out(monkeypatch):
    from conference_sim.app import deadline

    monkeypatch.setattr(deadline, "TIMEOUT_S", 0.5)

    def trickle(environ: Any, start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/xml")])

        def body() -> Iterator[bytes]:
            for _ in range(100):  # a byte every 0.05 s: each read is quick, the whole is not
                time.sleep(0.05)
                yield b" "

        return body()

    with served(trickle) as url:
        timeline = conference_sim.run(conference_sim.Scenario.from_yaml(CALLS), app=url)
    assert warning(timeline, "request-failed")["ErrorCode"] == "11205"


def test_SPEC9_a_failing_wait_document_leaves_silence():
    timeline = run(flask_app({"/wait": 404}))
    params = warning(timeline, "request-failed")
    assert (params["ErrorCode"], params["purpose"]) == ("11200", "waitUrl")
    assert timeline.state_at(5).conference("Room").participants["alice"].waiting
    assert timeline.events("conference-start")  # the room goes on when bob comes


def test_SPEC9_a_failing_dial_action_hangs_the_call_up():
    kicked = CALLS + "actions:\n  - {at: 20, kick: alice}\n"  # alice's call goes on after the room
    timeline = run(flask_app({"/after": 503}), kicked)
    alice = [e.event for e in timeline.events(call="alice")]
    assert alice[-3:] == ["dial-end", "request-failed", "call-end"]
    assert timeline.events("call-end", call="alice")[0].t == 20
    assert timeline.events("call-end", call="alice")[0].params["reason"] == "application-error"


def test_SPEC9_a_failing_announcement_is_announcement_fail():
    text = (
        "dialect: twilio\n"
        + CALLS
        + "actions:\n  - {at: 20, announce: Room, url: https://app.example/announce}\n"
    )
    timeline = run(flask_app({"/announce": 500}), text)
    assert timeline.events("announcement-fail") and timeline.events("request-failed")


def test_SPEC9_a_callback_answered_with_an_error_is_callback_failed_and_changes_nothing():
    good = run(flask_app())
    bad = run(flask_app({"/events": 500}))
    failed = bad.events("callback-failed")
    assert failed and failed[0].params["ErrorCode"] == "11200"
    # each callback-failed comes right after the event whose callback failed
    for i, e in enumerate(bad.list):
        if e.event == "callback-failed":
            assert bad.list[i - 1].requests[0].status == 500
    assert [e.event for e in bad if e.kind != "warning"] == [
        e.event for e in good if e.kind != "warning"
    ]


# -- bad input --------------------------------------------------------------------------------------
def write(tmp_path: Any, text: str) -> str:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("app_line", "option", "message"),
    [
        ("app: no_such_module_here:app\n", None, "app: cannot import 'no_such_module_here'"),
        ("", "no_such_module_here:app", "--app: cannot import 'no_such_module_here'"),
        ("app: json:nothing\n", None, "app: module 'json' has no attribute 'nothing'"),
        ("app: json:__doc__\n", None, "app: json:__doc__ is a str, not a WSGI or ASGI app"),
        ("", "http://127.0.0.1:9", "--app: nothing answers at http://127.0.0.1:9"),
        ("app: just-a-word\n", None, "is not allowed; allowed: module:attribute"),
    ],
)
def test_SPEC9_an_app_that_cannot_be_attached_is_exit_2_with_one_line(
    tmp_path, capsys, app_line, option, message
):
    path = write(tmp_path, app_line + CALLS)
    for command in ("run", "check"):
        argv = [command, path] + (["--app", option] if option else [])
        assert main(argv) == 2
        out, err = capsys.readouterr()
        assert out == "" and message in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("app_url: app.example\n" + CALLS, 1, "'app.example' is not an absolute http(s) URL"),
        (
            CALLS.replace("https://app.example/voice, hangup: 60", "https://elsewhere.example/v"),
            3,
            "neither under app_url (https://app.example) nor in documents",
        ),
        (CALLS.replace("hangup: 60", "hangup: 60, method: PUT"), 3, "'PUT' is not allowed"),
        (CALLS.replace("hangup: 60", "hangup: 60, conference: R"), 3, "exactly one of"),
    ],
)
def test_SPEC9_bad_app_keys_are_load_errors_with_the_line(tmp_path, capsys, text, line, message):
    path = write(tmp_path, text)
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err
    assert f"s.yaml:{line}:" in err and message in err


def test_SPEC9_the_shell_drives_the_app_with_call_url(capsys):
    import io

    from conference_sim.shell import main as shell_main

    app = flask_app()
    commands = (
        "call alice url=https://app.example/voice\ncall bob url=https://app.example/voice\nshow\n"
    )
    assert shell_main(None, io.StringIO(commands), io.StringIO(), app=app) == 0
    assert [url.removeprefix(BASE) for _m, url, *_ in seen(app)][:2] == ["/voice", "/events"]
