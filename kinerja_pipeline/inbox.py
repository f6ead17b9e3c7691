"""The inbox: which files a run processes, in which order — and reading the first ones early.

:func:`scan_inbox` lists the files to process (oldest first) and those left alone, with why.

:func:`start_ingest` is called at the very start of ``kinerja ingest``, before the heavy
imports (pandas and pandera take ≈1 s on one core, while the other would wait). It forks a
helper that reads the rules and sends them back, then reads the first files exactly as a
read-ahead worker does — the bytes, their sha256, the bounds checks and the grids
(:func:`reading.open_workbook`) — in arrival order, into a private temporary file. Just before
the run starts its workers it stops the helper and takes what it read (:func:`take_early`);
the workers then only identify and validate those files. This module imports nothing heavy,
so that the helper starts at once. A result is used only for the same file still on disk
(size, modification time, inode); any other file, or a helper that stopped, is simply read
again by the worker. The helper is a speed path (``KINERJA_FAST``, "early"): switched off, the
rules are read when asked for and the workers read every file.
"""
from __future__ import annotations

import errno
import hashlib
import os
import pickle
import struct
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from . import fast
from .text import display_name
from .workers import worker_count
from .workspace import Workspace

if TYPE_CHECKING:
    from .rules import Rules

LOCK_PREFIXES = ("~$", ".~lock.", ".")
PARTIAL_SUFFIXES = (".tmp", ".part", ".crdownload", ".partial", ".download")


def _left_alone(path: Path, now: float, settle_seconds: float) -> str | None:
    name = path.name
    if name.startswith(".") and not name.startswith(".~lock."):
        return "berkas tersembunyi (nama diawali titik); ganti namanya bila memang kiriman unit"
    if name.startswith(LOCK_PREFIXES) or name.endswith("#"):
        return "berkas kunci/sementara Office"
    if name.lower().endswith(PARTIAL_SUFFIXES):
        return "berkas unduhan/sementara yang belum selesai"
    try:
        age = now - path.stat().st_mtime
    except OSError:
        return "berkas hilang saat dibaca"
    if 0 <= age < settle_seconds:
        return f"masih ditulis (diubah {age:.0f} detik lalu); diproses pada putaran berikutnya"
    return None


