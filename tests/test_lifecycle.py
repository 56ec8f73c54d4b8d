"""SPEC 2 lifecycle rules: S1-S5, E1-E4, M1, L1, A1, rooms per account, SIDs after an end."""

from __future__ import annotations


def test_S1_lone_participant_never_starts_the_conference(find, one, run):
    events = run("""
        calls:
          - {name: a, conference: R, hangup: 60}
    """)
    assert not find(events, "conference-start")
    assert one(events, "conference-end").params["Duration"] == "0"


def test_S1_two_participants_start_when_one_may_start(one, run):
    events = run("""
        calls:
          - {name: a, conference: R, attributes: {startConferenceOnEnter: false}, hangup: 60}
          - {name: b, at: 10, conference: R, hangup: 60}
    """)
    assert one(events, "conference-start").t == 10.0


def test_S1_nobody_with_startConferenceOnEnter_means_no_start(find, run):
    events = run("""
        calls:
          - {name: a, conference: R, attributes: {startConferenceOnEnter: false}, hangup: 60}
          - {name: b, at: 10, conference: R, attributes: {startConferenceOnEnter: false}, hangup: 60}
    """)
    assert not find(events, "conference-start")
    assert [e.call for e in find(events, "wait-start")] == ["a", "b"]


def test_S2_waiting_participants_hear_wait_audio_and_report_Muted_false(one, run):
    events = run("""
        calls:
          - name: a
            conference: R
            attributes: {startConferenceOnEnter: false, waitUrl: "https://app.example/wait"}
            hangup: 60
          - {name: b, at: 5, conference: R, attributes: {startConferenceOnEnter: false}, hangup: 60}
        documents:
          https://app.example/wait: <Response><Play loop="0">https://cdn.example/jazz.mp3</Play></Response>
    """)
    a_wait = one(events, "wait-start", "a")
    assert a_wait.params["source"] == "https://app.example/wait"
    assert [(r.purpose, r.url, r.method) for r in a_wait.requests] == [
        ("waitUrl", "https://app.example/wait", "POST")
    ]
    assert one(events, "wait-start", "b").params["source"] == "default hold music"
    assert one(events, "participant-join", "a").params["Muted"] == "false"


def test_S2_empty_waitUrl_means_silence_not_music(find, run):
    events = run("""
        calls:
          - {name: a, conference: R, attributes: {waitUrl: ""}, hangup: 60}
    """)
    assert not find(events, "wait-start")


def test_S3_start_stops_wait_audio_beeps_and_skips_beep_for_beep_false_starter(find, one, run):
    events = run("""
        calls:
          - {name: a, conference: R, hangup: 60}
          - {name: b, at: 10, conference: R, attributes: {beep: "false"}, hangup: 60}
    """)
    assert one(events, "wait-stop", "a").t == 10.0
    assert not [e for e in find(events, "beep") if e.t == 10.0]


def test_S3_starter_beep_heard_by_the_others(find, run):
    events = run("""
        calls:
          - {name: a, conference: R, hangup: 60}
          - {name: b, at: 10, conference: R, attributes: {beep: onEnter}, hangup: 60}
    """)
    beep = next(e for e in find(events, "beep") if e.t == 10.0)
    assert beep.call == "b" and beep.params == {"reason": "enter", "heard_by": ["a"]}


def test_S3_joins_before_the_start_make_no_beep(find, run):
    events = run("""
        calls:
          - {name: a, conference: R, attributes: {startConferenceOnEnter: false}, hangup: 60}
          - {name: b, at: 5, conference: R, attributes: {startConferenceOnEnter: false}, hangup: 60}
    """)
    assert not [e for e in find(events, "beep") if e.t < 60]


def test_S4_joining_a_started_conference_no_wait_audio_and_beep_per_attribute(find, run):
    events = run("""
        calls:
          - {name: a, conference: R, hangup: 90}
          - {name: b, at: 5, conference: R, hangup: 90}
          - {name: c, at: 20, conference: R, hangup: 90}
          - {name: d, at: 30, conference: R, attributes: {beep: onExit}, hangup: 90}
    """)
    assert not find(events, "wait-start", "c")
    c_beep = [e for e in find(events, "beep", "c") if e.params["reason"] == "enter"]
    assert c_beep and c_beep[0].params["heard_by"] == ["a", "b"]
    assert not [e for e in find(events, "beep", "d") if e.params["reason"] == "enter"]


