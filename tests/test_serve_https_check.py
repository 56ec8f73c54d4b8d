"""``serve`` for the SDKs and the harnesses that need more (SPEC 11): ``--https`` with a
certificate made at start and its CA file printed (the SignalWire SDKs speak https only), and
``--check``: once the run has ended, the scenario's expect block (and golden file) is checked,
the report printed and serve exits 0 or 1."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
from twilio.rest import Client

ROOT = Path(__file__).parent.parent
TOKEN = "c0ffee00c0ffee00c0ffee00c0ffee00"


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "conference_sim", "serve", *args, "--port", "0", "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip


def test_SPEC11_serve_https_is_verified_with_the_printed_ca_file(tmp_path, monkeypatch):
    ca = tmp_path / "ca.pem"
    proc = start("scenarios/01-simple.yaml", "--https", "--ca-file", str(ca))
    try:
        assert proc.stdout is not None
        said = proc.stdout.readline().strip()
        assert said == f"CA certificate: {ca} (REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS)"
        base = proc.stdout.readline().strip().removeprefix("listening on ")
        assert base.startswith("https://127.0.0.1:")
        verified = ssl.create_default_context(cafile=str(ca))
        first = httpx.post(f"{base}/_sim/advance", data={"to": "30"}, verify=verified)
        events = [json.loads(line) for line in first.text.splitlines()]
        sid = next(e["params"]["AccountSid"] for e in events if "AccountSid" in e["params"])
        # the official client, told of the CA file as users tell it: REQUESTS_CA_BUNDLE
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
        client = Client(sid, TOKEN)
        client.api.base_url = base
        assert [c.status for c in client.conferences.list()] == ["in-progress"]
        try:  # an unverified client is refused by TLS, not answered
            httpx.get(f"{base}/_sim/timeline")
            raise AssertionError("an unverified https request was answered")
        except httpx.ConnectError as err:
            assert "CERTIFICATE_VERIFY_FAILED" in str(err)
    finally:
        proc.terminate()
        proc.wait(10)


def test_SPEC11_serve_check_judges_the_run_once_it_has_ended(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "calls:\n"
        "  - {name: a, conference: R, hangup: 60}\n"
        "  - {name: b, at: 10, conference: R, hangup: 30}\n"
        "expect:\n  timeline: [10 conference-start, 60 conference-end]\n"
    )
    proc = start(str(scenario), "--check")
    assert proc.stdout is not None
    base = proc.stdout.readline().strip().removeprefix("listening on ")
    httpx.post(f"{base}/_sim/advance", data={"to": "20"})
    httpx.post(f"{base}/_sim/run")
    out, _err = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert out.startswith(f"PASS {scenario}") and "1 passed, 0 failed" in out


def test_SPEC11_serve_check_fails_what_the_run_did_not_do(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "calls:\n  - {name: a, conference: R, hangup: 60}\n"
        "expect:\n  timeline: [conference-start]\n"
    )
    proc = start(str(scenario), "--check")
    assert proc.stdout is not None
    base = proc.stdout.readline().strip().removeprefix("listening on ")
    httpx.post(f"{base}/_sim/run")
    out, _err = proc.communicate(timeout=20)
    assert proc.returncode == 1 and "FAIL" in out and "conference-start" in out


def test_SPEC11_serve_check_stopped_before_the_end_is_a_failure(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "calls:\n  - {name: a, conference: R, hangup: 60}\nexpect:\n  never: [beep]\n"
    )
    proc = start(str(scenario), "--check")
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.terminate()  # SIGTERM: a harness stopping serve early
    out, _err = proc.communicate(timeout=20)
    assert proc.returncode == 1 and "stopped before the run ended" in out


def test_SPEC6_serve_options_that_need_another_are_bad_input_naming_it():
    for option, needs in (("--golden", "add --check"), ("--ca-file", "add --https")):
        argv = [option] if option == "--golden" else [option, "ca.pem"]
        done = subprocess.run(
            [sys.executable, "-m", "conference_sim", "serve", "scenarios/01-simple.yaml", *argv],
            capture_output=True, text=True, timeout=60, cwd=Path(__file__).parent.parent,
        )  # fmt: skip
        assert done.returncode == 2 and f"conference-sim: {option}: " in done.stderr
        assert needs in done.stderr and "Traceback" not in done.stderr
