"""Deterministic SIDs: a function of the seed and names, never of ``hash()`` or the clock."""

from __future__ import annotations

import hashlib


def digest(seed: int, *parts: str) -> str:
    """32 lowercase hex digits derived from the seed and the parts."""
    text = "\x1f".join([str(seed), *parts])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def twilio_sid(prefix: str, seed: int, *parts: str) -> str:
    """``CA``/``CF``/``RE``/``AC`` + 32 hex digits."""
    return prefix + digest(seed, prefix, *parts)


def uuid_sid(kind: str, seed: int, *parts: str) -> str:
    """A UUID-shaped (version 4 layout) identifier, as SignalWire uses."""
    h = digest(seed, kind, *parts)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


# the UUID variant digit for a hex digit d: "89ab"[int(d, 16) % 4]
VARIANT = {d: "89ab"[int(d, 16) % 4] for d in "0123456789abcdef"}
