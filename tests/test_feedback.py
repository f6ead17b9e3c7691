"""Feedback workbooks: the unit's own workbook, bad cells marked, every issue listed, fixable in place."""
from __future__ import annotations

import re
import zipfile
from contextlib import closing
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest

from kinerja_pipeline.feedback import BAD_FILL, WARN_FILL
from kinerja_pipeline.layout import DATA_SHEET, META_SHEET, RESULT_SHEET
from kinerja_pipeline.validate import Issue

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
    assert rows[header][:5] == ("No", "Kode masalah", "Tingkat", "Letak", "Pesan dan cara memperbaiki")
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
    # named per submission (its content), so a second refused file never overwrites this one
    assert result.feedback == ws.feedback / f"{LAPAS}_{YEAR}_TW1_{result.sha256[:12]}.xlsx"
    with closing(connect(ws)) as conn:
        recorded = conn.execute("SELECT feedback_path FROM submissions WHERE id = ?",
                                (result.submission_id,)).fetchone()[0]
    assert recorded == f"umpan_balik/{LAPAS}_{YEAR}_TW1_{result.sha256[:12]}.xlsx"

    wb = openpyxl.load_workbook(result.feedback)
    assert wb.sheetnames[0] == RESULT_SHEET and {DATA_SHEET, META_SHEET} <= set(wb.sheetnames)
    data = wb[DATA_SHEET]
    for issue in result.issues:
        c = data[issue.cell]
        assert fill_of(c) == (BAD_FILL if issue.severity == "error" else WARN_FILL), issue.cell
        assert c.comment is not None and issue.message in c.comment.text
        assert c.comment.text.startswith("[KESALAHAN]" if issue.severity == "error" else "[PERINGATAN]")
    for clean in ("H11", "I12", "J12", "H17"):
        assert data[clean].comment is None and fill_of(data[clean]) not in (BAD_FILL, WARN_FILL)
    # the unit's values are still there, to be fixed in place
    assert data["H11"].value == 7 and data["M17"].value == f"ND {LAPAS}/IK12/01/{YEAR}"

    listed = result_rows(wb)
    expected = [(i.code, "Kesalahan" if i.severity == "error" else "Peringatan",
                 f"Lembar {DATA_SHEET}, sel {i.cell}", i.message) for i in result.issues]
    assert listed == expected
    sheet = wb[RESULT_SHEET]
    info = {r[0]: r[2] for r in sheet.iter_rows(min_row=3, max_row=12, values_only=True) if r[0]}
    assert info["Periode"] == f"TW I {YEAR}" and info["Berkas diterima"] == "laporan tw1.xlsx"
    assert (info["Jumlah kesalahan"], info["Jumlah peringatan"]) == (3, 1)  # numbers, not text
    assert re.fullmatch(r"\d{1,2} \w+ \d{4} pukul \d\d\.\d\d", info["Waktu diterima"])

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


# --------------------------------------------------------------------------- the plain-workbook writer


def _color(c) -> tuple | None:
    if c is None:
        return None
    return c.type, c.rgb if c.type == "rgb" else c.theme if c.type == "theme" else c.indexed, round(c.tint or 0, 6)


def _look(cell) -> tuple:
    """What a cell shows: font, fill, alignment (defaults as None), number format, protection, border."""
    f, fill, a, p = cell.font, cell.fill, cell.alignment, cell.protection
    return (f.name, f.sz, bool(f.b), bool(f.i), f.u, _color(f.color), fill.fill_type,
            _color(fill.fgColor) if fill.fill_type else None, None if a.horizontal == "general" else a.horizontal,
            None if a.vertical == "bottom" else a.vertical, bool(a.wrap_text), cell.number_format, p.locked,
            p.hidden, cell.border.left.style, cell.border.bottom.style)


