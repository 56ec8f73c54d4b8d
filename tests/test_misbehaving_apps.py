"""Issue 28: an app cannot end the run, hang it, or reach another run.

* ``BaseException`` from an in-process app (``SystemExit``, ``KeyboardInterrupt`` that the app
  raises itself, ``asyncio.CancelledError``, ``GeneratorExit``) is the app's failure (11200),
  never the run's exit: ``check`` still reports the failed expectation (SPEC 9);
* the documented 15 s limit holds for in-process apps, sync and async, including bodies that
  never end, and for HTTP apps over the whole exchange (connect, headers, body): 11205;
* a compressed answer is bounded after decompression (12100, without expanding the rest);
* two runs in two threads each answer only their own app's clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any

import pytest
from fastapi import Request  # (a route's annotation is looked up in this module)
from flask import Flask
from flask import request as flask_request
from twilio.rest import Client

import conference_sim
from conference_sim.app import deadline

TOKEN = "c0ffee00c0ffee00c0ffee00c0ffee00"
CALLS = {"calls": [{"name": "a", "url": "https://app.example/voice", "hangup": 30}]}


def failure(timeline) -> dict[str, str]:
    failed = timeline.events("request-failed")
    assert len(failed) == 1, [e.event for e in timeline]
    return failed[0].params


def wsgi_raising(err: BaseException):
    def app(environ: Any, start_response: Any) -> Any:
        raise err

    return app


def asgi_raising(err: BaseException):
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return
        raise err

    return app


@pytest.mark.parametrize(
    "err", [SystemExit(3), KeyboardInterrupt(), GeneratorExit(), asyncio.CancelledError()]
)
@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
def test_SPEC9_what_would_end_a_run_is_the_apps_failure_11200(kind, err):
    app = wsgi_raising(err) if kind == "wsgi" else asgi_raising(err)
    timeline = conference_sim.run(CALLS, app=app)
    params = failure(timeline)
    assert params["ErrorCode"] == "11200"
    assert type(err).__name__ in params["reason"]
    assert timeline.events("call-end")[0].params["reason"] == "application-error"


def test_SPEC9_check_reports_the_expectation_an_app_that_exits_breaks(tmp_path):
    # SystemExit inside the app once made `check` exit 0 and print nothing: a silent pass
    (tmp_path / "quitter.py").write_text(
        "import sys\ndef app(environ, start_response):\n    sys.exit(0)\n"
    )
    (tmp_path / "s.yaml").write_text(
        "app: quitter:app\n"
        "calls:\n  - {name: a, url: 'https://app.example/voice', hangup: 30}\n"
        "expect:\n  timeline: [0 participant-join a]\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "conference_sim", "check", "s.yaml", "--color", "never"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL s.yaml" in done.stdout and "Traceback" not in done.stderr


@pytest.fixture
def short_deadline(monkeypatch):
    monkeypatch.setattr(deadline, "TIMEOUT_S", 0.5)


def sleeping_wsgi(environ: Any, start_response: Any) -> Any:
    time.sleep(3600)


def endless_body_wsgi(environ: Any, start_response: Any) -> Any:
    start_response("200 OK", [("Content-Type", "text/xml")])

    def body():
        yield b"<Response>"
        threading.Event().wait()  # blocks for ever inside the body

    return body()


async def sleeping_asgi(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        return
    await asyncio.sleep(3600)


async def endless_body_asgi(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    while True:
        await send({"type": "http.response.body", "body": b" ", "more_body": True})
        await asyncio.sleep(0.05)


@pytest.mark.parametrize(
    "app", [sleeping_wsgi, endless_body_wsgi, sleeping_asgi, endless_body_asgi],
    ids=lambda a: a.__name__,
)  # fmt: skip
def test_SPEC9_an_in_process_app_that_never_answers_is_11205_at_the_limit(app, short_deadline):
    started = time.monotonic()
    timeline = conference_sim.run(CALLS, app=app)
    assert failure(timeline)["ErrorCode"] == "11205"
    assert time.monotonic() - started < 5


def test_SPEC9_the_limit_holds_off_the_main_thread_too(short_deadline):
    out: list[Any] = []
    worker = threading.Thread(
        target=lambda: out.append(conference_sim.run(CALLS, app=sleeping_wsgi))
    )
    worker.start()
    worker.join(10)
    assert out and failure(out[0])["ErrorCode"] == "11205"


def slow_headers_server() -> tuple[socket.socket, str]:
    """A server that accepts and then sends its headers one byte a second."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return

            def trickle(c: socket.socket = conn) -> None:
                try:
                    c.recv(65536)
                    for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n":
                        c.sendall(bytes([byte]))
                        time.sleep(0.2)
                except OSError:
                    pass

            threading.Thread(target=trickle, daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return listener, f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_SPEC9_an_http_app_whose_headers_trickle_is_11205_over_the_whole_exchange(short_deadline):
    listener, url = slow_headers_server()
    try:
        started = time.monotonic()
        timeline = conference_sim.run(CALLS, app=url)
    finally:
        listener.close()
    assert failure(timeline)["ErrorCode"] == "11205"
    assert time.monotonic() - started < 5


def test_SPEC9_a_compressed_answer_is_bounded_after_decompression():
    bomb = gzip.compress(b"<Response><Say>" + b"a" * 200_000_000, compresslevel=9)
    assert len(bomb) < 1_000_000  # small on the wire

    def app(environ: Any, start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Encoding", "gzip")])
        return [bomb]

    timeline = conference_sim.run(CALLS, app=app)
    params = failure(timeline)
    assert params["ErrorCode"] == "12100" and "too large" in params["reason"]


def test_SPEC9_a_compressed_valid_answer_is_read():
    doc = b"<Response><Say>hello</Say></Response>"

    def app(environ: Any, start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Encoding", "gzip")])
        return [gzip.compress(doc)]

    timeline = conference_sim.run(CALLS, app=app)
    assert not timeline.events("request-failed")
    assert timeline.events("call-end")[0].params["reason"] == "document-end"


def room_app(label: str) -> Flask:
    app = Flask(f"room-{label}")

    @app.post("/voice")
    def voice() -> Any:
        return (
            '<Response><Dial><Conference statusCallback="https://app.example/events" '
            'statusCallbackEvent="join">room</Conference></Dial></Response>'
        )

    @app.post("/events")
    def events() -> Any:
        form = flask_request.form
        client = Client(form["AccountSid"], TOKEN)
        time.sleep(0.01)  # let the other run's thread interleave
        rooms = client.conferences.list()
        app.seen.append({r.sid for r in rooms} == {form["ConferenceSid"]})  # type: ignore[attr-defined]
        return "", 204

    app.seen = []  # type: ignore[attr-defined]
    return app


def test_SPEC10_two_runs_in_two_threads_each_answer_only_their_own_apps_clients():
    apps = [room_app("one"), room_app("two")]
    seeds = [1, 2]  # other SIDs: a client reaching the wrong run sees another room
    data = {"calls": [{"name": f"c{i}", "at": i, "url": "https://app.example/voice", "hangup": 20}
                      for i in range(5)]}  # fmt: skip
    results: list[Any] = [None, None]

    def go(i: int) -> None:
        results[i] = conference_sim.run(data, app=apps[i], seed=seeds[i])

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for app in apps:
        assert app.seen and all(app.seen), app.seen  # type: ignore[attr-defined]
    for result in results:
        assert not result.events("request-failed")


def test_SPEC9_a_lifespan_startup_runs_before_the_first_request():
    from fastapi import FastAPI
    from fastapi.responses import Response

    state: dict[str, Any] = {}

    async def lifespan(app: Any):
        state["ready"] = True
        yield
        state["closed"] = True

    api = FastAPI(lifespan=lifespan)

    @api.post("/voice")
    async def voice() -> Response:
        text = "<Response><Say>ready</Say></Response>" if state.get("ready") else "nope"
        return Response(textwrap.dedent(text), media_type="text/xml")

    timeline = conference_sim.run(CALLS, app=api)
    assert not timeline.events("request-failed")
    assert state.get("closed") is True


def test_SPEC9_the_lifespan_state_reaches_every_request_as_servers_pass_it():
    # Starlette's lifespan state: what the lifespan yields is request.state in every request
    # (uvicorn and hypercorn pass the ASGI "state" scope key); each request gets its own copy
    from fastapi import FastAPI
    from fastapi.responses import Response

    @contextlib.asynccontextmanager
    async def lifespan(app: Any):
        yield {"greeting": "state from the lifespan"}

    api = FastAPI(lifespan=lifespan)
    seen: list[str] = []

    @api.post("/voice")
    async def voice(request: Request) -> Response:
        seen.append(request.state.greeting)
        request.state.greeting = "changed by one request"
        return Response("<Response><Say>hi</Say></Response>", media_type="text/xml")

    calls = {"calls": [{**CALLS["calls"][0]}, {**CALLS["calls"][0], "name": "b"}]}
    timeline = conference_sim.run(calls, app=api)
    assert not timeline.events("request-failed")
    assert seen == ["state from the lifespan", "state from the lifespan"]


def test_SPEC9_the_limit_leaves_someone_elses_alarm_running():
    # pytest-timeout and tests arm SIGALRM themselves: a run with an app puts their timer back
    import signal

    rang = []
    before = signal.signal(signal.SIGALRM, lambda *_: rang.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)

        def quick(environ: Any, start_response: Any) -> Any:
            start_response("200 OK", [("Content-Type", "text/xml")])
            return [b"<Response><Say>hi</Say></Response>"]

        conference_sim.run(CALLS, app=quick)
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25 < left <= 30 and not rang
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)


def test_SPEC9_someone_elses_alarm_rings_for_them_between_exchanges_and_their_handlers_come_back():
    """The run's alarm handlers stay installed from its first exchange to its end: a timer of
    someone else's that falls due between two exchanges still rings into their handler, and
    once the run is over their SIGALRM and SIGINT handlers are back."""
    import signal

    from conference_sim.runner import Simulation

    rang: list[str] = []

    def theirs(_signum: int, _frame: Any) -> None:
        rang.append("theirs")

    def quick(environ: Any, start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [b"<Response><Pause length='20'/></Response>"]

    before_alarm = signal.signal(signal.SIGALRM, theirs)
    before_int = signal.getsignal(signal.SIGINT)
    try:
        sim = Simulation(conference_sim.Scenario.from_dict(CALLS), app=quick)
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        sim.advance(1_000)  # the first exchange: their timer is held, then put back
        assert signal.getsignal(signal.SIGALRM) is not theirs  # the run's, until it ends
        time.sleep(0.6)  # between exchanges: their timer falls due
        assert rang == ["theirs"]
        sim.run()
        assert signal.getsignal(signal.SIGALRM) is theirs
        assert signal.getsignal(signal.SIGINT) is before_int
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before_alarm)


def test_SPEC9_two_runs_in_one_thread_closed_in_any_order_keep_their_deadline(short_deadline):
    """Two simulations with apps, stepped in turns in one thread; the first is closed while the
    second still goes. The second's app then hangs: its deadline still ends it (11205), and
    once both are closed the thread's handlers are what they were."""
    import signal

    from conference_sim.events import CaptureSink
    from conference_sim.runner import Simulation

    hang = threading.Event()

    def app(environ: Any, start_response: Any) -> Any:
        if environ["PATH_INFO"] == "/later" and not hang.is_set():
            hang.set()
            time.sleep(3600)
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [b"<Response><Pause length='5'/><Redirect>/later</Redirect></Response>"]

    before = signal.getsignal(signal.SIGALRM), signal.getsignal(signal.SIGINT)
    scenario = conference_sim.Scenario.from_dict(CALLS)
    sink = CaptureSink()
    first, second = Simulation(scenario, app=app), Simulation(scenario, app=app, sinks=[sink])
    first.advance(1_000)
    second.advance(1_000)
    first.close()
    second.advance(10_000)  # the redirect: the app hangs, and the deadline ends it
    second.close()
    failed = [e for e in sink.events if e.event == "request-failed"]
    assert failed and failed[0].params["ErrorCode"] == "11205"
    assert (signal.getsignal(signal.SIGALRM), signal.getsignal(signal.SIGINT)) == before


def ctrl_c_wsgi(environ: Any, start_response: Any) -> Any:
    import signal

    signal.raise_signal(signal.SIGINT)  # the user presses Ctrl-C while the app answers
    start_response("200 OK", [("Content-Type", "text/xml")])
    return [b"<Response/>"]


async def ctrl_c_asgi(scope: Any, receive: Any, send: Any) -> None:
    import signal

    if scope["type"] == "lifespan":
        return
    signal.raise_signal(signal.SIGINT)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"<Response/>"})


