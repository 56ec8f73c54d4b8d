"""Accounts as users have them (SPEC 11): a scenario declares its accounts' own AccountSid,
auth token and API keys, so an app keeps its real configuration; the run signs each account's
callbacks with its token, and its REST API takes the account's SID and token or an API key
(HTTP Basic, as the platform does). ``conference-sim accounts`` prints them before any run."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

import conference_sim
from conference_sim.errors import ScenarioError
from conference_sim.model import Scenario

SID = "AC" + "0123456789abcdef" * 2
OTHER_SID = "AC" + "00112233445566778899aabbccddeeff"
TOKEN = "tok-of-the-real-account"
KEY, SECRET = "SK" + "fedcba9876543210" * 2, "the-key-secret"
OTHER_KEY = "SK" + "ab" * 16

SCENARIO = {
    "dialect": "twilio",
    "accounts": {
        "default": {"sid": SID, "auth_token": TOKEN, "api_keys": [{"sid": KEY, "secret": SECRET}]},
        "other": {"sid": OTHER_SID, "api_keys": [{"sid": OTHER_KEY, "secret": "other-secret"}]},
    },
    "calls": [{"name": "a", "url": "https://app.example/voice", "hangup": 20}],
}


def app_doing(work: Any) -> Flask:
    """A tutorial-style app: it validates the signature with its own token, then does ``work``
    with the twilio client built from its own configuration."""
    app = Flask("accounts-app")
    app.config["seen"] = []

    @app.post("/voice")
    def voice() -> str:
        valid = RequestValidator(TOKEN).validate(
            request.url, request.form.to_dict(), request.headers.get("X-Twilio-Signature", "")
        )
        app.config["seen"].append(("signed", valid, request.form["AccountSid"]))
        try:
            app.config["seen"].append(("answer", work()))
        except TwilioRestException as err:
            app.config["seen"].append(("refused", err.status, err.code))
        return "<Response><Dial><Conference>room</Conference></Dial></Response>"

    return app


def test_SPEC11_a_declared_account_keeps_its_sid_and_signs_with_its_own_token():
    app = app_doing(lambda: Client(SID, TOKEN).calls.list()[0].account_sid)
    timeline = conference_sim.run(SCENARIO, app=app)
    assert app.config["seen"] == [("signed", True, SID), ("answer", SID)]
    assert {e.params.get("AccountSid") for e in timeline.events("participant-join")} == {SID}


def test_SPEC11_an_api_key_of_the_account_authenticates_as_the_platform_takes_it():
    # twilio-python: Client(api_key, api_secret, account_sid) (research 9)
    app = app_doing(lambda: len(Client(KEY, SECRET, SID).calls.list()))
    conference_sim.run(SCENARIO, app=app)
    assert app.config["seen"][1] == ("answer", 1)


@pytest.mark.parametrize(
    "client",
    [
        pytest.param(lambda: Client(KEY, "wrong-secret", SID), id="wrong-secret"),
        pytest.param(lambda: Client(OTHER_KEY, "other-secret", SID), id="another-accounts-key"),
        pytest.param(lambda: Client(SID, "c0ffee00c0ffee00c0ffee00c0ffee00"), id="default-token"),
    ],
)
def test_SPEC11_AK1_wrong_credentials_are_401_with_20003(client):
    create = {"to": "client:agent", "from_": "+15550001111", "url": "https://app.example/x"}
    app = app_doing(lambda: client().calls.create(**create))
    conference_sim.run(SCENARIO, app=app)
    assert app.config["seen"][1] == ("refused", 401, 20003)


def test_SPEC11_an_account_without_its_own_token_takes_the_scenarios():
    app = app_doing(lambda: len(Client(OTHER_SID, "c0ffee00c0ffee00c0ffee00c0ffee00").calls.list()))
    conference_sim.run(SCENARIO, app=app)
    assert app.config["seen"][1] == ("answer", 0)  # its own account: no calls in it


@pytest.mark.parametrize(
    ("accounts", "message"),
    [
        (
            {"default": {"sid": "AC123"}},
            "accounts.default.sid: 'AC123' is not allowed; allowed: AC followed by 32 hex",
        ),
        (
            {"default": {"sid": SID.upper().replace("AC", "AC", 1)}},
            "allowed: AC followed by 32 hex digits (0-9, a-f)",
        ),
        (
            {"default": {"sid": SID}, "b": {"sid": SID}},
            "accounts.b.sid: is the sid of account 'default' too",
        ),
        (
            {"default": {"api_keys": [{"sid": "SK1", "secret": "x"}]}},
            "accounts.default.api_keys[0].sid: 'SK1' is not allowed",
        ),
        (
            {"default": {"api_keys": [{"sid": KEY}]}},
            "an API key needs its sid (SK…) and its secret",
        ),
        (
            {"default": {"token": "x"}},
            "accounts.default.token: unknown key 'token'; allowed: sid, auth_token, api_keys",
        ),
        ({"default": {"auth_token": "has spaces"}}, "1 to 256 characters, no spaces"),
        # a token is printed by `accounts --format env`: no terminal escapes in it
        ({"default": {"auth_token": "abc\x1b[31mred"}}, "(printable ASCII)"),
        ({}, "accounts: must be a mapping of account names"),
    ],
)
def test_SPEC11_a_bad_account_is_a_located_error(accounts, message):
    data = {**SCENARIO, "accounts": accounts}
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_dict(data, path="s.yaml")
    assert message in str(caught.value)


def test_SPEC11_signalwire_accounts_are_project_ids_and_take_no_api_keys():
    project = "2f1e9e35-1c2a-4d0b-9d5e-5f3c7b8a9e10"
    loaded = Scenario.from_dict(
        {**SCENARIO, "dialect": "signalwire", "accounts": {"default": {"sid": project}}}
    )
    assert loaded.accounts["default"].sid == project
    with pytest.raises(ScenarioError, match="a UUID, as a SignalWire Project ID is"):
        Scenario.from_dict(
            {**SCENARIO, "dialect": "signalwire", "accounts": {"default": {"sid": SID}}}
        )
    with pytest.raises(ScenarioError, match="API keys are Twilio's"):
        Scenario.from_dict(
            {**SCENARIO, "dialect": "signalwire", "accounts": {"default": {"api_keys": []}}}
        )


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conference_sim", *args], capture_output=True, text=True, cwd=cwd
    )


def test_SPEC11_the_runs_sids_and_tokens_can_be_read_before_the_run(tmp_path):
    path = tmp_path / "s.yaml"
    data = {
        **SCENARIO,
        "calls": [
            *SCENARIO["calls"],
            {"name": "b", "conference": "R", "hangup": 5, "account": "acme"},
        ],
    }
    path.write_text(json.dumps(data))
    env = dict(
        line.split("=", 1)
        for line in cli("accounts", str(path), "--format", "env").stdout.splitlines()
    )
    assert env["TWILIO_ACCOUNT_SID"] == SID and env["TWILIO_AUTH_TOKEN"] == TOKEN
    assert env["TWILIO_API_KEY"] == KEY and env["TWILIO_API_SECRET"] == SECRET
    # an undeclared account: the SID the run will give it
    timeline = conference_sim.run(Scenario.from_file(path))
    acme = {e.params["AccountSid"] for e in timeline.events(call="b") if "AccountSid" in e.params}
    assert acme == {env["TWILIO_ACCOUNT_SID_ACME"]}
    listed = json.loads(cli("accounts", str(path), "--format", "json").stdout)
    assert [a["account"] for a in listed["accounts"]] == ["default", "other", "acme"]
    table = cli("accounts", str(path)).stdout
    assert table.startswith("dialect: twilio\n") and f"default  {SID}  token {TOKEN}" in table


def test_SPEC11_a_bad_accounts_file_is_exit_2_with_the_line(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        textwrap.dedent("""\
        dialect: twilio
        accounts:
          default: {sid: ACnothex}
        calls: [{name: a, conference: R, hangup: 5}]
        """)
    )
    done = cli("accounts", str(path))
    assert done.returncode == 2 and done.stdout == ""
    assert f"{path}:3: accounts.default.sid: 'ACnothex' is not allowed" in done.stderr
