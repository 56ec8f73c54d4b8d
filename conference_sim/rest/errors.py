"""Requests to the simulated platform and its JSON errors: a bounded request, the platform's
error shape (``{"code", "message", "more_info", "status"}``), and a JSON response."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request, Response


class ApiRequest(Request):
    """A request to the simulated platform: its body is bounded. The platform's REST calls
    carry a few short parameters; a body of more than MAX_BODY bytes (or a multipart form of
    more than 1 000 parts) is refused before it is read into memory."""

    max_content_length = MAX_BODY = 1_000_000
    max_form_memory_size = MAX_BODY
    max_form_parts = 1_000


class ApiError(Exception):
    """The platform's error answer; ``allow`` lists the methods a 405's resource takes."""

    def __init__(
        self, status: int, code: int, message: str, *, allow: tuple[str, ...] | list[str] = ()
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.allow = tuple(allow)


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def not_found(path: str) -> ApiError:
    return ApiError(404, 20404, f"The requested resource {path} was not found")


# The resources of the 2010 API (twilio-oai's description), by their first path segment under
# the account: a request to one that the simulator does not serve is "not simulated" (NS1),
# told apart from a resource that does not exist (20404).
API_2010_RESOURCES = frozenset(
    {
        "Addresses", "Applications", "AuthorizedConnectApps", "AvailablePhoneNumbers",
        "Balance", "Calls", "Conferences", "ConnectApps", "IncomingPhoneNumbers", "Keys",
        "Messages", "Notifications", "OutgoingCallerIds", "Queues", "Recordings", "SIP", "SMS",
        "SigningKeys", "Tokens", "Transcriptions", "Usage",
    }
)  # fmt: skip


class NotSimulated(ApiError):
    """A request the platform would answer and the simulator cannot follow (NS1): 501, no
    platform error code, a message that says so; it changes nothing and reaches nothing."""

    def __init__(self, method: str, path: str) -> None:
        super().__init__(
            501,
            0,
            f"conference-sim does not simulate {method} {path}; the request was answered here "
            "and sent nowhere (the simulated resources are in the REST reference)",
        )
        self.method, self.path = method, path
