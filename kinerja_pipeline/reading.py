"""Read a returned workbook safely: sniff its format, bound its cost, get the cell grids.

Every way a file can fail becomes :class:`UnreadableInput` with a code and an Indonesian
reason. Nothing here trusts the file name or cached formula results; the grids are read
with python-calamine (xlsx, xlsm, xls, ods alike), which parses XML without DTDs or
entity expansion. Zip containers are checked first for entry count, total uncompressed
size, compression ratio, DTDs in any XML part, and the largest cell reference of each
worksheet, so a bomb costs milliseconds and bounded memory. Error values cached in input
cells (``#DIV/0!`` …), which calamine reads as blanks, are found in the file and restored.
"""
from __future__ import annotations

import io
import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .bounds import Parts, check_ods, check_ole, check_xlsx, letters_number
from . import codes
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
# cached error values: xlsx ``<c … t="e">``, ods ``calcext:value-type="error"``
_ERROR_MARKERS = (b't="e"', b"t='e'", b'value-type="error"', b"value-type='error'")


@dataclass
class RawWorkbook:
    """The sheets ingest needs, as grids of python values (rows of cells, A1 at [0][0])."""

    format: str                      # "xlsx", "xlsm", "ods", "xls"
    sheet_names: list[str]
    grids: dict[str, list[list[Any]]] = field(default_factory=dict)
    merged: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]] = field(default_factory=dict)
    #: formula cells per sheet: ``{(row0, col0): (formula text, whether a result is saved)}``
    formulas: dict[str, dict[tuple[int, int], tuple[str, bool]]] = field(default_factory=dict)


def sniff_format(path: Path, head: bytes, size: int) -> str:
    """Tell what a file really is from its bytes, whatever its name says."""
    if size == 0:
        raise UnreadableInput("Berkas kosong (0 bita). Minta unit mengirim ulang berkas formulirnya.",
                              codes.BERKAS_KOSONG)
    if size > MAX_FILE_BYTES:
        raise UnreadableInput(f"Berkas terlalu besar ({size // 1024 // 1024} MB; formulir normal "
                              f"< 1 MB, batas {MAX_FILE_BYTES // 1024 // 1024} MB). Minta unit "
                              "menyimpan ulang formulir tanpa lampiran atau gambar.", codes.BERKAS_TERLALU_BESAR)
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        data = path.read_bytes()
        if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
            raise UnreadableInput("Berkas dilindungi kata sandi sehingga tidak dapat dibaca. Minta unit "
                                  "membuka proteksi kata sandi lalu mengirim ulang.", codes.BERKAS_BERKATA_SANDI)
        return "xls"
    text_like = all(b in b"\t\r\n" or 32 <= b < 127 or b >= 128 for b in head[:512])
    if text_like and (b"," in head or b";" in head or b"\t" in head):
        raise UnreadableInput("Berkas ini teks/CSV yang diberi nama spreadsheet, bukan formulir Excel. "
                              "Minta unit mengisi formulir .xlsx yang dikirim operator.", codes.BUKAN_SPREADSHEET)
    if head.lstrip().startswith((b"<html", b"<!DOCTYPE html", b"<?xml")):
        raise UnreadableInput("Berkas ini HTML/XML, bukan formulir Excel. Minta unit menyimpan "
                              "formulir sebagai .xlsx.", codes.BUKAN_SPREADSHEET)
    raise UnreadableInput("Berkas bukan spreadsheet yang dikenal (bukan .xlsx, .xls, atau .ods). "
                          "Minta unit mengirim formulir .xlsx yang dikirim operator.", codes.BUKAN_SPREADSHEET)


# what opening or reading a damaged zip raises: zipfile's own errors, a bad deflate stream, a
# header claiming a newer zip version or an unknown method, a name that is not text, …
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError, ValueError,
               struct.error)


