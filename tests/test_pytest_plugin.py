"""The pytest plugin: scenario files collected as named items, failures as the `check` diff,
-k by scenario name, the ini option for where scenarios live, and the conference_sim fixture."""

from __future__ import annotations

pytest_plugins = ["pytester"]

PASSING = """\
name: agent joins
calls:
  - {name: customer, conference: Support, hangup: 60}
  - {name: agent, at: 10, conference: Support, hangup: 60}
expect:
  timeline:
    - 0 participant-join customer
    - 10 conference-start
"""

FAILING = """\
name: moderator late
calls:
  - {name: host, at: 20, conference: R, attributes: {endConferenceOnExit: true}, hangup: 60}
  - {name: guest, conference: R, hangup: 90}
expect:
  timeline:
    - 0 participant-join guest
    - 15 conference-start
"""


def test_SPEC7_plugin_collects_scenarios_runs_them_and_fails_with_the_diff(pytester):
    pytester.makepyprojecttoml("[tool.pytest.ini_options]\n")
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "good.yaml").write_text(PASSING)
    pytester.path.joinpath("scenarios", "bad.yaml").write_text(FAILING)
    pytester.path.joinpath("notes.yaml").write_text("not: a scenario\n")  # outside scenarios/
    result = pytester.runpytest("-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "scenarios/bad.yaml::moderator late FAILED*",
            "scenarios/good.yaml::agent joins PASSED*",
        ],
        consecutive=False,
    )
    out = result.stdout.str()
    assert "timeline: pattern 2 of 2 not found: '15 conference-start' (line 8)" in out
    assert "closest actual: 0:20.0  conference-start" in out
    assert "t is 0:20.0, expected 0:15.0" in out
    # the location line points at the scenario's expect block
    assert "scenarios/bad.yaml:5: scenario 'moderator late': expectations failed" in out
    assert "Traceback" not in out


def test_k_selects_by_scenario_name(pytester):
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "good.yaml").write_text(PASSING)
    pytester.path.joinpath("scenarios", "bad.yaml").write_text(FAILING)
    result = pytester.runpytest("-k", "agent")
    result.assert_outcomes(passed=1, deselected=1)


def test_SPEC7_ini_option_chooses_where_scenarios_live_and_bad_files_are_located_errors(pytester):
    pytester.makeini("[pytest]\nconference_sim_scenarios = flows/*.yml\n")
    pytester.mkdir("flows")
    pytester.path.joinpath("flows", "ok.yml").write_text(PASSING)
    pytester.path.joinpath("flows", "broken.yml").write_text(
        "calls:\n  - {name: a, conference: R, attributes: {beep: maybe}}\n"
    )
    pytester.mkdir("scenarios")  # not collected any more
    pytester.path.joinpath("scenarios", "bad.yaml").write_text(FAILING)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)  # a file that does not load fails as its item
    out = result.stdout.str()
    assert "conference-sim: " in out and "broken.yml:2: calls[0].attributes.beep" in out
    assert "allowed: true, false, onEnter, onExit" in out
    assert "Traceback" not in out


def test_scenario_without_expect_is_skipped_and_says_why(pytester):
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "plain.yaml").write_text(
        "calls:\n  - {name: a, conference: R, hangup: 5}\n"
    )
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*plain.yaml: no expect block*"])


def test_golden_file_beside_a_scenario_is_checked(pytester):
    pytester.mkdir("scenarios")
    path = pytester.path.joinpath("scenarios", "good.yaml")
    path.write_text(PASSING)
    pytester.path.joinpath("scenarios", "good.golden.jsonl").write_text('{"seq": 0}\n')
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*golden: first divergence from good.golden.jsonl at line 1*"])


def test_fixture_gives_the_python_api(pytester):
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "good.yaml").write_text(PASSING)
    pytester.makepyfile(
        test_desk_api="""
        import pytest
        from conference_sim import ExpectationFailed

        def test_file(conference_sim):
            tl = conference_sim.run("scenarios/good.yaml")
            assert tl.state_at(10).conference("Support").present == ["customer", "agent"]

        def test_builder(conference_sim):
            tl = (conference_sim.scenario("s").call("a", "R", hangup=30)
                  .call("b", "R", at=5, hangup=30).mute("b", at=10).run())
            assert [e.t for e in tl.events(kind="conference", call="b")][:2] == [5.0, 10.0]
            with pytest.raises(ExpectationFailed, match="closest actual: 0:10.0  participant-mute b"):
                tl.assert_timeline("11 participant-mute b")
        """
    )
    result = pytester.runpytest("test_desk_api.py")
    result.assert_outcomes(passed=2)


