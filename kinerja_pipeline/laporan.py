"""The quarterly and half-year performance reports the SOPs name — Laporan Kinerja Triwulan and
Laporan Kinerja Semesteran — as ``keluaran/laporan_<tahun>_TW<n>`` / ``laporan_<tahun>_S<n>``
(``.html`` and ``.xlsx``).

Built from the same aggregate as the rekap and the LKjIP (:func:`aggregate.aggregate`): for
the organisation's top node, each indicator's target, realisasi, capaian and predikat for the
period and s.d. the period's last quarter, the units' penjelasan typed for the period's
quarters, how complete the collection is, a chart of capaian against 100 %, and the signature
block. First a model (:func:`build_laporan`), then two renderers.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import xlsxwriter

from . import ledger
from .aggregate import CAKUPAN_TEXT, aggregate, predikat_mark
from .charts import Bar, BarChart, chart_sheet, svg_bars
from .errors import KinerjaError
from .numbers import format_id, format_percent_id
from .periods import ROMAN, period_quarters, quarter_label
from .printing import print_setup
from .rules import CAKUPAN_PENUH, Rules, Signatory
from .scope import require_unit
from .styles import (BORDER, FONT, FONT_SIZE, GROUP_FILL, HEADER_FILL, HEADER_TEXT, NOTE_TEXT,
                     TOTAL_FILL, date_id, number_format, predikat_colors, predikat_legend, workbook_options)
from .text import OUTPUT_TEXT_MAX, clean_text
from .workspace import Workspace, atomic_write, remove_stale_temporaries, safe_name

TEMPLATE_DIR = Path(__file__).parent / "templates"
HTML_TEMPLATE = "laporan.html.j2"
DASH = "—"
SEMESTERS = {1: (1, 2), 2: (3, 4)}


@dataclass(frozen=True)
class Period:
    """A quarter (``kind`` "TW") or a half-year ("S") of a year."""

    year: int
    kind: str
    number: int

    @property
    def code(self) -> str:
        return f"{self.kind}{self.number}"

    @property
    def quarters(self) -> tuple[int, ...]:
        return period_quarters(self.code)

    @property
    def upto(self) -> int:
        return self.quarters[-1]

    @property
    def label(self) -> str:
        return f"Triwulan {ROMAN[self.number]}" if self.kind == "TW" else f"Semester {ROMAN[self.number]}"

    @property
    def title(self) -> str:
        return "Laporan Kinerja Triwulan" if self.kind == "TW" else "Laporan Kinerja Semesteran"

    @property
    def heading(self) -> str:
        """``Laporan Kinerja Triwulan III`` / ``Laporan Kinerja Semester I``."""
        return f"Laporan Kinerja {self.label}"

    @property
    def sd_label(self) -> str:
        return f"s.d. {quarter_label(self.upto)}"

    @property
    def stem(self) -> str:
        return f"laporan_{self.year}_{self.code}"


@dataclass
class Line:
    """One indicator of the report, for the period and s.d. its last quarter."""

    kode: str
    nama: str
    satuan: str
    desimal: int
    period: dict[str, Any]
    sd: dict[str, Any]
    penjelasan: list[tuple[str, str, str]] = field(default_factory=list)  # (unit, triwulan, teks)


@dataclass
class Group:
    sasaran: str
    lines: list[Line]


@dataclass
class Laporan:
    instansi: str
    kementerian: str
    unit_nama: str
    unit_kode: str
    period: Period
    data_per: str
    groups: list[Group]
    completeness: list[tuple[str, int, int]]       # (triwulan, units sent, units expected)
    legend: list[tuple[str, str, str]]             # (predikat, range, colour)
    colors: dict[str, str]
    signatory: Signatory | None
    notes: list[str]
    chart: BarChart

    @property
    def lines(self) -> list[Line]:
        return [line for g in self.groups for line in g.lines]


@dataclass(frozen=True)
class LaporanResult:
    """The two files written and the model they show (worded by :func:`reporting.laporan_text`)."""

    xlsx: Path
    html: Path
    model: Laporan


# --------------------------------------------------------------------------- entry point


def write_laporan(ws: Workspace, rules: Rules, year: int, *, quarter: int | None = None,
                  semester: int | None = None, unit: str | None = None,
                  conn: sqlite3.Connection | None = None) -> LaporanResult:
    """Write ``keluaran/laporan_<year>_TW<q>`` or ``…_S<s>`` (``.html`` and ``.xlsx``) for the
    organisation, or for node ``unit`` (``…_<unit>``)."""
    rules.require_year(year)
    node = unit or rules.root.kode
    require_unit(rules, node, "buat laporannya di workspace yang mencakup unit itu, mis. milik")
    if (quarter is None) == (semester is None):
        raise KinerjaError("Pilih satu periode: --quarter 1 sampai 4 (laporan triwulan) atau --semester 1 "
                           "atau 2 (laporan semesteran).")
    if quarter is not None and quarter not in (1, 2, 3, 4):
        raise KinerjaError(f"Triwulan harus 1 sampai 4, bukan {quarter}.")
    if semester is not None and semester not in SEMESTERS:
        raise KinerjaError(f"Semester harus 1 atau 2, bukan {semester}.")
    period = Period(year, "TW", quarter) if quarter is not None else Period(year, "S", int(semester or 0))
    own = conn is None
    if conn is None:
        conn = ledger.connect(ws.ledger) if ws.ledger.exists() else ledger.connect(Path(":memory:"))
    try:
        model = build_laporan(rules, period, conn, node)
    finally:
        if own:
            conn.close()
    stem = period.stem if node == rules.root.kode else f"{period.stem}_{safe_name(node)}"
    xlsx_path = ws.outputs / f"{stem}.xlsx"
    html_path = ws.outputs / f"{stem}.html"
    html = render_html(model)
    remove_stale_temporaries(ws.outputs)
    atomic_write(xlsx_path, lambda tmp: write_workbook(model, tmp))
    atomic_write(html_path, lambda tmp: tmp.write_text(html, encoding="utf-8"))
    return LaporanResult(xlsx_path, html_path, model)


# --------------------------------------------------------------------------- model


def build_laporan(rules: Rules, period: Period, conn: sqlite3.Connection, node: str) -> Laporan:
    """Everything the two renderers show, computed once, for ``node`` and the units below it."""
    subtree = {node, *(u.kode for u in rules.descendants(node))}
    values = ledger.values_frame(conn, period.year)
    values = values[values["unit"].isin(subtree)] if not values.empty else values
    agg = aggregate(rules, period.year, period.upto, values)
    mine = agg[agg["node"] == node]
    per_rows = {r["indikator"]: r for r in mine[mine["periode"] == period.code].to_dict("records")}
    sd_rows = {r["indikator"]: r for r in mine[mine["periode"] == "TAHUN"].to_dict("records")}
    inds = [i for i in rules.indicators if i.kode in per_rows and rules.in_report(i, node)]
    colors = predikat_colors(rules.policy.predikat)
    if not inds:
        raise KinerjaError(f"Unit '{node}' dan unit di bawahnya tidak melaporkan indikator instansi atau "
                           "program/kegiatan, jadi tidak punya laporan kinerja (IKI pegawai ada di rekap). "
                           "Pilih unit lain atau kosongkan --unit.")
    texts = _penjelasan(rules, values, period)
    groups: list[Group] = []
    for ind in inds:
        line = Line(ind.kode, ind.nama, ind.satuan, ind.desimal, _figures(per_rows[ind.kode]),
                    _figures(sd_rows.get(ind.kode, {})), texts.get(ind.kode, []))
        sasaran = rules.sasaran_of(ind.sasaran).nama
        if groups and groups[-1].sasaran == sasaran:
            groups[-1].lines.append(line)
        else:
            groups.append(Group(sasaran, [line]))
    subs = [r for r in ledger.current_submissions(conn, period.year)
            if int(r["quarter"]) in period.quarters and r["unit"] in subtree]
    expected = {u.kode for u in rules.units if u.kode in subtree and rules.indicators_for(u, period.year)}
    completeness = []
    for q in period.quarters:
        got = {r["unit"] for r in subs if int(r["quarter"]) == q} & expected
        completeness.append((quarter_label(q), len(got), len(expected)))
    notes = []
    partial = [line.kode for line in (ln for g in groups for ln in g.lines)
               if line.period["melapor"] and not line.period["lengkap"]]
    if partial:
        notes.append(f"{len(partial)} indikator belum mencakup semua unit dan semua triwulan yang "
                     f"wajib dilaporkan ({', '.join(partial)}); angka dan predikatnya sementara.")
    if rules.policy.cakupan_target == CAKUPAN_PENUH:
        notes.append(f"Capaian dibandingkan dengan {CAKUPAN_TEXT[CAKUPAN_PENUH]}.")
    chart = BarChart(f"Capaian Kinerja {period.label} {period.year} per Indikator (%)",
                     [Bar(line.kode, line.period["capaian"], colors.get(line.period["predikat"] or "", "#BFBFBF"),
                          line.nama) for g in groups for line in g.lines])
    received = [str(r["received_at"]) for r in subs if r["received_at"]]
    return Laporan(rules.instansi, rules.kementerian, rules.unit(node).nama, node, period,
                   _data_per(received), groups, completeness, predikat_legend(rules.policy.predikat),
                   colors, _signatory(rules, node), notes, chart)


def _num(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if v != v else v


def _figures(row: dict) -> dict[str, Any]:
    """One aggregate row as shown: capaian rounded as its predikat is read, the predikat marked
    "(sementara)" while the figure does not rest on every unit and quarter (``tampil``)."""
    return {"target": _num(row.get("target")), "realisasi": _num(row.get("realisasi")),
            "capaian": _num(row.get("capaian_bulat")), "predikat": row.get("predikat") or "",
            "tampil": predikat_mark(row) if row else "",
            "lengkap": bool(row.get("lengkap", False)),
            "melapor": int(row["unit_melapor"]) if row.get("unit_melapor") is not None else None,
            "diharapkan": int(row["unit_diharapkan"]) if row.get("unit_diharapkan") is not None else 0,
            "alasan": str(row.get("alasan") or "")}


def _penjelasan(rules: Rules, values: pd.DataFrame, period: Period) -> dict[str, list[tuple[str, str, str]]]:
    """What units typed as penjelasan/kendala in the period's quarters, per indicator."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    if values.empty:
        return out
    rank = {u.kode: n for n, u in enumerate(rules.units)}
    rows = values[pd.to_numeric(values["quarter"], errors="coerce").isin(period.quarters)]
    for r in sorted(rows.to_dict("records"), key=lambda r: (rank.get(r["unit"], 0), int(r["quarter"]))):
        text = clean_text(r.get("penjelasan"), OUTPUT_TEXT_MAX).strip()
        if text and rules.has_unit(r["unit"]):
            out.setdefault(r["indikator"], []).append(
                (rules.unit(r["unit"]).nama, quarter_label(int(r["quarter"])), text))
    return out


