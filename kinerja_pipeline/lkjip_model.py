"""The LKjIP model: plain dataclasses, and :func:`build_report`, which fills them from the ledger.

:func:`build_report` reads the ledger's current accepted values of a year, aggregates them with
:func:`kinerja_pipeline.aggregate.aggregate` up to the latest quarter that has data, and computes
into one :class:`Report` everything the LKjIP workbook and HTML page show; :mod:`kinerja_pipeline.lkjip`
only formats it (this module never imports it). The report holds these numbered tables:

1. Perjanjian Kinerja — sasaran, indikator, satuan, annual target; kegiatan and pagu.
2. Pengukuran Kinerja — target, realisasi, capaian, predikat (s.d. TW n while the year runs).
3. Realisasi against earlier years (ledger when it holds the year completely, else
   ``rules/realisasi_tahun_lalu``), with the change against last year.
4. Progress against the Renstra end target (the capaian formula with T = Renstra target).
5. Against the national standard, where the rules give one.
6. The units' penjelasan/kendala per indicator (unit, quarter, text as typed).
7. Realisasi anggaran per sasaran beside the sasaran's mean capaian, with an efisiensi reading:
   indeks = capaian ÷ serapan; *efisien* when capaian ≥ serapan (see :data:`EFISIENSI_RULE`).
8. A drafted paragraph per indicator from the editable jinja2 template ``rules/narasi_lkjip.j2``
   (compiled by :mod:`kinerja_pipeline.lkjip`; the packaged sample when the workspace has none),
   rendered here with the Indonesian number filters :data:`FILTERS`.
"""
from __future__ import annotations

import datetime as dt
import math
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import jinja2
import pandas as pd

from . import ledger
from .aggregate import (CAKUPAN_TEXT, aggregate, aggregate_budget, budget_by_sasaran, coverage_mark,
                        predikat_mark, sasaran_scores)
from .charts import Bar, BarChart, LineChart
from .errors import KinerjaError, RulesError
from .numbers import format_id, format_percent_id
from .periods import QUARTERS, quarter_label, quarter_span, quarters_of
from .rules import CAKUPAN_PENUH, RENSTRA_TAHUNAN, RENSTRA_YEARS, Indicator, Rules, Signatory, Unit
from .semantics import rounded_of
from .styles import CHART_FILL, NA_FILL, date_id, predikat_colors, predikat_index
from .text import OUTPUT_TEXT_MAX, clean_text

DASH = "—"
#: Satuan that read better without the unit word in a sentence ("81,00", not "81,00 indeks").
UNITLESS = frozenset({"", "indeks", "nilai", "skor", "poin", "angka"})
MAX_EARLIER_YEARS = 3
MAX_LISTED = 8

EFISIENSI_RULE = (
    "Indeks efisiensi = rata-rata capaian sasaran ÷ serapan anggaran. Efisien bila capaian ≥ "
    "serapan (indeks ≥ 1,00): hasil kinerja sebanding dengan atau melampaui porsi anggaran yang "
    "terserap. Kurang efisien bila capaian < serapan (indeks < 1,00). Tidak dinilai bila capaian "
    "atau realisasi anggaran belum ada, atau serapan 0%.")


# --------------------------------------------------------------------------- report model


@dataclass(frozen=True)
class Cell:
    """One table cell. ``kind``: text, int, num, pct (a percentage, shown without "%" under its
    "(%)" header) or money; ``None`` shows a dash."""

    value: str | float | int | None
    kind: str = "text"
    decimals: int = 0
    css: str = ""

    @property
    def is_number(self) -> bool:
        return self.kind != "text"

    @property
    def display(self) -> str:
        """The cell as the HTML page shows it (Indonesian number format)."""
        if self.kind == "text":
            return "" if self.value is None else str(self.value)
        if self.value is None:
            return DASH
        if self.kind == "int":
            return str(int(self.value))
        if self.kind == "pct":  # under a "(%)" header: the number alone, as the workbook shows it
            return format_id(float(self.value), self.decimals)
        if self.kind == "money":
            return format_id(float(self.value), 0)
        return format_id(float(self.value), self.decimals)


@dataclass
class Row:
    cells: list[Cell]
    kind: str = "data"          # data | group (a heading across the table) | total


@dataclass
class Block:
    caption: str
    headers: list[str]
    widths: list[float]          # column widths in the workbook (characters)
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    empty: str = ""              # shown instead of rows when there are none

    def row_groups(self) -> list[list[Row]]:
        """The rows cut before every group heading (the HTML keeps each piece on one page)."""
        out: list[list[Row]] = []
        for row in self.rows:
            if row.kind == "group" or not out:
                out.append([])
            out[-1].append(row)
        return out


@dataclass
class Section:
    number: int
    sheet: str
    title: str
    bab: str
    blocks: list[Block]


@dataclass
class Narasi:
    kode: str
    nama: str
    sasaran: str
    text: str


@dataclass
class Report:
    instansi: str
    kementerian: str
    node: Unit
    is_root: bool
    year: int
    upto: int
    has_data: bool
    data_per: str
    signatory: Signatory | None
    notes: list[str]
    sections: list[Section]
    narasi: list[Narasi]
    predikat_counts: list[tuple[str, int]]
    n_indicators: int
    n_sasaran: int
    charts: dict[int, list[Any]] = field(default_factory=dict)   # section number → charts after it

    @property
    def sd(self) -> str:
        """" s.d. TW II" while the year runs, "" once TW IV is in."""
        return "" if self.upto == 4 else f" s.d. {quarter_label(self.upto)}"

    @property
    def periode_text(self) -> str:
        if not self.has_data:
            return "belum ada data realisasi"
        if self.upto == 4:
            return f"Tahunan (TW I–IV {self.year})"
        return f"s.d. {quarter_label(self.upto)} {self.year} (data tahunan belum lengkap)"