def suite_of_four(pytester):
    pytester.mkdir("scenarios")
    files = {
        "good.yaml": PASSING,
        "bad.yaml": FAILING,
        "plain.yaml": "calls:\n  - {name: a, conference: R, hangup: 5}\n",
        "broken.yaml": "calls:\n  - {name: a, conference: R, attributes: {beep: maybe}}\n",
    }
    for name, text in files.items():
        pytester.path.joinpath("scenarios", name).write_text(text)


def report_lines(result):
    """What a user reads about each item, without timings and the run's own summary."""
    out = result.stdout.str()
    keep = [
        line
        for line in out.splitlines()
        if ("PASSED" in line or "FAILED" in line or "SKIPPED" in line or "conference-sim:" in line)
        and "worker processes" not in line
        and " in " not in line.split("]")[-1]
    ]
    return keep, out


def test_SPEC7_jobs_option_checks_scenarios_in_worker_processes_and_reports_the_same(pytester):
    """--conference-sim-jobs N: the files are checked in N forked workers while pytest reports
    them in order; every outcome and message is the one a serial run gives."""
    suite_of_four(pytester)
    serial = pytester.runpytest_subprocess("-v", "-rs", "-p", "no:cacheprovider")
    pooled = pytester.runpytest_subprocess(
        "-v", "-rs", "-p", "no:cacheprovider", "--conference-sim-jobs", "2",
        "--conference-sim-html", "pages",
    )  # fmt: skip
    for result in (serial, pooled):
        result.assert_outcomes(passed=1, failed=2, skipped=1)
    serial_lines, serial_out = report_lines(serial)
    pooled_lines, pooled_out = report_lines(pooled)
    assert pooled_lines == serial_lines
    assert "conference-sim: 4 scenarios checked in 2 worker processes" in pooled_out
    assert "worker processes" not in serial_out
    assert "t is 0:20.0, expected 0:15.0" in pooled_out  # the diff, from a worker
    assert "broken.yaml:2: calls[0].attributes.beep" in pooled_out  # the load error, too
    assert "Traceback" not in pooled_out
    assert sorted(p.name for p in pytester.path.joinpath("pages").iterdir()) == ["bad.html"]


def test_SPEC7_jobs_option_checks_only_selected_items_and_stops_with_x(pytester):
    suite_of_four(pytester)
    result = pytester.runpytest_subprocess(
        "-v", "-k", "agent or moderator", "--conference-sim-jobs", "auto"
    )
    result.assert_outcomes(passed=1, failed=1, deselected=2)
    result.stdout.fnmatch_lines(["conference-sim: 2 scenarios checked in * worker processes"])
    stopped = pytester.runpytest_subprocess("-x", "--conference-sim-jobs", "2")
    stopped.assert_outcomes(failed=1)  # bad.yaml runs first; nothing after it is reported


def test_jobs_option_says_what_it_accepts(pytester):
    suite_of_four(pytester)
    result = pytester.runpytest("--conference-sim-jobs", "many")
    assert result.ret == 4  # pytest's usage error
    result.stderr.fnmatch_lines(
        [
            "*--conference-sim-jobs / conference_sim_jobs: expected a number of worker processes from 1 to 64, or 'auto'; got 'many'*"
        ]
    )


ENGINE_LOADED = """
import sys

def pytest_unconfigure(config):
    who = getattr(config, "workerinput", {}).get("workerid", "controller")
    loaded = "conference_sim.engine.core" in sys.modules
    config.rootpath.joinpath(f"engine-{who}.txt").write_text(str(loaded))
"""


def test_SPEC7_jobs_in_the_ini_no_pool_under_xdist_and_its_controller_loads_no_engine(pytester):
    """Under pytest-xdist the controller runs no item: it does not import the engine, so its
    workers start sooner; the workers do."""
    suite_of_four(pytester)
    pytester.makeini("[pytest]\nconference_sim_jobs = 2\n")
    pytester.makeconftest(ENGINE_LOADED)
    pooled = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    pooled.assert_outcomes(passed=1, failed=2, skipped=1)
    pooled.stdout.fnmatch_lines(["conference-sim: 4 scenarios checked in 2 worker processes"])
    xdist = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    xdist.assert_outcomes(passed=1, failed=2, skipped=1)
    assert "worker processes" not in xdist.stdout.str()
    loaded = {p.stem: p.read_text() for p in pytester.path.glob("engine-*.txt")}
    assert loaded == {"engine-controller": "False", "engine-gw0": "True", "engine-gw1": "True"}
