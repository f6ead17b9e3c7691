"""Forms: one protected, validated, print-ready workbook per reporting unit, read back with openpyxl."""
from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import MergedCell
import pytest
from click.testing import CliRunner
from openpyxl.utils import get_column_letter, range_boundaries

from kinerja_pipeline.cli import main
from kinerja_pipeline.errors import KinerjaError
from kinerja_pipeline.forms import form_filename, generate_forms
from kinerja_pipeline.layout import (COL, DATA_SHEET, FIRST_DATA_ROW, FORM_VERSION, GUIDE_SHEET,
                                     META_SHEET, plan_form)
from kinerja_pipeline.rules_load import load_rules
from kinerja_pipeline.workspace import Workspace

from conftest import YEAR

QUARTER = 1
STAMP = dt.datetime(2026, 1, 2, 8, 0)
NON_REPORTING = ("DITJENPAS", "KW-JABAR", "KW-JATIM", "KW-SUMUT")
INPUT_FILL = "FFFFF2CC"
GREY_FILL = "FFD9D9D9"


def make_forms(ws_root: Path, units=None, quarter: int = QUARTER, stamp: dt.datetime = STAMP):
    rules = load_rules(ws_root / "rules")
    return rules, generate_forms(rules, Workspace(ws_root), YEAR, quarter, units, generated_at=stamp)


def meta(wb: openpyxl.Workbook) -> dict:
    return {row[0]: row[1] for row in wb[META_SHEET].iter_rows(values_only=True) if row[0]}


def meta_of(path: Path) -> dict:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return meta(wb)
    finally:
        wb.close()


def cells_in(sqref) -> set[str]:
    out = set()
    for part in str(sqref).split():
        min_col, min_row, max_col, max_row = range_boundaries(part)
        for r in range(min_row, max_row + 1):
            for c in range(min_col, max_col + 1):
                out.add(f"{get_column_letter(c)}{r}")
    return out


@pytest.fixture(scope="module")
def sample_forms(tmp_path_factory, sample_rules):
    """The TW I forms of the sample organisation, generated once for the read-only tests."""
    root = tmp_path_factory.mktemp("forms")
    results = generate_forms(sample_rules, Workspace(root), YEAR, QUARTER, generated_at=STAMP)
    return root, {r.unit: r.path for r in results}


@pytest.fixture(scope="module")
def lapas(sample_forms, sample_rules):
    """(workbook, plan) of a Lapas form: it has count, ratio, negatif selisih and kebalikan rows."""
    _, paths = sample_forms
    return openpyxl.load_workbook(paths["LP-SUKAMISKIN"]), plan_form(sample_rules, "LP-SUKAMISKIN",
                                                                       YEAR, QUARTER)


# --------------------------------------------------------------------------- which files


def test_one_form_per_reporting_unit_and_none_for_the_others(sample_forms, sample_rules) -> None:
    root, paths = sample_forms
    expected = {u.kode for u in sample_rules.reporting_units}
    assert len(expected) == 15 and not expected & set(NON_REPORTING)
    assert set(paths) == expected
    folder = root / "templates_xlsx" / str(YEAR) / f"TW{QUARTER}"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{kode}_{YEAR}_TW{QUARTER}.xlsx" for kode in expected)
    for kode, path in paths.items():
        wb = openpyxl.load_workbook(path)
        assert meta(wb)["unit"] == kode
        assert wb.sheetnames == [DATA_SHEET, GUIDE_SHEET, META_SHEET]


def test_non_reporting_unit_is_refused(workspace: Path) -> None:
    with pytest.raises(KinerjaError, match="'KW-JABAR' tidak melaporkan indikator"):
        make_forms(workspace, ["KW-JABAR"])
    with pytest.raises(KinerjaError, match="'LP-ATLANTIS' tidak ada di rules/organisasi.yaml"):
        make_forms(workspace, ["LP-ATLANTIS"])
    assert not list(workspace.rglob("*.xlsx"))


