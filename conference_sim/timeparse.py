"""Times and durations: numbers of seconds or strings like ``90``, ``90s``, ``1m30s``, ``2h``.

Inside the engine every time is an integer number of milliseconds, so sums never drift. Text is
read by one left-to-right scan (no regular expression with nested repetition: linear time on
any input), and every time is bounded by ``MAX_TIME_MS`` (30 days).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .errors import InputError

UNIT_MS = {"h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}
ORDER = ("h", "m", "s", "ms")  # units appear at most once, largest first
MAX_TIME_MS = 30 * 24 * 3_600_000
MAX_TEXT = 40  # characters: longer is not a time
ALLOWED = "a number of seconds (30, 1.5) or a string like '90s', '1m30s', '2h', '250ms'"


def excerpt(value: object, limit: int = 40) -> str:
    """A value for an error message: its repr, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def to_ms(value: object, *, what: str = "time") -> int:
    """Parse a time or duration into whole milliseconds; raise InputError naming what is allowed."""
    if isinstance(value, bool) or value is None:
        raise InputError(f"{what} must be {ALLOWED}; got {excerpt(value)}")
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InputError(f"{what} must be a finite number; got {excerpt(value)}")
        if value < 0:
            raise InputError(f"{what} must not be negative; got {excerpt(value)}")
        if value > MAX_TIME_MS // 1000:
            raise InputError(f"{what} must be at most 30 days (2592000 s); got {excerpt(value)}")
        return bounded(int((Decimal(str(value)) * 1000).to_integral_value()), value, what)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("-"):
            raise InputError(f"{what} must not be negative; got {excerpt(value)}")
        total = scan(text) if len(text) <= MAX_TEXT else None
        if total is not None:
            return bounded(total, value, what)
    raise InputError(f"{what} must be {ALLOWED}; got {excerpt(value)}")


def bounded(ms: int, value: object, what: str) -> int:
    if ms > MAX_TIME_MS:
        raise InputError(f"{what} must be at most 30 days (720h); got {excerpt(value)}")
    return ms


def scan(text: str) -> int | None:
    """``1h 30m``, ``90s``, ``1.5``, ``250ms`` → milliseconds; None if it is not such a time."""
    i, n, total, seen = 0, len(text), Decimal(0), -1
    if not text:
        return None
    while i < n:
        while i < n and text[i] == " ":
            i += 1
        start = i
        while i < n and ((text[i].isdigit() and text[i].isascii()) or text[i] == "."):
            i += 1
        number = text[start:i]
        if not number or number.count(".") > 1 or number.startswith(".") or number.endswith("."):
            return None
        unit_start = i
        while i < n and text[i] in "hms":
            i += 1
        unit = text[unit_start:i] or ("s" if i == n else "")
        if unit not in UNIT_MS or ORDER.index(unit) <= seen or (unit == "ms" and "." in number):
            return None
        seen = ORDER.index(unit)
        try:
            total += Decimal(number) * UNIT_MS[unit]
        except InvalidOperation:  # pragma: no cover - only digits and one dot reach here
            return None
    return int(total.to_integral_value())


def seconds(ms: int) -> float:
    """Milliseconds to seconds as the float written in output (``30000`` -> ``30.0``)."""
    return ms / 1000


def clock(ms: int) -> str:
    """Format simulated time as ``m:ss.s``, or ``h:mm:ss.s`` from an hour on (``4:00:00.0``)."""
    tenths = (ms + 50) // 100
    minutes, tenths = divmod(tenths, 600)
    seconds = f"{tenths // 10:02d}.{tenths % 10}"
    if minutes < 60:
        return f"{minutes}:{seconds}"
    return f"{minutes // 60}:{minutes % 60:02d}:{seconds}"
