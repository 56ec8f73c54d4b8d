"""Reading a scenario file's text: only a regular UTF-8 file of at most 20 MB. A small module
of its own: the pytest plugin reads files at collection without importing the engine."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import ScenarioError

MAX_FILE_BYTES = 20 * 1024 * 1024


def read_text(path: str | Path) -> str:
    """A scenario file's text, or a ScenarioError saying why it cannot be read. Only regular
    files of at most 20 MB are read: a FIFO or a device would block or never end."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError(
                "is not a regular file (a pipe, a device…); give a scenario file", path=str(path)
            )
        if info.st_size > MAX_FILE_BYTES:
            raise ScenarioError(
                f"is {info.st_size:,} bytes; scenario files may be at most {MAX_FILE_BYTES:,}",
                path=str(path),
            )
        with open(path, encoding="utf-8") as f:
            return f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError("no such file", path=str(path)) from None
    except IsADirectoryError:
        raise ScenarioError("is a directory, not a scenario file", path=str(path)) from None
    except UnicodeDecodeError as err:
        raise ScenarioError(f"not UTF-8 text ({err.reason})", path=str(path)) from None
    except OSError as err:
        raise ScenarioError(f"cannot be read: {err.strerror}", path=str(path)) from None
