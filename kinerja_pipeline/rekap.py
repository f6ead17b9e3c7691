"""The rekap workbook and its tidy CSV twin.

:func:`write_rekap` reads the ledger, rolls the data up with :mod:`kinerja_pipeline.aggregate`
and writes, atomically, into ``keluaran/``:

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
the float; integral values without ``.0``), empty where not computable. Encoding UTF-8 *with* a byte-order mark, comma-separated,
CRLF line ends (RFC 4180): the BOM makes Excel pick UTF-8 when the file is double-clicked, and
pandas (``read_csv``) and Python's ``csv`` with ``encoding="utf-8-sig"`` read it transparently.
Text cells starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return get a leading
``'`` (OWASP, "CSV Injection"), so no spreadsheet runs them as formulas; ``penjelasan`` (the
unit's own text, filled on the unit's own quarter rows) is where that matters. In both files a
unit's text loses the characters XML cannot hold and bidi overrides, and is cut at
:data:`~kinerja_pipeline.text.OUTPUT_TEXT_MAX` characters with a note (the ledger keeps it whole).

Definitions used on the summary and status sheets:

- expected units: ``rules.reporting_units`` (one form each per quarter);
- the *current* submission of a unit and quarter is the ledger's (:func:`ledger.collection_state`):
  the accepted one with the latest received time, unless a reviewer rejected it;
- *diterima*: the unit has a current submission for the quarter; *tidak valid*: it sent files
  but none is current (rejected by ingest or by a reviewer); *belum mengirim*: nothing
  recognised as its form;
- received = ``received_at`` of the current submission (else of the latest one sent); days late =
  received date − ``policy.deadline(year, quarter)``, 0 when on or before it (whole days, by
  date). This is the same rule as ``kinerja status``;
- reporting rate = units diterima ÷ expected units; on-time rate = units diterima with 0 days
  late ÷ expected units (no deadline set: any valid data is on time);
- approval level reached: the highest level (in ``policy.persetujuan`` order) whose latest
  action on the current submission is ``approve``;
- ``only_approved``: only submissions whose latest action at the top level is ``approve``.
"""
from __future__ import annotations

import csv
import datetime as dt
import math
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd
import xlsxwriter

from . import ledger
from .aggregate import (CAKUPAN_TEXT, aggregate, aggregate_budget, budget_by_sasaran, coverage_mark,
                        own_rows, predikat_mark, sasaran_scores)
from .charts import Bar, BarChart, LineChart, chart_sheet
from .csv_id import id_csv_path, write_id_csv
from .errors import KinerjaError
from .layout import APP_ID, place_words
from .numbers import format_id
from .printing import group_breaks, page_height
from .periods import QUARTERS, ROMAN, period_label, periods_up_to, quarter_label, quarters_of
from .rules import Indicator, Rules, Unit
from .styles import (CHART_FILL, FONT, GROUP_FILL, HEADER_FILL, NA_FILL, SUBTOTAL_FILL, TOTAL_FILL,
                     date_id, predikat_colors, predikat_legend, workbook_options)
from .text import OUTPUT_TEXT_MAX, clean_text, csv_cell
from .workspace import Workspace, atomic_write, remove_stale_temporaries

SHEET_SUMMARY = "Ringkasan"
#: The name suffix of a unit's own row below its node row (a unit that reports and has
#: reporting units below it: the node row is its value with theirs).
OWN_ROW_WORDS = "unit itu sendiri"
#: Headings of the indicator groups of the period sheets (when the rules use more than one level).
TINGKAT_HEADINGS = {"instansi": "INDIKATOR KINERJA UTAMA (IKU) INSTANSI",
                    "unit": "INDIKATOR KINERJA PROGRAM/KEGIATAN UNIT",
                    "individu": "INDIKATOR KINERJA INDIVIDU (IKI) PEGAWAI"}
SHEET_MATRIX = "Matriks Capaian"
SHEET_CHARTS = "Grafik"
SHEET_BUDGET = "Anggaran"
SHEET_STATUS = "Status Pengumpulan"
SHEET_ISSUES = "Catatan Validasi"

STATE_ACCEPTED = "diterima"
STATE_REJECTED = "tidak valid"
STATE_MISSING = "belum mengirim"

APPROVED_ONLY = "hanya data yang telah disahkan"
ALL_ACCEPTED = "semua data valid yang diterima"

CSV_COLUMNS = ["unit", "indikator", "periode", "target", "realisasi", "pembilang", "penyebut",
               "capaian", "skor", "predikat", "unit_melapor", "unit_diharapkan", "triwulan",
               "lengkap", "alasan", "penjelasan"]

#: Period-sheet columns: (header, width).
PERIOD_COLUMNS = [("Kode", 5), ("Kode unit", 12), ("Sasaran / indikator / unit", 23),
                  ("Satuan", 6), ("Target", 8), ("Realisasi", 8), ("Pembilang", 8),
                  ("Penyebut", 8), ("Capaian (%)", 7.5), ("Predikat", 10.5),
                  ("Unit melapor", 6.5), ("Unit diharapkan", 7.5), ("Triwulan tercakup", 7.5),
                  ("Keterangan", 14)]
PENJELASAN_COLUMN = ("Penjelasan / kendala unit", 17)
COL = {name: i for i, name in enumerate(
    ["kode", "unit", "uraian", "satuan", "target", "realisasi", "pembilang", "penyebut",
     "capaian", "predikat", "melapor", "diharapkan", "triwulan", "alasan", "penjelasan"])}
#: every sheet prints on A4 at this scale: the 9 pt table text prints at 8 pt or more
PRINT_SCALE = 90

SASARAN_FILL, TOP_FILL, MID_FILL = GROUP_FILL, TOTAL_FILL, SUBTOTAL_FILL
COL_WIDTH_PREDIKAT = PERIOD_COLUMNS[COL["predikat"]][1]
_FIRST_ROW = 5  # 0-based row of the table header on the period, status and issue sheets
_OUTCOME_WORDS = {"accepted": "diterima", "rejected": "tidak valid",
                  "unrecognised": "tidak dikenali", "duplicate": "duplikat"}
_SEVERITY_WORDS = {"error": "kesalahan", "warning": "peringatan"}


@dataclass(frozen=True)
class RekapResult:
    """What :func:`write_rekap` wrote."""

    xlsx: Path
    csv: Path
    frame: pd.DataFrame          # the aggregate (:func:`aggregate.aggregate`) behind both files
    summary: list[str]           # short Indonesian lines for the CLI
    year: int
    quarter: int
    only_approved: bool


def rekap_paths(ws: Workspace, year: int, quarter: int) -> tuple[Path, Path]:
    """``keluaran/rekap_<Y>_TW<Q>.xlsx`` and its ``.csv`` twin."""
    stem = ws.outputs / f"rekap_{year}_TW{quarter}"
    return stem.with_suffix(".xlsx"), stem.with_suffix(".csv")


# --------------------------------------------------------------------------- ledger state


@dataclass
class _Status:
    unit: Unit
    quarter: int
    state: str
    received: dt.datetime | str | None = None
    deadline: dt.date | None = None
    days_late: int | None = None
    on_time: bool = False
    sent: int = 0
    file_name: str = ""
    approved_levels: list[str] = field(default_factory=list)
    top_approved: bool = False
    reason: str = ""


@dataclass
class _State:
    values: pd.DataFrame
    budget: pd.DataFrame
    issues: pd.DataFrame
    status: list[_Status]
    used_ids: set[int]
    data_asof: dt.datetime | None


