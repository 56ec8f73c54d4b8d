"""Scenario files (SPEC 5): YAML loaded, validated and structured into frozen attrs classes.

Everything is checked here, before anything runs: a scenario that loads runs to completion.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from attrs import field, frozen

from . import cxml
from . import expect as expectations
from .dialects import DIALECTS, Dialect
from .errors import DocumentError, InputError, ScenarioError
from .model import ActionSpec, CallSpec, Dial, Document, Press, Speech
from .timeparse import to_ms
from .yamlsource import LineDict, LineList, load_yaml

NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
DEFAULT_START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
MAX_UNTIL_MS = 4 * 3_600_000
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
)
CALL_KEYS = (
    "name",
    "at",
    "account",
    "from",
    "to",
    "conference",
    "attributes",
    "dial",
    "hangup",
    "speech",
    "cxml",
    "press",
)
PARTICIPANT_VERBS = ("mute", "unmute", "hold", "unhold", "kick", "update")
ROOM_VERBS = ("end", "announce")
ACTION_VERBS = PARTICIPANT_VERBS + ROOM_VERBS
ACTION_OPTIONS: dict[str, tuple[str, ...]] = {
    "mute": (),
    "unmute": (),
    "hold": ("holdUrl", "holdMethod"),
    "unhold": (),
    "kick": (),
    "end": ("account",),
    "announce": ("account", "url", "method", "call"),
    "update": (
        "beepOnExit",
        "endConferenceOnExit",
        "coaching",
        "callSidToCoach",
        "waitUrl",
        "waitMethod",
    ),
}


@frozen
class Scenario:
    """A loaded scenario: build one with ``from_file``, ``from_yaml`` or ``from_dict``."""

    calls: tuple[CallSpec, ...]
    actions: tuple[ActionSpec, ...] = ()
    documents: dict[str, Document] = field(factory=dict)
    media: dict[str, int] = field(factory=dict)
    name: str = ""
    dialect: Dialect = DIALECTS["signalwire"]
    seed: int = 0
    start: dt.datetime = DEFAULT_START
    until_ms: int | None = None
    expect: Any = None
    path: str | None = None

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        return cls.from_yaml(read_text(path), path=str(path))

    @classmethod
    def from_yaml(cls, text: str, path: str | None = None) -> Scenario:
        data = load_yaml(text, path)
        return cls.from_dict(data, path=path)

    @classmethod
    def from_dict(cls, data: Any, path: str | None = None) -> Scenario:
        try:
            return _Builder(path).scenario(data)
        except InputError as err:
            raise ScenarioError(err.message, path=path, line=err.line, where=err.where) from None


def read_text(path: str | Path) -> str:
    """A scenario file's text, or a ScenarioError saying why it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("no such file", path=str(path)) from None
    except IsADirectoryError:
        raise ScenarioError("is a directory, not a scenario file", path=str(path)) from None
    except UnicodeDecodeError as err:
        raise ScenarioError(f"not UTF-8 text ({err.reason})", path=str(path)) from None
    except OSError as err:
        raise ScenarioError(f"cannot be read: {err.strerror}", path=str(path)) from None


def _line(container: Any, key: Any) -> int | None:
    if isinstance(container, LineDict):
        return container.line_of(key)
    if isinstance(container, LineList) and isinstance(key, int):
        return container.line_of(key)
    return getattr(container, "line", None)


def _describe(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        type(None): "nothing",
    }
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return names.get(type(value), type(value).__name__)


