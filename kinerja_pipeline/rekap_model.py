"""The rekap model: plain dataclasses, and :func:`build_rekap`, which fills them from the ledger.

:func:`build_rekap` reads the ledger, rolls the data up with :mod:`kinerja_pipeline.aggregate`
and decides everything the rekap workbook and its CSV show (numbers, marks, words) into a plain
:class:`Rekap`; :mod:`kinerja_pipeline.rekap` only draws it (this module never imports it).

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

import datetime as dt
import math
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd

from . import ledger
from .aggregate import (CAKUPAN_TEXT, aggregate, aggregate_budget, budget_by_sasaran, coverage_mark,
                        own_rows, predikat_mark, sasaran_scores)
from .charts import Bar, BarChart, LineChart
from .layout import place_words
from .numbers import format_id
from .periods import QUARTERS, ROMAN, period_label, periods_up_to, quarter_label
from .reporting import invalid_reason
from .rules import Indicator, Rules, Signatory, Unit
from .styles import CHART_FILL, NA_FILL, date_id, predikat_colors, predikat_legend
from .text import OUTPUT_TEXT_MAX, clean_text
from .workflow import invalid_why

#: The name suffix of a unit's own row below its node row (a unit that reports and has
#: reporting units below it: the node row is its value with theirs).
OWN_ROW_WORDS = "unit itu sendiri"
#: Headings of the indicator groups of the period sheets (when the rules use more than one level).
TINGKAT_HEADINGS = {"instansi": "INDIKATOR KINERJA UTAMA (IKU) INSTANSI",
                    "unit": "INDIKATOR KINERJA PROGRAM/KEGIATAN UNIT",
                    "individu": "INDIKATOR KINERJA INDIVIDU (IKI) PEGAWAI"}

STATE_ACCEPTED = "diterima"
STATE_REJECTED = "tidak valid"
STATE_MISSING = "belum mengirim"

APPROVED_ONLY = "hanya data yang telah disahkan"
ALL_ACCEPTED = "semua data valid yang diterima"

_OUTCOME_WORDS = {"accepted": "diterima", "rejected": "tidak valid",
                  "unrecognised": "tidak dikenali", "duplicate": "duplikat"}
_SEVERITY_WORDS = {"error": "kesalahan", "warning": "peringatan"}


@dataclass(frozen=True)
class Rate:
    """How one quarter's collection stands: expected units, units with valid data, of them on time."""

    quarter: int
    expected: int
    accepted: int
    on_time: int


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
                why = invalid_why(slot, names)
                st.reason = clean_text(invalid_reason(why), OUTPUT_TEXT_MAX) if why else ""
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


def _roman_list(codes: str) -> str:
    """``"TW1,TW2"`` → ``"I, II"``."""
    parts = [c for c in str(codes or "").split(",") if c.startswith("TW")]
    return ", ".join(ROMAN.get(int(c[2:]), c) for c in parts if c[2:].isdigit())


def _upper(label: str) -> str:
    """Upper-case a period label for a title, keeping "s.d." as Indonesians write it."""
    return label.upper().replace("S.D.", "s.d.")


def _footer_text(text: str) -> str:
    return text.replace("&", "&&")


def _percent(part: int, whole: int) -> float:
    return part * 100.0 / whole if whole else math.nan

# --------------------------------------------------------------------------- the model
#
# Plain data: every number, mark and word the workbook shows is decided by the builders below
# (:func:`build_rekap`); the renderers in :mod:`kinerja_pipeline.rekap` only lay it out (widths,
# heights, formats).


@dataclass(frozen=True)
class SheetHead:
    """The first three rows of a table sheet."""

    title: str
    subtitle: str
    coverage: str                # "Cakupan data: …; data diterima s.d. …."


@dataclass(frozen=True)
class RateRow:
    """One quarter on the summary's completeness table."""

    rate: Rate
    label: str                   # "TW I"
    deadline: dt.date | None
    reporting: float             # % of the expected units with valid data (NaN without units)
    timely: float                # % of them on time (NaN without units)
    no_deadline: str             # shown instead of the on-time figures when no deadline is set
    rejected: int
    missing: int
    approved: int                # current submissions approved at the top level


