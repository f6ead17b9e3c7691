"""The rekap stage: the rekap workbook and its tidy CSV twin, drawn from the rekap model.

:func:`write_rekap` has :func:`kinerja_pipeline.rekap_model.build_rekap` decide everything the
files show (numbers, marks, words) into a plain :class:`~kinerja_pipeline.rekap_model.Rekap`
model, then writes, atomically, into ``keluaran/``: :func:`write_workbook` and :func:`write_csv`
here only draw that model (the same two steps as :mod:`kinerja_pipeline.lkjip`).

``rekap_<tahun>_TW<n>.xlsx`` (xlsxwriter), sheets in this order:

- ``Ringkasan``: instansi, year, period, what data is included, reporting rate and on-time rate
  per quarter, indicators per predikat at the root for the (s.d.) year, mean skor per sasaran
  with a chart, and the signature block of ``penandatangan.rekap``;
- ``TW I`` … one per quarter so far, ``Semester I`` / ``Semester II`` once complete, ``Tahunan``
  (s.d. TW n): rows grouped sasaran → indikator → units as an Excel outline (the root row of an
  indicator at level 0, its children at level 1, theirs at level 2 …), frozen header, autofilter,
  number formats by the indicator's decimals, capaian and predikat coloured by predikat,
  A4 landscape, fit to width, repeated header, page numbers;
- ``Matriks Capaian``: units × indicators, the year's (s.d.) capaian, 3-colour scale;
- ``Anggaran``: pagu, realisasi, serapan per unit, per sasaran and per kegiatan;
- ``Status Pengumpulan``: every expected (unit, quarter): diterima / tidak valid / belum
  mengirim, date received, days late, approval level reached;
- ``Catatan Validasi``: every issue recorded in the ledger for the year.

Every computed number is written as a value (no formulas), unrounded — except capaian, written
rounded half-up to 2 decimals (``capaian_bulat``: the value its predikat is read from, so cell and
predikat agree). A figure that does not yet rest on every expected unit and quarter is marked:
"sementara: …" in Keterangan, "(sementara)" after its predikat, italic grey in the matrix.
Text that came from units (penjelasan, file names, messages) is written with ``write_string``,
so it can never become a formula or a link. The workbook holds no wall-clock
time: "data s.d." is the latest ``received_at`` of the data used, and the document's creation
date is derived from it, so the same ledger gives the same file.

``rekap_<tahun>_TW<n>.csv``: one row per (node, indikator, periode), columns :data:`CSV_COLUMNS`
(``triwulan``: the quarters covered, ``1,2,4``; ``lengkap``: ``ya``/``tidak``; ``predikat`` plain,
read from the rounded capaian). Numbers unrounded with ``.`` as the decimal point (``repr`` of
the float; integral values without ``.0``), empty where not computable. Encoding UTF-8 *with* a
byte-order mark, comma-separated, CRLF line ends (RFC 4180): the BOM makes Excel pick UTF-8 when the file is double-clicked, and
pandas (``read_csv``) and Python's ``csv`` with ``encoding="utf-8-sig"`` read it transparently.
Text cells starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return get a leading
``'`` (OWASP, "CSV Injection"), so no spreadsheet runs them as formulas; ``penjelasan`` (the
unit's own text, filled on the unit's own quarter rows) is where that matters. In both files a
unit's text loses the characters XML cannot hold and bidi overrides, and is cut at
:data:`~kinerja_pipeline.text.OUTPUT_TEXT_MAX` characters with a note (the ledger keeps it whole).

The summary and status sheets count as defined in :mod:`kinerja_pipeline.rekap_model`
(expected units, the current submission, diterima / tidak valid / belum mengirim, days late,
the rates, the approval level reached, ``only_approved``).
"""
from __future__ import annotations

import csv
import datetime as dt
import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd
import xlsxwriter

from . import ledger
from .charts import chart_sheet
from .csv_id import id_csv_path, write_id_csv
from .errors import KinerjaError
from .layout import APP_ID
from .printing import PRINT_SCALE, group_breaks, page_height, print_setup, wrapped_lines
from .periods import QUARTERS, quarters_of
from .rekap_model import (STATE_ACCEPTED, STATE_MISSING, STATE_REJECTED, Budget, BudgetLine, GroupRow,
                          IndicatorRow, Matrix, PeriodSheet, Rate, Rekap, SheetHead, Summary, _isnan,
                          build_rekap)
from .rules import Indicator, Rules
from .styles import (FONT, GROUP_FILL, HEADER_FILL, NA_FILL, SUBTOTAL_FILL, TOTAL_FILL, predikat_colors,
                     workbook_options)
from .text import csv_cell
from .workspace import Workspace, atomic_write, remove_stale_temporaries


SHEET_SUMMARY = "Ringkasan"
SHEET_MATRIX = "Matriks Capaian"
SHEET_CHARTS = "Grafik"
SHEET_BUDGET = "Anggaran"
SHEET_STATUS = "Status Pengumpulan"
SHEET_ISSUES = "Catatan Validasi"

CSV_COLUMNS = ["unit", "indikator", "periode", "target", "realisasi", "pembilang", "penyebut",
               "capaian", "skor", "predikat", "unit_melapor", "unit_diharapkan", "triwulan",
               "lengkap", "alasan", "penjelasan"]

