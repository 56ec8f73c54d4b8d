"""Issue 15: every run as a Mermaid sequence diagram and as an HTML timeline.

Mermaid output is checked against the grammar it keeps to (``output.mermaid.GRAMMAR``) and,
where a renderer is installed (``make mermaid``: the mermaid package from the npm registry),
rendered by it in headless Chromium. The HTML page is rendered in headless Chromium (Debian's
``chromium`` package; these tests skip, saying so, where it is absent) and its DOM queried.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import conference_sim
from conference_sim.cli import main
from conference_sim.output.html import page
from conference_sim.output.mermaid import diagram, valid

pytest_plugins = ["pytester"]
ROOT = Path(__file__).parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MERMAID_JS = ROOT / ".cache" / "mermaid" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)"
)


def events_of(path: Path) -> list:
    return conference_sim.run(path).list


# -- Mermaid ------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_mermaid_every_line_keeps_to_the_grammar_and_every_request_is_an_arrow(path):
    events = events_of(path)
    text = diagram(events)
    lines = text.splitlines()
    assert lines[0] == "sequenceDiagram"
    assert [line for line in lines if not valid(line)] == []
    declared = {
        re.match(r"    participant (\w+)", ln).group(1) for ln in lines if " participant " in ln
    }
    used = {
        w
        for ln in lines[1:]
        if " participant " not in ln
        for w in re.findall(r"\b([chr]\d+)\b", ln.split(":")[0])
    }
    assert used <= declared  # nothing used before it is declared
    requests = sum(len(e.requests) for e in events if e.call or e.conference)
    assert sum("-)" in ln for ln in lines) == requests


def test_mermaid_escapes_what_would_break_a_statement(tmp_path):
    text = 'calls:\n  - {name: a, conference: "R;#1\\nEvil: x", hangup: 5}\n'
    path = tmp_path / "s.yaml"
    path.write_text(text)
    code = main(["run", str(path), "--format", "mermaid"])
    assert code == 0
    out = diagram(conference_sim.run(path).list)
    assert all(valid(line) for line in out.splitlines())
    assert "participant r1 as room R,no.1\\x0aEvil  x" in out  # one line, no ; # or :


def test_mermaid_and_html_are_deterministic(capsys):
    path = str(ROOT / "scenarios" / "support-desk.yaml")
    outputs = []
    for fmt in ("mermaid", "html", "mermaid", "html"):
        assert main(["run", path, "--format", fmt]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[2] and outputs[1] == outputs[3]


@pytest.mark.skipif(CHROMIUM is None or not MERMAID_JS.exists(),
                    reason="needs Chromium and the mermaid package (make mermaid)")  # fmt: skip
@pytest.mark.parametrize("name", ["05-coach", "support-desk"])
def test_mermaid_renders_with_the_real_renderer(tmp_path, name):
    text = diagram(events_of(ROOT / "scenarios" / f"{name}.yaml"))
    html = tmp_path / "m.html"
    html.write_text(
        "<!doctype html><html><body><div id='out'></div><script>"
        + MERMAID_JS.read_text(encoding="utf-8")
        + "</script><script>mermaid.initialize({startOnLoad:false});"
        + f"mermaid.render('d', {json.dumps(text)}).then(r => {{document.getElementById('out')"
        + ".innerHTML = r.svg; document.title = 'rendered';}, e => {document.title = 'error: ' + e;});"
        + "</script></body></html>"
    )
    dom = chromium_dom(html)
    assert "<title>rendered</title>" in dom, dom[:500]
    assert dom.count("messageText") >= text.count("->>") + text.count("-)")


# -- HTML ------------------------------------------------------------------------------------------
def test_html_is_one_file_with_no_network_and_no_way_out_of_its_script():
    events = conference_sim.run(
        conference_sim.Scenario.from_yaml(
            "calls:\n  - {name: a, conference: '</script><b>x', hangup: 9}\n"
        )
    ).list
    html = page(events, "t</title><script>alert(1)</script>")
    assert not re.search(r"\b(src|href)\s*=", html)  # nothing to fetch
    assert html.count("<script>") == 1 and html.count("</script>") == 1
    assert "<b>x" not in html and "alert(1)" in html  # the text is there, as text


def chromium_dom(path: Path, *extra: str) -> str:
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
         "--v=0", "--virtual-time-budget=5000", *extra, "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    errors = [ln for ln in proc.stderr.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]
    assert errors == [], errors
    return proc.stdout


@needs_chromium
@pytest.mark.parametrize("name", ["05-coach", "support-desk", "edge-accounts-and-reuse"])
def test_html_renders_lanes_and_bars_in_chromium(tmp_path, name):
    events = events_of(ROOT / "scenarios" / f"{name}.yaml")
    path = tmp_path / "t.html"
    path.write_text(page(events, name))
    dom = chromium_dom(path)
    lanes = re.findall(r'class="lane" data-call="([^"]+)"', dom)
    joined = {
        (e.conference, e.call) for e in events if e.event in ("participant-join", "join-refused")
    }
    assert len(lanes) == len(joined)  # one lane per participant per conference
    assert dom.count('class="bar mix"') >= 2 and 'class="bar live"' in dom
    requests = sum(len(e.requests) for e in events if e.conference)
    assert (
        dom.count('class="tick') == len([e for e in events if e.requests and e.conference]) > 0
        or not requests
    )


@needs_chromium
def test_html_stays_readable_for_250_participants(tmp_path):
    calls = "\n".join(
        f"  - {{name: p{i}, at: {i}, conference: Big, hangup: 900}}" for i in range(250)
    )
    scenario = conference_sim.Scenario.from_yaml("calls:\n" + calls + "\n")
    path = tmp_path / "big.html"
    path.write_text(page(conference_sim.run(scenario).list, "big"))
    dom = chromium_dom(path)
    assert dom.count('class="lane"') == 250


# -- failing scenarios write their picture ---------------------------------------------------------
FAILING = """name: late start
calls:
  - {name: a, conference: R, hangup: 60}
  - {name: b, at: 10, conference: R, hangup: 60}
expect:
  timeline:
    - 5 conference-start
"""


def test_check_html_dir_writes_a_failing_scenarios_timeline_with_the_missing_event(
    tmp_path, capsys
):
    path = tmp_path / "late.yaml"
    path.write_text(FAILING)
    out_dir = tmp_path / "artefacts"
    assert main(["check", str(path), "--html-dir", str(out_dir)]) == 1
    assert f"timeline in {out_dir / 'late.html'}" in capsys.readouterr().out
    html = (out_dir / "late.html").read_text()
    assert '"missing":[{"t":5000,"call":null,"label":"5 conference-start"}]' in html


def test_pytest_option_writes_the_html_of_failing_items(pytester):
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "late.yaml").write_text(FAILING)
    result = pytester.runpytest("--conference-sim-html", "pics")
    result.assert_outcomes(failed=1)
    assert pytester.path.joinpath("pics", "late.html").exists()