# --------------------------------------------------------------------------- numbers


def _num(x: Any) -> float | None:
    """A float, or None for NaN/None (missing is not zero)."""
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _better(ind: Indicator, diff: float) -> bool | None:
    """Whether a change ``diff`` of realisasi is an improvement (None when there is no change)."""
    if diff == 0:
        return None
    return (diff > 0) == (ind.polaritas == "positif")


def _nilai(value: Any, desimal: int = 2, satuan: str = "") -> str:
    v = _num(value)
    if v is None:
        return DASH
    text = format_id(v, int(desimal))
    if satuan == "%":
        return text + "%"
    return text if satuan.strip().lower() in UNITLESS else f"{text} {satuan}"


def _nilai_selisih(value: Any, desimal: int = 2, satuan: str = "") -> str:
    v = _num(value)
    if v is None:
        return DASH
    text = format_id(abs(v), int(desimal))
    if satuan == "%":
        return f"{text} poin persen"
    return f"{text} poin" if satuan.strip().lower() in UNITLESS else f"{text} {satuan}"


def _angka(value: Any, desimal: int = 2) -> str:
    return format_id(_num(value), int(desimal))


def _persen(value: Any, desimal: int = 2) -> str:
    return format_percent_id(_num(value), int(desimal))


def _rupiah(value: Any) -> str:
    v = _num(value)
    return DASH if v is None else "Rp " + format_id(v, 0)


FILTERS = {"angka": _angka, "persen": _persen, "rupiah": _rupiah, "nilai": _nilai,
           "nilai_selisih": _nilai_selisih, "triwulan": lambda q: quarter_label(int(q))}


# --------------------------------------------------------------------------- narasi template


def _render_narasi(template: tuple[Path, jinja2.Template], context: Mapping[str, Any]) -> str:
    path, tpl = template
    try:
        text = tpl.render(**context)
    except jinja2.UndefinedError as exc:
        raise RulesError(path, f"templat narasi memakai variabel yang tidak ada ({exc.message}). "
                         f"Variabel yang tersedia: {', '.join(sorted(context))}.") from None
    except jinja2.TemplateError as exc:
        raise RulesError(path, f"templat narasi gagal dijalankan ({exc}).") from None
    except Exception as exc:  # noqa: BLE001 - a filter given the wrong argument by the editor
        raise RulesError(path, f"templat narasi gagal dijalankan ({type(exc).__name__}: {exc}). "
                         "Periksa filter dan argumennya.") from None
    return " ".join(text.split())


# --------------------------------------------------------------------------- building


@dataclass
class _Ctx:
    rules: Rules
    year: int
    node: str
    upto: int
    inds: list[Indicator]
    cur: dict[str, dict]          # indikator → TAHUN row of the node (s.d. TW upto)
    annual_target: dict[str, float | None]
    unit_capaian: dict[tuple[str, str], float | None]
    unit_rows: dict[tuple[str, str], dict]   # (unit, indikator) → TAHUN row of each subtree unit
    kendala: dict[str, list[dict]]
    band_css: dict[str, str]


def _current_submissions(conn: sqlite3.Connection, year: int, units: set[str]) -> list[sqlite3.Row]:
    """The submissions in use of ``units`` in ``year`` (the ledger's one collection-state model)."""
    return [r for r in ledger.current_submissions(conn, year) if r["unit"] in units]


