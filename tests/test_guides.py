"""The guides' apps, driven as their pages say (SPEC 11): an Express app with twilio-node
passes ``conference-sim check`` with one command, which starts it (as Playwright's webServer
starts an app), serves the run's REST API on a loopback port and stops it after. The Node
packages install from the npm registry into ``.cache/`` (pinned in the guide's package.json)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parent.parent
GUIDES = ROOT / "docs" / "guides"
EXPRESS = GUIDES / "express"
SIGNALWIRE_NODE = GUIDES / "signalwire-node"
SIGNALWIRE_PYTHON = GUIDES / "signalwire-python"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def installed(guide: Path) -> Path:
    """A Node guide's packages, installed once per package.json (npm registry)."""
    npm = shutil.which("npm")
    assert npm is not None and shutil.which("node"), "the Node guides need node and npm on PATH"
    manifest = (guide / "package.json").read_bytes()
    folder = ROOT / ".cache" / f"node-guide-{hashlib.sha256(manifest).hexdigest()[:12]}"
    if not (folder / ".installed").exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "package.json").write_bytes(manifest)
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--silent"],
            cwd=folder, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, f"npm install failed:\n{done.stdout}{done.stderr}"
        (folder / ".installed").touch()
    return folder / "node_modules"


@pytest.fixture(scope="session")
def node_modules() -> Path:
    return installed(EXPRESS)


def conference_sim(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conference_sim", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=180, env={**os.environ, **(env or {})},
    )  # fmt: skip


def closed_network(node_modules: Path) -> dict[str, str]:
    """Node finds the packages; DNS is refused and sockets connect only to loopback
    (tests/node/no-network.js, preloaded), so what works was answered by the run."""
    preload = Path(__file__).parent / "node" / "no-network.js"
    return {"NODE_PATH": str(node_modules), "NODE_OPTIONS": f"--require {preload}"}


def test_SPEC11_the_express_guides_app_passes_check_with_one_command(node_modules):
    app = f"http://127.0.0.1:{free_port()}"
    command = f"node {EXPRESS / 'app.js'}"
    desk = str(EXPRESS / "desk.yaml")
    done = conference_sim(
        "check", desk, "--app", app, "--app-command", command, env=closed_network(node_modules)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS" in done.stdout and "REST API on http://127.0.0.1:" in done.stderr
    # the same run's timeline: the agent was dialled through the served REST API
    run = conference_sim(
        "run", desk, "--app", app, "--app-command", command, "--format", "jsonl",
        env=closed_network(node_modules),
    )  # fmt: skip
    events = [json.loads(line) for line in run.stdout.splitlines()]
    created = [e for e in events if e["event"] == "call-progress" and e["call"] == "agent"]
    assert [e["params"]["CallStatus"] for e in created][:3] == [
        "initiated",
        "ringing",
        "in-progress",
    ]
    assert not [e for e in events if e["kind"] == "warning"]


def test_SPEC11_the_signalwire_node_sdk_reaches_the_run_over_https_unchanged():
    # @signalwire/compatibility-api reads SIGNALWIRE_SPACE_URL and speaks https only
    modules = installed(SIGNALWIRE_NODE)
    app = f"http://127.0.0.1:{free_port()}"
    done = conference_sim(
        "check", str(SIGNALWIRE_NODE / "line.yaml"), "--https", "--app", app,
        "--app-command", f"node {SIGNALWIRE_NODE / 'app.js'}", env=closed_network(modules),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "REST API on https://127.0.0.1:" in done.stderr
    ca = done.stderr.split("its CA certificate: ")[1].split()[0]
    assert not Path(ca).exists()  # made for the command, gone with it


def signalwire_venv() -> Path:
    """A venv of its own for SignalWire's Python SDK (it pins twilio 6), once per requirements."""
    requirements = SIGNALWIRE_PYTHON / "requirements.txt"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]
    venv = ROOT / ".cache" / f"signalwire-py-{digest}"
    python = venv / "bin" / "python"
    if not (venv / ".installed").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "-r", str(requirements)],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert done.returncode == 0, f"pip install failed:\n{done.stdout}{done.stderr}"
        (venv / ".installed").touch()
    return python


