"""Inline cXML documents and the ``documents:``/``media:`` maps of a scenario."""

from __future__ import annotations

from typing import Any

from ..errors import DocumentError, ScenarioError
from ..model import Document
from ..timeparse import excerpt
from . import cxml
from .schema import URL, At, describe, time

MAX_DOCUMENT = 100_000


def url_map(at: At, what: str) -> list[At]:
    """The items of a ``URL: value`` mapping (``media:``, ``documents:``); None is empty."""
    if at.value is None:
        return []
    if not isinstance(at.value, dict):
        raise at.fail(f"must be a mapping of URL: {what}; got {describe(at.value)}")
    return [at.child(url, f"[{excerpt(url)}]") for url in at.value]


def media_map(at: At) -> dict[str, int]:
    out = {}
    for item in url_map(at, "seconds"):
        ms = time("a media duration")(item)
        if ms <= 0:
            raise item.fail("a media duration must be more than 0 s")
        out[str(item.key)] = ms
    return out


def document(at: At, dialect: Any, source: str) -> Document:
    """An inline cXML document; XML errors are located at their line inside a block scalar."""
    text = at.value
    if not isinstance(text, str):
        raise at.fail(f"must be a cXML document (a string); got {describe(text)}")
    if len(text) > MAX_DOCUMENT:
        raise at.fail(
            f"is {len(text):,} characters long; a document may be at most {MAX_DOCUMENT:,}"
        )
    try:
        return cxml.parse_document(text, dialect, source=source)
    except DocumentError as err:
        line = at.line
        style = getattr(at.container, "value_styles", {}).get(at.key)
        if line is not None and err.line is not None and style in ("|", ">"):
            line = line + err.line
        where = f"{at.where}: {err.where}" if err.where else at.where
        raise ScenarioError(err.message, path=at.path, line=line, where=where) from None


def document_map(at: At, dialect: Any) -> dict[str, Document]:
    out = {}
    for item in url_map(at, "cXML document"):
        url = item.key
        if not isinstance(url, str) or not URL.match(url):
            raise item.fail(f"key {excerpt(url)} is not allowed; allowed: an absolute http(s) URL")
        out[url] = document(item, dialect, source=url)
    return out
