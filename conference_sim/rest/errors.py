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
