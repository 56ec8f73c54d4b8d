"""The timeline shows what is sent (SPEC 11): a request whose body is not its event's params
(twilio's eventCallbackUrl gets the deprecated conference-record-end parameters, not
conference-end's) carries its own body on its ``requests`` entry, in JSONL, the table, the
Mermaid picture and the HTML page."""

from __future__ import annotations

import io
import json

from conference_sim.model import Scenario
from conference_sim.output.mermaid import MermaidSink
from conference_sim.output.sinks import JsonlSink
from conference_sim.output.table import TableSink
from conference_sim.runner import Simulation

SCENARIO = """
dialect: twilio
calls:
  - name: a
    conference: R
    hangup: 30
    attributes:
      record: record-from-start
      trim: do-not-trim
      eventCallbackUrl: https://app.example/record-end
      statusCallback: https://app.example/events
      statusCallbackEvent: end
  - {name: b, at: 5, conference: R, hangup: 20}
"""


def printed(sink_class: type) -> str:
    out = io.StringIO()
    kwargs = {"color": False, "title": "t"} if sink_class is TableSink else {}
    Simulation(Scenario.from_yaml(SCENARIO), sinks=[sink_class(out, **kwargs)]).run()
    return out.getvalue()


def test_SPEC11_an_event_callback_carries_its_own_body_and_a_status_callback_none():
    lines = [json.loads(line) for line in printed(JsonlSink).splitlines()]
    (end,) = [e for e in lines if e["event"] == "conference-end"]
    by_purpose = {r["purpose"]: r for r in end["requests"]}
    sent = by_purpose["eventCallbackUrl"]["body"]
    assert sent["EventName"] == "conference-record-end" and sent["Duration"] == "25"
    assert "StatusCallbackEvent" not in sent and "RecordingUrl" in sent
    assert "body" not in by_purpose["statusCallback"]  # it sends the event's params


def test_SPEC11_the_table_and_the_picture_say_what_the_event_callback_sends():
    table = printed(TableSink)
    assert "(eventCallbackUrl)" in table and "sends AccountSid=" in table
    assert "EventName=conference-record-end" in table
    mermaid = printed(MermaidSink)
    assert "sends AccountSid=" in mermaid and "EventName=conference-record-end" in mermaid