def test_S5_exit_beep_only_when_in_progress_and_per_beep_value(find, run):
    events = run("""
        calls:
          - {name: a, conference: R, hangup: 90}
          - {name: b, at: 5, conference: R, attributes: {beep: onEnter}, hangup: 30}
          - {name: c, at: 6, conference: R, attributes: {beep: onExit}, hangup: 40}
    """)
    assert not [e for e in find(events, "beep", "b") if e.params["reason"] == "exit"]
    c_exit = [e for e in find(events, "beep", "c") if e.params["reason"] == "exit"]
    assert c_exit and c_exit[0].params["heard_by"] == ["a"]


def test_S5_after_leaving_the_call_goes_on_with_the_next_verb(one, run):
    events = run("""
        calls:
          - {name: a, conference: R, hangup: 90}
          - name: b
            at: 5
            cxml: <Response><Dial timeLimit="10"><Conference>R</Conference></Dial><Say>Goodbye now</Say></Response>
    """)
    assert one(events, "participant-leave", "b").t == 15.0
    # Say lasts 0.1 s per character ("Goodbye now" = 11 chars, 1.1 s), then the document ends.
    assert one(events, "call-end", "b").t == 16.1
    assert one(events, "call-end", "b").params["reason"] == "document-end"


def test_S5_dial_action_document_runs_next_instead_of_the_following_verbs(one, run):
    events = run("""
        calls:
          - {name: a, conference: R, hangup: 90}
          - name: b
            at: 5
            cxml: <Response><Dial action="https://app.example/next" timeLimit="10"><Conference>R</Conference></Dial><Say>never said</Say></Response>
        documents:
          https://app.example/next: <Response><Pause length="3"/></Response>
    """)
    dial_end = one(events, "dial-end", "b")
    assert [(r.purpose, r.url, r.method) for r in dial_end.requests] == [
        ("action", "https://app.example/next", "POST")
    ]
    assert one(events, "call-end", "b").t == 18.0


def test_E1_moderator_leaving_ends_the_conference_and_removes_everyone(one, run):
    events = run("""
        calls:
          - {name: a, conference: R, hangup: 300}
          - {name: b, at: 5, conference: R, hangup: 300}
          - {name: mod, at: 10, conference: R, attributes: {endConferenceOnExit: true}, hangup: 60}
    """)
    end = one(events, "conference-end")
    assert end.t == 60.0
    assert end.params["ReasonConferenceEnded"] == "participant-with-end-conference-on-exit-left"
    assert (
        end.params["CallSidEndingConference"] == one(events, "call-start", "mod").params["CallSid"]
    )
    for who in ("a", "b"):
        leave = one(events, "participant-leave", who)
        assert leave.t == 60.0
        assert leave.params["ReasonParticipantLeft"] == "moderator_ended_conference"
        assert leave.params["ParticipantCallStatus"] == "in-progress"
        assert one(events, "call-end", who).t == 60.0  # nothing after <Dial>: hangs up


def test_E1_moderator_who_never_got_in_still_ends_the_room(one, run):
    events = run("""
        calls:
          - name: mod
            conference: R
            attributes: {startConferenceOnEnter: false, endConferenceOnExit: true}
            hangup: 10
          - {name: b, at: 1, conference: R, attributes: {startConferenceOnEnter: false}, hangup: 60}
    """)
    end = one(events, "conference-end")
    assert end.t == 10.0 and end.params["Duration"] == "0"
    assert one(events, "participant-leave", "b").t == 10.0
    assert one(events, "wait-stop", "b").t == 10.0


def test_E2_last_participant_leaving_ends_the_conference(one, run):
    events = run("""
        calls:
          - {name: a, conference: R, hangup: 30}
          - {name: b, at: 10, conference: R, hangup: 70}
    """)
    end = one(events, "conference-end")
    assert (end.t, end.params["ReasonConferenceEnded"], end.params["Duration"]) == (
        70.0,
        "last-participant-left",
        "60",
    )


