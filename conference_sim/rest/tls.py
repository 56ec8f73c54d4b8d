"""HTTPS for ``serve`` (``--https``): a certificate authority made at start, and a certificate
it signs for the loopback names (127.0.0.1, ::1, localhost). Its CA file is written where the
user says (or to a temporary file) and printed, for ``REQUESTS_CA_BUNDLE`` (Python),
``NODE_EXTRA_CA_CERTS`` (Node) or ``SSL_CERT_FILE``: so the SignalWire SDKs, which always
speak https, reach the simulation unchanged. Made with trustme (``pip install
'conference-sim[https]'``)."""

from __future__ import annotations

import os
import ssl
import tempfile

from ..errors import InputError


def server_context(ca_file: str | None) -> tuple[ssl.SSLContext, str]:
    """(the server's TLS context, the path of the CA file that verifies it)."""
    try:
        import trustme
    except ImportError:
        raise InputError(
            "needs trustme, which is not installed: pip install 'conference-sim[https]'",
            where="--https",
        ) from None
    authority = trustme.CA(organization_name="conference-sim")
    issued = authority.issue_cert("127.0.0.1", "::1", "localhost")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    issued.configure_cert(context)
    if ca_file is None:
        handle, ca_file = tempfile.mkstemp(prefix="conference-sim-ca-", suffix=".pem")
        os.close(handle)
    try:
        authority.cert_pem.write_to_path(ca_file)
    except OSError as err:
        raise InputError(f"cannot write {err.strerror}", path=ca_file, where="--ca-file") from None
    return context, ca_file
