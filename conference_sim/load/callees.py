"""``callees:``: what the party at each dialled address does (SPEC 10, 11).

Keyed by the address exactly as the app writes it in ``To`` or in a ``<Dial>`` noun: E.164
numbers, ``client:NAME``, ``sip:URI``. A value is ``answer`` (after 5 s), ``busy``,
``no-answer``, ``failed``, ``machine`` (an answering machine answers: machine detection says
``machine_start``), or a mapping ``{answer: 3s, hangup: 2m, answered_by: machine_end_beep,
press: [{at: 2s, digits: "1"}], speech: [[1, 4]]}`` whose times after ``answer`` count from the
answer. An address with no entry answers after 5 s and stays.
"""

from __future__ import annotations

from ..model import Callee, Press, Speech
from ..timeparse import excerpt
from .calls import presses, speech
from .schema import At, choice, describe, mapping, time

OUTCOMES = ("answer", "busy", "no-answer", "failed", "machine")
ANSWERED_BY = ("human", "machine_start", "machine_end_beep", "machine_end_silence",
               "machine_end_other", "fax", "unknown")  # fmt: skip
SHAPE = (
    "answer (after 5 s), busy, no-answer, failed, machine, or a mapping "
    "{answer: 3s, hangup: 2m, answered_by: machine_start, press: [...], speech: [...]}"
)


def callee_map(at: At) -> dict[str, Callee]:
    if not isinstance(at.value, dict):
        raise at.fail(f"must be a mapping of address: behaviour; got {describe(at.value)}")
    out = {}
    for item in at.items():
        value = item.value
        address = str(item.key)
        if isinstance(value, str) and value in OUTCOMES:
            out[address] = (
                Callee(answered_by="machine_start") if value == "machine" else Callee(outcome=value)
            )
            continue
        if not isinstance(value, dict):
            raise item.fail(f"{excerpt(value)} is not allowed; allowed: {SHAPE}")
        mapping(("answer", "hangup", "answered_by", "press", "speech"))(item)
        answer = item.get("answer", time("answer"), 5000)
        out[address] = Callee(
            "answer",
            answer,
            item.get("hangup", time("hangup"), None),
            answered_by=item.get("answered_by", choice(*ANSWERED_BY), "human"),
            presses=tuple(Press(p.at_ms, p.digits) for p in item.get("press", presses, ())),
            speech=tuple(Speech(s.start_ms, s.end_ms) for s in item.get("speech", speech, ())),
        )
    return out
