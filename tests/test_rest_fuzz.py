"""A bounded schemathesis run against ``serve`` (SPEC 11), restricted to the operations the
simulator implements: requests made from the platform's own description of its API, valid and
not, with the account's credentials. No 5xx, no hang, and every documented response matches
the description. ``make test`` runs a few examples an operation; ``make fuzz`` many
(CONFERENCE_SIM_SCHEMATHESIS_EXAMPLES)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from test_oai import SID, TOKEN, as_the_platform_answers, fetch_description

from conference_sim.events import CaptureSink
from conference_sim.model import Scenario
from conference_sim.rest.serve import Server
from conference_sim.rest.server import listen
from conference_sim.runner import Simulation

ROOT = Path(__file__).parent.parent
EXAMPLES = int(os.environ.get("CONFERENCE_SIM_SCHEMATHESIS_EXAMPLES", "3"))
IMPLEMENTED = (
    r"^/2010-04-01/Accounts/\{AccountSid\}/("
    r"Conferences(\.json|/\{Sid\}\.json|/\{ConferenceSid\}/(Participants|Recordings)(\.json|/\{[A-Za-z]+\}\.json))"
    r"|Calls(\.json|/\{Sid\}\.json|/\{CallSid\}/Recordings(\.json|/\{Sid\}\.json))"
    r"|Recordings(\.json|/\{Sid\}\.json))$"
)


schema = schemathesis.openapi.from_dict(as_the_platform_answers(fetch_description())).include(
    path_regex=IMPLEMENTED
)


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    scenario = Scenario.from_dict({
        "dialect": "twilio",
        "accounts": {"default": {"sid": SID, "auth_token": TOKEN}},
        "calls": [
            {"name": "host", "conference": "room", "hangup": 3600,
             "attributes": {"record": "record-from-start"}},
            {"name": "guest", "at": 5, "conference": "room", "hangup": 3600},
        ],
    })  # fmt: skip
    sink = CaptureSink()
    sim = Simulation(scenario, sinks=[sink])
    sim.advance(60_000)
    server = listen("127.0.0.1", 0, Server(sim, sink), quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        sim.close()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_SPEC11_serve_answers_what_the_description_allows_without_5xx(case: Any, served: str):
    if "AccountSid" in (case.path_parameters or {}):
        case.path_parameters["AccountSid"] = SID
    case.call_and_validate(
        base_url=served,
        auth=(SID, TOKEN),
        timeout=10,
        checks=[not_a_server_error, response_schema_conformance],
    )