def _data_per(received: list[str]) -> str:
    if not received:
        return DASH
    try:
        return date_id(dt.datetime.fromisoformat(max(received)).date())
    except ValueError:
        return max(received)[:10]


def _signatory(rules: Rules, node: str) -> Signatory | None:
    """The organisation's LKjIP signatory for the top node; a node's own head below it."""
    if node == rules.root.kode:
        for role in ("laporan", "lkjip", "rekap"):
            if role in rules.penandatangan:
                return rules.penandatangan[role]
    unit = rules.unit(node)
    return Signatory(f"Kepala {unit.nama}", unit.kepala.nama, unit.kepala.nip) if unit.kepala else None


# --------------------------------------------------------------------------- words and numbers


def value_text(value: float | None, decimals: int) -> str:
    return DASH if value is None else format_id(value, decimals)


def percent_text(value: float | None) -> str:
    return DASH if value is None else format_id(value, 2)


def reporting_text(fig: dict[str, Any]) -> str:
    return DASH if fig["melapor"] is None else f"{fig['melapor']}/{fig['diharapkan']}"


# --------------------------------------------------------------------------- HTML


def render_html(model: Laporan) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(nilai=value_text, persen=percent_text, melapor=reporting_text,
                       persen_teks=format_percent_id)
    return env.get_template(HTML_TEMPLATE).render(m=model, dash=DASH, chart=jinja2.utils.markupsafe.Markup(
        svg_bars(model.chart)))