def _parse_time(text: Any) -> dt.datetime | str | None:
    if text is None or (isinstance(text, float) and math.isnan(text)) or str(text).strip() == "":
        return None
    try:
        return dt.datetime.fromisoformat(str(text).strip()).replace(tzinfo=None)
    except ValueError:
        return str(text)


def _read_state(conn: sqlite3.Connection, rules: Rules, year: int, quarter: int,
                only_approved: bool) -> _State:
    levels = [lv.level for lv in rules.policy.persetujuan]
    names = {lv.level: lv.nama for lv in rules.policy.persetujuan}
    state = ledger.collection_state(conn, year, levels=levels)
    status: list[_Status] = []
    for q in range(1, quarter + 1):
        deadline = rules.policy.deadline(year, q)
        for unit in _preorder(rules, [u.kode for u in rules.reporting_units]):
            slot = state.slot(unit.kode, q)
            st = _Status(unit, q, STATE_MISSING, deadline=deadline, sent=len(slot.sent))
            shown = slot.shown
            if shown is not None:
                st.file_name = clean_text(shown["file_name"], 300)
                st.received = _parse_time(shown["received_at"])
                if deadline is not None and isinstance(st.received, dt.datetime):
                    st.days_late = max((st.received.date() - deadline).days, 0)
            if slot.current is not None:
                st.state = STATE_ACCEPTED
                st.on_time = not st.days_late  # no deadline: any valid data is on time
                st.approved_levels = [lv for lv in levels if lv in slot.standing]
                st.top_approved = bool(levels) and levels[-1] in slot.standing
            elif shown is not None:
                st.state = STATE_REJECTED
                rejection = slot.review_rejection if slot.state == ledger.REJECTED else None
                if rejection is not None:
                    st.reason = clean_text(f"Ditolak pada tahap {names.get(rejection['level'], rejection['level'])}"
                                           f" oleh {rejection['by_name']}: {rejection['note']}", OUTPUT_TEXT_MAX)
                else:
                    st.reason = clean_text(shown["reason"], OUTPUT_TEXT_MAX) or "Tidak valid pada pemeriksaan otomatis."
            status.append(st)

    used_rows = state.current(upto=quarter, only_approved=only_approved)
    used = {int(r["id"]) for r in used_rows}
    values = ledger.values_frame(conn, year, used)
    budget = ledger.budget_frame(conn, year, used)
    issues = ledger.issues_frame(conn, year)
    for col, limit in (("file_name", 300), ("message", OUTPUT_TEXT_MAX)):  # what units sent, quoted
        issues[col] = [clean_text(v, limit) for v in issues[col]]
    times = [_parse_time(sub["received_at"]) for sub in used_rows]
    times = [t for t in times if isinstance(t, dt.datetime)]
    return _State(values, budget, issues, status, used, max(times) if times else None)


# --------------------------------------------------------------------------- hierarchy


def _preorder(rules: Rules, keep: Iterable[str] | None = None) -> list[Unit]:
    """Units depth-first (parent before children, siblings in rules order), optionally filtered."""
    children: dict[str | None, list[Unit]] = {}
    for u in rules.units:
        children.setdefault(u.induk, []).append(u)
    out: list[Unit] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        u = stack.pop()
        out.append(u)
        stack.extend(reversed(children.get(u.kode, [])))
    if keep is None:
        return out
    wanted = set(keep)
    return [u for u in out if u.kode in wanted]


def _depths(rules: Rules) -> dict[str, int]:
    return {u.kode: rules.depth(u.kode) for u in rules.units}


# --------------------------------------------------------------------------- small helpers


