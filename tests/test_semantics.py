"""Capaian, its rounding and predikat agree at every band edge, in every output.

Hand-computed values for each rule of the semantics module; a property test over exact
decimals that land on (or a hair beside) the predikat edges 51, 66, 76 and 91, checking that the
rekap workbook, its CSVs, the LKjIP and the form's live capaian formula all show the same rounded
capaian and predikat; and a real LibreOffice evaluating the form's formula on such edges.
"""
from __future__ import annotations

import csv
import datetime as dt
import math
import random
import tempfile
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kinerja_pipeline import ledger, semantics
from kinerja_pipeline.csv_id import id_csv_path
from kinerja_pipeline.forms import generate_forms
from kinerja_pipeline.layout import COL, DATA_SHEET, plan_form
from kinerja_pipeline.lkjip import write_lkjip
from kinerja_pipeline.rekap import write_rekap
from kinerja_pipeline.rules_load import load_rules
from kinerja_pipeline.workspace import Workspace

from formula_eval import evaluate, spreadsheet_round
from lo_helpers import fill_workbook, find_soffice
from tiny_rules import DEFAULT_PREDIKAT, write_rules

YEAR = 2026


@dataclass(frozen=True)
class _Band:
    predikat: str
    dari: float | None
    sampai: float | None


BANDS = tuple(_Band(b["predikat"], b.get("dari"), b.get("sampai")) for b in DEFAULT_PREDIKAT)


def band_of(value: Decimal) -> str:
    """The predikat of an exact decimal, by hand from the default scale."""
    for lo, name in ((91, "Sangat Tinggi"), (76, "Tinggi"), (66, "Sedang"), (51, "Rendah")):
        if value >= lo:
            return name
    return "Sangat Rendah"