@dataclass(frozen=True)
class PredikatRow:
    name: str
    count: int
    percent: float               # of the indicators counted (NaN when none)


@dataclass(frozen=True)
class ScoreRow:
    kode: str
    nama: str
    skor: float                  # NaN: no indicator of the sasaran has a capaian yet
    dinilai: str                 # "2 dari 3"


@dataclass(frozen=True)
class Summary:
    """The ``Ringkasan`` sheet."""

    title: str
    instansi: str
    kementerian: str
    info: list[tuple[str, str]]
    rates: list[RateRow]
    predikat_title: str
    predikat: list[PredikatRow]  # the policy's bands best first, then "Belum dapat dinilai"
    indicators: int              # how many were counted
    provisional: str             # a note when some of their predikat are provisional, else ""
    legend: list[tuple[str, str, str]]  # (predikat, capaian range, colour)
    scores_title: str
    scores: list[ScoreRow]
    chart_title: str
    score_cap: float | None      # the policy's batas_skor: the chart's fixed maximum
    signatory: Signatory | None


@dataclass(frozen=True, slots=True)
class GroupRow:
    """A heading row of a period sheet: a level's heading (``kode`` None) or a sasaran, with its
    skor and the note saying what the skor rests on (the organisation's IKU only)."""

    kode: str | None
    uraian: str
    skor: float = math.nan
    note: str = ""


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """One row of an indicator on a period sheet. ``unit`` None: the indicator's own title row
    (when it has no organisation-wide value, e.g. an IKI, which counts only up to the person's unit)."""

    indicator: Indicator
    style: str                   # top | mid (a sum of other units) | leaf
    depth: int                   # indent and outline level
    unit: str | None
    uraian: str
    target: float = math.nan
    realisasi: float = math.nan
    pembilang: float = math.nan
    penyebut: float = math.nan
    capaian: float = math.nan    # rounded half-up to 2 decimals (its predikat is read from it)
    capaian_dash: bool = False   # no capaian although units reported: a dash
    predikat: str = ""           # plain (its colour)
    predikat_shown: str = ""     # with "(sementara)" when provisional
    melapor: int = 0
    diharapkan: int = 0
    triwulan: str = ""           # "I, II"
    keterangan: str = ""         # the coverage mark and the aggregate's reason
    penjelasan: str = ""         # the unit's own text (quarter sheets, own rows only)


@dataclass(frozen=True)
class PeriodSheet:
    name: str
    head: SheetHead
    penjelasan: bool             # a quarter's sheet: with the units' penjelasan column
    rows: list[GroupRow | IndicatorRow]


@dataclass(frozen=True, slots=True)
class MatrixRow:
    kode: str
    nama: str
    depth: int
    parent: bool                 # has units below it
    cells: list[tuple[float, bool] | None]  # per indicator (capaian, complete); None: not reported


@dataclass(frozen=True)
class Matrix:
    head: SheetHead
    indicators: list[tuple[str, str]]  # (kode, nama)
    rows: list[MatrixRow]
    scale: tuple[float, float, float] | None  # the colour scale's predikat bounds (None: Excel's own)


@dataclass(frozen=True)
class ChartSheet:
    title: str
    name: str
    charts: list[Any]            # :mod:`kinerja_pipeline.charts` chart data


@dataclass(frozen=True, slots=True)
class BudgetLine:
    kode: str
    node: str
    name: str
    pagu: float
    realisasi: float
    serapan: float
    skor: float | None = None
    melapor: float | None = None
    diharapkan: float | None = None
    triwulan: str = ""
    kind: str = "leaf"           # group (a sasaran's or kegiatan's total) | top | leaf
    depth: int = 0


@dataclass(frozen=True)
class BudgetTable:
    title: str
    columns: tuple[int, ...]     # which of :data:`BUDGET_HEADS` it shows
    lines: list[BudgetLine]


@dataclass(frozen=True)
class Budget:
    head: SheetHead
    tables: list[BudgetTable]    # empty: no pagu for the year
    note: str