def test_E3_end_via_api_removes_everyone_without_CallSidEndingConference(find, one, run):
    events = run("""
        calls:
          - {name: a, conference: R, hangup: 300}
          - {name: b, at: 5, conference: R, hangup: 300}
        actions:
          - {at: 45, end: R}
    """)
    end = one(events, "conference-end")
    assert end.params["ReasonConferenceEnded"] == "conference-ended-via-api"
    assert "CallSidEndingConference" not in end.params
    reasons = [e.params["ReasonParticipantLeft"] for e in find(events, "participant-leave")]
    assert reasons == ["conference_ended_via_api", "conference_ended_via_api"]


def test_E4_staying_alone_keeps_the_conference_in_progress_in_silence(find, one, run):
    events = run("""
        calls:
          - {name: a, conference: R, hangup: 300}
          - {name: b, at: 5, conference: R, hangup: 30}
    """)
    assert one(events, "conference-end").t == 300.0
    assert [e.t for e in find(events, "wait-start", "a")] == [0.0]  # no wait audio returns


def test_M1_full_room_refuses_with_16020_and_a_failed_dial(find, one, run):
    events = run("""
        calls:
          - {name: a, conference: R, attributes: {maxParticipants: 2}, hangup: 60}
          - {name: b, at: 1, conference: R, hangup: 60}
          - {name: c, at: 2, conference: R, dial: {action: "https://app.example/full"}}
        documents:
          https://app.example/full: <Response/>
    """)
    assert not find(events, "participant-join", "c")
    refused = one(events, "join-refused", "c")
    assert refused.params["ErrorCode"] == "16020"
    dial_end = one(events, "dial-end", "c")
    assert dial_end.params["DialCallStatus"] == "failed"
    assert dial_end.params["ErrorCode"] == "16020"
    assert [r.purpose for r in dial_end.requests] == ["action"]


def test_M1_capacity_is_a_live_count_and_later_maxParticipants_is_ignored(find, one, run):
    events = run("""
        calls:
          - {name: a, conference: R, attributes: {maxParticipants: 2}, hangup: 60}
          - {name: b, at: 1, conference: R, attributes: {maxParticipants: 10}, hangup: 10}
          - {name: c, at: 20, conference: R, hangup: 60}
          - {name: d, at: 30, conference: R, hangup: 60}
    """)
    assert find(events, "participant-join", "c")
    assert one(events, "join-refused", "d").params["ErrorCode"] == "16020"


def test_L1_duplicate_label_refused_with_16025_and_next_verb_without_action(one, run):
    events = run("""
        calls:
          - {name: a, conference: R, attributes: {participantLabel: agent}, hangup: 60}
          - name: b
            at: 5
            cxml: <Response><Dial action="https://app.example/x"><Conference participantLabel="agent">R</Conference></Dial><Say>Label taken</Say></Response>
    """)
    assert one(events, "join-refused", "b").params["ErrorCode"] == "16025"
    dial_end = one(events, "dial-end", "b")
    assert dial_end.requests == ()
    assert one(events, "call-end", "b").t == 6.1  # "Label taken" is 11 chars: 1.1 s


def test_A1_first_participant_sets_the_room_and_later_values_warn(find, one, run):
    events = run("""
        calls:
          - {name: a, conference: R, hangup: 60}
          - name: b
            at: 5
            conference: R
            attributes: {statusCallback: "https://app.example/cb", statusCallbackEvent: join, record: record-from-start}
            hangup: 60
    """)
    warning = one(events, "attribute-ignored", "b")
    assert warning.kind == "warning"
    assert warning.params["attributes"] == "record statusCallback statusCallbackEvent"
    assert all(e.requests == () for e in events)
    assert not find(events, "recording-in-progress")