def test_year_without_targets_is_refused(workspace: Path) -> None:
    rules = load_rules(workspace / "rules")
    with pytest.raises(KinerjaError, match=r"tidak ada berkas target untuk tahun 2031.*2026"):
        generate_forms(rules, Workspace(workspace), 2031, 1)


# --------------------------------------------------------------------------- protection, inputs


def test_data_sheet_is_protected_and_only_input_cells_are_unlocked(lapas) -> None:
    wb, plan = lapas
    ws = wb[DATA_SHEET]
    assert ws.protection.sheet is True
    assert wb[GUIDE_SHEET].protection.sheet is True
    inputs = set(plan.input_cells())
    assert len(inputs) == len(plan.input_cells())  # no cell listed twice
    unlocked = {c.coordinate for row in ws.iter_rows() for c in row
                if not c.protection.locked and not isinstance(c, MergedCell)}  # a merge is its first cell
    assert unlocked == inputs
    # the used range covers every input cell and the signature block
    assert ws.max_row == plan.print_last_row
    assert ws.max_column == openpyxl.utils.column_index_from_string("M")
    for cell in inputs:  # input cells are visibly shaded
        assert ws[cell].fill.fgColor.rgb == INPUT_FILL, cell


def test_locked_cells_hold_the_issued_rows_and_targets(lapas, sample_rules) -> None:
    wb, plan = lapas
    ws = wb[DATA_SHEET]
    assert [r.row for r in plan.rows] == list(range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(plan.rows)))
    assert [r.indicator.kode for r in plan.rows] == [
        i.kode for i in sample_rules.indicators_for("LP-SUKAMISKIN")]
    for r in plan.rows:
        assert ws[f"{COL['kode']}{r.row}"].value == r.indicator.kode
        assert ws[f"{COL['satuan']}{r.row}"].value == r.indicator.satuan
        assert ws[f"{COL['target_tahunan']}{r.row}"].value == r.target.tahunan
        assert ws[f"{COL['target_tw']}{r.row}"].value == r.target.tw[QUARTER - 1]
        for col in ("kode", "target_tahunan", "target_tw", "capaian"):
            assert ws[f"{COL[col]}{r.row}"].protection.locked
    for b in plan.budget:
        assert ws[f"B{b.row}"].value == b.kegiatan
        assert ws[f"F{b.row}"].value == b.pagu
    assert {b.kegiatan for b in plan.budget} == {"KEG-BIN", "KEG-KAMTIB", "KEG-LAYANAN"}


def test_every_input_cell_has_an_indonesian_data_validation(sample_forms, sample_rules) -> None:
    _, paths = sample_forms
    for kode in ("LP-SUKAMISKIN", "RT-BANDUNG", "BP-BANDUNG", "LPKA-BANDUNG"):
        ws = openpyxl.load_workbook(paths[kode])[DATA_SHEET]
        plan = plan_form(sample_rules, kode, YEAR, QUARTER)
        covered: dict[str, object] = {}
        for dv in ws.data_validations.dataValidation:
            for cell in cells_in(dv.sqref):
                assert cell not in covered, f"{kode} {cell} has two validations"
                covered[cell] = dv
        assert set(covered) == set(plan.input_cells()), kode
        for cell, dv in covered.items():
            assert dv.showErrorMessage, cell
            assert dv.errorStyle in (None, "stop"), cell  # stop is the default
            assert dv.error and dv.errorTitle and dv.prompt, cell
            text = f"{dv.errorTitle} {dv.error}".lower()
            assert re.search(r"\b(isi|batasi|nip|tanggal|nilai)\b", text), (cell, text)
            assert not re.search(r"\b(the|value|must|please|invalid)\b", text), (cell, text)
        for r in plan.rows:
            ind = r.indicator
            for col in (("pembilang", "penyebut") if ind.is_ratio else ("realisasi",)):
                dv = covered[f"{COL[col]}{r.row}"]
                assert dv.type == ("whole" if ind.bilangan_bulat else "decimal"), (kode, ind.kode)
                assert float(dv.formula1) == 0.0  # never negative
                if not ind.is_ratio and ind.batas_max is not None:
                    assert (dv.operator or "between") == "between"  # between is the default
                    assert float(dv.formula2) == ind.batas_max
            assert covered[f"L{r.row}"].type == "textLength"
        for b in plan.budget:
            dv = covered[f"H{b.row}"]
            assert (dv.type, dv.operator, float(dv.formula1)) == ("decimal", "greaterThanOrEqual", 0)
        nip = covered[f"D{plan.signature_rows['nip']}"]
        assert (nip.type, nip.operator, nip.formula1) == ("textLength", "equal", "18")
        assert covered[f"D{plan.signature_rows['tanggal']}"].type == "date"