@dataclass(frozen=True, slots=True)
class StatusRow:
    quarter: str
    kode: str
    nama: str
    induk: str
    state: str                   # diterima | tidak valid | belum mengirim
    received: dt.datetime | str | None
    deadline: dt.date | None
    days_late: int | None
    sent: int
    file_name: str
    approvals: str               # the levels approved so far, in words
    reached: str
    reason: str


@dataclass(frozen=True, slots=True)
class IssueRow:
    file_name: str
    unit: str
    quarter: str
    outcome: str                 # in words
    received: dt.datetime | str | None
    code: str
    severity: str                # error | warning (its colour)
    severity_word: str
    place: str
    message: str


@dataclass(frozen=True)
class CsvTable:
    """The aggregate's rows behind the CSV: its columns as lists (rows ``0 … rows-1``; own rows
    may follow, which the CSV leaves out), and the units' penjelasan per (unit, quarter, indikator)."""

    columns: dict[str, list[Any]]
    rows: int
    penjelasan: dict[tuple[str, int, str], str]


@dataclass(frozen=True)
class Rekap:
    """Everything the rekap workbook and its CSV show, decided once."""

    year: int
    quarter: int
    only_approved: bool
    scope: str
    title: str                   # the document's title property
    instansi: str
    created: dt.datetime         # derived from the data, never the wall clock
    footer: str
    bands: tuple[Any, ...]       # the policy's predikat bands (their colours)
    summary: Summary
    periods: list[PeriodSheet]
    matrix: Matrix
    charts: ChartSheet
    budget: Budget
    status_head: SheetHead
    status: list[StatusRow]
    issues_head: SheetHead
    issues: list[IssueRow]
    table: CsvTable
    frame: pd.DataFrame          # the aggregate
    rates: list[Rate]
    root: str
    predikat_counts: list[tuple[str, int]]
    used: int                    # submissions used


# --------------------------------------------------------------------------- building the model


@dataclass
class _Data:
    """What the builders share: the aggregate's rows (and the own rows) as columns, grouped."""

    rules: Rules
    year: int
    quarter: int
    state: _State
    budget: pd.DataFrame
    n_agg: int                   # rows 0 … n_agg-1 are the aggregate's, the rest own rows
    cols: dict[str, Any]         # column → numpy array
    lists: dict[str, list]       # column → plain Python values (fast to index)
    own_rows: set[int]
    groups: dict[tuple[str, str], list[int]]  # (periode, indikator) → rows, nodes in pre-order
    sums_others: list[bool]
    mark: dict[int, str]         # incomplete rows: "sementara: …"
    shown_predikat: list[str]    # predikat, marked provisional where incomplete
    score_at: dict[tuple[str, str, str], tuple[float, int, int]]
    penjelasan: dict[tuple[str, int, str], str]
    depth: dict[str, int]
    roots: list[str]
    parents: set[str]
    upto: str                    # "TW II"
    scope: str                   # what data is included, in words
    coverage: str                # the table sheets' third line
    only_approved: bool


