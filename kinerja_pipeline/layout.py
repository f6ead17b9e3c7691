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
#: merged column pairs of the budget block (kegiatan, pagu, realisasi anggaran; the input
#: cell stays the first one, column H)
BUDGET_MERGES = (("D", "E"), ("F", "G"), ("H", "J"))
SIGN_FIRST_COL = "J"   # the printed signing block spans J..LAST_COL
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

    @property
    def budget_total_row(self) -> int | None:
        """The budget block's Jumlah row (right under the kegiatan), if there are kegiatan."""
        return self.budget[-1].row + 1 if self.budget else None

    @property
    def signing_rows(self) -> dict[str, int]:
        """Rows of the printed signing block at the right of the signature inputs (columns
        ``SIGN_FIRST_COL``–``LAST_COL``): place and date line, jabatan, space to sign, the
        name and the NIP as typed."""
        first = self.signature_rows["nama"]
        return {"tempat": first, "jabatan": first + 1, "nama": first + 5, "nip": first + 6}

    @property
    def print_last_row(self) -> int:
        return max(self.last_row, *self.signing_rows.values())

    def sasaran_groups(self) -> list[tuple[str, int, int]]:
        """(sasaran kode, first row, last row) of each run of indicator rows under one sasaran;
        the form shows the sasaran once per run, in one cell merged down column C."""
        groups: list[tuple[str, int, int]] = []
        for r in self.rows:
            kode = r.indicator.sasaran
            if groups and groups[-1][0] == kode and groups[-1][2] == r.row - 1:
                groups[-1] = (kode, groups[-1][1], r.row)
            else:
                groups.append((kode, r.row, r.row))
        return groups

    def merges(self) -> frozenset[tuple[tuple[int, int], tuple[int, int]]]:
        """Every range the form merges itself, as ((row, col), (row, col)) 0-based; a unit's
        own merges are any others."""
        last = _col(LAST_COL)
        out = {((0, 0), (0, last)), ((5, 0), (6, last))}
        out |= {((a - 1, _col("C")), (b - 1, _col("C"))) for _, a, b in self.sasaran_groups() if b > a}
        budget_rows = [self.budget_header_row] + [b.row for b in self.budget]
        if self.budget_total_row is not None:
            budget_rows.append(self.budget_total_row)
        for row in budget_rows:
            out |= {((row - 1, _col(a)), (row - 1, _col(b))) for a, b in BUDGET_MERGES}
        sign = _col(SIGN_FIRST_COL)
        out |= {((row - 1, sign), (row - 1, last)) for row in self.signing_rows.values()}
        return frozenset(out)

    def own_cells(self) -> set[str]:
        """Cells the form itself fills (titles, issued values, formulas, the signing block)."""
        letters = [chr(65 + c) for c in range(_col(LAST_COL) + 1)]
        cells = {f"A{r}" for r in range(1, 8)}
        for r in (8, 9, 10):
            cells |= {f"{x}{r}" for x in letters}
        for row in self.rows:
            cells |= {f"{COL[k]}{row.row}" for k in ("no", "kode", "sasaran", "indikator", "satuan",
                                                      "target_tahunan", "target_tw", "capaian")}
            if row.indicator.is_ratio:
                cells.add(f"{COL['realisasi']}{row.row}")
        cells.add(f"A{self.budget_title_row}")
        cells |= {f"{x}{self.budget_header_row}" for x in letters[:11]}
        for b in self.budget:
            cells |= {f"{x}{b.row}" for x in "ABCDFK"}
        if self.budget_total_row is not None:
            cells |= {f"{x}{self.budget_total_row}" for x in "ADFHK"}
        cells.add(f"A{self.signature_rows['nama'] - 1}")
        cells |= {f"C{r}" for r in self.signature_rows.values()}
        cells |= {f"{SIGN_FIRST_COL}{r}" for r in self.signing_rows.values()}
        cells |= set(self.notes())
        return cells

    def input_cells(self) -> list[str]:
        """Every cell a unit may type in, e.g. ``H11``."""
        cells = [f"{COL[c]}{r.row}" for r in self.rows for c in r.input_cols]
        cells += [f"{COL['realisasi']}{b.row}" for b in self.budget]
        cells += [f"D{row}" for row in self.signature_rows.values()]
        return cells


def place_words(sheet: str, cell: str) -> str:
    """Where an issue is, in readers' words: ``Lembar Data Kinerja, sel I11``."""
    if sheet == META_SHEET:
        return "Identitas formulir"
    if not sheet:
        return "Seluruh berkas"
    return f"Lembar {sheet}, sel {cell}" if cell else f"Lembar {sheet}"


def _col(letter: str) -> int:
    return ord(letter) - 65


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