def test_percentage_typed_directly_is_bounded_to_100(sample_forms, sample_rules) -> None:
    """IK10 (indeks 0–100) and IK09 (menit, max 480) carry their bounds into the validation."""
    wb = openpyxl.load_workbook(sample_forms[1]["LP-SUKAMISKIN"])
    plan = plan_form(sample_rules, "LP-SUKAMISKIN", YEAR, QUARTER)
    rows = {r.indicator.kode: r.row for r in plan.rows}
    bounds = {}
    for dv in wb[DATA_SHEET].data_validations.dataValidation:
        for cell in cells_in(dv.sqref):
            bounds[cell] = (dv.operator or "between", dv.formula1, dv.formula2)
    assert bounds[f"H{rows['IK10']}"] == ("between", "0.0", "100.0")
    assert bounds[f"H{rows['IK09']}"] == ("between", "0.0", "480.0")
    assert bounds[f"H{rows['IK01']}"][0] == "greaterThanOrEqual"


# --------------------------------------------------------------------------- metadata


def test_meta_sheet_is_very_hidden_and_identifies_the_form(lapas, sample_rules) -> None:
    wb, plan = lapas
    assert wb[META_SHEET].sheet_state == "veryHidden"
    assert wb[DATA_SHEET].sheet_state == "visible"
    m = meta(wb)
    assert m["unit"] == "LP-SUKAMISKIN"
    assert m["tahun"] == YEAR and m["triwulan"] == QUARTER
    assert m["versi_formulir"] == FORM_VERSION
    assert m["versi_aturan"] == sample_rules.versi
    assert m["sidik_jari"] == plan.fingerprint and re.fullmatch(r"[0-9a-f]{64}", m["sidik_jari"])
    assert m["form_id"] == plan.form_id
    assert m["aplikasi"] == "kinerja-pipeline"
    assert m["dibuat"] == STAMP.isoformat(timespec="seconds")


FEW = ["LP-SUKAMISKIN", "LP-BANCEUY", "RT-BANDUNG", "BP-BANDUNG", "LPKA-BANDUNG"]


def _fingerprints(ws_root: Path) -> dict[str, str]:
    _, results = make_forms(ws_root, FEW)
    return {r.unit: meta_of(r.path)["sidik_jari"] for r in results}


def test_fingerprint_follows_the_targets(workspace: Path) -> None:
    before = _fingerprints(workspace)
    assert len(set(before.values())) == len(before)  # every unit's form is distinct
    assert _fingerprints(workspace) == before  # nothing changed: same fingerprints

    target = workspace / "rules" / f"target_{YEAR}.csv"
    text = target.read_text(encoding="utf-8")
    old = "LP-SUKAMISKIN,IK03,144,36,36,36,36"
    assert old in text
    target.write_text(text.replace(old, "LP-SUKAMISKIN,IK03,148,36,36,36,40"), encoding="utf-8")
    after = _fingerprints(workspace)

    assert after["LP-SUKAMISKIN"] != before["LP-SUKAMISKIN"]  # even a later quarter's target
    assert {k: v for k, v in after.items() if k != "LP-SUKAMISKIN"} == \
           {k: v for k, v in before.items() if k != "LP-SUKAMISKIN"}


