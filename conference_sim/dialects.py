"""The two platforms: what differs between SignalWire cXML and Twilio TwiML.

Everything dialect-specific lives in one frozen :class:`Dialect` value, looked up by name.
"""

from __future__ import annotations

from attrs import frozen

from . import sids

# statusCallbackEvent keyword -> the events it subscribes to (SPEC 3).
BASE_GROUPS: dict[str, tuple[str, ...]] = {
    "start": ("conference-start",),
    "end": ("conference-end",),
    "join": ("participant-join",),
    "leave": ("participant-leave",),
    "mute": ("participant-mute", "participant-unmute"),
    "hold": ("participant-hold", "participant-unhold"),
    "speaker": ("participant-speech-start", "participant-speech-stop"),
}
TWILIO_GROUPS: dict[str, tuple[str, ...]] = {
    **BASE_GROUPS,
    "modify": ("participant-modify",),
    "announcement": ("announcement-end", "announcement-fail"),
}


@frozen
class Dialect:
    name: str
    groups: dict[str, tuple[str, ...]]
    recording_events: tuple[str, ...]
    recording_events_default: tuple[str, ...]
    trim_default: str
    trimmed_empty_status: str
    wait_verbs: frozenset[str]
    call_params: bool  # participant events carry From/To/CallStatus/Direction/ApiVersion
    dial_call_duration: bool
    recording_call_sid: bool
    api_host: str
    record_end_apart: bool  # Duration/Recording* only on the deprecated conference-record-end
    dial_bridged: bool  # the Dial action says DialBridged
    sid_shape: str  # "prefixed": CA/CF/RE/AC + 32 hex digits; "uuid": UUID-shaped
    modify_events: bool  # a REST participant update is reported as participant-modify
    announcement_events: bool  # announcement-end/-fail are conference events (callbacks)
    signature_headers: tuple[str, ...]  # the headers a webhook's signature is sent in
    sip_code_param: str  # the final SIP code's name in call progress (CP2)
    created_status: int  # the HTTP status of a REST create (Twilio 201, SignalWire 200)
    keeps_silent_recordings: bool  # a <Record> that heard nothing is saved (IV7)
    paging_codes: tuple[int, int, int]  # page too large, bad PageToken, Page>0 without one (PG1)
    stops_conference_recordings: bool  # Status=stopped on a conference recording (REC2)
    # SignalWire's recording resource (research 8.4): channels as text (and channel), duration
    # as a number, end_time and trim, its own source names
    laml_recordings: bool

    def group_of(self, event: str) -> str | None:
        for keyword, events in self.groups.items():
            if event in events:
                return keyword
        return None

    def sid(self, kind: str, seed: int, *parts: str) -> str:
        """kind is one of CA (call), CF (conference), RE (recording), AC (account)."""
        if self.sid_shape == "prefixed":
            return sids.twilio_sid(kind, seed, *parts)
        return sids.uuid_sid(kind, seed, *parts)

    def recording_url(self, account_sid: str, recording_sid: str) -> str:
        return f"{self.api_host}/2010-04-01/Accounts/{account_sid}/Recordings/{recording_sid}"


SIGNALWIRE = Dialect(
    name="signalwire",
    groups=BASE_GROUPS,
    recording_events=("in-progress", "completed", "failed"),
    recording_events_default=("completed", "failed"),
    trim_default="trim-silence",
    trimmed_empty_status="failed",
    wait_verbs=frozenset({"Play", "Pause", "Redirect"}),
    call_params=True,
    dial_call_duration=True,
    recording_call_sid=True,
    api_host="https://example.signalwire.com/api/laml",
    record_end_apart=False,
    dial_bridged=False,
    sid_shape="uuid",
    modify_events=False,
    announcement_events=False,
    signature_headers=("X-SignalWire-Signature", "X-Twilio-Signature"),  # (the alias)
    sip_code_param="SipResultCode",
    created_status=200,
    keeps_silent_recordings=False,
    paging_codes=(54454, 54453, 54453),
    stops_conference_recordings=True,
    laml_recordings=True,
)
TWILIO = Dialect(
    name="twilio",
    groups=TWILIO_GROUPS,
    recording_events=("in-progress", "completed", "absent"),
    recording_events_default=("completed",),
    trim_default="trim-silence",
    trimmed_empty_status="absent",
    wait_verbs=frozenset({"Play", "Pause", "Redirect", "Say"}),
    call_params=False,
    dial_call_duration=False,
    recording_call_sid=False,
    api_host="https://api.twilio.com",
    record_end_apart=True,
    dial_bridged=True,
    sid_shape="prefixed",
    modify_events=True,
    announcement_events=True,
    signature_headers=("X-Twilio-Signature",),
    sip_code_param="SipResponseCode",
    created_status=201,
    keeps_silent_recordings=True,
    paging_codes=(20007, 21481, 70002),
    stops_conference_recordings=False,
    laml_recordings=False,
)
DIALECTS: dict[str, Dialect] = {"signalwire": SIGNALWIRE, "twilio": TWILIO}
