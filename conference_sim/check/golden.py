"""Golden timelines: a scenario's whole JSONL output pinned in a file beside it.

``scenarios/x.yaml`` pairs with ``scenarios/x.golden.jsonl`` (``x.yaml.golden.jsonl`` is accepted
too). Create or refresh it with ``conference-sim check --golden --update`` or
``conference-sim run x.yaml --format jsonl > scenarios/x.golden.jsonl``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .diffs import Failure


def golden_path(scenario_path: str | Path) -> Path:
    """Where the golden file of a scenario lives (an existing ``FILE.golden.jsonl`` wins)."""
    p = Path(scenario_path)
    full = p.with_name(p.name + ".golden.jsonl")
    return full if full.exists() else p.with_suffix(".golden.jsonl")


def compare(expected: str, actual: str, name: str) -> Failure | None:
    """None when identical; otherwise the first divergence with what differs in it."""
    if expected == actual:
        return None
    want, got = expected.splitlines(), actual.splitlines()
    first = next(
        (
            i
            for i in range(max(len(want), len(got)))
            if i >= len(want) or i >= len(got) or want[i] != got[i]
        ),
        min(len(want), len(got)),
    )
    lines: list[tuple[str, str]] = []
    for i in range(max(0, first - 2), first):
        lines.append(("ctx", f"line {i + 1}: {_summary(got[i])}"))
    if first < len(want):
        lines.append(("bad", f"line {first + 1} expected: {_summary(want[first])}"))
    if first < len(got):
        lines.append(("ok", f"line {first + 1} actual:   {_summary(got[first])}"))
    if first < len(want) and first < len(got):
        lines += [("hint", d) for d in _field_differences(want[first], got[first])]
    if len(want) != len(got):
        lines.append(("hint", f"{len(want)} event(s) in {name}, {len(got)} now"))
    lines.append(("hint", "if the new timeline is right: conference-sim check --golden --update"))
    return Failure(
        "golden", f"golden: first divergence from {name} at line {first + 1}", tuple(lines)
    )


def _load(line: str) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _summary(line: str) -> str:
    d = _load(line)
    if d is None:
        return line[:100]
    call = f" {d.get('call')}" if d.get("call") else ""
    return f"seq {d.get('seq')}  t={d.get('t')}  {d.get('event')}{call}"


def _field_differences(want_line: str, got_line: str) -> list[str]:
    want, got = _load(want_line), _load(got_line)
    if want is None or got is None:
        return ["(not JSON: compared as text)"]
    out = []
    for key in dict.fromkeys([*want, *got]):
        if key == "params" and isinstance(want.get(key), dict) and isinstance(got.get(key), dict):
            wp, gp = want[key], got[key]
            for pk in dict.fromkeys([*wp, *gp]):
                if wp.get(pk) != gp.get(pk):
                    out.append(
                        f"params.{pk}: {wp.get(pk, '(absent)')!r} → {gp.get(pk, '(absent)')!r}"
                    )
        elif want.get(key) != got.get(key):
            out.append(f"{key}: {want.get(key, '(absent)')!r} → {got.get(key, '(absent)')!r}")
    return out
