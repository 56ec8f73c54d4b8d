"""Put on PYTHONPATH for a guide's Python app in tests: DNS is refused and no connection goes
anywhere but loopback, so whatever works was answered by the run."""

import socket

LOOPBACK = ("127.0.0.1", "localhost", "::1")
_getaddrinfo, _create_connection = socket.getaddrinfo, socket.create_connection


def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
    if str(host) not in LOOPBACK:
        raise socket.gaierror(socket.EAI_NONAME, f"no network in this test ({host})")
    return _getaddrinfo(host, *args, **kwargs)


def create_connection(address, *args, **kwargs):  # type: ignore[no-untyped-def]
    if address[0] not in LOOPBACK:
        raise OSError(f"no network in this test ({address[0]})")
    return _create_connection(address, *args, **kwargs)


socket.getaddrinfo = getaddrinfo
socket.create_connection = create_connection