#: Period-sheet columns: (header, width).
PERIOD_COLUMNS = [("Kode", 5), ("Kode unit", 12), ("Sasaran / indikator / unit", 23),
                  ("Satuan", 6), ("Target", 8), ("Realisasi", 8), ("Pembilang", 8),
                  ("Penyebut", 8), ("Capaian (%)", 7.5), ("Predikat", 10.5),
                  ("Unit melapor", 6.5), ("Unit diharapkan", 8.75), ("Triwulan tercakup", 7.5),
                  ("Keterangan", 12.75)]
PENJELASAN_COLUMN = ("Penjelasan / kendala unit", 17)
COL = {name: i for i, name in enumerate(
    ["kode", "unit", "uraian", "satuan", "target", "realisasi", "pembilang", "penyebut",
     "capaian", "predikat", "melapor", "diharapkan", "triwulan", "alasan", "penjelasan"])}

SASARAN_FILL, TOP_FILL, MID_FILL = GROUP_FILL, TOTAL_FILL, SUBTOTAL_FILL
COL_WIDTH_PREDIKAT = PERIOD_COLUMNS[COL["predikat"]][1]
_FIRST_ROW = 5  # 0-based row of the table header on the period, status and issue sheets


@dataclass(frozen=True)
class RekapResult:
    """What :func:`write_rekap` wrote (data only; :func:`kinerja_pipeline.reporting.rekap_text`
    words it for the CLI)."""

    xlsx: Path
    csv: Path
    id_csv: Path                 # the CSV's twin for Indonesian Excel (``;``-separated)
    frame: pd.DataFrame          # the aggregate (:func:`aggregate.aggregate`) behind both files
    year: int
    quarter: int
    only_approved: bool
    scope: str                   # the data coverage, as the workbook names it
    rates: tuple[Rate, ...]      # TW I … the quarter
    root: str                    # the top unit's kode ("" without units)
    predikat_counts: tuple[tuple[str, int], ...]  # the top unit's IKU per predikat, year s.d. the quarter
    used: int                    # submissions the figures rest on


def rekap_paths(ws: Workspace, year: int, quarter: int) -> tuple[Path, Path]:
    """``keluaran/rekap_<Y>_TW<Q>.xlsx`` and its ``.csv`` twin."""
    stem = ws.outputs / f"rekap_{year}_TW{quarter}"
    return stem.with_suffix(".xlsx"), stem.with_suffix(".csv")


# --------------------------------------------------------------------------- small helpers


def _csv_number(value: Any) -> str:
    if _isnan(value):
        return ""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    value = float(value)
    if math.isinf(value):
        return ""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def csv_text(value: Any) -> str:
    """Text for a CSV cell, cleaned and neutralised against formula injection (OWASP)."""
    return csv_cell(value)


def _height(lines: int, font_size: float = 9) -> float | None:
    """Row height (points) for ``lines`` wrapped lines; None (default height) for one line."""
    return None if lines <= 1 else round(lines * font_size * 1.3 + 2, 1)


# --------------------------------------------------------------------------- rendering: formats


class _Styles:
    """Cached xlsxwriter formats, built from small property dicts."""

    BASE = {"font_name": FONT, "font_size": 9, "valign": "top"}

    def __init__(self, wb: xlsxwriter.Workbook, bands: Iterable[Any]) -> None:
        self.wb = wb
        self._cache: dict[tuple, Any] = {}
        self._rows: dict[tuple, dict[str, Any]] = {}
        self.predikat_fill = predikat_colors(bands)
        self.title = self(font_size=13, bold=True)
        self.subtitle = self(font_size=10, bold=True)
        self.label = self()
        self.label_bold = self(bold=True)
        self.note = self(italic=True, font_color="#595959")
        self.header = self(bold=True, font_color="#FFFFFF", bg_color=HEADER_FILL, align="center",
                           valign="vcenter", text_wrap=True, border=1, border_color="#BFBFBF")
        self.cell = self(border=1, border_color="#BFBFBF")
        self.cell_wrap = self(border=1, border_color="#BFBFBF", text_wrap=True)
        self.cell_center = self(border=1, border_color="#BFBFBF", align="center")
        self.int = self(border=1, border_color="#BFBFBF", num_format="#,##0")
        self.pct = self(border=1, border_color="#BFBFBF", num_format="#,##0.00")
        self.rupiah = self(border=1, border_color="#BFBFBF", num_format="#,##0")
        self.date = self(border=1, border_color="#BFBFBF", num_format="dd/mm/yyyy", align="center")
        self.datetime = self(border=1, border_color="#BFBFBF", num_format="dd/mm/yyyy hh:mm",
                             align="center")

    def __call__(self, **props: Any) -> Any:
        key = tuple(sorted(props.items()))
        fmt = self._cache.get(key)
        if fmt is None:
            fmt = self._cache[key] = self.wb.add_format({**self.BASE, **props})
        return fmt

    def grid(self, **props: Any) -> Any:
        return self(border=1, border_color="#BFBFBF", **props)

    def row(self, kind: str, ind: Indicator | None, depth: int) -> dict[str, Any]:
        """The formats of a period-sheet row: ``kind`` sasaran, top, mid or leaf; numbers by the
        indicator's decimals; the uraian indented by ``depth``."""
        key = (kind, ind.kode if ind else "", depth)
        got = self._rows.get(key)
        if got is not None:
            return got
        bold = kind in ("sasaran", "top")
        fill = {"sasaran": SASARAN_FILL, "top": TOP_FILL, "mid": MID_FILL}.get(kind)
        base: dict[str, Any] = {"bold": bold}
        if fill:
            base["bg_color"] = fill
        g = self.grid
        dec = ind.desimal if ind else 0
        count_dec = 0 if (ind is None or ind.bilangan_bulat) else dec
        out = {
            "text": g(**base),
            "center": g(**base, align="center"),
            "uraian": (g(**base, align="left", indent=min(depth, 6), text_wrap=True)
                       if kind in ("mid", "leaf") else g(**base, text_wrap=kind != "sasaran")),
            "value": g(**base, num_format=_number_format(dec)),
            "count": g(**base, num_format=_number_format(count_dec)),
            "pct": g(**base, num_format="#,##0.00"),
            "int": g(**base, num_format="#,##0", align="center"),
            "note": g(**base, text_wrap=True),
            "predikat": {},
        }
        for name, color in self.predikat_fill.items():
            out["predikat"][name] = (g(**{**base, "bg_color": color}, num_format="#,##0.00"),
                                     g(**{**base, "bg_color": color}, align="center", text_wrap=True))
        self._rows[key] = out
        return out


