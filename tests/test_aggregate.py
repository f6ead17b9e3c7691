"""Tests for kinerja_pipeline.aggregate: hand-computed values and properties."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinerja_pipeline.aggregate import (
    ALASAN_BELUM_ADA_DATA,
    ALASAN_PENYEBUT_NOL,
    ALASAN_TARGET_NOL,
    BUDGET_COLUMNS,
    COLUMNS,
    SASARAN_BUDGET_COLUMNS,
    SASARAN_SCORE_COLUMNS,
    aggregate,
    aggregate_budget,
    budget_by_sasaran,
    coverage_mark,
    predikat_mark,
    sasaran_scores,
)
from kinerja_pipeline.periods import periods_up_to
from kinerja_pipeline.rules_load import load_rules
from tiny_rules import tiny_rules

YEAR = 2026
NaN = float("nan")
VALUE_COLUMNS = ["unit", "quarter", "indikator", "realisasi", "pembilang", "penyebut"]
PROPS = settings(max_examples=50, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


def vals(*rows: tuple) -> pd.DataFrame:
    """Values from (unit, quarter, indikator, realisasi[, pembilang, penyebut]) tuples."""
    out = []
    for unit, quarter, ind, *rest in rows:
        rest = list(rest) + [NaN] * (3 - len(rest))
        out.append((unit, quarter, ind, *rest))
    return pd.DataFrame(out, columns=VALUE_COLUMNS)


def ratio(unit: str, quarter: int, ind: str, pembilang: float, penyebut: float,
          realisasi: float = NaN) -> tuple:
    return (unit, quarter, ind, realisasi, pembilang, penyebut)


def pick(agg: pd.DataFrame, node: str, ind: str, periode: str) -> pd.Series:
    sel = agg[(agg["node"] == node) & (agg["indikator"] == ind) & (agg["periode"] == periode)]
    assert len(sel) == 1, (node, ind, periode)
    return sel.iloc[0]


def nan(x: float) -> bool:
    return isinstance(x, float) and math.isnan(x)


# =========================================================================== time aggregation


@pytest.fixture(scope="module")
def time_rules(tmp_path_factory):
    return tiny_rules(
        tmp_path_factory.mktemp("time"),
        units={"PUSAT": (None, "pusat"), "A": ("PUSAT", "upt"), "B": ("PUSAT", "upt")},
        indicators=[
            {"kode": "J", "agregasi_waktu": "jumlah"},
            {"kode": "K", "agregasi_waktu": "akhir", "mode_target": "kumulatif"},
            {"kode": "R", "agregasi_waktu": "rata", "agregasi_unit": "rata"},
        ],
        targets={(u, "J"): (10, 10, 10, 10) for u in "AB"}
        | {(u, "K"): (5, 6, 7, 8) for u in "AB"}
        | {(u, "R"): (60, 70, 80, 90) for u in "AB"},
    )


# Unit A only (B never reports). J: TW2 missing; K: TW4 missing; R: TW3 missing.
TIME_VALUES = vals(
    ("A", 1, "J", 12), ("A", 3, "J", 30), ("A", 4, "J", 40),
    ("A", 1, "K", 5), ("A", 2, "K", 8), ("A", 3, "K", 7),
    ("A", 1, "R", 60), ("A", 2, "R", 80), ("A", 4, "R", 90),
)


def test_time_jumlah_sums_reported_quarters(time_rules):
    agg = aggregate(time_rules, YEAR, 4, TIME_VALUES)
    s1 = pick(agg, "A", "J", "S1")
    assert s1.realisasi == 12            # TW1 only (TW2 missing, not zero)
    assert s1.triwulan == "TW1" and s1.triwulan_diharapkan == "TW1,TW2"
    assert s1.unit_melapor == 1 and s1.unit_diharapkan == 1
    assert pick(agg, "A", "J", "S2").realisasi == 70       # 30 + 40
    year = pick(agg, "A", "J", "TAHUN")
    assert year.realisasi == 82                           # 12 + 30 + 40
    assert year.triwulan == "TW1,TW3,TW4"
    assert year.triwulan_diharapkan == "TW1,TW2,TW3,TW4"
    tw2 = pick(agg, "A", "J", "TW2")
    assert nan(tw2.realisasi) and tw2.alasan == ALASAN_BELUM_ADA_DATA and tw2.triwulan == ""


def test_time_akhir_takes_last_reported_quarter(time_rules):
    agg = aggregate(time_rules, YEAR, 4, TIME_VALUES)
    assert pick(agg, "A", "K", "S1").realisasi == 8        # TW2 is the last of S1
    assert pick(agg, "A", "K", "S2").realisasi == 7        # TW4 missing → TW3
    year = pick(agg, "A", "K", "TAHUN")
    assert year.realisasi == 7                             # TW3, the last reported quarter
    assert year.triwulan == "TW1,TW2,TW3"


def test_time_rata_means_reported_quarters(time_rules):
    agg = aggregate(time_rules, YEAR, 4, TIME_VALUES)
    assert pick(agg, "A", "R", "S1").realisasi == 70       # (60 + 80) / 2
    assert pick(agg, "A", "R", "S2").realisasi == 90       # TW3 missing → TW4 alone
    assert pick(agg, "A", "R", "TAHUN").realisasi == pytest.approx(230 / 3)  # (60+80+90)/3


def test_parent_of_time_aggregates_with_missing_unit(time_rules):
    agg = aggregate(time_rules, YEAR, 4, TIME_VALUES)
    row = pick(agg, "PUSAT", "J", "TAHUN")
    assert row.realisasi == 82                             # B did not report: A alone
    assert row.unit_melapor == 1 and row.unit_diharapkan == 2
    assert row.target == 30            # sebanding: A's own targets of TW1, TW3, TW4; B not at all
    assert not row.lengkap and row.unit_lengkap == 0
    assert pick(agg, "PUSAT", "K", "S1").realisasi == 8
    assert pick(agg, "PUSAT", "R", "S1").realisasi == 70


def test_upto_cuts_the_year_and_ignores_later_quarters(time_rules):
    agg = aggregate(time_rules, YEAR, 3, TIME_VALUES)
    assert list(agg[(agg.node == "A") & (agg.indikator == "J")].periode) == [
        "TW1", "TW2", "TW3", "S1", "TAHUN"]
    assert pick(agg, "A", "J", "TAHUN").realisasi == 42    # 12 + 30 (TW4 row ignored)
    assert pick(agg, "A", "J", "TAHUN").target == 20       # TW1 + TW3 (TW2 not reported)
    assert pick(agg, "A", "R", "TAHUN").realisasi == 70    # (60 + 80) / 2, TW4 ignored
    assert pick(agg, "A", "J", "TAHUN").triwulan_diharapkan == "TW1,TW2,TW3"
    assert set(aggregate(time_rules, YEAR, 1, TIME_VALUES).periode) == {"TW1", "TAHUN"}


def test_output_shape_order_and_types(time_rules):
    agg = aggregate(time_rules, YEAR, 4, TIME_VALUES)
    assert list(agg.columns) == COLUMNS
    # indicators in rules order, then units in rules order, then periods
    expected = [(i, n, p) for i in "JKR" for n in ("PUSAT", "A", "B") for p in periods_up_to(4)]
    assert list(zip(agg.indikator, agg.node, agg.periode)) == expected
    assert agg.index.tolist() == list(range(len(agg)))
    for col in ("target", "realisasi", "pembilang", "penyebut", "capaian", "skor"):
        assert agg[col].dtype == float
    assert agg.unit_melapor.dtype.kind == "i" and agg.unit_diharapkan.dtype.kind == "i"
    assert (agg.alasan[agg.capaian.notna()] == "").all()
    assert (agg.alasan[agg.capaian.isna()] != "").all()


def test_duplicate_value_rows_are_an_error(time_rules):
    with pytest.raises(ValueError):
        aggregate(time_rules, YEAR, 4, vals(("A", 1, "J", 1), ("A", 1, "J", 2)))


def test_foreign_rows_are_ignored(time_rules):
    noise = vals(("PUSAT", 1, "J", 1000),   # PUSAT (jenis pusat) does not report J
                 ("ZZ", 1, "J", 1000),      # unknown unit
                 ("A", 1, "XX", 1000),      # unknown indicator
                 ("A", 0, "J", 1000), ("A", 5, "J", 1000))  # not a quarter
    clean = aggregate(time_rules, YEAR, 4, TIME_VALUES)
    noisy = aggregate(time_rules, YEAR, 4, pd.concat([TIME_VALUES, noise], ignore_index=True))
    pd.testing.assert_frame_equal(clean, noisy)


# =========================================================================== unit aggregation


@pytest.fixture(scope="module")
def unit_rules(tmp_path_factory):
    return tiny_rules(
        tmp_path_factory.mktemp("units"),
        units={"ROOT": (None, "pusat"), "KW1": ("ROOT", "kanwil"), "KW2": ("ROOT", "kanwil"),
               "A": ("KW1", "upt"), "B": ("KW1", "upt"), "C": ("KW2", "upt"),
               "D": ("KW2", "upt")},
        indicators=[{"kode": "J"},
                    {"kode": "R", "agregasi_waktu": "rata", "agregasi_unit": "rata"}],
        targets={(u, "J"): (10, 10, 10, 10) for u in "ABCD"}
        | {(u, "R"): (50, 50, 50, 50) for u in "ABCD"},
    )


UNIT_VALUES = vals(("A", 1, "J", 10), ("B", 1, "J", 20), ("C", 1, "J", 5),   # D missing
                   ("A", 1, "R", 60), ("B", 1, "R", 90), ("C", 1, "R", 30))


def test_unit_jumlah_sums_reporting_units(unit_rules):
    agg = aggregate(unit_rules, YEAR, 1, UNIT_VALUES)
    kw1, kw2, root = (pick(agg, n, "J", "TW1") for n in ("KW1", "KW2", "ROOT"))
    assert (kw1.realisasi, kw1.unit_melapor, kw1.unit_diharapkan) == (30, 2, 2)   # 10 + 20
    assert (kw2.realisasi, kw2.unit_melapor, kw2.unit_diharapkan) == (5, 1, 2)    # C; D missing
    assert (root.realisasi, root.unit_melapor, root.unit_diharapkan) == (35, 3, 4)  # 10+20+5
    assert root.target == 30          # sebanding: the 3 reporting units × 10 (D left out)
    assert root.capaian == pytest.approx(35 / 30 * 100)
    assert kw1.lengkap and not kw2.lengkap and not root.lengkap
    assert root.triwulan == "TW1"


def test_unit_rata_means_all_reporting_units_not_means_of_means(unit_rules):
    agg = aggregate(unit_rules, YEAR, 1, UNIT_VALUES)
    assert pick(agg, "KW1", "R", "TW1").realisasi == 75    # (60 + 90) / 2
    assert pick(agg, "KW2", "R", "TW1").realisasi == 30    # C alone
    root = pick(agg, "ROOT", "R", "TW1")
    assert root.realisasi == 60                            # (60 + 90 + 30) / 3
    assert root.realisasi != (75 + 30) / 2                 # 52.5 would be a mean of means
    assert (root.unit_melapor, root.unit_diharapkan) == (3, 4)
    assert root.target == 50                               # mean of the units' targets


def test_nodes_without_reporting_units_are_absent(tmp_path):
    rules = tiny_rules(tmp_path,
                       units={"ROOT": (None, "pusat"), "KW1": ("ROOT", "kanwil"),
                              "KW2": ("ROOT", "kanwil"), "A": ("KW1", "upt"),
                              "X": ("KW2", "lain")},
                       indicators=[{"kode": "J", "jenis_unit": ["upt"]},
                                   {"kode": "L", "jenis_unit": ["lain"]}],
                       targets={("A", "J"): (1, 1, 1, 1), ("X", "L"): (1, 1, 1, 1)})
    agg = aggregate(rules, YEAR, 1, vals())
    assert list(agg[agg.indikator == "J"].node.unique()) == ["ROOT", "KW1", "A"]
    assert list(agg[agg.indikator == "L"].node.unique()) == ["ROOT", "KW2", "X"]


# =========================================================================== ratio


@pytest.fixture(scope="module")
def ratio_rules(tmp_path_factory):
    return tiny_rules(
        tmp_path_factory.mktemp("ratio"),
        indicators=[
            {"kode": "PJ", "rasio": True, "mode_target": "kumulatif"},
            {"kode": "PA", "rasio": True, "agregasi_waktu": "akhir", "mode_target": "kumulatif"},
            {"kode": "PR", "agregasi_waktu": "rata", "mode_target": "kumulatif",
             "rasio": {"pembilang": "n", "penyebut": "d", "faktor": 1000}},
        ],
        default_target=(80, 80, 80, 80),
    )


RATIO_VALUES = vals(
    ratio("A", 1, "PJ", 90, 100, realisasi=999),   # realisasi of a ratio row is ignored
    ratio("B", 1, "PJ", 1, 10),
    ratio("A", 2, "PJ", 5, NaN),                   # half-filled: A did not report TW2
    ratio("B", 2, "PJ", 3, 10),
    ratio("A", 1, "PA", 9, 10),
    ratio("A", 2, "PA", NaN, 20),                  # half-filled again
    ratio("B", 1, "PA", 0, 0),                     # penyebut 0
    ratio("A", 1, "PR", 2, 10), ratio("A", 2, "PR", 4, 30),
)


def test_ratio_recomputed_from_summed_pembilang_penyebut(ratio_rules):
    agg = aggregate(ratio_rules, YEAR, 2, RATIO_VALUES)
    a, b, root = (pick(agg, n, "PJ", "TW1") for n in ("A", "B", "PUSAT"))
    assert a.realisasi == 90 and b.realisasi == 10         # 90/100, 1/10 (A's 999 ignored)
    assert (root.pembilang, root.penyebut) == (91, 110)
    assert root.realisasi == pytest.approx(9100 / 110)     # 91 / 110 × 100 = 82.727…
    wrong = (a.realisasi + b.realisasi) / 2                # 50: averaging the percentages
    assert wrong == 50 and abs(root.realisasi - wrong) > 30
    assert root.target == 80                               # mean of the units' targets
    assert root.capaian == pytest.approx(9100 / 110 / 80 * 100)


def test_ratio_quarter_needs_both_pembilang_and_penyebut(ratio_rules):
    agg = aggregate(ratio_rules, YEAR, 2, RATIO_VALUES)
    a_tw2 = pick(agg, "A", "PJ", "TW2")
    assert nan(a_tw2.realisasi) and a_tw2.unit_melapor == 0
    assert a_tw2.alasan == ALASAN_BELUM_ADA_DATA
    a_s1 = pick(agg, "A", "PJ", "S1")
    assert (a_s1.pembilang, a_s1.penyebut, a_s1.realisasi) == (90, 100, 90)  # not (95, 100)
    assert a_s1.triwulan == "TW1"
    root_s1 = pick(agg, "PUSAT", "PJ", "S1")
    assert (root_s1.pembilang, root_s1.penyebut) == (94, 120)   # 90+1+3, 100+10+10
    assert root_s1.realisasi == pytest.approx(9400 / 120)       # 78.333…
    assert root_s1.triwulan == "TW1,TW2"


def test_ratio_akhir_takes_both_from_the_same_quarter(ratio_rules):
    agg = aggregate(ratio_rules, YEAR, 2, RATIO_VALUES)
    a = pick(agg, "A", "PA", "S1")
    assert (a.pembilang, a.penyebut, a.realisasi) == (9, 10, 90)   # TW1 pair, not 9/20 = 45


def test_ratio_penyebut_zero(ratio_rules):
    agg = aggregate(ratio_rules, YEAR, 2, RATIO_VALUES)
    b = pick(agg, "B", "PA", "TW1")
    assert nan(b.realisasi) and nan(b.capaian) and b.alasan == ALASAN_PENYEBUT_NOL
    assert b.unit_melapor == 1 and b.triwulan == "TW1"     # 0/0 is reported, just not a ratio
    root = pick(agg, "PUSAT", "PA", "TW1")
    assert root.realisasi == 90                            # (9 + 0) / (10 + 0) × 100


def test_ratio_rata_and_faktor(ratio_rules):
    agg = aggregate(ratio_rules, YEAR, 2, RATIO_VALUES)
    a = pick(agg, "A", "PR", "S1")
    # mean pembilang (2+4)/2 = 3, mean penyebut (10+30)/2 = 20, × faktor 1000 = 150
    assert (a.pembilang, a.penyebut) == (3, 20)
    assert a.realisasi == 150
    assert pick(agg, "PUSAT", "PR", "S1").realisasi == 150    # B did not report


# =========================================================================== targets


TARGET_INDICATORS = [
    {"kode": "JP", "agregasi_waktu": "jumlah", "mode_target": "per_triwulan"},
    {"kode": "JK", "agregasi_waktu": "jumlah", "mode_target": "kumulatif"},
    {"kode": "AP", "agregasi_waktu": "akhir", "mode_target": "per_triwulan"},
    {"kode": "AK", "agregasi_waktu": "akhir", "mode_target": "kumulatif"},
    {"kode": "RP", "agregasi_waktu": "rata", "agregasi_unit": "rata", "mode_target": "per_triwulan"},
    {"kode": "RK", "agregasi_waktu": "rata", "agregasi_unit": "rata", "mode_target": "kumulatif"},
    {"kode": "XP", "rasio": True, "mode_target": "per_triwulan"},
]
A_TARGETS = {"JP": (10, 20, 30, 40), "JK": (10, 30, 60, 100), "AP": (5, 6, 7, 8),
             "AK": (5, 6, 7, 8), "RP": (60, 70, 80, 90), "RK": (60, 70, 80, 90),
             "XP": (70, 75, 80, 85)}


@pytest.fixture(scope="module")
def target_rules(tmp_path_factory):
    targets = {("A", k): tw for k, tw in A_TARGETS.items()}
    targets |= {("B", k): tuple(2 * x for x in tw) for k, tw in A_TARGETS.items()}  # B = 2 × A
    return tiny_rules(tmp_path_factory.mktemp("targets"), indicators=TARGET_INDICATORS,
                      targets=targets)


@pytest.mark.parametrize("ind, expected, tahun_tw3", [
    # per_triwulan jumlah: sums of the period's TW targets
    ("JP", {"TW1": 10, "TW2": 20, "TW3": 30, "TW4": 40, "S1": 30, "S2": 70, "TAHUN": 100}, 60),
    # kumulatif jumlah: tw[last] − tw[first−1]: TW2 = 30−10, S2 = 100−30, TAHUN s.d. TW3 = 60
    ("JK", {"TW1": 10, "TW2": 20, "TW3": 30, "TW4": 40, "S1": 30, "S2": 70, "TAHUN": 100}, 60),
    # akhir (a level): the target of the period's last quarter, both modes
    ("AP", {"TW1": 5, "TW2": 6, "TW3": 7, "TW4": 8, "S1": 6, "S2": 8, "TAHUN": 8}, 7),
    ("AK", {"TW1": 5, "TW2": 6, "TW3": 7, "TW4": 8, "S1": 6, "S2": 8, "TAHUN": 8}, 7),
    # per_triwulan rata: mean of the period's TW targets: S1 (60+70)/2, S2 (80+90)/2,
    # TAHUN (60+70+80+90)/4 = 75, s.d. TW3 (60+70+80)/3 = 70
    ("RP", {"TW1": 60, "TW2": 70, "TW3": 80, "TW4": 90, "S1": 65, "S2": 85, "TAHUN": 75}, 70),
    # kumulatif rata: s.d. means; each quarter's own target is q·t_q − (q−1)·t_(q−1):
    # 60, 2×70−60 = 80, 3×80−140 = 100, 4×90−240 = 120; periods take their mean
    ("RK", {"TW1": 60, "TW2": 80, "TW3": 100, "TW4": 120, "S1": 70, "S2": 110, "TAHUN": 90}, 80),
    # ratio (a level): the last quarter's target
    ("XP", {"TW1": 70, "TW2": 75, "TW3": 80, "TW4": 85, "S1": 75, "S2": 85, "TAHUN": 85}, 80),
])
def test_unit_period_targets(target_rules, ind, expected, tahun_tw3):
    agg = aggregate(target_rules, YEAR, 4, vals())
    assert {p: pick(agg, "A", ind, p).target for p in expected} == expected
    assert pick(aggregate(target_rules, YEAR, 3, vals()), "A", ind, "TAHUN").target == tahun_tw3


@pytest.mark.parametrize("ind, s1", [
    ("JP", 90),     # jumlah: sum, A 30 + B 60
    ("JK", 90),     # A 30 + B 60
    ("AP", 18),     # akhir with agregasi_unit jumlah: sum, A 6 + B 12
    ("AK", 18),
    ("RP", 97.5),   # agregasi_unit rata: mean, (65 + 130) / 2
    ("RK", 105),    # (70 + 140) / 2
    ("XP", 112.5),  # ratio: mean of the units' targets, (75 + 150) / 2
])
def test_node_targets_derived_from_units(target_rules, ind, s1):
    agg = aggregate(target_rules, YEAR, 4, vals())
    assert pick(agg, "PUSAT", ind, "S1").target == s1


def test_explicit_parent_target_overrides_derived(tmp_path):
    targets = {("A", "JP"): (10, 20, 30, 40), ("B", "JP"): (20, 40, 60, 80),
               ("A", "JK"): (10, 30, 60, 100), ("B", "JK"): (10, 30, 60, 100),
               ("PUSAT", "JP"): (25, 25, 25, 25)}             # PUSAT's own PK target
    rules = tiny_rules(tmp_path, indicators=TARGET_INDICATORS[:2], targets=targets)
    agg = aggregate(rules, YEAR, 4, vals())
    assert pick(agg, "PUSAT", "JP", "S1").target == 50       # 25 + 25, not derived 30 + 60
    assert pick(agg, "PUSAT", "JP", "TAHUN").target == 100   # not derived 100 + 200
    assert pick(agg, "PUSAT", "JK", "S1").target == 60       # no PUSAT row: 30 + 30
    assert pick(agg, "A", "JP", "S1").target == 30


def test_year_without_targets_gives_no_target(target_rules):
    agg = aggregate(target_rules, 2030, 1, vals(("A", 1, "JP", 5)))
    row = pick(agg, "A", "JP", "TW1")
    assert row.realisasi == 5 and nan(row.target) and nan(row.capaian)
    assert row.alasan != ""


# =========================================================================== capaian


CAPAIAN_INDICATORS = [
    {"kode": "POS", "sasaran": "SS1"},
    {"kode": "SEL", "sasaran": "SS1", "polaritas": "negatif", "rumus_negatif": "selisih"},
    {"kode": "KEB", "sasaran": "SS2", "polaritas": "negatif", "rumus_negatif": "kebalikan"},
]
# unit: {indicator: (target of each TW, realisasi TW1)}
CAPAIAN_CASES = {
    "X1": {"POS": (50, 45), "SEL": (10, 12), "KEB": (30, 40)},
    "X2": {"POS": (0, 5), "SEL": (10, 25), "KEB": (30, 0)},
    "X3": {"POS": (100, 150), "SEL": (0, 0), "KEB": (0, 0)},
    "X4": {"POS": (100, 0), "SEL": (0, 3), "KEB": (0, 3)},
}


def _capaian_rules(path, **policy):
    units = {"PUSAT": (None, "pusat")} | {u: ("PUSAT", "upt") for u in CAPAIAN_CASES}
    targets = {(u, i): (t, t, t, t) for u, cases in CAPAIAN_CASES.items()
               for i, (t, _) in cases.items()}
    return tiny_rules(path, units=units, indicators=CAPAIAN_INDICATORS, targets=targets,
                      policy=policy)


CAPAIAN_VALUES = vals(*[(u, 1, i, r) for u, cases in CAPAIAN_CASES.items()
                        for i, (_, r) in cases.items()])


@pytest.fixture(scope="module")
def capaian_agg(tmp_path_factory):
    rules = _capaian_rules(tmp_path_factory.mktemp("capaian"), batas_skor=120)
    return rules, aggregate(rules, YEAR, 1, CAPAIAN_VALUES)


@pytest.mark.parametrize("unit, ind, capaian, alasan", [
    ("X1", "POS", 90, ""),                    # 45 / 50 × 100
    ("X4", "POS", 0, ""),                     # 0 is a value: 0 / 100
    ("X2", "POS", NaN, ALASAN_TARGET_NOL),    # positif, T = 0: not computable
    ("X1", "SEL", 80, ""),                    # (2×10 − 12) / 10 × 100
    ("X2", "SEL", 0, ""),                     # (2×10 − 25) / 10 × 100 = −50 → floored at 0
    ("X3", "SEL", 100, ""),                   # negatif, T = 0, R = 0
    ("X4", "SEL", 0, ""),                     # negatif, T = 0, R = 3
    ("X1", "KEB", 75, ""),                    # 30 / 40 × 100
    ("X3", "KEB", 100, ""),                   # negatif, T = 0, R = 0
    ("X4", "KEB", 0, ""),                     # negatif, T = 0, R = 3
])
def test_capaian_formulas(capaian_agg, unit, ind, capaian, alasan):
    _, agg = capaian_agg
    row = pick(agg, unit, ind, "TW1")
    if math.isnan(capaian):
        assert nan(row.capaian) and nan(row.skor) and row.predikat == ""
    else:
        assert row.capaian == pytest.approx(capaian)
    assert row.alasan == alasan


def test_capaian_of_negatif_node(capaian_agg):
    _, agg = capaian_agg
    row = pick(agg, "PUSAT", "SEL", "TW1")
    # R = 12+25+0+3 = 40, T = 10+10+0+0 = 20: (2×20 − 40) / 20 × 100 = 0
    assert (row.realisasi, row.target, row.capaian) == (40, 20, 0)


def test_skor_is_capped_capaian_stays_raw(capaian_agg, tmp_path):
    _, agg = capaian_agg
    row = pick(agg, "X3", "POS", "TW1")
    assert row.capaian == 150 and row.skor == 120          # 150 / 100 × 100, cap 120
    assert row.predikat == "Sangat Tinggi"
    assert pick(agg, "X1", "POS", "TW1").skor == 90        # under the cap: skor = capaian
    uncapped = aggregate(_capaian_rules(tmp_path), YEAR, 1, CAPAIAN_VALUES)
    assert pick(uncapped, "X3", "POS", "TW1").skor == 150


@pytest.mark.parametrize("realisasi, predikat", [
    (50.994, "Sangat Rendah"), (50.995, "Rendah"), (50.999, "Rendah"), (51, "Rendah"),
    (65.9, "Rendah"), (66, "Sedang"),
    (75.99, "Sedang"), (76, "Tinggi"), (90.5, "Tinggi"), (90.99, "Tinggi"),
    (91, "Sangat Tinggi"), (130, "Sangat Tinggi"),
])
def test_predikat_band_edges(tmp_path, realisasi, predikat):
    rules = tiny_rules(tmp_path, default_target=(100, 100, 100, 100))
    agg = aggregate(rules, YEAR, 1, vals(("A", 1, "I1", realisasi)))
    row = pick(agg, "A", "I1", "TW1")
    assert row.capaian == pytest.approx(realisasi)         # R / 100 × 100
    assert row.predikat == predikat
    assert row.predikat == rules.policy.predikat_of(row.capaian)


def test_nan_is_missing_zero_is_a_value(tmp_path):
    rules = tiny_rules(tmp_path, indicators=[{"kode": "I1"}, {"kode": "P", "rasio": True}],
                       default_target=(10, 10, 10, 10))
    agg = aggregate(rules, YEAR, 1, vals(("A", 1, "I1", NaN), ("B", 1, "I1", 0),
                                         ratio("A", 1, "P", NaN, NaN), ratio("B", 1, "P", 0, 5)))
    a, b, root = (pick(agg, n, "I1", "TW1") for n in ("A", "B", "PUSAT"))
    assert nan(a.realisasi) and a.unit_melapor == 0 and a.alasan == ALASAN_BELUM_ADA_DATA
    assert a.triwulan == ""
    assert b.realisasi == 0 and b.capaian == 0 and b.predikat == "Sangat Rendah"
    assert b.unit_melapor == 1 and b.alasan == ""
    assert root.realisasi == 0 and root.unit_melapor == 1 and root.unit_diharapkan == 2
    p = pick(agg, "PUSAT", "P", "TW1")
    assert (p.pembilang, p.penyebut, p.realisasi, p.unit_melapor) == (0, 5, 0, 1)


# =========================================================================== sasaran scores


def test_sasaran_scores(capaian_agg):
    rules, agg = capaian_agg
    scores = sasaran_scores(agg, rules)
    assert list(scores.columns) == SASARAN_SCORE_COLUMNS

    def one(node, sas):
        sel = scores[(scores.node == node) & (scores.sasaran == sas) & (scores.periode == "TW1")]
        assert len(sel) == 1
        return sel.iloc[0]

    x1 = one("X1", "SS1")
    assert (x1.skor, x1.indikator_dinilai, x1.indikator_total) == (85, 2, 2)   # (90 + 80) / 2
    x2 = one("X2", "SS1")
    assert (x2.skor, x2.indikator_dinilai, x2.indikator_total) == (0, 1, 2)    # POS has none
    x3 = one("X3", "SS1")
    assert x3.skor == 110                          # (min(150, 120) + 100) / 2: capped skor
    x2b = one("X2", "SS2")
    # KEB of X2 is kebalikan with R = 0, T = 30: the best result scores the cap
    assert (x2b.skor, x2b.indikator_dinilai, x2b.indikator_total) == (120, 1, 1)
    assert list(scores.sasaran.unique()) == ["SS1", "SS2"]
    assert list(scores[scores.sasaran == "SS1"].node.unique()) == ["PUSAT", "X1", "X2", "X3",
                                                                   "X4"]


# =========================================================================== budget


@pytest.fixture(scope="module")
def budget_rules(tmp_path_factory):
    return tiny_rules(tmp_path_factory.mktemp("budget"),
                      sasaran=["SS1", "SS2"], kegiatan={"KEG1": "SS1", "KEG2": "SS2",
                                                        "KEG3": "SS2"},
                      pagu={("A", "KEG1"): 1000, ("B", "KEG1"): 500, ("A", "KEG2"): 200,
                            ("B", "KEG3"): 0},
                      default_target=(1, 1, 1, 1))


BUDGET = pd.DataFrame([
    ("A", 1, "KEG1", 100), ("A", 2, "KEG1", 150),
    ("B", 1, "KEG1", NaN), ("B", 2, "KEG1", 50),        # blank TW1
    ("A", 3, "KEG1", 999),                                # after upto: ignored
    ("B", 1, "KEG3", 10),                                 # pagu 0
    ("B", 1, "KEG2", 77),                                 # B has no pagu for KEG2: ignored
], columns=["unit", "quarter", "kegiatan", "realisasi_anggaran"])


def test_budget_and_serapan(budget_rules):
    agg = aggregate_budget(budget_rules, YEAR, 2, BUDGET)
    assert list(agg.columns) == BUDGET_COLUMNS
    rows = {(r.node, r.kegiatan): r for r in agg.itertuples()}
    assert list(zip(agg.kegiatan, agg.node)) == [
        ("KEG1", "PUSAT"), ("KEG1", "A"), ("KEG1", "B"), ("KEG2", "PUSAT"), ("KEG2", "A"),
        ("KEG3", "PUSAT"), ("KEG3", "B")]
    root = rows[("PUSAT", "KEG1")]
    assert (root.sasaran, root.pagu, root.realisasi) == ("SS1", 1500, 300)  # 100+150+50
    assert root.serapan == 20                                           # 300 / 1500 × 100
    assert (root.unit_melapor, root.unit_diharapkan, root.triwulan) == (2, 2, "TW1,TW2")
    b = rows[("B", "KEG1")]
    assert (b.realisasi, b.serapan, b.triwulan) == (50, 10, "TW2")      # 50 / 500 × 100
    a2 = rows[("A", "KEG2")]
    assert a2.pagu == 200 and nan(a2.realisasi) and nan(a2.serapan)
    assert (a2.unit_melapor, a2.unit_diharapkan, a2.triwulan) == (0, 1, "")
    b3 = rows[("B", "KEG3")]
    assert b3.realisasi == 10 and nan(b3.serapan)                       # pagu 0
    year = aggregate_budget(budget_rules, YEAR, 4, BUDGET)
    assert year[(year.node == "A") & (year.kegiatan == "KEG1")].realisasi.item() == 1249


def test_budget_by_sasaran(budget_rules):
    by = budget_by_sasaran(aggregate_budget(budget_rules, YEAR, 2, BUDGET))
    assert list(by.columns) == SASARAN_BUDGET_COLUMNS
    assert list(zip(by.sasaran, by.node)) == [("SS1", "PUSAT"), ("SS1", "A"), ("SS1", "B"),
                                              ("SS2", "PUSAT"), ("SS2", "A"), ("SS2", "B")]
    ss2 = by[(by.node == "PUSAT") & (by.sasaran == "SS2")].iloc[0]
    assert (ss2.pagu, ss2.realisasi) == (200, 10)           # KEG2 200 + KEG3 0; nothing + 10
    assert ss2.serapan == 5                                 # 10 / 200 × 100
    b2 = by[(by.node == "B") & (by.sasaran == "SS2")].iloc[0]
    assert b2.pagu == 0 and b2.realisasi == 10 and nan(b2.serapan)
    a2 = by[(by.node == "A") & (by.sasaran == "SS2")].iloc[0]
    assert nan(a2.realisasi) and nan(a2.serapan)


# =========================================================================== sample rules


@pytest.fixture(scope="module")
def sample():
    return load_rules(Path(__file__).resolve().parent.parent / "rules")


def test_sample_rules_structure(sample):
    agg = aggregate(sample, YEAR, 4, vals())
    ik01 = agg[agg.indikator == "IK01"]
    assert list(ik01.node.unique()) == ["DITJENPAS", "KW-JABAR", "KW-JATIM", "KW-SUMUT",
                                        "LP-SUKAMISKIN", "LP-BANCEUY", "LP-PORONG", "LP-MALANG",
                                        "LP-TANJUNGGUSTA"]
    assert pick(agg, "DITJENPAS", "IK01", "TAHUN").unit_diharapkan == 5
    assert pick(agg, "KW-SUMUT", "IK10", "S1").unit_diharapkan == 5     # every UPT of Sumut
    assert len(agg[agg.indikator == "IK10"].node.unique()) == 19        # 15 UPT + 3 + 1
    assert list(agg.indikator.unique()) == [i.kode for i in sample.indicators]
    assert (agg.alasan == ALASAN_BELUM_ADA_DATA).all() and (agg.unit_melapor == 0).all()
    # targets: IK01 flow per_triwulan, sum over lapas: 36 + 60 + 48 + 96 + 96
    assert pick(agg, "DITJENPAS", "IK01", "TAHUN").target == 336
    # S1 = TW1 + TW2 = (7+9) + (12+15) + (10+12) + (19+24) + (19+24)
    assert pick(agg, "DITJENPAS", "IK01", "S1").target == 151
    # IK02 ratio kumulatif: mean of the 12 units' TW2 targets (all 87)
    assert pick(agg, "DITJENPAS", "IK02", "S1").target == 87
    # IK10 rata per_triwulan: (80 + 81) / 2, then the mean over units
    assert pick(agg, "KW-JABAR", "IK10", "S1").target == 80.5
    # IK04 akhir kumulatif, agregasi_unit jumlah: TW2 targets 37 + 86 + 86
    assert pick(agg, "DITJENPAS", "IK04", "S1").target == 209


def test_sample_rules_values(sample):
    rows = []
    for unit in sample.reporting_units:
        for ind in sample.indicators_for(unit):
            for q in (1, 2):
                if ind.kode == "IK08":
                    rows.append((unit.kode, q, ind.kode, 0))                 # no incidents
                elif ind.kode == "IK09":
                    rows.append((unit.kode, q, ind.kode, 50))
                elif ind.is_ratio:
                    rows.append(ratio(unit.kode, q, ind.kode, 9, 10))
                else:
                    rows.append((unit.kode, q, ind.kode, 10))
    agg = aggregate(sample, YEAR, 2, vals(*rows))
    ik08 = pick(agg, "DITJENPAS", "IK08", "S1")
    assert (ik08.target, ik08.realisasi, ik08.capaian) == (0, 0, 100)   # negatif, T = 0, R = 0
    ik09 = pick(agg, "LP-SUKAMISKIN", "IK09", "S1")
    # rata of 50 and 50 = 50; target (45 + 40) / 2 = 42.5; kebalikan 42.5 / 50 × 100 = 85
    assert ik09.capaian == pytest.approx(85) and ik09.predikat == "Tinggi"
    ik02 = pick(agg, "DITJENPAS", "IK02", "S1")
    assert (ik02.pembilang, ik02.penyebut) == (108, 120)  # akhir: TW2's 9/10 × 12 units
    assert ik02.realisasi == pytest.approx(90)
    ik05 = pick(agg, "KW-JABAR", "IK05", "S1")
    assert (ik05.pembilang, ik05.penyebut) == (18, 20)    # jumlah: TW1 + TW2 of one bapas
    assert (agg.unit_melapor == agg.unit_diharapkan).all()
    assert agg[agg.capaian.notna()].predikat.ne("").all()


def test_sample_budget(sample):
    budget = pd.DataFrame([(p.unit, 1, p.kegiatan, p.pagu / 10) for p in sample.pagu[YEAR]],
                          columns=["unit", "quarter", "kegiatan", "realisasi_anggaran"])
    agg = aggregate_budget(sample, YEAR, 1, budget)
    root = agg[(agg.node == "DITJENPAS") & (agg.kegiatan == "KEG-BIMKEMAS")].iloc[0]
    assert root.pagu == 1102500000 * 2 + 1575000000      # the three bapas
    assert root.serapan == pytest.approx(10)
    assert root.unit_diharapkan == 3 and root.sasaran == "SS2"
    by = budget_by_sasaran(agg)
    assert list(by[by.node == "DITJENPAS"].sasaran) == ["SS1", "SS2", "SS3", "SS4"]


# =========================================================================== properties


PROP_UNITS = {"ROOT": (None, "pusat"), "KW1": ("ROOT", "kanwil"), "KW2": ("ROOT", "kanwil"),
              "A": ("KW1", "upt"), "B": ("KW1", "upt"), "C": ("KW1", "upt"),
              "D": ("KW2", "upt"), "E": ("KW2", "upt")}
LEAVES = ["A", "B", "C", "D", "E"]
PROP_INDICATORS = [
    {"kode": "JP"},
    {"kode": "JK", "mode_target": "kumulatif", "polaritas": "negatif"},
    {"kode": "AK", "agregasi_waktu": "akhir", "mode_target": "kumulatif"},
    {"kode": "RR", "agregasi_waktu": "rata", "agregasi_unit": "rata",
     "polaritas": "negatif", "rumus_negatif": "kebalikan"},
    {"kode": "PP", "rasio": True, "mode_target": "kumulatif"},
]


@pytest.fixture(scope="module")
def prop_rules(tmp_path_factory):
    targets = {}
    for n, u in enumerate(LEAVES):
        targets |= {(u, "JP"): (n, 2 * n, 3, 4), (u, "JK"): (1, 2 + n, 3 + n, 9),
                    (u, "AK"): (5, 5, 5, 5), (u, "RR"): (n, 1, 2, 3), (u, "PP"): (70, 75, 80, 85)}
    return tiny_rules(tmp_path_factory.mktemp("prop"), units=PROP_UNITS,
                      indicators=PROP_INDICATORS, targets=targets)


CELLS = [(u, q, i) for u in LEAVES for q in (1, 2, 3, 4) for i in ("JP", "JK", "AK", "RR", "PP")]


def _frame(main: list[int], penyebut: list[int], scale: int) -> pd.DataFrame:
    """One code per cell: -2 no row (not reported), -1 a blank (NaN), n >= 0 the value n/scale."""
    rows = []
    for (unit, q, ind), a, d in zip(CELLS, main, penyebut):
        if a == -2:
            continue
        value = NaN if a == -1 else a / scale
        if ind == "PP":
            rows.append(ratio(unit, q, ind, value, NaN if d < 0 else d / scale))
        else:
            rows.append((unit, q, ind, value))
    return vals(*rows)


def value_frames(top: int = 1000, scale: int = 1):
    """Random values for every leaf, quarter and indicator of ``prop_rules``."""
    code = st.one_of(st.sampled_from([-2, -1]), st.integers(0, top))
    codes = st.lists(code, min_size=len(CELLS), max_size=len(CELLS))
    return st.tuples(codes, codes).map(lambda c: _frame(*c, scale))


@PROPS
@given(values=value_frames())
def test_property_jumlah_semesters_add_up_and_root_is_sum_of_leaves(prop_rules, values):
    agg = aggregate(prop_rules, YEAR, 4, values)
    for ind in ("JP", "JK"):
        sub = agg[agg.indikator == ind].set_index(["node", "periode"])
        real, target, melapor = (sub[c].unstack("periode")
                                 for c in ("realisasi", "target", "unit_melapor"))
        # S1 + S2 = TAHUN at every node (a semester without data adds nothing)
        none = real["S1"].isna() & real["S2"].isna()
        assert (real["TAHUN"].isna() == none).all()
        assert (real["TAHUN"][~none] == real["S1"].fillna(0)[~none]
                + real["S2"].fillna(0)[~none]).all()
        # sebanding: a period's target rests on the quarters with data, so the year's target
        # is the two semesters' where they have data
        s1, s2 = (target[p].where(real[p].notna(), 0.0) for p in ("S1", "S2"))
        assert np.allclose(target["TAHUN"][~none], (s1 + s2)[~none])
        # the root is the sum of its reporting leaves, in every period (targets too: of the
        # leaves with data; a period without data shows the full target of all leaves)
        pd.testing.assert_series_equal(real.loc["ROOT"], real.loc[LEAVES].sum(min_count=1),
                                       check_names=False)
        with_data = target.loc[LEAVES].where(real.loc[LEAVES].notna()).sum(min_count=1)
        expected = with_data.where(real.loc["ROOT"].notna(), target.loc[LEAVES].sum())
        assert np.allclose(target.loc["ROOT"], expected)
        pd.testing.assert_series_equal(melapor.loc["ROOT"], melapor.loc[LEAVES].sum(),
                                       check_names=False)


@PROPS
@given(values=value_frames(top=10**9, scale=1000),
       seed=st.integers(0, 2**32 - 1))
def test_property_row_order_does_not_matter(prop_rules, values, seed):
    shuffled = values.sample(frac=1, random_state=seed).reset_index(drop=True)
    pd.testing.assert_frame_equal(aggregate(prop_rules, YEAR, 4, values),
                                  aggregate(prop_rules, YEAR, 4, shuffled))


MONO_TARGETS = [0, 0.5, 10, 250]
MONO_SLOTS = 6


@pytest.fixture(scope="module")
def mono_rules(tmp_path_factory):
    units = {"PUSAT": (None, "pusat")}
    targets = {}
    for k, t in enumerate(MONO_TARGETS):
        for i in range(MONO_SLOTS):
            units[f"T{k}_{i}"] = ("PUSAT", "upt")
            for ind in ("POS", "SEL", "KEB"):
                targets[(f"T{k}_{i}", ind)] = (t, t, t, t)
    return tiny_rules(tmp_path_factory.mktemp("mono"), units=units,
                      indicators=CAPAIAN_INDICATORS, targets=targets)


@PROPS
@given(realisasi=st.lists(st.one_of(st.just(0.0), st.floats(0, 1e4).map(lambda x: round(x, 3))),
                          min_size=MONO_SLOTS * len(MONO_TARGETS),
                          max_size=MONO_SLOTS * len(MONO_TARGETS)))
def test_property_capaian_monotone_in_realisasi(mono_rules, realisasi):
    rows = []
    for k in range(len(MONO_TARGETS)):
        for i in range(MONO_SLOTS):
            r = realisasi[k * MONO_SLOTS + i]
            rows += [(f"T{k}_{i}", 1, ind, r) for ind in ("POS", "SEL", "KEB")]
    agg = aggregate(mono_rules, YEAR, 1, vals(*rows))
    agg = agg[(agg.periode == "TW1") & (agg.node != "PUSAT") & agg.capaian.notna()]
    agg = agg.assign(group=agg.node.str.split("_").str[0])   # units sharing one target
    agg = agg.sort_values(["indikator", "group", "realisasi"], kind="stable")
    steps = agg.groupby(["indikator", "group"], sort=False).capaian.diff()
    positif = agg.indikator == "POS"
    assert (steps[positif].dropna() >= 0).all()               # rises with realisasi
    assert (steps[~positif].dropna() <= 0).all()              # falls for negatif
    assert positif.any() and (~positif).any()


# =========================================================================== coverage-matched targets
# Every rule of "Missing is not zero, and a capaian compares like with like", by hand. Units: ROOT
# → KW1 → A, B and ROOT → KW2 → C. A reports TW I, II and IV (TW III missing), B all four, C
# nothing. KW1 has its own target row for J (a Kanwil's own PK target).

COVER_UNITS = {"ROOT": (None, "pusat"), "KW1": ("ROOT", "kanwil"), "KW2": ("ROOT", "kanwil"),
               "A": ("KW1", "upt"), "B": ("KW1", "upt"), "C": ("KW2", "upt")}
COVER_INDICATORS = [
    {"kode": "J"},                                                    # jumlah, per_triwulan
    {"kode": "JK", "mode_target": "kumulatif"},                       # jumlah, kumulatif
    {"kode": "R", "agregasi_waktu": "rata", "agregasi_unit": "rata"},
    {"kode": "K", "agregasi_waktu": "akhir", "mode_target": "kumulatif"},
    {"kode": "P", "rasio": True},                                     # ratio, jumlah over time
]
COVER_TARGETS = {
    ("A", "J"): (10, 20, 30, 40), ("B", "J"): (5, 5, 5, 5), ("C", "J"): (1, 2, 3, 4),
    ("KW1", "J"): (20, 30, 40, 50),
    ("A", "JK"): (10, 30, 60, 100), ("B", "JK"): (5, 10, 15, 20), ("C", "JK"): (1, 2, 3, 4),
    ("A", "R"): (60, 70, 80, 90), ("B", "R"): (50, 50, 50, 50), ("C", "R"): (40, 40, 40, 40),
    ("A", "K"): (5, 6, 7, 8), ("B", "K"): (1, 2, 3, 4), ("C", "K"): (9, 9, 9, 9),
    ("A", "P"): (70, 75, 80, 85), ("B", "P"): (90, 90, 90, 90), ("C", "P"): (60, 60, 60, 60),
}


def _cover_values():
    rows = []
    for q, j, jk, r, k in ((1, 10, 10, 60, 5), (2, 20, 20, 70, 6), (4, 40, 40, 90, 8)):
        rows += [("A", q, "J", j), ("A", q, "JK", jk), ("A", q, "R", r), ("A", q, "K", k),
                 ratio("A", q, "P", 80, 100)]
    for q in (1, 2, 3, 4):
        rows += [("B", q, "J", 5), ("B", q, "JK", 5), ("B", q, "R", 50), ("B", q, "K", q),
                 ratio("B", q, "P", 45, 50)]
    return vals(*rows)


@pytest.fixture(scope="module")
def cover(tmp_path_factory):
    def build(**policy):
        rules = tiny_rules(tmp_path_factory.mktemp("cover"), units=COVER_UNITS,
                           indicators=COVER_INDICATORS, targets=COVER_TARGETS, policy=policy)
        return aggregate(rules, YEAR, 4, _cover_values())
    return build(), build(cakupan_target="penuh")


@pytest.mark.parametrize("ind, periode, target", [
    ("J", "TAHUN", 10 + 20 + 40),       # own targets of the covered quarters I, II, IV
    ("J", "S2", 40),                    # only TW IV of S2 has a value
    ("JK", "TAHUN", 10 + 20 + 40),      # kumulatif converted first: 10, 20, 30, 40
    ("JK", "S2", 40),                   # TW IV alone: 100 − 60
    ("R", "TAHUN", (60 + 70 + 90) / 3),  # mean of the covered quarters' targets
    ("K", "TAHUN", 8),                  # akhir: the target of TW IV, the last quarter with data
    ("P", "TAHUN", 85),                 # ratio: the target % of the last covered quarter
    ("P", "S2", 85),
])
def test_unit_target_over_the_quarters_it_reported(cover, ind, periode, target):
    sebanding, penuh = cover
    row = pick(sebanding, "A", ind, periode)
    assert row.target == pytest.approx(target)
    assert not row.lengkap                                   # TW III is missing
    full = pick(penuh, "A", ind, periode)
    assert full.target == pytest.approx(full.target_penuh) and full.target == row.target_penuh


def test_unit_full_targets_when_nothing_or_everything_is_there(cover):
    sebanding, penuh = cover
    tw3 = pick(sebanding, "A", "J", "TW3")                  # no value: full target, no capaian
    assert tw3.target == 30 and nan(tw3.capaian) and tw3.alasan == ALASAN_BELUM_ADA_DATA
    assert pick(sebanding, "A", "J", "S1").lengkap           # TW I and II: complete
    assert pick(penuh, "A", "J", "TAHUN").target == 100      # penuh: all four quarters
    assert pick(penuh, "A", "R", "TAHUN").target == 75
    assert pick(penuh, "A", "K", "S2").target == 8


def test_node_targets_over_the_reporting_units(cover):
    sebanding, _ = cover
    # KW1: A and B reported, A without TW III → incomplete, so KW1's own row (140) is not used
    kw1 = pick(sebanding, "KW1", "J", "TAHUN")
    assert kw1.target == 70 + 20 and kw1.realisasi == 70 + 20 and kw1.capaian == 100
    assert (kw1.unit_melapor, kw1.unit_lengkap, kw1.unit_diharapkan, kw1.lengkap) == (2, 1, 2, False)
    assert pick(sebanding, "KW1", "R", "TAHUN").target == pytest.approx(((60 + 70 + 90) / 3 + 50) / 2)
    # ratio: A's 85 % weighted by its penyebut 300 (3 quarters × 100), B's 90 % by 200
    p = pick(sebanding, "KW1", "P", "TAHUN")
    assert p.target == pytest.approx((85 * 300 + 90 * 200) / 500)        # 87, not 87.5
    assert (p.pembilang, p.penyebut) == (240 + 180, 500)
    # ROOT: C (KW2) never reported, so its targets are left out
    root = pick(sebanding, "ROOT", "J", "TAHUN")
    assert root.target == 90 and (root.unit_melapor, root.unit_diharapkan) == (2, 3)
    assert pick(sebanding, "ROOT", "P", "TAHUN").target == pytest.approx(87)
    # KW2 has no data: the full target of its expected unit, no capaian
    kw2 = pick(sebanding, "KW2", "J", "TAHUN")
    assert kw2.target == 10 and nan(kw2.capaian) and kw2.unit_melapor == 0


def test_node_own_target_row_once_coverage_is_complete(cover):
    sebanding, penuh = cover
    s1 = pick(sebanding, "KW1", "J", "S1")                   # A and B both sent TW I and II
    assert s1.lengkap and s1.target == 20 + 30               # KW1's own row, not 10+20 + 5+5
    assert pick(sebanding, "KW1", "J", "TAHUN").target_penuh == 140
    assert pick(penuh, "KW1", "J", "TAHUN").target == 140    # penuh: the own row always


def test_penuh_restores_full_targets_over_all_expected_units(cover):
    _, penuh = cover
    root = pick(penuh, "ROOT", "J", "TAHUN")
    assert root.target == 100 + 20 + 10                     # every unit, every quarter
    assert root.capaian == pytest.approx(90 / 130 * 100)
    assert not root.lengkap                                 # still marked incomplete
    # rata and ratio: unweighted means over all expected units
    assert pick(penuh, "ROOT", "R", "TAHUN").target == pytest.approx((75 + 50 + 40) / 3)
    assert pick(penuh, "ROOT", "P", "TAHUN").target == pytest.approx((85 + 90 + 60) / 3)


def test_ratio_target_unweighted_when_the_penyebut_sum_is_zero(tmp_path):
    rules = tiny_rules(tmp_path, indicators=[{"kode": "P", "rasio": True}],
                       targets={("A", "P"): (70, 70, 70, 70), ("B", "P"): (90, 90, 90, 90)})
    agg = aggregate(rules, YEAR, 1, vals(ratio("A", 1, "P", 0, 0), ratio("B", 1, "P", 0, 0)))
    row = pick(agg, "PUSAT", "P", "TW1")
    assert row.target == 80 and nan(row.realisasi) and row.alasan == ALASAN_PENYEBUT_NOL


def test_coverage_marks(cover):
    sebanding, _ = cover
    root = pick(sebanding, "ROOT", "J", "TAHUN")
    assert coverage_mark(root) == "sementara: 2/3 unit, TW I–IV (1 unit belum mengirim semua triwulan)"
    assert predikat_mark(root) == f"{root.predikat} (sementara)" and root.predikat
    a = pick(sebanding, "A", "J", "TAHUN")
    assert coverage_mark(a) == "sementara: 1/1 unit, TW I–II, IV"
    s1 = pick(sebanding, "KW1", "J", "S1")
    assert coverage_mark(s1) == "" and predikat_mark(s1) == s1.predikat
    assert coverage_mark(pick(sebanding, "KW2", "J", "TAHUN")) == ""   # no data: nothing to mark


@pytest.mark.parametrize("policy, target, capaian, predikat", [
    ({}, 10, 90.0, "Tinggi"),                                   # sebanding: Lapas A's 10 only
    ({"cakupan_target": "penuh"}, 29, 31.03, "Sangat Rendah"),  # penuh: 10 + 19
])
def test_readme_example(tmp_path, policy, target, capaian, predikat):
    rules = tiny_rules(tmp_path, units={"KW": (None, "kanwil"), "A": ("KW", "lapas"),
                                        "B": ("KW", "lapas")},
                       targets={("A", "I1"): (10, 10, 10, 10), ("B", "I1"): (19, 19, 19, 19)},
                       policy=policy)
    row = pick(aggregate(rules, YEAR, 1, vals(("A", 1, "I1", 9))), "KW", "I1", "TW1")
    assert (row.target, row.realisasi, row.capaian_bulat, row.predikat) == (target, 9, capaian,
                                                                            predikat)
    assert coverage_mark(row) == "sementara: 1/2 unit, TW I"
    done = pick(aggregate(rules, YEAR, 1, vals(("A", 1, "I1", 9), ("B", 1, "I1", 20))),
                "KW", "I1", "TW1")
    assert (done.target, done.capaian, done.predikat, done.lengkap) == (29, 100, "Sangat Tinggi",
                                                                        True)


def test_budget_without_any_kegiatan_is_empty_not_an_error(tmp_path):
    rules = tiny_rules(tmp_path, default_target=(1, 1, 1, 1))
    empty = pd.DataFrame(columns=["unit", "quarter", "kegiatan", "realisasi_anggaran"])
    assert aggregate_budget(rules, YEAR, 1, empty).empty
