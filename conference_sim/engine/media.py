"""How long things sound: Say and Play durations (documented modelling choices)."""

from __future__ import annotations

from ..model import Play, Say

MAX_INSTANT_REDIRECTS = 50  # more Redirects than this with no time passing is a loop
AUDIO_SUFFIXES = (".mp3", ".wav", ".ogg", ".m4a", ".aac", ".ulaw", ".gsm")
UNKNOWN_MEDIA_MS = 10_000


def media_ms(url: str, media: dict[str, int]) -> int:
    """How long a media file plays: from the scenario's ``media`` map, else 10 s."""
    return media.get(url, UNKNOWN_MEDIA_MS)


def say_ms(text: str) -> int:
    """Say lasts 0.1 s per character, at least 1 s."""
    return max(1000, 100 * len(text))


def playing(verb: Say | Play, media: dict[str, int]) -> tuple[str, int | None]:
    """What a Say/Play verb sounds like and how long it lasts (None: loops forever)."""
    if isinstance(verb, Say):
        label, one = f"say: {verb.text}", say_ms(verb.text)
    else:
        label, one = verb.url, media_ms(verb.url, media)
    return label, None if verb.loop == 0 else one * verb.loop


def is_media_url(url: str, media: dict[str, int]) -> bool:
    """A URL that serves audio rather than a document (in ``media``, or by its suffix)."""
    return url in media or url.lower().split("?")[0].endswith(AUDIO_SUFFIXES)
