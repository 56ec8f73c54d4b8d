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