def test_SPEC11_the_signalwire_python_sdk_reaches_the_run_over_https():
    python = signalwire_venv()
    app = f"http://127.0.0.1:{free_port()}"
    no_network = {"PYTHONPATH": str(Path(__file__).parent / "no_network_python")}
    done = conference_sim(
        "check", str(SIGNALWIRE_PYTHON / "line.yaml"), "--https", "--app", app,
        "--app-command", f"{python} {SIGNALWIRE_PYTHON / 'app.py'}", env=no_network,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_SPEC11_a_start_command_that_fails_is_exit_2_with_its_last_lines():
    app = f"http://127.0.0.1:{free_port()}"
    crash = f"{sys.executable} -c \"print('starting'); raise SystemExit('no database')\""
    done = conference_sim("run", str(EXPRESS / "desk.yaml"), "--app", app, "--app-command", crash)
    assert done.returncode == 2 and done.stdout == ""
    assert "--app-command: " in done.stderr and "exited with status 1" in done.stderr
    assert "  | starting\n" in done.stderr and "  | no database\n" in done.stderr


def test_SPEC11_a_start_command_that_writes_without_newlines_is_kept_in_pieces_escaped():
    """Its output is read a bounded piece at a time (a start command that writes megabytes on
    one line cannot fill memory), and shown with its control characters escaped."""
    app = f"http://127.0.0.1:{free_port()}"
    flood = (
        f"{sys.executable} -c \"import sys; sys.stdout.write('\\x1b[2J' + 'x' * 5000000); "
        'raise SystemExit(3)"'
    )
    done = conference_sim("run", str(EXPRESS / "desk.yaml"), "--app", app, "--app-command", flood)
    assert done.returncode == 2 and "exited with status 3" in done.stderr
    assert "\x1b" not in done.stderr and "\\x1b[2J" in done.stderr
    assert len(done.stderr) < 200_000  # the last pieces only


def test_SPEC11_a_start_command_whose_app_never_answers_is_exit_2_after_the_timeout():
    app = f"http://127.0.0.1:{free_port()}"
    sleeper = (
        f"{sys.executable} -c \"import time; print('listening soon', flush=True); time.sleep(60)\""
    )
    done = conference_sim(
        "run", str(EXPRESS / "desk.yaml"), "--app", app, "--app-command", sleeper,
        "--app-timeout", "1",
    )  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert (
        f"nothing answered at {app} within 1 s" in done.stderr and "listening soon" in done.stderr
    )


def test_SPEC11_an_api_port_in_use_is_exit_2():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = conference_sim("run", "scenarios/01-simple.yaml", "--api-port", str(port))
    assert done.returncode == 2 and done.stdout == ""
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr


def test_SPEC11_app_command_needs_the_url_it_answers_at():
    done = conference_sim("run", "scenarios/01-simple.yaml", "--app-command", "true")
    assert done.returncode == 2 and "--app-command: needs the URL its app answers at" in done.stderr


def guide_module(folder: str, name: str) -> Any:
    """A Python guide's app module, imported as the scenario's ``app:`` imports it."""
    import importlib

    sys.path.insert(0, str(GUIDES / folder))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.pop(0)


def test_SPEC11_the_fastapi_guide_reaches_the_run_from_async_sync_and_background_code(
    no_network,
):
    import conference_sim as sim

    callqueue = guide_module("fastapi", "callqueue")
    callqueue.seen.clear()
    scenario = sim.Scenario.from_file(GUIDES / "fastapi" / "callqueue.yaml")
    timeline = sim.run(scenario)
    assert not list(timeline.events(kind="warning"))
    # the async client's create, the sync route's list, the background task's fetch
    assert callqueue.seen == ["dialled", "created queued", "1 room waiting", "room is init"]
    assert no_network == []
    done = conference_sim("check", str(GUIDES / "fastapi" / "callqueue.yaml"))
    assert done.returncode == 0 and "PASS" in done.stdout, done.stdout + done.stderr


def test_SPEC11_the_django_guide_passes_check_and_an_exception_shows_its_cause(no_network):
    import conference_sim as sim

    done = conference_sim("check", str(GUIDES / "django" / "hotline.yaml"))
    assert done.returncode == 0 and "PASS" in done.stdout, done.stdout + done.stderr
    hotline = guide_module("django", "hotline")
    broken = {
        "dialect": "twilio",
        "accounts": {"default": {"sid": hotline.ACCOUNT_SID, "auth_token": hotline.AUTH_TOKEN}},
        "calls": [{"name": "c", "url": "https://app.example/broken", "hangup": 5}],
    }
    timeline = sim.run(broken, app=hotline.application)
    (failed,) = timeline.events("request-failed")
    assert failed.params["reason"] == "the app raised ZeroDivisionError: division by zero"
    assert no_network == []


def test_SPEC11_shell_with_api_port_needs_a_scenario_file():
    done = subprocess.run(
        [sys.executable, "-m", "conference_sim", "shell", "--api-port", "0"],
        input="quit\n", capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert "--api-port, --app-command, --https: needs a scenario file" in done.stderr


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-5"])
def test_SPEC11_an_app_timeout_that_could_hang_or_never_wait_is_refused(value):
    done = conference_sim("run", "scenarios/01-simple.yaml", "--app-timeout", value)
    assert done.returncode == 2 and "--app-timeout" in done.stderr and "0.1 to 3600" in done.stderr


STRAY_APP = """
import os, sys
from wsgiref.simple_server import make_server
from twilio.rest import Client

def app(environ, start_response):
    try:  # a client left pointing at the real platform
        Client(os.environ["TWILIO_ACCOUNT_SID"], os.environ["TWILIO_AUTH_TOKEN"]).calls.list()
        said = "REACHED"
    except Exception as err:
        said = type(err).__name__ + " " + str(err)
    with open(os.environ["STRAY_OUT"], "w") as out:
        out.write(said)
    start_response("200 OK", [("Content-Type", "text/xml")])
    return [b"<Response><Hangup/></Response>"]

make_server("127.0.0.1", int(os.environ["PORT"]), app).serve_forever()
"""


def test_SPEC11_an_app_started_by_conference_sim_cannot_reach_the_real_platform(tmp_path):
    # its client left on api.twilio.com goes through a proxy that is not there: it fails at
    # once, and nothing leaves the machine
    script, out = tmp_path / "stray.py", tmp_path / "said.txt"
    script.write_text(STRAY_APP)
    scenario = tmp_path / "s.yaml"
    scenario.write_text("dialect: twilio\ncalls: [{name: c, url: https://app.example/voice}]\n")
    app = f"http://127.0.0.1:{free_port()}"
    done = conference_sim(
        "run", str(scenario), "--app", app, "--app-command", f"{sys.executable} {script}",
        env={"STRAY_OUT": str(out)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    said = out.read_text()
    assert said.startswith("ProxyError") and "api.twilio.com" in said