def _number_format(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def _write_num(sh: Any, row: int, col: int, value: Any, fmt: Any) -> None:
    if _isnan(value):
        sh.write_blank(row, col, None, fmt)
    else:
        sh.write_number(row, col, float(value), fmt)


def _write_when(sh: Any, row: int, col: int, value: Any, fmt_dt: Any, fmt_text: Any) -> None:
    if isinstance(value, dt.datetime):
        sh.write_datetime(row, col, value, fmt_dt)
    elif isinstance(value, dt.date):
        sh.write_datetime(row, col, dt.datetime.combine(value, dt.time()), fmt_dt)
    elif value:
        sh.write_string(row, col, str(value), fmt_text)
    else:
        sh.write_blank(row, col, None, fmt_text)


def _sheet_head(sh: Any, st: _Styles, head: SheetHead) -> None:
    sh.write_string(0, 0, head.title, st.title)
    sh.write_string(1, 0, head.subtitle, st.subtitle)
    sh.write_string(2, 0, head.coverage, st.note)


def _table_header(sh: Any, st: _Styles, cols: list[tuple[str, float]], height: float) -> int:
    """Widths and titles of a table sheet's columns; returns the header row."""
    hr = _FIRST_ROW
    for i, (name, width) in enumerate(cols):
        sh.set_column(i, i, width)
        sh.write_string(hr, i, name, st.header)
    sh.set_row(hr, height)
    return hr


def _table_end(sh: Any, footer: str, hr: int, r: int, n_cols: int, frozen_cols: int) -> None:
    """Frozen header (and ``frozen_cols`` columns), autofilter down to row ``r``, print setup."""
    sh.freeze_panes(hr + 1, frozen_cols)
    sh.autofilter(hr, 0, max(r - 1, hr + 1), n_cols - 1)
    print_setup(sh, footer, header_rows=(hr, hr))


# --------------------------------------------------------------------------- rendering: the workbook


def write_workbook(model: Rekap, path: Path) -> None:
    """Draw ``model`` into the workbook ``path``, sheets in the order of the module docstring.

    The workbook is written with xlsxwriter's ``constant_memory`` (each row goes to disk when
    the next row starts: a third of the memory and faster at 1,000 units). So every ``_draw_*``
    function below writes its sheet strictly top to bottom: all cells of a row, its ``set_row``
    and a merged range starting on it, before anything on a later row (a write to an earlier row
    is silently lost). Column widths, frozen panes, filters, page breaks and print settings are
    sheet-wide and may come at any point.
    """
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False, "nan_inf_to_errors": False,
                                         "constant_memory": True, **workbook_options()})
    wb.set_properties({"title": model.title, "author": APP_ID, "company": model.instansi,
                       "created": model.created})
    st = _Styles(wb, model.bands)
    summary = wb.add_worksheet(SHEET_SUMMARY)
    _draw_summary(wb, summary, st, model.summary, model.footer)
    for sheet in model.periods:
        _draw_period(wb.add_worksheet(sheet.name), st, sheet, model.footer)
    _draw_matrix(wb.add_worksheet(SHEET_MATRIX), st, model.matrix, model.footer)
    sh = wb.add_worksheet(SHEET_CHARTS)
    chart_sheet(wb, sh, model.charts.title, model.charts.name, model.charts.charts)
    print_setup(sh, model.footer)
    _draw_budget(wb.add_worksheet(SHEET_BUDGET), st, model.budget, model.footer)
    _draw_status(wb.add_worksheet(SHEET_STATUS), st, model)
    _draw_issues(wb.add_worksheet(SHEET_ISSUES), st, model)
    summary.activate()
    wb.close()


def _note(sh: Any, st: _Styles, r: int, text: str, last_col: int = 9) -> None:
    """A note across the summary's columns, wrapped inside the printed page."""
    sh.merge_range(r, 0, r, last_col, text, st(italic=True, font_color="#595959", text_wrap=True))
    sh.set_row(r, _height(wrapped_lines(text, 30 + 12.5 * last_col)))


