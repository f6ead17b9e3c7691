"""One error model: a base exception and a few named subclasses.

The CLI prints ``Kesalahan: <message>`` (exit 1) for any :class:`KinerjaError` (with ``--json``:
``{"error": {"code": …, "message": …}}``). An error of the operating system (disk full, no
permission, a path that is not a folder) becomes a :class:`SystemFault` saying exactly that
(:func:`system_fault`). Bad *data* in a returned workbook is not an exception: it is a list of issues.
"""
from __future__ import annotations

import errno

from .codes import BERKAS_TIDAK_TERBACA


class KinerjaError(Exception):
    """Base of every error the tool reports to the user (message in Indonesian)."""

    code = "kesalahan"  # a fixed code for machines (``--json``)


class RulesError(KinerjaError):
    """A file in ``rules/`` is broken; the message names file, line/row and key."""

    code = "aturan-tidak-valid"

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

    code = "workspace"


class WorkflowError(KinerjaError):
    """An approval action (approve, reject, unapprove, status) cannot be carried out (the message
    says why and what to do)."""


class SystemFault(KinerjaError):
    """The operating system refused a read or write (``code`` says which kind)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


#: What was not lost when a command stops on an error of the system: every write is atomic
#: (a temporary file renamed into place, one ledger transaction), so true for every command.
NOTHING_LOST = ("Tidak ada yang hilang: yang belum selesai ditulis tidak dicatat, ledger dan berkas "
                "yang sudah ada tetap utuh, berkas yang belum diproses tetap di inbox/.")


def system_fault(exc: OSError) -> SystemFault:
    """The Indonesian words for an error of the operating system, and what to do."""
    where = f" ({exc.filename})" if exc.filename else ""
    number = exc.errno
    if number in (errno.ENOSPC, errno.EDQUOT):
        return SystemFault(f"Disk penuh: berkas{where} tidak dapat ditulis. {NOTHING_LOST} Kosongkan ruang "
                           "disk (atau pindahkan workspace ke disk yang lebih lega), lalu ulangi perintah "
                           "yang sama.", "disk-penuh")
    if number in (errno.EACCES, errno.EPERM):
        return SystemFault(f"Tidak ada izin untuk membaca atau menulis{where}. {NOTHING_LOST} Periksa hak "
                           "akses folder workspace, atau tutup program yang sedang membuka berkas itu, lalu "
                           "ulangi.", "tanpa-izin")
    if number in (errno.ENOTDIR, errno.EEXIST):
        return SystemFault(f"Jalur{where} bukan folder (ada berkas dengan nama itu, atau di jalurnya), "
                           f"padahal di situ harus ada folder. {NOTHING_LOST} Pindahkan atau ganti nama "
                           "berkas itu, lalu ulangi.", "bukan-folder")
    if number == errno.EISDIR:
        return SystemFault(f"Jalur{where} adalah folder, padahal di situ harus ada berkas. {NOTHING_LOST} "
                           "Pindahkan atau ganti nama folder itu, lalu ulangi.", "bukan-berkas")
    if number == errno.EROFS:
        return SystemFault(f"Disk atau folder hanya dapat dibaca{where}. {NOTHING_LOST} Pakai workspace di "
                           "disk yang dapat ditulis, lalu ulangi.", "hanya-baca")
    if number == errno.ENOENT:
        return SystemFault(f"Berkas atau folder{where} tidak ditemukan (mungkin dipindahkan atau dihapus "
                           f"saat perintah berjalan). {NOTHING_LOST} Periksa workspace, lalu ulangi.",
                           "tidak-ditemukan")
    if number == errno.EIO:
        return SystemFault(f"Disk gagal membaca atau menulis{where} (kesalahan perangkat). {NOTHING_LOST} "
                           "Periksa disk atau flashdisk itu, lalu ulangi.", "disk-rusak")
    return SystemFault(f"Sistem operasi menolak membaca atau menulis{where}: {exc.strerror or exc}. "
                       f"{NOTHING_LOST} Atasi penyebabnya, lalu ulangi.", "sistem-berkas")


def quiet_abandoned_zip(unraisable: object) -> None:
    """``sys.unraisablehook`` that drops the second error of a workbook whose writing already
    failed (a full disk): its zip file, left half-written, cannot write its closing record either
    when it is collected. The first error was reported to the user in Indonesian; the raw
    ``Exception ignored in ZipFile.__del__`` would only confuse. Anything else is shown as usual."""
    import sys

    obj = getattr(unraisable, "object", None)
    if isinstance(getattr(unraisable, "exc_value", None), OSError) and \
            getattr(obj, "__qualname__", "").startswith("ZipFile."):
        return
    sys.__unraisablehook__(unraisable)  # type: ignore[arg-type]