def scan_inbox(ws: Workspace, settle_seconds: float) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to process (oldest first) and files left alone with the reason, as their path
    under ``inbox/``. Sub-folders are processed like the inbox itself (units' replies are often
    saved in a folder per unit); hidden folders and links are left alone, and said so."""
    if not ws.inbox.is_dir():
        if ws.inbox.exists():  # a file named inbox: say so rather than find nothing
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(ws.inbox))
        return [], []
    now = time.time()
    todo, skipped = [], []
    for folder, dirs, names in os.walk(ws.inbox, followlinks=False):
        here = Path(folder)
        for name in sorted(dirs):
            sub = here / name
            if sub.is_symlink():
                dirs.remove(name)
                skipped.append((shown_name(ws, sub), "tautan simbolik tidak diproses demi keamanan"))
            elif name.startswith("."):
                dirs.remove(name)
                skipped.append((shown_name(ws, sub), "folder tersembunyi (nama diawali titik); ganti namanya "
                                "bila isinya memang kiriman unit"))
        for name in names:
            path = here / name
            if path.is_symlink():
                skipped.append((shown_name(ws, path), "tautan simbolik tidak diproses demi keamanan"))
                continue
            why = _left_alone(path, now, settle_seconds)
            if why:
                skipped.append((shown_name(ws, path), why))
            else:
                todo.append(path)
    todo.sort(key=lambda p: (p.stat().st_mtime, p.relative_to(ws.inbox).as_posix()))
    return todo, sorted(skipped)


def shown_name(ws: Workspace, path: Path) -> str:
    """``path`` as recorded and shown: relative to inbox/, each part made showable (a name that
    is not valid text, or holds control characters, cannot go into the ledger or onto a terminal
    as it is)."""
    parts = path.relative_to(ws.inbox).parts if path.is_relative_to(ws.inbox) else (path.name,)
    return "/".join(display_name(part) for part in parts)


# --------------------------------------------------------------------------- reading early

Early = tuple  # (stat key, sha256, size, RawWorkbook | None, (message, code) of UnreadableInput | None)


def stat_key(path: Path) -> tuple[int, int, int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev


class _Reader:
    """The forked reader: its process, its output file and the pipe that stops it."""

    def __init__(self, pid: int, out: Any, stop: int) -> None:
        self.pid, self.out, self.stop = pid, out, stop

    def finish(self, collect: bool, read_all: bool = False) -> dict[str, Early]:
        """Stop the reader, wait for it, and (``collect``) return what it read, by path.
        ``read_all``: let it read every file of its list first. What it has written already is
        taken while it goes on reading; only the rest after it stopped."""
        found: dict[str, Early] = {}
        try:
            if read_all:
                os.waitpid(self.pid, 0)
            at = self._collect(found, 0) if collect else 0
            os.close(self.stop)  # end of file on its side: it stops after the file it is reading
            if not read_all:
                os.waitpid(self.pid, 0)
            if collect:
                self._collect(found, at)
        except OSError:  # the helper or its file gone: the workers read those files themselves
            found = {}
        finally:
            self.out.close()
        return found

    def _collect(self, found: dict[str, Early], at: int) -> int:
        """Add the whole frames written from offset ``at`` on; return where the next one starts."""
        data = os.pread(self.out.fileno(), os.fstat(self.out.fileno()).st_size - at, at)
        done = 0
        while done + 4 <= len(data):
            (length,) = struct.unpack_from("<I", data, done)
            if done + 4 + length > len(data):
                break  # a frame still being written: taken by the next call
            path, *early = pickle.loads(data[done + 4:done + 4 + length])  # noqa: S301 - our child's
            found[path] = tuple(early)
            done += 4 + length
        return at + done


_READER: _Reader | None = None


def start_ingest(ws: Workspace, settle_seconds: float = 2.0) -> Callable[[], Rules]:
    """Fork the helper of an ingest run and return the function that waits for its rules.

    The helper reads and checks the rules (≈0.4 s for a national organisation) and sends
    them back pickled (≈0.06 s to unpickle); then, if the run will use workers, it reads the
    first files (see the module doc) until :func:`take_early` stops it. Meanwhile the run
    imports pandas and pandera. The rules are exactly :func:`scope.workspace_rules`'s: on any
    failure in the helper the waiting function reads them here, which raises the same error.
    Only where workers are forked (Linux), and only from a process without other threads
    (forking one can deadlock the child); elsewhere the rules are read when asked for.
    """
    global _READER
    import threading

    from .rules_cache import dump, loads
    from .scope import workspace_rules

    if not fast.on("early") or _READER is not None or not sys.platform.startswith("linux") \
            or threading.active_count() > 1:
        return lambda: workspace_rules(ws)
    try:
        files, _ = scan_inbox(ws, settle_seconds)
    except OSError:
        files = []
    early = worker_count(len(files)) > 0 and fast.on("readahead")
    # unlinked temporary files (nothing to clean up, whatever happens): the rules, pickled, and
    # what the helper read; a pipe tells when the rules are written (a pipe alone would make the
    # helper wait until the run reads them), another stops the helper
    rules_file, out = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    ready_read, ready_write = os.pipe()
    stop_read, stop_write = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the helper: never returns into the command
        try:
            os.close(ready_read)
            os.close(stop_write)
            try:
                dump(workspace_rules(ws), rules_file)
            except BaseException:  # noqa: BLE001 - a child never returns into the command: the run
                # reads the rules itself and so raises the same error, where the operator sees it
                rules_file.truncate(0)
                early = False
            os.close(ready_write)
            if early:
                _read_files(files, out.fileno(), stop_read, parent)
        except BaseException:  # noqa: BLE001 - never into the command: say so, the workers read the files
            import traceback

            traceback.print_exc()
            os._exit(1)
        finally:
            os._exit(0)
    os.close(ready_write)
    os.close(stop_read)
    _READER = _Reader(pid, out, stop_write)

    def rules() -> Rules:
        try:
            with os.fdopen(ready_read, "rb") as fh:
                fh.read()  # end of file: the helper has written the rules, or given up
            data = os.pread(rules_file.fileno(), os.fstat(rules_file.fileno()).st_size, 0)
            if data:
                return loads(data)  # our own child's, through a private file
        except (OSError, EOFError, pickle.UnpicklingError):  # the helper's files gone, or it was
            pass  # killed while writing them: read the rules here (raising any mistake in them)
        finally:
            rules_file.close()
        return workspace_rules(ws)

    return rules


def take_early(collect: bool = True, read_all: bool = False) -> dict[str, Early]:
    """Stop the early reader, if one runs, and return what it read ({} when none ran).

    A run takes what the reader has read so far (it races the run's own imports); with
    ``read_all`` the reader first reads every file it was given, so that what it returns
    does not depend on timing."""
    global _READER
    reader, _READER = _READER, None
    return reader.finish(collect, read_all) if reader is not None else {}


def _read_files(files: list[Path], out: int, stop: int, parent: int) -> None:
    import select

    for path in files:
        if select.select([stop], [], [], 0)[0] or os.getppid() != parent:
            return
        try:
            early = _read_one(path)
        except OSError:  # gone or unreadable now: the worker reads it (and reports it)
            continue
        if early is not None:
            frame = pickle.dumps((str(path), *early), protocol=pickle.HIGHEST_PROTOCOL)
            data = struct.pack("<I", len(frame)) + frame
            while data:
                data = data[os.write(out, data):]


def _read_one(path: Path) -> Early | None:
    """What a read-ahead worker reads of a file (None: leave it to the worker)."""
    from .errors import UnreadableInput
    from .layout import DATA_SHEET, META_SHEET
    from .reading import MAX_FILE_BYTES, open_workbook

    key = stat_key(path)
    if key[0] > MAX_FILE_BYTES:
        return None
    data = path.read_bytes()
    raw, unreadable = None, None
    try:
        raw = open_workbook(path, (DATA_SHEET, META_SHEET), data=data)
    except UnreadableInput as exc:
        unreadable = (str(exc), exc.code)
    if len(data) != key[0] or stat_key(path) != key:  # changed while being read
        return None
    return key, hashlib.sha256(data).hexdigest(), len(data), raw, unreadable
