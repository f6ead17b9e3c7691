"""Run the ``kinerja`` command line as if the disk holding the workspace were full.

``python full_disk.py WORKSPACE MODE kinerja-args…`` — every file opened for writing under
WORKSPACE fails on its first write with ENOSPC (as the operating system says it), and every
statement that changes the ledger fails as SQLite fails on a full disk ("database or disk is
full"). MODE ``all`` also fails the ledger's reads (a full disk can keep SQLite from opening
its shared-memory file). The command runs in this process, so its whole stderr — including
anything printed while Python collects objects at exit — is what the operator would see.
"""
from __future__ import annotations

import builtins
import errno
import io
import os
import sqlite3
import sys

WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "REPLACE", "DROP")


class _FullFile:
    """A file on a full disk: opened fine, every write refused."""

    def __init__(self, fh):
        self._fh = fh

    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self._fh.name)

    def writelines(self, lines):
        self.write(b"")

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()


def activate(root: str, *, reads: bool = False) -> None:
    root = os.path.realpath(root)
    real_open, real_connect = builtins.open, sqlite3.connect

    def full_open(file, mode="r", *args, **kwargs):
        fh = real_open(file, mode, *args, **kwargs)
        inside = isinstance(file, (str, os.PathLike)) and os.path.realpath(os.fspath(file)).startswith(root)
        return _FullFile(fh) if inside and any(c in mode for c in "wax+") else fh

    class FullLedger(sqlite3.Connection):
        def _check(self, sql: str) -> None:
            if reads or sql.lstrip().upper().startswith(WRITES):
                raise sqlite3.OperationalError("database or disk is full")

        def execute(self, sql, *args):
            self._check(sql)
            return super().execute(sql, *args)

        def executemany(self, sql, *args):
            self._check(sql)
            return super().executemany(sql, *args)

        def executescript(self, sql):
            self._check(sql.replace("BEGIN IMMEDIATE;", ""))
            return super().executescript(sql)

    def full_connect(*args, **kwargs):
        kwargs.setdefault("factory", FullLedger)
        return real_connect(*args, **kwargs)

    builtins.open = io.open = full_open
    sqlite3.connect = full_connect


if __name__ == "__main__":
    activate(sys.argv[1], reads=sys.argv[2] == "all")
    from kinerja_pipeline.cli import main

    main(sys.argv[3:], prog_name="kinerja")
