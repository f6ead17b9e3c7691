"""The workspace folder: its paths, safe file names, atomic writes and the one-run lock."""
from __future__ import annotations

import errno
import hashlib
import os
import re
import shlex
import shutil
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Iterator

from .errors import WorkspaceError

_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                     *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(text: str, max_len: int = 60) -> str:
    """A file-name part that is safe on Windows, macOS and Linux whatever ``text`` holds.

    Anything outside ``A-Z a-z 0-9 . _ -`` becomes ``_``; reserved device names, leading
    dots and trailing dots/spaces are neutralised; when the text had to change, a short
    hash of the original is appended so two different codes never share a name.
    """
    cleaned = _UNSAFE.sub("_", text).strip("._ ") or "_"
    cleaned = cleaned[:max_len]
    if cleaned.split(".")[0].upper() in _WINDOWS_RESERVED:
        cleaned = "_" + cleaned
    if cleaned != text:
        cleaned += "-" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return cleaned


@dataclass(frozen=True)
class Workspace:
    """Paths of a workspace."""

    root: Path

    @property
    def rules(self) -> Path:
        return self.root / "rules"

    @property
    def templates(self) -> Path:
        return self.root / "templates_xlsx"

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def archive(self) -> Path:
        return self.root / "arsip"

    @property
    def feedback(self) -> Path:
        return self.root / "umpan_balik"

    @property
    def outputs(self) -> Path:
        return self.root / "keluaran"

    @property
    def ledger(self) -> Path:
        return self.root / "kinerja.db"

    @property
    def lock_path(self) -> Path:
        return self.root / "kinerja.lock"

    def form_dir(self, year: int, quarter: int) -> Path:
        return self.templates / str(year) / f"TW{quarter}"

    def inside(self, path: Path) -> Path:
        """``path`` resolved, guaranteed to be inside the workspace."""
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root.resolve()):
            raise WorkspaceError(f"Jalur {path} berada di luar workspace {self.root}; ditolak.")
        return resolved


def shell_arg(text: str | os.PathLike[str]) -> str:
    """``text`` as one argument to paste into the shell (quoted when it holds spaces etc.)."""
    text = os.fspath(text)
    if text and all(c.isalnum() or c in "/\\:._-~" for c in text):
        return text
    if sys.platform.startswith("win"):
        return f'"{text}"'
    return shlex.quote(text)


_OS_REASONS = {
    errno.ENOENT: "folder induknya tidak ada atau tidak dapat dibuat di sana",
    errno.ENOTDIR: "salah satu bagian jalurnya adalah berkas, bukan folder",
    errno.EEXIST: "sudah ada berkas dengan nama itu",
    errno.EACCES: "tidak ada izin menulis di sana",
    errno.EPERM: "tidak ada izin menulis di sana",
    errno.EROFS: "tempat itu hanya dapat dibaca",
    errno.ENOSPC: "disk penuh",
    errno.ENAMETOOLONG: "nama jalurnya terlalu panjang",
    errno.EINVAL: "nama jalurnya tidak sah",
}


def os_reason(exc: OSError) -> str:
    """Why the operating system refused, in Indonesian (its own text follows the PC's language)."""
    return _OS_REASONS.get(exc.errno or 0, f"sistem operasi menolak (kode galat {exc.errno})")


def open_workspace(path: str | Path, *, must_have_rules: bool = True) -> Workspace:
    ws = Workspace(Path(path).absolute())
    if ws.root.exists() and not ws.root.is_dir():
        raise WorkspaceError(f"{ws.root} adalah berkas, bukan folder workspace. Pilih folder "
                             "workspace dengan -w FOLDER, atau buat yang baru dengan 'kinerja init "
                             "FOLDER'.")
    if not ws.root.is_dir():
        raise WorkspaceError(f"Folder workspace {ws.root} tidak ada. Pilih folder lain dengan -w, "
                             f"atau buat workspace di sana dengan: kinerja init {shell_arg(path)}")
    if must_have_rules and not ws.rules.is_dir():
        raise WorkspaceError(f"Folder {ws.root} bukan workspace: tidak ada folder rules/. Buat "
                             "workspace dengan 'kinerja init FOLDER' atau pilih dengan -w FOLDER.")
    return ws


# --------------------------------------------------------------------------- atomic writes


