"""Scenario files (SPEC 5): YAML loaded, validated and built into a frozen :class:`Scenario`.

Everything is checked here, before anything runs: a scenario that loads runs to completion.
Each part of the file has its own module (calls, actions, the expect block); all use the
validators of :mod:`.schema`, so every message names the file, the line and the field.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import attrs

from ..actions import Action, AddParticipant, CreateCall
from ..dialects import DIALECTS
from ..errors import InputError, ScenarioError
from ..model import DEFAULT_APP_URL, DEFAULT_AUTH_TOKEN, DEFAULT_START, Scenario
from ..timeparse import excerpt
from .accounts import accounts
from .actions import actions, added_names
from .callees import callee_map
from .calls import calls, check_coaches, check_voice_urls
from .documents import document_map, media_map
from .expect_block import expectations
from .files import read_text
from .schema import At, choice, describe, mapping, string, time, url, whole
from .yamlsource import load_yaml

TOP_KEYS = (
    "name",
    "dialect",
    "seed",
    "start",
    "until",
    "calls",
    "actions",
    "documents",
    "media",
    "expect",
    "app",
    "app_url",
    "auth_token",
    "accounts",
    "callees",
)

LIMITS = {"calls": 100_000, "actions": 100_000, "documents": 10_000, "media": 10_000,
          "callees": 10_000}  # fmt: skip


def load_file(path: str | Path) -> Scenario:
    return load_yaml_text(read_text(path), str(path))


def load_yaml_text(text: str, path: str | None = None) -> Scenario:
    return load_data(load_yaml(text, path), path)


def load_data(data: Any, path: str | None = None) -> Scenario:
    """A Scenario from plain data (what a YAML file holds); every error is located."""
    try:
        return scenario(At.root(data, path))
    except InputError as err:
        raise ScenarioError(err.message, path=path, line=err.line, where=err.where) from None


def scenario(root: At) -> Scenario:
    if root.value is None:
        raise ScenarioError(
            "the file is empty; a scenario needs at least a 'calls' list", path=root.path
        )
    top = mapping(TOP_KEYS)(root)
    for key, limit in LIMITS.items():
        if key in top and isinstance(top[key], list | dict) and len(top[key]) > limit:
            raise root.child(key).fail(
                f"has {len(top[key]):,} entries; at most {limit:,} are allowed"
            )
    dialect = DIALECTS[root.get("dialect", choice(*DIALECTS), "signalwire")]
    seed = root.get("seed", whole(0), 0)
    start = root.get("start", start_time, DEFAULT_START)
    until = root.get("until", time(), None)
    if until == 0:
        raise root.child("until").fail("must be after 0 (the scenario start)")
    media = root.get("media", media_map, {})
    documents = root.get("documents", lambda at: document_map(at, dialect), {})
    if "calls" not in top:
        raise ScenarioError(
            "a scenario needs a 'calls' list", path=root.path, line=getattr(top, "line", None)
        )
    app_url = root.get("app_url", url(), DEFAULT_APP_URL).rstrip("/")
    call_specs = calls(root.child("calls"), dialect)
    check_voice_urls(root.child("calls"), call_specs, documents, app_url)
    check_arrivals(root.child("calls"), call_specs, until)
    names = {c.name for c in call_specs}
    check_coaches(call_specs, documents, names, root.path)
    added = added_names(root.child("actions"), names) if root.has("actions") else []
    names = names | set(added)
    action_specs = root.get("actions", lambda at: actions(at, names, dialect), ())
    action_specs = name_added_calls(action_specs, added)
    callees = root.get("callees", callee_map, {})
    name = root.get("name", name_text, "")
    # an app (or a REST dial-out) may add calls while running: their names cannot be checked
    dynamic = root.has("app") or root.has("callees")
    expect = root.get("expect", lambda at: expectations(at, None if dynamic else names), None)
    return Scenario(
        calls=call_specs,
        actions=action_specs,
        documents=documents,
        media=media,
        name=name or (root.path and Path(root.path).stem) or "scenario",
        dialect=dialect,
        seed=seed,
        start=start,
        until_ms=until,
        expect=expect,
        path=root.path,
        callees=callees,
        app=root.get("app", app_target, None),
        app_url=app_url,
        auth_token=root.get("auth_token", string(), DEFAULT_AUTH_TOKEN),
        accounts=root.get("accounts", lambda at: accounts(at, dialect), {}),
    )


def name_added_calls(specs: tuple[Action, ...], added: list[str]) -> tuple[Action, ...]:
    names = iter(added)
    return tuple(
        attrs.evolve(a, name=a.name or next(names))
        if isinstance(a, AddParticipant | CreateCall)
        else a
        for a in specs
    )


def app_target(at: At) -> str:
    """``module:attribute`` (a WSGI or ASGI app, imported when the run starts) or an
    ``http://127.0.0.1:PORT`` server."""
    text = string()(at)
    if ":" not in text or text.startswith(("https://",)):
        raise at.fail(
            f"{excerpt(text)} is not allowed; allowed: module:attribute naming a WSGI or ASGI app "
            "(e.g. support_desk.web:app), or http://127.0.0.1:PORT"
        )
    return text


def check_arrivals(at: At, specs: tuple[Any, ...], until: int | None) -> None:
    """A call that would arrive after the clock stops is a mistake, not an empty timeline."""
    if until is None:
        return
    for item, spec in zip(at.items(), specs, strict=True):
        if spec.at_ms > until:
            raise item.child("at").fail(
                f"the call arrives at {spec.at_ms / 1000:g}s, after the clock stops (until "
                f"{until / 1000:g}s); it would never arrive"
            )


def name_text(at: At) -> str:
    if not isinstance(at.value, str):
        raise at.fail(f"must be a string; got {describe(at.value)}")
    return at.value


def start_time(at: At) -> dt.datetime:
    value = at.value
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            value = None
    if not isinstance(value, dt.datetime):
        raise at.fail(
            f"{excerpt(at.value)} is not allowed; allowed: an ISO 8601 date-time such as "
            "2026-03-01T09:00:00Z"
        )
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


__all__ = ["load_data", "load_file", "load_yaml_text", "read_text"]
