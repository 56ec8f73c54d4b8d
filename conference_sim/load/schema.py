"""Small composable validators for the YAML tree, with one message shape.

A validator is a callable that takes an :class:`At` (a value and where it is: its container, its
key, the dotted path, the file) and returns the typed value, or raises a located
:class:`~conference_sim.errors.ScenarioError` naming the field, what came and what is allowed.
Like attrs' ``in_``/``instance_of``/``optional``, they combine: ``optional(url())``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from attrs import frozen

from ..errors import InputError, ScenarioError
from ..timeparse import excerpt, to_ms
from .yamlsource import LineDict, LineList

T = TypeVar("T")
Validator = Callable[["At"], T]

URL = re.compile(r"^https?://[^\s/]+\S*$")
CALLSID_LIKE = re.compile(
    r"^(CA[0-9a-fA-F]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)


def line_of(container: Any, key: Any) -> int | None:
    """The line of ``container[key]`` in its file, when the container knows it."""
    if isinstance(container, LineDict):
        return container.line_of(key)
    if isinstance(container, LineList) and isinstance(key, int):
        return container.line_of(key)
    return getattr(container, "line", None)


def describe(value: Any) -> str:
    """What a value is, in words for a message: 'a mapping', 'a list', 'a number'…"""
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    return names.get(type(value), "nothing" if value is None else type(value).__name__)


@frozen
class At:
    """``container[key]``, found at the dotted path ``where`` of the file ``path``."""

    container: Any
    key: Any
    where: str
    path: str | None = None

    @classmethod
    def root(cls, data: Any, path: str | None) -> At:
        return cls({None: data}, None, "", path)

    @property
    def value(self) -> Any:
        return self.container[self.key]

    @property
    def line(self) -> int | None:
        if self.key is None and isinstance(self.container, dict) and None in self.container:
            return getattr(self.value, "line", None)
        return line_of(self.container, self.key)

    def has(self, key: Any) -> bool:
        value = self.value
        return isinstance(value, Mapping) and key in value

    def child(self, key: Any, label: str | None = None) -> At:
        """The item ``key`` of this mapping or list; ``label`` overrides its dotted name."""
        if label is None:
            label = f"[{key}]" if isinstance(key, int) else str(key)
        sep = "" if not self.where or label.startswith("[") else "."
        return At(self.value, key, f"{self.where}{sep}{label}", self.path)

    def items(self) -> Iterable[At]:
        """Each item of this list, or each key of this mapping."""
        value = self.value
        keys = range(len(value)) if isinstance(value, list) else list(value)
        return [self.child(k) for k in keys]

    def fail(self, message: str, *, line: int | None = None) -> ScenarioError:
        return ScenarioError(
            message, path=self.path, line=line or self.line, where=self.where or None
        )

    def get(self, key: str, validator: Validator[T], default: T) -> T:
        return validator(self.child(key)) if self.has(key) else default


# -- validators ------------------------------------------------------------------------------------
def mapping(allowed: Iterable[str], what: str = "a mapping") -> Validator[Mapping[str, Any]]:
    """A mapping whose keys are all in ``allowed``."""
    keys = tuple(allowed)

    def check(at: At) -> Mapping[str, Any]:
        value = at.value
        if not isinstance(value, Mapping):
            raise at.fail(f"must be {what}; got {describe(value)}")
        for k in value:
            if k not in keys:
                raise at.child(k).fail(f"unknown key {excerpt(k)}; allowed: {', '.join(keys)}")
        return value

    return check


MAX_STRING = 2048  # characters in a name, URL, number… (documents have their own limit)


def string(pattern: re.Pattern[str] | None = None, allowed: str = "") -> Validator[str]:
    """A string (numbers are taken as their text), matching ``pattern`` when given."""

    def check(at: At) -> str:
        value = at.value
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise at.fail(f"must be a string; got {describe(value)}")
        text = str(value)
        if len(text) > MAX_STRING:
            raise at.fail(f"is {len(text):,} characters long; at most {MAX_STRING} are allowed")
        if pattern is not None and not pattern.match(text):
            raise at.fail(f"{excerpt(text)} is not allowed; allowed: {allowed}")
        return text

    return check


def choice(*allowed: str) -> Validator[str]:
    return string(re.compile(f"^({'|'.join(map(re.escape, allowed))})$"), ", ".join(allowed))


METHOD = choice("GET", "POST")


def time(what: str = "time") -> Validator[int]:
    """A scenario time or duration, in milliseconds."""

    def check(at: At) -> int:
        try:
            return to_ms(at.value, what=what)
        except InputError as err:
            raise at.fail(err.message) from None

    return check


def url(*, empty_ok: bool = False) -> Validator[str]:
    """An absolute http(s) URL (or the empty string, where that means 'none')."""

    def check(at: At) -> str:
        text = string()(at)
        if not URL.match(text) and not (empty_ok and text == ""):
            raise at.fail(f"{excerpt(text)} is not an absolute http(s) URL")
        return text

    return check


def boolean(at: At) -> bool:
    value = at.value
    if not isinstance(value, bool):
        raise at.fail(f"must be true or false; got {excerpt(value)}")
    return value


def whole(minimum: int = 0) -> Validator[int]:
    def check(at: At) -> int:
        value = at.value
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise at.fail(f"must be a whole number ≥ {minimum}; got {excerpt(value)}")
        return value

    return check


def call_ref(names: set[str] | None, *, label: str = "") -> Validator[str]:
    """A call of this scenario, by name or CallSid (``names`` None: any name)."""

    def check(at: At) -> str:
        text = string()(at)
        if names is not None and text not in names and not CALLSID_LIKE.match(text):
            raise at.fail(no_such_call(text, names, label=label))
        return text

    return check


def no_such_call(name: str, names: Iterable[str], *, label: str = "", sids: bool = True) -> str:
    """The one message for a name that is not a call of the scenario."""
    allowed = (
        f"a call name ({', '.join(sorted(names))}) or a CallSid"
        if sids
        else ", ".join(sorted(names))
    )
    return f"{label}{excerpt(name)} names no call of this scenario; allowed: {allowed}"


def listed(what: str = "a list") -> Validator[list[Any]]:
    def check(at: At) -> list[Any]:
        value = at.value
        if not isinstance(value, list):
            raise at.fail(f"must be {what}; got {describe(value)}")
        return value

    return check
