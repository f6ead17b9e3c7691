"""The one switch over every speed-only path: ``KINERJA_FAST``.

Each path named in :data:`PATHS` does a job that a plain path also does, only faster; both
give the same ledger, archive, feedback and reports (``tests/test_fast_switch.py``). Every
such path asks :func:`on` before it runs:

- unset, ``1`` (or empty): every path on (the default);
- ``0``: every path off — the plain path runs everywhere;
- a comma-separated list of names, each prefixed with ``-``: every path on but those
  (``KINERJA_FAST=-readahead,-early``); without the prefix: only those on
  (``KINERJA_FAST=bounds``).

``benchmarks/run.py`` (row 8) measures each path's gain this way. Only the standard
library is imported here: ``inbox`` asks before the heavy imports.
"""
from __future__ import annotations

import os

from .errors import KinerjaError

FAST_ENV = "KINERJA_FAST"

#: every speed-only path, by name, with what it does instead of the plain path
PATHS = {
    "early": "ingest forks a helper that reads the rules and the first files while pandas imports",
    "readahead": "worker processes hash, read, identify and validate files ahead of the run",
    "bounds": "the bounds checks clear an ordinary workbook by searches instead of the expat replay",
    "plainxml": "feedback on a plain .xlsx is written in its own XML instead of through openpyxl",
    "layouts": "validation computes the cells of a form layout once for every form sharing it",
    "gcfreeze": "gc.freeze() before forking workers (their collections skip what the command loaded) and as "
                "the program ends (the interpreter's last collection has nothing to scan)",
    "rulescache": "checked rules kept between commands, keyed by the digest of the files they come from",
}

_parsed: tuple[str, frozenset[str]] | None = None


class FastSwitchError(KinerjaError):
    """``KINERJA_FAST`` names a path that does not exist."""


def enabled() -> frozenset[str]:
    """The names of the paths that are on (see the module doc)."""
    global _parsed
    value = os.environ.get(FAST_ENV, "1").strip()
    if _parsed is not None and _parsed[0] == value:
        return _parsed[1]
    if value in ("", "1"):
        paths = frozenset(PATHS)
    elif value == "0":
        paths = frozenset()
    else:
        names = [n.strip() for n in value.split(",") if n.strip()]
        unknown = [n for n in names if n.lstrip("-") not in PATHS]
        if unknown:
            raise FastSwitchError(f"{FAST_ENV}={value}: jalur cepat tidak dikenal: {', '.join(unknown)}. "
                                  f"Pakai 1, 0, atau nama dari: {', '.join(PATHS)} (awali '-' untuk mematikan).")
        off = {n[1:] for n in names if n.startswith("-")}
        only = {n for n in names if not n.startswith("-")}
        paths = frozenset((only or set(PATHS)) - off)
    _parsed = (value, paths)
    return paths


def on(path: str) -> bool:
    """Whether the speed path ``path`` (a key of :data:`PATHS`) runs."""
    assert path in PATHS, path
    return path in enabled()