def test_fingerprint_follows_the_pagu(workspace: Path) -> None:
    before = _fingerprints(workspace)
    pagu = workspace / "rules" / f"pagu_{YEAR}.csv"
    text = pagu.read_text(encoding="utf-8")
    assert "LP-BANCEUY,KEG-BIN,1295000000" in text
    pagu.write_text(text.replace("LP-BANCEUY,KEG-BIN,1295000000", "LP-BANCEUY,KEG-BIN,1300000000"),
                    encoding="utf-8")
    after = _fingerprints(workspace)
    assert after["LP-BANCEUY"] != before["LP-BANCEUY"]
    assert after["LP-SUKAMISKIN"] == before["LP-SUKAMISKIN"]


def test_each_quarter_has_its_own_form_and_target(workspace: Path) -> None:
    rules, _ = make_forms(workspace, ["LP-SUKAMISKIN"], quarter=1)
    make_forms(workspace, ["LP-SUKAMISKIN"], quarter=3)
    base = workspace / "templates_xlsx" / str(YEAR)
    wb1 = openpyxl.load_workbook(base / "TW1" / f"LP-SUKAMISKIN_{YEAR}_TW1.xlsx")
    wb3 = openpyxl.load_workbook(base / "TW3" / f"LP-SUKAMISKIN_{YEAR}_TW3.xlsx")
    assert (meta(wb1)["triwulan"], meta(wb3)["triwulan"]) == (1, 3)
    assert meta(wb1)["sidik_jari"] != meta(wb3)["sidik_jari"]
    row = FIRST_DATA_ROW  # IK01: per_triwulan 7, 9, 9, 11
    assert (wb1[DATA_SHEET][f"G{row}"].value, wb3[DATA_SHEET][f"G{row}"].value) == (7, 9)
    assert "Triwulan III" in wb3[DATA_SHEET]["A4"].value


# --------------------------------------------------------------------------- formulas


def _polarity_shape(formula: str, row: int) -> str:
    """The formula with this row's number replaced by ``#``, to compare rows with each other."""
    return re.sub(rf"(?<=[A-Z]){row}\b", "#", formula)


def test_capaian_formula_on_every_row_and_by_polarity(lapas) -> None:
    wb, plan = lapas
    ws = wb[DATA_SHEET]
    shapes = {}
    for r in plan.rows:
        formula = ws[f"{COL['capaian']}{r.row}"].value
        assert isinstance(formula, str) and formula.startswith("="), r.indicator.kode
        refs = set(re.findall(r"\b([A-Z]{1,2})(\d+)\b", formula))
        assert refs == {("H", str(r.row)), ("G", str(r.row))}, (r.indicator.kode, formula)
        assert 'ISNUMBER(H' in formula  # blank realisasi → blank capaian, not 0
        shapes[r.indicator.kode] = _polarity_shape(formula, r.row)
    positif, selisih, kebalikan = shapes["IK01"], shapes["IK08"], shapes["IK09"]
    assert len({positif, selisih, kebalikan}) == 3
    assert "H#/G#*100" in positif
    assert "MAX(0,(2*G#-H#)/G#*100)" in selisih
    assert "G#/H#*100" in kebalikan
    # T = 0: negatif gives 100 when R = 0 else 0; positif is not computable
    assert "IF(G#=0,IF(H#=0,100,0)" in selisih and "IF(G#=0,IF(H#=0,100,0)" in kebalikan
    assert 'IF(G#=0,"—"' in positif
    # every positif indicator of the form shares the positif formula
    for kode in ("IK02", "IK03", "IK10", "IK12"):
        assert shapes[kode] == positif, kode


def test_ratio_rows_compute_realisasi_and_other_rows_grey_out_the_ratio_cells(lapas) -> None:
    wb, plan = lapas
    ws = wb[DATA_SHEET]
    for r in plan.rows:
        h, i, j = (ws[f"{c}{r.row}"] for c in "HIJ")
        if r.indicator.is_ratio:
            assert isinstance(h.value, str) and h.value.startswith("=")
            assert f"I{r.row}/J{r.row}*100" in h.value and f"J{r.row}>0" in h.value
            assert h.protection.locked
            assert not i.protection.locked and not j.protection.locked
        else:
            assert h.value is None and not h.protection.locked
            for cell in (i, j):
                assert cell.value is None and cell.protection.locked
                assert cell.fill.fgColor.rgb == GREY_FILL
    assert any(r.indicator.is_ratio for r in plan.rows)