def build_report(rules: Rules, year: int, node: str, conn: sqlite3.Connection,
                 template: tuple[Path, jinja2.Template]) -> Report:
    """Everything the two outputs show, computed once (both renderers only format it)."""
    subtree = {node, *(u.kode for u in rules.descendants(node))}
    subs = _current_submissions(conn, year, subtree)
    has_data = bool(subs)
    upto = max(int(r["quarter"]) for r in subs) if subs else 4
    values = ledger.values_frame(conn, year)
    budget = ledger.budget_frame(conn, year)
    agg = aggregate(rules, year, upto, values)
    annual = agg if upto == 4 else aggregate(rules, year, 4, values)
    mine = agg[(agg["node"] == node) & (agg["periode"] == "TAHUN")]
    if mine.empty:
        raise KinerjaError(f"Unit '{node}' dan unit di bawahnya tidak melaporkan indikator apa pun, "
                           "jadi tidak punya LKjIP. Pilih unit lain atau kosongkan --unit.")
    cur = {r["indikator"]: r for r in mine.to_dict("records")}
    inds = [i for i in rules.indicators if i.kode in cur and rules.in_report(i, node)]
    if not inds:
        raise KinerjaError(f"Unit '{node}' tidak punya indikator instansi atau indikator program/"
                           "kegiatan (tingkat instansi atau unit), jadi tidak punya LKjIP; IKI "
                           "pegawai ada di rekap. Pilih unit lain atau kosongkan --unit.")
    cur = {k: r for k, r in cur.items() if k in {i.kode for i in inds}}
    ann = annual[(annual["node"] == node) & (annual["periode"] == "TAHUN")]
    annual_target = {r["indikator"]: _num(r["target_penuh"]) for r in ann.to_dict("records")}
    own = agg[(agg["periode"] == "TAHUN") & agg["node"].isin(subtree)]
    unit_rows = {(r["node"], r["indikator"]): r for r in own.to_dict("records")}
    unit_capaian = {k: _num(r["capaian"]) for k, r in unit_rows.items()}

    bands = sorted(rules.policy.predikat, key=lambda b: -math.inf if b.dari is None else b.dari,
                   reverse=True)
    band_css = {name: f"pk{i}" for name, i in predikat_index(bands).items()}
    ctx = _Ctx(rules, year, node, upto, inds, cur, annual_target, unit_capaian, unit_rows,
               _kendala(rules, values, subtree, upto, {i.kode for i in inds}), band_css)

    sd = "" if upto == 4 else f" s.d. {quarter_label(upto)}"
    history = _history(rules, conn, year, node, subtree, inds)
    bud = aggregate_budget(rules, year, upto, budget)
    bud_node = bud[bud["node"] == node]
    scores = sasaran_scores(agg[agg["indikator"].isin([i.kode for i in inds])], rules)
    scores = scores[(scores["node"] == node) & (scores["periode"] == "TAHUN")]

    sections = [
        Section(1, "Tabel 1 PK", f"Perjanjian Kinerja Tahun {year}", "II",
                _table_pk(ctx, bud_node, sd)),
        Section(2, "Tabel 2 Pengukuran", f"Pengukuran Kinerja Tahun {year}{sd}", "III",
                [_table_pengukuran(ctx, sd)]),
        Section(3, "Tabel 3 Tahun Sebelumnya",
                f"Realisasi dan Capaian Kinerja Tahun {year}{sd} Dibandingkan Tahun Sebelumnya",
                "III", [_table_history(ctx, history, sd)]),
        Section(4, "Tabel 4 Renstra", f"Realisasi Tahun {year}{sd} terhadap Target Akhir Renstra",
                "III", [_table_renstra(ctx, history, sd)]),
        Section(5, "Tabel 5 Standar Nasional",
                f"Realisasi Tahun {year}{sd} terhadap Standar Nasional", "III",
                [_table_standar(ctx, sd)]),
        Section(6, "Tabel 6 Penjelasan Unit",
                f"Penjelasan dan Kendala dari Unit Kerja Tahun {year}{sd}", "III",
                [_table_kendala(ctx, sd)]),
        Section(7, "Tabel 7 Anggaran",
                f"Realisasi Anggaran dan Capaian Kinerja per Sasaran Tahun {year}{sd}", "III",
                [_table_budget(ctx, bud_node, scores, sd)]),
    ]
    narasi = [Narasi(i.kode, i.nama, rules.sasaran_of(i.sasaran).nama,
                     _render_narasi(template, _narasi_context(ctx, i, history)))
              for i in inds]
    sections.append(Section(8, "Tabel 8 Narasi", f"Draf Uraian Capaian per Indikator Tahun {year}{sd}",
                            "III", [_table_narasi(narasi, sd)]))

    received = [str(r["received_at"]) for r in subs if int(r["quarter"]) <= upto]
    return Report(
        instansi=rules.instansi, kementerian=rules.kementerian, node=rules.unit(node),
        is_root=node == rules.root.kode, year=year, upto=upto, has_data=has_data,
        data_per=_data_per(received), signatory=_signatory(rules, node),
        notes=_notes(rules, conn, year, node, subtree, upto, subs, ctx),
        sections=sections, narasi=narasi,
        predikat_counts=_predikat_counts(bands, [cur[i.kode]["predikat"] for i in inds]),
        n_indicators=len(inds), n_sasaran=len({i.sasaran for i in inds}),
        charts=_charts(ctx, scores, history, sd))


def _predikat_counts(bands: list[Any], predikat: list[str]) -> list[tuple[str, int]]:
    """How many indicators have each predikat, best band first, then those without a capaian."""
    none = "belum ada capaian"
    counts: dict[str, int] = {}
    for p in predikat:
        counts[p or none] = counts.get(p or none, 0) + 1
    return [(p, counts[p]) for p in [b.predikat for b in bands] + [none] if p in counts]


def _data_per(received: list[str]) -> str:
    if not received:
        return DASH
    latest = max(received)
    try:
        return date_id(dt.datetime.fromisoformat(latest).date())
    except ValueError:
        return latest[:10]


def _signatory(rules: Rules, node: str) -> Signatory | None:
    unit = rules.unit(node)
    if node == rules.root.kode and "lkjip" in rules.penandatangan:
        return rules.penandatangan["lkjip"]
    if unit.kepala is not None:
        return Signatory(f"Kepala {unit.nama}", unit.kepala.nama, unit.kepala.nip)
    return None


def _listing(items: list[str]) -> str:
    if len(items) <= MAX_LISTED:
        return ", ".join(items)
    return ", ".join(items[:MAX_LISTED]) + f", dan {len(items) - MAX_LISTED} lainnya"


def _quarters_text(quarters: Iterable[int]) -> str:
    return ", ".join(quarter_label(q) for q in quarters)


