"""One error model: a base exception and a few named subclasses.

The CLI prints ``Kesalahan: <message>`` (exit 1) for any :class:`KinerjaError`.
Bad *data* in a returned workbook is not an exception: it is a list of issues.
"""
from __future__ import annotations

from .codes import BERKAS_TIDAK_TERBACA


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
        self.where, self.detail = where, message


class RulesProblems(RulesError):
    """Several mistakes in ``rules/`` at once: the first ``limit`` listed, then how many more."""

    def __init__(self, problems: list[RulesError], limit: int) -> None:
        first = problems[0]
        shown = [f"  {p.where}: {p.detail}" for p in problems[:limit]]
        if len(problems) > limit:
            shown.append(f"  … dan {len(problems) - limit} kesalahan lain.")
        KinerjaError.__init__(self, f"Aturan tidak valid: {len(problems)} kesalahan. Perbaiki "
                              "semuanya lalu jalankan 'kinerja check' lagi.\n" + "\n".join(shown))
        self.path, self.line, self.row, self.key = first.path, first.line, first.row, first.key
        self.where, self.detail = first.where, first.detail
        self.problems = problems


class UnreadableInput(KinerjaError):
    """A returned file cannot be read as one of our forms (the reason is in the message)."""

    def __init__(self, message: str, code: str = BERKAS_TIDAK_TERBACA) -> None:
        super().__init__(message)
        self.code = code


class WorkspaceError(KinerjaError):
    """The workspace is missing, locked by another run, or a command cannot proceed."""
