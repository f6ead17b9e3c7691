"""The feedback workbook: the unit's own workbook, each bad cell marked, plus "Hasil Validasi".

For ``.xlsx``/``.xlsm`` the returned file itself is annotated (macros dropped, saved as
``.xlsx``); for ``.ods``/``.xls`` a fresh form is written with the unit's values and then
annotated, so every unit gets back an ``.xlsx`` it can fix in place. A plain workbook (the
usual case) is annotated in its own XML (:func:`_write_plain`, a speed path of ``KINERJA_FAST``,
"plainxml"); any other is read and rewritten by openpyxl. Both give the same workbook
(``tests/test_feedback.py`` compares them).
"""
from __future__ import annotations

import datetime as dt
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from . import fast
from .codes import ERROR, Issue
from .layout import DATA_SHEET, RESULT_SHEET, FormPlan, place_words
from .periods import quarter_label
from .rules import Rules
from .styles import (BORDER, ERROR_FILL, ERROR_TEXT, ERROR_WORD, FONT, HEADER_FILL as _HEADER, WARNING_FILL,
                     WARNING_WORD, datetime_id)
from .text import EXCEL_CELL_MAX, clean_text
from .workspace import atomic_write

BAD_FILL = ERROR_FILL.lstrip("#")     # an error: light red
WARN_FILL = WARNING_FILL.lstrip("#")   # a warning: orange, clearly unlike the yellow of input cells


def write_feedback(target: Path, *, source: Path, file_format: str, rules: Rules, plan: FormPlan | None,
                   issues: Iterable[Issue], prefill: Mapping[str, Any] | None = None,
                   file_name: str = "", received_at: str = "", reviewer_note: str | None = None,
                   rejected_by: tuple[str, str] | None = None) -> Path:
    """Write the annotated feedback workbook to ``target`` (atomically) and return it.

    ``received_at`` is an ISO time; ``rejected_by`` (approval level name, reviewer) makes the
    heading say who rejected the data at which level."""
    issues = list(issues)
    content = _result_content(rules, plan, issues, file_name, received_at, reviewer_note, rejected_by)

    def build(tmp: Path) -> None:
        plain = fast.on("plainxml")
        if plain and file_format in ("xlsx", "xlsm") and _write_plain(_bytes_of(source), tmp, issues, content):
            return
        wb = _load_or_rebuild(source, file_format, rules, plan, prefill or {}, tmp)
        if wb is None:  # our own form, rebuilt with the unit's values: annotated like a returned one
            if plain and _write_plain(tmp.read_bytes(), tmp, issues, content):
                return
            import openpyxl

            wb = openpyxl.load_workbook(tmp)
        _mark_cells(wb, issues)
        _result_sheet(wb, content)
        wb.save(tmp)

    return atomic_write(target, build)


def _bytes_of(source: Path) -> bytes | None:
    try:
        return source.read_bytes()
    except OSError:  # openpyxl says what is wrong, or the form is rebuilt
        return None


def _load_or_rebuild(source: Path, file_format: str, rules: Rules, plan: FormPlan | None,
                     prefill: Mapping[str, Any], tmp: Path) -> Any:
    """The unit's workbook in openpyxl, or None after writing a rebuilt form to ``tmp``."""
    import openpyxl

    if file_format in ("xlsx", "xlsm"):
        try:
            return openpyxl.load_workbook(source, keep_vba=False, keep_links=False)
        except Exception:  # noqa: BLE001 - fall back to a rebuilt form with the unit's values
            if plan is None:
                raise
    if plan is None:
        raise ValueError("no plan to rebuild the feedback workbook from")
    from .forms import write_form

    write_form(rules, plan, tmp, generated_at=dt.datetime.now().replace(microsecond=0), prefill=prefill)
    return None