def _prepare(rules: Rules, year: int, quarter: int, state: _State, agg: pd.DataFrame,
             budget: pd.DataFrame, scores: pd.DataFrame, scope: str, only_approved: bool,
             own: pd.DataFrame | None = None) -> _Data:
    order = {u.kode: i for i, u in enumerate(_preorder(rules))}
    # rows of the aggregate grouped by (periode, indikator), nodes in pre-order; after the
    # aggregate's rows (0 … len(agg)-1), the own rows of units that report and have reporting
    # units below (aggregate.own_rows), each shown right below its node's row
    shown = agg if own is None or own.empty else pd.concat([agg, own[agg.columns]], ignore_index=True)
    own_rows = set(range(len(agg), len(shown)))
    cols = {c: shown[c].to_numpy() for c in shown.columns}
    lists = {c: shown[c].tolist() for c in shown.columns}
    groups: dict[tuple[str, str], list[int]] = {}
    for i, (per, ind) in enumerate(zip(cols["periode"], cols["indikator"])):
        groups.setdefault((per, ind), []).append(i)
    for rows in groups.values():
        rows.sort(key=lambda i: (order.get(cols["node"][i], 1 << 30), i in own_rows))
    # a row sums up other units when its node does not report the indicator or has reporting
    # units of it below (a unit reporting alone is a leaf for that indicator, whatever its depth)
    sums_others = [not (i in own_rows or (rules.reports(n, k, year) and d == 1))
                   for i, (n, k, d) in enumerate(zip(lists["node"], lists["indikator"], lists["unit_diharapkan"]))]
    mark: dict[int, str] = {}
    shown_predikat = list(lists["predikat"])
    for i in np.flatnonzero(~shown["lengkap"].to_numpy(bool)):
        row = {k: lists[k][i] for k in ("unit_melapor", "unit_diharapkan", "unit_lengkap", "triwulan",
                                        "lengkap", "predikat")}
        mark[int(i)] = coverage_mark(row)
        shown_predikat[i] = predikat_mark(row)
    penjelasan: dict[tuple[str, int, str], str] = {}
    v = state.values
    for unit, q, ind, text in zip(v["unit"], v["quarter"], v["indikator"], v["penjelasan"]):
        if isinstance(text, str) and text.strip():
            penjelasan[(unit, int(q), ind)] = clean_text(text, OUTPUT_TEXT_MAX)
    asof = (f"data diterima s.d. {date_id(state.data_asof.date())}" if state.data_asof
            else "belum ada data yang diterima")
    return _Data(
        rules=rules, year=year, quarter=quarter, state=state, budget=budget, n_agg=len(agg), cols=cols,
        lists=lists, own_rows=own_rows, groups=groups, sums_others=sums_others, mark=mark,
        shown_predikat=shown_predikat,
        score_at={(r.node, r.sasaran, r.periode): (r.skor, r.indikator_dinilai, r.indikator_total)
                  for r in scores.itertuples(index=False)},
        penjelasan=penjelasan, depth=_depths(rules), roots=[u.kode for u in rules.units if u.induk is None],
        parents={u.induk for u in rules.units if u.induk is not None}, upto=quarter_label(quarter),
        scope=scope, coverage=f"Cakupan data: {scope}; {asof}.", only_approved=only_approved)


def build_rekap(rules: Rules, year: int, quarter: int, conn: sqlite3.Connection, *,
                only_approved: bool = False) -> Rekap:
    """The rekap of ``year`` s.d. ``quarter`` from the ledger ``conn``: everything both files show."""
    state = _read_state(conn, rules, year, quarter, only_approved)
    agg = aggregate(rules, year, quarter, state.values)
    budget = aggregate_budget(rules, year, quarter, state.budget)
    instansi = [i.kode for i in rules.indicators if i.tingkat == "instansi"]
    scores = sasaran_scores(agg[agg["indikator"].isin(instansi)], rules)  # the organisation's IKU
    top = rules.policy.persetujuan[-1].nama if rules.policy.persetujuan else ""
    scope = f"{APPROVED_ONLY} ({top})" if only_approved else ALL_ACCEPTED
    d = _prepare(rules, year, quarter, state, agg, budget, scores, scope, only_approved,
                 own_rows(rules, year, quarter, state.values))
    title = f"Rekapitulasi Data Kinerja {year} s.d. {d.upto}"
    if only_approved:
        title += f" — {APPROVED_ONLY}"
    summary = _summary(d)
    return Rekap(
        year=year, quarter=quarter, only_approved=only_approved, scope=scope, title=title,
        instansi=rules.instansi, created=state.data_asof or dt.datetime(year, 1, 1),
        footer=_footer_text(f"{rules.instansi} — Rekap kinerja {year} s.d. {d.upto}"),
        bands=tuple(rules.policy.predikat), summary=summary,
        periods=[_period_sheet(d, per) for per in periods_up_to(quarter)],
        matrix=_matrix(d), charts=_charts(d), budget=_budget(d),
        status_head=_head(d, f"STATUS PENGUMPULAN DATA KINERJA TAHUN {year} s.d. {d.upto}",
                          "status kiriman setiap unit pelapor per triwulan"),
        status=_status_rows(d),
        issues_head=_head(d, f"CATATAN VALIDASI TAHUN {year}", "semua catatan validasi kiriman tahun ini"),
        issues=_issue_rows(d),
        table=CsvTable(d.lists, d.n_agg, d.penjelasan), frame=agg,
        rates=[r.rate for r in summary.rates], root=d.roots[0] if d.roots else "",
        predikat_counts=[(p.name, p.count) for p in summary.predikat], used=len(state.used_ids))