def _check_zip(path: Path | io.BytesIO, formulas: dict | None = None,
               sheets: tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """Bound the cost of a zip container and tell whether it is xlsx/xlsm or ods.

    Also returns the XML parts that hold cached error values (``#DIV/0!`` …), which the
    grid reader turns into blanks and :func:`_error_cells` puts back. ``formulas``: a dict
    to fill with the formula cells of the named ``sheets`` (see :func:`_formulas_of`).
    """
    try:
        zf = zipfile.ZipFile(path)
    except _ZIP_ERRORS:
        raise UnreadableInput("Berkas rusak (arsip zip tidak utuh), mungkin terpotong saat dikirim. "
                              "Minta unit mengirim ulang.", codes.BERKAS_RUSAK) from None
    with zf:
        try:
            return _check_parts(zf, formulas, sheets)
        except _ZIP_ERRORS as exc:  # a part that does not inflate to its size and CRC, …
            named = re.search(r"'([^'\x00-\x1f]{1,80})'", str(exc))  # zipfile names the part in quotes
            where = f"bagian {named.group(1)}" if named else "isi arsip zip"
            raise UnreadableInput(f"Berkas rusak ({where} tidak utuh), mungkin rusak saat dikirim. Minta unit "
                                  "mengirim ulang formulirnya.", codes.BERKAS_RUSAK) from None



def _check_parts(zf: zipfile.ZipFile, formulas: dict | None = None,
                 sheets: tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """:func:`_check_zip` of an open zip."""
    error_parts: list[str] = []
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise UnreadableInput(f"Berkas berisi {len(infos)} bagian (batas {MAX_ZIP_ENTRIES}); "
                              "bukan formulir normal dan ditolak demi keamanan.", codes.BERKAS_BERBAHAYA)
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise UnreadableInput(f"Isi berkas mengembang menjadi {total // 1024 // 1024} MB (batas "
                              f"{MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MB): kemungkinan 'zip bomb'. "
                              "Ditolak demi keamanan.", codes.BERKAS_BERBAHAYA)
    for info in infos:
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UnreadableInput(f"Bagian {info.filename[:60]} terkompresi {info.file_size // max(info.compress_size, 1)}× "
                                  "(tidak wajar): kemungkinan 'zip bomb'. Ditolak demi keamanan.",
                                  codes.BERKAS_BERBAHAYA)
    names = {i.filename for i in infos}
    parts = Parts(zf)   # each part inflated once, for every check below
    if "mimetype" in names:
        kind = zf.read("mimetype")[:100]
        if b"opendocument.spreadsheet" not in kind:
            raise UnreadableInput("Berkas OpenDocument ini bukan spreadsheet (mungkin dokumen teks). "
                                  "Minta unit mengirim formulir .xlsx.", codes.BUKAN_SPREADSHEET)
        fmt = "ods"
    elif "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        types = zf.getinfo("[Content_Types].xml")
        macro = "xl/vbaProject.bin" in names or b"macroEnabled" in (parts.read(types) or zf.read(types))[:65536]
        fmt = "xlsm" if macro else "xlsx"
    elif "[Content_Types].xml" in names:
        raise UnreadableInput("Berkas Office ini bukan buku kerja Excel (mungkin Word atau "
                              "PowerPoint). Minta unit mengirim formulir .xlsx.", codes.BUKAN_SPREADSHEET)
    else:
        raise UnreadableInput("Berkas zip ini bukan buku kerja Excel atau LibreOffice. Minta unit "
                              "mengirim formulir .xlsx.", codes.BUKAN_SPREADSHEET)
    for info in infos:
        if info.filename.endswith((".xml", ".rels")):
            is_sheet = info.filename.startswith("xl/worksheets/")
            data = parts.read(info)
            if data is not None:  # one read, one block: as the streamed scan sees it
                # every reference the scan could take is one of the part's r="…" texts: when
                # none of those is beyond the limits, neither is anything the scan finds
                beyond = is_sheet and not parts.within(info, MAX_SHEET_ROWS, MAX_SHEET_COLS)
                has_errors = parts.fact(info, ("scan", beyond), lambda d: _scan_block(d, beyond, [0, 0]))  # noqa: B023
            else:
                has_errors = _scan_xml(zf, info, is_sheet=is_sheet)
            if has_errors:
                error_parts.append(info.filename)
    # what the parser would build, replayed exactly (positions, repeats, shared text)
    if fmt == "ods":
        check_ods(zf, MAX_SHEET_ROWS, MAX_SHEET_COLS, parts)
    else:
        check_xlsx(zf, MAX_SHEET_ROWS, MAX_SHEET_COLS, parts)
    if formulas is not None:
        formulas.update(_formulas_of(zf, parts, fmt, sheets))
    return fmt, error_parts


def _scan_xml(zf: zipfile.ZipFile, info: zipfile.ZipInfo, *, is_sheet: bool) -> bool:
    """Refuse DTDs and oversized sheets; tell whether the part holds error cells (streamed)."""
    extent = [0, 0]
    tail = b""
    has_errors = False
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            block = tail + chunk
            has_errors = _scan_block(block, is_sheet, extent) or has_errors
            tail = block[-64:]
    return has_errors


def _scan_block(block: bytes, is_sheet: bool, extent: list[int]) -> bool:
    """One block of a part: refuse a DTD or a sheet cell beyond the limits (``extent``: the
    largest [row, column] so far); tell whether the block holds an error cell."""
    # a lone byte is found by memchr, a pair starting with "<" or "=" is not: the rare byte first
    if b"!" in block and b"<!" in block and (b"<!DOCTYPE" in block or b"<!ENTITY" in block):
        raise UnreadableInput("Berkas berisi deklarasi DTD/ENTITY XML (pola 'XML bomb'); "
                              "formulir normal tidak pernah memilikinya. Ditolak demi keamanan.",
                              codes.BERKAS_BERBAHAYA)
    if is_sheet:  # findall + max over map: the per-match work stays in C
        max_row, max_col = extent
        rows = _ROW_REF.findall(block)
        if rows:
            max_row = max(max_row, max(map(int, rows)))
        cells = _CELL_REF.findall(block)
        if cells:
            letters, numbers = zip(*cells)
            max_col = max(max_col, max(map(letters_number, set(letters))))
            max_row = max(max_row, max(map(int, numbers)))
        extent[:] = max_row, max_col
        if max_row > MAX_SHEET_ROWS or max_col > MAX_SHEET_COLS:
            raise UnreadableInput(
                f"Sebuah sheet berisi sel sampai baris {max_row:,} / kolom {max_col:,}".replace(",", ".")
                + f" (formulir hanya ±100 baris; batas {MAX_SHEET_ROWS} baris, {MAX_SHEET_COLS} "
                "kolom). Hapus isi di luar tabel formulir lalu kirim ulang.", codes.BERKAS_TERLALU_BESAR)
    # every marker holds ="e or ='e: one search clears most parts
    return (b'="e' in block or (b"'" in block and b"='e" in block)) and any(marker in block for marker in _ERROR_MARKERS)


def open_workbook(path: Path, sheets: tuple[str, ...], data: bytes | None = None) -> RawWorkbook:
    """Read the named sheets of a returned workbook (missing ones are simply absent).

    ``data``: the file's bytes when the caller has read them already (they are then not read
    again; the checks are the same).
    """
    import python_calamine as pc

    if data is None:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(1024)
    else:
        size, head = len(data), data[:1024]
    kind = sniff_format(path, head, size)
    if data is None:  # bounded by sniff_format: one read serves the zip checks and the parser
        data = path.read_bytes()
    formulas: dict[str, dict[tuple[int, int], tuple[str, bool]]] = {}
    fmt, error_parts = _check_zip(io.BytesIO(data), formulas, sheets) if kind == "zip" else (kind, [])
    if fmt == "xls":
        check_ole(data, MAX_SHEET_ROWS, MAX_SHEET_COLS)
    try:
        # by content, never by name: from_path picks its reader from the extension, so an .xlsx
        # saved as "laporan.xls" would fail; the size is bounded by sniff_format already
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError:
        raise UnreadableInput("Berkas dilindungi kata sandi. Minta unit membuka proteksinya lalu "
                              "mengirim ulang.", codes.BERKAS_BERKATA_SANDI) from None
    except BaseException as exc:  # noqa: BLE001 - any parser failure (a Rust panic too) means an unreadable file
        if not isinstance(exc, Exception) and not _is_panic(exc):
            raise
        raise UnreadableInput(f"Berkas tidak dapat dibaca sebagai spreadsheet ({_short(exc)}). Minta "
                              "unit membuka dan menyimpan ulang formulirnya sebagai .xlsx.",
                              codes.BERKAS_RUSAK) from None
    raw = RawWorkbook(fmt, list(wb.sheet_names))
    try:
        for name in sheets:
            if name not in raw.sheet_names:
                continue
            sheet = wb.get_sheet_by_name(name)
            if sheet.height > MAX_SHEET_ROWS or sheet.width > MAX_SHEET_COLS:
                raise UnreadableInput(f"Sheet '{name}' terlalu besar ({sheet.height} baris × {sheet.width} "
                                      "kolom). Hapus isi di luar tabel formulir lalu kirim ulang.",
                                      codes.BERKAS_TERLALU_BESAR)
            raw.grids[name] = sheet.to_python(skip_empty_area=False)
            try:
                raw.merged[name] = list(sheet.merged_cell_ranges or [])
            except Exception:  # noqa: BLE001 - not every format reports merges
                raw.merged[name] = []
    except UnreadableInput:
        raise
    except BaseException as exc:  # noqa: BLE001
        if not isinstance(exc, Exception) and not _is_panic(exc):
            raise
        raise UnreadableInput(f"Isi sheet tidak dapat dibaca ({_short(exc)}). Minta unit menyimpan "
                              "ulang formulirnya sebagai .xlsx.", codes.BERKAS_RUSAK) from None
    finally:
        wb.close()
    _restore_errors(raw, _error_cells(path, fmt, error_parts, tuple(raw.grids)))
    raw.formulas = {name: cells for name, cells in formulas.items() if name in raw.grids}
    return raw


# --------------------------------------------------------------------------- cached error values
#
# python-calamine returns a cell holding a cached error value (a formula that gave #DIV/0!,
# or an error typed as such) as an empty string, so the unit's "#DIV/0!" would read as
# "belum diisi". These functions find such cells by position in the file itself (xlsx/xlsm
# worksheet XML, ods content.xml, xls records via xlrd) and put the error text back.

_NS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_NS_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_REL_REF = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")


def _error_cells(path: Path, fmt: str, error_parts: list[str],
                 sheets: tuple[str, ...]) -> dict[str, dict[tuple[int, int], str]]:
    """``{sheet: {(row0, col0): "#DIV/0!"}}`` for the error cells of the named sheets."""
    if not sheets:
        return {}
    try:
        if fmt == "xls":
            return _xls_errors(path, sheets)
        if not error_parts:
            return {}
        with zipfile.ZipFile(path) as zf:
            if fmt == "ods":
                return _ods_errors(zf, sheets) if "content.xml" in error_parts else {}
            return _xlsx_errors(zf, error_parts, sheets)
    except UnreadableInput:
        raise
    except Exception:  # noqa: BLE001 - the grids are read already; an error cell then reads blank
        return {}


def _restore_errors(raw: RawWorkbook, errors: dict[str, dict[tuple[int, int], str]]) -> None:
    for name, cells in errors.items():
        grid = raw.grids.get(name)
        if grid is None:
            continue
        for (r, c), text in cells.items():
            if r >= MAX_SHEET_ROWS or c >= MAX_SHEET_COLS:
                continue
            while len(grid) <= r:
                grid.append([])
            line = grid[r]
            while len(line) <= c:
                line.append("")
            if line[c] in ("", None):
                line[c] = _error_text(text)


def _error_text(text: Any) -> str:
    text = str(text or "").strip()
    if text.startswith("#") or text.upper().startswith("ERR:"):
        return text[:32]
    return "#VALUE!"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xlsx_sheet_parts(zf: zipfile.ZipFile, sheets: tuple[str, ...]) -> dict[str, str]:
    """The worksheet part (``xl/worksheets/sheet1.xml`` …) of each named sheet."""
    from defusedxml.ElementTree import fromstring

    workbook = fromstring(zf.read("xl/workbook.xml"))
    rels = fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {}
    for rel in rels:
        target = rel.get("Target") or ""
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        targets[rel.get("Id")] = target
    part_of = {}
    for el in workbook.iter():
        if _local(el.tag) == "sheet" and el.get("name") in sheets:
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
            if rid in targets:
                part_of[el.get("name")] = targets[rid]
    return part_of


def _xlsx_errors(zf: zipfile.ZipFile, error_parts: list[str],
                 sheets: tuple[str, ...]) -> dict[str, dict[tuple[int, int], str]]:
    from defusedxml.ElementTree import iterparse

    part_of = _xlsx_sheet_parts(zf, sheets)
    out: dict[str, dict[tuple[int, int], str]] = {}
    for name, part in part_of.items():
        if part not in error_parts:
            continue
        found: dict[tuple[int, int], str] = {}
        row, col = 0, -1
        with zf.open(part) as fh:
            for event, el in iterparse(fh, events=("start", "end")):
                tag = _local(el.tag)
                if event == "start":
                    if tag == "row":
                        row = int(el.get("r")) if (el.get("r") or "").isdigit() else row + 1
                        col = -1
                    continue
                if tag == "c":
                    m = _REL_REF.match(el.get("r") or "")
                    if m:
                        col = letters_number(m.group(1).encode()) - 1
                        row = int(m.group(2))
                    else:
                        col += 1
                    if el.get("t") == "e":
                        value = next((v.text for v in el if _local(v.tag) == "v"), None)
                        found[(row - 1, col)] = value or ""
                    el.clear()
                elif tag == "row":
                    el.clear()
        out[name] = found
    return out


def _ods_cells(zf: zipfile.ZipFile, sheets: tuple[str, ...]) -> Iterator[tuple[str, int, int, int, Any]]:
    """``(sheet, row0, col0, repeat, element)`` of every cell of the named sheets of an .ods, placed
    as a reader places them (repeated rows and columns counted, columns capped at the limit);
    the element is cleared once the caller has looked at it."""
    from defusedxml.ElementTree import iterparse

    t = "{%s}" % _NS_TABLE
    name: str | None = None
    row = col = 0
    with zf.open("content.xml") as fh:
        for event, el in iterparse(fh, events=("start", "end")):
            tag = el.tag
            if event == "start":
                if tag == t + "table":
                    name = el.get(t + "name") or ""
                    name, row = (name if name in sheets else None), 0
                elif tag == t + "table-row":
                    col = 0
                continue
            if tag in (t + "table-cell", t + "covered-table-cell"):
                repeat = min(int(el.get(t + "number-columns-repeated") or 1), MAX_SHEET_COLS + 1)
                if name is not None and col < MAX_SHEET_COLS:
                    yield name, row, col, repeat, el
                col += repeat
                el.clear()
            elif tag == t + "table-row":
                row += int(el.get(t + "number-rows-repeated") or 1)
                el.clear()
            elif tag == t + "table":
                name = None
                el.clear()


def _ods_errors(zf: zipfile.ZipFile, sheets: tuple[str, ...]) -> dict[str, dict[tuple[int, int], str]]:
    out: dict[str, dict[tuple[int, int], str]] = {}
    for sheet, row, col, repeat, el in _ods_cells(zf, sheets):
        if el.get("{%s}value-type" % _NS_CALCEXT) == "error":
            text = "".join(el.itertext()).strip()
            for c in range(col, min(col + repeat, MAX_SHEET_COLS)):
                out.setdefault(sheet, {})[(row, c)] = text
    return out


def _xls_errors(path: Path, sheets: tuple[str, ...]) -> dict[str, dict[tuple[int, int], str]]:
    import xlrd

    with open(os.devnull, "w", encoding="utf-8") as quiet:
        book = xlrd.open_workbook(str(path), on_demand=True, formatting_info=False, logfile=quiet)
    out: dict[str, dict[tuple[int, int], str]] = {}
    try:
        for name in sheets:
            if name not in book.sheet_names():
                continue
            sheet = book.sheet_by_name(name)
            found = {}
            for r in range(min(sheet.nrows, MAX_SHEET_ROWS)):
                for c, ctype in enumerate(sheet.row_types(r)[:MAX_SHEET_COLS]):
                    if ctype == xlrd.XL_CELL_ERROR:
                        found[(r, c)] = xlrd.error_text_from_code.get(sheet.cell_value(r, c), "#VALUE!")
            if found:
                out[name] = found
    finally:
        book.release_resources()
    return out


# --------------------------------------------------------------------------- formulas
#
# python-calamine gives a formula cell's saved result (or a blank when none was saved) and
# not the formula. A unit who types "=80+5" into an input cell should hear about it: these
# functions find the formula cells of the named sheets in the file itself.

_XML_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_TAG_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_TAG_REL = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_FORMULA_START = re.compile(rb"<f[\s>/]")  # Excel, LibreOffice and openpyxl write no prefix
_CELL_R = re.compile(rb'\br="([A-Z]{1,3})(\d{1,7})"')
_FORMULA_END = re.compile(rb"</(?:\w+:)?f>")
_SAVED = re.compile(rb"\s*<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


def _attrs(tag: bytes) -> dict[str, str]:
    return {k.decode().rsplit(":", 1)[-1]: _unescaped(v.decode("utf-8", "replace"))
            for k, v in _XML_ATTR.findall(tag)}


def _formulas_of(zf: zipfile.ZipFile, parts: Parts, fmt: str,
                 sheets: tuple[str, ...]) -> dict[str, dict[tuple[int, int], tuple[str, bool]]]:
    """``{sheet: {(row0, col0): (formula, saved)}}`` of the named sheets of an .xlsx/.xlsm/.ods
    (what cannot be read gives none), from the parts the checks inflated already."""
    try:
        if fmt == "ods":
            content = zf.getinfo("content.xml")
            data = parts.read(content)
            return _ods_formulas(zf, sheets) if data is None or b"formula=" in data else {}
        by_name = {info.filename: info for info in zf.infolist()}
        workbook, rels = by_name["xl/workbook.xml"], by_name["xl/_rels/workbook.xml.rels"]
        if parts.read(workbook) is None or parts.read(rels) is None:
            return {}
        targets = parts.fact(rels, ("rel-targets",), lambda d: {a.get("Id"): a.get("Target", "") for a in
                                                                  map(_attrs, _TAG_REL.findall(d))})
        out = {}
        for sheet in parts.fact(workbook, ("sheets",), lambda d: list(map(_attrs, _TAG_SHEET.findall(d)))):
            target = targets.get(sheet.get("id"), "")
            info = by_name.get(target.lstrip("/") if target.startswith("/") else "xl/" + target)
            if info is not None and sheet.get("name") in sheets and parts.read(info) is not None:
                out[sheet["name"]] = parts.fact(info, ("formulas",), _xlsx_formulas)
        return out
    except (KeyError, SyntaxError, *_ZIP_ERRORS):  # a part missing or not XML (SyntaxError: ParseError)
        return {}  # the grids are read all the same; the reader refuses what it cannot read


def _xlsx_formulas(xml: bytes) -> dict[tuple[int, int], tuple[str, bool]]:
    """Formula cells of one worksheet part: each ``<f>`` found by a search (a form has a few
    dozen), its cell's ``r`` read from the ``<c …>`` tag before it."""
    out: dict[tuple[int, int], tuple[str, bool]] = {}
    for found in _FORMULA_START.finditer(xml):  # one pass; "<" inside a formula is written &lt;
        at = found.start()
        ref = _CELL_R.search(xml, xml.rfind(b"c ", 0, at), at)  # in "<c …>" or "<x:c …>"
        close = xml.find(b">", at)
        if xml[close - 1:close] == b"/":  # a shared formula's follower: <f t="shared" si="0"/>
            text, end = b"", close + 1
        else:
            m = _FORMULA_END.search(xml, close)
            text, end = (xml[close + 1:m.start()], m.end()) if m else (b"", close + 1)
        saved = _SAVED.match(xml, end)
        if ref:
            out[(int(ref.group(2)) - 1, letters_number(ref.group(1)) - 1)] = (
                _xml_text(text), bool(saved and saved.group(1)))
    return out


def _xml_text(raw: bytes) -> str:
    return "=" + _unescaped(raw.decode("utf-8", "replace"))


def _unescaped(text: str) -> str:
    """XML text or attribute value with its five named entities replaced (``&amp;`` last)."""
    if "&" not in text:
        return text
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
            .replace("&amp;", "&"))


def _ods_formulas(zf: zipfile.ZipFile, sheets: tuple[str, ...]) -> dict[str, dict[tuple[int, int], tuple[str, bool]]]:
    value_type = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}value-type"
    out: dict[str, dict[tuple[int, int], tuple[str, bool]]] = {}
    for sheet, row, col, _, el in _ods_cells(zf, sheets):
        formula = el.get("{%s}formula" % _NS_TABLE)
        if formula:
            text = formula.split(":", 1)[1] if formula.startswith("of:") else formula
            out.setdefault(sheet, {})[(row, col)] = (text, el.get(value_type) is not None)
    return out


def _is_panic(exc: BaseException) -> bool:
    """A Rust panic inside python-calamine (pyo3's ``PanicException``, a BaseException)."""
    return type(exc).__name__ == "PanicException"


def _short(exc: BaseException) -> str:
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
