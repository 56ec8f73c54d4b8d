"""C1 coach, K1 speech, R1 recording (durations and sizes computed by hand), who hears whom."""

from __future__ import annotations

import pytest

from conference_sim.engine.core import Engine
from conference_sim.model import Scenario
from conference_sim.output.sinks import CaptureSink

COACH = """
calls:
  - {name: customer, conference: R, speech: [[40, 50]], hangup: 300}
  - {name: agent, at: 10, conference: R, speech: [[55, 65]], hangup: 300}
  - {name: supervisor, at: 30, conference: R, attributes: {coach: agent, beep: false}, speech: [[70, 75]], hangup: 300}
  - name: monitor
    at: 31
    conference: R
    attributes: {muted: true}
    hangup: 300
  - {name: waiter, at: 0, conference: Lobby, hangup: 300}
  - {name: held, at: 32, conference: R, hangup: 300}
actions:
  - {at: 33, hold: held}
"""


def sim_at(text: str, t: float) -> Engine:
    sim = Engine(Scenario.from_yaml(text), sinks=[CaptureSink()])
    sim.advance(int(t * 1000))
    return sim


def test_C1_coach_is_heard_only_by_the_coached_participant():
    h = sim_at(COACH, 40).hearing()
    assert h["customer"].voices == ("agent",)
    assert h["agent"].voices == ("customer", "supervisor")
    assert h["supervisor"].voices == ("customer", "agent")


def test_U1_monitor_hears_the_room_and_is_heard_by_nobody():
    h = sim_at(COACH, 40).hearing()
    assert h["monitor"].voices == ("customer", "agent")
    assert all("monitor" not in v.voices for v in h.values())


def test_H1_held_participant_hears_hold_audio_and_nobody_hears_it():
    h = sim_at(COACH, 40).hearing()
    assert h["held"].state == "held" and h["held"].audio == "hold: default hold music"
    assert h["held"].voices == ()
    assert all("held" not in v.voices for v in h.values())


def test_S2_waiting_participant_hears_wait_audio():
    h = sim_at(COACH, 40).hearing()
    assert (h["waiter"].state, h["waiter"].audio) == ("waiting", "wait: default hold music")


def test_C1_coach_callbacks_say_Coaching_true_without_CallSidToCoach(one, run):
    events = run(COACH)
    join = one(events, "participant-join", "supervisor")
    assert join.params["Coaching"] == "true"
    assert "CallSidToCoach" not in join.params


def test_C1_coach_by_CallSid_works_like_by_name(one, run):
    events = run(COACH)
    agent_sid = one(events, "call-start", "agent").params["CallSid"]
    events2 = run(COACH.replace("coach: agent", f"coach: {agent_sid}"))
    assert one(events2, "participant-join", "supervisor").params["Coaching"] == "true"


def test_C1_coaching_a_call_not_in_the_room_is_refused_with_13240(find, one, run):
    events = run("""
        calls:
          - {name: a, conference: R, hangup: 60}
          - {name: b, conference: Other, hangup: 60}
          - {name: c, at: 5, conference: R, attributes: {coach: b}, dial: {action: "https://app.example/x"}}
        documents:
          https://app.example/x: <Response/>
    """)
    assert not find(events, "participant-join", "c")
    assert one(events, "join-refused", "c").params["ErrorCode"] == "13240"
    dial_end = one(events, "dial-end", "c")
    assert (dial_end.params["DialCallStatus"], dial_end.params["ErrorCode"]) == ("failed", "13240")
    assert [r.purpose for r in dial_end.requests] == ["action"]


def speech_events(events, call):
    return [(e.event.removeprefix("participant-speech-"), e.t)
            for e in events if e.call == call and e.event.startswith("participant-speech")]  # fmt: skip


def test_K1_speech_only_while_audible_starts_when_the_conference_starts(run):
    events = run("""
        calls:
          - {name: a, conference: R, speech: [[10, 40]], hangup: 100}
          - {name: b, at: 30, conference: R, hangup: 100}
    """)
    assert speech_events(events, "a") == [("start", 30.0), ("stop", 40.0)]


def test_K1_speech_stops_on_mute_and_hold_and_resumes_on_unmute_and_unhold(run):
    events = run("""
        calls:
          - {name: a, conference: R, speech: [[10, 80]], hangup: 100}
          - {name: b, conference: R, hangup: 100}
        actions:
          - {at: 20, mute: a}
          - {at: 30, unmute: a}
          - {at: 40, hold: a}
          - {at: 50, unhold: a}
    """)
    assert speech_events(events, "a") == [
        ("start", 10.0), ("stop", 20.0), ("start", 30.0), ("stop", 40.0), ("start", 50.0),
        ("stop", 80.0),
    ]  # fmt: skip
    order = [e.event for e in events if e.t == 20.0]
    assert order == ["participant-mute", "participant-speech-stop"]


