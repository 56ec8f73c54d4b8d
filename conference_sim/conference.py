"""A conference room and its participants: the lifecycle rules of SPEC 2.

Every method runs synchronously inside one scenario step and emits its consequences in causal
order (the pinned orders of SPEC 3). Calls are told to move on through ``Call.dial_over``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import callbacks as cb
from .audio import Player
from .events import Request
from .model import ROOM_ATTRIBUTES, ConferenceAttrs, Dial
from .recording import Recording

if TYPE_CHECKING:
    from .call import Call
    from .simulation import Simulation

INIT, IN_PROGRESS, COMPLETED = "init", "in-progress", "completed"

# Why a participant left -> (ParticipantCallStatus, ReasonParticipantLeft)
LEAVE_REASONS = {
    "hangup": ("completed", "participant_hung_up"),
    "time-limit": ("in-progress", "participant_hung_up"),
    "hangup-on-star": ("in-progress", "participant_hung_up"),
    "kick": ("in-progress", "participant_updated_via_api"),
    "moderator": ("in-progress", "moderator_ended_conference"),
    "api-end": ("in-progress", "conference_ended_via_api"),
}
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


class Refused(Exception):
    """A join the platform refuses: error code and reason (C1 13240, L1 16025, M1 16020)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Participant:
    """One call's presence in one conference; mute, hold and coach state live here."""

    def __init__(self, room: Conference, call: Call, dial: Dial, coach_of: Call | None) -> None:
        a = dial.attrs
        self.room = room
        self.call = call
        self.dial = dial
        self.attrs = a
        self.label = a.participant_label
        self.muted = a.muted
        self.held = False
        self.beep_enter = a.beep_on_enter
        self.beep_exit = a.beep_on_exit
        self.end_on_exit = a.end_conference_on_exit
        self.coach_of = coach_of
        self.wait_url = a.wait_url
        self.wait_method = a.wait_method
        self.joined_ms = room.sim.now
        self.speaking = False
        self.wait_player: Player | None = None
        self.hold_player: Player | None = None
        self.announcement: Player | None = None
        self.log = room.log.bind(call=call.name)

    @property
    def coaching(self) -> bool:
        return self.coach_of is not None

    @property
    def waiting(self) -> bool:
        return self.room.state == INIT

    @property
    def audible(self) -> bool:
        """K1: heard by the room: conference in progress, not muted, not held."""
        return self.room.state == IN_PROGRESS and not self.muted and not self.held