def _mark_cells(wb: Any, issues: list[Issue]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    if DATA_SHEET not in wb.sheetnames:
        return
    sheet = wb[DATA_SHEET]
    for addr, (color, text) in _marks(issues).items():
        cell = sheet[addr]
        cell.fill = PatternFill("solid", start_color=color, end_color=color)
        comment = Comment(text, AUTHOR)
        comment.width, comment.height = 320, 160
        cell.comment = comment


def _marks(issues: list[Issue]) -> dict[str, tuple[str, str]]:
    """``{cell: (fill colour, comment text)}`` of the data-sheet cells the issues point at."""
    per_cell: dict[str, list[Issue]] = {}
    for issue in issues:
        if issue.sheet == DATA_SHEET and issue.cell:
            per_cell.setdefault(issue.cell.split(":")[0], []).append(issue)
    out = {}
    for addr, found in per_cell.items():
        color = BAD_FILL if any(i.severity == ERROR for i in found) else WARN_FILL
        text = "\n".join(f"[{severity_word(i.severity).upper()}] {i.message}" for i in found)
        out[addr] = (color, clean_text(text, 2000))
    return out


def _set_text(cell: Any, value: Any) -> None:
    """Write ``value``; strings are forced to stay strings (never formulas), without the
    characters an .xlsx cannot hold (a unit's text quoted in a message, a file name)."""
    if isinstance(value, str):
        value = clean_text(value, EXCEL_CELL_MAX)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


@dataclass
class _Content:
    """What the "Hasil Validasi" sheet says, as both writers put it on the sheet."""

    title: str
    info: list[tuple[str, Any, float]]            # label, value, row height
    rows: list[tuple[tuple[Any, ...], float]]   # an issue's five cells, and its row height


TITLE = "HASIL VALIDASI DATA KINERJA — TIDAK VALID"
HOW_TO = (f"Cara memperbaiki: buka lembar 'Data Kinerja' di berkas ini, perbaiki setiap sel yang "
          f"ditandai {ERROR_WORD} (arahkan kursor ke sel untuk membaca catatannya), simpan, lalu kirim "
          f"kembali berkas ini. Sel {WARNING_WORD} adalah peringatan: periksa dan perbaiki bila perlu.")
HEADER = ("No", "Kode masalah", "Tingkat", "Letak", "Pesan dan cara memperbaiki")
WIDTHS = (5, 22, 11, 20, 72)   # A4 landscape at full size: 10 pt text prints at 10 pt
INFO_LINE = 100                  # characters of an information value on one line (C:E)
HEADER_FILL = _HEADER.lstrip("#")
BORDER_COLOR = BORDER.lstrip("#")
TITLE_COLOR = ERROR_TEXT.lstrip("#")
AUTHOR = "Pemeriksa data kinerja"


def severity_word(severity: str) -> str:
    """How readers call an issue's severity."""
    return "Kesalahan" if severity == ERROR else "Peringatan"


def _result_content(rules: Rules, plan: FormPlan | None, issues: list[Issue], file_name: str,
                    received_at: str, reviewer_note: str | None,
                    rejected_by: tuple[str, str] | None = None) -> _Content:
    title = TITLE
    if rejected_by is not None:
        level, by = rejected_by
        title = f"DATA KINERJA DITOLAK PADA TAHAP {level.upper()} OLEH {by}"
    info: list[tuple[str, Any]] = [("Instansi", rules.instansi)]
    if plan is not None:
        info += [("Unit", f"{rules.unit(plan.unit).nama} ({plan.unit})" if rules.has_unit(plan.unit) else plan.unit),
                 ("Periode", f"{quarter_label(plan.quarter)} {plan.year}")]
    info += [("Berkas diterima", file_name), ("Waktu diterima", datetime_id(received_at)),
             ("Jumlah kesalahan", sum(i.severity == ERROR for i in issues)),
             ("Jumlah peringatan", sum(i.severity != ERROR for i in issues))]
    if reviewer_note:
        info.append(("Catatan pemeriksa", reviewer_note))
    sized = [(label, value, 13.5 * max(1, -(-len(str(value)) // INFO_LINE)) + 1.5) for label, value in info]
    rows = []
    for n, issue in enumerate(issues, start=1):
        place = place_words(issue.sheet, issue.cell)
        values = (n, issue.code, severity_word(issue.severity), place, issue.message)
        # LibreOffice does not grow rows for wrapped text written by openpyxl: size them here
        lines = max(1, -(-len(str(issue.message)) // 90), -(-len(issue.code) // 22), -(-len(place) // 20))
        rows.append((values, 13.5 * lines + 3))
    return _Content(title, sized, rows)


def _result_sheet(wb: Any, content: _Content) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    if RESULT_SHEET in wb.sheetnames:
        del wb[RESULT_SHEET]
    sh = wb.create_sheet(RESULT_SHEET, 0)
    bold = Font(name=FONT, size=10, bold=True)
    plain = Font(name=FONT, size=10)
    side = Side(style="thin", color=BORDER_COLOR)
    grid = Border(left=side, right=side, top=side, bottom=side)
    _set_text(sh["A1"], content.title)
    sh["A1"].font = Font(name=FONT, bold=True, size=13, color=TITLE_COLOR)
    row = 3
    for label, value, height in content.info:
        _set_text(sh.cell(row, 1), label)
        sh.cell(row, 1).font = bold
        sh.cell(row, 1).alignment = Alignment(vertical="top")
        sh.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        _set_text(sh.cell(row, 3), value)
        sh.cell(row, 3).font = plain
        sh.cell(row, 3).alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
        sh.merge_cells(start_row=row, start_column=3, end_row=row, end_column=5)
        sh.row_dimensions[row].height = height
        row += 1
    row += 1
    _set_text(sh.cell(row, 1), HOW_TO)
    sh.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    sh.cell(row, 1).font = plain
    sh.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
    sh.row_dimensions[row].height = 30
    row += 2
    fill = PatternFill("solid", start_color=HEADER_FILL, end_color=HEADER_FILL)
    header_row = row
    for col, title in enumerate(HEADER, start=1):
        c = sh.cell(row, col)
        _set_text(c, title)
        c.font = Font(name=FONT, size=10, bold=True, color="FFFFFF")
        c.fill = fill
        c.border = grid
    for values, height in content.rows:
        row += 1
        for col, value in enumerate(values, start=1):
            _set_text(sh.cell(row, col), value)
            sh.cell(row, col).alignment = Alignment(wrap_text=True, vertical="top")
            sh.cell(row, col).font = plain
            sh.cell(row, col).border = grid
        sh.row_dimensions[row].height = height
    for letter, width in zip("ABCDE", WIDTHS):
        sh.column_dimensions[letter].width = width
    sh.page_setup.orientation = "landscape"
    sh.page_setup.paperSize = sh.PAPERSIZE_A4
    sh.oddFooter.right.text = "Halaman &P dari &N"
    sh.print_title_rows = f"{header_row}:{header_row}"
    sh.freeze_panes = sh.cell(row=header_row + 1, column=1)
    wb.active = 0
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == RESULT_SHEET


# --------------------------------------------------------------------------- the plain-workbook writer
#
# openpyxl reads and rewrites the whole workbook (≈70 ms a file), most of it for parts the
# feedback leaves as they are. A *plain* workbook — only a workbook, worksheets, styles,
# shared strings, a theme and document properties (no macros, external links, drawings,
# comments, tables or other parts), worksheets as programs write them — is annotated here
# in its own XML instead (≈5 ms): the marked cells get a copy of their style with the fill,
# the data sheet a comments part, the styles the formats of "Hasil Validasi", and the
# workbook that sheet first, selected; a calculation chain is dropped (as openpyxl does).
# Every other part is copied byte for byte. Anything else — or anything this writer does not
# recognise — is left to openpyxl (:func:`_write_plain` answers False), so a workbook that is
# not plain never reaches a unit other than as openpyxl writes it.

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_OFFICE = "application/vnd.openxmlformats-officedocument."
_PART_TYPES = {  # relationship type → content type of the parts a plain workbook may hold
    f"{_REL}/worksheet": _OFFICE + "spreadsheetml.worksheet+xml",
    f"{_REL}/styles": _OFFICE + "spreadsheetml.styles+xml",
    f"{_REL}/sharedStrings": _OFFICE + "spreadsheetml.sharedStrings+xml",
    f"{_REL}/theme": _OFFICE + "theme+xml",
    f"{_REL}/calcChain": None,  # dropped
}
_PACKAGE_TYPES = {
    f"{_REL}/officeDocument": _OFFICE + "spreadsheetml.sheet.main+xml",
    f"{_PKG}/metadata/core-properties": "application/vnd.openxmlformats-package.core-properties+xml",
    f"{_REL}/extended-properties": _OFFICE + "extended-properties+xml",
    f"{_REL}/custom-properties": _OFFICE + "custom-properties+xml",
}
_ATTRS = r"""(?:\s+[^\s=/<>]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*\s*"""
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


class _NotPlain(Exception):
    """The workbook holds something the plain writer does not handle: openpyxl writes it."""


def _write_plain(data: bytes | None, tmp: Path, issues: list[Issue], content: _Content) -> bool:
    """Write the feedback of a plain workbook ``data`` to ``tmp``; False: not plain (nothing written)."""
    import zipfile
    import zlib
    from xml.etree.ElementTree import ParseError

    if data is None:
        return False
    try:
        out = _annotate_plain(data, issues, content)
    # what a workbook the writer does not handle raises: a part it does not know or cannot find,
    # text that is not UTF-8 or XML it refuses, a damaged zip (defusedxml's refusals are
    # ValueErrors); anything else is a mistake in the writer and is raised
    except (_NotPlain, KeyError, ValueError, ParseError, zipfile.BadZipFile, zlib.error):
        return False
    tmp.write_bytes(out)
    return True


def _tag(name: str) -> str:
    """A start (or empty) tag of element ``name``, unprefixed, with any attributes."""
    return rf"<{name}(?=[\s/>]){_ATTRS}/?>"


def _set_attr(tag: str, name: str, value: str | None) -> str:
    """``tag`` (a start tag's text) with attribute ``name`` set to ``value`` (None: removed)."""
    tag = re.sub(rf"""\s{re.escape(name)}\s*=\s*(?:"[^"]*"|'[^']*')""", "", tag)
    if value is None:
        return tag
    end = -2 if tag.endswith("/>") else -1
    return f'{tag[:end].rstrip()} {name}="{value}"{tag[end:]}'


def _attr(tag: str, name: str) -> str | None:
    m = re.search(rf"""\s{re.escape(name)}\s*=\s*(?:"([^"]*)"|'([^']*)')""", tag)
    return None if m is None else (m.group(1) if m.group(1) is not None else m.group(2))


def _xml_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _parse(data: bytes) -> Any:
    from defusedxml.ElementTree import fromstring

    return fromstring(data)


def _rels(data: bytes, base: str) -> list[tuple[str, str, str]]:
    """(id, type, part name) of every relationship; an external target is not plain."""
    out = []
    for rel in _parse(data):
        if rel.tag != f"{{{_PKG}}}Relationship" or rel.get("TargetMode", "Internal") != "Internal":
            raise _NotPlain
        target = rel.get("Target") or ""
        name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        if not re.fullmatch(r"[A-Za-z0-9_./-]+", name):  # written back as is into [Content_Types].xml
            raise _NotPlain
        out.append((rel.get("Id") or "", rel.get("Type") or "", name))
    return out


def _text(data: bytes) -> str:
    """A part's text: UTF-8, without a DTD, comments, CDATA or other processing instructions."""
    text = data.decode("utf-8")
    if "<!" in text or text.count("<?") > (1 if text.lstrip("\ufeff").startswith("<?xml") else 0):
        raise _NotPlain
    return text.lstrip("\ufeff")


def _annotate_plain(data: bytes, issues: list[Issue], content: _Content) -> bytes:
    """The unit's workbook with its bad cells marked and commented and the result sheet added,
    written part by part (:class:`_NotPlain` when it is not a package this can do)."""
    import io
    import zipfile

    book = _plain_book(data)
    out, formats, comments, data_part = _marked_sheets(book, issues, content)
    _add_result_parts(book, out, formats, comments, data_part, content)
    first = ["[Content_Types].xml", "_rels/.rels"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in first + sorted((set(book.parts) | set(out)) - set(first)):
            body = out[name] if name in out else book.parts[name]
            zout.writestr(name, body.encode("utf-8") if isinstance(body, str) else body)
    return buf.getvalue()


@dataclass
class _PlainBook:
    """A workbook package as :func:`_plain_book` accepts it."""

    parts: dict[str, bytes]                 # every part, by name
    kinds: dict[str, str | None]            # the content type of every part a relationship names
    workbook: str                           # the workbook part
    wb_rels_name: str                       # … its relationships part
    wb_rels: list[tuple[str, str, str]]     # … and their (id, type, part)
    styles: str                             # the styles part
    book: str                               # the workbook part's text
    order: list[tuple[str, str, int]]       # the sheets in order: (name, part, sheetId)


def _plain_book(data: bytes) -> _PlainBook:
    """The parts of a plain workbook package: a workbook, its sheets and styles, document
    properties, nothing else (no macros, external links, part nobody points at; :class:`_NotPlain`)."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        if sum(i.file_size for i in infos) > 20 * 1024 * 1024 or len({i.filename for i in infos}) != len(infos):
            raise _NotPlain
        parts = {i.filename: zf.read(i) for i in infos if not i.is_dir()}
    # the package: a workbook, its parts, and document properties; nothing else
    kinds: dict[str, str | None] = {}
    workbook = ""
    for _, kind, name in _rels(parts["_rels/.rels"], ""):
        if kind not in _PACKAGE_TYPES or name not in parts:
            raise _NotPlain
        kinds[name] = _PACKAGE_TYPES[kind]
        if kind.endswith("/officeDocument"):
            workbook = name
    folder = posixpath.dirname(workbook)
    wb_rels_name = posixpath.join(folder, "_rels", posixpath.basename(workbook) + ".rels")
    wb_rels = _rels(parts[wb_rels_name], folder)
    by_id = {}
    for rid, kind, name in wb_rels:
        if kind not in _PART_TYPES or name not in parts or name in kinds:
            raise _NotPlain
        kinds[name] = _PART_TYPES[kind]
        by_id[rid] = (kind, name)
    if set(parts) != set(kinds) | {"[Content_Types].xml", "_rels/.rels", wb_rels_name}:
        raise _NotPlain  # a part nothing points at, or the rels of a sheet, a theme, …
    styles = next((n for k, n in by_id.values() if k.endswith("/styles")), None)
    if styles is None:
        raise _NotPlain
    # the workbook's sheets, in order
    book = _text(parts[workbook])
    root = _parse(parts[workbook])
    sheets = root.find(f"{{{_MAIN}}}sheets")
    if root.tag != f"{{{_MAIN}}}workbook" or sheets is None or not re.search(r"<sheets>", book) \
            or re.search(r"<(?:functionGroups|externalReferences)[\s/>]", book):
        raise _NotPlain
    order = []
    for sheet in sheets:
        rid = sheet.get(f"{{{_REL}}}id")
        if rid not in by_id or not by_id[rid][0].endswith("/worksheet"):
            raise _NotPlain
        order.append((sheet.get("name"), by_id[rid][1], int(sheet.get("sheetId") or 0)))
    if RESULT_SHEET in [n for n, _, _ in order]:
        raise _NotPlain  # a feedback workbook sent back: openpyxl replaces its old result sheet
    return _PlainBook(parts, kinds, workbook, wb_rels_name, wb_rels, styles, book, order)


def _marked_sheets(book: _PlainBook, issues: list[Issue], content: _Content) \
        -> tuple[dict[str, bytes | str], dict[str, Any], dict[str, str], str | None]:
    """The sheets unselected, the data sheet's bad cells marked, and the styles they need: the
    changed parts, the formats, the comments for the data sheet, and the data sheet's part."""
    texts = {part: _text(book.parts[part]) for _, part, _ in book.order}
    style_text = _text(book.parts[book.styles])
    styles_out, formats = _add_styles(style_text, texts, book.order, issues)
    formats["header_row"] = 3 + len(content.info) + 3
    out: dict[str, bytes | str] = {}
    marks = _marks(issues)
    data_part = next((part for name, part, _ in book.order if name == DATA_SHEET), None)
    comments: dict[str, str] = {}
    for name, part, _ in book.order:
        text = _unselect(texts[part])
        if part == data_part and marks:
            text = _mark_plain(text, marks, formats)
            comments = {addr: note for addr, (_, note) in marks.items()}
            text = _with_legacy_drawing(text)
        out[part] = text
    out[book.styles] = styles_out
    return out, formats, comments, data_part


def _add_result_parts(book: _PlainBook, out: dict[str, bytes | str], formats: dict[str, Any],
                      comments: dict[str, str], data_part: str | None, content: _Content) -> None:
    """Into ``out``: the result sheet, the comments of the data sheet, the workbook and its
    relationships naming them (the calculation chain dropped), fresh document properties and
    content types."""
    parts, kinds, wb_rels, wb_rels_name = book.parts, book.kinds, book.wb_rels, book.wb_rels_name
    taken = set(parts)
    new_sheet = _free(taken, "xl/worksheets/sheet{}.xml")
    rid_sheet = _free({r for r, _, _ in wb_rels}, "rIdHasil{}")
    out[new_sheet] = _result_sheet_xml(content, formats)
    kinds[new_sheet] = _PART_TYPES[f"{_REL}/worksheet"]
    extra_rels = [(rid_sheet, f"{_REL}/worksheet", new_sheet)]
    if comments and data_part is not None:
        comment_part = _free(taken, "xl/comments/comment{}.xml")
        vml_part = _free(taken, "xl/drawings/vmlDrawing{}.vml")
        out[comment_part] = _comments_xml(comments)
        out[vml_part] = _vml(comments)
        kinds[comment_part] = _OFFICE + "spreadsheetml.comments+xml"
        sheet_rels = posixpath.join(posixpath.dirname(data_part), "_rels", posixpath.basename(data_part) + ".rels")
        out[sheet_rels] = _rels_xml([("rIdCatatan", f"{_REL}/comments", comment_part),
                                     ("rIdCatatanVml", f"{_REL}/vmlDrawing", vml_part)], sheet_rels)
    out[book.workbook] = _book_with_result(book.book, rid_sheet, max((i for _, _, i in book.order), default=0) + 1,
                                           formats["header_row"])
    kinds[book.workbook] = _PACKAGE_TYPES[f"{_REL}/officeDocument"]  # an .xlsm's workbook becomes an .xlsx's
    kept = [(r, k, n) for r, k, n in wb_rels if not k.endswith("/calcChain")]
    for r, k, n in wb_rels:
        if k.endswith("/calcChain"):
            del parts[n], kinds[n]
    out[wb_rels_name] = _rels_xml(extra_rels + kept, wb_rels_name)
    app = next((n for n, t in kinds.items() if t == _PACKAGE_TYPES[f"{_REL}/extended-properties"]), None)
    if app is not None:  # its list of sheet titles would be stale: a fresh one, as openpyxl writes
        out[app] = (_XML_DECL + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                    'extended-properties"><Application>Microsoft Excel</Application></Properties>')
    types = ['<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
             '<Default Extension="xml" ContentType="application/xml"/>',
             f'<Default Extension="vml" ContentType="{_OFFICE}vmlDrawing"/>']
    types += [f'<Override PartName="/{_xml_text(n)}" ContentType="{t}"/>' for n, t in kinds.items() if t]
    out["[Content_Types].xml"] = _XML_DECL + f'<Types xmlns="{_CT}">' + "".join(types) + "</Types>"


def _free(taken: set[str], pattern: str) -> str:
    n = 1
    while pattern.format(n) in taken:
        n += 1
    taken.add(pattern.format(n))
    return pattern.format(n)


def _rels_xml(rels: list[tuple[str, str, str]], own: str) -> str:
    items = "".join(f'<Relationship Id="{rid}" Type="{kind}" Target="/{_xml_text(name)}"/>' for rid, kind, name in rels)
    return _XML_DECL + f'<Relationships xmlns="{_PKG}">{items}</Relationships>'


def _unselect(text: str) -> str:
    """A sheet's text with no sheet view selected (the result sheet is the selected one)."""
    return re.sub(_tag("sheetView"), lambda m: _set_attr(m.group(0), "tabSelected", "0"), text)


def _block(text: str, name: str) -> tuple[int, int, str]:
    """(start, end, inner text) of the one unprefixed element ``name`` holding children."""
    found = list(re.finditer(_tag(name), text))
    if len(found) != 1 or found[0].group(0).endswith("/>"):
        raise _NotPlain
    close = text.find(f"</{name}>", found[0].end())
    if close < 0:
        raise _NotPlain
    return found[0].end(), close, text[found[0].end():close]


def _items(inner: str, name: str) -> list[str]:
    """Every child element ``name`` of a block, whole (start tag to end tag, or empty tag)."""
    items = re.findall(rf"<{name}(?=[\s/>]){_ATTRS}(?:/>|>.*?</{name}>)", inner, flags=re.S)
    if len(items) != len(re.findall(rf"<{name}[\s/>]", inner)):
        raise _NotPlain
    return items


def _add_styles(text: str, sheets: dict[str, str], order: list, issues: list[Issue]) -> tuple[str, dict]:
    """Styles with the result sheet's formats and a filled copy of each marked cell's style added;
    ``formats``: the indexes of both (and the result sheet's header row)."""
    fonts_start, fonts_end, fonts = _block(text, "fonts")
    fills_start, fills_end, fills = _block(text, "fills")
    borders_start, borders_end, borders = _block(text, "borders")
    xfs_start, xfs_end, xfs = _block(text, "cellXfs")
    n_fonts, n_fills, xf_items = len(_items(fonts, "font")), len(_items(fills, "fill")), _items(xfs, "xf")
    n_borders = len(_items(borders, "border"))
    new_fonts = [f'<font><b/><sz val="13"/><color rgb="00{TITLE_COLOR}"/><name val="{FONT}"/></font>',
                 f'<font><b/><sz val="10"/><name val="{FONT}"/></font>',
                 f'<font><sz val="10"/><name val="{FONT}"/></font>',
                 f'<font><b/><sz val="10"/><color rgb="00FFFFFF"/><name val="{FONT}"/></font>']
    side = f'style="thin"><color rgb="00{BORDER_COLOR}"/>'
    new_border = (f"<border><left {side}</left><right {side}</right><top {side}</top>"
                  f"<bottom {side}</bottom><diagonal/></border>")
    grid = n_borders
    title, bold, plain, white = range(n_fonts, n_fonts + 4)
    colors = (HEADER_FILL, BAD_FILL, WARN_FILL)
    new_fills = [f'<fill><patternFill patternType="solid"><fgColor rgb="00{c}"/><bgColor rgb="00{c}"/>'
                 "</patternFill></fill>" for c in colors]
    fill_of = dict(zip(colors, range(n_fills, n_fills + 3)))
    wrap = '<alignment vertical="top" wrapText="1"/>'
    new_xfs = [f'<xf numFmtId="0" fontId="{title}" fillId="0" borderId="0" applyFont="1"/>',
               f'<xf numFmtId="0" fontId="{bold}" fillId="0" borderId="0" applyFont="1" applyAlignment="1">'
               '<alignment vertical="top"/></xf>',
               f'<xf numFmtId="0" fontId="{plain}" fillId="0" borderId="0" applyFont="1" applyAlignment="1">'
               '<alignment horizontal="left" vertical="top" wrapText="1"/></xf>',
               f'<xf numFmtId="0" fontId="{plain}" fillId="0" borderId="0" applyFont="1" applyAlignment="1">'
               f"{wrap}</xf>",
               f'<xf numFmtId="0" fontId="{white}" fillId="{fill_of[HEADER_FILL]}" borderId="{grid}" applyFont="1" '
               'applyFill="1" applyBorder="1"/>',
               f'<xf numFmtId="0" fontId="{plain}" fillId="0" borderId="{grid}" applyFont="1" applyBorder="1" '
               f'applyAlignment="1">{wrap}</xf>']
    base = len(xf_items)
    formats: dict[str, Any] = dict(zip(("title", "bold", "plain", "wrap", "header", "cell"), range(base, base + 6)))
    formats["marked"] = {}
    data_part = next((part for name, part, _ in order if name == DATA_SHEET), None)
    marks = _marks(issues)
    if data_part is not None and marks:
        _plain_cells(sheets[data_part])
        for addr, (color, _) in marks.items():
            style = _cell_style(sheets[data_part], addr)
            if style >= len(xf_items):
                raise _NotPlain
            key = (style, color)
            if key not in formats["marked"]:
                xf = xf_items[style]
                head = re.match(_tag("xf"), xf)
                assert head is not None
                tag = _set_attr(_set_attr(head.group(0), "fillId", str(fill_of[color])), "applyFill", "1")
                formats["marked"][key] = base + len(new_xfs)
                new_xfs.append(tag + xf[head.end():])
    out = (text[:fonts_start] + fonts + "".join(new_fonts) + text[fonts_end:fills_start] + fills
           + "".join(new_fills) + text[fills_end:borders_start] + borders + new_border
           + text[borders_end:xfs_start] + xfs + "".join(new_xfs) + text[xfs_end:])
    for name, count in (("fonts", n_fonts + 4), ("fills", n_fills + 3), ("borders", n_borders + 1),
                        ("cellXfs", base + len(new_xfs))):
        out = re.sub(_tag(name), lambda m, c=count: _set_attr(m.group(0), "count", str(c)), out, count=1)
    return out, formats


_CELL_ADDR = re.compile(r"([A-Z]{1,3})([0-9]+)")


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _cell_tag(text: str, addr: str) -> re.Match | None:
    found = list(re.finditer(rf'<c r="{addr}"(?=[\s/>]){_ATTRS}/?>', text))
    if len(found) > 1:
        raise _NotPlain
    return found[0] if found else None


def _plain_cells(text: str) -> None:
    """Cells and rows as programs write them (``<c r="B7"``, ``<row r="7"``): cells can be found."""
    from .bounds import ODD_TAGS

    if any(re.search(p.pattern.decode(), text) for p in ODD_TAGS) or not re.search(r"<sheetData[\s/>]", text):
        raise _NotPlain


def _cell_style(text: str, addr: str) -> int:
    """The style index of a cell (0 for a cell not written: openpyxl gives a new cell no style)."""
    tag = _cell_tag(text, addr)
    style = _attr(tag.group(0), "s") if tag else None
    if style is None:
        return 0
    if not style.isdigit():
        raise _NotPlain
    return int(style)


def _mark_plain(text: str, marks: dict[str, tuple[str, str]], formats: dict) -> str:
    """The data sheet with each marked cell given its filled style (a cell not written yet is added)."""
    for addr, (color, _) in marks.items():
        style = formats["marked"][(_cell_style(text, addr), color)]
        tag = _cell_tag(text, addr)
        if tag is not None:
            text = text[:tag.start()] + _set_attr(tag.group(0), "s", str(style)) + text[tag.end():]
        else:
            text = _insert_cell(text, addr, f'<c r="{addr}" s="{style}"/>')
    return text


def _insert_cell(text: str, addr: str, cell: str) -> str:
    m = _CELL_ADDR.fullmatch(addr)
    assert m is not None
    col, row = _col(m.group(1)), int(m.group(2))
    start, end, inner = _block(text, "sheetData")
    for found in re.finditer(rf'<row r="([0-9]+)"(?=[\s/>]){_ATTRS}/?>', inner):
        number = int(found.group(1))
        if number < row:
            continue
        at = start + found.start()
        if number > row:  # the row is not written yet: a new one before the next
            return text[:at] + f'<row r="{row}">{cell}</row>' + text[at:]
        head = _set_attr(found.group(0), "spans", None)
        if head.endswith("/>"):
            return text[:at] + head[:-2].rstrip() + f">{cell}</row>" + text[start + found.end():]
        close = text.find("</row>", start + found.end())
        if close < 0:
            raise _NotPlain
        body = text[start + found.end():close]
        place = close
        for c in re.finditer(r'<c r="([A-Z]{1,3})[0-9]+"', body):
            if _col(c.group(1)) > col:
                place = start + found.end() + c.start()
                break
        return text[:at] + head + text[start + found.end():place] + cell + text[place:]
    return text[:end] + f'<row r="{row}">{cell}</row>' + text[end:]


_AFTER_LEGACY = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                 "tableParts", "extLst")


def _with_legacy_drawing(text: str) -> str:
    """The sheet pointing at its comments' drawing, where the schema puts it."""
    if re.search(r"<(?:[^\s<>/!?=]*:)?(?:legacyDrawing|drawing)[\s/>]", text):
        raise _NotPlain
    root = re.search(_tag("worksheet"), text)
    if root is None:
        raise _NotPlain
    prefix = next((p for p, uri in re.findall(r"""\sxmlns:([\w.-]+)\s*=\s*["']([^"']*)["']""", root.group(0))
                   if uri == _REL), None)
    element = (f'<legacyDrawing {prefix}:id="rIdCatatanVml"/>' if prefix else
               f'<legacyDrawing xmlns:r="{_REL}" r:id="rIdCatatanVml"/>')
    places = [m.start() for name in _AFTER_LEGACY for m in [re.search(rf"<{name}[\s/>]", text)] if m]
    at = min(places) if places else text.rindex("</worksheet>")
    return text[:at] + element + text[at:]


def _book_with_result(book: str, rid: str, sheet_id: int, header_row: int) -> str:
    """workbook.xml with "Hasil Validasi" first and active, and its print titles."""
    root = re.search(_tag("workbook"), book)
    if root is None:
        raise _NotPlain
    prefix = next((p for p, uri in re.findall(r"""\sxmlns:([\w.-]+)\s*=\s*["']([^"']*)["']""", root.group(0))
                   if uri == _REL), None)
    ref = f'{prefix}:id="{rid}"' if prefix else f'xmlns:r="{_REL}" r:id="{rid}"'
    book = book.replace("<sheets>", f'<sheets><sheet name="{RESULT_SHEET}" sheetId="{sheet_id}" {ref}/>', 1)
    book = re.sub(r"""(\slocalSheetId\s*=\s*["'])([0-9]+)(["'])""",
                  lambda m: f"{m.group(1)}{int(m.group(2)) + 1}{m.group(3)}", book)
    book = re.sub(_tag("workbookView"), lambda m: _set_attr(_set_attr(m.group(0), "activeTab", "0"),
                                                             "firstSheet", "0"), book, count=1)
    titles = (f'<definedName name="_xlnm.Print_Titles" localSheetId="0">'
              f"'{RESULT_SHEET}'!${header_row}:${header_row}</definedName>")
    if re.search(_tag("definedNames"), book):
        names = re.search(_tag("definedNames"), book)
        assert names is not None
        if names.group(0).endswith("/>"):
            return book[:names.start()] + f"<definedNames>{titles}</definedNames>" + book[names.end():]
        return book[:names.end()] + titles + book[names.end():]
    at = book.index("</sheets>") + len("</sheets>")
    return book[:at] + f"<definedNames>{titles}</definedNames>" + book[at:]


def _inline(ref: str, style: int, value: Any) -> str:
    if isinstance(value, str):
        value = clean_text(value, EXCEL_CELL_MAX)
        space = ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""
        return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{_xml_text(value)}</t></is></c>'
    return f'<c r="{ref}" s="{style}"><v>{value}</v></c>'


def _result_sheet_xml(content: _Content, formats: dict) -> str:
    """"Hasil Validasi" as :func:`_result_sheet` lays it out."""
    rows: list[str] = [f'<row r="1">{_inline("A1", formats["title"], content.title)}</row>']
    merges = []
    r = 3
    for label, value, height in content.info:
        rows.append(f'<row r="{r}" ht="{height:g}" customHeight="1">{_inline(f"A{r}", formats["bold"], label)}'
                    f'{_inline(f"C{r}", formats["plain"], value)}</row>')
        merges += [f"A{r}:B{r}", f"C{r}:E{r}"]
        r += 1
    r += 1
    rows.append(f'<row r="{r}" ht="30" customHeight="1">{_inline(f"A{r}", formats["wrap"], HOW_TO)}</row>')
    merges.append(f"A{r}:E{r}")
    r += 2
    header = r
    rows.append(f'<row r="{r}">' + "".join(_inline(f"{'ABCDE'[i]}{r}", formats["header"], t)
                                           for i, t in enumerate(HEADER)) + "</row>")
    for values, height in content.rows:
        r += 1
        rows.append(f'<row r="{r}" ht="{height:g}" customHeight="1">'
                    + "".join(_inline(f"{'ABCDE'[i]}{r}", formats["cell"], v) for i, v in enumerate(values))
                    + "</row>")
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(WIDTHS, start=1))
    top = f"A{header + 1}"
    return (_XML_DECL + f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f'<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="{header}" topLeftCell="{top}" '
            f'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
            f'</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols>'
            f'<sheetData>{"".join(rows)}</sheetData>'
            f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges)
            + '</mergeCells><pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
            '<pageSetup paperSize="9" orientation="landscape"/>'
            '<headerFooter><oddFooter>&amp;RHalaman &amp;P dari &amp;N</oddFooter></headerFooter></worksheet>')


def _comments_xml(notes: dict[str, str]) -> str:
    items = "".join(f'<comment ref="{addr}" authorId="0"><text><t xml:space="preserve">{_xml_text(text)}</t>'
                    "</text></comment>" for addr, text in notes.items())
    return (_XML_DECL + f'<comments xmlns="{_MAIN}"><authors><author>{AUTHOR}</author></authors>'
            f"<commentList>{items}</commentList></comments>")


def _vml(notes: dict[str, str]) -> str:
    """The drawing Excel shows the comments with (hidden until the cell is pointed at)."""
    shapes = []
    for n, addr in enumerate(notes):
        m = _CELL_ADDR.fullmatch(addr)
        assert m is not None
        shapes.append(
            f'<v:shape id="_x0000_s{1025 + n}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;'
            'margin-top:1.5pt;width:320px;height:160px;z-index:1;visibility:hidden" fillcolor="#ffffe1" '
            'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
            '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left">'
            '</div></v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:AutoFill>False</x:AutoFill><x:Row>{int(m.group(2)) - 1}</x:Row>"
            f"<x:Column>{_col(m.group(1)) - 1}</x:Column></x:ClientData></v:shape>")
    return ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" '
            'data="1"/></o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
            'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/><v:path gradientshapeok="t" '
            'o:connecttype="rect"/></v:shapetype>' + "".join(shapes) + "</xml>")
