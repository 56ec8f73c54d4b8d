"""REST actions (SPEC 5 actions) and H1/U1: mute, hold, kick, end, announce, update."""

from __future__ import annotations

import pytest

ROOM = """
dialect: {dialect}
calls:
  - {{name: a, conference: R, attributes: {{statusCallback: "https://app.example/cb", statusCallbackEvent: "{events}"}}, hangup: 300}}
  - {{name: b, at: 5, conference: R, hangup: 300}}
  - {{name: c, at: 6, conference: R, hangup: 300}}
actions:
{actions}
documents:
  https://app.example/hold: <Response><Play>https://cdn.example/hold.mp3</Play></Response>
  https://app.example/announce: <Response><Say>The meeting ends in five minutes</Say></Response>
media:
  https://cdn.example/hold.mp3: 20
"""


@pytest.fixture(scope="session")
def room(run):
    def room(
        actions: str, dialect: str = "signalwire", events: str = "join leave mute hold modify"
    ):
        if dialect == "signalwire":
            events = events.replace(" modify", "")
        return run(ROOM.format(dialect=dialect, events=events, actions=actions))

    return room


def test_U1_mute_and_unmute_by_rest_with_callbacks_and_no_event_for_a_no_op(find, one, room):
    events = room("  - {at: 10, mute: b}\n  - {at: 11, mute: b}\n  - {at: 20, unmute: b}")
    assert [(e.event, e.t) for e in find(events, "participant-mute") + find(events, "participant-unmute")] == [
        ("participant-mute", 10.0), ("participant-unmute", 20.0),
    ]  # fmt: skip
    mute = one(events, "participant-mute", "b")
    assert mute.params["Muted"] == "true" and mute.requests


def test_H1_hold_plays_hold_audio_from_holdUrl_and_unhold_returns(one, room):
    events = room(
        "  - {at: 10, hold: b, holdUrl: 'https://app.example/hold'}\n  - {at: 40, unhold: b}"
    )
    hold = one(events, "participant-hold", "b")
    assert hold.params["Hold"] == "true"
    start = one(events, "hold-audio-start", "b")
    assert start.params["source"] == "https://app.example/hold"
    assert [(r.purpose, r.method) for r in start.requests] == [("holdUrl", "GET")]
    assert one(events, "hold-audio-stop", "b").t == 40.0
    assert one(events, "participant-unhold", "b").params["Hold"] == "false"


def test_H1_second_hold_is_a_no_op_and_held_participant_misses_beeps(find, room):
    events = room("  - {at: 10, hold: b}\n  - {at: 12, hold: b}\n  - {at: 15, kick: c}")
    assert len(find(events, "participant-hold")) == 1
    exit_beep = next(e for e in find(events, "beep", "c") if e.params["reason"] == "exit")
    assert exit_beep.params["heard_by"] == ["a"]


def test_hold_of_a_waiting_participant_swaps_wait_audio_for_hold_audio(run):
    events = run("""
        calls:
          - {name: a, conference: R, attributes: {startConferenceOnEnter: false}, hangup: 300}
          - {name: mod, at: 60, conference: R, hangup: 300}
        actions:
          - {at: 10, hold: a}
          - {at: 20, unhold: a}
    """)
    assert [(e.event, e.t) for e in events if e.call == "a" and e.kind == "audio" and e.event != "beep"] == [
        ("wait-start", 0.0), ("wait-stop", 10.0), ("hold-audio-start", 10.0),
        ("hold-audio-stop", 20.0), ("wait-start", 20.0), ("wait-stop", 60.0),
    ]  # fmt: skip


def test_kick_removes_the_participant_and_its_call_goes_on(one, room):
    events = room("  - {at: 30, kick: b}")
    leave = one(events, "participant-leave", "b")
    assert leave.params["ReasonParticipantLeft"] == "participant_updated_via_api"
    assert leave.params["ParticipantCallStatus"] == "in-progress"
    assert one(events, "dial-end", "b").t == 30.0
    assert one(events, "call-end", "b").t == 30.0  # nothing after <Dial>


def test_kick_of_the_last_participant_ends_with_last_participant_kicked(one, run):
    events = run("""
        calls:
          - {name: a, conference: R, hangup: 300}
        actions:
          - {at: 30, kick: a}
    """)
    assert (
        one(events, "conference-end").params["ReasonConferenceEnded"] == "last-participant-kicked"
    )


