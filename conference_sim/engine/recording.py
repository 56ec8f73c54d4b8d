"""Conference recording (R1): starts with the conference, stops when it ends, trims silence.

Wait and hold audio are never recorded. With trim the reported duration runs from the first to
the last audible speech inside the recorded span (by anyone in the room).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from attrs import define

from ..events import Request
from .params import rfc2822, whole_seconds
from .recordings import Kept, completed, keep

if TYPE_CHECKING:
    from .conference import Conference


@define
class Recording:
    sid: str
    url: str
    start_ms: int
    trim: bool
    end_ms: int | None = None
    first_speech_ms: int | None = None
    last_speech_ms: int | None = None
    talkers: int = 0
    kept: Any = None  # its resource (engine.recordings.Kept)

    def speech_started(self, t_ms: int) -> None:
        if self.first_speech_ms is None:
            self.first_speech_ms = t_ms
        self.talkers += 1

    def speech_stopped(self, t_ms: int) -> None:
        self.talkers -= 1
        self.last_speech_ms = t_ms

    def stop(self, t_ms: int) -> None:
        self.end_ms = t_ms
        if self.talkers > 0:
            self.last_speech_ms = t_ms

    @property
    def duration_ms(self) -> int:
        end = self.end_ms if self.end_ms is not None else self.start_ms
        if not self.trim:
            return end - self.start_ms
        if self.first_speech_ms is None or self.last_speech_ms is None:
            return 0
        return self.last_speech_ms - self.first_speech_ms

    @property
    def empty(self) -> bool:
        """A trimmed recording with no speech at all keeps nothing (absent / failed)."""
        return self.trim and self.first_speech_ms is None

    @property
    def seconds(self) -> int:
        return whole_seconds(self.duration_ms)

    @property
    def file_size(self) -> int:
        """8 kHz 16-bit mono WAV: a 44-byte header plus 16 000 bytes a second."""
        return 44 + 16000 * self.seconds


def recording_params(room: Conference, rec: Recording, status: str) -> dict[str, str]:
    """The parameters of a recording event (SPEC 4)."""
    params = {
        "AccountSid": room.account_sid,
        "ConferenceSid": room.sid,
        "RecordingSid": rec.sid,
        "RecordingUrl": rec.url,
        "RecordingStatus": status,
    }
    if status == "completed":
        seconds = rec.kept.duration_s if rec.kept is not None else None
        params["RecordingDuration"] = str(rec.seconds if seconds is None else seconds)
    params.update(
        RecordingChannels="1",
        RecordingSource="Conference",
        RecordingStartTime=rfc2822(room.sim.scenario.start, rec.start_ms),
    )
    if room.dialect.recording_call_sid and room.first_call_sid is not None:
        params["CallSid"] = room.first_call_sid
    return params


def open_recording(room: Conference) -> None:
    """R1: record-from-start begins when the conference starts (its resource, at once)."""
    sid = room.sim.directory.sid("RE", room.sid)
    url = room.dialect.recording_url(room.account_sid, sid)
    room.recording = rec = Recording(sid=sid, url=url, start_ms=room.clock.now_ms, trim=room.trim)
    rec.kept = keep(
        room.sim,
        Kept(
            sid=sid,
            account=room.account,
            account_sid=room.account_sid,
            source="Conference",
            start_ms=rec.start_ms,
            url=url,
            call_sid=room.first_call_sid if room.dialect.recording_call_sid else None,
            conference_sid=room.sid,
        ),
    )


def start_recording(room: Conference) -> None:
    """Its in-progress event, after the conference-start and the starter's beep (S3)."""
    recording_event(room, "in-progress")


def stop_recording(room: Conference) -> None:
    """Stopped by the REST API (SignalWire's dialect): completed now, not at the room's end."""
    rec = room.recording
    if rec is None or rec.kept is None or not rec.kept.live:
        return
    rec.stop(room.clock.now_ms)
    status = room.dialect.trimmed_empty_status if rec.empty else "completed"
    complete(room, rec, status)
    recording_event(room, status)


def complete(room: Conference, rec: Recording, status: str) -> None:
    """The conference's end: its recording's resource completed (or absent, or failed)."""
    if rec.kept is not None and rec.kept.live:
        completed(room.sim, rec.kept, rec.duration_ms, status)


def recording_event(room: Conference, status: str) -> None:
    rec = room.recording
    assert rec is not None
    params = recording_params(room, rec, status)
    requests = []
    url = room.creator.recording_status_callback
    if url and status in room.recording_events:
        method = room.creator.recording_status_callback_method
        requests.append(Request("recordingStatusCallback", url, method))
    room.log.info(f"recording-{status}", kind="recording", params=params, requests=requests)
