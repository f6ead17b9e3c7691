"""Validation: one generated form per rule, filled to break exactly that rule.

Every case is one of our own forms (``forms.write_form``) of LP-SUKAMISKIN TW I 2026, filled
with plausible values by openpyxl and then changed in one place; all cases go through one
ingest run together. Each must give exactly its code at its cell with its severity, and no
other error; a warning case is accepted.

Layout of the form (sample rules): IK01 row 11 (count, bukti wajib), IK02 row 12 (ratio:
pembilang I, penyebut J), IK03 row 13 (count), IK08 row 14, IK09 row 15, IK10 row 16
(0–100), IK12 row 17 (bukti wajib); budget rows 21–23 (pagu 1.665.000.000 on row 21);
signature D27 (nama), D28 (NIP).
"""
from __future__ import annotations

import datetime as dt
import shutil
from contextlib import closing

import openpyxl
import pytest

from kinerja_pipeline.layout import DATA_SHEET, META_SHEET
from kinerja_pipeline.rules_load import load_rules

from forms_helpers import (LAPAS, YEAR, cell, codes, connect, drop, edit_meta, ledger_budget,
                           ledger_values, new_workspace, plan, received_time, result_for,
                           returned_form, rules_of, run)

EXPLAIN = "Capaian berbeda dari target karena jadwal kegiatan bergeser; tindak lanjut: percepatan."
E, W = "error", "warning"