def test_rooms_are_scoped_per_account(find, run):
    events = run("""
        calls:
          - {name: a, account: acme, conference: R, hangup: 60}
          - {name: b, account: globex, at: 5, conference: R, hangup: 60}
    """)
    assert not find(events, "conference-start")
    sids = {e.params["ConferenceSid"] for e in find(events, "participant-join")}
    assert len(sids) == 2


def test_a_new_conference_after_an_end_gets_a_new_ConferenceSid(find, run):
    events = run("""
        calls:
          - {name: a, conference: R, hangup: 10}
          - {name: b, at: 20, conference: R, hangup: 30}
    """)
    first, second = find(events, "participant-join")
    assert first.params["ConferenceSid"] != second.params["ConferenceSid"]
    assert len(find(events, "conference-end")) == 2


def test_document_verbs_say_play_pause_redirect_take_their_time(one, run):
    events = run("""
        calls:
          - name: a
            cxml: <Response><Say>Hello there</Say><Play loop="2">https://cdn.example/a.mp3</Play><Pause length="3"/><Redirect>https://app.example/next</Redirect></Response>
        documents:
          https://app.example/next: <Response><Pause/><Hangup/></Response>
        media:
          https://cdn.example/a.mp3: 4.5
    """)
    # Say 1.1 s + Play 2 x 4.5 s + Pause 3 s + Pause 1 s = 14.1 s
    assert one(events, "call-end", "a").t == 14.1
    assert one(events, "call-end", "a").params["reason"] == "hangup-verb"


def test_missing_document_warns_and_answers_an_empty_response(one, run):
    events = run("""
        calls:
          - name: a
            cxml: <Response><Redirect>https://app.example/nowhere</Redirect><Say>unreached</Say></Response>
    """)
    warning = one(events, "document-missing", "a")
    assert warning.params["url"] == "https://app.example/nowhere"
    assert one(events, "call-end", "a").t == 0.0


def test_redirect_loop_without_time_is_stopped_with_a_warning(one, run):
    events = run("""
        calls:
          - {name: a, cxml: <Response><Redirect/></Response>}
    """)
    assert one(events, "document-invalid", "a").kind == "warning"
    assert one(events, "call-end", "a").params["reason"] == "redirect-loop"


def test_SPEC5_a_dial_action_that_dials_a_full_room_again_is_a_loop_stopped_with_a_warning(
    one, run
):
    # c is refused (maxParticipants 2) and its Dial action answers the same Dial: with no time
    # passing this spun forever (a found hang); it is now stopped like a <Redirect> loop
    events = run("""
        documents:
          https://x.example/v: <Response><Dial action="https://x.example/v"><Conference maxParticipants="2">R</Conference></Dial></Response>
        calls:
          - {name: a, url: https://x.example/v, hangup: 10}
          - {name: b, url: https://x.example/v, hangup: 10}
          - {name: c, url: https://x.example/v, hangup: 10}
    """)
    warning = one(events, "document-invalid", "c")
    assert "Dial action's answer loops" in warning.params["reason"]
    assert one(events, "call-end", "c").params["reason"] == "redirect-loop"
    assert len([e for e in events if e.event == "join-refused"]) == 1 + 51  # first, hops 0..50
    assert one(events, "call-end", "a").t == 10.0  # the others go on as before


def test_wait_document_with_a_disallowed_verb_warns_per_dialect(find, one, run):
    text = """
        dialect: {dialect}
        calls:
          - {{name: a, conference: R, attributes: {{waitUrl: "https://app.example/w"}}, hangup: 30}}
        documents:
          https://app.example/w: <Response><Say>Please wait</Say></Response>
    """
    sw = run(text.format(dialect="signalwire"))
    tw = run(text.format(dialect="twilio"))
    assert one(sw, "document-invalid", "a").params["purpose"] == "waitUrl"
    assert not find(tw, "document-invalid")


def test_until_stops_the_clock_inclusively(find, names, run):
    events = run("""
        until: 30
        calls:
          - {name: a, conference: R, hangup: 30}
          - {name: b, at: 30, conference: R, hangup: 31}
    """)
    assert find(events, "call-end", "a") and find(events, "call-start", "b")  # at 30: in
    assert not find(events, "call-end", "b")  # at 31: after the clock stopped
    assert "clock-stopped" not in names(events)