# --------------------------------------------------------------------------- workbook

HEADERS = [("No", 4), ("Kode", 7), ("Indikator Kinerja", 34), ("Satuan", 9), ("Target", 10),
           ("Realisasi", 10), ("Capaian (%)", 9), ("Predikat", 11), ("Target", 10), ("Realisasi", 10),
           ("Capaian (%)", 9), ("Predikat", 11), ("Unit Melapor", 8)]


class _Fmt:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.wb = wb
        self.font = {"font_name": FONT, "font_size": FONT_SIZE}
        self.grid = {**self.font, "border": 1, "border_color": BORDER, "valign": "top"}
        self.title = wb.add_format({**self.font, "bold": True, "font_size": 13})
        self.subtitle = wb.add_format({**self.font, "bold": True, "font_size": 10})
        self.label = wb.add_format({**self.font, "bold": True, "valign": "top"})
        self.plain = wb.add_format({**self.font, "text_wrap": True, "valign": "top"})
        self.note = wb.add_format({**self.font, "italic": True, "text_wrap": True, "valign": "top",
                                   "font_color": NOTE_TEXT})
        self.header = wb.add_format({**self.grid, "bold": True, "font_color": HEADER_TEXT, "bg_color": HEADER_FILL,
                                     "align": "center", "valign": "vcenter", "text_wrap": True})
        self.group = wb.add_format({**self.grid, "bold": True, "bg_color": GROUP_FILL, "text_wrap": True})
        self.text = wb.add_format({**self.grid, "text_wrap": True})
        self.center = wb.add_format({**self.grid, "align": "center"})
        self.sign = wb.add_format({**self.font, "align": "center"})
        self.sign_name = wb.add_format({**self.font, "align": "center", "bold": True, "underline": 1})
        self.total = wb.add_format({**self.grid, "bold": True, "bg_color": TOTAL_FILL})
        self._cache: dict[tuple, Any] = {}

    def number(self, decimals: int, fill: str | None = None) -> Any:
        key = ("n", decimals, fill)
        if key not in self._cache:
            spec = {**self.grid, "num_format": number_format(decimals)}
            if fill:
                spec["bg_color"] = fill
            self._cache[key] = self.wb.add_format(spec)
        return self._cache[key]

    def filled(self, fill: str | None) -> Any:
        key = ("t", fill)
        if key not in self._cache:
            self._cache[key] = self.wb.add_format({**self.grid, "align": "center",
                                                   **({"bg_color": fill} if fill else {})})
        return self._cache[key]


