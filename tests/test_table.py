"""Issue 18: the table as people read it, at 80 and 120 columns (rich's recording console):
one head line per event, details and requests on continuation lines that never break a word,
a room's statusCallback URL written once, h:mm:ss.s past an hour, and a summary at the end.
Golden renderings in tests/tables/ (CONFERENCE_SIM_UPDATE_TABLES=1 rewrites them)."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

import conference_sim
from conference_sim.output.table import TableSink
from conference_sim.timeparse import clock

ROOT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "tables"
NAMES = ["01-simple", "05-coach", "support-desk", "edge-time-limit-and-star"]


def render(events, width: int, **options) -> str:
    out = io.StringIO()
    sink = TableSink(out, color=False, title="t", width=width, **options)
    for e in events:
        sink.emit(e)
    sink.close()
    return out.getvalue()


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("name", NAMES)
def test_table_golden_renderings(name, width):
    text = render(conference_sim.run(ROOT / "scenarios" / f"{name}.yaml").list, width)
    golden = GOLDEN / f"{name}.{width}.txt"
    if os.environ.get("CONFERENCE_SIM_UPDATE_TABLES"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("name", NAMES)
def test_table_fits_the_width_and_breaks_no_word(name, width):
    events = conference_sim.run(ROOT / "scenarios" / f"{name}.yaml").list
    text = render(events, width, summary=False)
    wide = render(events, 10_000, wide=True, summary=False).splitlines()[1:]
    lines = text.splitlines()[1:]
    heads = [i for i, line in enumerate(lines) if re.match(r"^ +\d+:\d\d", line)]
    assert len(heads) == len(events)  # one head line per event
    for start, end in zip(heads, [*heads[1:], len(lines)], strict=True):
        block = lines[start:end]
        for line in block:  # too long only when one unbreakable word is
            assert len(line) <= width or " " not in line.strip()
        joined = " ".join(part.strip() for part in block)
        original = wide[heads.index(start)]
        assert joined.split() == original.split()  # the same words, none cut in two


def test_table_writes_a_rooms_callback_url_once():
    text = render(conference_sim.run(ROOT / "scenarios" / "05-coach.yaml").list, 80)
    assert (
        text.count("https://app.example/events") == 1 + 1
    )  # once in the table, once in the summary
    assert "→ statusCallback #2" in text


def test_table_times_past_an_hour_and_the_summary():
    assert (clock(75 * 60_000), clock(4 * 3_600_000 + 5_300)) == ("1:15:00.0", "4:00:05.3")
    events = conference_sim.run(conference_sim.Scenario.from_yaml(
        "calls:\n  - {name: a, conference: R}\n  - {name: b, at: 5, conference: R, hangup: 1h}\n"
    )).list  # fmt: skip
    text = render(events, 80)
    assert "\n 4:00:00.0  participant-leave" in text
    summary = text[text.index("\nsummary") :]
    assert "conference R: opened 0:00.0, started 0:05.0, ended 4:00:00.0; peak 2" in summary
    assert "ended by: last-participant-left (a)" in summary


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("name", NAMES)
def test_table_summary_lines_wrap_to_the_width_like_the_rest(name, width):
    # issue 23: at 80 columns a summary line once ran to 93 characters
    text = render(conference_sim.run(ROOT / "scenarios" / f"{name}.yaml").list, width)
    summary = text[text.index("\nsummary") :].splitlines()[1:]
    assert summary
    assert all(len(line) <= width for line in summary), max(summary, key=len)
    unwrapped = render(conference_sim.run(ROOT / "scenarios" / f"{name}.yaml").list, 10_000)
    full = unwrapped[unwrapped.index("\nsummary") :].split()
    assert " ".join(summary).split() == full  # the same words, none cut in two