class _Builder:
    """Walks the YAML tree; every error it raises carries the dotted path and the line."""

    def __init__(self, path: str | None) -> None:
        self.path = path

    def fail(self, msg: str, container: Any, key: Any, where: str) -> ScenarioError:
        return ScenarioError(msg, path=self.path, line=_line(container, key), where=where)

    def mapping(
        self, value: Any, where: str, parent: Any, key: Any, allowed: tuple[str, ...]
    ) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(f"must be a mapping; got {_describe(value)}", parent, key, where)
        for k in value:
            if k not in allowed:
                raise self.fail(
                    f"unknown key {k!r}; allowed: {', '.join(allowed)}",
                    value,
                    k,
                    f"{where}.{k}" if where else str(k),
                )
        return value

    def time(self, container: Any, key: Any, where: str, what: str = "time") -> int:
        try:
            return to_ms(container[key], what=what)
        except InputError as err:
            raise self.fail(err.message, container, key, where) from None

    def string(
        self,
        container: Any,
        key: Any,
        where: str,
        *,
        pattern: re.Pattern[str] | None = None,
        allowed: str = "",
    ) -> str:
        value = container[key]
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(f"must be a string; got {_describe(value)}", container, key, where)
        text = str(value)
        if pattern is not None and not pattern.match(text):
            raise self.fail(f"{text!r} is not allowed; allowed: {allowed}", container, key, where)
        return text

    # -- the scenario -------------------------------------------------------------------------
    def scenario(self, data: Any) -> Scenario:
        if data is None:
            raise ScenarioError(
                "the file is empty; a scenario needs at least a 'calls' list", path=self.path
            )
        top = self.mapping(data, "", data, None, TOP_KEYS)
        dialect = DIALECTS["signalwire"]
        if "dialect" in top:
            name = top["dialect"]
            if name not in DIALECTS:
                raise self.fail(
                    f"{name!r} is not allowed; allowed: signalwire, twilio",
                    top,
                    "dialect",
                    "dialect",
                )
            dialect = DIALECTS[name]
        self.dialect = dialect
        seed = top.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise self.fail(f"must be a whole number ≥ 0; got {seed!r}", top, "seed", "seed")
        start = self.start(top)
        until = self.time(top, "until", "until") if "until" in top else None
        if until is not None and until == 0:
            raise self.fail("must be after 0 (the scenario start)", top, "until", "until")
        media = self.media(top)
        documents = self.documents(top)
        if "calls" not in top:
            raise ScenarioError(
                "a scenario needs a 'calls' list", path=self.path, line=getattr(top, "line", None)
            )
        calls = self.calls(top)
        names = {c.name for c in calls}
        self.check_coaches(calls, documents, names)
        actions = self.actions(top, names)
        name = top.get("name", "")
        if not isinstance(name, str):
            raise self.fail(f"must be a string; got {_describe(name)}", top, "name", "name")
        expect = top.get("expect")
        if expect is not None:
            if not isinstance(expect, Mapping):
                raise self.fail(
                    f"must be a mapping with timeline, never or callbacks; got {_describe(expect)}",
                    top,
                    "expect",
                    "expect",
                )
            expect = expectations.parse(expect, names, self.fail)
        return Scenario(
            calls=calls,
            actions=actions,
            documents=documents,
            media=media,
            name=name or (self.path and Path(self.path).stem) or "scenario",
            dialect=dialect,
            seed=seed,
            start=start,
            until_ms=until,
            expect=expect,
            path=self.path,
        )

    def start(self, top: Mapping[str, Any]) -> dt.datetime:
        if "start" not in top:
            return DEFAULT_START
        value = top["start"]
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                value = None
        if not isinstance(value, dt.datetime):
            raise self.fail(
                f"{top['start']!r} is not allowed; allowed: an ISO 8601 date-time such as "
                "2026-03-01T09:00:00Z",
                top,
                "start",
                "start",
            )
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    def media(self, top: Mapping[str, Any]) -> dict[str, int]:
        raw = top.get("media") or {}
        if not isinstance(raw, Mapping):
            raise self.fail(
                f"must be a mapping of URL: seconds; got {_describe(raw)}", top, "media", "media"
            )
        out = {}
        for url in raw:
            where = f"media[{url!r}]"
            ms = self.time(raw, url, where, "a media duration")
            if ms <= 0:
                raise self.fail("a media duration must be more than 0 s", raw, url, where)
            out[str(url)] = ms
        return out

    def document(self, container: Any, key: Any, where: str, source: str) -> Document:
        text = container[key]
        if not isinstance(text, str):
            raise self.fail(
                f"must be a cXML document (a string); got {_describe(text)}", container, key, where
            )
        try:
            return cxml.parse_document(text, self.dialect, source=source)
        except DocumentError as err:
            line = _line(container, key)
            style = getattr(container, "value_styles", {}).get(key)
            if line is not None and err.line is not None and style in ("|", ">"):
                line = line + err.line
            raise ScenarioError(
                err.message,
                path=self.path,
                line=line,
                where=f"{where}: {err.where}" if err.where else where,
            ) from None

    def documents(self, top: Mapping[str, Any]) -> dict[str, Document]:
        raw = top.get("documents") or {}
        if not isinstance(raw, Mapping):
            raise self.fail(
                f"must be a mapping of URL: cXML document; got {_describe(raw)}",
                top,
                "documents",
                "documents",
            )
        out = {}
        for url in raw:
            where = f"documents[{url!r}]"
            if not isinstance(url, str) or not cxml.URL.match(url):
                raise self.fail(
                    f"key {url!r} is not allowed; allowed: an absolute http(s) URL", raw, url, where
                )
            out[url] = self.document(raw, url, where, source=url)
        return out

    def calls(self, top: Mapping[str, Any]) -> tuple[CallSpec, ...]:
        raw = top["calls"]
        if not isinstance(raw, list) or not raw:
            raise self.fail("must be a non-empty list of calls", top, "calls", "calls")
        seen: dict[str, int] = {}
        calls = []
        for i, _item in enumerate(raw):
            call = self.call(raw, i)
            if call.name in seen:
                raise self.fail(
                    f"duplicate call name {call.name!r} (calls[{seen[call.name]}] has it too); "
                    "names must be unique",
                    raw,
                    i,
                    f"calls[{i}].name",
                )
            seen[call.name] = i
            calls.append(call)
        return tuple(calls)

    def call(self, parent: LineList, i: int) -> CallSpec:
        where = f"calls[{i}]"
        c = self.mapping(parent[i], where, parent, i, CALL_KEYS)
        if "name" not in c:
            raise self.fail("a call needs a 'name'", parent, i, where)
        name = self.string(
            c, "name", f"{where}.name", pattern=NAME, allowed="letters, digits, '_', '.', '-'"
        )
        at = self.time(c, "at", f"{where}.at", "at") if "at" in c else 0
        account = self.string(c, "account", f"{where}.account") if "account" in c else "default"
        phone = {}
        for key in ("from", "to"):
            if key in c:
                value = c[key]
                phone[key] = (
                    f"+{value}"
                    if isinstance(value, int) and not isinstance(value, bool)
                    else self.string(c, key, f"{where}.{key}")
                )
        if ("conference" in c) == ("cxml" in c):
            raise self.fail(
                "a call needs exactly one of 'conference' (a room name) or 'cxml' "
                "(a whole document)",
                parent,
                i,
                where,
            )
        if "cxml" in c:
            for key in ("attributes", "dial"):
                if key in c:
                    raise self.fail(
                        f"'{key}' goes with 'conference'; with 'cxml' put attributes "
                        "in the document",
                        c,
                        key,
                        f"{where}.{key}",
                    )
            document = self.document(c, "cxml", f"{where}.cxml", source=f"calls[{i}].cxml")
        else:
            document = self.shorthand(c, where)
        hangup = self.time(c, "hangup", f"{where}.hangup", "hangup") if "hangup" in c else None
        if hangup is not None and hangup < at:
            raise self.fail(
                f"the call hangs up ({hangup / 1000:g}s) before it arrives (at {at / 1000:g}s)",
                c,
                "hangup",
                f"{where}.hangup",
            )
        return CallSpec(
            name=name,
            document=document,
            at_ms=at,
            account=account,
            from_=phone.get("from", f"+1555{i + 1:07d}"),
            to=phone.get("to", "+15559990000"),
            hangup_ms=hangup,
            speech=self.speech(c, where),
            presses=self.presses(c, where),
            line=_line(parent, i),
        )

    def attr_strings(self, c: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
        raw = c.get(key) or {}
        if not isinstance(raw, Mapping):
            raise self.fail(
                f"must be a mapping of cXML attribute names to values; got {_describe(raw)}",
                c,
                key,
                where,
            )
        out = {}
        for name, value in raw.items():
            if isinstance(value, bool):
                out[str(name)] = "true" if value else "false"
            elif isinstance(value, int | float | str):
                out[str(name)] = str(value)
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                out[str(name)] = " ".join(value)
            else:
                raise self.fail(
                    f"must be a string, number or boolean; got {_describe(value)}",
                    raw,
                    name,
                    f"{where}.{name}",
                )
        return out

    def shorthand(self, c: Mapping[str, Any], where: str) -> Document:
        room = self.string(c, "conference", f"{where}.conference")
        attrs = self.attr_strings(c, "attributes", f"{where}.attributes")
        dial_attrs = self.attr_strings(c, "dial", f"{where}.dial")
        try:
            verb = cxml.dial(room, attrs, dial_attrs, self.dialect)
        except DocumentError as err:
            if err.where in attrs:
                container, key, w = c["attributes"], err.where, f"{where}.attributes.{err.where}"
            elif err.where in dial_attrs:
                container, key, w = c["dial"], err.where, f"{where}.dial.{err.where}"
            else:
                container, key, w = c, "conference", f"{where}.conference"
            raise self.fail(err.message, container, key, w) from None
        return Document(verbs=(verb,), source=f"{where}.conference")

    def speech(self, c: Mapping[str, Any], where: str) -> tuple[Speech, ...]:
        if "speech" not in c:
            return ()
        raw = c["speech"]
        shape = "a list of [start, end] pairs of scenario times, e.g. [[40, 55], ['1m10s', 75]]"
        if not isinstance(raw, list):
            raise self.fail(
                f"must be {shape}; got {_describe(raw)}", c, "speech", f"{where}.speech"
            )
        out = []
        for j, pair in enumerate(raw):
            w = f"{where}.speech[{j}]"
            if not isinstance(pair, list) or len(pair) != 2:
                raise self.fail(
                    f"must be a [start, end] pair; got {pair!r}; allowed: {shape}", raw, j, w
                )
            start, end = self.time(pair, 0, w, "speech start"), self.time(pair, 1, w, "speech end")
            if end <= start:
                raise self.fail(
                    f"speech must end after it starts; got [{pair[0]}, {pair[1]}]", raw, j, w
                )
            out.append(Speech(start, end))
        out.sort(key=lambda s: s.start_ms)
        for a, b in itertools.pairwise(out):
            if b.start_ms < a.end_ms:
                raise self.fail(
                    f"speech intervals overlap ({a.start_ms / 1000:g}–"
                    f"{a.end_ms / 1000:g}s and {b.start_ms / 1000:g}–"
                    f"{b.end_ms / 1000:g}s); give each talk burst once",
                    c,
                    "speech",
                    f"{where}.speech",
                )
        return tuple(out)

    def presses(self, c: Mapping[str, Any], where: str) -> tuple[Press, ...]:
        if "press" not in c:
            return ()
        raw = c["press"]
        if isinstance(raw, Mapping):
            raw_items: list[Any] = LineList([raw])
            raw_items.line = getattr(raw, "line", None)  # type: ignore[attr-defined]
            raw_items.item_lines = [getattr(raw, "line", 0)]  # type: ignore[attr-defined]
        elif isinstance(raw, list):
            raw_items = raw
        else:
            raise self.fail("must be a list of {at, digits} mappings", c, "press", f"{where}.press")
        out = []
        for j, _ in enumerate(raw_items):
            w = f"{where}.press[{j}]"
            p = self.mapping(raw_items[j], w, raw_items, j, ("at", "digits"))
            if "at" not in p or "digits" not in p:
                raise self.fail("a press needs 'at' and 'digits'", raw_items, j, w)
            digits = self.string(
                p,
                "digits",
                f"{w}.digits",
                pattern=re.compile(r"^[0-9*#w]+$"),
                allowed="DTMF digits 0-9, '*', '#' (and 'w' for a pause)",
            )
            out.append(Press(self.time(p, "at", f"{w}.at", "at"), digits))
        return tuple(out)

    def check_coaches(
        self, calls: tuple[CallSpec, ...], documents: dict[str, Document], names: set[str]
    ) -> None:
        def verbs() -> list[tuple[str, Dial]]:
            found = [
                (f"calls[{i}]", v)
                for i, c in enumerate(calls)
                for v in c.document.verbs
                if isinstance(v, Dial)
            ]
            found += [
                (f"documents[{u!r}]", v)
                for u, d in documents.items()
                for v in d.verbs
                if isinstance(v, Dial)
            ]
            return found

        for where, verb in verbs():
            coach = verb.attrs.coach
            if coach is not None and coach not in names and not cxml.CALLSID_LIKE.match(coach):
                line = next((c.line for c in calls if where == f"calls[{calls.index(c)}]"), None)
                raise ScenarioError(
                    f"coach={coach!r} names no call of this scenario; allowed: a call name "
                    f"({', '.join(sorted(names))}) or a CallSid",
                    path=self.path,
                    line=line,
                    where=f"{where}: coach",
                )

    def actions(self, top: Mapping[str, Any], names: set[str]) -> tuple[ActionSpec, ...]:
        raw = top.get("actions") or []
        if not isinstance(raw, list):
            raise self.fail("must be a list of actions", top, "actions", "actions")
        out = []
        for i, item in enumerate(raw):
            where = f"actions[{i}]"
            if not isinstance(item, Mapping):
                raise self.fail(
                    f"must be a mapping like {{at: 2m, mute: bob}}; got {_describe(item)}",
                    raw,
                    i,
                    where,
                )
            verbs = [k for k in item if k in ACTION_VERBS]
            if len(verbs) != 1:
                raise self.fail(
                    f"an action needs exactly one of {', '.join(ACTION_VERBS)}; "
                    f"got {', '.join(map(str, verbs)) or 'none'}",
                    raw,
                    i,
                    where,
                )
            verb = verbs[0]
            self.mapping(item, where, raw, i, ("at", verb, *ACTION_OPTIONS[verb]))
            if "at" not in item:
                raise self.fail("an action needs 'at' (a scenario time)", raw, i, where)
            at = self.time(item, "at", f"{where}.at", "at")
            target = self.string(item, verb, f"{where}.{verb}")
            if (
                verb in PARTICIPANT_VERBS
                and target not in names
                and not cxml.CALLSID_LIKE.match(target)
            ):
                raise self.fail(
                    f"{target!r} names no call of this scenario; allowed: a call name "
                    f"({', '.join(sorted(names))}) or a CallSid",
                    item,
                    verb,
                    f"{where}.{verb}",
                )
            options = self.action_options(item, verb, where, names)
            account = str(options.pop("account", "default"))
            out.append(
                ActionSpec(
                    verb=verb,
                    at_ms=at,
                    target=target,
                    account=account,  # type: ignore[arg-type]
                    options=options,
                    line=_line(raw, i),
                )
            )
        return tuple(out)

    def action_options(
        self, item: Mapping[str, Any], verb: str, where: str, names: set[str]
    ) -> dict[str, object]:
        opts: dict[str, object] = {}
        for key in ACTION_OPTIONS[verb]:
            if key not in item:
                continue
            value, w = item[key], f"{where}.{key}"
            if key in ("holdUrl", "url", "waitUrl"):
                text = self.string(item, key, w)
                if not cxml.URL.match(text) and not (key == "waitUrl" and text == ""):
                    raise self.fail(f"{text!r} is not an absolute http(s) URL", item, key, w)
                opts[key] = text
            elif key in ("holdMethod", "method", "waitMethod"):
                opts[key] = self.string(
                    item, key, w, pattern=re.compile(r"^(GET|POST)$"), allowed="GET, POST"
                )
            elif key in ("beepOnExit", "endConferenceOnExit", "coaching"):
                if not isinstance(value, bool):
                    raise self.fail(f"must be true or false; got {value!r}", item, key, w)
                opts[key] = value
            elif key in ("call", "callSidToCoach"):
                text = self.string(item, key, w)
                if text not in names and not cxml.CALLSID_LIKE.match(text):
                    raise self.fail(
                        f"{text!r} names no call of this scenario; allowed: a call "
                        f"name ({', '.join(sorted(names))}) or a CallSid",
                        item,
                        key,
                        w,
                    )
                opts[key] = text
            else:
                opts[key] = self.string(item, key, w)
        if verb == "announce" and "url" not in opts:
            raise self.fail("announce needs 'url' (the announceUrl document)", item, verb, where)
        if verb == "update" and not opts:
            raise self.fail(
                f"update needs at least one of {', '.join(ACTION_OPTIONS['update'])}",
                item,
                verb,
                where,
            )
        return opts