def atomic_write(target: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then rename the finished file onto ``target`` atomically.

    A crash at any point leaves either the old file or the new one, never half of one.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    _usual_mode(tmp_path)
    try:
        try:
            write(tmp_path)
        except OSError:
            raise
        except Exception as exc:  # a writer's own wrapper (xlsxwriter's FileCreateError) of a full disk …
            cause = os_cause(exc)
            if cause is None:
                raise
            raise cause from None  # … said as what it is
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
    return target


def os_cause(exc: BaseException) -> OSError | None:
    """The error of the operating system behind ``exc`` (its cause, context or argument), if any."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, OSError) and item.errno is not None:
            return item
        todo += [item.__cause__, item.__context__, *item.args]
    return None


def _usual_mode(path: Path) -> None:
    """Give a temporary file the permissions a plain new file gets (mkstemp makes it 0600, and the
    rename keeps that, so outputs and feedback would be unreadable to other users of the PC)."""
    if os.name != "nt":  # Windows has no mode bits to fix
        os.chmod(path, 0o666 & ~_UMASK)


def _umask() -> int:
    mask = os.umask(0o022)  # read once, at import (setting it is process-wide, so not later)
    os.umask(mask)
    return mask


_UMASK = _umask()


def remove_stale_temporaries(folder: Path) -> int:
    """Delete the ``.tmp-*`` files a killed run left in ``folder`` (:func:`atomic_write` writes
    there, then renames). Call it holding the workspace lock: any such file is then stale."""
    removed = 0
    if folder.is_dir():
        for tmp in folder.glob(".tmp-*"):
            if tmp.is_file() and not tmp.is_symlink():
                tmp.unlink(missing_ok=True)
                removed += 1
    return removed


def atomic_write_bytes(target: Path, data: bytes) -> Path:
    return atomic_write(target, lambda p: p.write_bytes(data))


def atomic_write_text(target: Path, text: str) -> Path:
    return atomic_write(target, lambda p: p.write_text(text, encoding="utf-8"))


def move_no_overwrite(source: Path, target: Path) -> None:
    """Move ``source`` to ``target`` without ever overwriting an existing file.

    Same filesystem: an atomic rename (hard link + unlink). Elsewhere: copy, fsync, rename.
    If ``target`` already holds the same bytes the source is simply removed.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        if _same_bytes(source, target):
            source.unlink()
            return
        raise WorkspaceError(f"Arsip {target} sudah ada dengan isi berbeda; tidak ditimpa.")
    try:
        os.link(source, target)
    except OSError:
        tmp = target.with_name(f".tmp-{target.name}")
        shutil.copyfile(source, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    source.unlink()


def _same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            ca, cb = fa.read(1 << 20), fb.read(1 << 20)
            if ca != cb:
                return False
            if not ca:
                return True


# --------------------------------------------------------------------------- lock


@contextmanager
def workspace_lock(ws: Workspace) -> Iterator[None]:
    """Hold the workspace's one-writer lock for the duration of a command.

    The lock is an OS file lock, so a killed process releases it automatically: a stale
    ``kinerja.lock`` file never blocks the next run.
    """
    ws.lock_path.parent.mkdir(parents=True, exist_ok=True)
    fh: IO[str] = open(ws.lock_path, "a+", encoding="utf-8")
    try:
        if not _try_lock(fh):
            fh.seek(0)
            holder = fh.read().strip() or "tidak diketahui"
            raise WorkspaceError(
                f"Workspace {ws.root} sedang dipakai oleh perintah kinerja lain ({holder}). "
                "Tunggu sampai perintah itu selesai, lalu ulangi.")
        import datetime as dt

        try:  # who holds it, for the message of a second run; not needed for the lock itself
            fh.seek(0)
            fh.truncate()
            fh.write(f"PID {os.getpid()}, mulai {dt.datetime.now().isoformat(timespec='seconds')}")
            fh.flush()
        except OSError:  # a full disk: the command itself says so when it needs to write
            pass
        yield
    finally:
        fh.close()


def _try_lock(fh: IO[str]) -> bool:
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


# --------------------------------------------------------------------------- packaged data


def data_dir(name: str) -> Path:
    """The sample ``rules`` or ``samples`` folder: inside the installed package, else the repo."""
    packaged = Path(__file__).parent / "_data" / name
    if packaged.is_dir():
        return packaged
    repo = Path(__file__).resolve().parent.parent / name
    if repo.is_dir():
        return repo
    raise WorkspaceError(f"Data contoh '{name}' tidak ditemukan di paket; pasang ulang kinerja-pipeline.")