class Conference:
    """One conference instance (one ConferenceSid) of the room ``(account, name)``."""

    def __init__(
        self, sim: Simulation, account: str, name: str, sid: str, creator: ConferenceAttrs
    ) -> None:
        self.sim = sim
        self.dialect = sim.dialect
        self.account = account
        self.account_sid = sim.account_sid(account)
        self.name = name
        self.sid = sid
        self.creator = creator
        self.status_callback = creator.status_callback
        self.status_method = creator.status_callback_method
        groups = creator.status_callback_event or ()
        self.subscribed = frozenset(e for g in groups for e in self.dialect.groups[g])
        self.max_participants = creator.max_participants
        trim = creator.trim or self.dialect.trim_default
        self.trim = trim == "trim-silence"
        self.recording_events = (
            creator.recording_status_callback_event or self.dialect.recording_events_default
        )
        self.state = INIT
        self.participants: dict[str, Participant] = {}
        self.started_ms: int | None = None
        self.ended_ms: int | None = None
        self.sequence = 0
        self.recording: Recording | None = None
        self.announcement: Player | None = None
        self.opened = False
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
        t = self.sim.now
        params = (
            cb.participant_params(self, p, event, t) if p else cb.conference_params(self, event, t)
        )
        requests: list[Request] = []
        if self.status_callback and event in self.subscribed:
            self.sequence += 1
            params["SequenceNumber"] = str(self.sequence)
            requests.append(Request("statusCallback", self.status_callback, self.status_method))
        if extra:
            params.update(extra)
        requests.extend(also)
        (p.log if p else self.log).info(event, kind="conference", params=params, requests=requests)

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
            target = self.sim.find_call(a.coach)
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
        self.join(p)
        return p

    def open(self, first: Participant) -> None:
        self.opened = True
        self.first_call_sid = first.call.sid
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
            ignored = sorted(ROOM_ATTRIBUTES_SET & p.attrs.given)
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
        if self.state == INIT:
            if self.can_start():
                self.start(by=p)
            else:
                self.start_wait(p)
        else:
            if p.beep_enter:
                self.beep(p, "enter")
            self.update_speech(p)

    def can_start(self) -> bool:
        """S1: at least two present, at least one with startConferenceOnEnter=true."""
        return len(self.participants) >= 2 and any(
            q.attrs.start_conference_on_enter for q in self.participants.values()
        )

    def start(self, by: Participant) -> None:
        """S3: wait audio stops, conference-start, the starter's beep, recording, speech."""
        for q in self.participants.values():
            self.stop_wait(q)
        self.state = IN_PROGRESS
        self.started_ms = self.sim.now
        self.emit("conference-start")
        if by.beep_enter:
            self.beep(by, "enter")
        if self.creator.record:
            self.start_recording()
        for q in self.participants.values():
            self.update_speech(q)

    def beep(self, subject: Participant, reason: str) -> None:
        heard_by = [
            q.call.name for q in self.participants.values() if q is not subject and not q.held
        ]
        self.audio("beep", subject, reason=reason, heard_by=heard_by)

    # -- wait and hold audio --------------------------------------------------------------------
    def start_wait(self, p: Participant) -> None:
        """S2: a participant in an init conference hears its wait audio (none for waitUrl='')."""
        if p.wait_url == "" or p.held:
            return
        player = Player(self.sim, p.wait_url, p.wait_method, "waitUrl", p.log)
        p.wait_player = player
        requests = (Request("waitUrl", p.wait_url, p.wait_method),) if p.wait_url else ()
        self.audio("wait-start", p, requests=requests, source=player.source)
        player.start()

    def stop_wait(self, p: Participant) -> None:
        if p.wait_player is not None:
            source = p.wait_player.source
            p.wait_player.stop()
            p.wait_player = None
            self.audio("wait-stop", p, source=source)

    def start_hold_audio(self, p: Participant, url: str | None, method: str) -> None:
        player = Player(self.sim, url, method, "holdUrl", p.log)
        p.hold_player = player
        requests = (Request("holdUrl", url, method),) if url else ()
        self.audio("hold-audio-start", p, requests=requests, source=player.source)
        player.start()

    def stop_hold_audio(self, p: Participant) -> None:
        if p.hold_player is not None:
            source = p.hold_player.source
            p.hold_player.stop()
            p.hold_player = None
            self.audio("hold-audio-stop", p, source=source)

    # -- mute, hold, speech ----------------------------------------------------------------------
    def set_muted(self, p: Participant, muted: bool) -> None:
        """U1: explicit mute changes by REST; a no-op (no event) when nothing changes."""
        if p.muted == muted:
            return
        p.muted = muted
        self.emit("participant-mute" if muted else "participant-unmute", p)
        self.update_speech(p)

    def set_held(
        self, p: Participant, held: bool, url: str | None = None, method: str = "GET"
    ) -> None:
        """H1: a held participant hears hold audio, is not heard and hears nobody."""
        if p.held == held:
            return
        p.held = held
        if held:
            self.emit("participant-hold", p)
            self.update_speech(p)
            self.stop_wait(p)
            self.start_hold_audio(p, url, method)
        else:
            self.emit("participant-unhold", p)
            self.stop_hold_audio(p)
            if self.state == INIT:
                self.start_wait(p)
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
            (rec.speech_started if on else rec.speech_stopped)(self.sim.now)

    # -- REST: announce and update --------------------------------------------------------------
    def announce(self, url: str, method: str, target: Participant | None = None) -> None:
        """Play an announceUrl document to the whole room, or to one participant."""
        holder = target if target is not None else self
        if holder.announcement is not None:
            holder.announcement.stop()
        log = target.log if target is not None else self.log
        player = Player(
            self.sim,
            url,
            method,
            "announceUrl",
            log,
            on_done=lambda ok: self.announcement_done(player, url, target, ok),
        )
        holder.announcement = player
        heard_by = (
            [target.call.name]
            if target is not None
            else [q.call.name for q in self.participants.values() if not q.held]
        )
        self.audio(
            "announcement-start",
            target,
            requests=(Request("announceUrl", url, method),),
            url=url,
            heard_by=heard_by,
        )
        player.start()

    def announcement_done(
        self, player: Player, url: str, target: Participant | None, ok: bool
    ) -> None:
        holder = target if target is not None else self
        if holder.announcement is player:
            holder.announcement = None
        if self.state == COMPLETED:
            return
        extra = {"AnnounceUrl": url}
        if target is not None:
            extra["CallSid"] = target.call.sid
        if self.dialect.name == "twilio":
            if ok:
                self.emit("announcement-end", extra=extra)
            else:
                extra["ReasonAnnouncementFailed"] = f"could not fetch {url}"
                self.emit("announcement-fail", extra=extra)
        elif ok:
            self.audio("announcement-end", target, url=url)

    def update(self, p: Participant, opts: dict[str, object]) -> None:
        """REST participant update: beepOnExit, endConferenceOnExit, coaching, waitUrl."""
        changed = False
        if "beepOnExit" in opts:
            changed |= p.beep_exit != opts["beepOnExit"]
            p.beep_exit = bool(opts["beepOnExit"])
        if "endConferenceOnExit" in opts:
            changed |= p.end_on_exit != opts["endConferenceOnExit"]
            p.end_on_exit = bool(opts["endConferenceOnExit"])
        if "coaching" in opts or "callSidToCoach" in opts:
            changed |= self.update_coaching(p, opts)
        if "waitUrl" in opts or "waitMethod" in opts:
            if "waitUrl" in opts:
                p.wait_url = str(opts["waitUrl"])
            p.wait_method = str(opts.get("waitMethod", p.wait_method))
            changed = True
            if p.wait_player is not None:
                self.stop_wait(p)
                self.start_wait(p)
        if changed and self.dialect.name == "twilio":
            self.emit("participant-modify", p)

    def update_coaching(self, p: Participant, opts: dict[str, object]) -> bool:
        coaching = opts.get("coaching", True)
        if not coaching:
            was = p.coach_of is not None
            p.coach_of = None
            return was
        sid = opts.get("callSidToCoach")
        target = self.sim.find_call(str(sid)) if sid is not None else p.coach_of
        tp = target.participant if target is not None else None
        if target is None or tp is None or tp.room is not self or target is p.call:
            self.sim.warn(
                p.log,
                "action-failed",
                action="update",
                target=p.call.name,
                ErrorCode="16028",
                reason=f"callSidToCoach {sid!r} is not a participant of this "
                "conference; coaching is unchanged",
            )
            return False
        was = p.coach_of
        p.coach_of = target
        return was is not target

    # -- leaving and ending -------------------------------------------------------------------
    def detach(self, p: Participant, cause: str) -> None:
        """Take p out: its speech and audio stop, then participant-leave."""
        if p.speaking:
            self.set_speaking(p, False)
        self.stop_wait(p)
        self.stop_hold_audio(p)
        if p.announcement is not None:
            p.announcement.stop()
            p.announcement = None
        del self.participants[p.call.name]
        status, reason = LEAVE_REASONS[cause]
        self.emit(
            "participant-leave",
            p,
            extra={"ParticipantCallStatus": status, "ReasonParticipantLeft": reason},
        )

    def remove(self, p: Participant, cause: str) -> list[Participant]:
        """S5/E1/E2: p leaves. Returns the other participants removed if the room ended."""
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
        if self.state == IN_PROGRESS and p.beep_exit:
            self.beep(p, "exit")
        return []

    def end(self, reason: str, by: Participant | None = None) -> list[Participant]:
        """E1/E2/E3: everyone left is removed, conference-end, then the recording's last event."""
        removed = list(self.participants.values())
        for q in removed:
            self.detach(q, "moderator" if by is not None else "api-end")
        if self.announcement is not None:
            self.announcement.stop()
            self.announcement = None
        self.state = COMPLETED
        self.ended_ms = self.sim.now
        duration = (
            0 if self.started_ms is None else cb.whole_seconds(self.ended_ms - self.started_ms)
        )
        who = by.call.name if by is not None else ""
        extra = {"ReasonConferenceEnded": reason, "Reason": END_TEXT[reason].format(who=who)}
        if by is not None:
            extra["CallSidEndingConference"] = by.call.sid
            if by.label is not None:
                extra["ParticipantLabelEndingConference"] = by.label
        extra["Duration"] = str(duration)
        rec = self.recording
        if rec is not None:
            rec.stop(self.sim.now)
            if not rec.empty:
                extra["RecordingUrl"] = rec.url
                extra["RecordingFileSize"] = str(rec.file_size)
        also = ()
        if self.creator.event_callback_url:
            also = (Request("eventCallbackUrl", self.creator.event_callback_url, "POST"),)
        self.emit("conference-end", extra=extra, also=also)
        if rec is not None:
            status = self.dialect.trimmed_empty_status if rec.empty else "completed"
            self.recording_event(status)
        self.sim.room_closed(self)
        return removed

    # -- recording -------------------------------------------------------------------------------
    def start_recording(self) -> None:
        """R1: record-from-start begins when the conference starts."""
        sid = self.sim.sid("RE", self.sid)
        url = self.dialect.recording_url(self.account_sid, sid)
        self.recording = Recording(sid=sid, url=url, start_ms=self.sim.now, trim=self.trim)
        self.recording_event("in-progress")

    def recording_event(self, status: str) -> None:
        rec = self.recording
        assert rec is not None
        params = {
            "AccountSid": self.account_sid,
            "ConferenceSid": self.sid,
            "RecordingSid": rec.sid,
            "RecordingUrl": rec.url,
            "RecordingStatus": status,
        }
        if status == "completed":
            params["RecordingDuration"] = str(rec.seconds)
        params.update(
            RecordingChannels="1",
            RecordingSource="Conference",
            RecordingStartTime=cb.rfc2822(self.sim.scenario.start, rec.start_ms),
        )
        if self.dialect.recording_call_sid and self.first_call_sid is not None:
            params["CallSid"] = self.first_call_sid
        requests = []
        url = self.creator.recording_status_callback
        if url and status in self.recording_events:
            requests.append(
                Request(
                    "recordingStatusCallback", url, self.creator.recording_status_callback_method
                )
            )
        self.log.info(f"recording-{status}", kind="recording", params=params, requests=requests)


ROOM_ATTRIBUTES_SET = frozenset(ROOM_ATTRIBUTES)
