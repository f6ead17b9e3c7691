"""The layout of a form (layout.py): where each issued value and input cell is, and its fingerprint.

Expected rows are counted by hand from the sample rules: LP-SUKAMISKIN reports IK01, IK02 (a
ratio), IK03, IK08, IK09, IK10 and IK12 and has pagu for three kegiatan.
"""
from __future__ import annotations

import shutil

from kinerja_pipeline.layout import FIRST_DATA_ROW, plan_form
from kinerja_pipeline.rules_load import load_rules

from conftest import SAMPLE_RULES

UNIT = "LP-SUKAMISKIN"


def test_rows_budget_and_signature_of_a_form(sample_rules) -> None:
    plan = plan_form(sample_rules, UNIT, 2026, 1)
    assert [(r.row, r.indicator.kode) for r in plan.rows] == [
        (11, "IK01"), (12, "IK02"), (13, "IK03"), (14, "IK08"), (15, "IK09"), (16, "IK10"), (17, "IK12")]
    assert plan.rows[0].row == FIRST_DATA_ROW
    # one blank row after the table, the budget title, its header, then one row per kegiatan
    assert (plan.budget_title_row, plan.budget_header_row) == (19, 20)
    assert [(b.row, b.kegiatan, b.pagu) for b in plan.budget] == [
        (21, "KEG-BIN", 1_665_000_000), (22, "KEG-KAMTIB", 1_116_000_000), (23, "KEG-LAYANAN", 2_385_000_000)]
    assert plan.signature_rows == {"nama": 27, "nip": 28, "tanggal": 29} and plan.last_row == 29
    assert plan.form_id == f"{UNIT}/2026/TW1/{plan.fingerprint[:12]}"


def test_the_quarter_target_and_input_cells(sample_rules) -> None:
    plan = plan_form(sample_rules, UNIT, 2026, 2)
    ik01, ik02 = plan.rows[0], plan.rows[1]
    assert (ik01.target.tahunan, ik01.target_tw) == (36, 9)   # target_2026.csv: 36, 7, 9, 9, 11
    assert (ik02.target.tahunan, ik02.target_tw) == (90, 87)  # 90; 85, 87, 89, 90
    cells = plan.input_cells()
    assert cells[:5] == ["H11", "L11", "M11", "I12", "J12"]   # a ratio is typed as numerator and denominator
    assert cells[-6:] == ["H21", "H22", "H23", "D27", "D28", "D29"]
    assert len(cells) == 6 * 3 + 1 * 4 + 3 + 3


def test_the_fingerprint_follows_the_issued_values_and_nothing_else(tmp_path, sample_rules) -> None:
    base = plan_form(sample_rules, UNIT, 2026, 1)
    assert plan_form(sample_rules, UNIT, 2026, 1) == base                          # a pure function
    assert plan_form(sample_rules, UNIT, 2026, 2).fingerprint != base.fingerprint  # another quarter
    rules = tmp_path / "rules"
    shutil.copytree(SAMPLE_RULES, rules)
    target = rules / "target_2026.csv"
    target.write_text(target.read_text(encoding="utf-8").replace("LP-SUKAMISKIN,IK01,36,7,9,9,11",
                                                                 "LP-SUKAMISKIN,IK01,37,7,9,9,12"), encoding="utf-8")
    changed = load_rules(rules)
    assert plan_form(changed, UNIT, 2026, 1).fingerprint != base.fingerprint      # its target changed
    assert plan_form(changed, "LP-BANCEUY", 2026, 1) == plan_form(sample_rules, "LP-BANCEUY", 2026, 1)
