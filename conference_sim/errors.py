"""Errors raised for bad input: each names the file, the line where known, and what is allowed."""

from __future__ import annotations


class InputError(Exception):
    """A problem with user input (a scenario file, a document, a command-line value).

    ``where`` is a dotted path into the scenario (``calls[1].attributes.beep``); ``line`` is the
    1-based line in ``path`` when known. ``str()`` gives the one-paragraph message users see.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        where: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.where = where

    def located(
        self, *, path: str | None = None, line: int | None = None, where: str | None = None
    ) -> InputError:
        """Fill in location details that an inner layer could not know (never overwrites)."""
        if self.path is None:
            self.path = path
        if self.line is None:
            self.line = line
        if where and not self.where:
            self.where = where
        elif where and self.where and not self.where.startswith(where):
            self.where = f"{where}.{self.where}"
        return self

    def __str__(self) -> str:
        if self.path is None and self.line is None and (self.where or "").startswith("-"):
            return f"{self.where}: {self.message}"  # a command-line option's value
        head = self.path or "<scenario>"
        if self.line is not None:
            head += f":{self.line}"
        where = f" {self.where}:" if self.where else ""
        return f"{head}:{where} {self.message}"


class ScenarioError(InputError):
    """A scenario file that cannot be loaded."""


class DocumentError(InputError):
    """A cXML document that cannot be parsed or uses something the simulator does not follow."""