def half_up(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# =========================================================================== hand-computed


@pytest.mark.parametrize("r, t, shown, predikat", [
    (40.8, 80, 51.0, "Rendah"),         # 40,8/80 = 50,999… in binary floating point; exactly 51
    (16.83, 33, 51.0, "Rendah"),        # 16,83/33 = 0,51
    (2.28, 3, 76.0, "Tinggi"),          # 2,28/3 = 0,76
    (50.994, 100, 50.99, "Sangat Rendah"),
    (50.995, 100, 51.0, "Rendah"),      # half-up at the displayed precision
    (90.995, 100, 91.0, "Sangat Tinggi"),
    (65.994999, 100, 65.99, "Rendah"),
])
def test_positif_edges_are_read_from_the_rounded_exact_capaian(r, t, shown, predikat):
    assert semantics.rounded_of(r, t, True, False) == shown
    assert semantics.predikat_of(BANDS, shown) == predikat
    raw, _, _ = semantics.capaian_arrays(np.array([r]), np.array([float(t)]), np.array([True]),
                                         np.array([False]))
    bulat = semantics.rounded_arrays(raw, np.array([r]), np.array([float(t)]), np.array([True]),
                                     np.array([False]))
    assert bulat[0] == shown
    assert semantics.predikat_arrays(BANDS, bulat, np.array([False]))[0] == predikat


def test_the_three_float_traps_of_the_issue():
    # binary floating point gets them wrong; the semantics module does not
    assert 40.8 * 100 / 80 < 51 and 16.83 * 100 / 33 < 51 and 2.28 * 100 / 3 < 76
    assert semantics.exact_capaian(40.8, 80, True, False) == Decimal(51)
    assert semantics.exact_capaian(16.83, 33, True, False) == Decimal(51)
    assert semantics.exact_capaian(2.28, 3, True, False) == Decimal(76)


@pytest.mark.parametrize("r, t, positif, kebalikan, capaian", [
    (45, 50, True, False, 90),          # R / T × 100
    (12, 10, False, False, 80),         # (2T − R) / T × 100
    (25, 10, False, False, 0),          # −50 floored at 0
    (40, 30, False, True, 75),          # kebalikan T / R × 100
    (0, 0, False, False, 100),          # negatif, T = 0, R = 0
    (3, 0, False, True, 0),             # negatif, T = 0, R ≠ 0
    (5, 0, True, False, None),          # positif, T = 0: not computable
    (0, 30, False, True, None),         # kebalikan, R = 0 < T: best result, no number
])
def test_capaian_formulas(r, t, positif, kebalikan, capaian):
    got = semantics.capaian_of(r, t, positif, kebalikan)
    assert got == (None if capaian is None else pytest.approx(capaian))
    exact = semantics.exact_capaian(r, t, positif, kebalikan)
    assert exact == (None if capaian is None else Decimal(capaian))


def test_kebalikan_zero_realisasi_is_the_best_result():
    r, t = np.array([0.0, 0.0, 10.0]), np.array([30.0, 0.0, 30.0])
    pos, keb = np.array([False] * 3), np.array([True] * 3)
    cap, alasan, best = semantics.capaian_arrays(r, t, pos, keb)
    assert list(best) == [True, False, False]
    assert math.isnan(cap[0]) and alasan[0] == semantics.ALASAN_TERBAIK
    assert cap[1] == 100 and cap[2] == 300
    bulat = semantics.rounded_arrays(cap, r, t, pos, keb)
    assert list(semantics.predikat_arrays(BANDS, bulat, best)) == ["Sangat Tinggi"] * 3
    # skor: the cap for the best result; without a cap it has none (left out of the means)
    assert list(semantics.skor_arrays(cap, best, 120)) == [120, 100, 120]
    no_cap = semantics.skor_arrays(cap, best, None)
    assert math.isnan(no_cap[0]) and list(no_cap[1:]) == [100, 300]
    assert "tidak ikut rata-rata skor" in semantics.best_alasan(None)
    assert "tidak ikut" not in semantics.best_alasan(120)


def test_negative_capaian_rounds_away_from_zero():
    # a realisasi below zero (allowed by a rule's batas) gives a negative capaian
    assert semantics.rounded_of(-0.50005, 1, True, False) == -50.01
    assert spreadsheet_round(-50.005, 2) == -50.01


def test_absurd_magnitudes_round_without_error():
    # a fuzzed form once typed 4.85e180 against a tiny target: no decimals left to round
    huge = semantics.rounded_of(-4.851644282502266e180, 1e-2, True, False)
    assert huge == pytest.approx(-4.851644282502266e184)
    r, t = np.array([4.85e180, 1e300, 2.5e-300]), np.array([1e-2, 1e-10, 1.0])
    cap, _, _ = semantics.capaian_arrays(r, t, np.array([True] * 3), np.array([False] * 3))
    out = semantics.rounded_arrays(cap, r, t, np.array([True] * 3), np.array([False] * 3))
    assert out[0] == pytest.approx(4.85e184) and math.isinf(out[1]) and out[2] == 0
    assert semantics.round_half_up(Decimal("Infinity")) == math.inf


def test_policy_predikat_of_reads_the_rounded_value(tmp_path):
    rules = load_rules(write_rules(tmp_path / "rules", default_target=(1, 1, 1, 1)))
    assert rules.policy.predikat_of(40.8 / 80 * 100) == "Rendah"
    assert rules.policy.predikat_of(50.994) == "Sangat Rendah"
    assert rules.policy.predikat_of(None) is None


# =========================================================================== edge cases


EDGES = (51, 66, 76, 91)
OFFSETS = tuple(Decimal(x) for x in ("-0.01", "-0.006", "-0.005", "-0.0049", "0", "0.004",
                                     "0.005"))
KINDS = ("positif", "selisih", "kebalikan", "rasio")


@dataclass(frozen=True)
class Case:
    """One indicator of a generated organisation: its formula, its target and what was typed."""

    kind: str
    target: Decimal
    realisasi: Decimal | None = None          # for every kind but rasio
    pembilang: int | None = None              # rasio: pembilang / penyebut × 100
    penyebut: int | None = None

    @property
    def capaian(self) -> Decimal:
        """The exact capaian, by hand."""
        t = self.target
        if self.kind == "rasio":
            r = Decimal(self.pembilang) * 100 / Decimal(self.penyebut)
            return r * 100 / t
        r = self.realisasi
        if self.kind == "positif":
            return r * 100 / t
        if self.kind == "selisih":
            return max((2 * t - r) * 100 / t, Decimal(0))
        return t * 100 / r


@st.composite
def cases(draw) -> Case:
    """A case whose exact capaian is an edge plus a small offset (so it lands on an edge or a
    hair beside it)."""
    kind = draw(st.sampled_from(KINDS))
    c = Decimal(draw(st.sampled_from(EDGES))) + draw(st.sampled_from(OFFSETS))
    scale = Decimal(1).scaleb(-draw(st.integers(0, 3)))
    n = Decimal(draw(st.integers(1, 99_999)))
    if kind == "positif":
        t = n * scale
        return Case(kind, t, realisasi=t * c / 100)
    if kind == "selisih":
        t = n * scale
        return Case(kind, t, realisasi=t * (2 - c / 100))
    if kind == "kebalikan":
        r = n * scale
        return Case(kind, r * c / 100, realisasi=r)
    # rasio: a target percentage t (1..100 %) and realisasi t × c / 100 %, from whole numbers
    t = Decimal(draw(st.integers(1, 100)))
    penyebut = 10 ** 8
    pembilang = int(t * c * 10 ** 4)
    return Case(kind, t, pembilang=pembilang, penyebut=penyebut)


def _typed(x: Decimal) -> float:
    """What a unit types (the float of a short decimal)."""
    return float(x)


# =========================================================================== form formula


def _form_display(case: Case, formula: str, realisasi_formula: str | None) -> object:
    cells = {"G1": _typed(case.target)}
    if case.kind == "rasio":
        cells |= {"I1": float(case.pembilang), "J1": float(case.penyebut)}
        cells["H1"] = evaluate(realisasi_formula, cells)
    else:
        cells["H1"] = _typed(case.realisasi)
    return evaluate(formula, cells)


RATIO_REALISASI = '=IF(AND(ISNUMBER(I1),ISNUMBER(J1),J1>0),I1/J1*100,"")'


@settings(max_examples=400, deadline=None)
@given(case=cases())
def test_form_formula_shows_the_same_rounded_capaian(case):
    expected = half_up(case.capaian)
    positif = case.kind in ("positif", "rasio")
    formula = semantics.excel_formula("H1", "G1", positif, case.kind == "kebalikan")
    assert "ROUND(" in formula
    shown = _form_display(case, formula, RATIO_REALISASI)
    assert shown == float(expected)
    # and the pipeline's own rounding (from the typed floats) says the same
    if case.kind == "rasio":
        r = case.pembilang * 100 / case.penyebut
    else:
        r = _typed(case.realisasi)
    got = semantics.rounded_of(r, _typed(case.target), positif, case.kind == "kebalikan")
    assert got == float(expected)
    assert semantics.predikat_of(BANDS, got) == band_of(expected)


# =========================================================================== end to end


def _organisation(folder: Path, batch: list[Case]) -> None:
    indicators, targets = [], {}
    for n, case in enumerate(batch, start=1):
        ind = {"kode": f"I{n}", "desimal": 4}
        if case.kind == "rasio":
            ind |= {"rasio": True, "satuan": "%"}
        elif case.kind != "positif":
            ind |= {"polaritas": "negatif", "rumus_negatif": case.kind}
        indicators.append(ind)
        # written as Indonesians write decimals ("14,805"; "14.805" would read as 14805)
        t = format(case.target, "f").replace(".", ",")
        tahunan = case.target if case.kind == "rasio" else 4 * case.target
        targets[("A", f"I{n}")] = {"target_tahunan": format(tahunan, "f").replace(".", ","),
                                   "tw1": t, "tw2": t, "tw3": t, "tw4": t}
    write_rules(folder, units={"PUSAT": (None, "pusat"), "A": ("PUSAT", "upt")},
                indicators=indicators, targets=targets, policy={"batas_skor": 120})


def _submit(ws: Workspace, batch: list[Case]) -> None:
    values = []
    for n, case in enumerate(batch, start=1):
        if case.kind == "rasio":
            values.append({"indikator": f"I{n}", "pembilang": case.pembilang,
                           "penyebut": case.penyebut})
        else:
            values.append({"indikator": f"I{n}", "realisasi": _typed(case.realisasi)})
    conn = ledger.connect(ws.ledger)
    try:
        ledger.record_submission(conn, ledger.Submission(
            sha256="1" * 64, file_name="A.xlsx", size=1, received_at=f"{YEAR}-04-08T10:00:00",
            outcome="accepted", archive_path="arsip/1.xlsx", unit="A", year=YEAR, quarter=1,
            values=values, budget=[]))
    finally:
        conn.close()


def _rekap_rows(path: Path) -> dict[tuple[str, str], tuple]:
    sheet = openpyxl.load_workbook(path)["Tahunan"]
    rows = list(sheet.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "Kode")
    cols = {h: i for i, h in enumerate(rows[head]) if h}
    return {(r[cols["Kode"]], r[cols["Kode unit"]]): (r[cols["Capaian (%)"]], r[cols["Predikat"]])
            for r in rows[head + 1:] if r and r[0] and str(r[0]).startswith("I")}


def _lkjip_rows(path: Path) -> dict[str, tuple]:
    rows = list(openpyxl.load_workbook(path)["Tabel 2 Pengukuran"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "No")
    cols = {h: i for i, h in enumerate(rows[head]) if h}
    return {r[cols["Kode"]]: (r[cols["Capaian (%)"]], r[cols["Predikat"]])
            for r in rows[head + 1:] if r and isinstance(r[0], (int, float))}


def _form_cells(path: Path, plan) -> dict[str, tuple[int, dict[str, object]]]:
    """Per indicator: its sheet row and the issued target, realisasi and capaian cells."""
    sheet = openpyxl.load_workbook(path)[DATA_SHEET]
    return {row.indicator.kode: (row.row, {key: sheet[f"{COL[key]}{row.row}"].value
                                           for key in ("target_tw", "realisasi", "capaian")})
            for row in plan.rows}


ISSUE_CASES = [Case("positif", Decimal(80), realisasi=Decimal("40.8")),
               Case("positif", Decimal(33), realisasi=Decimal("16.83")),
               Case("positif", Decimal(3), realisasi=Decimal("2.28"))]


@settings(max_examples=8, deadline=None)
@example(batch=ISSUE_CASES)
@given(batch=st.lists(cases(), min_size=1, max_size=6))
def test_rekap_csv_lkjip_and_form_agree_on_every_edge(batch):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _organisation(root / "rules", batch)
        rules = load_rules(root / "rules")
        ws = Workspace(root)
        _submit(ws, batch)
        rekap = write_rekap(ws, rules, YEAR, 1)
        with open(rekap.csv, encoding="utf-8-sig", newline="") as fh:
            data = {(r["unit"], r["indikator"], r["periode"]): r for r in csv.DictReader(fh)}
        with open(id_csv_path(rekap.csv), encoding="utf-8-sig", newline="") as fh:
            data_id = {(r["unit"], r["indikator"], r["periode"]): r
                       for r in csv.DictReader(fh, delimiter=";")}
        sheet = _rekap_rows(rekap.xlsx)
        lkjip = _lkjip_rows(write_lkjip(ws, rules, YEAR).xlsx)
        [form] = generate_forms(rules, ws, YEAR, 1, ["A"], generated_at=dt.datetime(2026, 1, 2))
        cells = _form_cells(form.path, plan_form(rules, "A", YEAR, 1))
        for n, case in enumerate(batch, start=1):
            kode = f"I{n}"
            shown = half_up(case.capaian)
            predikat = band_of(shown)
            for unit, periode in (("A", "TW1"), ("PUSAT", "TAHUN")):
                assert data[(unit, kode, periode)]["predikat"] == predikat, (case, unit)
                assert data[(unit, kode, periode)]["lengkap"] == "ya"
                assert data_id[(unit, kode, periode)]["capaian"] == f"{shown:.2f}".replace(".", ",")
                assert data_id[(unit, kode, periode)]["predikat"] == predikat
                assert sheet[(kode, unit)] == (float(shown), predikat), (case, unit)
            assert lkjip[kode] == (float(shown), predikat), case
            # the unit's own form, evaluated as a spreadsheet does
            row, c = cells[kode]
            typed = {f"{COL['target_tw']}{row}": c["target_tw"]}
            if case.kind == "rasio":
                typed |= {f"{COL['pembilang']}{row}": float(case.pembilang),
                          f"{COL['penyebut']}{row}": float(case.penyebut)}
                typed[f"{COL['realisasi']}{row}"] = evaluate(c["realisasi"], typed)
            else:
                typed[f"{COL['realisasi']}{row}"] = _typed(case.realisasi)
            assert evaluate(c["capaian"], typed) == float(shown), (case, c["capaian"])


# =========================================================================== LibreOffice


def _edge_batch(seed: int, size: int) -> list[Case]:
    """A fixed, varied batch of edge cases (the same draw every run)."""
    rnd = random.Random(seed)
    out = list(ISSUE_CASES)
    while len(out) < size:
        kind = KINDS[len(out) % len(KINDS)]
        c = Decimal(rnd.choice(EDGES)) + rnd.choice(OFFSETS)
        n, scale = Decimal(rnd.randint(1, 99_999)), Decimal(1).scaleb(-rnd.randint(0, 3))
        if kind == "positif":
            out.append(Case(kind, n * scale, realisasi=n * scale * c / 100))
        elif kind == "selisih":
            out.append(Case(kind, n * scale, realisasi=n * scale * (2 - c / 100)))
        elif kind == "kebalikan":
            out.append(Case(kind, n * scale * c / 100, realisasi=n * scale))
        else:
            t = Decimal(rnd.randint(1, 100))
            out.append(Case(kind, t, pembilang=int(t * c * 10 ** 4), penyebut=10 ** 8))
    return out


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) tidak terpasang di PATH")
def test_libreoffice_shows_the_form_capaian_rounded_like_the_pipeline(tmp_path):
    batch = _edge_batch(13, 28)
    _organisation(tmp_path / "rules", batch)
    rules = load_rules(tmp_path / "rules")
    ws = Workspace(tmp_path)
    [form] = generate_forms(rules, ws, YEAR, 1, ["A"], generated_at=dt.datetime(2026, 1, 2))
    plan = plan_form(rules, "A", YEAR, 1)
    typed = {}
    for row, case in zip(plan.rows, batch):
        if case.kind == "rasio":
            typed[f"{COL['pembilang']}{row.row}"] = case.pembilang
            typed[f"{COL['penyebut']}{row.row}"] = case.penyebut
        else:
            typed[f"{COL['realisasi']}{row.row}"] = _typed(case.realisasi)
    out = fill_workbook(form.path, tmp_path / "diisi.xlsx", typed, profile_dir=tmp_path / "lo",
                        timeout=180)
    sheet = openpyxl.load_workbook(out, data_only=True)[DATA_SHEET]
    for row, case in zip(plan.rows, batch):
        shown = half_up(case.capaian)
        got = sheet[f"{COL['capaian']}{row.row}"].value
        assert got == float(shown), (case, got)
        positif = case.kind in ("positif", "rasio")
        r = (case.pembilang * 100 / case.penyebut if case.kind == "rasio"
             else _typed(case.realisasi))
        assert semantics.rounded_of(r, _typed(case.target), positif, case.kind == "kebalikan") == got
