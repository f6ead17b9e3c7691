"""Feedback workbooks: the unit's own workbook, bad cells marked, every issue listed, fixable in place."""
from __future__ import annotations

import re
import zipfile
from contextlib import closing
from pathlib import Path

import openpyxl
import pytest

from kinerja_pipeline.feedback import BAD_FILL, WARN_FILL
from kinerja_pipeline.layout import DATA_SHEET, META_SHEET, RESULT_SHEET

from forms_helpers import (LAPAS, MACRO_MARKER, YEAR, codes, connect, drop, ledger_values, lo_convert,
                           new_workspace, plan, received_time, returned_form, rules_of, run,
                           soffice, values_for, with_vba_project)

LINK = '=HYPERLINK("http://x","y")'
EXPLAIN = "Capaian berbeda dari target karena jadwal kegiatan bergeser; tindak lanjut: percepatan."


def fill_of(cell) -> str:
    return (cell.fill.fgColor.rgb or "")[-6:] if cell.fill and cell.fill.fill_type == "solid" else ""


def result_rows(wb) -> list[tuple]:
    """Issue rows of the Hasil Validasi sheet: (code, tingkat, sel, pesan)."""
    sheet = wb[RESULT_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r[1] == "Kode masalah")
    assert rows[header][:5] == ("No", "Kode masalah", "Tingkat", "Sel", "Pesan dan cara memperbaiki")
    out = []
    for n, r in enumerate(rows[header + 1:], start=1):
        if r[0] is None:
            break
        assert r[0] == n
        out.append(tuple(r[1:5]))
    return out


def formulas_in(path: Path) -> list[str]:
    """Every formula stored in any worksheet of ``path`` (the <f> elements)."""
    found = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                found += re.findall(r"<f[^>]*>([^<]*)</f>", zf.read(name).decode("utf-8"))
    return found


@pytest.fixture()
def ws(tmp_path):
    return new_workspace(tmp_path / "ws")


def test_rejected_form_gets_marked_cells_and_a_full_issue_list(ws, tmp_path) -> None:
    rules = rules_of(ws)
    overrides = {"H13": None, "M11": None, "H21": 2_000_000_000, "L12": LINK, "H16": LINK, "L16": EXPLAIN}
    drop(ws, returned_form(rules, tmp_path / "laporan tw1.xlsx", overrides=overrides))
    result = run(ws, rules).results[0]
    assert result.outcome == "rejected"
    assert sorted(codes(result)) == sorted([("nilai-kosong", "error", "H13"), ("bukti-wajib", "error", "M11"),
                                            ("nilai-bukan-angka", "error", "H16"),
                                            ("anggaran-melebihi-pagu", "warning", "H21")])
    assert result.feedback == ws.feedback / f"{LAPAS}_{YEAR}_TW1.xlsx"
    with closing(connect(ws)) as conn:
        recorded = conn.execute("SELECT feedback_path FROM submissions WHERE id = ?",
                                (result.submission_id,)).fetchone()[0]
    assert recorded == f"umpan_balik/{LAPAS}_{YEAR}_TW1.xlsx"

    wb = openpyxl.load_workbook(result.feedback)
    assert wb.sheetnames[0] == RESULT_SHEET and {DATA_SHEET, META_SHEET} <= set(wb.sheetnames)
    data = wb[DATA_SHEET]
    for issue in result.issues:
        c = data[issue.cell]
        assert fill_of(c) == (BAD_FILL if issue.severity == "error" else WARN_FILL), issue.cell
        assert c.comment is not None and issue.message in c.comment.text
        assert c.comment.text.startswith("[GALAT]" if issue.severity == "error" else "[PERINGATAN]")
    for clean in ("H11", "I12", "J12", "H17"):
        assert data[clean].comment is None and fill_of(data[clean]) not in (BAD_FILL, WARN_FILL)
    # the unit's values are still there, to be fixed in place
    assert data["H11"].value == 7 and data["M17"].value == f"ND {LAPAS}/IK12/01/{YEAR}"

    listed = result_rows(wb)
    expected = [(i.code, "Galat" if i.severity == "error" else "Peringatan", f"{DATA_SHEET}!{i.cell}", i.message)
                for i in result.issues]
    assert listed == expected
    sheet = wb[RESULT_SHEET]
    info = {r[0]: r[2] for r in sheet.iter_rows(min_row=3, max_row=12, values_only=True) if r[0]}
    assert info["Periode"] == f"TW I {YEAR}" and info["Berkas diterima"] == "laporan tw1.xlsx"
    assert (info["Jumlah galat"], info["Jumlah peringatan"]) == ("3", "1")

    # what the unit typed stays text: in its cells, and inside our messages
    assert data["L12"].value == LINK and data["L12"].data_type == "s"
    assert data["H16"].value == LINK and data["H16"].data_type == "s"
    message = next(i.message for i in result.issues if i.code == "nilai-bukan-angka")
    assert LINK[:40] in message
    assert not any("HYPERLINK" in f for f in formulas_in(result.feedback))