def _notes(rules: Rules, conn: sqlite3.Connection, year: int, node: str, subtree: set[str],
           upto: int, subs: list[sqlite3.Row], ctx: _Ctx) -> list[str]:
    """The plain-language warnings about what the figures do not yet rest on."""
    notes: list[str] = []
    sd = quarter_label(upto)
    if not subs:
        notes.append(f"Belum ada data kinerja tahun {year} yang diterima untuk unit ini. Tabel hanya "
                     "memuat target dan pagu; realisasi, capaian dan predikat masih kosong.")
        return notes
    if upto < 4:
        notes.append(f"Data realisasi baru tersedia s.d. {sd} {year}. Semua angka realisasi, capaian "
                     f"dan serapan adalah posisi s.d. {sd}, belum angka tahunan final.")
    have = {(r["unit"], int(r["quarter"])) for r in subs}
    missing = []
    for u in rules.units:
        if u.kode in subtree and any(i.kode in ctx.cur for i in rules.indicators_for(u, year)):
            qs = [q for q in QUARTERS if q <= upto and (u.kode, q) not in have]
            if qs:
                missing.append(f"{u.kode} ({_quarters_text(qs)})")
    if missing:
        notes.append(f"Belum ada kiriman yang diterima dari {len(missing)} unit untuk triwulan "
                     f"berikut: {_listing(missing)}.")
    partial = []
    for i in ctx.inds:
        r = ctx.cur[i.kode]
        if int(r["unit_melapor"]) == 0:
            partial.append(f"{i.kode} (belum ada data)")
        elif not bool(r["lengkap"]):
            melapor, lengkap = int(r["unit_melapor"]), int(r["unit_lengkap"])
            parts = [f"{melapor} dari {int(r['unit_diharapkan'])} unit"] if melapor < int(
                r["unit_diharapkan"]) else []
            if lengkap < melapor:
                parts.append(f"{melapor - lengkap} unit belum mengirim semua triwulan")
            partial.append(f"{i.kode} ({', '.join(parts)})")
    if partial:
        notes.append(f"{len(partial)} indikator belum mencakup semua unit dan semua triwulan; "
                     f"angka dan predikatnya sementara: {_listing(partial)}.")
    if rules.policy.cakupan_target == CAKUPAN_PENUH:
        notes.append(f"Capaian dibandingkan dengan {CAKUPAN_TEXT[CAKUPAN_PENUH]}.")
    top = rules.policy.persetujuan[-1]
    rank = {u.kode: n for n, u in enumerate(rules.units)}
    used = sorted((r for r in subs if int(r["quarter"]) <= upto),
                  key=lambda r: (rank[r["unit"]], int(r["quarter"])))
    pending = [f"{r['unit']} {quarter_label(int(r['quarter']))}" for r in used
               if top.level not in {a["level"] for a in ledger.standing_approvals(conn, r["id"])}]
    if pending:
        notes.append(f"Data belum disahkan pada jenjang tertinggi ({top.nama}): {len(pending)} dari "
                     f"{len(used)} kiriman, yaitu {_listing(pending)}. Angka dapat berubah bila "
                     "data diperbaiki.")
    return notes


def _kendala(rules: Rules, values: pd.DataFrame, subtree: set[str], upto: int,
             kodes: set[str]) -> dict[str, list[dict]]:
    """Penjelasan typed by units, per indicator: unit (rules order), then quarter."""
    out: dict[str, list[dict]] = {}
    if values.empty:
        return out
    v = values[values["unit"].isin(subtree) & values["indikator"].isin(kodes)
               & (pd.to_numeric(values["quarter"], errors="coerce") <= upto)]
    rank = {u.kode: n for n, u in enumerate(rules.units)}
    for r in v.to_dict("records"):
        text = clean_text(r.get("penjelasan"), OUTPUT_TEXT_MAX).strip()  # as typed, minus control characters
        unit = rules.unit(r["unit"])
        if not text or r["indikator"] not in {i.kode for i in rules.indicators_for(unit)}:
            continue
        out.setdefault(r["indikator"], []).append(
            {"unit": unit.kode, "nama_unit": unit.nama, "quarter": int(r["quarter"]),
             "triwulan": quarter_label(int(r["quarter"])), "teks": text, "_rank": rank[unit.kode]})
    for items in out.values():
        items.sort(key=lambda k: (k["_rank"], k["quarter"]))
    return out


@dataclass
class _History:
    years: list[int]
    value: dict[tuple[int, str], float]          # (tahun, indikator) → realisasi
    partial: dict[tuple[int, str], str]          # (tahun, indikator) → why the ledger figure is partial
    source: dict[int, set[str]]                  # tahun → {"ledger", "aturan"}


def _history(rules: Rules, conn: sqlite3.Connection, year: int, node: str, subtree: set[str],
             inds: list[Indicator]) -> _History:
    """Earlier years' realisasi of the node: a complete ledger year first, else rules.past.

    A ledger year that does not cover every expected unit and all four quarters is used only
    where the rules give no figure, and is flagged.
    """
    kodes = {i.kode for i in inds}
    past = {(p.tahun, p.indikator): p.realisasi for p in rules.past
            if p.unit == node and p.tahun < year and p.indikator in kodes}
    ledger_years = ledger.years_with_data(conn, year)
    full: dict[tuple[int, str], float] = {}
    partial_v: dict[tuple[int, str], tuple[float, str]] = {}
    for y in ledger_years:
        subs = _current_submissions(conn, y, subtree)
        if not subs:
            continue
        upto_y = max(int(r["quarter"]) for r in subs)
        agg = aggregate(rules, y, upto_y, ledger.values_frame(conn, y))
        rows = agg[(agg["node"] == node) & (agg["periode"] == "TAHUN") & agg["indikator"].isin(kodes)]
        for r in rows.to_dict("records"):
            value = _num(r["realisasi"])
            if value is None:
                continue
            complete = (upto_y == 4 and int(r["unit_melapor"]) == int(r["unit_diharapkan"])
                        and r["triwulan"] == r["triwulan_diharapkan"])
            if complete:
                full[(y, r["indikator"])] = value
            else:
                partial_v[(y, r["indikator"])] = (
                    value, f"{int(r['unit_melapor'])} dari {int(r['unit_diharapkan'])} unit, "
                           f"triwulan {r['triwulan'].replace(',', ', ') or '-'}")
    value: dict[tuple[int, str], float] = {}
    partial: dict[tuple[int, str], str] = {}
    source: dict[int, set[str]] = {}
    for key in sorted(set(full) | set(past) | set(partial_v)):
        if key in full:
            value[key] = full[key]
            source.setdefault(key[0], set()).add("ledger")
        elif key in past:
            value[key] = past[key]
            source.setdefault(key[0], set()).add("aturan")
        else:
            value[key], partial[key] = partial_v[key]
            source.setdefault(key[0], set()).add("ledger")
    earlier = sorted({y for y, _ in value})
    years = sorted(set(earlier[-MAX_EARLIER_YEARS:]) | {year - 1})[-MAX_EARLIER_YEARS:]
    return _History(years, value, partial, source)