# name: (overrides of the input values, expected issues (code, severity, cell)); the sheet of
# every row-level issue is the data sheet, of every identity issue the _meta sheet (cell "").
CASES: dict[str, tuple[dict, list[tuple[str, str, str]]]] = {
    "nilai-kosong": ({"H13": None}, [("nilai-kosong", E, "H13")]),
    "nilai-kosong-penyebut": ({"J12": None}, [("nilai-kosong", E, "J12")]),
    "nilai-bukan-angka": ({"H11": "12 orang"}, [("nilai-bukan-angka", E, "H11")]),
    "galat-excel-teks": ({"H13": "#DIV/0!"}, [("galat-excel", E, "H13")]),
    "di-luar-batas-ik10": ({"H16": 100.5, "L16": EXPLAIN}, [("di-luar-batas", E, "H16")]),
    "di-luar-batas-pembilang-negatif": ({"I12": -5, "J12": 1000, "L12": EXPLAIN},
                                        [("di-luar-batas", E, "I12"), ("pencilan-target", W, "H12")]),
    "bukan-bilangan-bulat": ({"H13": 33.5}, [("bukan-bilangan-bulat", E, "H13")]),
    "pembilang-lebih-besar": ({"I12": 1010, "J12": 1000}, [("pembilang-lebih-besar", E, "I12")]),
    "penyebut-nol": ({"I12": 0, "J12": 0}, [("penyebut-nol", E, "J12")]),
    "penjelasan-wajib": ({"H11": 5, "L11": None}, [("penjelasan-wajib", E, "L11")]),
    # 63,996 / 80 = 79,995 %: the form shows 80,00, so no penjelasan is asked for (below 80 only)
    "penjelasan-di-tepi-80": ({"H16": 63.996, "L16": None}, []),
    "penjelasan-di-bawah-80": ({"H16": 63.995, "L16": None}, [("penjelasan-wajib", E, "L16")]),
    "bukti-wajib": ({"M11": None}, [("bukti-wajib", E, "M11")]),
    "target-diubah-tahunan": ({"F11": 40}, [("target-diubah", E, "F11")]),
    "target-diubah-tw": ({"G11": 9}, [("target-diubah", E, "G11")]),
    "baris-diubah": ({"B11": "IK99"}, [("baris-diubah", E, "B11")]),
    "sel-tambahan": ({"N40": "catatan: data menyusul"}, [("sel-tambahan", W, "N40")]),
    "pencilan-target": ({"H13": 60, "L13": EXPLAIN}, [("pencilan-target", W, "H13")]),
    "anggaran-melebihi-pagu": ({"H21": 2_000_000_000}, [("anggaran-melebihi-pagu", W, "H21")]),
    "tanda-tangan-kosong": ({"D27": None}, [("tanda-tangan-kosong", W, "D27")]),
    "tanda-tangan-nip-kosong": ({"D28": None}, [("tanda-tangan-kosong", W, "D28")]),
}
IDENTITY = {  # _meta edits: (key, value) → code
    "versi-formulir-usang": ({"versi_formulir": 0}, "versi-formulir-usang"),
    "unit-tidak-dikenal": ({"unit": "LP-ANTAH-BERANTAH"}, "unit-tidak-dikenal"),
    "tahun-tidak-dikenal": ({"tahun": 2031}, "tahun-tidak-dikenal"),
}
INDONESIAN = {  # text typed in number cells, read the Indonesian way
    "angka-id-1": {"H16": "75,5", "H21": "1.234,5", "H15": "39,5"},
    "angka-id-2": {"H16": "80%", "H22": "1.234.567", "H13": "36"},
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Every case as one file in one inbox, one ingest run; returns (workspace, report)."""
    root = tmp_path_factory.mktemp("validate")
    ws = new_workspace(root / "ws")
    rules = rules_of(ws)
    src = root / "src"
    for name, (overrides, _) in CASES.items():
        drop(ws, returned_form(rules, src / f"{name}.xlsx", overrides=overrides))
    for name, overrides in INDONESIAN.items():
        drop(ws, returned_form(rules, src / f"{name}.xlsx", overrides=overrides))
    for name, (changes, _) in IDENTITY.items():
        drop(ws, edit_meta(returned_form(rules, src / f"{name}.xlsx"), **changes))
    # an Excel error value stored as such (openpyxl writes <c t="e"><v>#DIV/0!</v></c>)
    path = returned_form(rules, src / "galat-excel-nilai.xlsx")
    wb = openpyxl.load_workbook(path)
    wb[DATA_SHEET]["H13"] = "#DIV/0!"
    assert wb[DATA_SHEET]["H13"].data_type == "e"
    wb.save(path)
    drop(ws, path)
    # two input cells merged (penjelasan and bukti of IK03)
    path = returned_form(rules, src / "sel-digabung.xlsx")
    wb = openpyxl.load_workbook(path)
    wb[DATA_SHEET].merge_cells("L13:M13")
    wb.save(path)
    drop(ws, path)
    # a TW I form sent on 1 March, a month before TW I ends
    drop(ws, returned_form(rules, src / "periode-belum-berakhir.xlsx", overrides={"H13": 34}), when=dt.datetime(YEAR, 3, 1, 10, 0))
    # a form generated before the operator changed IK03's targets in rules/
    old_rules_dir = root / "old_rules"
    shutil.copytree(ws.rules, old_rules_dir)
    target_csv = old_rules_dir / "target_2026.csv"
    text = target_csv.read_text(encoding="utf-8")
    assert "LP-SUKAMISKIN,IK03,144,36,36,36,36" in text
    target_csv.write_text(text.replace("LP-SUKAMISKIN,IK03,144,36,36,36,36", "LP-SUKAMISKIN,IK03,148,40,36,36,36"),
                          encoding="utf-8")
    old_rules = load_rules(old_rules_dir)
    drop(ws, returned_form(old_rules, src / "formulir-usang.xlsx"))
    # the clean form, for reference
    drop(ws, returned_form(rules, src / "bersih.xlsx"))
    return ws, run(ws, rules)


def test_clean_form_is_accepted_without_any_issue(batch) -> None:
    _, report = batch
    result = result_for(report, "bersih.xlsx")
    assert (result.outcome, result.issues) == ("accepted", [])
    assert (result.unit, result.year, result.quarter) == (LAPAS, YEAR, 1)


@pytest.mark.parametrize("name", list(CASES))
def test_each_row_rule_gives_its_code_at_its_cell(batch, name) -> None:
    _, report = batch
    result = result_for(report, f"{name}.xlsx")
    expected = CASES[name][1]
    assert sorted(codes(result)) == sorted(expected)
    assert result.outcome == ("rejected" if any(s == E for _, s, _ in expected) else "accepted")
    for issue in result.issues:
        assert issue.sheet == DATA_SHEET
        assert len(issue.message) > 30 and issue.message[0].isupper()
    if result.outcome == "rejected":
        assert result.reason.startswith("Tidak Valid: ")


@pytest.mark.parametrize("name", ["galat-excel-nilai", "sel-digabung"])
def test_structural_cases(batch, name) -> None:
    _, report = batch
    result = result_for(report, f"{name}.xlsx")
    expected = {"galat-excel-nilai": [("galat-excel", E, "H13")],
                "sel-digabung": [("sel-digabung", E, "L13:M13")]}[name]
    assert codes(result) == expected
    assert result.outcome == "rejected"
    if name == "galat-excel-nilai":
        assert "#DIV/0!" in result.issues[0].message


@pytest.mark.parametrize("name", list(IDENTITY))
def test_identity_rules(batch, name) -> None:
    _, report = batch
    result = result_for(report, f"{name}.xlsx")
    assert codes(result) == [(IDENTITY[name][1], E, "")]
    assert result.issues[0].sheet == META_SHEET
    assert result.outcome == "rejected"


def test_outdated_form_is_refused(batch) -> None:
    _, report = batch
    result = result_for(report, "formulir-usang.xlsx")
    assert codes(result) == [("formulir-usang", E, "")]
    assert result.outcome == "rejected"
    assert "formulir terbaru" in result.issues[0].message


def test_form_sent_before_the_quarter_ended_is_refused(batch) -> None:
    _, report = batch
    result = result_for(report, "periode-belum-berakhir.xlsx")
    assert codes(result) == [("periode-belum-berakhir", E, "")]
    assert "01-03-2026" in result.issues[0].message and "TW I 2026" in result.issues[0].message


def test_warnings_are_accepted_and_recorded(batch) -> None:
    ws, report = batch
    result = result_for(report, "anggaran-melebihi-pagu.xlsx")
    assert result.outcome == "accepted"
    with closing(connect(ws)) as conn, conn:
        rows = conn.execute("SELECT code, severity, sheet, cell FROM issues WHERE submission_id = ?",
                            (result.submission_id,)).fetchall()
    assert [tuple(r) for r in rows] == [("anggaran-melebihi-pagu", "warning", DATA_SHEET, "H21")]
    assert ledger_budget(ws, result.submission_id)["KEG-BIN"] == 2_000_000_000


def test_indonesian_number_text_is_read_with_the_right_value(batch) -> None:
    ws, report = batch
    first, second = result_for(report, "angka-id-1.xlsx"), result_for(report, "angka-id-2.xlsx")
    assert (first.outcome, first.issues) == ("accepted", [])
    assert (second.outcome, second.issues) == ("accepted", [])
    values = ledger_values(ws, first.submission_id)
    assert values["IK10"][0] == 75.5
    assert values["IK09"][0] == 39.5
    assert ledger_budget(ws, first.submission_id)["KEG-BIN"] == 1234.5
    values = ledger_values(ws, second.submission_id)
    assert values["IK10"][0] == 80.0
    assert values["IK03"][0] == 36.0
    assert ledger_budget(ws, second.submission_id)["KEG-KAMTIB"] == 1_234_567


def test_values_of_a_ratio_row_are_recorded_with_the_recomputed_percentage(batch) -> None:
    ws, report = batch
    result = result_for(report, "bersih.xlsx")
    realisasi, pembilang, penyebut, _, _ = ledger_values(ws, result.submission_id)["IK02"]
    assert pembilang is not None and penyebut and realisasi == pytest.approx(pembilang / penyebut * 100)


def test_rejected_forms_record_no_values(batch) -> None:
    ws, report = batch
    result = result_for(report, "nilai-kosong.xlsx")
    assert ledger_values(ws, result.submission_id) == {}


# --------------------------------------------------------------------------- across submissions


def test_pencilan_triwulan_warns_on_a_fivefold_jump_from_the_accepted_tw1(tmp_path) -> None:
    ws = new_workspace(tmp_path / "ws")
    rules = rules_of(ws)
    tw1 = returned_form(rules, tmp_path / "tw1.xlsx", overrides={"H13": 8, "L13": EXPLAIN})
    drop(ws, tw1)
    first = run(ws, rules).results[0]
    assert first.outcome == "accepted"
    assert "pencilan-triwulan" not in [c for c, _, _ in codes(first)]
    tw2 = returned_form(rules, tmp_path / "tw2.xlsx", quarter=2, overrides={"H13": 40})
    drop(ws, tw2, quarter=2)
    second = run(ws, rules).results[0]
    assert (second.outcome, codes(second)) == ("accepted", [("pencilan-triwulan", W, "H13")])
    assert "3 kali" in second.issues[0].message and "8" in second.issues[0].message
    # a moderate change gives no warning
    tw2b = returned_form(rules, tmp_path / "tw2b.xlsx", quarter=2, overrides={"H13": 20, "L13": EXPLAIN})
    drop(ws, tw2b, quarter=2)
    third = run(ws, rules).results[0]
    assert (third.outcome, codes(third)) == ("accepted", [])


def test_approved_data_is_locked_against_a_new_submission(tmp_path) -> None:
    ws = new_workspace(tmp_path / "ws")
    rules = rules_of(ws)
    drop(ws, returned_form(rules, tmp_path / "v1.xlsx"))
    first = run(ws, rules).results[0]
    assert first.outcome == "accepted"
    with closing(connect(ws)) as conn, conn:
        conn.execute("INSERT INTO approvals(submission_id, unit, year, quarter, level, action, by_name, nip, at)"
                     " VALUES (?, ?, ?, ?, 'verifikasi', 'approve', 'Budi Santoso', '197001011990031001',"
                     " '2026-04-20T10:00:00')", (first.submission_id, LAPAS, YEAR, 1))
    drop(ws, returned_form(rules, tmp_path / "v2.xlsx", overrides={"H13": 34}), when=received_time(1, 25))
    second = run(ws, rules).results[0]
    assert (second.outcome, codes(second)) == ("rejected", [("data-terkunci", E, "")])
    assert "verifikasi" in second.issues[0].message and "Budi Santoso" in second.issues[0].message
    assert "unapprove" in second.issues[0].message
    with closing(connect(ws)) as conn, conn:
        superseded = conn.execute("SELECT superseded_by FROM submissions WHERE id = ?",
                                  (first.submission_id,)).fetchone()[0]
    assert superseded is None  # the approved data stay current
    # the approval withdrawn: the same new data are accepted and supersede
    with closing(connect(ws)) as conn, conn:
        conn.execute("INSERT INTO approvals(submission_id, unit, year, quarter, level, action, by_name, nip, at)"
                     " VALUES (?, ?, ?, ?, 'verifikasi', 'unapprove', 'Budi Santoso', '197001011990031001',"
                     " '2026-04-21T10:00:00')", (first.submission_id, LAPAS, YEAR, 1))
    drop(ws, returned_form(rules, tmp_path / "v3.xlsx", overrides={"H13": 35}), when=received_time(1, 26))
    third = run(ws, rules).results[0]
    assert third.outcome == "accepted"
    with closing(connect(ws)) as conn, conn:
        superseded = conn.execute("SELECT superseded_by FROM submissions WHERE id = ?",
                                  (first.submission_id,)).fetchone()[0]
    assert superseded == third.submission_id


def test_the_cell_of_every_input_maps_to_the_plan(sample_rules) -> None:
    """The cells the cases above rely on are the plan's (guards against a silent layout change)."""
    p = plan(sample_rules)
    assert [cell(p, k, "realisasi") for k in ("IK01", "IK03", "IK10")] == ["H11", "H13", "H16"]
    assert (cell(p, "IK02", "pembilang"), cell(p, "IK02", "penyebut")) == ("I12", "J12")
    assert [b.row for b in p.budget] == [21, 22, 23] and p.budget[0].pagu == 1_665_000_000
    assert (p.signature_rows["nama"], p.signature_rows["nip"]) == (27, 28)
    assert sample_rules.indicator("IK01").bukti_wajib and not sample_rules.indicator("IK03").bukti_wajib
