"""The command line's option values: each checked and bounded, one clear error per bad value."""

from __future__ import annotations

import argparse

from .errors import InputError


def seed(text: str) -> int:
    if not text.isdigit() or not text.isascii() or len(text) > 18:
        raise argparse.ArgumentTypeError(f"{text[:20]!r} is not a whole number from 0 to 10^18")
    return int(text)


MAX_JOBS = 64


def jobs(text: str) -> int:
    if not text.isdigit() or not text.isascii() or len(text) > 6 or not 1 <= int(text) <= MAX_JOBS:
        raise argparse.ArgumentTypeError(
            f"{text[:20]!r} is not a whole number from 1 to {MAX_JOBS}"
        )
    return int(text)


def count(text: str) -> int:
    if not text.isdigit() or not text.isascii() or len(text) > 7 or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text[:20]!r} is not a whole number from 1 to 9999999")
    return int(text)


def until(text: str) -> int:
    from .timeparse import to_ms

    try:
        ms = to_ms(text, what="--until")
    except InputError as err:
        raise argparse.ArgumentTypeError(err.message) from None
    if ms == 0:
        raise argparse.ArgumentTypeError("--until must be after 0")
    return ms


def port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port; allowed: 0 to 65535")
    return int(text)