# --------------------------------------------------------------------------- reproducible, printable


def _all_cells(path: Path) -> dict:
    """Every cell value (formulas as text) of every sheet, except the generation time."""
    wb = openpyxl.load_workbook(path, read_only=True)
    out = {}
    for ws in wb.worksheets:
        for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
            if ws.title == META_SHEET and row and row[0] == "dibuat":
                continue
            for c, value in enumerate(row, start=1):
                out[(ws.title, r, c)] = value
    wb.close()
    return out


def test_same_rules_give_the_same_cells(tmp_path: Path, workspace: Path) -> None:
    other = tmp_path / "kedua"
    shutil.copytree(workspace / "rules", other / "rules")
    _, first = make_forms(workspace, stamp=dt.datetime(2026, 1, 2, 8, 0))
    _, second = make_forms(other, stamp=dt.datetime(2026, 3, 4, 9, 30))
    assert [r.path.name for r in first] == [r.path.name for r in second]
    for a, b in zip(first, second):
        cells_a, cells_b = _all_cells(a.path), _all_cells(b.path)
        assert cells_a and cells_a == cells_b, a.path.name
        meta_a, meta_b = meta_of(a.path), meta_of(b.path)
        assert meta_a["dibuat"] != meta_b["dibuat"]  # only the generation time differs


def test_print_setup_is_a4_landscape_at_a_scale_that_keeps_8_pt(lapas) -> None:
    wb, plan = lapas
    ws = wb[DATA_SHEET]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    scale = int(ws.page_setup.scale)
    assert ws.sheet_properties.pageSetUpPr.fitToPage is not True  # by layout, not by shrinking
    assert scale * 9 / 100 >= 8  # the 9 pt table text prints at 8 pt or more
    # every column fits across the page at that scale (Excel: a width w is 7w + 5 pixels)
    widths = [ws.column_dimensions[get_column_letter(c)].width for c in range(1, 14)]
    printable = (297 / 25.4 - ws.page_margins.left - ws.page_margins.right) * 72
    assert sum((int(w) * 7 + 5) * 0.75 for w in widths) * scale / 100 <= printable
    assert ws.print_area == f"'{DATA_SHEET}'!$A$1:$M${plan.print_last_row}"
    assert ws.freeze_panes == f"A{FIRST_DATA_ROW}"
    assert "Halaman &P dari &N" in ws.oddFooter.right.text


def test_indicator_rows_that_run_over_a_page_repeat_the_titles(tmp_path) -> None:
    """With long indicator names the Lapas form's indicator rows need two pages: the column titles
    repeat on the second."""
    from conftest import SAMPLE_RULES

    rules_dir = tmp_path / "rules"
    shutil.copytree(SAMPLE_RULES, rules_dir)
    text = (rules_dir / "indikator.yaml").read_text(encoding="utf-8")
    long = " yang diukur menurut standar pelayanan minimal dan petunjuk teknis Direktorat Jenderal" * 3
    text = re.sub(r"(\n    nama: (?:Jumlah|Persentase|Indeks|Nilai)[^\n]*)", lambda m: m.group(1) + long, text)
    (rules_dir / "indikator.yaml").write_text(text, encoding="utf-8")
    [result] = generate_forms(load_rules(rules_dir), Workspace(tmp_path), YEAR, QUARTER, units=["LP-SUKAMISKIN"],
                              generated_at=STAMP)
    ws = openpyxl.load_workbook(result.path)[DATA_SHEET]
    assert ws.print_title_rows == "$9:$10"


def test_a_short_form_does_not_head_its_budget_page_with_the_indicator_titles(sample_forms) -> None:
    """A Bapas form's five indicators fit on the first page; the budget and signature go to a page
    of their own, which must not be headed by the indicator table's column titles."""
    _, paths = sample_forms
    ws = openpyxl.load_workbook(paths["BP-BANDUNG"])[DATA_SHEET]
    assert ws.print_title_rows is None
    assert [b.id for b in ws.row_breaks.brk]  # the budget block starts a page