def _draw_summary(wb: Any, sh: Any, st: _Styles, m: Summary, footer: str) -> None:
    sh.set_column(0, 0, 30)
    sh.set_column(1, 9, 12.5)
    sh.hide_gridlines(2)
    sh.write_string(0, 0, m.title, st.title)
    sh.write_string(1, 0, m.instansi, st.subtitle)
    sh.write_string(2, 0, m.kementerian, st.label)
    r = 4
    for label, value in m.info:
        sh.write_string(r, 0, label, st.label_bold)
        sh.write_string(r, 1, value, st.label)
        r += 1
    r = _draw_rates(sh, st, m, r + 1)
    r = _draw_predikat(sh, st, m, r)
    r = _draw_scores(wb, sh, st, m, r)
    if m.signatory is not None:
        r += 1
        col = 6
        sh.write_string(r, col, "……………………, ……………………………", st.label)
        sh.write_string(r + 1, col, m.signatory.jabatan, st.label)
        sh.write_string(r + 6, col, m.signatory.nama, st(bold=True, underline=1))
        sh.write_string(r + 7, col, f"NIP. {m.signatory.nip}", st.label)
    print_setup(sh, footer)


RATE_HEADS = ["Triwulan", "Tenggat", "Unit diharapkan", "Unit mengirim (diterima)", "Tingkat pelaporan (%)",
              "Tepat waktu", "Ketepatan waktu (%)", "Tidak valid", "Belum mengirim", "Telah disahkan"]


def _draw_rates(sh: Any, st: _Styles, m: Summary, r: int) -> int:
    """A. completeness and timeliness per quarter, from row ``r``; returns the next free row."""
    sh.write_string(r, 0, "A. Kelengkapan dan ketepatan waktu pengumpulan data", st.subtitle)
    r += 1
    for c, h in enumerate(RATE_HEADS):
        sh.write_string(r, c, h, st.header)
    sh.set_row(r, 36)
    r += 1
    for row in m.rates:
        sh.write_string(r, 0, row.label, st.cell)
        _write_when(sh, r, 1, row.deadline, st.date, st.cell_center)
        sh.write_number(r, 2, row.rate.expected, st.int)
        sh.write_number(r, 3, row.rate.accepted, st.int)
        _write_num(sh, r, 4, row.reporting, st.pct)
        if row.no_deadline:
            sh.write_string(r, 5, row.no_deadline, st.cell)
            sh.write_blank(r, 6, None, st.pct)
        else:
            sh.write_number(r, 5, row.rate.on_time, st.int)
            _write_num(sh, r, 6, row.timely, st.pct)
        sh.write_number(r, 7, row.rejected, st.int)
        sh.write_number(r, 8, row.missing, st.int)
        sh.write_number(r, 9, row.approved, st.int)
        r += 1
    _note(sh, st, r, "Tingkat pelaporan dan ketepatan waktu dihitung terhadap unit yang diharapkan; tepat "
          "waktu = data valid yang berlaku diterima paling lambat pada tanggal tenggat.")
    return r + 2


def _draw_predikat(sh: Any, st: _Styles, m: Summary, r: int) -> int:
    """B. the top unit's indicators per predikat, then the colour legend."""
    sh.write_string(r, 0, m.predikat_title, st.subtitle)
    r += 1
    for c, h in enumerate(["Predikat", "Jumlah indikator", "Persentase (%)"]):
        sh.write_string(r, c, h, st.header)
    r += 1
    for row in m.predikat:
        fill = st.predikat_fill.get(row.name)
        sh.write_string(r, 0, row.name, st.grid(bg_color=fill) if fill else st.cell)
        sh.write_number(r, 1, row.count, st.int)
        _write_num(sh, r, 2, row.percent, st.pct)
        r += 1
    sh.write_string(r, 0, "Jumlah", st.grid(bold=True))
    sh.write_number(r, 1, m.indicators, st.grid(bold=True, num_format="#,##0"))
    sh.write_blank(r, 2, None, st.cell)
    r += 1
    if m.provisional:
        _note(sh, st, r, m.provisional)
        r += 1
    r += 1
    sh.write_string(r, 0, "Keterangan warna predikat (capaian, dibulatkan 2 desimal)", st.label_bold)
    r += 1
    for name, span, color in m.legend:
        sh.write_string(r, 0, name, st.grid(bg_color=color))
        sh.merge_range(r, 1, r, 3, span, st.label)
        r += 1
    return r + 1