# --------------------------------------------------------------------------- tables


def _numbered(ctx: _Ctx, blk: Block) -> Iterator[tuple[int, Indicator]]:
    """The indicators in rules order, numbered from 1; a sasaran heading row is added to ``blk``
    before its first indicator."""
    n = 0
    for s in ctx.rules.sasaran:
        mine = [i for i in ctx.inds if i.sasaran == s.kode]
        if mine:
            blk.rows.append(Row([Cell(f"{s.kode} — {s.nama}")], "group"))
        for ind in mine:
            n += 1
            yield n, ind


def _text(value: Any) -> Cell:
    return Cell(value, "text")


def _v(ind: Indicator, value: float | None) -> Cell:
    return Cell(value, "num", ind.desimal)


def _pct(value: float | None, css: str = "") -> Cell:
    return Cell(value, "pct", 2, css)


def _table_pk(ctx: _Ctx, bud_node: pd.DataFrame, sd: str) -> list[Block]:
    a = Block("A. Sasaran strategis, indikator kinerja dan target",
              ["No", "Kode", "Indikator Kinerja", "Satuan", f"Target {ctx.year}"],
              [4, 8, 60, 11, 14])
    for n, ind in _numbered(ctx, a):
        a.rows.append(Row([Cell(n, "int"), _text(ind.kode), _text(ind.nama), _text(ind.satuan),
                           _v(ind, ctx.annual_target.get(ind.kode))]))
    a.notes.append("Target tahunan sesuai Perjanjian Kinerja; untuk unit yang membawahi unit lain, "
                   "target dihimpun dari target unit di bawahnya (dijumlahkan atau dirata-ratakan "
                   "sesuai aturan indikator).")
    if sd:
        a.notes.append(f"Target di tabel ini adalah target setahun penuh; realisasi pada tabel "
                       f"berikutnya baru{sd}.")
    b = Block("B. Kegiatan dan pagu anggaran", ["No", "Kode", "Kegiatan", "Sasaran", "Pagu (Rp)"],
              [4, 14, 44, 10, 20], empty="Aturan tidak memuat pagu untuk unit ini.")
    total = 0.0
    for n, r in enumerate(bud_node.to_dict("records"), start=1):
        keg = ctx.rules.kegiatan_of(r["kegiatan"])
        b.rows.append(Row([Cell(n, "int"), _text(keg.kode), _text(keg.nama), _text(keg.sasaran),
                           Cell(_num(r["pagu"]), "money")]))
        total += float(r["pagu"])
    if b.rows:
        b.rows.append(Row([_text(""), _text(""), _text("Jumlah"), _text(""), Cell(total, "money")],
                          "total"))
    return [a, b]


def _keterangan(ctx: _Ctx, ind: Indicator, row: Mapping[str, Any]) -> str:
    """Why a figure is provisional or empty: its coverage mark, then which units are missing
    and which units lack which quarters, then the reason a capaian has no number."""
    if int(row["unit_melapor"]) == 0:
        return "Belum ada data"
    parts = [coverage_mark(row)]
    absent, partial = [], []
    for u in ctx.rules.units:
        got = ctx.unit_rows.get((u.kode, ind.kode))
        if got is None or ind not in ctx.rules.indicators_for(u, ctx.year) or bool(got["lengkap"]):
            continue
        if int(got["unit_melapor"]) == 0:
            absent.append(u.kode)
        else:
            lacking = sorted(set(quarters_of(got["triwulan_diharapkan"]))
                             - set(quarters_of(got["triwulan"])))
            partial.append(f"{u.kode} ({quarter_span(lacking)})")
    if absent:
        parts.append(f"belum melapor: {_listing(absent)}")
    if partial:
        parts.append(f"triwulan belum masuk: {_listing(partial)}")
    if row["alasan"]:
        parts.append(str(row["alasan"]))
    text = "; ".join(p for p in parts if p)
    return text[:1].upper() + text[1:]


def _table_pengukuran(ctx: _Ctx, sd: str) -> Block:
    blk = Block("", ["No", "Kode", "Indikator Kinerja", "Satuan", f"Target{sd}", f"Realisasi{sd}",
                     "Capaian (%)", "Predikat", "Unit Melapor", "Keterangan"],
                [4, 6, 33, 11, 10, 10, 10, 12, 8, 17])
    for n, ind in _numbered(ctx, blk):
        r = ctx.cur[ind.kode]
        pred = r["predikat"] or ""
        blk.rows.append(Row([
            Cell(n, "int"), _text(ind.kode), _text(ind.nama), _text(ind.satuan),
            _v(ind, _num(r["target"])), _v(ind, _num(r["realisasi"])),
            _pct(_num(r["capaian_bulat"]), ctx.band_css.get(pred, "")),
            Cell(predikat_mark(r) or DASH, "text", css=ctx.band_css.get(pred, "c")),
            Cell(f"{int(r['unit_melapor'])}/{int(r['unit_diharapkan'])}", css="c"),
            _text(_keterangan(ctx, ind, r))]))
    scale = "; ".join(
        f"{b.predikat} " + (f"≥ {format_id(b.dari, 0)}" if b.sampai is None else
                            f"< {format_id(b.sampai, 0)}" if b.dari is None else
                            f"{format_id(b.dari, 0)} – < {format_id(b.sampai, 0)}")
        for b in sorted(ctx.rules.policy.predikat,
                        key=lambda b: -math.inf if b.dari is None else b.dari, reverse=True))
    blk.notes.append("Capaian: indikator positif = realisasi ÷ target × 100; indikator negatif = "
                     "(2 × target − realisasi) ÷ target × 100 (paling kecil 0), atau target ÷ "
                     "realisasi × 100 bila aturan indikator menetapkan demikian. Indikator persentase "
                     "dihitung ulang dari jumlah pembilang dan penyebut, tidak dirata-ratakan.")
    blk.notes.append(f"Predikat (capaian %): {scale}; dibaca dari capaian yang dibulatkan ke 2 "
                     "desimal seperti yang tertulis. Unit Melapor = unit yang mengirim data / unit "
                     "yang wajib melapor.")
    blk.notes.append(f"Target pembanding: {CAKUPAN_TEXT[ctx.rules.policy.cakupan_target]}. Angka "
                     "yang belum mencakup semua unit dan semua triwulan ditandai sementara, begitu "
                     "pula predikatnya.")
    return blk


