"""conference-sim: SignalWire cXML / Twilio TwiML conference rooms on a simulated clock."""

from __future__ import annotations

__version__ = "0.1.0"
