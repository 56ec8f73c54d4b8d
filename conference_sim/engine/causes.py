"""Why a call's process is woken: the causes its interrupts and stay events carry, and the
sentinel documents its story returns (as simpy's ``Preempted`` is a cause with a meaning)."""

from __future__ import annotations

from attrs import frozen

from ..model import Document


@frozen
class DialOver:
    """Interrupt cause: the call's stay in the conference is over; its Dial has ended."""

    why: str


QUIET_LOOPS = 1000
FAILED = Document(verbs=(), source="<the Dial action failed>")


@frozen
class Redirected:
    """Interrupt cause: REST moved the call to another document."""

    document: Document
    url: str | None


@frozen
class HungUp:
    """Interrupt cause: the caller hung up; the process stops."""


HUNG_UP = HungUp()
HUNG_UP_DOC = Document(verbs=(), source="<the caller hung up>")