def test_K1_speech_stops_when_the_talker_leaves_or_the_room_ends(run):
    events = run("""
        calls:
          - {name: a, conference: R, speech: [[10, 80]], hangup: 30}
          - {name: b, conference: R, speech: [[10, 80]], hangup: 100}
          - {name: c, conference: R, hangup: 100}
        actions:
          - {at: 50, end: R}
    """)
    assert speech_events(events, "a") == [("start", 10.0), ("stop", 30.0)]
    assert speech_events(events, "b") == [("start", 10.0), ("stop", 50.0)]
    assert [e.event for e in events if e.t == 30.0][:2] == [
        "participant-speech-stop", "participant-leave",
    ]  # fmt: skip


def test_K1_muted_talker_produces_no_speech_events(run):
    events = run("""
        calls:
          - {name: a, conference: R, attributes: {muted: true}, speech: [[10, 20]], hangup: 100}
          - {name: b, conference: R, hangup: 100}
    """)
    assert speech_events(events, "a") == []


RECORD = """
dialect: {dialect}
calls:
  - name: host
    conference: R
    attributes:
      record: record-from-start
      recordingStatusCallback: https://app.example/rec
      {extra}
    speech: [{host_speech}]
    hangup: 180
  - {{name: guest, at: 30, conference: R, speech: [{guest_speech}], hangup: 180}}
"""


@pytest.fixture(scope="session")
def record(run):
    def record(dialect="signalwire", extra="", host="[45, 60]", guest="[70, 90]"):
        return run(
            RECORD.format(dialect=dialect, extra=extra, host_speech=host, guest_speech=guest)
        )

    return record


def test_R1_do_not_trim_records_the_whole_started_span(one, record):
    # do-not-trim: start 30 (guest joins) to end 180 = 150 s
    events = record(extra="trim: do-not-trim")
    done = one(events, "recording-completed")
    assert done.params["RecordingDuration"] == "150"
    assert done.params["RecordingStartTime"] == "Thu, 01 Jan 2026 00:00:30 +0000"
    end = one(events, "conference-end")
    assert end.params["RecordingFileSize"] == str(44 + 16000 * 150)  # 2 400 044
    assert end.params["RecordingUrl"] == done.params["RecordingUrl"]
    assert one(events, "recording-in-progress").t == 30.0


def test_R1_trim_silence_runs_from_first_to_last_audible_speech(one, record):
    # speech 45-60 (host) and 70-90 (guest): 45 .. 90 = 45 s
    events = record(extra="trim: trim-silence")
    assert one(events, "recording-completed").params["RecordingDuration"] == "45"
    assert one(events, "conference-end").params["RecordingFileSize"] == "720044"


@pytest.mark.parametrize("dialect", ["signalwire", "twilio"])
def test_R1_trim_defaults_to_trim_silence_in_both_dialects(dialect, one, record):
    events = record(dialect=dialect)
    assert one(events, "recording-completed").params["RecordingDuration"] == "45"


def test_R1_trimmed_recording_without_speech_is_failed_or_absent_per_dialect(one, record):
    sw = record(host="", guest="")  # trim-silence is the default in both dialects (R1)
    assert one(sw, "recording-failed").requests  # signalwire default events: completed failed
    assert "RecordingUrl" not in one(sw, "conference-end").params
    tw = record(dialect="twilio", host="", guest="")  # twilio default trim is trim-silence
    absent = one(tw, "recording-absent")
    assert absent.requests == ()  # twilio default events: completed only


def test_R1_recording_callback_events_filter_and_params(one, record):
    events = record(extra="recordingStatusCallbackEvent: in-progress completed")
    assert one(events, "recording-in-progress").requests
    done = one(events, "recording-completed")
    assert [(r.purpose, r.url, r.method) for r in done.requests] == [
        ("recordingStatusCallback", "https://app.example/rec", "POST")
    ]
    p = done.params
    assert (p["RecordingChannels"], p["RecordingSource"], p["RecordingStatus"]) == (
        "1", "Conference", "completed",
    )  # fmt: skip
    assert p["CallSid"] == one(events, "call-start", "host").params["CallSid"]
    assert "CallSid" not in one(record(dialect="twilio"), "recording-completed").params


def test_R1_a_conference_that_never_starts_has_no_recording(run):
    events = run("""
        calls:
          - {name: a, conference: R, attributes: {record: record-from-start}, hangup: 60}
    """)
    assert not [e for e in events if e.kind == "recording"]