def _table_history(ctx: _Ctx, h: _History, sd: str) -> Block:
    last = ctx.year - 1
    headers = ["No", "Kode", "Indikator Kinerja", "Satuan",
               *(f"Realisasi {y}" for y in h.years), f"Realisasi {ctx.year}{sd}",
               f"Capaian {ctx.year}{sd} (%)", f"Selisih terhadap {last}", "Keterangan"]
    blk = Block("", headers, [4, 6, 31, 11, *([11] * len(h.years)), 12, 11, 11, 14])
    for n, ind in _numbered(ctx, blk):
        r = ctx.cur[ind.kode]
        now = _num(r["realisasi"])
        before = h.value.get((last, ind.kode))
        diff = None if now is None or before is None else now - before
        if diff is None:
            trend = DASH
        else:
            better = _better(ind, diff)
            trend = "Tetap" if better is None else "Membaik" if better else "Menurun"
        blk.rows.append(Row([
            Cell(n, "int"), _text(ind.kode), _text(ind.nama), _text(ind.satuan),
            *(Cell(h.value.get((y, ind.kode)), "num", ind.desimal,
                   "partial" if (y, ind.kode) in h.partial else "") for y in h.years),
            _v(ind, now), _pct(_num(r["capaian_bulat"])), _v(ind, diff),
            Cell(trend, css="c" if trend == DASH else "")]))
    sources = []
    for y in h.years:
        src = h.source.get(y, set())
        if not src:
            sources.append(f"{y}: tidak ada data")
            continue
        words = {"ledger": "data kiriman unit",
                 "aturan": "data realisasi tahun lalu yang ditetapkan Subbag Evaluasi dan Pelaporan"}
        sources.append(f"{y}: " + " dan ".join(words[s] for s in sorted(src)))
    blk.notes.append("Sumber realisasi tahun sebelumnya — " + "; ".join(sources) + ".")
    blk.notes.append("Selisih = realisasi tahun ini − realisasi tahun lalu. Keterangan memperhitungkan "
                     "polaritas: untuk indikator negatif, penurunan berarti membaik.")
    if sd:
        blk.notes.append(f"Realisasi {ctx.year} baru{sd}, sedangkan tahun sebelumnya setahun penuh: "
                         "untuk indikator yang dijumlahkan per triwulan, selisih belum sebanding.")
    for (y, kode), why in sorted(h.partial.items()):
        blk.notes.append(f"Realisasi {y} indikator {kode} dari data kiriman unit belum lengkap ({why}).")
    return blk


@dataclass(frozen=True)
class _Renstra:
    """What one indicator's realisasi is compared with its Renstra target on."""

    realisasi: float | None
    progres: float | None
    jenis: str                   # "Tahunan (2029)" or "Kumulatif 2025–2029"
    dasar: str                   # which realisasi: "2026 s.d. TW II" or "2025–2026 (2025: …)"


def _renstra(ctx: _Ctx, ind: Indicator, h: _History) -> _Renstra | None:
    """Progress against the Renstra target: tahunan compares this year's realisasi with the end
    year's annual target; kumulatif compares the sum of the Renstra years' realisasi so far."""
    ren = ind.target_renstra
    if ren is None:
        return None
    now = _num(ctx.cur[ind.kode]["realisasi"])
    sd = f" s.d. {quarter_label(ctx.upto)}" if ctx.upto < 4 else ""
    positif = ind.polaritas == "positif"
    kebalikan = ind.rumus_negatif == "kebalikan"
    if ren.jenis == RENSTRA_TAHUNAN:
        return _Renstra(now, rounded_of(now, ren.nilai, positif, kebalikan), f"Tahunan ({ren.tahun})",
                        f"{ctx.year}{sd}")
    first = ren.tahun - RENSTRA_YEARS + 1
    years = [y for y in range(first, ctx.year) if y <= ren.tahun]
    missing = [str(y) for y in years if (y, ind.kode) not in h.value]
    total = None if now is None else now + sum(h.value.get((y, ind.kode), 0.0) for y in years)
    dasar = f"{first}–{ctx.year}{sd}" if years else f"{ctx.year}{sd}"
    if missing:
        dasar += f" (tanpa data {', '.join(missing)})"
    return _Renstra(total, rounded_of(total, ren.nilai, positif, kebalikan),
                    f"Kumulatif {first}–{ren.tahun}", dasar)


