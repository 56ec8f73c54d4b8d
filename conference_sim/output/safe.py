"""Text from scenario files is shown, never obeyed: no terminal escape, no rich markup, no
forged line reaches the screen, and every JSONL record stays on one line."""

from __future__ import annotations

import io
import unicodedata
from typing import Any

# Besides \n and \r, str.splitlines() and many JSON-lines readers break lines at these.
LINE_BREAKERS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def visible(text: str) -> str:
    """Control and format characters (ESC, newlines, NUL, bidi overrides…) as escapes."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable() or ch == " ":
            out.append(ch)
        elif unicodedata.category(ch) in ("Zl", "Zp", "Zs"):
            out.append(f"\\u{ord(ch):04x}")
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return "".join(out)


def one_record(line: str) -> str:
    """A JSON line with the Unicode line breakers escaped (JSON already escapes the rest)."""
    if line.isascii():
        return line
    for ch, escape in LINE_BREAKERS.items():
        if ch in line:
            line = line.replace(ch, escape)
    return line


def utf8(stream: Any) -> Any:
    """The stream itself when it writes UTF-8, else a UTF-8 writer over its bytes."""
    encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "")
    if encoding == "utf8" or not hasattr(stream, "buffer"):
        return stream
    stream.flush()
    return io.TextIOWrapper(stream.buffer, encoding="utf-8", newline="\n", write_through=True)


def fits(stream: Any, text: str) -> bool:
    """Whether the stream's encoding can write ``text`` (✓ and ✗ in a Latin-1 terminal cannot)."""
    try:
        text.encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True