def write_workbook(model: Laporan, path: Path) -> None:
    """The report as a workbook: the table (with a chart below it) and the penjelasan sheet."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False, **workbook_options()})
    p = model.period
    wb.set_properties({"title": f"{p.heading} Tahun {p.year}", "company": model.instansi,
                       "created": dt.datetime(p.year, 1, 1)})
    fmt = _Fmt(wb)
    _capaian_sheet(wb, wb.add_worksheet("Capaian"), fmt, model)
    _penjelasan_sheet(wb.add_worksheet("Penjelasan Unit"), fmt, model)
    wb.close()


def _capaian_sheet(wb: Any, sh: Any, fmt: _Fmt, model: Laporan) -> None:
    p = model.period
    for c, (_, w) in enumerate(HEADERS):
        sh.set_column(c, c, w)
    last = len(HEADERS) - 1
    sh.merge_range(0, 0, 0, last, f"{p.heading.upper()} TAHUN {p.year}", fmt.title)
    sh.merge_range(1, 0, 1, last, f"{model.instansi} — data per {model.data_per}", fmt.subtitle)
    sent = "; ".join(f"{q}: {got} dari {n} unit mengirim data" for q, got, n in model.completeness)
    r = 2
    for text in [f"Kelengkapan: {sent}." if sent else "Kelengkapan: belum ada unit pelapor.", *model.notes]:
        sh.merge_range(r, 0, r, last, text, fmt.plain)
        sh.set_row(r, 12.5 * max(1, -(-len(text) // 190)) + 2)
        r += 1
    r += 1
    top = r
    sh.merge_range(r, 4, r, 7, p.label, fmt.header)
    sh.merge_range(r, 8, r, 11, f"{p.year} {p.sd_label}", fmt.header)
    for c in (0, 1, 2, 3, 12):
        sh.merge_range(r, c, r + 1, c, HEADERS[c][0], fmt.header)
    for c in range(4, 12):
        sh.write_string(r + 1, c, HEADERS[c][0], fmt.header)
    sh.set_row(r + 1, 26)
    sh.repeat_rows(top, top + 1)
    sh.freeze_panes(top + 2, 0)
    r += 2
    n = 0
    for g in model.groups:
        sh.merge_range(r, 0, r, last, g.sasaran, fmt.group)
        r += 1
        for line in g.lines:
            n += 1
            sh.write_number(r, 0, n, fmt.center)
            sh.write_string(r, 1, line.kode, fmt.center)
            sh.write_string(r, 2, line.nama, fmt.text)
            sh.write_string(r, 3, line.satuan, fmt.center)
            for start, fig in ((4, line.period), (8, line.sd)):
                fill = model.colors.get(fig["predikat"])
                _num_or_dash(sh, r, start, fig["target"], fmt.number(line.desimal), fmt)
                _num_or_dash(sh, r, start + 1, fig["realisasi"], fmt.number(line.desimal), fmt)
                _num_or_dash(sh, r, start + 2, fig["capaian"], fmt.number(2, fill), fmt)
                sh.write_string(r, start + 3, fig["tampil"] or DASH, fmt.filled(fill))
            sh.write_string(r, 12, reporting_text(line.period), fmt.center)
            sh.set_row(r, 12 * max(1, -(-len(line.nama) // 40)) + 3)
            r += 1
    if n == 0:
        sh.merge_range(r, 0, r, last, "Belum ada indikator dengan data untuk periode ini.", fmt.text)
        r += 1
    r += 1
    sh.write_string(r, 0, "Keterangan predikat (capaian):", fmt.label)
    r += 1
    for name, span, color in model.legend:
        sh.write_string(r, 1, "", fmt.filled(color))
        sh.write_string(r, 2, f"{name}: {span}", fmt.plain)
        r += 1
    r = _signature(sh, fmt, model, r + 1, 8, last)
    sh.print_area(0, 0, r, last)
    print_setup(sh, f"{p.heading} Tahun {p.year}", margins=(0.4, 0.6))
    _chart_sheet(wb, wb.add_worksheet("Grafik"), model)


def _chart_sheet(wb: Any, sh: Any, model: Laporan) -> None:
    """The capaian of every indicator against 100 %: its numbers, then the native chart."""
    p = model.period
    chart_sheet(wb, sh, model.chart.title, f"{model.instansi} — {p.heading} Tahun {p.year}", [model.chart])
    print_setup(sh, f"{p.heading} Tahun {p.year}", scale=100, margins=(0.4, 0.6))


def _num_or_dash(sh: Any, r: int, c: int, value: float | None, number_fmt: Any, fmt: _Fmt) -> None:
    if value is None:
        sh.write_string(r, c, DASH, fmt.center)
    else:
        sh.write_number(r, c, value, number_fmt)


def _signature(sh: Any, fmt: _Fmt, model: Laporan, r: int, first: int, last: int) -> int:
    sig = model.signatory
    lines = [(f"……………………, …………………… {model.period.year}", fmt.sign),
             (sig.jabatan if sig else "Penanggung jawab", fmt.sign), ("", fmt.sign), ("", fmt.sign),
             ("", fmt.sign), (sig.nama if sig else "(……………………………………)", fmt.sign_name),
             (f"NIP {sig.nip}" if sig and sig.nip else "", fmt.sign)]
    for text, f in lines:
        sh.merge_range(r, first, r, last, text, f)
        r += 1
    return r


def _penjelasan_sheet(sh: Any, fmt: _Fmt, model: Laporan) -> None:
    widths = [7, 34, 24, 9, 70]
    for c, w in enumerate(widths):
        sh.set_column(c, c, w)
    sh.write_string(0, 0, f"Penjelasan dan Kendala dari Unit Kerja — {model.period.label} {model.period.year}",
                    fmt.title)
    heads = ["Kode", "Indikator Kinerja", "Unit", "Triwulan", "Penjelasan / Kendala"]
    for c, h in enumerate(heads):
        sh.write_string(2, c, h, fmt.header)
    sh.repeat_rows(2)
    r = 3
    for line in model.lines:
        for unit, tw, text in line.penjelasan:
            sh.write_string(r, 0, line.kode, fmt.center)
            sh.write_string(r, 1, line.nama, fmt.text)
            sh.write_string(r, 2, unit, fmt.text)
            sh.write_string(r, 3, tw, fmt.center)
            sh.write_string(r, 4, text, fmt.text)
            sh.set_row(r, 12 * max(1, -(-len(text) // 78), -(-len(line.nama) // 38)) + 3)
            r += 1
    if r == 3:
        sh.merge_range(r, 0, r, 4, "Unit tidak menuliskan penjelasan atau kendala untuk periode ini.", fmt.text)
    print_setup(sh, f"{model.period.heading} Tahun {model.period.year}", margins=(0.4, 0.6))