# --------------------------------------------------------------------------- hostile unit codes


def test_hostile_unit_code_gives_a_safe_file_name(workspace: Path) -> None:
    hostile = '../LP:*?"<>|CON'
    rules_dir = workspace / "rules"
    org = rules_dir / "organisasi.yaml"
    text = org.read_text(encoding="utf-8")
    assert "kode: LP-BANCEUY\n" in text
    org.write_text(text.replace("kode: LP-BANCEUY\n", f"kode: '{hostile}'\n"), encoding="utf-8")
    csv_code = '"' + hostile.replace('"', '""') + '"'
    for name in (f"target_{YEAR}.csv", f"pagu_{YEAR}.csv", "realisasi_tahun_lalu.csv"):
        path = rules_dir / name
        path.write_text(path.read_text(encoding="utf-8").replace("LP-BANCEUY,", f"{csv_code},"),
                        encoding="utf-8")

    rules, results = make_forms(workspace, [hostile])

    assert rules.has_unit(hostile)
    [result] = results
    folder = (workspace / "templates_xlsx" / str(YEAR) / f"TW{QUARTER}").resolve()
    assert result.path.resolve().parent == folder
    assert result.path.name == form_filename(hostile, YEAR, QUARTER)
    assert re.fullmatch(r"[A-Za-z0-9._-]+", result.path.name)
    assert not result.path.name.startswith(".")
    assert result.path.name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}
    assert [p.name for p in folder.iterdir()] == [result.path.name]
    assert not list(workspace.parent.glob("*.xlsx"))  # nothing escaped the workspace
    assert meta(openpyxl.load_workbook(result.path))["unit"] == hostile  # the real code inside


# --------------------------------------------------------------------------- command line


def test_cli_forms(workspace: Path) -> None:
    result = CliRunner().invoke(main, ["-w", str(workspace), "forms", "--year", str(YEAR),
                                       "--quarter", "2"])
    assert result.exit_code == 0, result.output
    folder = workspace / "templates_xlsx" / str(YEAR) / "TW2"
    files = sorted(p.name for p in folder.glob("*.xlsx"))
    assert len(files) == 15
    assert f"15 formulir TW 2 {YEAR} dibuat di {folder}" in result.output
    for name in files:
        assert f"  {name}" in result.output

    one = CliRunner().invoke(main, ["-w", str(workspace), "forms", "-y", str(YEAR), "-q", "3",
                                    "-u", "LP-MALANG", "-u", "RT-MEDAN"])
    assert one.exit_code == 0, one.output
    assert sorted(p.name for p in (workspace / "templates_xlsx" / str(YEAR) / "TW3").iterdir()) == [
        f"LP-MALANG_{YEAR}_TW3.xlsx", f"RT-MEDAN_{YEAR}_TW3.xlsx"]


