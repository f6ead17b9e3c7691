"""Read a returned workbook safely: sniff its format, bound its cost, get the cell grids.

Every way a file can fail becomes :class:`UnreadableInput` with a code and an Indonesian
reason. Nothing here trusts the file name or cached formula results; the grids are read
with python-calamine (xlsx, xlsm, xls, ods alike), which parses XML without DTDs or
entity expansion. Zip containers are checked first for entry count, total uncompressed
size, compression ratio, DTDs in any XML part, and the largest cell reference of each
worksheet, so a bomb costs milliseconds and bounded memory.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UnreadableInput

MAX_FILE_BYTES = 20 * 1024 * 1024          # a returned form is ~30 KB
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024  # all parts of the zip together
MAX_ZIP_ENTRIES = 1000
MAX_RATIO = 200                             # uncompressed / compressed for a large part
MAX_SHEET_ROWS = 5000
MAX_SHEET_COLS = 200

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d{1,7})"')
_ROW_REF = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d{1,7})"')


@dataclass
class RawWorkbook:
    """The sheets ingest needs, as grids of python values (rows of cells, A1 at [0][0])."""

    format: str                      # "xlsx", "xlsm", "ods", "xls"
    sheet_names: list[str]
    grids: dict[str, list[list[Any]]] = field(default_factory=dict)
    merged: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]] = field(default_factory=dict)


def sniff_format(path: Path, head: bytes, size: int) -> str:
    """Tell what a file really is from its bytes, whatever its name says."""
    if size == 0:
        raise UnreadableInput("Berkas kosong (0 bita). Minta unit mengirim ulang berkas formulirnya.",
                              "berkas-kosong")
    if size > MAX_FILE_BYTES:
        raise UnreadableInput(f"Berkas terlalu besar ({size // 1024 // 1024} MB; formulir normal "
                              f"< 1 MB, batas {MAX_FILE_BYTES // 1024 // 1024} MB). Minta unit "
                              "menyimpan ulang formulir tanpa lampiran atau gambar.", "berkas-terlalu-besar")
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        data = path.read_bytes()
        if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
            raise UnreadableInput("Berkas dilindungi kata sandi sehingga tidak dapat dibaca. Minta unit "
                                  "membuka proteksi kata sandi lalu mengirim ulang.", "berkas-berkata-sandi")
        return "xls"
    text_like = all(b in b"\t\r\n" or 32 <= b < 127 or b >= 128 for b in head[:512])
    if text_like and (b"," in head or b";" in head or b"\t" in head):
        raise UnreadableInput("Berkas ini teks/CSV yang diberi nama spreadsheet, bukan formulir Excel. "
                              "Minta unit mengisi formulir .xlsx yang dikirim operator.", "bukan-spreadsheet")
    if head.lstrip().startswith((b"<html", b"<!DOCTYPE html", b"<?xml")):
        raise UnreadableInput("Berkas ini HTML/XML, bukan formulir Excel. Minta unit menyimpan "
                              "formulir sebagai .xlsx.", "bukan-spreadsheet")
    raise UnreadableInput("Berkas bukan spreadsheet yang dikenal (bukan .xlsx, .xls, atau .ods). "
                          "Minta unit mengirim formulir .xlsx yang dikirim operator.", "bukan-spreadsheet")


def _check_zip(path: Path) -> str:
    """Bound the cost of a zip container and tell whether it is xlsx/xlsm or ods."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UnreadableInput("Berkas rusak (arsip zip tidak utuh), mungkin terpotong saat dikirim. "
                              "Minta unit mengirim ulang.", "berkas-rusak") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise UnreadableInput(f"Berkas berisi {len(infos)} bagian (batas {MAX_ZIP_ENTRIES}); "
                                  "bukan formulir normal dan ditolak demi keamanan.", "berkas-berbahaya")
        total = sum(i.file_size for i in infos)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise UnreadableInput(f"Isi berkas mengembang menjadi {total // 1024 // 1024} MB (batas "
                                  f"{MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MB): kemungkinan 'zip bomb'. "
                                  "Ditolak demi keamanan.", "berkas-berbahaya")
        for info in infos:
            if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise UnreadableInput(f"Bagian {info.filename[:60]} terkompresi {info.file_size // max(info.compress_size, 1)}× "
                                      "(tidak wajar): kemungkinan 'zip bomb'. Ditolak demi keamanan.",
                                      "berkas-berbahaya")
        names = {i.filename for i in infos}
        if "mimetype" in names:
            kind = zf.read("mimetype")[:100]
            if b"opendocument.spreadsheet" not in kind:
                raise UnreadableInput("Berkas OpenDocument ini bukan spreadsheet (mungkin dokumen teks). "
                                      "Minta unit mengirim formulir .xlsx.", "bukan-spreadsheet")
            fmt = "ods"
        elif "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            fmt = "xlsm" if "xl/vbaProject.bin" in names else "xlsx"
        elif "[Content_Types].xml" in names:
            raise UnreadableInput("Berkas Office ini bukan buku kerja Excel (mungkin Word atau "
                                  "PowerPoint). Minta unit mengirim formulir .xlsx.", "bukan-spreadsheet")
        else:
            raise UnreadableInput("Berkas zip ini bukan buku kerja Excel atau LibreOffice. Minta unit "
                                  "mengirim formulir .xlsx.", "bukan-spreadsheet")
        for info in infos:
            if info.filename.endswith((".xml", ".rels")):
                _scan_xml(zf, info, is_sheet=info.filename.startswith("xl/worksheets/"))
    return fmt