def _head(d: _Data, title: str, subtitle: str) -> SheetHead:
    return SheetHead(title, f"{d.rules.instansi} — {subtitle}", d.coverage)


def _summary(d: _Data) -> Summary:
    rules, year, quarter = d.rules, d.year, d.quarter
    title = f"REKAPITULASI DATA KINERJA TAHUN {year} s.d. {d.upto}"
    if d.only_approved:
        title += f" — {APPROVED_ONLY.upper()}"
    info = [("Tahun", str(year)),
            ("Periode", "Triwulan I (TW I)" if quarter == 1 else
             f"Triwulan I s.d. Triwulan {ROMAN[quarter]} ({d.upto})"),
            ("Cakupan data", d.scope),
            ("Data diterima s.d.", date_id(d.state.data_asof.date())
             if d.state.data_asof else "belum ada data yang diterima"),
            ("Unit pelapor", f"{len(rules.reporting_units)} unit (satu formulir per triwulan)"),
            ("Target pembanding", CAKUPAN_TEXT[rules.policy.cakupan_target]),
            ("Angka sementara", "ditandai 'sementara' (di kolom Keterangan dan Predikat) bila "
                                "belum semua unit mengirim semua triwulan periodenya")]
    root = d.roots[0] if d.roots else ""
    root_name = rules.unit(root).nama if root else ""
    tahun = period_label("TAHUN", quarter)
    c = d.cols
    instansi = {i.kode for i in rules.indicators if i.tingkat == "instansi"}  # the organisation's IKU
    at_root = [i for i in range(d.n_agg) if c["node"][i] == root and c["periode"][i] == "TAHUN"
               and c["indikator"][i] in instansi]
    total = len(at_root)
    counts = [(band.predikat, sum(c["predikat"][i] == band.predikat for i in at_root))
              for band in rules.policy.predikat]
    counts.append(("Belum dapat dinilai", sum(c["predikat"][i] == "" for i in at_root)))
    provisional = sum(bool(c["predikat"][i]) and not c["lengkap"][i] for i in at_root)
    cap = rules.policy.batas_skor
    capped = f" (capaian dibatasi {format_id(cap, 0)}%)" if cap is not None else ""
    scores = []
    for sas in rules.sasaran:
        skor, dinilai, total_ind = d.score_at.get((root, sas.kode, "TAHUN"), (math.nan, 0, 0))
        scores.append(ScoreRow(sas.kode, sas.nama, skor, f"{int(dinilai)} dari {int(total_ind)}"))
    return Summary(
        title=title, instansi=rules.instansi, kementerian=rules.kementerian, info=info,
        rates=[_rate_row(d, q) for q in range(1, quarter + 1)],
        predikat_title=f"B. Jumlah indikator per predikat — {root_name}, {tahun}",
        predikat=[PredikatRow(name, n, _percent(n, total)) for name, n in counts], indicators=total,
        provisional=(f"{provisional} dari {total} predikat di atas masih sementara: belum semua unit "
                     "mengirim semua triwulan." if provisional else ""),
        legend=predikat_legend(rules.policy.predikat),
        scores_title=f"C. Rata-rata skor capaian per sasaran — {root_name}, {tahun}{capped}",
        scores=scores, chart_title=f"Rata-rata skor per sasaran ({tahun})", score_cap=cap,
        signatory=rules.penandatangan.get("rekap"))


def _rate_row(d: _Data, q: int) -> RateRow:
    rows = [s for s in d.state.status if s.quarter == q]
    n, got = len(rows), sum(s.state == STATE_ACCEPTED for s in rows)
    on_time = sum(s.on_time for s in rows)
    deadline = d.rules.policy.deadline(d.year, q)
    return RateRow(Rate(q, n, got, on_time), quarter_label(q), deadline, _percent(got, n),
                   _percent(on_time, n), "tenggat belum ditetapkan" if deadline is None else "",
                   sum(s.state == STATE_REJECTED for s in rows), sum(s.state == STATE_MISSING for s in rows),
                   sum(s.top_approved for s in rows))