@pytest.mark.parametrize("app", [ctrl_c_wsgi, ctrl_c_asgi], ids=lambda a: a.__name__)
def test_SPEC9_a_ctrl_c_pressed_while_the_app_answers_stops_the_run(app):
    with pytest.raises(KeyboardInterrupt):
        conference_sim.run(CALLS, app=app)


def test_SPEC9_a_ctrl_c_between_exchanges_is_pythons_own_keyboard_interrupt():
    import signal

    from conference_sim.runner import Simulation

    def quick(environ: Any, start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [b"<Response><Pause length='20'/></Response>"]

    sim = Simulation(conference_sim.Scenario.from_dict(CALLS), app=quick)
    sim.advance(1_000)  # the alarm is in, until the run ends
    with pytest.raises(KeyboardInterrupt) as pressed:
        signal.raise_signal(signal.SIGINT)
    assert type(pressed.value) is KeyboardInterrupt
    sim.run()


def test_SPEC9_a_forked_worker_keeps_the_deadline_after_its_parents_exchanges(short_deadline):
    """A process forked after a run's exchanges (a check -j worker, a plugin worker) does not
    inherit the parent's timer: its own app that hangs is still ended at the deadline."""
    import os

    from conference_sim.runner import Simulation

    def quick(environ: Any, start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [b"<Response><Pause length='20'/></Response>"]

    parent = Simulation(conference_sim.Scenario.from_dict(CALLS), app=quick)
    parent.advance(1_000)  # an exchange: the alarm is in and its timer set, in this process
    pid = os.fork()
    if pid == 0:  # the child: a hanging app must come back as 11205
        code = 1
        try:
            timeline = conference_sim.run(CALLS, app=sleeping_wsgi)
            code = 0 if failure(timeline)["ErrorCode"] == "11205" else 1
        finally:
            os._exit(code)
    for _ in range(200):  # (a guard, not a timing assertion: a child stuck in the app is killed)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the forked worker's hanging app was not ended at the deadline")
    parent.run()
    assert os.waitstatus_to_exitcode(status) == 0


def test_SPEC9_a_forked_worker_runs_asgi_apps_on_an_event_loop_of_its_own():
    """The thread's kept event loop (an ASGI app's, from run to run) is not lent to a child
    process forked after: its selector and wake-up pipe are the parent's."""
    import os

    from conference_sim.app.asgi import KEPT

    conference_sim.run(CALLS, app=quick_asgi)  # the loop is kept for this thread's next run
    pid = os.fork()
    if pid == 0:
        _loop, reused = KEPT.borrow()
        os._exit(1 if reused else 0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert not conference_sim.run(CALLS, app=quick_asgi).events("request-failed")


async def quick_asgi(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"<Response><Say>hi</Say></Response>"})


def test_SPEC9_someone_elses_timer_that_falls_due_inside_an_exchange_is_theirs_not_the_apps():
    """A test's own guard (a SIGALRM handler that raises) falls due while the app answers: it
    rings just after the exchange, and what it raises is the test's, never taken for the app's
    own failure (no request-failed warning in its place)."""
    import signal

    class Guard(Exception):
        pass

    rang: list[str] = []

    def expired(_signum: int, _frame: Any) -> None:
        rang.append("theirs")
        raise Guard("the test's own time is up")

    def slow(environ: Any, start_response: Any) -> Any:
        time.sleep(0.3)  # their 0.1 s falls due in here
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [b"<Response><Pause length='20'/></Response>"]

    conference_sim.run(CALLS, app=slow)  # (everything a run imports, imported before)
    before = signal.signal(signal.SIGALRM, expired)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.1)
        try:
            timeline = conference_sim.run(CALLS, app=slow)
            assert not timeline.events("request-failed"), "taken for the app's failure"
            time.sleep(0.5)  # (if it has not rung yet, it rings here)
        except Guard:
            pass
        assert rang == ["theirs"]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)