def _table_renstra(ctx: _Ctx, h: _History, sd: str) -> Block:
    blk = Block("", ["No", "Kode", "Indikator Kinerja", "Satuan", "Jenis Target Renstra",
                     "Target Renstra", "Realisasi Dibandingkan", "Dasar Realisasi", "Progres (%)"],
                [4, 6, 36, 10, 13, 11, 12, 15, 10],
                empty="Aturan tidak memuat target Renstra untuk indikator unit ini.")
    n = 0
    for ind in ctx.inds:
        got = _renstra(ctx, ind, h)
        if got is None:
            continue
        n += 1
        blk.rows.append(Row([Cell(n, "int"), _text(ind.kode), _text(ind.nama), _text(ind.satuan),
                             Cell(got.jenis, css="c"), _v(ind, ind.target_renstra.nilai),
                             _v(ind, got.realisasi), _text(got.dasar), _pct(got.progres)]))
    blk.notes.append("Target Renstra tahunan: target tahunan pada tahun akhir Renstra, dibandingkan "
                     "dengan realisasi tahun ini. Target Renstra kumulatif: jumlah selama tahun-tahun "
                     "Renstra, dibandingkan dengan jumlah realisasi tahun-tahun Renstra sampai tahun ini "
                     "(tahun sebelumnya dari Tabel 3).")
    blk.notes.append("Progres = capaian realisasi itu terhadap target Renstra dengan rumus capaian "
                     "indikator (positif: realisasi ÷ target × 100; negatif: (2 × target − realisasi) ÷ "
                     "target × 100, atau target ÷ realisasi × 100).")
    return blk


def _table_standar(ctx: _Ctx, sd: str) -> Block:
    blk = Block("", ["No", "Kode", "Indikator Kinerja", "Satuan", "Standar Nasional",
                     f"Realisasi {ctx.year}{sd}", "Selisih", "Keterangan"],
                [4, 6, 42, 11, 12, 13, 11, 19],
                empty="Aturan tidak memuat standar nasional untuk indikator unit ini.")
    n = 0
    for ind in ctx.inds:
        if ind.standar_nasional is None:
            continue
        n += 1
        real = _num(ctx.cur[ind.kode]["realisasi"])
        std = float(ind.standar_nasional)
        diff = None if real is None else real - std
        if diff is None:
            status, css = "Belum ada data", ""
        elif diff == 0 or (diff > 0) == (ind.polaritas == "positif"):
            status, css = "Memenuhi standar", "ok"
        else:
            status, css = "Belum memenuhi standar", "warn"
        blk.rows.append(Row([Cell(n, "int"), _text(ind.kode), _text(ind.nama), _text(ind.satuan),
                             _v(ind, std), _v(ind, real), _v(ind, diff), Cell(status, css=css)]))
    blk.notes.append("Selisih = realisasi − standar nasional. Indikator positif memenuhi standar bila "
                     "realisasi ≥ standar; indikator negatif bila realisasi ≤ standar.")
    return blk


def _table_kendala(ctx: _Ctx, sd: str) -> Block:
    blk = Block("", ["No", "Unit Kerja", "Triwulan", "Penjelasan / Kendala (ditulis unit)"],
                [4, 34, 10, 70],
                empty=f"Tidak ada penjelasan atau kendala yang ditulis unit{sd or ' tahun ini'}.")
    n = 0
    for ind in ctx.inds:
        items = ctx.kendala.get(ind.kode, [])
        if not items:
            continue
        blk.rows.append(Row([Cell(f"{ind.kode} — {ind.nama}")], "group"))
        for k in items:
            n += 1
            blk.rows.append(Row([Cell(n, "int"), Cell(f"{k['nama_unit']} ({k['unit']})", css="unit"),
                                 Cell(k["triwulan"], css="c"), _text(k["teks"])]))
    blk.notes.append("Teks disalin apa adanya dari formulir unit (kiriman terakhir yang diterima per "
                     "triwulan).")
    return blk


def _table_budget(ctx: _Ctx, bud_node: pd.DataFrame, scores: pd.DataFrame, sd: str) -> Block:
    blk = Block("", ["No", "Sasaran Strategis", "Pagu (Rp)", f"Realisasi Anggaran{sd} (Rp)",
                     "Serapan (%)", "Rata-rata Capaian (%)", "Indeks Efisiensi", "Keterangan"],
                [4, 31, 18, 18, 9, 10, 9, 13])
    by_sas = budget_by_sasaran(bud_node) if not bud_node.empty else pd.DataFrame(
        columns=["node", "sasaran", "pagu", "realisasi", "serapan"])
    money = {r["sasaran"]: r for r in by_sas.to_dict("records")}
    skor = {r["sasaran"]: r for r in scores.to_dict("records")}
    wanted = {i.sasaran for i in ctx.inds} | set(money)
    n = 0
    tot_pagu, tot_real, any_real = 0.0, 0.0, False
    for s in ctx.rules.sasaran:
        if s.kode not in wanted:
            continue
        n += 1
        m = money.get(s.kode, {})
        pagu, real, serapan = _num(m.get("pagu")), _num(m.get("realisasi")), _num(m.get("serapan"))
        cap = _num(skor.get(s.kode, {}).get("skor"))
        index, status, css = _efisiensi(cap, serapan)
        tot_pagu += pagu or 0.0
        if real is not None:
            tot_real += real
            any_real = True
        blk.rows.append(Row([Cell(n, "int"), _text(f"{s.kode} — {s.nama}"), Cell(pagu, "money"),
                             Cell(real, "money"), _pct(serapan), _pct(cap),
                             Cell(index, "num", 2), Cell(status, css=css)]))
    if n:
        total_real = tot_real if any_real else None
        serapan = None if total_real is None or tot_pagu == 0 else total_real * 100.0 / tot_pagu
        blk.rows.append(Row([_text(""), _text("Jumlah"), Cell(tot_pagu, "money"),
                             Cell(total_real, "money"), _pct(serapan), _pct(None),
                             Cell(None, "num", 2), _text("")], "total"))
    blk.notes.append(EFISIENSI_RULE)
    cap_rule = ctx.rules.policy.batas_skor
    blk.notes.append("Rata-rata capaian sasaran = rata-rata capaian indikator sasaran itu yang sudah "
                     "dapat dihitung" + (f", masing-masing dibatasi {format_id(cap_rule, 0)}% "
                                         "(batas skor dalam kebijakan pengukuran)" if cap_rule else "")
                     + ". Serapan = realisasi anggaran ÷ pagu × 100.")
    return blk