def test_cli_forms_refuses_a_unit_without_indicators(workspace: Path) -> None:
    result = CliRunner().invoke(main, ["-w", str(workspace), "forms", "--year", str(YEAR),
                                       "--quarter", "1", "--unit", "KW-JABAR"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Kesalahan:")]
    assert errors == [result.stderr.strip()]
    assert "KW-JABAR" in errors[0] and "tidak melaporkan indikator apa pun" in errors[0]
    assert not list(workspace.rglob("*.xlsx"))


def test_cli_forms_usage_mistakes_exit_2(workspace: Path) -> None:
    for args in (["forms", "--year", str(YEAR)], ["forms", "--year", str(YEAR), "--quarter", "5"],
                 ["forms", "--year", "abc", "--quarter", "1"]):
        result = CliRunner().invoke(main, ["-w", str(workspace), *args])
        assert result.exit_code == 2, (args, result.output)


def test_forms_written_by_worker_processes_equal_those_written_in_one(tmp_path: Path, workspace: Path,
                                                                      monkeypatch) -> None:
    """Many units: the forms are written on every core (KINERJA_WORKERS forces it here), the
    same bytes in the same order as one process writes them."""
    other = tmp_path / "paralel"
    shutil.copytree(workspace / "rules", other / "rules")
    monkeypatch.setenv("KINERJA_WORKERS", "0")
    _, one = make_forms(workspace)
    monkeypatch.setenv("KINERJA_WORKERS", "2")
    seen = []
    ws = Workspace(other)
    two = generate_forms(load_rules(ws.rules), ws, YEAR, QUARTER, generated_at=STAMP,
                         progress=lambda done, total: seen.append((done, total)))
    assert [r.unit for r in two] == [r.unit for r in one] and len(one) >= 12
    assert seen == [(i, len(one)) for i in range(1, len(one) + 1)]
    for a, b in zip(one, two):
        assert a.path.read_bytes() == b.path.read_bytes(), a.path.name
    assert not list(b.path.parent.glob(".tmp-*"))


def test_budget_block_has_labelled_headers_a_jumlah_row_and_a_signing_block(lapas, sample_rules) -> None:
    wb, plan = lapas
    ws = wb[DATA_SHEET]
    hr = plan.budget_header_row
    merged = {str(m) for m in ws.merged_cells.ranges}
    # every dark header cell carries a label: merged pairs instead of empty grey columns
    assert {f"D{hr}:E{hr}", f"F{hr}:G{hr}", f"H{hr}:J{hr}"} <= merged
    for letter in "ABCDFHK":
        assert ws[f"{letter}{hr}"].value, letter
    assert ws[f"H{hr}"].value == "Realisasi Anggaran TW\u00a0I (Rp)"  # "I" never wraps alone
    total = plan.budget_total_row
    first, last = plan.budget[0].row, plan.budget[-1].row
    assert total == last + 1 and ws[f"D{total}"].value == "Jumlah"
    assert ws[f"F{total}"].value == f"=SUM(F{first}:F{last})"
    assert ws[f"H{total}"].value == f"=SUM(H{first}:H{last})"
    # the printed signing block: place and date line, jabatan, the typed name and NIP
    sign = plan.signing_rows
    unit_name = sample_rules.unit(plan.unit).nama
    assert ws[f"J{sign['tempat']}"].value.endswith(str(plan.year))
    assert ws[f"J{sign['jabatan']}"].value == f"Kepala {unit_name}"
    assert f"D{plan.signature_rows['nama']}" in ws[f"J{sign['nama']}"].value
    assert f"D{plan.signature_rows['nip']}" in ws[f"J{sign['nip']}"].value
    assert sign["nama"] - sign["jabatan"] >= 3  # room to sign between jabatan and name
    # the form's own merges are exactly those the layout declares (ingest accepts them)
    declared = {f"{get_column_letter(c0 + 1)}{r0 + 1}:{get_column_letter(c1 + 1)}{r1 + 1}"
                for (r0, c0), (r1, c1) in plan.merges()}
    assert merged == declared


def test_petunjuk_rows_are_tall_enough_for_their_text(lapas) -> None:
    wb, _ = lapas
    ws = wb[GUIDE_SHEET]
    for row in ws.iter_rows(min_row=3, min_col=2, max_col=2):
        cell = row[0]
        if isinstance(cell.value, str) and len(cell.value) > 120:
            height = ws.row_dimensions[cell.row].height
            assert height is not None and height >= 13.5 * 2, cell.coordinate


def test_two_forms_written_in_one_process_are_alike_to_the_byte(sample_rules, tmp_path) -> None:
    """xlsxwriter writes into the options it is given: each workbook gets its own, so the first
    and the second workbook of a run do not differ (rekap and LKjIP are compared byte for byte)."""
    import zipfile

    from kinerja_pipeline.forms import write_form

    plan = plan_form(sample_rules, "LP-SUKAMISKIN", YEAR, QUARTER)
    paths = [tmp_path / "satu.xlsx", tmp_path / "dua.xlsx"]
    for path in paths:
        write_form(sample_rules, plan, path, generated_at=STAMP)
    parts = [{n: z.read(n) for n in z.namelist()} for z in map(zipfile.ZipFile, paths)]
    assert parts[0] == parts[1]
