"""The layout of a form: where every issued value and every input cell is.

One pure function, :func:`plan_form`, decides it from the rules; ``forms`` writes it and
``ingest`` reads by it, so the two can never disagree. The plan's fingerprint covers the
issued rows, their targets and pagu, and their positions; ingest recomputes it from the
current rules to detect outdated forms and tampering.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from .rules import Indicator, Rules, Target

FORM_VERSION = 1  # bump when the layout below changes; older forms are then refused
APP_ID = "kinerja-pipeline"

DATA_SHEET = "Data Kinerja"
GUIDE_SHEET = "Petunjuk"
META_SHEET = "_meta"
RESULT_SHEET = "Hasil Validasi"

# columns of the data sheet (letters as the user sees them)
COL = {
    "no": "A", "kode": "B", "sasaran": "C", "indikator": "D", "satuan": "E",
    "target_tahunan": "F", "target_tw": "G", "realisasi": "H", "pembilang": "I",
    "penyebut": "J", "capaian": "K", "penjelasan": "L", "bukti": "M",
}
LAST_COL = "M"
TABLE_HEADER_ROW = 9   # 1-based row of the column titles
FIRST_DATA_ROW = 11    # row 10 holds the column numbers (1), (2), …

NO_BUDGET_NOTE = "Tidak ada pagu untuk unit ini."

META_KEYS = ("aplikasi", "form_id", "versi_formulir", "versi_aturan", "unit", "tahun",
             "triwulan", "dibuat", "sidik_jari")


@dataclass(frozen=True)
class IndicatorRow:
    row: int
    indicator: Indicator
    target: Target
    target_tw: float  # the quarter's own target (what the live capaian compares with)

    @property
    def input_cols(self) -> tuple[str, ...]:
        base = ("pembilang", "penyebut") if self.indicator.is_ratio else ("realisasi",)
        return base + ("penjelasan", "bukti")


@dataclass(frozen=True)
class BudgetRow:
    row: int
    kegiatan: str
    nama: str
    sasaran: str
    pagu: float


@dataclass(frozen=True)
class FormPlan:
    unit: str
    year: int
    quarter: int
    rules_version: int
    rows: tuple[IndicatorRow, ...]
    budget_title_row: int
    budget_header_row: int
    budget: tuple[BudgetRow, ...]
    signature_rows: dict  # {"nama": row, "nip": row, "tanggal": row}, value in column D
    fingerprint: str

    @property
    def form_id(self) -> str:
        return f"{self.unit}/{self.year}/TW{self.quarter}/{self.fingerprint[:12]}"

    @property
    def last_row(self) -> int:
        return max(self.signature_rows.values())

    def notes(self) -> dict[str, str]:
        """The form's own notes in the data sheet (cell → text): ``forms`` writes exactly these
        and validation counts them as the form's cells, never as a unit's stray input."""
        if not self.budget:
            return {f"D{self.budget_header_row + 1}": NO_BUDGET_NOTE}
        return {}

    def input_cells(self) -> list[str]:
        """Every cell a unit may type in, e.g. ``H11``."""
        cells = [f"{COL[c]}{r.row}" for r in self.rows for c in r.input_cols]
        cells += [f"{COL['realisasi']}{b.row}" for b in self.budget]
        cells += [f"D{row}" for row in self.signature_rows.values()]
        return cells


def plan_form(rules: Rules, unit_kode: str, year: int, quarter: int) -> FormPlan:
    """The layout of the form of ``unit_kode`` for ``year`` TW ``quarter``."""
    unit = rules.unit(unit_kode)
    rows: list[IndicatorRow] = []
    row = FIRST_DATA_ROW
    for ind in rules.indicators_for(unit, year):
        target = rules.target(year, unit.kode, ind.kode)
        if target is None:  # load_rules guarantees one for every reporting unit
            raise KeyError((year, unit.kode, ind.kode))
        rows.append(IndicatorRow(row, ind, target, target.quarter_own(quarter, ind)))
        row += 1
    budget_title = row + 1
    budget_header = budget_title + 1
    budget: list[BudgetRow] = []
    row = budget_header + 1
    for p in rules.pagu_for(year, unit.kode):
        keg = rules.kegiatan_of(p.kegiatan)
        budget.append(BudgetRow(row, keg.kode, keg.nama, keg.sasaran, p.pagu))
        row += 1
    sig_start = row + 2
    signature = {"nama": sig_start + 1, "nip": sig_start + 2, "tanggal": sig_start + 3}
    canonical = {
        "versi_formulir": FORM_VERSION, "versi_aturan": rules.versi, "unit": unit.kode,
        "tahun": year, "triwulan": quarter,
        "baris": [[r.row, r.indicator.kode, r.indicator.is_ratio, r.target.tahunan,
                   list(r.target.tw), r.target_tw] for r in rows],
        "anggaran": [[b.row, b.kegiatan, b.pagu] for b in budget],
        "tanda_tangan": signature,
    }
    digest = hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()
    return FormPlan(unit.kode, year, quarter, rules.versi, tuple(rows), budget_title,
                    budget_header, tuple(budget), signature, digest)