def _period_sheet(d: _Data, per: str) -> PeriodSheet:
    """A period's sheet: per level (when the rules use more than one) and sasaran, the sasaran's
    row, then each indicator's rows."""
    rules, year = d.rules, d.year
    label = period_label(per, d.quarter)
    title = (f"REKAPITULASI CAPAIAN KINERJA TAHUN {year}" + ("" if d.quarter == 4 else f" s.d. {d.upto}")
             if per == "TAHUN" else f"REKAPITULASI CAPAIAN KINERJA {_upper(label)} TAHUN {year}")
    quarter = int(per[2:]) if per.startswith("TW") else None
    rows: list[GroupRow | IndicatorRow] = []
    levels = [t for t in TINGKAT_HEADINGS if any(i.tingkat == t for i in rules.indicators)]
    heading = None
    for tingkat, sas in ((t, s) for t in levels for s in rules.sasaran):
        inds = [i for i in rules.indicators if i.sasaran == sas.kode and i.tingkat == tingkat
                and (per, i.kode) in d.groups]
        if not inds:
            continue
        if len(levels) > 1 and tingkat != heading:
            # indicators grouped by level: the organisation's IKU, units' programme
            # indicators, persons' IKI
            heading = tingkat
            rows.append(GroupRow(None, TINGKAT_HEADINGS[tingkat]))
        if len(d.roots) == 1 and tingkat == "instansi":
            skor, dinilai, total = d.score_at.get((d.roots[0], sas.kode, per), (math.nan, 0, 0))
            note = f"Skor sasaran: rata-rata capaian {int(dinilai)} dari {int(total)} indikator"
            if rules.policy.batas_skor is not None:
                note += f", masing-masing dibatasi {format_id(rules.policy.batas_skor, 0)}%"
            rows.append(GroupRow(sas.kode, sas.nama, skor, note))
        else:
            rows.append(GroupRow(sas.kode, sas.nama))
        for ind in inds:
            rows += _indicator_rows(d, per, ind, quarter)
    return PeriodSheet("Tahunan" if per == "TAHUN" else period_label(per), _head(d, title, f"{label} {year}"),
                       quarter is not None, rows)


def _indicator_rows(d: _Data, per: str, ind: Indicator, quarter: int | None) -> list[IndicatorRow]:
    """One indicator's rows on a period sheet, its nodes in pre-order."""
    rules, c = d.rules, d.lists
    multi_root = len(d.roots) > 1
    out = []
    group = d.groups[(per, ind.kode)]
    if group and d.depth.get(c["node"][group[0]], 0) > 0:
        # no organisation-wide row: the indicator's own title row, then each own unit with its
        # persons below it
        out.append(IndicatorRow(ind, "top", 0, None, ind.nama))
    for i in group:
        node = c["node"][i]
        own = i in d.own_rows
        depth = d.depth.get(node, 0) + own
        if depth == 0:
            name = ind.nama + (f" — {rules.unit(node).nama}" if multi_root else "")
        else:
            name = rules.unit(node).nama + (f" — {OWN_ROW_WORDS}" if own else "")
        cap = c["capaian_bulat"][i]
        out.append(IndicatorRow(
            ind, "top" if depth == 0 else ("mid" if d.sums_others[i] else "leaf"), depth, node, name,
            c["target"][i], c["realisasi"][i], c["pembilang"][i], c["penyebut"][i], cap,
            cap != cap and c["unit_melapor"][i] > 0, c["predikat"][i], d.shown_predikat[i],
            c["unit_melapor"][i], c["unit_diharapkan"][i], _roman_list(c["triwulan"][i]),
            "; ".join(t for t in (d.mark.get(i, ""), c["alasan"][i] or "") if t),
            # a unit's penjelasan explains its own value: on its own row, not on a node's sum
            d.penjelasan.get((node, quarter, ind.kode), "") if quarter and not d.sums_others[i] else ""))
    return out


