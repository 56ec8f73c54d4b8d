"""The run's accounts as an app configures itself with them: each account's AccountSid, auth
token and API keys, known before the run (``conference-sim accounts``), and the environment
variables an app started by conference-sim is given (SPEC 11).

An account the scenario declares keeps its own SID and token; any other account of the
scenario (``default``, and each ``account:`` its calls name) gets a SID made from the seed and
its name, and the scenario's ``auth_token``.
"""

from __future__ import annotations

from attrs import frozen

from .model import ApiKey, Scenario


@frozen
class Credential:
    account: str
    sid: str
    auth_token: str
    api_keys: tuple[ApiKey, ...] = ()


def account_names(scenario: Scenario) -> list[str]:
    """``default`` first, then the declared accounts, then those the calls name."""
    names = ["default", *scenario.accounts, *(c.account for c in scenario.calls)]
    return list(dict.fromkeys(names))


def credentials(
    scenario: Scenario, *, seed: int | None = None, auth_token: str | None = None
) -> list[Credential]:
    seed = scenario.seed if seed is None else seed
    out = []
    for name in account_names(scenario):
        declared = scenario.accounts.get(name)
        sid = declared.sid if declared is not None and declared.sid else None
        out.append(
            Credential(
                name,
                sid or scenario.dialect.sid("AC", seed, name),
                scenario.token_of(name, auth_token),
                declared.api_keys if declared is not None else (),
            )
        )
    return out


def environment(
    scenario: Scenario,
    *,
    seed: int | None = None,
    auth_token: str | None = None,
    api_base: str | None = None,
) -> dict[str, str]:
    """The variables the tutorials read: ``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN``,
    ``TWILIO_API_KEY``/``TWILIO_API_SECRET`` (twilio) or ``SIGNALWIRE_PROJECT_ID``,
    ``SIGNALWIRE_TOKEN`` (signalwire), for the default account; ``…_<NAME>`` for the others.
    With ``api_base`` (a REST API served for the run), where the app should send its REST calls:
    ``CONFERENCE_SIM_API_BASE``."""
    env: dict[str, str] = {}
    twilio = scenario.dialect.sid_shape == "prefixed"
    for cred in credentials(scenario, seed=seed, auth_token=auth_token):
        suffix = "" if cred.account == "default" else "_" + cred.account.upper().replace("-", "_")
        suffix = suffix.replace(".", "_")
        if twilio:
            env[f"TWILIO_ACCOUNT_SID{suffix}"] = cred.sid
            env[f"TWILIO_AUTH_TOKEN{suffix}"] = cred.auth_token
            if cred.api_keys:
                env[f"TWILIO_API_KEY{suffix}"] = cred.api_keys[0].sid
                env[f"TWILIO_API_SECRET{suffix}"] = cred.api_keys[0].secret
        else:
            env[f"SIGNALWIRE_PROJECT_ID{suffix}"] = cred.sid
            env[f"SIGNALWIRE_TOKEN{suffix}"] = cred.auth_token
    if api_base is not None:
        env["CONFERENCE_SIM_API_BASE"] = api_base
    return env