def _charts(ctx: _Ctx, scores: pd.DataFrame, h: _History, sd: str) -> dict[int, list[Any]]:
    """Pictures of the tables: capaian per indicator against 100 % and per sasaran (after the
    Pengukuran table), and each indicator's realisasi over the years where earlier years exist
    (after the comparison with earlier years)."""
    colors = predikat_colors(ctx.rules.policy.predikat)
    bars = [Bar(i.kode, _num(ctx.cur[i.kode]["capaian_bulat"]),
                colors.get(ctx.cur[i.kode]["predikat"] or "", NA_FILL), i.nama) for i in ctx.inds]
    skor = {r["sasaran"]: _num(r["skor"]) for r in scores.to_dict("records")}
    sas = [Bar(s.kode, skor.get(s.kode), CHART_FILL, s.nama) for s in ctx.rules.sasaran
           if any(i.sasaran == s.kode for i in ctx.inds)]
    out: dict[int, list[Any]] = {2: [BarChart(f"Capaian per Indikator Tahun {ctx.year}{sd} (%)", bars),
                                     BarChart(f"Rata-rata Capaian per Sasaran Tahun {ctx.year}{sd} (%)", sas,
                                              series_name="Rata-rata capaian (%)")]}
    trends = []
    for ind in ctx.inds:
        past = [h.value.get((y, ind.kode)) for y in h.years]
        if any(v is not None for v in past):
            now = _num(ctx.cur[ind.kode]["realisasi"])
            trends.append(LineChart(f"{ind.kode} — realisasi ({ind.satuan})",
                                    [str(y) for y in h.years] + [f"{ctx.year}{sd}"],
                                    [(ind.kode, past + [now])], ind.desimal))
    if trends:
        out[3] = trends
    return out


def _efisiensi(capaian: float | None, serapan: float | None) -> tuple[float | None, str, str]:
    """(indeks, reading, css) — see :data:`EFISIENSI_RULE`."""
    if capaian is None or serapan is None:
        return None, "Belum dapat dinilai", ""
    if serapan == 0:
        return None, "Tidak dinilai (serapan 0%)", ""
    index = capaian / serapan
    return (index, "Efisien", "ok") if capaian >= serapan else (index, "Kurang efisien", "warn")


def _table_narasi(narasi: list[Narasi], sd: str) -> Block:
    blk = Block("", ["No", "Kode", "Indikator Kinerja", "Uraian (draf, boleh disunting)"],
                [5, 8, 36, 90])
    for n, item in enumerate(narasi, start=1):
        blk.rows.append(Row([Cell(n, "int"), _text(item.kode), _text(item.nama), _text(item.text)]))
    blk.notes.append("Uraian disusun otomatis dari templat uraian LKjIP yang dapat disunting Subbag "
                     "Evaluasi dan Pelaporan untuk mengubah susunan kalimat semua indikator.")
    return blk


def _narasi_context(ctx: _Ctx, ind: Indicator, h: _History) -> dict[str, Any]:
    r = ctx.cur[ind.kode]
    now = _num(r["realisasi"])
    last = ctx.year - 1
    before = h.value.get((last, ind.kode))
    diff = None if now is None or before is None else now - before
    better = None if diff is None else _better(ind, diff)
    arah = None if diff is None else "tetap" if diff == 0 else "naik" if diff > 0 else "turun"
    items = ctx.kendala.get(ind.kode, [])
    main = None
    if items:  # the unit with the lowest capaian first, then its latest quarter
        def weight(k: dict) -> tuple:
            cap = ctx.unit_capaian.get((k["unit"], ind.kode))
            return (math.inf if cap is None else cap, -k["quarter"], k["_rank"])
        pick = min(items, key=weight)
        main = {k: v for k, v in pick.items() if not k.startswith("_")}
    renstra = ind.target_renstra
    progress = _renstra(ctx, ind, h)
    sd_label = quarter_label(ctx.upto)
    return {
        "kode": ind.kode, "nama": ind.nama, "satuan": ind.satuan, "desimal": ind.desimal,
        "polaritas": ind.polaritas, "sasaran": ctx.rules.sasaran_of(ind.sasaran).nama,
        "tahun": ctx.year, "sd": ctx.upto < 4, "triwulan_akhir": sd_label,
        "periode": f"tahun {ctx.year}" if ctx.upto == 4 else f"s.d. {sd_label} tahun {ctx.year}",
        "periode_kalimat": (f"Pada tahun {ctx.year}" if ctx.upto == 4
                            else f"Sampai dengan {sd_label} tahun {ctx.year}"),
        "target": _num(r["target"]), "target_tahunan": ctx.annual_target.get(ind.kode),
        "realisasi": now, "capaian": _num(r["capaian_bulat"]), "predikat": r["predikat"] or None,
        "sementara": not bool(r["lengkap"]),
        "triwulan_tercakup": quarter_span(quarters_of(r["triwulan"])),
        "alasan": r["alasan"] or None,
        "unit_melapor": int(r["unit_melapor"]), "unit_diharapkan": int(r["unit_diharapkan"]),
        "tahun_lalu": last, "realisasi_tahun_lalu": before, "selisih": diff, "arah": arah,
        "membaik": better,
        "sebanding": ctx.upto == 4 or ind.target_is_level or ind.agregasi_waktu != "jumlah",
        "kendala": main, "jumlah_kendala": len(items),
        "target_renstra": renstra.nilai if renstra else None,
        "tahun_renstra": renstra.tahun if renstra else None,
        "jenis_renstra": renstra.jenis if renstra else None,
        "progres_renstra": progress.progres if progress else None,
        "standar_nasional": ind.standar_nasional,
    }
