"""The engine: the simulated clock, calls, conference rooms and their audio, on simpy.

Imports only the model layer (``model``, ``actions``, ``states``, ``events``, ``dialects``,
``sids``, ``timeparse``, ``errors``) and simpy, attrs and structlog (a test enforces it).
"""