def _scan_xml(zf: zipfile.ZipFile, info: zipfile.ZipInfo, *, is_sheet: bool) -> None:
    max_row = max_col = 0
    tail = b""
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            block = tail + chunk
            if b"<!DOCTYPE" in block or b"<!ENTITY" in block:
                raise UnreadableInput("Berkas berisi deklarasi DTD/ENTITY XML (pola 'XML bomb'); "
                                      "formulir normal tidak pernah memilikinya. Ditolak demi keamanan.",
                                      "berkas-berbahaya")
            if is_sheet:
                for m in _ROW_REF.finditer(block):
                    max_row = max(max_row, int(m.group(1)))
                for m in _CELL_REF.finditer(block):
                    max_col = max(max_col, _col_number(m.group(1)))
                    max_row = max(max_row, int(m.group(2)))
                if max_row > MAX_SHEET_ROWS or max_col > MAX_SHEET_COLS:
                    raise UnreadableInput(
                        f"Sebuah sheet berisi sel sampai baris {max_row:,} / kolom {max_col:,}".replace(",", ".")
                        + f" (formulir hanya ±100 baris; batas {MAX_SHEET_ROWS} baris, {MAX_SHEET_COLS} "
                        "kolom). Hapus isi di luar tabel formulir lalu kirim ulang.", "berkas-terlalu-besar")
            tail = block[-64:]


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def open_workbook(path: Path, sheets: tuple[str, ...]) -> RawWorkbook:
    """Read the named sheets of a returned workbook (missing ones are simply absent)."""
    import python_calamine as pc

    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(1024)
    kind = sniff_format(path, head, size)
    fmt = _check_zip(path) if kind == "zip" else kind
    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError:
        raise UnreadableInput("Berkas dilindungi kata sandi. Minta unit membuka proteksinya lalu "
                              "mengirim ulang.", "berkas-berkata-sandi") from None
    except Exception as exc:  # noqa: BLE001 - any parser failure means an unreadable file
        raise UnreadableInput(f"Berkas tidak dapat dibaca sebagai spreadsheet ({_short(exc)}). Minta "
                              "unit membuka dan menyimpan ulang formulirnya sebagai .xlsx.",
                              "berkas-rusak") from None
    raw = RawWorkbook(fmt, list(wb.sheet_names))
    try:
        for name in sheets:
            if name not in raw.sheet_names:
                continue
            sheet = wb.get_sheet_by_name(name)
            if sheet.height > MAX_SHEET_ROWS or sheet.width > MAX_SHEET_COLS:
                raise UnreadableInput(f"Sheet '{name}' terlalu besar ({sheet.height} baris × {sheet.width} "
                                      "kolom). Hapus isi di luar tabel formulir lalu kirim ulang.",
                                      "berkas-terlalu-besar")
            raw.grids[name] = sheet.to_python(skip_empty_area=False)
            try:
                raw.merged[name] = list(sheet.merged_cell_ranges or [])
            except Exception:  # noqa: BLE001 - not every format reports merges
                raw.merged[name] = []
    except UnreadableInput:
        raise
    except Exception as exc:  # noqa: BLE001
        raise UnreadableInput(f"Isi sheet tidak dapat dibaca ({_short(exc)}). Minta unit menyimpan "
                              "ulang formulirnya sebagai .xlsx.", "berkas-rusak") from None
    finally:
        wb.close()
    return raw


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


def cell_value(grid: list[list[Any]], row: int, col: int) -> Any:
    """Value at 1-based ``row`` and 0-based ``col`` of a grid; None when outside or blank."""
    if row - 1 >= len(grid):
        return None
    line = grid[row - 1]
    if col >= len(line):
        return None
    value = line[col]
    return None if value == "" else value
