"""Request signatures as the platforms compute them (SPEC 9).

HMAC-SHA1 with the auth token over the full URL followed by each parameter's name and value in
sorted order, base64-encoded: what ``twilio.request_validator.RequestValidator`` checks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

from ..dialects import Dialect


def signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    text = url + "".join(name + params[name] for name in sorted(params))
    mac = hmac.new(auth_token.encode("utf-8"), text.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def signature_headers(
    dialect: Dialect, auth_token: str, url: str, params: Mapping[str, str]
) -> dict[str, str]:
    """``X-Twilio-Signature`` (twilio); SignalWire sends ``X-SignalWire-Signature`` and the
    Twilio name as an alias, so apps written for either validate."""
    sig = signature(auth_token, url, params)
    return dict.fromkeys(dialect.signature_headers, sig)
