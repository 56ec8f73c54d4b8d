"""Times and durations: numbers of seconds or strings like ``90``, ``90s``, ``1m30s``, ``2h``.

Inside the engine every time is an integer number of milliseconds, so sums never drift.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .errors import InputError

_UNIT_MS = {"h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}
_DURATION = re.compile(
    r"^\s*(?:(?P<h>\d+(?:\.\d+)?)h)?\s*(?:(?P<m>\d+(?:\.\d+)?)m(?!s))?\s*"
    r"(?:(?P<s>\d+(?:\.\d+)?)s?)?\s*(?:(?P<ms>\d+)ms)?\s*$"
)
ALLOWED = "a number of seconds (30, 1.5) or a string like '90s', '1m30s', '2h', '250ms'"


def to_ms(value: object, *, what: str = "time") -> int:
    """Parse a time or duration into whole milliseconds; raise InputError naming what is allowed."""
    if isinstance(value, bool) or value is None:
        raise InputError(f"{what} must be {ALLOWED}; got {value!r}")
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InputError(f"{what} must be a finite number; got {value!r}")
        if value < 0:
            raise InputError(f"{what} must not be negative; got {value!r}")
        return int((Decimal(str(value)) * 1000).to_integral_value())
    if isinstance(value, str):
        text = value.strip()
        match = _DURATION.match(text)
        if text and match and any(match.group(k) for k in ("h", "m", "s", "ms")):
            total = Decimal(0)
            try:
                for unit, scale in _UNIT_MS.items():
                    if match.group(unit):
                        total += Decimal(match.group(unit)) * scale
            except InvalidOperation:  # pragma: no cover - the regex admits only digits
                pass
            else:
                return int(total.to_integral_value())
        if text.startswith("-"):
            raise InputError(f"{what} must not be negative; got {value!r}")
    raise InputError(f"{what} must be {ALLOWED}; got {value!r}")


def seconds(ms: int) -> float:
    """Milliseconds to seconds as the float written in output (``30000`` -> ``30.0``)."""
    return ms / 1000


def clock(ms: int) -> str:
    """Format simulated time as ``m:ss.s`` (hours roll into minutes: ``75:00.0``)."""
    tenths = (ms + 50) // 100
    minutes, tenths = divmod(tenths, 600)
    return f"{minutes}:{tenths // 10:02d}.{tenths % 10}"