def test_unit_fixes_the_feedback_workbook_in_place_and_it_supersedes(ws, tmp_path) -> None:
    rules = rules_of(ws)
    drop(ws, returned_form(rules, tmp_path / "v1.xlsx"), when=received_time(1, 3))
    first = run(ws, rules).results[0]
    assert first.outcome == "accepted"
    drop(ws, returned_form(rules, tmp_path / "v2.xlsx", overrides={"H13": None, "L12": LINK}),
         when=received_time(1, 5))
    second = run(ws, rules).results[0]
    assert (second.outcome, codes(second)) == ("rejected", [("nilai-kosong", "error", "H13")])

    # the unit opens the feedback workbook, fixes the red cell, saves it and sends it back
    wb = openpyxl.load_workbook(second.feedback)
    wb[DATA_SHEET]["H13"] = 30
    fixed = tmp_path / "perbaikan.xlsx"
    wb.save(fixed)
    drop(ws, fixed, when=received_time(1, 7))
    third = run(ws, rules).results[0]
    assert (third.outcome, third.issues) == ("accepted", [])
    assert (third.unit, third.year, third.quarter) == (LAPAS, YEAR, 1)
    values = ledger_values(ws, third.submission_id)
    assert values["IK03"][0] == 30 and values["IK02"][3] == LINK
    with closing(connect(ws)) as conn:
        rows = dict(conn.execute("SELECT id, superseded_by FROM submissions").fetchall())
    assert rows == {first.submission_id: third.submission_id, second.submission_id: None,
                    third.submission_id: None}


def test_feedback_for_an_xlsm_is_an_xlsx_without_macros(ws, tmp_path) -> None:
    rules = rules_of(ws)
    filled = returned_form(rules, tmp_path / "isi.xlsx", overrides={"H13": None})
    drop(ws, with_vba_project(filled, tmp_path / "laporan.xlsm"))
    result = run(ws, rules).results[0]
    assert (result.outcome, codes(result)) == ("rejected", [("nilai-kosong", "error", "H13")])
    assert result.feedback.suffix == ".xlsx"
    with zipfile.ZipFile(result.feedback) as zf:
        assert "xl/vbaProject.bin" not in zf.namelist()
        assert b"macroEnabled" not in zf.read("[Content_Types].xml")
    assert openpyxl.load_workbook(result.feedback)[DATA_SHEET]["H11"].value == 7
    assert not MACRO_MARKER.exists()


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) tidak terpasang")
def test_feedback_for_a_rejected_ods_comes_back_as_xlsx_with_the_units_values(ws, tmp_path) -> None:
    rules = rules_of(ws)
    overrides = {"H13": None, "H11": "12 orang", "L12": LINK}
    filled = returned_form(rules, tmp_path / "src" / "laporan.xlsx", overrides=overrides)
    ods = lo_convert([filled], tmp_path / "ods", "ods", profile=tmp_path / "lo-profile")["laporan"]
    drop(ws, ods)
    result = run(ws, rules).results[0]
    assert result.outcome == "rejected"
    assert sorted(codes(result)) == [("nilai-bukan-angka", "error", "H11"), ("nilai-kosong", "error", "H13")]
    assert result.feedback is not None and result.feedback.suffix == ".xlsx"

    wb = openpyxl.load_workbook(result.feedback)
    data = wb[DATA_SHEET]
    expected = values_for(rules, overrides=overrides)
    for addr in plan(rules).input_cells():
        got, want = data[addr].value, expected.get(addr)
        if isinstance(want, (int, float)):
            assert got == pytest.approx(want), addr
        else:
            assert got == want, addr
    assert data["L12"].data_type == "s"
    assert fill_of(data["H13"]) == BAD_FILL and fill_of(data["H11"]) == BAD_FILL
    assert [r[0] for r in result_rows(wb)] == [i.code for i in result.issues]

    # the rebuilt .xlsx is a genuine form: fixed in place and sent back, it is accepted
    data["H11"], data["H13"] = 7, 33
    wb.save(tmp_path / "perbaikan.xlsx")
    drop(ws, tmp_path / "perbaikan.xlsx", when=received_time(1, 9))
    again = run(ws, rules).results[0]
    assert (again.outcome, again.issues) == ("accepted", [])
    assert ledger_values(ws, again.submission_id)["IK02"][3] == LINK