def _matrix(d: _Data) -> Matrix:
    rules, c = d.rules, d.lists
    label = period_label("TAHUN", d.quarter)
    inds = [i for i in rules.indicators if ("TAHUN", i.kode) in d.groups]
    cap: dict[tuple[str, str], tuple[float, bool]] = {}
    for i in range(d.n_agg):
        if c["periode"][i] == "TAHUN":
            cap[(c["node"][i], c["indikator"][i])] = (c["capaian_bulat"][i], c["lengkap"][i])
    rows = [MatrixRow(u.kode, u.nama, d.depth.get(u.kode, 0), u.kode in d.parents,
                      [cap.get((u.kode, ind.kode)) for ind in inds])
            for u in _preorder(rules, {n for n, _ in cap})]
    cuts = sorted(b.dari for b in rules.policy.predikat if b.dari is not None)
    return Matrix(_head(d, f"MATRIKS CAPAIAN KINERJA (%) TAHUN {d.year}"
                        + ("" if d.quarter == 4 else f" s.d. {d.upto}"), f"capaian {label} per unit dan indikator"),
                  [(i.kode, i.nama) for i in inds], rows,
                  (cuts[0], cuts[len(cuts) // 2], cuts[-1]) if len(cuts) >= 2 else None)


def _charts(d: _Data) -> ChartSheet:
    """Native charts of the top node, year s.d. the quarter: capaian per indicator against
    100 %, mean capaian per sasaran, and each indicator's realisasi over the years where the
    rules give earlier years."""
    rules, c = d.rules, d.lists
    root = d.roots[0] if d.roots else ""
    tahun = period_label("TAHUN", d.quarter)
    colors = predikat_colors(rules.policy.predikat)
    at = {c["indikator"][i]: i for i in range(d.n_agg) if c["node"][i] == root and c["periode"][i] == "TAHUN"}
    inds = [ind for ind in rules.indicators if ind.kode in at]

    def number(value: Any) -> float | None:
        return None if _isnan(value) else float(value)

    bars = [Bar(ind.kode, number(c["capaian_bulat"][at[ind.kode]]),
                colors.get(c["predikat"][at[ind.kode]], NA_FILL), ind.nama) for ind in inds]
    sas = [Bar(s.kode, number(d.score_at.get((root, s.kode, "TAHUN"), (math.nan,))[0]), CHART_FILL,
               s.nama) for s in rules.sasaran if any(i.sasaran == s.kode for i in inds)]
    charts: list[Any] = [BarChart(f"Capaian per Indikator, {tahun} {d.year} (%)", bars),
                         BarChart(f"Rata-rata Capaian per Sasaran, {tahun} {d.year} (%)", sas,
                                  series_name="Rata-rata capaian (%)")]
    past: dict[str, dict[int, float]] = {}
    for v in rules.past:
        if v.unit == root and v.tahun < d.year:
            past.setdefault(v.indikator, {})[v.tahun] = v.realisasi
    for ind in inds:
        if ind.kode in past:
            years = sorted(past[ind.kode])
            now = number(c["realisasi"][at[ind.kode]])
            charts.append(LineChart(f"{ind.kode} — realisasi ({ind.satuan})",
                                    [str(y) for y in years] + [f"{d.year} ({d.upto})"],
                                    [(ind.kode, [past[ind.kode][y] for y in years] + [now])], ind.desimal))
    return ChartSheet(f"GRAFIK CAPAIAN KINERJA TAHUN {d.year} s.d. {d.upto}",
                      rules.unit(root).nama if root else rules.instansi, charts)


def _serapan(pagu: float, real: float) -> float:
    return real * 100.0 / pagu if pagu and not _isnan(real) else math.nan


def _budget(d: _Data) -> Budget:
    """Pagu, realisasi and serapan: A. per unit, B. per sasaran (with the sasaran's skor),
    C. per kegiatan."""
    rules, b = d.rules, d.budget
    head = _head(d, f"REALISASI ANGGARAN TAHUN {d.year} s.d. {d.upto}", "pagu, realisasi dan serapan anggaran")
    note = (f"Skor kinerja: rata-rata skor capaian indikator sasaran ({period_label('TAHUN', d.quarter)}). "
            "Serapan = realisasi ÷ pagu × 100.")
    if b.empty:
        return Budget(head, [], note)
    plain = pd.DataFrame({k: b[k].to_numpy() for k in b.columns})  # no attrs: cheap row access
    g = plain.groupby("node", sort=False)
    totals = {node: (pagu, real) for node, pagu, real in zip(
        g["pagu"].sum().index, g["pagu"].sum().to_numpy(), g["realisasi"].sum(min_count=1).to_numpy())}
    by_unit = []
    for u in _preorder(rules, totals):
        (pagu, real), depth = totals[u.kode], d.depth.get(u.kode, 0)
        by_unit.append(BudgetLine("", u.kode, u.nama, pagu, real, _serapan(pagu, real),
                                  kind="top" if depth == 0 else "leaf", depth=depth))
    by_sas = budget_by_sasaran(b)
    per_sasaran = [line for sas in rules.sasaran for line in _budget_lines(
        d, sas.kode, sas.nama, _records(by_sas[by_sas["sasaran"] == sas.kode]),
        lambda node, p, s=sas.kode: {"skor": d.score_at.get((node, s, "TAHUN"), (math.nan,))[0]})]
    per_kegiatan = [line for keg in rules.kegiatan for line in _budget_lines(
        d, keg.kode, keg.nama, _records(plain[plain["kegiatan"] == keg.kode]),
        lambda node, p: {"melapor": p["unit_melapor"], "diharapkan": p["unit_diharapkan"],
                         "triwulan": _roman_list(p["triwulan"])})]
    return Budget(head, [
        BudgetTable("A. Total per unit", (1, 2, 3, 4, 5), by_unit),
        BudgetTable("B. Per sasaran (dengan skor kinerja sasaran, untuk melihat efisiensi)",
                    (0, 1, 2, 3, 4, 5, 6), per_sasaran),
        BudgetTable("C. Per kegiatan", (0, 1, 2, 3, 4, 5, 7, 8, 9), per_kegiatan)], note)


def _budget_lines(d: _Data, kode: str, nama: str, part: dict[str, dict[str, Any]],
                  extra: Callable[[str, dict[str, Any]], dict[str, Any]]) -> list[BudgetLine]:
    """A sasaran's or kegiatan's lines: its total (the top unit) as a group row, then each unit
    below in pre-order; ``extra(node, row)`` gives the table's own columns."""
    out = []
    for u in _preorder(d.rules, part):
        p, depth = part[u.kode], d.depth.get(u.kode, 0)
        out.append(BudgetLine(kode, u.kode, nama if depth == 0 else u.nama, p["pagu"], p["realisasi"],
                              p["serapan"], kind="group" if depth == 0 else "leaf", depth=depth,
                              **extra(u.kode, p)))
    return out


def _status_rows(d: _Data) -> list[StatusRow]:
    names = {lv.level: lv.nama for lv in d.rules.policy.persetujuan}
    out = []
    for s in d.state.status:
        if s.state == STATE_ACCEPTED:
            done = ", ".join(names[lv] for lv in s.approved_levels) or "belum ada"
            reached = names[s.approved_levels[-1]] if s.approved_levels else "belum disetujui"
        else:
            done = reached = ""
        out.append(StatusRow(quarter_label(s.quarter), s.unit.kode, s.unit.nama, s.unit.induk or "", s.state,
                             s.received, s.deadline, s.days_late, s.sent, s.file_name, done, reached, s.reason))
    return out


def _issue_rows(d: _Data) -> list[IssueRow]:
    out = []
    for row in d.state.issues.itertuples(index=False):
        q = row.quarter
        out.append(IssueRow(
            str(row.file_name or ""), "" if _isnan(row.unit) else str(row.unit),
            quarter_label(int(q)) if not _isnan(q) and int(q) in QUARTERS else "",
            _OUTCOME_WORDS.get(row.outcome, str(row.outcome)), _parse_time(row.received_at),
            str(row.code or ""), row.severity, _SEVERITY_WORDS.get(row.severity, str(row.severity)),
            place_words(str(row.sheet or ""), str(row.cell or "")), str(row.message or "")))
    return out


def _records(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Rows of a frame with a unique ``node`` column, as plain dicts keyed by node."""
    cols = {k: frame[k].to_numpy() for k in frame.columns}
    return {node: {k: v[i] for k, v in cols.items()} for i, node in enumerate(cols["node"])}
