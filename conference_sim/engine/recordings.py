"""The recordings a run has made, as the platform keeps them: each one a resource (Recordings,
SPEC 11 / research 8) whatever made it: a conference's ``record`` (``Conference``), a
``<Record>`` (``RecordVerb``), or the REST API on a live call (``StartCallRecordingAPI``).

A recording in progress can be paused and resumed (``PauseBehavior`` ``silence``, the default,
keeps the paused time in the recording as silence; ``skip`` leaves it out of its duration) and,
when the API started it, stopped. Each change is a ``recording-paused`` / ``recording-resumed``
event on the timeline; a stop completes it then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrs import define

from ..events import Request
from .params import rfc2822, whole_seconds

if TYPE_CHECKING:
    from .call import Call
    from .core import Engine


@define
class Kept:
    """One recording resource."""

    sid: str
    account: str
    account_sid: str
    source: str  # Conference, RecordVerb, StartCallRecordingAPI
    start_ms: int
    url: str
    call_sid: str | None = None
    conference_sid: str | None = None
    channels: int = 1
    track: str | None = None  # a call recording's: inbound, outbound, both
    status: str = "in-progress"  # paused, stopped (for a moment), completed, absent
    end_ms: int | None = None
    updated_ms: int = 0
    duration_s: int | None = None  # once completed
    deleted: bool = False
    paused_since: int | None = None
    skipped_ms: int = 0  # paused time left out (PauseBehavior skip)
    pause_behavior: str = "silence"
    # a call recording's own callback: (url, method, events)
    callback: tuple[str, str, tuple[str, ...]] | None = None
    trim: str = "do-not-trim"  # (a call recording's, as asked: reported, not applied: REC1)

    @property
    def live(self) -> bool:
        return self.status in ("in-progress", "paused")

    def skipped(self, now_ms: int) -> int:
        """Paused time left out of the recording so far (``skip`` pauses only)."""
        open_ms = 0
        if self.paused_since is not None and self.pause_behavior == "skip":
            open_ms = now_ms - self.paused_since
        return self.skipped_ms + open_ms


def keep(sim: Engine, kept: Kept) -> Kept:
    kept.updated_ms = kept.start_ms
    sim.directory.recordings[kept.sid] = kept
    return kept


def completed(sim: Engine, kept: Kept, duration_ms: int, status: str = "completed") -> None:
    now = sim.clock.now_ms
    if kept.paused_since is not None:
        resume_time(kept, now)
    kept.status, kept.end_ms, kept.updated_ms = status, now, now
    kept.duration_s = whole_seconds(max(duration_ms - kept.skipped_ms, 0))


def resume_time(kept: Kept, now_ms: int) -> None:
    if kept.paused_since is not None and kept.pause_behavior == "skip":
        kept.skipped_ms += now_ms - kept.paused_since
    kept.paused_since = None


def pause(sim: Engine, kept: Kept, behavior: str, log: object) -> None:
    now = sim.clock.now_ms
    if kept.status != "in-progress":
        return
    kept.status, kept.updated_ms = "paused", now
    kept.paused_since, kept.pause_behavior = now, behavior
    note(kept, "recording-paused", log, PauseBehavior=behavior)


def resume(sim: Engine, kept: Kept, log: object) -> None:
    now = sim.clock.now_ms
    if kept.status != "paused":
        return
    resume_time(kept, now)
    kept.status, kept.updated_ms = "in-progress", now
    note(kept, "recording-resumed", log)


def note(kept: Kept, event: str, log: object, **extra: str) -> None:
    params = {
        "AccountSid": kept.account_sid,
        "RecordingSid": kept.sid,
        "RecordingStatus": kept.status,
        "RecordingSource": kept.source,
        **({"CallSid": kept.call_sid} if kept.call_sid else {}),
        **({"ConferenceSid": kept.conference_sid} if kept.conference_sid else {}),
        **extra,
    }
    log.info(event, kind="recording", params=params, requests=[])  # type: ignore[attr-defined]


# -- a live call's recording, started with the REST API ---------------------------------------
def call_recording(
    sim: Engine,
    call: Call,
    *,
    channels: int,
    track: str,
    trim: str,
    callback: tuple[str, str, tuple[str, ...]] | None,
) -> Kept:
    """The recording a start on a live call makes (its SID taken now, RE1: it starts when the
    operation acts)."""
    count = sim.directory.api_counts.get(call.sid, 0)
    sim.directory.api_counts[call.sid] = count + 1
    sid = sim.directory.sid("RE", call.sid, "api", str(count))
    kept = Kept(
        sid=sid,
        account=call.account,
        account_sid=call.account_sid,
        source="StartCallRecordingAPI",
        start_ms=sim.clock.now_ms,
        url=sim.dialect.recording_url(call.account_sid, sid),
        call_sid=call.sid,
        channels=channels,
        track=track,
        callback=callback,
        trim=trim,
    )
    kept.updated_ms = kept.start_ms
    return kept


def start_call_recording(sim: Engine, call: Call, kept: Kept) -> None:
    if call.ended or call.hung_up:  # (ended before the queued start acted)
        return
    kept.start_ms = kept.updated_ms = sim.clock.now_ms
    assert kept.call_sid is not None
    sim.directory.api_recordings.setdefault(kept.call_sid, []).append(kept)
    keep(sim, kept)
    call_event(sim, call, kept, "in-progress")


def call_event(sim: Engine, call: Call, kept: Kept, status: str) -> None:
    params = {
        "AccountSid": kept.account_sid,
        "CallSid": call.sid,
        "RecordingSid": kept.sid,
        "RecordingUrl": kept.url,
        "RecordingStatus": status,
    }
    if status == "completed":
        params["RecordingDuration"] = str(kept.duration_s or 0)
    params.update(
        RecordingChannels=str(kept.channels),
        RecordingStartTime=rfc2822(sim.scenario.start, kept.start_ms),
        RecordingSource=kept.source,
        RecordingTrack=kept.track or "both",
    )
    requests = []
    if kept.callback is not None and status in kept.callback[2]:
        requests.append(Request("recordingStatusCallback", kept.callback[0], kept.callback[1]))
    call.log.info(f"recording-{status}", kind="recording", params=params, requests=requests)


def stop_call_recording(sim: Engine, call: Call, kept: Kept) -> None:
    """Stopped (by the API, or by its call's end): completed now."""
    if not kept.live:
        return
    now = sim.clock.now_ms
    whole = now - kept.start_ms
    completed(sim, kept, whole)
    call_event(sim, call, kept, "completed")


def call_ended(sim: Engine, call: Call) -> None:
    """A call's end completes the recordings the API started on it (after its call-end)."""
    for kept in sim.directory.api_recordings.pop(call.sid, ()):
        stop_call_recording(sim, call, kept)
