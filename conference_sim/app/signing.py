"""Request signatures as the platforms compute them (SPEC 9).

HMAC-SHA1 with the auth token over the full URL followed by each parameter's name and value in
sorted order, base64-encoded: what ``twilio.request_validator.RequestValidator`` checks.
"""

from __future__ import annotations

import base64
import functools
import hmac
from collections.abc import Mapping
from urllib.parse import quote_plus

from ..dialects import Dialect


@functools.lru_cache(maxsize=8192)
def quoted(text: str) -> str:
    """One form value or name as ``urlencode`` writes it (the same values recur: SIDs, event
    names, ``true``/``false``)."""
    return quote_plus(text)


@functools.lru_cache(maxsize=8192)
def pair(name: str, value: str) -> str:
    """``name=value`` as ``urlencode`` writes it (a callback's pairs recur: its SIDs, the event
    names, ``Muted=false``)."""
    return quoted(name) + "=" + quoted(value)


def form_encode(params: Mapping[str, str]) -> str:
    """``urllib.parse.urlencode(params)``, byte for byte, for the platform's string params."""
    return "&".join(map(pair, params.keys(), params.values()))


@functools.lru_cache(maxsize=64)
def keyed(auth_token: str) -> hmac.HMAC:
    """HMAC-SHA1 with the token as its key, copied for each signature (keyed once a token)."""
    return hmac.new(auth_token.encode("utf-8"), digestmod="sha1")


def signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    text = url + "".join([name + params[name] for name in sorted(params)])
    mac = keyed(auth_token).copy()
    mac.update(text.encode("utf-8"))
    return base64.b64encode(mac.digest()).decode("ascii")


def signature_headers(
    dialect: Dialect, auth_token: str, url: str, params: Mapping[str, str]
) -> dict[str, str]:
    """``X-Twilio-Signature`` (twilio); SignalWire sends ``X-SignalWire-Signature`` and the
    Twilio name as an alias, so apps written for either validate."""
    sig = signature(auth_token, url, params)
    return dict.fromkeys(dialect.signature_headers, sig)