def _draw_scores(wb: Any, sh: Any, st: _Styles, m: Summary, r: int) -> int:
    """C. the mean skor per sasaran, with a chart below the table."""
    sh.write_string(r, 0, m.scores_title, st.subtitle)
    r += 1
    for col, h in ((0, "Kode"), (1, "Sasaran"), (6, "Skor rata-rata"), (7, "Indikator dinilai")):
        if col == 1:
            sh.merge_range(r, 1, r, 5, h, st.header)
        else:
            sh.write_string(r, col, h, st.header)
    r += 1
    first = r
    for row in m.scores:
        sh.write_string(r, 0, row.kode, st.cell)
        sh.merge_range(r, 1, r, 5, "", st.cell_wrap)
        sh.write_string(r, 1, row.nama, st.cell_wrap)
        _write_num(sh, r, 6, row.skor, st.pct)
        sh.write_string(r, 7, row.dinilai, st.cell_center)
        sh.set_row(r, _height(wrapped_lines(row.nama, 5 * 12.5)))
        r += 1
    if not m.scores:
        return r
    chart = wb.add_chart({"type": "column"})
    chart.add_series({
        "name": "Skor rata-rata",
        "categories": [SHEET_SUMMARY, first, 0, r - 1, 0],
        "values": [SHEET_SUMMARY, first, 6, r - 1, 6],
        "fill": {"color": "#2E75B6"},
        "data_labels": {"value": True, "num_format": "#,##0.00"},
    })
    chart.set_title({"name": m.chart_title, "name_font": {"name": FONT, "size": 10, "bold": True}})
    chart.set_legend({"none": True})
    y_axis: dict[str, Any] = {"min": 0, "num_font": {"name": FONT, "size": 10},
                              "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}}
    if m.score_cap is not None:  # skor never exceeds the cap: a fixed scale compares across rekaps
        y_axis.update(max=m.score_cap, major_unit=20 if m.score_cap > 40 else None)
    chart.set_y_axis({k: v for k, v in y_axis.items() if v is not None})
    chart.set_x_axis({"num_font": {"name": FONT, "size": 10}})
    chart.set_size({"width": 620, "height": 280})
    sh.insert_chart(r + 1, 0, chart, {"x_offset": 4, "y_offset": 4})
    return r + 16


def _draw_period(sh: Any, st: _Styles, sheet: PeriodSheet, footer: str) -> None:
    """A period sheet; page breaks before a sasaran where its group would not fit."""
    columns = PERIOD_COLUMNS + ([PENJELASAN_COLUMN] if sheet.penjelasan else [])
    _sheet_head(sh, st, sheet.head)
    hr = _table_header(sh, st, columns, 38)
    sh.outline_settings(True, False, True, False)
    heights: list[float] = []
    starts: list[int] = []
    r = hr + 1
    for row in sheet.rows:
        if isinstance(row, GroupRow):
            if row.kode is not None:
                starts.append(r - hr - 1)
            height = _draw_group_row(sh, st, r, row, len(columns))
        else:
            height = _draw_indicator_row(sh, st, r, row, sheet.penjelasan)
        heights.append(height or 12.75)
        r += 1
    if r == hr + 1:
        sh.write_string(r, COL["uraian"], "Belum ada data.", st.note)
    _table_end(sh, footer, hr, r, len(columns), COL["uraian"] + 1)
    page = page_height(landscape=True, scale=PRINT_SCALE, top=0.5, bottom=0.6, titles=38)
    breaks = group_breaks(heights, starts, page, page - 3 * 16 - 12.75)
    if breaks:
        sh.set_h_pagebreaks([hr + 1 + b for b in breaks])


_URAIAN_W = PERIOD_COLUMNS[COL["uraian"]][1]
_ALASAN_W = PERIOD_COLUMNS[COL["alasan"]][1]


def _draw_group_row(sh: Any, st: _Styles, r: int, row: GroupRow, n_cols: int) -> float | None:
    """A level heading or a sasaran row at row ``r``; returns its height."""
    f = st.row("sasaran", None, 0)
    height = 18 if row.kode is None else _height(max(wrapped_lines(row.note, _ALASAN_W),
                                                      wrapped_lines(row.uraian, _URAIAN_W, 10)))
    sh.set_row(r, height, None, {"level": 0})
    if row.kode is None:
        sh.write_blank(r, COL["kode"], None, f["text"])
    else:
        sh.write_string(r, COL["kode"], row.kode, f["text"])
    sh.write_blank(r, COL["unit"], None, f["text"])
    sh.write_string(r, COL["uraian"], row.uraian, f["uraian"])
    for col in range(COL["satuan"], n_cols):
        sh.write_blank(r, col, None, f["text"])
    if row.note:
        _write_num(sh, r, COL["capaian"], row.skor, f["pct"])
        sh.write_string(r, COL["alasan"], row.note, f["note"])
    return height


def _draw_indicator_row(sh: Any, st: _Styles, r: int, row: IndicatorRow, penjelasan: bool) -> float | None:
    """One indicator row at row ``r``; returns its height."""
    ind = row.indicator
    f = st.row(row.style, ind, row.depth)
    if row.unit is None:  # the indicator's title row
        height = _height(wrapped_lines(row.uraian, _URAIAN_W, 10))
        sh.set_row(r, height, None, {"level": 0})
        sh.write_string(r, COL["kode"], ind.kode, f["text"])
        sh.write_blank(r, COL["unit"], None, f["text"])
        sh.write_string(r, COL["uraian"], row.uraian, f["uraian"])
        sh.write_string(r, COL["satuan"], ind.satuan, f["center"])
        for col in range(COL["target"], COL["penjelasan"] + penjelasan):
            sh.write_blank(r, col, None, f["text"])
        return height
    lines = wrapped_lines(row.uraian, _URAIAN_W - 1.5 * min(row.depth, 6), 10 if row.depth == 0 else 9)
    if row.keterangan:
        lines = max(lines, wrapped_lines(row.keterangan, _ALASAN_W))
    if row.penjelasan:
        lines = max(lines, wrapped_lines(row.penjelasan, PENJELASAN_COLUMN[1]))
    height = _height(max(lines, wrapped_lines(row.predikat_shown or "", COL_WIDTH_PREDIKAT)))
    sh.set_row(r, height, None, {"level": min(row.depth, 7)})
    sh.write_string(r, COL["kode"], ind.kode, f["text"])
    sh.write_string(r, COL["unit"], row.unit, f["text"])
    sh.write_string(r, COL["uraian"], row.uraian, f["uraian"])
    sh.write_string(r, COL["satuan"], ind.satuan, f["center"])
    for col, v, fmt in ((COL["target"], row.target, f["value"]), (COL["realisasi"], row.realisasi, f["value"]),
                        (COL["pembilang"], row.pembilang, f["count"]), (COL["penyebut"], row.penyebut, f["count"])):
        if v == v:
            sh.write_number(r, col, v, fmt)
        else:
            sh.write_blank(r, col, None, fmt)
    pf = f["predikat"].get(row.predikat)
    if row.capaian == row.capaian:
        sh.write_number(r, COL["capaian"], row.capaian, pf[0] if pf else f["pct"])
    elif row.capaian_dash:
        sh.write_string(r, COL["capaian"], "—", f["center"])
    else:
        sh.write_blank(r, COL["capaian"], None, f["pct"])
    if row.predikat:
        sh.write_string(r, COL["predikat"], row.predikat_shown, pf[1] if pf else f["center"])
    else:
        sh.write_blank(r, COL["predikat"], None, f["center"])
    sh.write_number(r, COL["melapor"], row.melapor, f["int"])
    sh.write_number(r, COL["diharapkan"], row.diharapkan, f["int"])
    sh.write_string(r, COL["triwulan"], row.triwulan, f["center"])
    sh.write_string(r, COL["alasan"], row.keterangan, f["note"])
    if penjelasan:
        sh.write_string(r, COL["penjelasan"], row.penjelasan, f["note"])
    return height


MATRIX_LEGEND = ("Sel abu-abu: indikator tidak dilaporkan unit itu; sel kosong: capaian belum dapat "
                 "dihitung; angka miring abu-abu: sementara (belum semua unit mengirim semua triwulan). "
                 "Warna: skala 3 warna dari merah (rendah) ke hijau (tinggi) menurut batas predikat.")


def _draw_matrix(sh: Any, st: _Styles, m: Matrix, footer: str) -> None:
    _sheet_head(sh, st, m.head)
    n = max(len(m.indicators), 1)
    hr = _FIRST_ROW
    sh.set_column(0, 0, 12)
    sh.set_column(1, 1, 30)
    sh.set_column(2, 1 + n, max(7.5, min(11.0, 104 / n)))
    sh.set_row(3, _height(wrapped_lines(MATRIX_LEGEND, 12 + 30 + 8 * n)))
    sh.merge_range(3, 0, 3, 1 + n, MATRIX_LEGEND, st(italic=True, font_color="#595959", text_wrap=True))
    sh.write_string(hr, 0, "Kode unit", st.header)
    sh.write_string(hr, 1, "Unit", st.header)
    for j, (kode, _) in enumerate(m.indicators):
        sh.write_string(hr, 2 + j, kode, st.header)
    sh.set_row(hr, 24)
    sh.outline_settings(True, False, True, False)
    na = st.grid(bg_color=NA_FILL)
    provisional = st.grid(num_format="#,##0.00", italic=True, font_color="#7F7F7F")
    r = hr + 1
    for row in m.rows:
        props: dict[str, Any] = {"bold": row.depth == 0}
        if row.depth == 0 or row.parent:
            props["bg_color"] = TOP_FILL if row.depth == 0 else MID_FILL
        sh.set_row(r, None, None, {"level": min(row.depth, 7)})
        sh.write_string(r, 0, row.kode, st.grid(**props))
        sh.write_string(r, 1, row.nama, st.grid(**props, align="left", indent=min(row.depth, 6)))
        for j, cell in enumerate(row.cells):
            if cell is None:
                sh.write_blank(r, 2 + j, None, na)
            else:
                _write_num(sh, r, 2 + j, cell[0], st.pct if cell[1] else provisional)
        r += 1
    last = max(r - 1, hr + 1)
    if m.indicators and m.rows:
        spec: dict[str, Any] = {"type": "3_color_scale", "min_color": "#F8696B",
                                "mid_color": "#FFEB84", "max_color": "#63BE7B"}
        if m.scale is not None:
            spec.update(min_type="num", min_value=m.scale[0], mid_type="num", mid_value=m.scale[1],
                        max_type="num", max_value=m.scale[2])
        sh.conditional_format(hr + 1, 2, last, 1 + len(m.indicators), spec)
    r = max(r, hr + 2) + 1
    sh.write_string(r, 0, "Kode indikator:", st.label_bold)
    for kode, nama in m.indicators:
        r += 1
        sh.write_string(r, 0, kode, st.label)
        sh.write_string(r, 1, nama, st.label)
    sh.freeze_panes(hr + 1, 2)
    sh.autofilter(hr, 0, last, 1 + n)
    print_setup(sh, footer, header_rows=(hr, hr))


BUDGET_HEADS = ["Kode", "Kode unit", "Uraian", "Pagu (Rp)", "Realisasi (Rp)", "Serapan (%)", "Skor kinerja",
                "Unit melapor", "Unit diharapkan", "Triwulan tercakup"]
BUDGET_WIDTHS = [12, 11, 32, 14, 14, 8, 8, 7, 8, 8]


def _draw_budget(sh: Any, st: _Styles, m: Budget, footer: str) -> None:
    _sheet_head(sh, st, m.head)
    for col, w in enumerate(BUDGET_WIDTHS):
        sh.set_column(col, col, w)
    sh.outline_settings(True, False, True, False)
    r = _FIRST_ROW - 1
    if not m.tables:
        sh.write_string(r, 0, "Belum ada pagu untuk tahun ini dalam aturan.", st.note)
        print_setup(sh, footer)
        return
    first_table = r + 1  # the first table's header row
    for n, table in enumerate(m.tables):
        r += 1 if n else 0
        sh.write_string(r, 0, table.title, st.subtitle)
        for col in table.columns:
            sh.write_string(r + 1, col, BUDGET_HEADS[col], st.header)
        sh.set_row(r + 1, 30)
        r += 2
        for line in table.lines:
            _draw_budget_line(sh, st, r, line, table.columns)
            r += 1
    sh.write_string(r + 1, 0, m.note, st.note)
    sh.freeze_panes(first_table + 1, 0)
    print_setup(sh, footer, header_rows=(first_table, first_table))


def _draw_budget_line(sh: Any, st: _Styles, r: int, line: BudgetLine, shown: tuple[int, ...]) -> None:
    bold = line.kind in ("group", "top")
    fill = SASARAN_FILL if line.kind == "group" else (TOP_FILL if line.kind == "top" else None)
    props: dict[str, Any] = {"bold": bold}
    if fill:
        props["bg_color"] = fill
    indent = 0 if bold else min(line.depth, 6)
    sh.set_row(r, _height(wrapped_lines(line.name, 32 - 1.5 * indent, 10 if bold else 9)), None,
               {"level": 0 if line.kind == "group" else min(line.depth, 7)})
    if 0 in shown:
        sh.write_string(r, 0, line.kode, st.grid(**props))
    sh.write_string(r, 1, line.node, st.grid(**props))
    sh.write_string(r, 2, line.name, st.grid(**props, text_wrap=True, align="left", indent=indent))
    _write_num(sh, r, 3, line.pagu, st.grid(**props, num_format="#,##0"))
    _write_num(sh, r, 4, line.realisasi, st.grid(**props, num_format="#,##0"))
    _write_num(sh, r, 5, line.serapan, st.grid(**props, num_format="#,##0.00"))
    if 6 in shown:
        _write_num(sh, r, 6, line.skor, st.grid(**props, num_format="#,##0.00"))
    if 7 in shown:
        _write_num(sh, r, 7, line.melapor, st.grid(**props, num_format="#,##0", align="center"))
        _write_num(sh, r, 8, line.diharapkan, st.grid(**props, num_format="#,##0", align="center"))
        sh.write_string(r, 9, line.triwulan, st.grid(**props, align="center"))


STATUS_COLUMNS = [("Triwulan", 7), ("Kode unit", 11), ("Nama unit", 17), ("Unit induk", 10), ("Status", 9),
                  ("Diterima", 14.5), ("Tenggat", 10), ("Terlambat (hari)", 8), ("Jumlah kiriman", 6.5),
                  ("Berkas", 14), ("Persetujuan", 14), ("Tingkat persetujuan tercapai", 10), ("Keterangan", 17)]


def _draw_status(sh: Any, st: _Styles, model: Rekap) -> None:
    _sheet_head(sh, st, model.status_head)
    hr = _table_header(sh, st, STATUS_COLUMNS, 38)
    state_fmt = {STATE_ACCEPTED: st.grid(bg_color="#C6EFCE", align="center", text_wrap=True),
                 STATE_REJECTED: st.grid(bg_color="#FFC7CE", align="center", text_wrap=True),
                 STATE_MISSING: st.grid(bg_color="#FFEB9C", align="center", text_wrap=True)}
    late_fmt = st.grid(num_format="#,##0", align="center")
    late_bad = st.grid(num_format="#,##0", align="center", font_color="#C00000", bold=True)
    w = dict(STATUS_COLUMNS)
    r = hr + 1
    for s in model.status:
        sh.set_row(r, _height(max(wrapped_lines(s.reason, w["Keterangan"]), wrapped_lines(s.file_name, w["Berkas"]),
                                  wrapped_lines(s.nama, w["Nama unit"]), wrapped_lines(s.approvals, w["Persetujuan"]),
                                  wrapped_lines(s.kode, w["Kode unit"]),
                                  wrapped_lines(s.state, w["Status"]),
                                  wrapped_lines(s.reached, w["Tingkat persetujuan tercapai"]))))
        sh.write_string(r, 0, s.quarter, st.cell_center)
        sh.write_string(r, 1, s.kode, st.cell_wrap)  # a long code breaks after its hyphen
        sh.write_string(r, 2, s.nama, st.cell_wrap)
        sh.write_string(r, 3, s.induk, st.cell)
        sh.write_string(r, 4, s.state, state_fmt[s.state])
        _write_when(sh, r, 5, s.received, st.datetime, st.cell)
        _write_when(sh, r, 6, s.deadline, st.date, st.cell)
        _write_num(sh, r, 7, s.days_late, late_bad if s.days_late else late_fmt)
        sh.write_number(r, 8, s.sent, st.int)
        sh.write_string(r, 9, s.file_name, st.cell_wrap)
        sh.write_string(r, 10, s.approvals, st.cell_wrap)
        sh.write_string(r, 11, s.reached, st.cell_wrap)
        sh.write_string(r, 12, s.reason, st.cell_wrap)
        r += 1
    _table_end(sh, model.footer, hr, r, len(STATUS_COLUMNS), 3)


ISSUE_COLUMNS = [("No", 4), ("Berkas", 15), ("Unit", 12.5), ("Triwulan", 7), ("Hasil", 9), ("Diterima", 14.5),
                 ("Kode", 15), ("Tingkat", 9), ("Letak", 15), ("Pesan", 46)]


def _draw_issues(sh: Any, st: _Styles, model: Rekap) -> None:
    _sheet_head(sh, st, model.issues_head)
    hr = _table_header(sh, st, ISSUE_COLUMNS, 20)
    sev_fmt = {"error": st.grid(font_color="#C00000", bold=True, align="center"),
               "warning": st.grid(font_color="#9C5700", align="center")}
    w = dict(ISSUE_COLUMNS)
    r = hr + 1
    for n, row in enumerate(model.issues, start=1):
        sh.set_row(r, _height(max(wrapped_lines(row.file_name, w["Berkas"]), wrapped_lines(row.code, w["Kode"]),
                                  wrapped_lines(row.message, w["Pesan"]), wrapped_lines(row.place, w["Letak"]))))
        sh.write_number(r, 0, n, st.int)
        sh.write_string(r, 1, row.file_name, st.cell_wrap)
        sh.write_string(r, 2, row.unit, st.cell)
        sh.write_string(r, 3, row.quarter, st.cell_center)
        sh.write_string(r, 4, row.outcome, st.cell_center)
        _write_when(sh, r, 5, row.received, st.datetime, st.cell)
        sh.write_string(r, 6, row.code, st.cell_wrap)
        sh.write_string(r, 7, row.severity_word, sev_fmt.get(row.severity, st.cell))
        sh.write_string(r, 8, row.place, st.cell_wrap)
        sh.write_string(r, 9, row.message, st.cell_wrap)
        r += 1
    if r == hr + 1:
        sh.write_string(r, 1, "Tidak ada catatan validasi.", st.note)
    _table_end(sh, model.footer, hr, r, len(ISSUE_COLUMNS), 0)


# --------------------------------------------------------------------------- rendering: the CSV


def write_csv(model: Rekap, path: Path) -> None:
    """The CSV twin: one row per aggregate row (see the module docstring for the format)."""
    t = model.table
    c = t.columns
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh, lineterminator="\r\n")
        out.writerow(CSV_COLUMNS)
        numbers = ("target", "realisasi", "pembilang", "penyebut", "capaian", "skor")
        for i in range(t.rows):
            per = c["periode"][i]
            node, ind = c["node"][i], c["indikator"][i]
            text = t.penjelasan.get((node, int(per[2:]), ind), "") if per.startswith("TW") else ""
            out.writerow([csv_text(node), csv_text(ind), csv_text(per),
                          *(_csv_number(c[k][i]) for k in numbers),
                          csv_text(c["predikat"][i]), _csv_number(c["unit_melapor"][i]),
                          _csv_number(c["unit_diharapkan"][i]),
                          ",".join(map(str, quarters_of(c["triwulan"][i]))),
                          "ya" if c["lengkap"][i] else "tidak",
                          csv_text(c["alasan"][i]), csv_text(text)])


