"""Where the app is: ``module:attribute`` (a WSGI or ASGI callable, imported and called
in-process) or ``http://127.0.0.1:PORT`` (any language, over real HTTP). WSGI or ASGI is
detected from the callable. Every problem is an InputError naming the key or option (exit 2).
"""

from __future__ import annotations

import importlib
import inspect
import socket
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from attrs import frozen

from ..errors import InputError


@frozen
class Target:
    kind: str  # wsgi, asgi, http
    app: Any = None  # the callable (wsgi, asgi)
    base_url: str = ""  # http: where the server listens
    name: str = ""


def is_asgi(app: Any) -> bool:
    """ASGI apps are coroutine functions of (scope, receive, send); WSGI ones are not."""
    call = app if inspect.isfunction(app) or inspect.ismethod(app) else type(app).__call__
    return inspect.iscoroutinefunction(call)


def resolve(spec: Any, *, where: str, path: str | None = None) -> Target:
    """The app named by a scenario key or option (or given as an object in Python)."""
    if callable(spec) and not isinstance(spec, str):
        return Target("asgi" if is_asgi(spec) else "wsgi", spec, name=repr(spec))
    if not isinstance(spec, str):
        raise InputError(
            f"must be module:attribute or http://HOST:PORT; got {spec!r}", path=path, where=where
        )
    if spec.startswith(("http://", "https://")):
        return http_target(spec, where=where, path=path)
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise InputError(
            f"{spec!r} is not allowed; allowed: module:attribute naming a WSGI or ASGI app "
            "(e.g. support_desk.web:app), or http://127.0.0.1:PORT",
            path=path,
            where=where,
        )
    app = load(module_name, attribute, where=where, path=path)
    return Target("asgi" if is_asgi(app) else "wsgi", app, name=spec)


def load(module_name: str, attribute: str, *, where: str, path: str | None) -> Any:
    """Import the module (from the current directory or the scenario's) and take the app."""
    roots = [str(Path.cwd())]
    if path:
        roots.append(str(Path(path).resolve().parent))
    for root in reversed(roots):
        if root not in sys.path:
            sys.path.insert(0, root)
    try:
        module = importlib.import_module(module_name)
    except Exception as err:  # the user's module: any error while importing it
        raise InputError(
            f"cannot import {module_name!r}: {type(err).__name__}: {err}", path=path, where=where
        ) from None
    app: Any = module
    for part in attribute.split("."):
        if not hasattr(app, part):
            raise InputError(
                f"module {module_name!r} has no attribute {attribute!r}", path=path, where=where
            )
        app = getattr(app, part)
    if not callable(app):
        raise InputError(
            f"{module_name}:{attribute} is a {type(app).__name__}, not a WSGI or ASGI app",
            path=path,
            where=where,
        )
    return app


def http_target(url: str, *, where: str, path: str | None) -> Target:
    """A server on this machine; it must accept connections when the run starts."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/"):
        raise InputError(
            f"{url!r} is not allowed; allowed: http://HOST:PORT (a server on this machine)",
            path=path,
            where=where,
        )
    port = parts.port or 80
    try:
        with socket.create_connection((parts.hostname, port), timeout=2):
            pass
    except OSError as err:
        raise InputError(
            f"nothing answers at {url} ({err.strerror or err}); start your app first",
            path=path,
            where=where,
        ) from None
    return Target("http", base_url=f"http://{parts.hostname}:{port}", name=url)
