"""The Recordings resources (research 8): the account's (list, fetch, delete, media), a
conference's (list, fetch, pause and resume, delete) and a call's (start one on a live call,
list, fetch, pause, resume and stop, delete). Each recording the run made is one of them.

Changes act as other operations do (RE1): inside a webhook, once what is under way is done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Response

from ..engine.recordings import Kept
from . import paging, resources
from .errors import ApiError, json_response, not_found
from .forms import parse_day

if TYPE_CHECKING:
    from .wsgi import RestApi

API = resources.API
CURRENT = "Twilio.CURRENT"


def body(api: RestApi, kept: Kept, scope: str = "account") -> dict[str, Any]:
    sim = api.platform.sim
    if scope == "call":
        base = f"{API}/Accounts/{kept.account_sid}/Calls/{kept.call_sid}/Recordings/{kept.sid}"
    elif scope == "conference":
        base = (
            f"{API}/Accounts/{kept.account_sid}/Conferences/{kept.conference_sid}"
            f"/Recordings/{kept.sid}"
        )
    else:
        base = f"{API}/Accounts/{kept.account_sid}/Recordings/{kept.sid}"
    out: dict[str, Any] = {
        "account_sid": kept.account_sid,
        "api_version": "2010-04-01",
        "call_sid": kept.call_sid,
        "channels": kept.channels,
        "conference_sid": kept.conference_sid,
        "date_created": resources.date(sim, kept.start_ms),
        "date_updated": resources.date(sim, kept.updated_ms),
        "duration": None if kept.duration_s is None else str(kept.duration_s),
        "encryption_details": None,
        "error_code": None,
        "price": None,
        "price_unit": "USD",
        "sid": kept.sid,
        "source": kept.source,
        "start_time": resources.date(sim, kept.start_ms),
        "status": "deleted" if kept.deleted else kept.status,
        "uri": f"{base}.json",
    }
    if scope == "account":
        out["media_url"] = kept.url
        out["subresource_uris"] = {
            "add_on_results": f"{base}/AddOnResults.json",
            "transcriptions": f"{base}/Transcriptions.json",
        }
    if scope == "call":
        out["track"] = kept.track or "both"
    if sim.dialect.laml_recordings:  # SignalWire's shape of the same resource
        out.update(
            channels=str(kept.channels),
            channel=str(kept.channels),
            duration=kept.duration_s,
            end_time=resources.date(sim, kept.end_ms),
            source=LAML_SOURCES.get(kept.source, kept.source),
            trim=kept.trim,
            uri=f"/api/laml{out['uri']}",
        )
    return out


LAML_SOURCES = {"StartCallRecordingAPI": "StartCallRecordingApi", "OutboundAPI": "OutBoundApi"}


def newest_first(api: RestApi, account: str, keep: Callable[[Kept], bool]) -> list[Kept]:
    found = [
        k
        for k in api.platform.sim.directory.recordings.values()
        if k.account == account and keep(k)
    ]
    return sorted(found, key=lambda k: (k.start_ms, k.sid), reverse=True)


def dated(kept: Kept, api: RestApi, params: Any) -> bool:
    stamp = resources.date(api.platform.sim, kept.start_ms)
    day = parsedate_to_datetime(stamp).date() if stamp else None
    for suffix, test in (("", "=="), ("<", "<"), (">", ">=")):
        name = "DateCreated" + suffix
        if name in params and day is not None:
            want = parse_day(name, params[name])
            if not {"==": day == want, "<": day < want, ">=": day >= want}[test]:
                return False
    return True


def listed(api: RestApi, path: str, params: Any, items: list[Kept], scope: str) -> Response:
    bodies = [body(api, k, scope) for k in items if dated(k, api, params)]
    return json_response(paging.page("recordings", path, bodies, params, api.platform.sim.dialect))


def soft_deleted(params: Any) -> bool:
    return str(params.get("IncludeSoftDeleted", "false")).lower() == "true"


# -- the account's ----------------------------------------------------------------------------
def account_list(api: RestApi, account: str, path: str, params: Any) -> Response:
    def wanted(k: Kept) -> bool:
        if k.deleted and not soft_deleted(params):
            return False
        if "CallSid" in params and k.call_sid != params["CallSid"]:
            return False
        return not ("ConferenceSid" in params and k.conference_sid != params["ConferenceSid"])

    return listed(api, path, params, newest_first(api, account, wanted), "account")


def find(api: RestApi, account: str, path: str, sid: str, *, deleted: bool = False) -> Kept:
    kept = api.platform.sim.directory.recordings.get(sid)
    if kept is None or kept.account != account or (kept.deleted and not deleted):
        raise not_found(path)
    return kept


def account_get(api: RestApi, account: str, path: str, params: Any, sid: str) -> Response:
    return json_response(body(api, find(api, account, path, sid, deleted=soft_deleted(params))))


def delete(api: RestApi, account: str, path: str, params: Any, sid: str, **_: str) -> Response:
    kept = find(api, account, path, sid)
    if kept.status not in ("completed", "absent"):
        raise ApiError(400, 20009, "Only a completed recording can be deleted")
    kept.deleted = True
    return Response(status=204)


def media(api: RestApi, account: str, path: str, params: Any, sid: str, ext: str = "") -> Response:
    """The recording's audio, as long as it is: WAV (no extension, ``.wav``) or MP3."""
    kept = find(api, account, path, sid)
    if kept.status != "completed":
        raise not_found(path)
    seconds = kept.duration_s or 0
    if ext == "mp3":
        return Response(mp3_silence(seconds), mimetype="audio/mpeg")
    return Response(wav_silence(seconds), mimetype="audio/x-wav")


WAV_RATE = 8000  # 8 kHz, 16-bit, mono: 16 000 bytes a second
MP3_FRAME = b"\xff\xfb\x18\xc0" + bytes(140)  # MPEG-1 Layer III, 32 kbit/s, 32 kHz, mono: silence


def wav_silence(seconds: int) -> Iterator[bytes]:
    size = seconds * WAV_RATE * 2
    yield (
        b"RIFF" + (36 + size).to_bytes(4, "little") + b"WAVEfmt "
        + (16).to_bytes(4, "little") + (1).to_bytes(2, "little") + (1).to_bytes(2, "little")
        + WAV_RATE.to_bytes(4, "little") + (WAV_RATE * 2).to_bytes(4, "little")
        + (2).to_bytes(2, "little") + (16).to_bytes(2, "little")
        + b"data" + size.to_bytes(4, "little")
    )  # fmt: skip
    chunk = bytes(WAV_RATE * 2)
    for _ in range(seconds):
        yield chunk


def mp3_silence(seconds: int) -> Iterator[bytes]:
    frames = -(-seconds * 32000 // 1152)  # 1152 samples a frame at 32 kHz
    for _ in range(frames):
        yield MP3_FRAME