def differences(path_a: Path, path_b: Path) -> list[tuple]:
    """Every difference a user could see between two workbooks: sheets, values, looks, comments,
    merges, sizes, print setup, validations (an empty cell and an empty text count as the same)."""
    a_wb, b_wb = openpyxl.load_workbook(path_a), openpyxl.load_workbook(path_b)
    found: list[tuple] = []
    if (a_wb.sheetnames, a_wb.active.title) != (b_wb.sheetnames, b_wb.active.title):
        found.append(("sheets", a_wb.sheetnames, b_wb.sheetnames))
    for name in a_wb.sheetnames:
        a, b = a_wb[name], b_wb[name]
        for attr in ("sheet_state", "freeze_panes", "print_title_rows", "print_area"):
            if getattr(a, attr) != getattr(b, attr):
                found.append((name, attr, getattr(a, attr), getattr(b, attr)))
        page = lambda s: (s.page_setup.orientation, s.page_setup.paperSize, s.page_setup.fitToWidth,  # noqa: E731
                          s.page_setup.fitToHeight, bool(s.sheet_view.tabSelected), s.protection.sheet,
                          sorted(map(str, s.merged_cells.ranges)),
                          sorted((str(d.sqref), d.type, d.formula1) for d in s.data_validations.dataValidation))
        if page(a) != page(b):
            found.append((name, "page", page(a), page(b)))
        for col in "ABCDEFGHIJKLMN":
            if a.column_dimensions[col].width != b.column_dimensions[col].width:
                found.append((name, "width", col))
        for r in range(1, max(a.max_row, b.max_row) + 1):
            if a.row_dimensions[r].height != b.row_dimensions[r].height:
                found.append((name, "height", r))
            for c in range(1, max(a.max_column, b.max_column) + 1):
                ca, cb = a.cell(r, c), b.cell(r, c)
                if (ca.value, ca.data_type) != (cb.value, cb.data_type) and not (ca.value in ("", None)
                                                                                and cb.value in ("", None)):
                    found.append((name, ca.coordinate, ca.value, cb.value))
                if _look(ca) != _look(cb):
                    found.append((name, ca.coordinate, _look(ca), _look(cb)))
                notes = [(x.comment.text, x.comment.author) if x.comment else None for x in (ca, cb)]
                if notes[0] != notes[1]:
                    found.append((name, ca.coordinate, *notes))
    return found


EDGE_ISSUES = [
    Issue("nilai-kosong", "error", DATA_SHEET, "H13", "Realisasi <IK03> & 'x' belum diisi.\n  baris dua "),
    Issue("bukti-wajib", "error", DATA_SHEET, "H13", "kedua di sel yang sama \x01\u202e=SUM(A1)"),
    Issue("anggaran-melebihi-pagu", "warning", DATA_SHEET, "H21", "peringatan saja"),
    Issue("sel-tambahan", "warning", DATA_SHEET, "N50", "sel yang belum ada di berkas"),
    Issue("sel-digabung", "error", DATA_SHEET, "B14:C14", "rentang: sel pertamanya ditandai"),
    Issue("formulir-usang", "error", META_SHEET, "", " identitas, tanpa sel "),
]


