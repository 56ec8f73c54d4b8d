"""Issue 28: ``serve`` is safe to leave running on a developer's machine.

The control endpoints refuse requests addressed to another name (DNS rebinding) or sent by a
web page (``Origin``), and can require a token; ``--host`` takes loopback addresses only (IPv6
too); the request log can be turned off and never blocks the server; a connection that never
finishes its headers is closed; two ``Content-Length`` headers and a body that is not UTF-8
are a 400; the timeline streams from ``since=``; ``basic`` is accepted in any case; HEAD, 401
and 405 answers carry what HTTP says they must.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).parent.parent
TOKEN = "c0ffee00c0ffee00c0ffee00c0ffee00"
SIMPLE = "scenarios/01-simple.yaml"


@contextmanager
def serving(*args: str, stderr: int = subprocess.PIPE) -> Iterator[tuple[str, subprocess.Popen]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "conference_sim", "serve", SIMPLE, "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        line = proc.stdout.readline().strip() if proc.stdout else ""
        assert line.startswith("listening on http://"), line
        yield line.removeprefix("listening on "), proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def account_of(base: str) -> str:
    lines = httpx.post(f"{base}/_sim/run", timeout=30).text.splitlines()
    return next(json.loads(x)["params"]["AccountSid"] for x in lines if "AccountSid" in x)


def test_serve_control_refuses_another_host_name_and_a_web_pages_origin():
    with serving() as (base, _):
        port = base.rsplit(":", 1)[1]
        rebound = httpx.post(f"{base}/_sim/run", headers={"Host": f"evil.example:{port}"})
        assert rebound.status_code == 403 and "Host" in rebound.text
        page = httpx.post(f"{base}/_sim/run", headers={"Origin": "https://evil.example"})
        assert page.status_code == 403
        assert httpx.post(f"{base}/_sim/advance", data={"to": "10"}).status_code == 200
        local = httpx.get(f"{base}/_sim/timeline", headers={"Host": f"localhost:{port}"})
        assert local.status_code == 200


def test_serve_control_can_require_a_token():
    with serving("--token", "s3cret") as (base, _):
        assert httpx.post(f"{base}/_sim/run").status_code == 401
        bad = httpx.post(f"{base}/_sim/run", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401 and "Bearer" in bad.headers["WWW-Authenticate"]
        good = httpx.post(f"{base}/_sim/run", headers={"Authorization": "bearer s3cret"})
        assert good.status_code == 200 and good.text


def test_serve_listens_on_ipv6_loopback_and_refuses_other_addresses():
    with serving("--host", "::1") as (base, _):
        assert base.startswith("http://[::1]:")
        assert httpx.get(f"{base}/_sim/timeline").status_code == 200
    done = subprocess.run(
        [sys.executable, "-m", "conference_sim", "serve", SIMPLE, "--host", "0.0.0.0"],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 2 and "loopback" in done.stderr and done.stdout == ""


def test_serve_quiet_logs_nothing_and_a_log_nobody_reads_never_blocks_it():
    with serving("--quiet") as (base, proc):
        httpx.get(f"{base}/_sim/timeline")
        proc.terminate()
        _, err = proc.communicate(timeout=10)
        assert "GET /_sim/timeline" not in err
    # stderr a pipe nobody reads: 3 000 requests would fill it many times over
    with serving() as (base, _):
        with httpx.Client() as client:
            started = time.monotonic()
            for _ in range(3000):
                assert client.get(f"{base}/_sim/timeline?since=999999").status_code == 200
        assert time.monotonic() - started < 60


def test_serve_closes_a_connection_that_never_finishes_its_headers(monkeypatch):
    with serving() as (base, _):
        host, port = base.removeprefix("http://").rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=30) as stalled:
            stalled.sendall(b"GET /_sim/timeline HTTP/1.1\r\nHost: x\r\n")  # and no more
            started = time.monotonic()
            assert stalled.recv(1024) == b""  # closed by the server
            assert time.monotonic() - started < 25
        assert httpx.get(f"{base}/_sim/timeline").status_code == 200  # and it goes on


def raw(base: str, request: bytes) -> bytes:
    host, port = base.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(request)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
            if b"\r\n\r\n" in out:
                break
        return out


def test_serve_two_content_lengths_are_a_400_and_a_non_utf8_body_too():
    with serving() as (base, _):
        account = account_of(base)
        auth = base64.b64encode(f"{account}:{TOKEN}".encode()).decode()
        path = f"/2010-04-01/Accounts/{account}/Conferences/CF0.json"
        two = raw(
            base,
            f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 6\r\nContent-Length: 60\r\nConnection: close\r\n\r\nStatus".encode(),
        )
        assert two.startswith(b"HTTP/1.1 400"), two[:80]
        latin = httpx.post(
            f"{base}{path}",
            content="FriendlyName=caf\xe9".encode("latin-1"),
            headers={"Authorization": f"Basic {auth}",
                     "Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        assert latin.status_code == 400 and "UTF-8" in latin.json()["message"]
        encoded = httpx.post(
            f"{base}{path}",
            content=b"FriendlyName=caf%E9",
            headers={"Authorization": f"Basic {auth}",
                     "Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        assert encoded.status_code == 400


def test_serve_timeline_streams_from_since():
    with serving() as (base, _):
        everything = httpx.post(f"{base}/_sim/run").text.splitlines()
        tail = httpx.get(f"{base}/_sim/timeline", params={"since": 5}).text.splitlines()
        assert tail == everything[5:]
        with httpx.stream("GET", f"{base}/_sim/timeline") as streamed:
            assert streamed.headers.get("transfer-encoding") == "chunked"
            assert [line for line in streamed.iter_lines() if line] == everything
        assert httpx.get(f"{base}/_sim/timeline", params={"since": "x"}).status_code == 400


@pytest.mark.parametrize("scheme", ["Basic", "basic", "BASIC"])
def test_serve_basic_is_accepted_in_any_case(scheme):
    with serving() as (base, _):
        account = account_of(base)
        auth = base64.b64encode(f"{account}:{TOKEN}".encode()).decode()
        answer = httpx.get(
            f"{base}/2010-04-01/Accounts/{account}/Conferences.json",
            headers={"Authorization": f"{scheme} {auth}"},
        )
        assert answer.status_code == 200


def test_serve_head_401_and_405_answer_as_http_says():
    with serving() as (base, _):
        account = account_of(base)
        url = f"{base}/2010-04-01/Accounts/{account}/Conferences.json"
        head = httpx.head(url, auth=(account, TOKEN))
        assert head.status_code == 200 and head.content == b""
        unauthorised = httpx.get(url, auth=(account, "wrong"))
        assert unauthorised.status_code == 401 and unauthorised.json()["code"] == 20003
        assert unauthorised.headers["WWW-Authenticate"].lower().startswith("basic")
        wrong_method = httpx.delete(url, auth=(account, TOKEN))
        assert wrong_method.status_code == 405 and "GET" in wrong_method.headers["Allow"]
        control = httpx.get(f"{base}/_sim/run")
        assert control.status_code == 405 and control.headers["Allow"] == "POST"


def test_serve_survives_running_out_of_file_descriptors():
    import resource

    def few_descriptors() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    proc = subprocess.Popen(
        [sys.executable, "-m", "conference_sim", "serve", SIMPLE, "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, preexec_fn=few_descriptors,
    )  # fmt: skip
    held: list[socket.socket] = []
    try:
        base = (proc.stdout.readline() if proc.stdout else "").strip().removeprefix("listening on ")
        host, port = base.removeprefix("http://").rsplit(":", 1)
        for _ in range(120):  # more idle connections than the server has descriptors
            s = socket.create_connection((host, int(port)), timeout=5)
            s.sendall(b"GET /_sim/timeline HTTP/1.1\r\n")  # each held open by a thread
            held.append(s)
        time.sleep(1.5)
        for s in held:
            s.close()
        held.clear()
        deadline = time.monotonic() + 30
        while True:  # the stalled ones time out; then it answers again
            try:
                if httpx.get(f"{base}/_sim/timeline", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "serve never recovered"
            time.sleep(0.5)
    finally:
        for s in held:
            s.close()
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "out of file descriptors" in err
    assert "Traceback" not in err
