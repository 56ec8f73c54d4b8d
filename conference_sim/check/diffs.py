"""Failures that read like a diff: what was expected, the closest actual events, and where the
actual timeline first diverged. The same text serves ``conference-sim check``, the pytest plugin
and the Python API's ``assert_*`` helpers; colour is added only when asked (a terminal).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrs import frozen

from ..events import Event
from ..output.safe import visible
from ..timeparse import clock

if TYPE_CHECKING:
    from ..expectations import Pattern

# Line styles: ok (matched), bad (expected but missing / wrong), ctx (actual events), hint.
STYLES = {"ok": "32", "bad": "31", "ctx": "2", "hint": "33", "head": "1"}
MARKS = {"ok": "✓ ", "bad": "✗ ", "ctx": "  ", "hint": "  ", "head": ""}
ASCII_MARKS = {"ok": "+ ", "bad": "x ", "ctx": "  ", "hint": "  ", "head": ""}
WINDOW = 3  # actual events shown either side of where the expected one should have been


@frozen
class Failure:
    """One failed expectation: a headline and indented detail lines ``(style, text)``."""

    section: str
    headline: str
    lines: tuple[tuple[str, str], ...] = ()
    # where the missing event should have been (the HTML timeline marks it): t, call, label
    expected: tuple[int | None, str | None, str] | None = None

    def render(self, color: bool = False, *, ascii_marks: bool = False) -> str:
        """The diff as text; scenario text in it is shown with control characters escaped.
        ``ascii_marks`` for a terminal whose encoding has no ✓ and ✗."""
        marks = ASCII_MARKS if ascii_marks else MARKS

        def paint(style: str, text: str) -> str:
            text = visible(text)
            return f"\033[{STYLES[style]}m{text}\033[0m" if color else text

        out = [paint("head", self.headline)]
        out += [paint(style, "  " + marks[style] + text) for style, text in self.lines]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.render()


def show(e: Event) -> str:
    return f"{clock(e.t_ms):>7}  {e.event}" + (f" {e.call}" if e.call else "")


def closest(p: Pattern, events: list[Event], after: int) -> tuple[int, list[str]] | None:
    """The event most like the pattern: fewest differences, same event name first, then the
    one after the last match, nearest in time. Returns (index, differences)."""
    best: tuple[tuple[int, int, int, int], int, list[str]] | None = None
    for i, e in enumerate(events):
        diff = p.differences(e)
        same_event = p.event is None or e.event == p.event
        distance = abs(e.t_ms - p.t_ms) if p.t_ms is not None else abs(i - after)
        key = (0 if same_event else 1, len(diff), 0 if i >= after else 1, distance)
        if best is None or key < best[0]:
            best = (key, i, diff)
    if best is None or (best[0][0] == 1 and p.event is not None):
        return None
    return best[1], best[2]


def timeline_failure(
    p: Pattern,
    index: int,
    patterns: tuple[Pattern, ...],
    matched: list[tuple[Pattern, int]],
    events: list[Event],
) -> Failure:
    pos = matched[-1][1] + 1 if matched else 0
    after = f" after {show(events[pos - 1]).strip()}" if pos else ""
    lines: list[tuple[str, str]] = []
    for q, i in matched[-2:]:
        lines.append(("ok", f"{q.label()}  matched  {show(events[i]).strip()}"))
    lines.append(("bad", f"{p.label()}  not found{after}"))
    near = closest(p, events, pos)
    if near is not None:
        i, diff = near
        where = "" if i >= pos else " (before the previous match)"
        lines.append(("hint", f"closest actual: {show(events[i]).strip()}{where}"))
        lines += [("hint", f"  {d}") for d in diff]
    anchor = pos
    if p.t_ms is not None:
        anchor = next((i for i in range(pos, len(events)) if events[i].t_ms >= p.t_ms), pos)
    lines.append(("hint", "actual events around where it was expected:"))
    lo = max(pos, anchor - WINDOW)
    for i in range(lo, min(len(events), anchor + WINDOW)):
        if i == anchor:
            lines.append(("bad", f"{'':>7}  <- {p.text} expected here"))
        lines.append(("ctx", show(events[i])))
    if anchor >= len(events):
        lines.append(("bad", f"{'':>7}  <- {p.text} expected here (the timeline ends)"))
    left = len(patterns) - index - 1
    if left:
        lines.append(("hint", f"{left} later timeline pattern(s) not checked"))
    return Failure(
        "timeline",
        f"timeline: pattern {index + 1} of {len(patterns)} not found: {p.label()}",
        tuple(lines),
        expected=(p.t_ms, p.call, p.text),
    )


def never_failure(p: Pattern, hits: list[Event]) -> Failure:
    lines = [("bad", show(e)) for e in hits[:5]]
    if len(hits) > 5:
        lines.append(("hint", f"… and {len(hits) - 5} more"))
    times = "once" if len(hits) == 1 else f"{len(hits)} times"
    return Failure("never", f"never: {p.label()} happened {times}:", tuple(lines))


def count_failure(p: Pattern, wanted: str, hits: list[Event]) -> Failure:
    lines = [("ctx", show(e)) for e in hits[:8]]
    if len(hits) > 8:
        lines.append(("hint", f"… and {len(hits) - 8} more"))
    return Failure(
        "count", f"count: {p.label()} matched {len(hits)} event(s), expected {wanted}", tuple(lines)
    )


def callbacks_failure(patterns: tuple[Pattern, ...], sent: list[Event]) -> Failure | None:
    """Expected vs actual statusCallback requests, aligned, around the first divergence."""
    first = next(
        (
            i
            for i in range(max(len(patterns), len(sent)))
            if i >= len(patterns) or i >= len(sent) or not patterns[i].matches(sent[i])
        ),
        None,
    )
    if first is None:
        return None
    lines: list[tuple[str, str]] = []
    for i in range(max(0, first - 2), first):
        lines.append(("ok", f"#{i + 1} {patterns[i].label()}  {show(sent[i]).strip()}"))
    if first < len(patterns) and first < len(sent):
        headline = f"callbacks: request #{first + 1} differs"
        lines.append(("bad", f"#{first + 1} expected {patterns[first].label()}"))
        lines.append(("ctx", f"   actual   {show(sent[first]).strip()}"))
        lines += [("hint", f"   {d}") for d in patterns[first].differences(sent[first])]
    else:  # one list ran out: list what the other has from there
        missing = first < len(patterns)
        more = patterns if missing else sent
        headline = (
            f"callbacks: {len(patterns)} request(s) expected, only {len(sent)} sent; "
            f"missing from #{first + 1}"
            if missing
            else f"callbacks: {len(sent)} request(s) sent, {len(patterns)} expected; "
            f"unexpected from #{first + 1}"
        )
        for i in range(first, min(len(more), first + 5)):
            item = (
                f"expected {patterns[i].label()}"
                if missing
                else f"unexpected {show(sent[i]).strip()}"
            )
            lines.append(("bad", f"#{i + 1} {item}"))
    for i in range(first + 1, min(len(sent), first + 3)):
        lines.append(("ctx", f"#{i + 1} then     {show(sent[i]).strip()}"))
    return Failure("callbacks", headline, tuple(lines))
