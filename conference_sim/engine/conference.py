"""A conference room and its participants: the lifecycle rules of SPEC 2.

Every method runs synchronously inside one scenario step and emits its consequences in causal
order (the pinned orders of SPEC 3). The room tells each call it removes that its stay is over
(``Call.left``), the leaver first, after the room's own events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..events import Request
from ..model import ROOM_ATTRIBUTES, ConferenceAttrs, Dial
from ..states import ConferenceState, RoomState, may_start
from . import params as cb
from . import sounds
from .audio import Player
from .participant import LEAVE_REASONS, Participant, Refused
from .recording import Recording, complete, open_recording, recording_event, start_recording

if TYPE_CHECKING:
    from .call import Call
    from .core import Engine

END_TEXT = {
    "participant-with-end-conference-on-exit-left": (
        "Participant {who} with endConferenceOnExit left the conference"
    ),
    "participant-with-end-conference-on-exit-kicked": (
        "Participant {who} with endConferenceOnExit was removed from the conference"
    ),
    "last-participant-left": "The last participant {who} left the conference",
    "last-participant-kicked": "The last participant {who} was removed from the conference",
    "conference-ended-via-api": "Conference ended via API",
}


class Conference:
    """One conference instance (one ConferenceSid) of the room ``(account, name)``."""

    def __init__(
        self, sim: Engine, account: str, name: str, sid: str, creator: ConferenceAttrs
    ) -> None:
        self.sim = sim
        self.clock = sim.clock
        self.dialect = sim.dialect
        self.account = account
        self.account_sid = sim.directory.account_sid(account)
        self.name = name
        self.sid = sid
        self.creator = creator
        self.status_callback = creator.status_callback
        self.status_method = creator.status_callback_method
        self.status_request = Request("statusCallback", self.status_callback, self.status_method)
        groups = creator.status_callback_event or ()
        self.subscribed = frozenset(e for g in groups for e in self.dialect.groups[g])
        self.max_participants = creator.max_participants
        self.region = creator.region
        trim = creator.trim or self.dialect.trim_default
        self.trim = trim == "trim-silence"
        self.recording_events = (
            creator.recording_status_callback_event or self.dialect.recording_events_default
        )
        self.state = RoomState.INIT
        self.participants: dict[str, Participant] = {}
        self.held: dict[str, None] = {}  # the held participants' names, in hold order
        self.created_ms = sim.clock.now_ms
        self.updated_ms = self.created_ms
        self.started_ms: int | None = None
        self.ended_ms: int | None = None
        self.end_reason: str | None = None
        self.ended_by: str | None = None  # CallSid of the participant whose leaving ended it
        self.sequence = 0
        self.recording: Recording | None = None
        self.announcement: Player | None = None
        self.opened = False
        self.ending = False  # its end is under way (what the REST API answers meanwhile)
        self.first_call_sid: str | None = None
        self.log = sim.log.bind(conference=name, account=account)

    # -- emitting --------------------------------------------------------------------------------
    def emit(
        self,
        event: str,
        p: Participant | None = None,
        extra: dict[str, str] | None = None,
        also: tuple[Request, ...] = (),
    ) -> None:
        """A conference event: parameters per SPEC 4, a statusCallback request iff subscribed."""
        t = self.clock.now_ms
        params = (
            cb.participant_params(self, p, event, t) if p else cb.conference_params(self, event, t)
        )
        requests: tuple[Request, ...] = also
        if self.status_callback and event in self.subscribed:
            self.sequence += 1
            params["SequenceNumber"] = str(self.sequence)
            requests = (self.status_request, *also)
        if extra:
            params.update(extra)
        log = p.log if p else self.log
        log.log.emit(event, log.context, "conference", params, requests, t)  # log.info, inline

    def audio(
        self,
        event: str,
        p: Participant | None = None,
        requests: tuple[Request, ...] = (),
        **params: Any,
    ) -> None:
        (p.log if p else self.log).info(event, kind="audio", params=params, requests=list(requests))

    # -- joining ---------------------------------------------------------------------------------
    def admit(self, call: Call, dial: Dial) -> Participant:
        """Check C1, L1 and M1 (in that order); raise Refused, or add and announce the joiner."""
        a = dial.attrs
        coach_of = None
        if a.coach is not None:
            target = self.sim.directory.find_call(a.coach)
            tp = target.participant if target is not None else None
            if tp is None or tp.room is not self or target is call:
                raise Refused(
                    13240,
                    f"Invalid whisper SID: {a.coach} is not a participant "
                    f"connected to conference {self.name!r}",
                )
            coach_of = target
        if a.participant_label is not None and any(
            p.label == a.participant_label for p in self.participants.values()
        ):
            raise Refused(
                16025,
                f"participantLabel {a.participant_label!r} is already in use in this conference",
            )
        if len(self.participants) >= self.max_participants:
            raise Refused(16020, f"Conference is full (maxParticipants={self.max_participants})")
        p = Participant(self, call, dial, coach_of)
        call.participant = p  # before its join is told: the app may act on it at once (REST)
        self.join(p)
        return p

    def open(self, first: Participant) -> None:
        self.opened = True
        self.first_call_sid = first.call.sid
        self.sim.directory.room_opened(self)
        if self.status_callback and self.creator.status_callback_event is None:
            self.sim.warn(
                self.log,
                "callback-unsubscribed",
                statusCallback=self.status_callback,
                reason="statusCallback is set but statusCallbackEvent is not, so no "
                "event is subscribed (the platform default is none); add e.g. "
                "statusCallbackEvent='start end join leave'",
            )

    def join(self, p: Participant) -> None:
        if not self.opened:
            self.open(p)
        else:
            ignored = sorted(ROOM_ATTRIBUTES & p.attrs.given)
            region = p.attrs.region
            if region is not None and self.region is None:
                self.region = region  # A1: the first participant that gives one sets it
            elif region is not None and region != self.region:
                ignored.append("region")
            if ignored:
                self.sim.warn(
                    p.log,
                    "attribute-ignored",
                    attributes=" ".join(ignored),
                    reason="only the participant that creates the conference sets "
                    "these (A1); this participant's values are ignored",
                )
        self.participants[p.call.name] = p
        self.emit("participant-join", p)
        if self.participants.get(p.call.name) is not p:
            return  # the app took it out again at the instant of its join (REST)
        if self.state == RoomState.INIT:
            if self.can_start():
                self.start(by=p)
            else:
                sounds.start_wait(self, p)
        else:
            if p.beep_enter:
                sounds.beep(self, p, "enter")
            self.update_speech(p)

    def can_start(self) -> bool:
        """S1 (the rule in :func:`conference_sim.states.may_start`)."""
        present = self.participants.values()
        return may_start(len(present), sum(q.attrs.start_conference_on_enter for q in present))

    def start(self, by: Participant) -> None:
        """S3: wait audio stops, conference-start, the starter's beep, recording, speech."""
        for q in self.participants.values():
            sounds.stop_wait(self, q)
        self.state = RoomState.IN_PROGRESS
        self.started_ms = self.updated_ms = self.clock.now_ms
        if self.creator.record:  # (its resource is there for the conference-start webhook)
            open_recording(self)
        self.emit("conference-start")
        if by.beep_enter:
            sounds.beep(self, by, "enter")
        if self.creator.record:
            start_recording(self)
        for q in self.participants.values():
            self.update_speech(q)

    # -- mute, hold, speech ----------------------------------------------------------------------
    def set_muted(self, p: Participant, muted: bool) -> None:
        """U1: explicit mute changes by REST; a no-op (no event) when nothing changes."""
        if p.muted == muted:
            return
        p.muted = muted
        p.updated_ms = self.clock.now_ms
        self.emit("participant-mute" if muted else "participant-unmute", p)
        self.update_speech(p)

    def set_held(
        self, p: Participant, held: bool, url: str | None = None, method: str = "GET"
    ) -> None:
        """H1: a held participant hears hold audio, is not heard and hears nobody."""
        if p.held == held:
            return
        p.held = held
        p.updated_ms = self.clock.now_ms
        if held:
            self.held[p.call.name] = None
        else:
            self.held.pop(p.call.name, None)
        if held:
            self.emit("participant-hold", p)
            self.update_speech(p)
            sounds.stop_wait(self, p)
            sounds.start_hold_audio(self, p, url, method)
        else:
            self.emit("participant-unhold", p)
            sounds.stop_hold_audio(self, p)
            if self.state == RoomState.INIT:
                sounds.start_wait(self, p)
            self.update_speech(p)

    def update_speech(self, p: Participant) -> None:
        """K1: speech events follow (declared talking) and (audible to the room)."""
        should = p.call.talking and p.audible and p.call.name in self.participants
        if should != p.speaking:
            self.set_speaking(p, should)

    def set_speaking(self, p: Participant, on: bool) -> None:
        p.speaking = on
        self.emit("participant-speech-start" if on else "participant-speech-stop", p)
        rec = self.recording
        if rec is not None and rec.end_ms is None:
            (rec.speech_started if on else rec.speech_stopped)(self.clock.now_ms)

    # -- leaving and ending -------------------------------------------------------------------
    def detach(self, p: Participant, cause: str) -> None:
        """Take p out: its speech and audio stop, then participant-leave."""
        if p.speaking:
            self.set_speaking(p, False)
        sounds.stop_wait(self, p)
        sounds.stop_hold_audio(self, p)
        if p.announcement is not None:
            p.announcement.stop()
            p.announcement = None
        del self.participants[p.call.name]
        self.held.pop(p.call.name, None)
        self.sim.time_limits.forget(p)
        status, reason = LEAVE_REASONS[cause]
        extra = {"ParticipantCallStatus": status, "ReasonParticipantLeft": reason}
        if self.dialect.call_params:  # SignalWire's CallStatus agrees with it
            extra["CallStatus"] = status
        self.emit("participant-leave", p, extra=extra)

    def remove(self, p: Participant, cause: str) -> None:
        """S5/E1/E2: p leaves (maybe ending the room); then each call removed hears of it,
        p's first."""
        removed = self.leave(p, cause)
        p.call.left(p, cause)
        for q in removed:
            q.call.left(q, "conference-ended")

    def end_via_api(self) -> None:
        """E3: REST end removes everyone; then each removed call's Dial ends."""
        for q in self.end("conference-ended-via-api"):
            q.call.left(q, "conference-ended")

    def leave(self, p: Participant, cause: str) -> list[Participant]:
        """p leaves; returns the others removed if that ended the room."""
        if p.end_on_exit or len(self.participants) == 1:
            self.ending = True  # (told to the REST API while the leave is delivered)
        self.detach(p, cause)
        kicked = cause == "kick"
        if p.end_on_exit:
            reason = (
                "participant-with-end-conference-on-exit-kicked"
                if kicked
                else "participant-with-end-conference-on-exit-left"
            )
            return self.end(reason, by=p)
        if not self.participants:
            return self.end("last-participant-kicked" if kicked else "last-participant-left", by=p)
        if self.state == RoomState.IN_PROGRESS and p.beep_exit:
            sounds.beep(self, p, "exit")
        return []

    def end(self, reason: str, by: Participant | None = None) -> list[Participant]:
        """E1/E2/E3: everyone left is removed, conference-end, then the recording's last event.
        Returns the participants removed (their calls are told by the caller of ``end``)."""
        self.ending = True
        removed = list(self.participants.values())
        for q in removed:
            self.detach(q, "moderator" if by is not None else "api-end")
        if self.announcement is not None:
            self.announcement.stop()
            self.announcement = None
        self.state = RoomState.COMPLETED
        self.ended_ms = self.updated_ms = self.clock.now_ms
        self.end_reason = reason
        self.ended_by = by.call.sid if by is not None else None
        duration = (
            0 if self.started_ms is None else cb.whole_seconds(self.ended_ms - self.started_ms)
        )
        who = by.call.name if by is not None else ""
        extra = {"ReasonConferenceEnded": reason, "Reason": END_TEXT[reason].format(who=who)}
        if by is not None:
            extra["CallSidEndingConference"] = by.call.sid
            if by.label is not None:
                extra["ParticipantLabelEndingConference"] = by.label
        record = {"Duration": str(duration)}  # what the deprecated conference-record-end says
        rec = self.recording
        if rec is not None and rec.kept is not None and not rec.kept.live:
            rec = None  # (stopped before the end: its events are told)
        if rec is not None:
            rec.stop(self.clock.now_ms)
            if not rec.empty:
                record["RecordingUrl"] = rec.url
                record["RecordingFileSize"] = str(rec.file_size)
        if not self.dialect.record_end_apart:  # SignalWire keeps them on conference-end
            extra.update(record)
        self.emit("conference-end", extra=extra, also=cb.event_callback(self, record))
        if rec is not None:
            status = self.dialect.trimmed_empty_status if rec.empty else "completed"
            complete(self, rec, status)
            recording_event(self, status)
        self.sim.directory.remove_room(self)
        return removed

    # -- what the timeline would say ---------------------------------------------------------------
    def snapshot(self) -> ConferenceState:
        return ConferenceState(
            self.name,
            self.account,
            self.sid,
            self.state,
            {name: p.snapshot() for name, p in self.participants.items()},
            self.sequence,
        )