def test_plain_workbooks_get_the_same_feedback_as_openpyxl_writes(tmp_path, monkeypatch) -> None:
    """The plain-workbook writer (no openpyxl at all) and openpyxl's own load-and-save give the same
    workbook, for our form as xlsxwriter writes it, as openpyxl fills it and as LibreOffice saves it."""
    import datetime as dt

    from kinerja_pipeline import feedback
    from kinerja_pipeline.forms import write_form

    rules = rules_of(new_workspace(tmp_path / "ws"))
    sources = {"xlsxwriter": tmp_path / "xlsxwriter.xlsx",
               "openpyxl": returned_form(rules, tmp_path / "openpyxl.xlsx")}
    write_form(rules, plan(rules), sources["xlsxwriter"], generated_at=dt.datetime(YEAR, 1, 2),
               prefill=values_for(rules))
    if soffice() is not None:
        sources["libreoffice"] = lo_convert([sources["openpyxl"]], tmp_path / "lo", "xlsx",
                                            profile=tmp_path / "lo-profile")["openpyxl"]
    variants = {"ingest": dict(plan=plan(rules), file_name="", received_at=""),
                "review": dict(plan=None, file_name="a.xlsx", received_at="x", reviewer_note="=1+1 tolak")}
    for kind, source in sources.items():
        for variant, extra in variants.items():
            with monkeypatch.context() as m:
                m.setenv("KINERJA_FAST", "-plainxml")
                slow = feedback.write_feedback(tmp_path / f"{kind}-{variant}-openpyxl.xlsx", source=source,
                                               file_format="xlsx", rules=rules, issues=EDGE_ISSUES, **extra)
            with monkeypatch.context() as m:
                m.setenv("KINERJA_FAST", "1")
                m.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("openpyxl used"))
                fast = feedback.write_feedback(tmp_path / f"{kind}-{variant}-plain.xlsx", source=source,
                                               file_format="xlsx", rules=rules, issues=EDGE_ISSUES, **extra)
            assert differences(slow, fast) == [], (kind, variant)
            with zipfile.ZipFile(fast) as zf:  # every part well-formed, for any reader
                for name in zf.namelist():
                    if name.endswith((".xml", ".rels", ".vml")):
                        ElementTree.fromstring(zf.read(name))


def test_workbooks_that_are_not_plain_are_annotated_by_openpyxl(tmp_path) -> None:
    from kinerja_pipeline import feedback

    rules = rules_of(new_workspace(tmp_path / "ws"))
    form = returned_form(rules, tmp_path / "isi.xlsx")
    content = feedback._result_content(rules, plan(rules), EDGE_ISSUES, "", "", None)
    assert feedback._write_plain(form.read_bytes(), tmp_path / "plain.xlsx", EDGE_ISSUES, content)
    macro = with_vba_project(form, tmp_path / "makro.xlsm")
    wb = openpyxl.load_workbook(form)
    wb[DATA_SHEET]["A1"].hyperlink = "http://x.invalid/"
    wb.save(tmp_path / "tautan.xlsx")
    for path in (macro, tmp_path / "tautan.xlsx"):
        assert not feedback._write_plain(path.read_bytes(), tmp_path / "x.xlsx", EDGE_ISSUES, content), path.name
        assert not (tmp_path / "x.xlsx").exists()


def test_feedback_speaks_the_readers_words_and_colours(ws, tmp_path) -> None:
    from kinerja_pipeline import feedback
    from kinerja_pipeline.styles import INPUT_FILL, WARNING_WORD

    def rgb(hex_: str) -> tuple[int, ...]:
        hex_ = hex_.lstrip("#")[-6:]
        return tuple(int(hex_[i:i + 2], 16) for i in (0, 2, 4))

    # a warning is clearly unlike the yellow of the input cells, and the instruction names its colour
    distance = sum((a - b) ** 2 for a, b in zip(rgb(WARN_FILL), rgb(INPUT_FILL))) ** 0.5
    assert distance > 80
    assert f"Sel {WARNING_WORD} adalah peringatan" in feedback.HOW_TO and "kuning" not in feedback.HOW_TO
    rules = rules_of(ws)
    drop(ws, returned_form(rules, tmp_path / "isi.xlsx", overrides={"H13": None, "H21": 2_000_000_000}))
    result = run(ws, rules).results[0]
    sheet = openpyxl.load_workbook(result.feedback)[RESULT_SHEET]
    words = [str(c.value) for line in sheet.iter_rows() for c in line if c.value is not None]
    assert not any("Galat" in w or "galat" in w or "!" in w for w in words)
    assert "Lembar Data Kinerja, sel H13" in words
    header = next(r for r in sheet.iter_rows() if r[1].value == "Kode masalah")
    for row in sheet.iter_rows(min_row=header[0].row, max_row=header[0].row + len(result.issues)):
        for cell in row[:5]:  # the problem table is ruled
            assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin", cell.coordinate
