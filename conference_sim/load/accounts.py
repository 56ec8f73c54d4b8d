"""The ``accounts:`` block: accounts with their own AccountSid, auth token and API keys, so an
app keeps its real configuration (SPEC 11)::

    accounts:
      default:
        sid: AC0123456789abcdef0123456789abcdef     # twilio; signalwire: the Project ID (a UUID)
        auth_token: your-auth-token
        api_keys:                                     # twilio: HTTP Basic with the key
          - {sid: SK0123456789abcdef0123456789abcdef, secret: your-key-secret}
"""

from __future__ import annotations

import re

from ..dialects import Dialect
from ..model import Account, ApiKey
from .schema import At, listed, mapping, string

UUID = re.compile(r"\A[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
# printable ASCII only: a token is printed (``accounts --format env``) and put in headers
SECRET = string(re.compile(r"\A[!-~]{1,256}\Z"), "1 to 256 characters, no spaces (printable ASCII)")
NAME = re.compile(r"\A[A-Za-z0-9_.-]{1,64}\Z")


def sid_of(kind: str, dialect: Dialect) -> tuple[re.Pattern[str], str]:
    if dialect.sid_shape == "prefixed":
        return re.compile(
            rf"\A{kind}[0-9a-f]{{32}}\Z"
        ), f"{kind} followed by 32 hex digits (0-9, a-f)"
    return UUID, "a UUID, as a SignalWire Project ID is (8-4-4-4-12 hex digits, lowercase)"


def accounts(at: At, dialect: Dialect) -> dict[str, Account]:
    if not isinstance(at.value, dict) or not at.value:
        raise at.fail("must be a mapping of account names to {sid, auth_token, api_keys}")
    out: dict[str, Account] = {}
    sids: dict[str, str] = {}
    for item in at.items():
        name = str(item.key)
        if not NAME.match(name):
            raise item.fail(
                f"{name!r} is not allowed as an account name; allowed: 1 to 64 letters, "
                "digits, '_', '.', '-'"
            )
        account = one(item, name, dialect)
        if account.sid is not None:
            if account.sid in sids:
                raise item.child("sid").fail(
                    f"is the sid of account {sids[account.sid]!r} too; each account has its own"
                )
            sids[account.sid] = name
        out[name] = account
    return out


def one(at: At, name: str, dialect: Dialect) -> Account:
    if at.value is None:
        return Account(name)
    mapping(("sid", "auth_token", "api_keys"), "a mapping with sid, auth_token, api_keys")(at)
    pattern, allowed = sid_of("AC", dialect)
    sid = at.get("sid", string(pattern, allowed), None)
    token = at.get("auth_token", SECRET, None)
    keys = at.get("api_keys", lambda a: api_keys(a, dialect), ())
    return Account(name, sid=sid, auth_token=token, api_keys=keys)


def api_keys(at: At, dialect: Dialect) -> tuple[ApiKey, ...]:
    if dialect.sid_shape != "prefixed":
        raise at.fail(
            "API keys are Twilio's; SignalWire authenticates with the Project ID and an API "
            "token: give the token as this account's auth_token"
        )
    listed("a list of {sid, secret}")(at)
    pattern, allowed = sid_of("SK", dialect)
    keys = []
    for item in at.items():
        mapping(("sid", "secret"), "a mapping with sid and secret")(item)
        if not item.has("sid") or not item.has("secret"):
            raise item.fail("an API key needs its sid (SK…) and its secret")
        keys.append(
            ApiKey(
                item.get("sid", string(pattern, allowed), ""),
                item.get("secret", SECRET, ""),
            )
        )
    return tuple(keys)
