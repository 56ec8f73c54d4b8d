"""YAML loading that remembers line numbers and refuses duplicate keys.

Mappings come back as :class:`LineDict` and sequences as :class:`LineList`; both know the line
of each key or item, so validation errors can point at the exact place in the file.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import ScenarioError


class LineDict(dict):
    """A dict that knows the 1-based line of itself and of each key."""

    line: int
    key_lines: dict[Any, int]
    value_styles: dict[Any, str | None]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A list that knows the 1-based line of itself and of each item."""

    line: int
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


MAX_DEPTH = 40  # nesting levels of mappings and lists
MAX_INT_DIGITS = 18


try:  # libyaml's C parser where it is installed (the events, with their line marks)
    from yaml._yaml import CParser as _Events
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _Events = None


if _Events is not None:

    class _Base(yaml.constructor.SafeConstructor, yaml.resolver.Resolver, _Events):  # type: ignore[misc]
        """libyaml's C scanner, parser and composer (it limits nesting to 1000 levels itself);
        our constructor, in Python. The tree is checked before anything is constructed."""

        def __init__(self, stream: str) -> None:
            _Events.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

else:  # pragma: no cover

    class _Base(yaml.SafeLoader):  # type: ignore[no-redef]
        """PyYAML's pure-Python loader, where libyaml is missing."""


class _Loader(_Base):
    """The safe loader, refusing what a scenario never needs and an attacker would use: aliases
    (expansion bombs), deep nesting (the composer recurses), and values a tag cannot make."""

    depth = 0

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.resolved: dict[tuple[Any, str, Any], str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        """Which tag a plain scalar gets: the same keys and values recur thousands of times in a
        large file, and PyYAML tries its regular expressions on each (a cache, bounded)."""
        if kind is not yaml.nodes.ScalarNode or len(value) > 64:
            return super().resolve(kind, value, implicit)
        key = (implicit, value, kind)
        tag = self.resolved.get(key)
        if tag is None:
            if len(self.resolved) > 50_000:
                self.resolved.clear()
            tag = self.resolved[key] = super().resolve(kind, value, implicit)
        return tag

    def compose_node(self, parent: Any, index: Any) -> Any:  # pragma: no cover - no libyaml
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ScenarioError(
                f"YAML aliases (*{event.anchor}) are not allowed in scenario files; write the "
                "value out where it is used",
                line=event.start_mark.line + 1,
            )
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise ScenarioError(
                    f"nested more than {MAX_DEPTH} levels deep; a scenario needs only a few",
                    line=self.peek_event().start_mark.line + 1,
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except ScenarioError:
            raise
        except (ValueError, TypeError, KeyError, yaml.constructor.ConstructorError) as err:
            tag = node.tag.rsplit(":", 1)[-1]
            detail = getattr(err, "problem", None) or type(err).__name__
            raise ScenarioError(
                f"this value cannot be read as {tag} ({detail}); write a plain value",
                line=node.start_mark.line + 1,
            ) from None


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.value_styles = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise ScenarioError(
                "a mapping key must be a plain value", line=key_node.start_mark.line + 1
            ) from None
        if key in result:
            raise ScenarioError(
                f"duplicate key {key!r} (first given on line {result.key_lines[key]}); "
                "each key may appear once in a mapping",
                line=key_node.start_mark.line + 1,
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
        result.value_styles[key] = getattr(value_node, "style", None)
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def check_tree(root: Any) -> None:
    """Before construction: no node reached twice (an alias: an expansion bomb in waiting), and
    no deeper than MAX_DEPTH. Iterative, so any tree the parser accepted is walked safely."""
    seen: set[int] = set()
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            raise ScenarioError(
                "YAML aliases (&anchor … *anchor) are not allowed in scenario files: the value "
                "anchored on this line is used again through an alias; write it out where it "
                "is used",
                line=node.start_mark.line + 1,
            )
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise ScenarioError(
                f"nested more than {MAX_DEPTH} levels deep; a scenario needs only a few",
                line=node.start_mark.line + 1,
            )
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if sum(c.isdigit() for c in text) > MAX_INT_DIGITS:
        raise ScenarioError(
            f"the number {text[:20]}… has more than {MAX_INT_DIGITS} digits; allowed: sane numbers",
            line=node.start_mark.line + 1,
        )
    return int(yaml.SafeLoader.construct_yaml_int(loader, node))


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> str:
    # Left as text: the scenario layer parses dates and names the line when one is impossible.
    return str(loader.construct_scalar(node))


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(text: str, path: str | None = None) -> Any:
    """Parse one YAML document; syntax errors become ScenarioError with the line."""
    try:
        loader = _Loader(text)
        try:
            docs = []
            while loader.check_node():
                node = loader.get_node()
                check_tree(node)
                docs.append(loader.construct_document(node))
        finally:
            loader.dispose()
    except ScenarioError as err:
        raise err.located(path=path) from None
    except yaml.reader.ReaderError as err:
        line = text.count("\n", 0, err.position) + 1
        what = f"character {err.character!r}" if isinstance(err.character, str) else "byte"
        raise ScenarioError(
            f"this file holds a {what} that YAML does not allow (control characters such as NUL); "
            "remove it",
            path=path,
            line=line,
        ) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = " ".join((err.problem or "malformed YAML").split())[:120]
        context = f" ({err.context})" if err.context else ""
        raise ScenarioError(
            f"this is not valid YAML: {problem}{context}", path=path, line=line
        ) from None
    except yaml.YAMLError as err:
        raise ScenarioError(f"this is not valid YAML: {err}", path=path) from None
    if len(docs) > 1:
        raise ScenarioError(
            "a scenario file holds one YAML document; found several ('---' separators)", path=path
        )
    return docs[0] if docs else None


# -- writing: what the builder's to_yaml, the shell's save and explore's findings write ------
def plain(value: Any) -> Any:
    """Line-tracking YAML containers to plain dicts and lists."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def dump_yaml(data: dict[str, Any]) -> str:
    """Scenario data as readable YAML: block style at the top, flow style for small items."""

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    return yaml.dump(
        plain(data),
        Dumper=Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=None,  # small leaf mappings and lists inline: {a: 1}, [40, 55]
    )