# --------------------------------------------------------------------------- entry point


def write_rekap(ws: Workspace, rules: Rules, year: int, quarter: int | None = None, *,
                only_approved: bool = False, conn: sqlite3.Connection | None = None) -> RekapResult:
    """Write ``keluaran/rekap_<year>_TW<q>.xlsx`` and its CSV twin from the ledger.

    ``quarter`` None: the latest quarter with an accepted submission (1 if none). ``conn``: an
    open ledger connection (left open); by default ``ws.ledger`` is opened and closed again (a
    workspace without a ledger gives an empty rekap and creates no ledger file).
    ``only_approved``: use only submissions approved at the top level of ``policy.persetujuan``.
    """
    rules.require_year(year)
    if quarter is not None and quarter not in QUARTERS:
        raise KinerjaError(f"Triwulan harus 1 sampai 4, bukan {quarter}.")
    if only_approved and not rules.policy.persetujuan:
        raise KinerjaError("Rekap hanya data yang telah disahkan tidak dapat dibuat: "
                           "rules/kebijakan.yaml belum menetapkan jenjang persetujuan.")
    own = conn is None
    if own:
        conn = ledger.connect(ws.ledger if ws.ledger.exists() else Path(":memory:"))
    try:
        q = quarter if quarter is not None else ledger.latest_quarter(conn, year)
        model = build_rekap(rules, year, q, conn, only_approved=only_approved)
    finally:
        if own:
            conn.close()
    xlsx_path, csv_path = rekap_paths(ws, year, q)
    remove_stale_temporaries(ws.outputs)  # what a killed earlier run left half-written
    atomic_write(xlsx_path, lambda tmp: write_workbook(model, tmp))
    atomic_write(csv_path, lambda tmp: write_csv(model, tmp))
    decimals = {i.kode: i.desimal for i in rules.indicators}
    id_csv = id_csv_path(csv_path)
    atomic_write(id_csv, lambda tmp: write_id_csv(csv_path, tmp, decimals.get))
    return RekapResult(xlsx_path, csv_path, id_csv, model.frame, year, q, only_approved, model.scope,
                       tuple(model.rates), model.root, tuple(model.predikat_counts), model.used)
