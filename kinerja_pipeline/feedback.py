"""The feedback workbook: the unit's own workbook, each bad cell marked, plus "Hasil Validasi".

For ``.xlsx``/``.xlsm`` the returned file itself is annotated (macros dropped, saved as
``.xlsx``); for ``.ods``/``.xls`` a fresh form is written with the unit's values and then
annotated, so every unit gets back an ``.xlsx`` it can fix in place.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterable, Mapping

from .layout import DATA_SHEET, RESULT_SHEET, FormPlan
from .periods import quarter_label
from .rules import Rules
from .text import EXCEL_CELL_MAX, clean_text
from .validate import ERROR, Issue
from .workspace import atomic_write

BAD_FILL = "FFC7CE"
WARN_FILL = "FFEB9C"


def write_feedback(target: Path, *, source: Path, file_format: str, rules: Rules, plan: FormPlan | None,
                   issues: Iterable[Issue], prefill: Mapping[str, Any] | None = None,
                   file_name: str = "", received_at: str = "", reviewer_note: str | None = None) -> Path:
    """Write the annotated feedback workbook to ``target`` (atomically) and return it."""
    issues = list(issues)

    def build(tmp: Path) -> None:
        wb = _load_or_rebuild(source, file_format, rules, plan, prefill or {}, tmp)
        _mark_cells(wb, issues)
        _result_sheet(wb, rules, plan, issues, file_name, received_at, reviewer_note)
        wb.save(tmp)

    return atomic_write(target, build)


def _load_or_rebuild(source: Path, file_format: str, rules: Rules, plan: FormPlan | None,
                     prefill: Mapping[str, Any], tmp: Path) -> Any:
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
    return openpyxl.load_workbook(tmp)


def _mark_cells(wb: Any, issues: list[Issue]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    if DATA_SHEET not in wb.sheetnames:
        return
    sheet = wb[DATA_SHEET]
    per_cell: dict[str, list[Issue]] = {}
    for issue in issues:
        if issue.sheet == DATA_SHEET and issue.cell:
            per_cell.setdefault(issue.cell.split(":")[0], []).append(issue)
    for addr, found in per_cell.items():
        cell = sheet[addr]
        severe = any(i.severity == ERROR for i in found)
        color = BAD_FILL if severe else WARN_FILL
        cell.fill = PatternFill("solid", start_color=color, end_color=color)
        text = "\n".join(f"[{'GALAT' if i.severity == ERROR else 'PERINGATAN'}] {i.message}" for i in found)
        comment = Comment(clean_text(text, 2000), "kinerja-pipeline")
        comment.width, comment.height = 320, 160
        cell.comment = comment


def _set_text(cell: Any, value: Any) -> None:
    """Write ``value``; strings are forced to stay strings (never formulas), without the
    characters an .xlsx cannot hold (a unit's text quoted in a message, a file name)."""
    if isinstance(value, str):
        value = clean_text(value, EXCEL_CELL_MAX)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def _result_sheet(wb: Any, rules: Rules, plan: FormPlan | None, issues: list[Issue], file_name: str,
                  received_at: str, reviewer_note: str | None) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    if RESULT_SHEET in wb.sheetnames:
        del wb[RESULT_SHEET]
    sh = wb.create_sheet(RESULT_SHEET, 0)
    bold = Font(name="Arial", size=10, bold=True)
    plain = Font(name="Arial", size=10)
    _set_text(sh["A1"], "HASIL VALIDASI DATA KINERJA — TIDAK VALID")
    sh["A1"].font = Font(name="Arial", bold=True, size=13, color="9C0006")
    info = [("Instansi", rules.instansi)]
    if plan is not None:
        info += [("Unit", f"{rules.unit(plan.unit).nama} ({plan.unit})" if rules.has_unit(plan.unit) else plan.unit),
                 ("Periode", f"{quarter_label(plan.quarter)} {plan.year}")]
    info += [("Berkas diterima", file_name), ("Waktu diterima", received_at),
             ("Jumlah galat", str(sum(i.severity == ERROR for i in issues))),
             ("Jumlah peringatan", str(sum(i.severity != ERROR for i in issues)))]
    if reviewer_note:
        info.append(("Catatan pemeriksa", reviewer_note))
    row = 3
    for label, value in info:
        _set_text(sh.cell(row, 1), label)
        sh.cell(row, 1).font = bold
        sh.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        _set_text(sh.cell(row, 3), value)
        sh.cell(row, 3).font = plain
        row += 1
    row += 1
    _set_text(sh.cell(row, 1), "Cara memperbaiki: buka sheet 'Data Kinerja' di berkas ini, perbaiki setiap "
                                "sel yang ditandai merah (arahkan kursor ke sel untuk membaca catatannya), "
                                "simpan, lalu kirim kembali berkas ini. Sel kuning adalah peringatan.")
    sh.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    sh.cell(row, 1).font = plain
    sh.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
    sh.row_dimensions[row].height = 30
    row += 2
    header = ("No", "Kode masalah", "Tingkat", "Sel", "Pesan dan cara memperbaiki")
    fill = PatternFill("solid", start_color="1F4E78", end_color="1F4E78")
    header_row = row
    for col, title in enumerate(header, start=1):
        c = sh.cell(row, col)
        _set_text(c, title)
        c.font = Font(name="Arial", size=10, bold=True, color="FFFFFF")
        c.fill = fill
    for n, issue in enumerate(issues, start=1):
        row += 1
        values = (n, issue.code, "Galat" if issue.severity == ERROR else "Peringatan",
                  f"{issue.sheet}!{issue.cell}" if issue.cell else issue.sheet, issue.message)
        for col, value in enumerate(values, start=1):
            _set_text(sh.cell(row, col), value)
            sh.cell(row, col).alignment = Alignment(wrap_text=True, vertical="top")
            sh.cell(row, col).font = plain
        # LibreOffice does not grow rows for wrapped text written by openpyxl: size them here
        lines = max(1, -(-len(str(issue.message)) // 95), -(-len(issue.code) // 22))
        sh.row_dimensions[row].height = 13.5 * lines + 3
    for letter, width in zip("ABCDE", (5, 24, 12, 20, 100)):
        sh.column_dimensions[letter].width = width
    sh.page_setup.orientation = "landscape"
    sh.page_setup.paperSize = sh.PAPERSIZE_A4
    sh.page_setup.fitToWidth, sh.page_setup.fitToHeight = 1, 0
    sh.sheet_properties.pageSetUpPr.fitToPage = True
    sh.print_title_rows = f"{header_row}:{header_row}"
    sh.freeze_panes = sh.cell(row=header_row + 1, column=1)
    wb.active = 0
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == RESULT_SHEET
