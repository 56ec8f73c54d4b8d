"""The user's application in the loop (SPEC 9): the platform's requests delivered to a WSGI or
ASGI app in-process, or to a server over real HTTP, signed as the platform signs them.

``connect(scenario, app=…)`` gives the transport a run uses; the engine sees only its answers.
"""

from .connect import connect

__all__ = ["connect"]
