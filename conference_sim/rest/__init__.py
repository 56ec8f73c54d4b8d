"""The platform's REST API (SPEC 10) over a running simulation.

One WSGI application (:mod:`.wsgi`) answers the conference part of the API as the official
clients call it. It is reached three ways: in-process, where any twilio ``Client`` an app builds
is answered while a simulation with an in-process app runs (:mod:`.client`); with an explicit
``http_client`` for ``twilio.rest.Client``; and over real HTTP by ``conference-sim serve``
(:mod:`.serve`). REST operations become the same typed actions as a scenario's ``actions:``.
"""
