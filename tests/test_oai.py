"""Every response of every implemented operation, validated against the platform's own
description of its API (SPEC 11): twilio-oai's ``spec/json/twilio_api_v2010.json``, as the npm
package ``@twilio-alpha/mcp`` ships it, pinned by version and checksum and cached in
``.cache/oai/`` (fetched from the npm registry when missing; a file that cannot be had is a
failure, never a skip). The official twilio client makes the requests, in-process and over
real HTTP to ``serve``'s server."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tarfile
import threading
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from conference_sim.events import CaptureSink
from conference_sim.model import Scenario
from conference_sim.rest.client import HttpClient
from conference_sim.rest.serve import Server
from conference_sim.rest.server import listen
from conference_sim.runner import Simulation

ROOT = Path(__file__).parent.parent
PACKAGE, VERSION = "@twilio-alpha/mcp", "0.7.0"
SHA256 = "7ff791d1023cad6372496d8aba1c49bc3ffbcf0989b9f96b3a83d2df9d6af755"
MEMBER = "package/twilio-oai/spec/json/twilio_api_v2010.json"
SID = "AC" + "0123456789abcdef" * 2
TOKEN = "oai-token"


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    return as_the_platform_answers(fetch_description())


def fetch_description() -> dict[str, Any]:
    """The pinned description: from the cache, else from the npm registry; checked."""
    cache = ROOT / ".cache" / "oai"
    tgz = cache / f"twilio-alpha-mcp-{VERSION}.tgz"
    if not tgz.exists():
        npm = shutil.which("npm")
        assert npm is not None, "npm is needed to fetch the platform's OpenAPI description"
        cache.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", str(cache), "--silent"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0 and tgz.exists(), done.stderr
    digest = hashlib.sha256(tgz.read_bytes()).hexdigest()
    assert digest == SHA256, f"{tgz} is not the pinned {PACKAGE}@{VERSION} ({digest})"
    with tarfile.open(tgz) as archive:
        member = archive.extractfile(MEMBER)
        assert member is not None
        return json.loads(member.read())  # type: ignore[no-any-return]


def relative_uris_allowed(node: Any) -> Any:
    """The description types every ``uri`` field ``format: uri`` (absolute), while its own
    examples, and the platform, give them relative (``/2010-04-01/Accounts/…``): the examples
    are what the platform sends, so the format is dropped for them."""
    if isinstance(node, dict):
        return {
            k: relative_uris_allowed(v)
            for k, v in node.items()
            if not (k == "format" and v == "uri")
        }
    if isinstance(node, list):
        return [relative_uris_allowed(v) for v in node]
    return node


def as_the_platform_answers(spec: dict[str, Any]) -> dict[str, Any]:
    """Two readings of the description, the platform's: relative ``uri`` fields, and its enums
    (which it marks nowhere nullable) null where their descriptions say "null when …"
    (reason_conference_ended while in progress, a call's answered_by without detection)."""
    spec = relative_uris_allowed(spec)
    for name, component in spec["components"]["schemas"].items():
        if "_enum_" in name and "enum" in component:
            component["nullable"] = True
    return spec


def plain(schema: Any, spec: dict[str, Any]) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema: references inlined, ``nullable`` as a type."""
    if isinstance(schema, list):
        return [plain(s, spec) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        target: Any = spec
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return plain(target, spec)
    out = {k: plain(v, spec) for k, v in schema.items() if not k.startswith("x-")}
    if out.pop("nullable", False):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    out.pop("format", None)  # (date-time-rfc-2822…: the shapes are what is checked)
    return out


class Recorded(HttpClient):
    """The official client's transport in-process, every exchange kept."""

    def __init__(self, target: Any) -> None:
        super().__init__(target)
        self.exchanges: list[tuple[str, str, int, str]] = []

    def request(self, method: str, uri: str, *args: Any, **kwargs: Any) -> Any:
        response = super().request(method, uri, *args, **kwargs)
        self.exchanges.append((method, uri, response.status_code, response.text))
        return response


class OverHttp(TwilioHttpClient):
    """The official client's own transport, over real HTTP to ``serve``'s server."""

    def __init__(self) -> None:
        super().__init__()
        self.exchanges: list[tuple[str, str, int, str]] = []

    def request(self, method: str, uri: str, *args: Any, **kwargs: Any) -> Any:
        response = super().request(method, uri, *args, **kwargs)
        self.exchanges.append((method, uri, response.status_code, response.text))
        return response


def exercise(over_http: bool = False) -> Any:
    """Every implemented operation, once or more, through the official client."""
    scenario = Scenario.from_dict({
        "dialect": "twilio",
        "accounts": {"default": {"sid": SID, "auth_token": TOKEN}},
        "calls": [
            {"name": "host", "conference": "room", "hangup": 300,
             "attributes": {"record": "record-from-start", "trim": "do-not-trim"}},
            {"name": "guest", "at": 5, "conference": "room", "hangup": 300},
        ],
        "documents": {"https://app.example/hold": "<Response><Pause length=\"60\"/></Response>"},
    })  # fmt: skip
    sink = CaptureSink()
    sim = Simulation(scenario, sinks=[sink])
    server = None
    if over_http:
        server = listen("127.0.0.1", 0, Server(sim, sink), quiet=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        http: Any = OverHttp()
        client = Client(SID, TOKEN, http_client=http)
        client.api.base_url = f"http://127.0.0.1:{server.server_port}"
    else:
        http = Recorded(sim)
        client = Client(SID, TOKEN, http_client=http)
    try:
        operations(sim, client)
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
    return http


def operations(sim: Simulation, client: Client) -> None:
    sim.advance(10_000)
    room = client.conferences.list(status="in-progress")[0]
    client.conferences(room.sid).fetch()
    people = client.conferences(room.sid).participants.list()
    host = people[0].call_sid
    client.conferences(room.sid).participants(host).fetch()
    client.conferences(room.sid).participants(host).update(muted=True)
    client.conferences(room.sid).participants.create(from_="+15550001111", to="+15550002222")
    client.calls.list()
    client.calls(host).fetch()
    made = client.calls.create(to="client:agent", from_="+15550001111",
                               twiml="<Response><Pause length=\"5\"/></Response>")  # fmt: skip
    client.calls(made.sid).update(status="canceled")
    started = client.calls(host).recordings.create()
    client.calls(host).recordings.list()
    client.calls(host).recordings(started.sid).fetch()
    client.calls(host).recordings(started.sid).update(status="paused")
    (rec,) = client.conferences(room.sid).recordings.list()
    client.conferences(room.sid).recordings(rec.sid).fetch()
    client.conferences(room.sid).recordings(rec.sid).update(status="paused")
    client.recordings.list()
    client.recordings(rec.sid).fetch()
    sim.advance(20_000)
    client.calls(host).recordings(started.sid).update(status="stopped")
    client.calls(host).recordings(started.sid).delete()
    client.conferences(room.sid).participants(people[1].call_sid).delete()
    client.conferences(room.sid).update(status="completed")
    sim.advance(30_000)
    client.recordings(rec.sid).delete()
    client.calls(made.sid).delete()
    sim.run()


def template(spec: dict[str, Any], uri: str) -> str:
    """The description's path that a request's URI is an instance of."""
    path = "/" + uri.split("://", 1)[-1].split("/", 1)[1].split("?")[0]
    for candidate in spec["paths"]:
        pattern = "".join(
            "[^/]+" if part.startswith("{") else re.escape(part)
            for part in re.split(r"(\{[^}]+\})", candidate)
        )
        if re.fullmatch(pattern, path):
            return candidate
    raise AssertionError(f"no path of the description matches {path}")


@pytest.mark.parametrize("over_http", [False, True], ids=["in-process", "serve"])
def test_SPEC11_every_response_is_valid_against_the_platforms_description(spec, over_http):
    http = exercise(over_http)
    checked: set[tuple[str, str]] = set()
    problems = []
    for method, uri, status, text in http.exchanges:
        path = template(spec, uri)
        operation = spec["paths"][path][method.lower()]
        assert 200 <= status < 300, (method, uri, status, text)
        declared = operation["responses"].get(str(status))
        assert declared is not None, (method, path, status, sorted(operation["responses"]))
        checked.add((method, path))
        if status == 204:
            assert text == ""
            continue
        schema = plain(declared["content"]["application/json"]["schema"], spec)
        errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(json.loads(text)), key=str)
        problems += [f"{method} {path}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
                     for e in errors[:5]]  # fmt: skip
    assert problems == [], "\n".join(problems)
    assert len(checked) >= 24, sorted(checked)
