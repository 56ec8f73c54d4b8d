"""Lists in pages, as the platform pages them (rule PG1), so that the official clients'
``.list(limit=)``, ``.stream()``, ``.page()`` and ``next_page()`` walk real pages.

``PageSize`` is 1 to 1000 (default 50; more is 20007, less or not a number 20001); ``Page``
counts from 0; ``PageToken`` is what a page's ``next_page_uri`` or ``previous_page_uri``
carries (``PA<start>`` / ``PB<start>``); a ``Page`` past 0 without it is 70002 in the twilio
dialect, 54453 in the signalwire one. A page carries ``first_page_uri``, ``next_page_uri``,
``previous_page_uri`` (None at either end), ``page``, ``page_size``, ``start``, ``end`` and
``uri``, each URI keeping the request's filters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from ..dialects import Dialect
from .errors import ApiError

PAGING = ("PageSize", "Page", "PageToken")


def page(key: str, path: str, items: list[dict[str, Any]], params: Mapping[str, str],
         dialect: Dialect) -> dict[str, Any]:  # fmt: skip
    too_large, bad_token, no_token = dialect.paging_codes
    size_text = params.get("PageSize", "50")
    if not size_text.isdigit() or int(size_text) < 1:
        raise ApiError(400, 20001, f"PageSize: {size_text!r} is not a whole number from 1")
    size = int(size_text)
    if size > 1000:
        raise ApiError(400, too_large,
                       "Page size too large: at most 1000")  # fmt: skip
    page_text = params.get("Page", "0")
    if not page_text.isdigit():
        raise ApiError(400, 20001, f"Page: {page_text!r} is not a whole number from 0")
    number = int(page_text)
    token = params.get("PageToken")
    if token is not None:
        if not (token[:2] in ("PA", "PB") and token[2:].isdigit()):
            raise ApiError(400, bad_token, "Invalid PageToken")
        start = int(token[2:])
    elif number > 0:
        raise ApiError(400, no_token,
                       "Paged requests must include a PageToken")  # fmt: skip
    else:
        start = 0
    chunk = items[start : start + size]
    pairs = params.items(multi=True) if hasattr(params, "getlist") else params.items()  # type: ignore[call-arg]
    filters = [(k, v) for k, v in pairs if k not in PAGING]

    def uri(page_number: int, token_value: str | None) -> str:
        query = [*filters, ("PageSize", str(size)), ("Page", str(page_number))]
        if token_value is not None:
            query.append(("PageToken", token_value))
        return f"{path}?{urlencode(query)}"

    more = start + size < len(items)
    return {
        key: chunk,
        "end": start + max(len(chunk) - 1, 0),
        "first_page_uri": uri(0, None),
        "next_page_uri": uri(number + 1, f"PA{start + size}") if more else None,
        "page": number,
        "page_size": size,
        "previous_page_uri": uri(number - 1, f"PB{max(start - size, 0)}") if start > 0 else None,
        "start": start,
        "uri": uri(number, token),
    }
