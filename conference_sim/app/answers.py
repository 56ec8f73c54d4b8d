"""An app's answer as it arrives: its status and headers, and its body, bounded.

A body is read up to MAX_BODY_BYTES (a cXML document is at most MAX_BODY characters, and UTF-8
has at most 4 bytes a character). A compressed body (``Content-Encoding: gzip`` or ``deflate``)
is bounded *after* decompression: inflating stops at the limit, so a small compressed answer
that would expand to gigabytes is refused having expanded only the limit.
"""

from __future__ import annotations

import zlib

from attrs import frozen

MAX_BODY = 100_000  # characters: as a scenario's document
MAX_BODY_BYTES = 4 * MAX_BODY + 4


class Unreadable(Exception):
    """The body cannot be read: an encoding the platform does not take, or corrupt data."""


@frozen
class Answer:
    status: int
    content_type: str
    body: bytes
    too_large: bool = False  # the body went past MAX_BODY_BYTES; reading stopped there

    @property
    def text(self) -> str:
        charset = "utf-8"
        for part in self.content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip('"')
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:  # a charset Python does not know
            return self.body.decode("utf-8", errors="replace")


class Body:
    """Collects a body chunk by chunk; ``add`` says when to stop reading (past the limit)."""

    def __init__(self, content_encoding: str | None = None) -> None:
        encoding = (content_encoding or "identity").strip().lower()
        if encoding in ("", "identity"):
            self.inflate = None
        elif encoding in ("gzip", "x-gzip", "deflate"):
            self.inflate = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header
        else:
            raise Unreadable(f"the answer's Content-Encoding {encoding!r} is not gzip or deflate")
        self.data = bytearray()
        self.too_large = False

    def add(self, chunk: bytes) -> bool:
        if not chunk:
            return False
        if self.inflate is None:
            self.data += chunk
        else:
            room = MAX_BODY_BYTES + 1 - len(self.data)
            try:
                self.data += self.inflate.decompress(chunk, room)
            except zlib.error as err:
                raise Unreadable(f"the compressed answer is corrupt ({err})") from None
            if self.inflate.unconsumed_tail:  # more would come out than the limit allows
                self.too_large = True
                return True
        if len(self.data) > MAX_BODY_BYTES:
            self.too_large = True
            return True
        return False

    def answer(self, status: int, content_type: str) -> Answer:
        return Answer(status, content_type, bytes(self.data[:MAX_BODY_BYTES]), self.too_large)