def test_kick_of_an_end_conference_on_exit_participant(one, run):
    events = run("""
        calls:
          - {name: a, conference: R, hangup: 300}
          - {name: mod, at: 1, conference: R, attributes: {endConferenceOnExit: true}, hangup: 300}
        actions:
          - {at: 30, kick: mod}
    """)
    end = one(events, "conference-end")
    assert end.params["ReasonConferenceEnded"] == "participant-with-end-conference-on-exit-kicked"
    assert one(events, "participant-leave", "a").params["ReasonParticipantLeft"] == (
        "moderator_ended_conference"
    )


def test_E3_end_action_with_account(one, run):
    events = run("""
        calls:
          - {name: a, account: acme, conference: R, hangup: 300}
        actions:
          - {at: 10, end: R}
          - {at: 20, end: R, account: acme}
    """)
    warning = one(events, "action-failed")
    assert warning.t == 10.0 and warning.params["ErrorCode"] == "20404"
    assert one(events, "conference-end").t == 20.0


@pytest.mark.parametrize(
    "action",
    [
        "{at: 400, mute: b}",
        "{at: 400, unmute: b}",
        "{at: 400, hold: b}",
        "{at: 400, unhold: b}",
        "{at: 400, kick: b}",
        "{at: 400, end: R}",
        "{at: 400, announce: R, url: 'https://app.example/announce'}",
        "{at: 400, update: b, beepOnExit: false}",
        "{at: 10, mute: CA0123456789abcdef0123456789abcdef}",
    ],
)
def test_actions_on_a_missing_target_warn_and_change_nothing(action, find, names, room):
    baseline = room("  []".replace("  []", "  - {at: 1000, end: nowhere}"))
    events = room(f"  - {action}\n  - {{at: 1000, end: nowhere}}")
    warnings = find(events, "action-failed")
    assert len(warnings) == 2 and warnings[0].kind == "warning"
    strip = lambda evs: [n for n in names(evs) if n != "action-failed"]  # noqa: E731
    assert strip(events) == strip(baseline)


def test_announce_to_the_room_signalwire_and_twilio(one, room):
    actions = "  - {at: 30, announce: R, url: 'https://app.example/announce'}"
    sw = room(actions)
    start = one(sw, "announcement-start")
    assert start.params["heard_by"] == ["a", "b", "c"]
    assert [(r.purpose, r.method) for r in start.requests] == [("announceUrl", "POST")]
    end = one(sw, "announcement-end")
    # "The meeting ends in five minutes" is 32 characters: 3.2 s
    assert (end.kind, end.t) == ("audio", 33.2)
    tw = room(actions, dialect="twilio", events="join announcement")
    tw_end = one(tw, "announcement-end")
    assert tw_end.kind == "conference" and tw_end.requests
    assert tw_end.params["AnnounceUrl"] == "https://app.example/announce"


def test_announce_to_one_participant_and_a_missing_document_fails_in_twilio(one, room):
    sw = room("  - {at: 30, announce: R, call: b, url: 'https://app.example/announce'}")
    assert one(sw, "announcement-start").params["heard_by"] == ["b"]
    tw = room("  - {at: 30, announce: R, url: 'https://app.example/none'}", dialect="twilio",
              events="announcement")  # fmt: skip
    assert one(tw, "document-missing").params["purpose"] == "announceUrl"
    assert one(tw, "announcement-fail").requests


def test_update_emits_participant_modify_in_twilio_and_changes_behaviour(find, one, room):
    actions = "  - {at: 30, update: c, endConferenceOnExit: true, beepOnExit: false}\n  - {at: 40, kick: c}"
    tw = room(actions, dialect="twilio")
    modify = one(tw, "participant-modify", "c")
    assert modify.params["EndConferenceOnExit"] == "true" and modify.requests
    end = one(tw, "conference-end")
    assert end.t == 40.0
    assert end.params["ReasonConferenceEnded"] == "participant-with-end-conference-on-exit-kicked"
    sw = room(actions)
    assert not find(sw, "participant-modify")
    assert one(sw, "conference-end").t == 40.0


def test_update_waitUrl_restarts_the_wait_audio_of_a_waiting_participant(find, run):
    events = run("""
        calls:
          - {name: a, conference: R, hangup: 100}
        actions:
          - {at: 10, update: a, waitUrl: "https://app.example/w2"}
        documents:
          https://app.example/w2: <Response><Play loop="0">https://cdn.example/w2.mp3</Play></Response>
    """)
    starts = find(events, "wait-start", "a")
    assert [s.params["source"] for s in starts] == ["default hold music", "https://app.example/w2"]
