"""Hand-computed roll-ups of a regional office: the three ``tingkat`` levels, a unit that reports
and has reporting units below it (its own row apart from its node figure), and the '-' row."""
from __future__ import annotations

import pandas as pd
import pytest

from kinerja_pipeline.aggregate import aggregate, own_rows

from test_tingkat import INDICATORS, TARGETS, UNITS, office_workspace
from tiny_rules import YEAR, tiny_rules

NaN = float("nan")
COLUMNS = ["unit", "quarter", "indikator", "realisasi", "pembilang", "penyebut"]

@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    return tiny_rules(tmp_path_factory.mktemp("office"), units=UNITS, indicators=INDICATORS,
                      targets=TARGETS)

def vals(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame([(u, q, i, r, NaN, NaN) for u, q, i, r in rows], columns=COLUMNS)

def row(agg: pd.DataFrame, node: str, ind: str, periode: str = "TW1") -> dict:
    sel = agg[(agg["node"] == node) & (agg["indikator"] == ind) & (agg["periode"] == periode)]
    assert len(sel) == 1, (node, ind, periode, len(sel))
    return sel.iloc[0].to_dict()

def nodes(agg: pd.DataFrame, ind: str) -> list[str]:
    return list(dict.fromkeys(agg.loc[agg["indikator"] == ind, "node"]))

def test_individu_rolls_up_to_the_persons_own_unit_and_no_higher(rules) -> None:
    agg = aggregate(rules, YEAR, 1, vals(("P1", 1, "I1", 5), ("P2", 1, "I1", 7)))
    assert set(nodes(agg, "I1")) == {"SUB", "P1", "P2"}  # never BAG or SEK
    p1 = row(agg, "P1", "I1")
    assert (p1["realisasi"], p1["target"], p1["capaian"]) == (5, 10, 50)
    sub = row(agg, "SUB", "I1")  # 5 + 7 against 10 + 8
    assert (sub["realisasi"], sub["target"], sub["unit_melapor"], sub["unit_diharapkan"]) == (12, 18, 2, 2)
    assert sub["capaian"] == pytest.approx(12 / 18 * 100)

def test_unit_level_rolls_up_through_the_hierarchy(rules) -> None:
    agg = aggregate(rules, YEAR, 1, vals(("BAG", 1, "K1", 3), ("SUB", 1, "K1", 6), ("BAG2", 1, "K1", 1)))
    assert set(nodes(agg, "K1")) == {"SEK", "BAG", "SUB", "BAG2"}
    sek = row(agg, "SEK", "K1")  # 3 + 6 + 1 against 4 + 5 + 2
    assert (sek["realisasi"], sek["target"], sek["unit_melapor"], sek["unit_diharapkan"]) == (10, 11, 3, 3)

def test_a_node_that_reports_aggregates_its_own_value_with_its_subtree(rules) -> None:
    agg = aggregate(rules, YEAR, 1, vals(("BAG", 1, "K1", 3), ("SUB", 1, "K1", 6)))
    bag = row(agg, "BAG", "K1")  # its own 3 (target 4) + SUB's 6 (target 5)
    assert (bag["realisasi"], bag["target"], bag["capaian"]) == (9, 9, 100)
    assert (bag["unit_melapor"], bag["unit_diharapkan"]) == (2, 2)
    own = own_rows(rules, YEAR, 1, vals(("BAG", 1, "K1", 3), ("SUB", 1, "K1", 6)))
    assert set(own["node"]) == {"BAG"}  # only units that report and have reporting units below
    mine = row(own, "BAG", "K1")  # its own row: its own value against its own target row
    assert (mine["realisasi"], mine["target"], mine["capaian"]) == (3, 4, 75)
    assert (mine["unit_melapor"], mine["unit_diharapkan"]) == (1, 1)

def test_a_node_that_reports_with_partial_coverage_uses_the_same_coverage(rules) -> None:
    agg = aggregate(rules, YEAR, 1, vals(("BAG", 1, "K1", 3)))  # SUB has not reported
    bag = row(agg, "BAG", "K1")
    assert (bag["realisasi"], bag["target"], bag["capaian"]) == (3, 4, 75)
    assert (bag["unit_melapor"], bag["unit_diharapkan"]) == (1, 2)

def test_dash_unit_is_not_expected_at_unit_and_node_level(rules) -> None:
    agg = aggregate(rules, YEAR, 1, vals(("BAG", 1, "U1", 8), ("BAG2", 1, "U1", 99)))
    assert set(nodes(agg, "U1")) == {"SEK", "BAG"}  # BAG2 has no U1 row, its stray value is ignored
    sek = row(agg, "SEK", "U1")
    assert (sek["realisasi"], sek["target"], sek["capaian"]) == (8, 10, 80)
    assert (sek["unit_melapor"], sek["unit_diharapkan"]) == (1, 1)
    assert bool(sek["lengkap"])

# --------------------------------------------------------------------------- rekap and LKjIP

@pytest.fixture()
def office_ws(tmp_path):
    return office_workspace(tmp_path)

def test_rekap_groups_by_level_shows_the_own_row_and_iki_per_person(office_ws) -> None:
    from openpyxl import load_workbook

    from kinerja_pipeline.rekap import COL, MID_FILL, write_rekap
    from kinerja_pipeline.rekap_model import OWN_ROW_WORDS, TINGKAT_HEADINGS
    from kinerja_pipeline.rules_load import load_rules

    rules = load_rules(office_ws.rules)
    res = write_rekap(office_ws, rules, YEAR, 1)
    sheet = load_workbook(res.xlsx)["TW I"]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=7)]
    fills = [r[2].fill.fgColor.rgb if r[2].fill.fill_type else None for r in sheet.iter_rows(min_row=7)]
    uraian = [r[2] for r in rows]
    # grouped by level, in this order
    heads = [uraian.index(h) for h in TINGKAT_HEADINGS.values()]
    assert heads == sorted(heads)
    # K1: BAG's node row (its 3 + SUB's 6 against 4 + 5), then its own row (3 against 4)
    k1 = [(r[1], r[2], r[4], r[5]) for r in rows if r[0] == "K1"]
    assert k1[:4] == [("SEK", "Indikator K1", 11, 10), ("BAG", "BAG", 9, 9),
                      ("BAG", f"BAG — {OWN_ROW_WORDS}", 4, 3), ("SUB", "SUB", 5, 6)]
    own_at = uraian.index(f"BAG — {OWN_ROW_WORDS}")
    assert rows[own_at][COL["penjelasan"]] == "Naskah bagian"  # the unit's penjelasan is on its own row
    assert rows[own_at - 1][COL["penjelasan"]] in (None, "")   # not on the node's sum
    # IKI: a title row, then each person's own unit and the persons, never BAG or SEK
    i1 = [(r[1], r[2], r[4], r[5]) for r in rows if r[0] == "I1"]
    assert i1 == [(None, "Indikator I1", None, None), ("SUB", "SUB", 18, 12), ("P1", "P1", 10, 5),
                  ("P2", "P2", 8, 7)]
    # U1: BAG2 ('-') is neither a row nor expected
    u1 = [(r[1], r[COL["diharapkan"]]) for r in rows if r[0] == "U1"]
    assert u1 == [("SEK", 1), ("BAG", 1)]
    # a unit reporting alone is a leaf (no intermediate fill), a node summing others is not
    mid = MID_FILL.lstrip("#").upper()
    sub_k1 = next(n for n, r in enumerate(rows) if r[0] == "K1" and r[1] == "SUB")
    bag_k1 = next(n for n, r in enumerate(rows) if r[0] == "K1" and r[1] == "BAG")
    assert not (fills[sub_k1] or "").endswith(mid)
    assert (fills[bag_k1] or "").endswith(mid)
    assert not (fills[own_at] or "").endswith(mid)

def test_lkjip_of_the_organisation_holds_only_instansi_indicators(office_ws) -> None:
    from kinerja_pipeline.lkjip import write_lkjip
    from kinerja_pipeline.rules_load import load_rules

    rules = load_rules(office_ws.rules)
    res = write_lkjip(office_ws, rules, YEAR)
    html = res.html.read_text(encoding="utf-8")
    assert "Indikator U1" in html and "Indikator K1" not in html and "Indikator I1" not in html
    bag = write_lkjip(office_ws, rules, YEAR, unit="BAG")  # a unit's own: IKU and programme
    text = bag.html.read_text(encoding="utf-8")
    assert "Indikator U1" in text and "Indikator K1" in text and "Indikator I1" not in text