def test_a_call_arriving_after_until_is_a_load_error_not_an_empty_timeline():
    import pytest

    from conference_sim import Scenario, ScenarioError

    with pytest.raises(ScenarioError) as err:
        Scenario.from_yaml("until: 30\ncalls:\n  - {name: b, at: 31, conference: R}\n", "s.yaml")
    assert "s.yaml:3: calls[0].at: the call arrives at 31s, after the clock stops" in str(err.value)


def test_S5_the_default_timeLimit_of_4h_ends_a_stay_and_the_dial_action_follows(
    at, names, one, run
):
    events = run("""
        calls:
          - {name: a, conference: R, dial: {action: "https://app.example/after"}}
          - {name: b, at: 60, conference: R, hangup: 2h}
        documents:
          https://app.example/after: <Response><Say>Time is up</Say></Response>
    """)
    assert at(events, 14400.0) == [
        "participant-leave:a", "conference-end", "dial-end:a",
    ]  # fmt: skip
    leave = one(events, "participant-leave", "a")
    assert leave.params["ReasonParticipantLeft"] == "participant_hung_up"
    assert leave.params["ParticipantCallStatus"] == "in-progress"
    assert one(events, "dial-end", "a").requests[0].url == "https://app.example/after"
    assert one(events, "call-end", "a").t == 14401.0  # the action's document ran
    assert "clock-stopped" not in names(events)


def test_default_clock_stops_at_24h_with_a_warning_when_calls_remain(at, run):
    events = run("""
        calls:
          - {name: a, cxml: '<Response><Play loop="0">https://cdn.example/x.mp3</Play></Response>'}
    """)
    last = events[-1]
    assert (last.event, last.t) == ("clock-stopped", 86400.0)
    assert at(events, 86400.0) == ["clock-stopped"]


def test_joining_muted_counts_as_neither_mute_nor_unmute(find, one, run):
    """SPEC 3: participant-mute/-unmute report explicit changes; joining muted is neither."""
    events = run("""
        calls:
          - {name: a, conference: R, attributes: {muted: true}, hangup: 60}
          - {name: b, at: 5, conference: R, hangup: 60}
    """)
    assert one(events, "participant-join", "a").params["Muted"] == "true"
    assert not find(events, "participant-mute") and not find(events, "participant-unmute")


def test_play_loop_zero_plays_until_the_caller_hangs_up(one, run):
    events = run("""
        calls:
          - {name: a, cxml: '<Response><Play loop="0">https://cdn.example/x.mp3</Play></Response>', hangup: 90}
    """)
    assert one(events, "call-end", "a").t == 90.0


def test_S3_beeps_name_up_to_ten_listeners_and_count_them_in_larger_rooms(find, run):
    calls = "".join(
        f"  - {{name: p{i}, at: {i}, conference: Big, hangup: 900}}\n" for i in range(40)
    )
    actions = "actions:\n  - {at: 100, hold: p3}\n  - {at: 101, hold: p7}\n"
    events = run("calls:\n" + calls + actions + "until: 200\n")
    beeps = find(events, "beep")
    small = beeps[9].params  # p10 joins: 10 others hear it, by name (SPEC 3's heard_by)
    assert small["heard_by"] == [f"p{i}" for i in range(10)]
    late = next(e for e in beeps if e.t == 39).params  # p39 joins: 39 others, counted
    assert "heard_by" not in late and late["heard_by_count"] == 39 and late["not_heard_by"] == []
    held = run("calls:\n" + calls + actions + "until: 200\n")
    assert held == events  # deterministic
    after = [e.params for e in find(events, "participant-hold")]
    assert len(after) == 2
    text = "calls:\n" + calls + actions + "  - {at: 102, kick: p20}\nuntil: 200\n"
    exit_beep = next(e for e in find(run(text), "beep") if e.t == 102).params
    assert exit_beep["not_heard_by"] == ["p3", "p7"] and exit_beep["heard_by_count"] == 37
    assert max(len(str(e.params)) for e in beeps) < 400  # the same size in any room
