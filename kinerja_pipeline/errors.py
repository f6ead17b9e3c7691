"""One error model: a base exception and a few named subclasses.

The CLI prints ``Error: <message>`` (exit 1) for any :class:`KinerjaError`.
Bad *data* in a returned workbook is not an exception: it is a list of issues.
"""
from __future__ import annotations


class KinerjaError(Exception):
    """Base of every error the tool reports to the user (message in Indonesian)."""


class RulesError(KinerjaError):
    """A file in ``rules/`` is broken; the message names file, line/row and key."""

    def __init__(self, path: object, message: str, *, line: int | None = None,
                 row: int | None = None, key: str | None = None) -> None:
        where = str(path)
        if line is not None:
            where += f", baris {line}"
        if row is not None:
            where += f", baris {row}"
        if key:
            where += f", kunci '{key}'"
        super().__init__(f"Aturan tidak valid di {where}: {message}")
        self.path, self.line, self.row, self.key = path, line, row, key


class UnreadableInput(KinerjaError):
    """A returned file cannot be read as one of our forms (the reason is in the message)."""

    def __init__(self, message: str, code: str = "berkas-tidak-terbaca") -> None:
        super().__init__(message)
        self.code = code


class WorkspaceError(KinerjaError):
    """The workspace is missing, locked by another run, or a command cannot proceed."""