def _isnan(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


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


def _roman_list(codes: str) -> str:
    """``"TW1,TW2"`` → ``"I, II"``."""
    parts = [c for c in str(codes or "").split(",") if c.startswith("TW")]
    return ", ".join(ROMAN.get(int(c[2:]), c) for c in parts if c[2:].isdigit())


def _lines(text: str, width: float, font_size: float = 9) -> int:
    """Estimated number of wrapped lines of ``text`` in a column ``width`` characters wide."""
    if not text:
        return 1
    per_line = max(width * 11.5 / font_size, 4.0)
    total = 0
    for part in str(text).split("\n"):
        line, count = 0, 1
        for word in part.split(" "):
            n = len(word)
            if line and line + 1 + n > per_line:
                count, line = count + 1, n
            else:
                line += (1 if line else 0) + n
            while line > per_line:
                count, line = count + 1, line - per_line
        total += count
    return total


def _height(lines: int, font_size: float = 9) -> float | None:
    """Row height (points) for ``lines`` wrapped lines; None (default height) for one line."""
    return None if lines <= 1 else round(lines * font_size * 1.3 + 2, 1)


def _upper(label: str) -> str:
    """Upper-case a period label for a title, keeping "s.d." as Indonesians write it."""
    return label.upper().replace("S.D.", "s.d.")


def _footer_text(text: str) -> str:
    return text.replace("&", "&&")


def _percent(part: int, whole: int) -> float:
    return part * 100.0 / whole if whole else math.nan


# --------------------------------------------------------------------------- formats


class _Styles:
    """Cached xlsxwriter formats, built from small property dicts."""

    BASE = {"font_name": FONT, "font_size": 9, "valign": "top"}

    def __init__(self, wb: xlsxwriter.Workbook, rules: Rules) -> None:
        self.wb = wb
        self._cache: dict[tuple, Any] = {}
        self.predikat_fill = predikat_colors(rules.policy.predikat)
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


def _records(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Rows of a frame with a unique ``node`` column, as plain dicts keyed by node."""
    cols = {k: frame[k].to_numpy() for k in frame.columns}
    return {node: {k: v[i] for k, v in cols.items()} for i, node in enumerate(cols["node"])}


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


def _print_setup(sh: Any, footer: str, *, header_rows: tuple[int, int] | None = None,
                 landscape: bool = True) -> None:
    if landscape:
        sh.set_landscape()
    sh.set_paper(9)
    sh.set_margins(left=0.3, right=0.3, top=0.5, bottom=0.6)
    sh.set_print_scale(PRINT_SCALE)
    if header_rows is not None:
        sh.repeat_rows(*header_rows)
    sh.set_footer(f"&L&9{footer}&R&9Halaman &P dari &N")


# --------------------------------------------------------------------------- the writer


class _Rekap:
    def __init__(self, rules: Rules, year: int, quarter: int, only_approved: bool, state: _State,
                 agg: pd.DataFrame, budget: pd.DataFrame, scores: pd.DataFrame,
                 own: pd.DataFrame | None = None) -> None:
        self.rules, self.year, self.quarter = rules, year, quarter
        self.only_approved = only_approved
        self.state, self.agg, self.budget, self.scores = state, agg, budget, scores
        self.periods = periods_up_to(quarter)
        self.depth = _depths(rules)
        self.order = {u.kode: i for i, u in enumerate(_preorder(rules))}
        self.roots = [u.kode for u in rules.units if u.induk is None]
        self.parents = {u.induk for u in rules.units if u.induk is not None}
        self.upto = quarter_label(quarter)
        top = rules.policy.persetujuan[-1].nama if rules.policy.persetujuan else ""
        self.scope = f"{APPROVED_ONLY} ({top})" if only_approved else ALL_ACCEPTED
        self.footer = _footer_text(f"{rules.instansi} — Rekap kinerja {year} s.d. {self.upto}")
        # rows of the aggregate grouped by (periode, indikator), nodes in pre-order; after the
        # aggregate's rows (0 … len(agg)-1), the own rows of units that report and have reporting
        # units below (aggregate.own_rows), each shown right below its node's row
        shown = agg if own is None or own.empty else pd.concat([agg, own[agg.columns]], ignore_index=True)
        self.own_rows = set(range(len(agg), len(shown)))
        self.cols = {c: shown[c].to_numpy() for c in shown.columns}
        self.lists = {c: shown[c].tolist() for c in shown.columns}  # plain Python values: fast to index
        groups: dict[tuple[str, str], list[int]] = {}
        for i, (per, ind) in enumerate(zip(self.cols["periode"], self.cols["indikator"])):
            groups.setdefault((per, ind), []).append(i)
        for rows in groups.values():
            rows.sort(key=lambda i: (self.order.get(self.cols["node"][i], 1 << 30), i in self.own_rows))
        self.groups = groups
        # a row sums up other units when its node does not report the indicator or has reporting
        # units of it below (a unit reporting alone is a leaf for that indicator, whatever its depth)
        self.sums_others = [not (i in self.own_rows or (rules.reports(n, k, year) and d == 1))
                            for i, (n, k, d) in enumerate(zip(self.lists["node"], self.lists["indikator"],
                                                               self.lists["unit_diharapkan"]))]
        # incomplete rows: their mark ("sementara: …") and their predikat marked provisional
        self.mark: dict[int, str] = {}
        self.shown_predikat = list(self.lists["predikat"])
        for i in np.flatnonzero(~shown["lengkap"].to_numpy(bool)):
            row = {k: self.lists[k][i] for k in ("unit_melapor", "unit_diharapkan", "unit_lengkap",
                                                 "triwulan", "lengkap", "predikat")}
            self.mark[int(i)] = coverage_mark(row)
            self.shown_predikat[i] = predikat_mark(row)
        self.score_at = {(r.node, r.sasaran, r.periode): (r.skor, r.indikator_dinilai, r.indikator_total)
                         for r in scores.itertuples(index=False)}
        self.penjelasan: dict[tuple[str, int, str], str] = {}
        v = state.values
        for unit, q, ind, text in zip(v["unit"], v["quarter"], v["indikator"], v["penjelasan"]):
            if isinstance(text, str) and text.strip():
                self.penjelasan[(unit, int(q), ind)] = clean_text(text, OUTPUT_TEXT_MAX)

    # ------------------------------------------------------------------ workbook

    def write(self, path: Path) -> None:
        # constant_memory: each row goes to disk when the next one starts (a third of the memory
        # and faster at 1,000 units). Every sheet below must therefore be written strictly top to
        # bottom, and set_row() called before moving on to the next row.
        wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                             "strings_to_numbers": False, "nan_inf_to_errors": False,
                                             "constant_memory": True, **workbook_options()})
        created = self.state.data_asof or dt.datetime(self.year, 1, 1)
        title = f"Rekapitulasi Data Kinerja {self.year} s.d. {self.upto}"
        if self.only_approved:
            title += f" — {APPROVED_ONLY}"
        wb.set_properties({"title": title, "author": APP_ID, "company": self.rules.instansi,
                           "created": created})
        self.st = _Styles(wb, self.rules)
        self._row_fmt_cache: dict[tuple, dict[str, Any]] = {}
        summary = wb.add_worksheet(SHEET_SUMMARY)
        self._summary(wb, summary)
        for per in self.periods:
            self._period_sheet(wb.add_worksheet(self._period_sheet_name(per)), per)
        self._matrix(wb.add_worksheet(SHEET_MATRIX))
        self._charts(wb, wb.add_worksheet(SHEET_CHARTS))
        self._budget(wb.add_worksheet(SHEET_BUDGET))
        self._status(wb.add_worksheet(SHEET_STATUS))
        self._issues(wb.add_worksheet(SHEET_ISSUES))
        summary.activate()
        wb.close()

    @staticmethod
    def _period_sheet_name(per: str) -> str:
        return "Tahunan" if per == "TAHUN" else period_label(per)

    def _note(self, sh: Any, r: int, text: str, last_col: int = 9) -> None:
        """A note across the summary's columns, wrapped inside the printed page."""
        sh.merge_range(r, 0, r, last_col, text, self.st(italic=True, font_color="#595959", text_wrap=True))
        sh.set_row(r, _height(_lines(text, 30 + 12.5 * last_col)))

    def _sheet_head(self, sh: Any, title: str, subtitle: str) -> None:
        st = self.st
        sh.write_string(0, 0, title, st.title)
        sh.write_string(1, 0, f"{self.rules.instansi} — {subtitle}", st.subtitle)
        asof = (f"data diterima s.d. {date_id(self.state.data_asof.date())}"
                if self.state.data_asof else "belum ada data yang diterima")
        sh.write_string(2, 0, f"Cakupan data: {self.scope}; {asof}.", st.note)

    # ------------------------------------------------------------------ Ringkasan

    def _summary(self, wb: Any, sh: Any) -> None:
        st, rules, year = self.st, self.rules, self.year
        sh.set_column(0, 0, 30)
        sh.set_column(1, 9, 12.5)
        sh.hide_gridlines(2)
        head = f"REKAPITULASI DATA KINERJA TAHUN {year} s.d. {self.upto}"
        if self.only_approved:
            head += f" — {APPROVED_ONLY.upper()}"
        sh.write_string(0, 0, head, st.title)
        sh.write_string(1, 0, rules.instansi, st.subtitle)
        sh.write_string(2, 0, rules.kementerian, st.label)
        info = [("Tahun", str(year)),
                ("Periode", "Triwulan I (TW I)" if self.quarter == 1 else
                 f"Triwulan I s.d. Triwulan {ROMAN[self.quarter]} ({self.upto})"),
                ("Cakupan data", self.scope),
                ("Data diterima s.d.", date_id(self.state.data_asof.date())
                 if self.state.data_asof else "belum ada data yang diterima"),
                ("Unit pelapor", f"{len(rules.reporting_units)} unit (satu formulir per triwulan)"),
                ("Target pembanding", CAKUPAN_TEXT[rules.policy.cakupan_target]),
                ("Angka sementara", "ditandai 'sementara' (di kolom Keterangan dan Predikat) bila "
                                    "belum semua unit mengirim semua triwulan periodenya")]
        r = 4
        for label, value in info:
            sh.write_string(r, 0, label, st.label_bold)
            sh.write_string(r, 1, value, st.label)
            r += 1

        # A. completeness and timeliness
        r += 1
        sh.write_string(r, 0, "A. Kelengkapan dan ketepatan waktu pengumpulan data", st.subtitle)
        r += 1
        heads = ["Triwulan", "Tenggat", "Unit diharapkan", "Unit mengirim (diterima)",
                 "Tingkat pelaporan (%)", "Tepat waktu", "Ketepatan waktu (%)", "Tidak valid",
                 "Belum mengirim", "Telah disahkan"]
        for c, h in enumerate(heads):
            sh.write_string(r, c, h, st.header)
        sh.set_row(r, 36)
        r += 1
        self.rates: list[tuple[int, int, int, int]] = []
        for q in range(1, self.quarter + 1):
            rows = [s for s in self.state.status if s.quarter == q]
            n, got = len(rows), sum(s.state == STATE_ACCEPTED for s in rows)
            on_time = sum(s.on_time for s in rows)
            deadline = rules.policy.deadline(year, q)
            self.rates.append((q, n, got, on_time))
            sh.write_string(r, 0, quarter_label(q), st.cell)
            _write_when(sh, r, 1, deadline, st.date, st.cell_center)
            sh.write_number(r, 2, n, st.int)
            sh.write_number(r, 3, got, st.int)
            _write_num(sh, r, 4, _percent(got, n), st.pct)
            if deadline is None:
                sh.write_string(r, 5, "tenggat belum ditetapkan", st.cell)
                sh.write_blank(r, 6, None, st.pct)
            else:
                sh.write_number(r, 5, on_time, st.int)
                _write_num(sh, r, 6, _percent(on_time, n), st.pct)
            sh.write_number(r, 7, sum(s.state == STATE_REJECTED for s in rows), st.int)
            sh.write_number(r, 8, sum(s.state == STATE_MISSING for s in rows), st.int)
            sh.write_number(r, 9, sum(s.top_approved for s in rows), st.int)
            r += 1
        self._note(sh, r, "Tingkat pelaporan dan ketepatan waktu dihitung terhadap unit yang "
                   "diharapkan; tepat waktu = data valid yang berlaku diterima paling lambat pada "
                   "tanggal tenggat.")
        r += 2

        # B. indicators per predikat at the root, year (s.d.)
        root = self.roots[0] if self.roots else ""
        root_name = rules.unit(root).nama if root else ""
        tahun = period_label("TAHUN", self.quarter)
        sh.write_string(r, 0, f"B. Jumlah indikator per predikat — {root_name}, {tahun}", st.subtitle)
        r += 1
        for c, h in enumerate(["Predikat", "Jumlah indikator", "Persentase (%)"]):
            sh.write_string(r, c, h, st.header)
        r += 1
        c = self.cols
        instansi = {i.kode for i in rules.indicators if i.tingkat == "instansi"}  # the organisation's IKU
        at_root = [i for i in range(len(self.agg)) if c["node"][i] == root and c["periode"][i] == "TAHUN"
                   and c["indikator"][i] in instansi]
        total = len(at_root)
        self.predikat_counts: list[tuple[str, int]] = []
        for band in rules.policy.predikat:
            n = sum(c["predikat"][i] == band.predikat for i in at_root)
            self.predikat_counts.append((band.predikat, n))
        self.predikat_counts.append(("Belum dapat dinilai", sum(c["predikat"][i] == "" for i in at_root)))
        for name, n in self.predikat_counts:
            fill = st.predikat_fill.get(name)
            sh.write_string(r, 0, name, st.grid(bg_color=fill) if fill else st.cell)
            sh.write_number(r, 1, n, st.int)
            _write_num(sh, r, 2, _percent(n, total), st.pct)
            r += 1
        sh.write_string(r, 0, "Jumlah", st.grid(bold=True))
        sh.write_number(r, 1, total, st.grid(bold=True, num_format="#,##0"))
        sh.write_blank(r, 2, None, st.cell)
        r += 1
        provisional = sum(bool(c["predikat"][i]) and not c["lengkap"][i] for i in at_root)
        if provisional:
            self._note(sh, r, f"{provisional} dari {total} predikat di atas masih sementara: belum "
                       "semua unit mengirim semua triwulan.")
            r += 1
        r += 1
        sh.write_string(r, 0, "Keterangan warna predikat (capaian, dibulatkan 2 desimal)", st.label_bold)
        r += 1
        for name, span, color in predikat_legend(rules.policy.predikat):
            sh.write_string(r, 0, name, st.grid(bg_color=color))
            sh.merge_range(r, 1, r, 3, span, st.label)
            r += 1
        r += 1

        # C. mean skor per sasaran at the root, with a chart
        cap = rules.policy.batas_skor
        capped = f" (capaian dibatasi {format_id(cap, 0)}%)" if cap is not None else ""
        sh.write_string(r, 0, f"C. Rata-rata skor capaian per sasaran — {root_name}, {tahun}{capped}",
                        st.subtitle)
        r += 1
        for col, h in ((0, "Kode"), (1, "Sasaran"), (6, "Skor rata-rata"), (7, "Indikator dinilai")):
            if col == 1:
                sh.merge_range(r, 1, r, 5, h, st.header)
            else:
                sh.write_string(r, col, h, st.header)
        r += 1
        first = r
        for sas in rules.sasaran:
            skor, dinilai, total_ind = self.score_at.get((root, sas.kode, "TAHUN"), (math.nan, 0, 0))
            sh.write_string(r, 0, sas.kode, st.cell)
            sh.merge_range(r, 1, r, 5, "", st.cell_wrap)
            sh.write_string(r, 1, sas.nama, st.cell_wrap)
            _write_num(sh, r, 6, skor, st.pct)
            sh.write_string(r, 7, f"{int(dinilai)} dari {int(total_ind)}", st.cell_center)
            sh.set_row(r, _height(_lines(sas.nama, 5 * 12.5)))
            r += 1
        last = r - 1
        if rules.sasaran:
            chart = wb.add_chart({"type": "column"})
            chart.add_series({
                "name": "Skor rata-rata",
                "categories": [SHEET_SUMMARY, first, 0, last, 0],
                "values": [SHEET_SUMMARY, first, 6, last, 6],
                "fill": {"color": "#2E75B6"},
                "data_labels": {"value": True, "num_format": "#,##0.00"},
            })
            chart.set_title({"name": f"Rata-rata skor per sasaran ({tahun})",
                             "name_font": {"name": FONT, "size": 10, "bold": True}})
            chart.set_legend({"none": True})
            y_axis: dict[str, Any] = {"min": 0, "num_font": {"name": FONT, "size": 10},
                                      "major_gridlines": {"visible": True,
                                                          "line": {"color": "#D9D9D9"}}}
            if cap is not None:  # skor never exceeds the cap: a fixed scale compares across rekaps
                y_axis.update(max=cap, major_unit=20 if cap > 40 else None)
            chart.set_y_axis({k: v for k, v in y_axis.items() if v is not None})
            chart.set_x_axis({"num_font": {"name": FONT, "size": 10}})
            chart.set_size({"width": 620, "height": 280})
            sh.insert_chart(r + 1, 0, chart, {"x_offset": 4, "y_offset": 4})
            r += 16

        # signature block
        sign = rules.penandatangan.get("rekap")
        if sign is not None:
            r += 1
            col = 6
            sh.write_string(r, col, "……………………, ……………………………", st.label)
            sh.write_string(r + 1, col, sign.jabatan, st.label)
            sh.write_string(r + 6, col, sign.nama, st(bold=True, underline=1))
            sh.write_string(r + 7, col, f"NIP. {sign.nip}", st.label)
            r += 8
        _print_setup(sh, self.footer)

    # ------------------------------------------------------------------ period sheets

    def _row_formats(self, kind: str, ind: Indicator | None, depth: int) -> dict[str, Any]:
        key = (kind, ind.kode if ind else "", depth)
        got = self._row_fmt_cache.get(key)
        if got is not None:
            return got
        bold = kind in ("sasaran", "top")
        fill = {"sasaran": SASARAN_FILL, "top": TOP_FILL, "mid": MID_FILL}.get(kind)
        base: dict[str, Any] = {"bold": bold}
        if fill:
            base["bg_color"] = fill
        g = self.st.grid
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
        for name, color in self.st.predikat_fill.items():
            out["predikat"][name] = (g(**{**base, "bg_color": color}, num_format="#,##0.00"),
                                     g(**{**base, "bg_color": color}, align="center", text_wrap=True))
        self._row_fmt_cache[key] = out
        return out

    def _period_sheet(self, sh: Any, per: str) -> None:
        rules, st, c = self.rules, self.st, self.cols
        is_quarter = per.startswith("TW")
        columns = PERIOD_COLUMNS + ([PENJELASAN_COLUMN] if is_quarter else [])
        label = period_label(per, self.quarter)
        title = (f"REKAPITULASI CAPAIAN KINERJA TAHUN {self.year}"
                 + ("" if self.quarter == 4 else f" s.d. {self.upto}") if per == "TAHUN"
                 else f"REKAPITULASI CAPAIAN KINERJA {_upper(label)} TAHUN {self.year}")
        self._sheet_head(sh, title, f"{label} {self.year}")
        hr = self._table_header(sh, columns, 38)
        sh.outline_settings(True, False, True, False)
        quarter = int(per[2:]) if is_quarter else None
        self._heights: list[float] = []
        starts: list[int] = []
        uraian_w, alasan_w = columns[COL["uraian"]][1], columns[COL["alasan"]][1]
        multi_root = len(self.roots) > 1
        r = hr + 1
        levels = [t for t in TINGKAT_HEADINGS if any(i.tingkat == t for i in rules.indicators)]
        heading = None
        for tingkat, sas in ((t, s) for t in levels for s in rules.sasaran):
            inds = [i for i in rules.indicators if i.sasaran == sas.kode and i.tingkat == tingkat
                    and (per, i.kode) in self.groups]
            if not inds:
                continue
            f = self._row_formats("sasaran", None, 0)
            if len(levels) > 1 and tingkat != heading:
                # indicators grouped by level: the organisation's IKU, units' programme
                # indicators, persons' IKI
                heading = tingkat
                self._heights.append(18)
                sh.set_row(r, 18, None, {"level": 0})
                sh.write_blank(r, COL["kode"], None, f["text"])
                sh.write_blank(r, COL["unit"], None, f["text"])
                sh.write_string(r, COL["uraian"], TINGKAT_HEADINGS[tingkat], f["uraian"])
                for col in range(COL["satuan"], len(columns)):
                    sh.write_blank(r, col, None, f["text"])
                r += 1
            note = ""
            if len(self.roots) == 1 and tingkat == "instansi":
                skor, dinilai, total = self.score_at.get((self.roots[0], sas.kode, per), (math.nan, 0, 0))
                note = f"Skor sasaran: rata-rata capaian {int(dinilai)} dari {int(total)} indikator"
                if rules.policy.batas_skor is not None:
                    note += f", masing-masing dibatasi {format_id(rules.policy.batas_skor, 0)}%"
            starts.append(r - hr - 1)
            height = _height(max(_lines(note, alasan_w), _lines(sas.nama, uraian_w, 10)))
            self._heights.append(height or 12.75)
            sh.set_row(r, height, None, {"level": 0})
            sh.write_string(r, COL["kode"], sas.kode, f["text"])
            sh.write_blank(r, COL["unit"], None, f["text"])
            sh.write_string(r, COL["uraian"], sas.nama, f["uraian"])
            for col in range(COL["satuan"], len(columns)):
                sh.write_blank(r, col, None, f["text"])
            if note:
                _write_num(sh, r, COL["capaian"], skor, f["pct"])
                sh.write_string(r, COL["alasan"], note, f["note"])
            r += 1
            for ind in inds:
                r = self._indicator_rows(sh, r, per, ind, quarter, uraian_w, alasan_w, multi_root)
        if r == hr + 1:
            sh.write_string(r, COL["uraian"], "Belum ada data.", st.note)
        self._table_end(sh, hr, r, len(columns), COL["uraian"] + 1)
        page = page_height(landscape=True, scale=PRINT_SCALE, top=0.5, bottom=0.6, titles=38)
        breaks = group_breaks(self._heights, starts, page, page - 3 * 16 - 12.75)
        if breaks:
            sh.set_h_pagebreaks([hr + 1 + b for b in breaks])

    def _indicator_rows(self, sh: Any, r: int, per: str, ind: Indicator, quarter: int | None,
                        uraian_w: float, alasan_w: float, multi_root: bool) -> int:
        """Write one indicator's rows (its nodes in pre-order) from row ``r``; return the next row."""
        rules, c = self.rules, self.lists
        write_string, write_number, write_blank = sh.write_string, sh.write_number, sh.write_blank
        set_row = sh.set_row
        target, realisasi, pembilang = c["target"], c["realisasi"], c["pembilang"]
        penyebut, capaian = c["penyebut"], c["capaian_bulat"]
        predikat = c["predikat"]
        shown, marks = self.shown_predikat, self.mark
        melapor, diharapkan, triwulan, alasan = (c["unit_melapor"], c["unit_diharapkan"],
                                                 c["triwulan"], c["alasan"])
        k_kode, k_unit, k_uraian, k_satuan = COL["kode"], COL["unit"], COL["uraian"], COL["satuan"]
        k_target, k_real, k_pemb, k_peny = (COL["target"], COL["realisasi"], COL["pembilang"],
                                            COL["penyebut"])
        k_cap, k_pred, k_mel, k_dih = COL["capaian"], COL["predikat"], COL["melapor"], COL["diharapkan"]
        k_tw, k_alasan, k_penj = COL["triwulan"], COL["alasan"], COL["penjelasan"]
        pen_w = PENJELASAN_COLUMN[1]
        group = self.groups[(per, ind.kode)]
        if group and self.depth.get(c["node"][group[0]], 0) > 0:
            # no organisation-wide row (an IKI counts only up to the person's own unit): the
            # indicator's own title row, then each own unit with its persons below it
            f = self._row_formats("top", ind, 0)
            height = _height(_lines(ind.nama, uraian_w, 10))
            self._heights.append(height or 12.75)
            set_row(r, height, None, {"level": 0})
            write_string(r, k_kode, ind.kode, f["text"])
            write_blank(r, k_unit, None, f["text"])
            write_string(r, k_uraian, ind.nama, f["uraian"])
            write_string(r, k_satuan, ind.satuan, f["center"])
            for col in range(k_target, k_penj + (1 if quarter else 0)):
                write_blank(r, col, None, f["text"])
            r += 1
        for i in group:
            node = c["node"][i]
            own = i in self.own_rows
            depth = self.depth.get(node, 0) + own
            kind = "top" if depth == 0 else ("mid" if self.sums_others[i] else "leaf")
            f = self._row_formats(kind, ind, depth)
            if depth == 0:
                name = ind.nama + (f" — {rules.unit(node).nama}" if multi_root else "")
            else:
                name = rules.unit(node).nama + (f" — {OWN_ROW_WORDS}" if own else "")
            why = "; ".join(t for t in (marks.get(i, ""), alasan[i] or "") if t)
            # a unit's penjelasan explains its own value: on its own row, not on a node's sum
            text = (self.penjelasan.get((node, quarter, ind.kode), "")
                    if quarter and not self.sums_others[i] else "")
            lines = _lines(name, uraian_w - 1.5 * min(depth, 6), 10 if depth == 0 else 9)
            if why:
                lines = max(lines, _lines(why, alasan_w))
            if text:
                lines = max(lines, _lines(text, pen_w))
            lines = max(lines, _lines(shown[i] or "", COL_WIDTH_PREDIKAT))
            height = _height(lines)
            self._heights.append(height or 12.75)
            set_row(r, height, None, {"level": min(depth, 7)})
            write_string(r, k_kode, ind.kode, f["text"])
            write_string(r, k_unit, node, f["text"])
            write_string(r, k_uraian, name, f["uraian"])
            write_string(r, k_satuan, ind.satuan, f["center"])
            for col, values, fmt in ((k_target, target, f["value"]), (k_real, realisasi, f["value"]),
                                     (k_pemb, pembilang, f["count"]), (k_peny, penyebut, f["count"])):
                v = values[i]
                if v == v:
                    write_number(r, col, v, fmt)
                else:
                    write_blank(r, col, None, fmt)
            pred = predikat[i]
            pf = f["predikat"].get(pred)
            cap = capaian[i]
            if cap == cap:
                write_number(r, k_cap, cap, pf[0] if pf else f["pct"])
            elif melapor[i] > 0:
                write_string(r, k_cap, "—", f["center"])
            else:
                write_blank(r, k_cap, None, f["pct"])
            if pred:
                write_string(r, k_pred, shown[i], pf[1] if pf else f["center"])
            else:
                write_blank(r, k_pred, None, f["center"])
            write_number(r, k_mel, melapor[i], f["int"])
            write_number(r, k_dih, diharapkan[i], f["int"])
            write_string(r, k_tw, _roman_list(triwulan[i]), f["center"])
            write_string(r, k_alasan, why, f["note"])
            if quarter:
                write_string(r, k_penj, text, f["note"])
            r += 1
        return r

    # ------------------------------------------------------------------ matrix

    def _matrix(self, sh: Any) -> None:
        rules, st, c = self.rules, self.st, self.cols
        label = period_label("TAHUN", self.quarter)
        self._sheet_head(sh, f"MATRIKS CAPAIAN KINERJA (%) TAHUN {self.year}"
                         + ("" if self.quarter == 4 else f" s.d. {self.upto}"),
                         f"capaian {label} per unit dan indikator")
        inds = [i for i in rules.indicators if ("TAHUN", i.kode) in self.groups]
        cap: dict[tuple[str, str], tuple[float, bool]] = {}
        for i in range(len(self.agg)):
            if c["periode"][i] == "TAHUN":
                cap[(c["node"][i], c["indikator"][i])] = (c["capaian_bulat"][i], c["lengkap"][i])
        nodes = _preorder(rules, {n for n, _ in cap})
        hr = _FIRST_ROW
        sh.set_column(0, 0, 12)
        sh.set_column(1, 1, 30)
        sh.set_column(2, 1 + max(len(inds), 1), max(7.5, min(11.0, 104 / max(len(inds), 1))))
        legend = ("Sel abu-abu: indikator tidak dilaporkan unit itu; sel kosong: capaian belum dapat "
                  "dihitung; angka miring abu-abu: sementara (belum semua unit mengirim semua triwulan). "
                  "Warna: skala 3 warna dari merah (rendah) ke hijau (tinggi) menurut batas predikat.")
        sh.set_row(3, _height(_lines(legend, 12 + 30 + 8 * max(len(inds), 1))))
        sh.merge_range(3, 0, 3, 1 + max(len(inds), 1), legend, st(italic=True, font_color="#595959",
                                                                   text_wrap=True))
        sh.write_string(hr, 0, "Kode unit", st.header)
        sh.write_string(hr, 1, "Unit", st.header)
        for j, ind in enumerate(inds):
            sh.write_string(hr, 2 + j, ind.kode, st.header)
        sh.set_row(hr, 24)
        sh.outline_settings(True, False, True, False)
        na = st.grid(bg_color=NA_FILL)
        pct = st.pct
        provisional = st.grid(num_format="#,##0.00", italic=True, font_color="#7F7F7F")
        r = hr + 1
        for u in nodes:
            depth = self.depth.get(u.kode, 0)
            props: dict[str, Any] = {"bold": depth == 0}
            if depth == 0 or u.kode in self.parents:
                props["bg_color"] = TOP_FILL if depth == 0 else MID_FILL
            sh.set_row(r, None, None, {"level": min(depth, 7)})
            sh.write_string(r, 0, u.kode, st.grid(**props))
            sh.write_string(r, 1, u.nama, st.grid(**props, align="left", indent=min(depth, 6)))
            for j, ind in enumerate(inds):
                if (u.kode, ind.kode) not in cap:
                    sh.write_blank(r, 2 + j, None, na)
                else:
                    value, complete = cap[(u.kode, ind.kode)]
                    _write_num(sh, r, 2 + j, value, pct if complete else provisional)
            r += 1
        last = max(r - 1, hr + 1)
        if inds and nodes:
            cuts = sorted(b.dari for b in rules.policy.predikat if b.dari is not None)
            spec: dict[str, Any] = {"type": "3_color_scale", "min_color": "#F8696B",
                                    "mid_color": "#FFEB84", "max_color": "#63BE7B"}
            if len(cuts) >= 2:
                spec.update(min_type="num", min_value=cuts[0], mid_type="num",
                            mid_value=cuts[len(cuts) // 2], max_type="num", max_value=cuts[-1])
            sh.conditional_format(hr + 1, 2, last, 1 + len(inds), spec)
        r = max(r, hr + 2) + 1
        sh.write_string(r, 0, "Kode indikator:", st.label_bold)
        for ind in inds:
            r += 1
            sh.write_string(r, 0, ind.kode, st.label)
            sh.write_string(r, 1, ind.nama, st.label)
        sh.freeze_panes(hr + 1, 2)
        sh.autofilter(hr, 0, last, 1 + max(len(inds), 1))
        _print_setup(sh, self.footer, header_rows=(hr, hr))

    # ------------------------------------------------------------------ charts

    def _charts(self, wb: Any, sh: Any) -> None:
        """Native charts of the top node, year s.d. the quarter: capaian per indicator against
        100 %, mean capaian per sasaran, and each indicator's realisasi over the years where the
        rules give earlier years."""
        rules, c = self.rules, self.lists
        root = self.roots[0] if self.roots else ""
        tahun = period_label("TAHUN", self.quarter)
        colors = self.st.predikat_fill
        at = {c["indikator"][i]: i for i in range(len(self.agg))
              if c["node"][i] == root and c["periode"][i] == "TAHUN"}
        inds = [ind for ind in rules.indicators if ind.kode in at]

        def number(value: Any) -> float | None:
            return None if _isnan(value) else float(value)

        bars = [Bar(ind.kode, number(c["capaian_bulat"][at[ind.kode]]),
                    colors.get(c["predikat"][at[ind.kode]], NA_FILL), ind.nama) for ind in inds]
        sas = [Bar(s.kode, number(self.score_at.get((root, s.kode, "TAHUN"), (math.nan,))[0]), CHART_FILL,
                   s.nama) for s in rules.sasaran if any(i.sasaran == s.kode for i in inds)]
        charts: list[Any] = [BarChart(f"Capaian per Indikator, {tahun} {self.year} (%)", bars),
                             BarChart(f"Rata-rata Capaian per Sasaran, {tahun} {self.year} (%)", sas,
                                      series_name="Rata-rata capaian (%)")]
        past: dict[str, dict[int, float]] = {}
        for v in rules.past:
            if v.unit == root and v.tahun < self.year:
                past.setdefault(v.indikator, {})[v.tahun] = v.realisasi
        for ind in inds:
            if ind.kode in past:
                years = sorted(past[ind.kode])
                now = number(c["realisasi"][at[ind.kode]])
                charts.append(LineChart(f"{ind.kode} — realisasi ({ind.satuan})",
                                        [str(y) for y in years] + [f"{self.year} ({self.upto})"],
                                        [(ind.kode, [past[ind.kode][y] for y in years] + [now])], ind.desimal))
        name = rules.unit(root).nama if root else rules.instansi
        chart_sheet(wb, sh, f"GRAFIK CAPAIAN KINERJA TAHUN {self.year} s.d. {self.upto}", name, charts)
        _print_setup(sh, self.footer)

    # ------------------------------------------------------------------ budget

    def _budget(self, sh: Any) -> None:
        rules, st = self.rules, self.st
        self._sheet_head(sh, f"REALISASI ANGGARAN TAHUN {self.year} s.d. {self.upto}",
                         "pagu, realisasi dan serapan anggaran")
        widths = [(0, 12), (1, 11), (2, 32), (3, 14), (4, 14), (5, 8), (6, 8), (7, 7), (8, 8),
                  (9, 8)]
        for col, w in widths:
            sh.set_column(col, col, w)
        sh.outline_settings(True, False, True, False)
        b = self.budget
        heads = ["Kode", "Kode unit", "Uraian", "Pagu (Rp)", "Realisasi (Rp)", "Serapan (%)",
                 "Skor kinerja", "Unit melapor", "Unit diharapkan", "Triwulan tercakup"]
        r = _FIRST_ROW - 1
        if b.empty:
            sh.write_string(r, 0, "Belum ada pagu untuk tahun ini dalam aturan.", st.note)
            _print_setup(sh, self.footer)
            return

        shown: set[int] = set()

        def head(row: int, title: str, cols: tuple[int, ...]) -> int:
            shown.clear()
            shown.update(cols)
            sh.write_string(row, 0, title, st.subtitle)
            for col in cols:
                sh.write_string(row + 1, col, heads[col], st.header)
            sh.set_row(row + 1, 30)
            return row + 2

        def line(row: int, kode: str, node: str, name: str, pagu: float, real: float, ser: float,
                 skor: Any = None, melapor: Any = None, diharapkan: Any = None, tw: str = "",
                 kind: str = "leaf") -> int:
            depth = self.depth.get(node, 0)
            bold = kind in ("group", "top")
            fill = SASARAN_FILL if kind == "group" else (TOP_FILL if kind == "top" else None)
            props: dict[str, Any] = {"bold": bold}
            if fill:
                props["bg_color"] = fill
            indent = 0 if kind in ("group", "top") else min(depth, 6)
            height = _height(_lines(name, 32 - 1.5 * indent, 10 if bold else 9))
            sh.set_row(row, height, None, {"level": 0 if kind == "group" else min(depth, 7)})
            if 0 in shown:
                sh.write_string(row, 0, kode, st.grid(**props))
            sh.write_string(row, 1, node, st.grid(**props))
            sh.write_string(row, 2, name, st.grid(**props, text_wrap=True, align="left", indent=indent))
            _write_num(sh, row, 3, pagu, st.grid(**props, num_format="#,##0"))
            _write_num(sh, row, 4, real, st.grid(**props, num_format="#,##0"))
            _write_num(sh, row, 5, ser, st.grid(**props, num_format="#,##0.00"))
            if 6 in shown:
                _write_num(sh, row, 6, skor, st.grid(**props, num_format="#,##0.00"))
            if 7 in shown:
                _write_num(sh, row, 7, melapor, st.grid(**props, num_format="#,##0", align="center"))
                _write_num(sh, row, 8, diharapkan, st.grid(**props, num_format="#,##0", align="center"))
                sh.write_string(row, 9, tw, st.grid(**props, align="center"))
            return row + 1

        def serapan(pagu: float, real: float) -> float:
            return real * 100.0 / pagu if pagu and not _isnan(real) else math.nan

        # A. total per unit
        r = head(r, "A. Total per unit", (1, 2, 3, 4, 5))
        first_table = r - 1
        plain = pd.DataFrame({k: b[k].to_numpy() for k in b.columns})  # no attrs: cheap row access
        g = plain.groupby("node", sort=False)
        totals = {node: (pagu, real) for node, pagu, real in zip(
            g["pagu"].sum().index, g["pagu"].sum().to_numpy(), g["realisasi"].sum(min_count=1).to_numpy())}
        for u in _preorder(rules, totals):
            pagu, real = totals[u.kode]
            kind = "top" if self.depth.get(u.kode, 0) == 0 else "leaf"
            r = line(r, "", u.kode, u.nama, pagu, real, serapan(pagu, real), kind=kind)

        # B. per sasaran
        r = head(r + 1, "B. Per sasaran (dengan skor kinerja sasaran, untuk melihat efisiensi)",
                 (0, 1, 2, 3, 4, 5, 6))
        by_sas = budget_by_sasaran(b)
        for sas in rules.sasaran:
            part = _records(by_sas[by_sas["sasaran"] == sas.kode])
            for u in _preorder(rules, part):
                p = part[u.kode]
                depth = self.depth.get(u.kode, 0)
                skor = self.score_at.get((u.kode, sas.kode, "TAHUN"), (math.nan,))[0]
                name = sas.nama if depth == 0 else u.nama
                r = line(r, sas.kode, u.kode, name, p["pagu"], p["realisasi"], p["serapan"], skor,
                         kind="group" if depth == 0 else "leaf")

        # C. per kegiatan
        r = head(r + 1, "C. Per kegiatan", (0, 1, 2, 3, 4, 5, 7, 8, 9))
        for keg in rules.kegiatan:
            part = _records(plain[plain["kegiatan"] == keg.kode])
            for u in _preorder(rules, part):
                p = part[u.kode]
                depth = self.depth.get(u.kode, 0)
                name = keg.nama if depth == 0 else u.nama
                r = line(r, keg.kode, u.kode, name, p["pagu"], p["realisasi"], p["serapan"], None,
                         p["unit_melapor"], p["unit_diharapkan"], _roman_list(p["triwulan"]),
                         kind="group" if depth == 0 else "leaf")
        sh.write_string(r + 1, 0, "Skor kinerja: rata-rata skor capaian indikator sasaran "
                        f"({period_label('TAHUN', self.quarter)}). Serapan = realisasi ÷ pagu × 100.",
                        st.note)
        sh.freeze_panes(first_table + 1, 0)
        _print_setup(sh, self.footer, header_rows=(first_table, first_table))

    # ------------------------------------------------------------------ status

    def _status(self, sh: Any) -> None:
        rules, st = self.rules, self.st
        self._sheet_head(sh, f"STATUS PENGUMPULAN DATA KINERJA TAHUN {self.year} s.d. {self.upto}",
                         "status kiriman setiap unit pelapor per triwulan")
        levels = rules.policy.persetujuan
        names = {lv.level: lv.nama for lv in levels}
        cols = [("Triwulan", 6), ("Kode unit", 11), ("Nama unit", 19), ("Unit induk", 10),
                ("Status", 9), ("Diterima", 14.5), ("Tenggat", 10), ("Terlambat (hari)", 7),
                ("Jumlah kiriman", 6.5), ("Berkas", 14), ("Persetujuan", 14),
                ("Tingkat persetujuan tercapai", 10), ("Keterangan", 17)]
        hr = self._table_header(sh, cols, 38)
        state_fmt = {STATE_ACCEPTED: st.grid(bg_color="#C6EFCE", align="center"),
                     STATE_REJECTED: st.grid(bg_color="#FFC7CE", align="center"),
                     STATE_MISSING: st.grid(bg_color="#FFEB9C", align="center")}
        late_fmt = st.grid(num_format="#,##0", align="center")
        late_bad = st.grid(num_format="#,##0", align="center", font_color="#C00000", bold=True)
        r = hr + 1
        for s in self.state.status:
            if s.state == STATE_ACCEPTED:
                done = ", ".join(names[lv] for lv in s.approved_levels) or "belum ada"
                reached = names[s.approved_levels[-1]] if s.approved_levels else "belum disetujui"
            else:
                done = reached = ""
            sh.set_row(r, _height(max(_lines(s.reason, 17), _lines(s.file_name, 14), _lines(s.unit.nama, 19),
                                      _lines(done, 14), _lines(s.state, 9), _lines(reached, 10))))
            sh.write_string(r, 0, quarter_label(s.quarter), st.cell_center)
            sh.write_string(r, 1, s.unit.kode, st.cell)
            sh.write_string(r, 2, s.unit.nama, st.cell_wrap)
            sh.write_string(r, 3, s.unit.induk or "", st.cell)
            sh.write_string(r, 4, s.state, state_fmt[s.state])
            _write_when(sh, r, 5, s.received, st.datetime, st.cell)
            _write_when(sh, r, 6, s.deadline, st.date, st.cell)
            _write_num(sh, r, 7, s.days_late, late_bad if s.days_late else late_fmt)
            sh.write_number(r, 8, s.sent, st.int)
            sh.write_string(r, 9, s.file_name, st.cell_wrap)
            sh.write_string(r, 10, done, st.cell_wrap)
            sh.write_string(r, 11, reached, st.cell_wrap)
            sh.write_string(r, 12, s.reason, st.cell_wrap)
            r += 1
        self._table_end(sh, hr, r, len(cols), 3)

    def _table_header(self, sh: Any, cols: list[tuple[str, float]], height: float) -> int:
        """Widths and titles of a table sheet's columns; returns the header row."""
        hr = _FIRST_ROW
        for i, (name, width) in enumerate(cols):
            sh.set_column(i, i, width)
            sh.write_string(hr, i, name, self.st.header)
        sh.set_row(hr, height)
        return hr

    def _table_end(self, sh: Any, hr: int, r: int, n_cols: int, frozen_cols: int) -> None:
        """Frozen header (and ``frozen_cols`` columns), autofilter down to row ``r``, print setup."""
        sh.freeze_panes(hr + 1, frozen_cols)
        sh.autofilter(hr, 0, max(r - 1, hr + 1), n_cols - 1)
        _print_setup(sh, self.footer, header_rows=(hr, hr))

    # ------------------------------------------------------------------ issues

    def _issues(self, sh: Any) -> None:
        st = self.st
        self._sheet_head(sh, f"CATATAN VALIDASI TAHUN {self.year}",
                         "semua catatan validasi kiriman tahun ini")
        cols = [("No", 4), ("Berkas", 15), ("Unit", 12.5), ("Triwulan", 6.5), ("Hasil", 9),
                ("Diterima", 14.5), ("Kode", 15), ("Tingkat", 9), ("Letak", 15), ("Pesan", 46.5)]
        hr = self._table_header(sh, cols, 20)
        sev_fmt = {"error": st.grid(font_color="#C00000", bold=True, align="center"),
                   "warning": st.grid(font_color="#9C5700", align="center")}
        r = hr + 1
        iss = self.state.issues
        for n, row in enumerate(iss.itertuples(index=False), start=1):
            q = row.quarter
            place = place_words(str(row.sheet or ""), str(row.cell or ""))
            sh.set_row(r, _height(max(_lines(str(row.file_name or ""), 15), _lines(str(row.code or ""), 15),
                                      _lines(str(row.message or ""), 46.5), _lines(place, 15))))
            sh.write_number(r, 0, n, st.int)
            sh.write_string(r, 1, str(row.file_name or ""), st.cell_wrap)
            sh.write_string(r, 2, "" if _isnan(row.unit) else str(row.unit), st.cell)
            sh.write_string(r, 3, quarter_label(int(q)) if not _isnan(q) and int(q) in QUARTERS else "",
                            st.cell_center)
            sh.write_string(r, 4, _OUTCOME_WORDS.get(row.outcome, str(row.outcome)), st.cell_center)
            _write_when(sh, r, 5, _parse_time(row.received_at), st.datetime, st.cell)
            sh.write_string(r, 6, str(row.code or ""), st.cell_wrap)
            sh.write_string(r, 7, _SEVERITY_WORDS.get(row.severity, str(row.severity)),
                            sev_fmt.get(row.severity, st.cell))
            sh.write_string(r, 8, place, st.cell_wrap)
            sh.write_string(r, 9, str(row.message or ""), st.cell_wrap)
            r += 1
        if r == hr + 1:
            sh.write_string(r, 1, "Tidak ada catatan validasi.", st.note)
        self._table_end(sh, hr, r, len(cols), 0)

    # ------------------------------------------------------------------ CSV

    def write_csv(self, path: Path) -> None:
        c = self.lists
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            out = csv.writer(fh, lineterminator="\r\n")
            out.writerow(CSV_COLUMNS)
            numbers = ("target", "realisasi", "pembilang", "penyebut", "capaian", "skor")
            for i in range(len(self.agg)):
                per = c["periode"][i]
                node, ind = c["node"][i], c["indikator"][i]
                text = ""
                if per.startswith("TW"):
                    text = self.penjelasan.get((node, int(per[2:]), ind), "")
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
        state = _read_state(conn, rules, year, q, only_approved)
    finally:
        if own:
            conn.close()
    agg = aggregate(rules, year, q, state.values)
    budget = aggregate_budget(rules, year, q, state.budget)
    instansi = [i.kode for i in rules.indicators if i.tingkat == "instansi"]
    scores = sasaran_scores(agg[agg["indikator"].isin(instansi)], rules)  # the organisation's IKU
    rekap = _Rekap(rules, year, q, only_approved, state, agg, budget, scores,
                   own_rows(rules, year, q, state.values))
    xlsx_path, csv_path = rekap_paths(ws, year, q)
    remove_stale_temporaries(ws.outputs)  # what a killed earlier run left half-written
    atomic_write(xlsx_path, rekap.write)
    atomic_write(csv_path, rekap.write_csv)
    decimals = {i.kode: i.desimal for i in rules.indicators}
    id_csv = id_csv_path(csv_path)
    atomic_write(id_csv, lambda tmp: write_id_csv(csv_path, tmp, decimals.get))
    summary = _summary_lines(ws, rekap, xlsx_path, csv_path)
    summary.insert(2, f"Untuk Excel berbahasa Indonesia (pemisah titik koma): {_relative(ws, id_csv)}")
    return RekapResult(xlsx_path, csv_path, agg, summary, year, q, only_approved)


def _relative(ws: Workspace, path: Path) -> str:
    try:
        return str(path.relative_to(ws.root))
    except ValueError:
        return str(path)


def _summary_lines(ws: Workspace, rekap: _Rekap, xlsx: Path, csv_path: Path) -> list[str]:
    def rel(p: Path) -> str:
        try:
            return str(p.relative_to(ws.root))
        except ValueError:
            return str(p)

    lines = [f"Rekap {rekap.year} s.d. {rekap.upto} ({rekap.scope}): {rel(xlsx)}",
             f"Data tabular (CSV): {rel(csv_path)}"]
    if rekap.rates:
        q, n, got, on_time = rekap.rates[-1]
        rate = format_id(_percent(got, n), 1) if n else "—"
        timely = format_id(_percent(on_time, n), 1) if n else "—"
        lines.append(f"{quarter_label(q)}: {got} dari {n} unit mengirim data valid ({rate}%), "
                     f"{on_time} tepat waktu ({timely}%).")
    counts = ", ".join(f"{n} {name}" for name, n in rekap.predikat_counts if n)
    if counts:
        lines.append(f"Indikator tingkat {rekap.roots[0] if rekap.roots else '-'}, "
                     f"{period_label('TAHUN', rekap.quarter)}: {counts}.")
    if rekap.only_approved:
        lines.append(f"Hanya data yang telah disahkan: {len(rekap.state.used_ids)} kiriman dipakai.")
    return lines
