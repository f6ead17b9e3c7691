"""A unit fills its form in LibreOffice: open it headless, type into the input cells, save.

The saved workbook must still carry our metadata, the issued rows and the typed values intact,
keep the protection, and LibreOffice's own evaluation of the live formulas must give the
capaian as the README defines it. Skipped when LibreOffice is not installed.
"""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kinerja_pipeline.forms import generate_forms
from kinerja_pipeline.layout import COL, DATA_SHEET, META_SHEET, plan_form
from kinerja_pipeline.rules_load import load_rules
from kinerja_pipeline.workspace import Workspace

from conftest import YEAR
from lo_helpers import FILTERS, fill_workbook, find_soffice

pytestmark = pytest.mark.skipif(find_soffice() is None,
                                reason="LibreOffice (soffice) tidak terpasang di PATH; "
                                       "pasang libreoffice-calc-nogui untuk menjalankan uji ini")

UNIT = "LP-SUKAMISKIN"
QUARTER = 1
PENJELASAN = 'Pelatihan "las" & menjahit <b>bersertifikat</b>\nbaris kedua — capaian ✓ 100%'


@pytest.fixture()
def form(workspace: Path):
    """The TW I form of a Lapas, with a non-zero IK08 target so the negatif formula has work."""
    target = workspace / "rules" / f"target_{YEAR}.csv"
    text = target.read_text(encoding="utf-8")
    assert f"{UNIT},IK08,0,0,0,0,0" in text
    target.write_text(text.replace(f"{UNIT},IK08,0,0,0,0,0", f"{UNIT},IK08,8,2,2,2,2"), encoding="utf-8")
    rules = load_rules(workspace / "rules")
    [result] = generate_forms(rules, Workspace(workspace), YEAR, QUARTER, [UNIT],
                              generated_at=dt.datetime(2026, 1, 2, 8, 0))
    return rules, plan_form(rules, UNIT, YEAR, QUARTER), result.path


def _typed_values(plan) -> dict:
    rows = {r.indicator.kode: r.row for r in plan.rows}
    values = {
        f"H{rows['IK01']}": 14,           # positif: 14 / 7
        f"I{rows['IK02']}": 850,          # ratio: 850 / 1000 → 85 %
        f"J{rows['IK02']}": 1000,
        f"H{rows['IK03']}": 30,
        f"H{rows['IK08']}": 1,            # negatif selisih: (2·2 − 1) / 2
        f"H{rows['IK09']}": 36,           # negatif kebalikan: 45 / 36
        f"H{rows['IK10']}": 82.75,
        f"H{rows['IK12']}": 0,            # zero is a value, not blank
        f"L{rows['IK01']}": PENJELASAN,
        f"M{rows['IK01']}": "SK Kalapas No. W11.PAS.1-PK.01.05-123/2026",
        f"M{rows['IK12']}": "https://contoh.go.id/bukti/lke-2026.pdf",
        f"D{plan.signature_rows['nama']}": "Asep Saepulloh, Bc.IP., S.H.",
        f"D{plan.signature_rows['nip']}": "197601052000031001",
        f"D{plan.signature_rows['tanggal']}": dt.date(2026, 4, 8),
    }
    for n, b in enumerate(plan.budget, start=1):
        values[f"H{b.row}"] = 125_500_000 * n
    return values


def _meta(wb) -> dict:
    return {row[0]: row[1] for row in wb[META_SHEET].iter_rows(values_only=True) if row[0]}


def test_libreoffice_fills_and_saves_a_form_as_xlsx(form, tmp_path: Path) -> None:
    rules, plan, path = form
    values = _typed_values(plan)
    assert set(values) <= set(plan.input_cells())  # only what a unit can type in
    original = openpyxl.load_workbook(path)

    out = fill_workbook(path, tmp_path / "kiriman dari unit (final).xlsx", values,
                        filter_name=FILTERS["xlsx"], profile_dir=tmp_path / "lo-profile", timeout=120)

    assert zipfile.is_zipfile(out)
    wb = openpyxl.load_workbook(out)
    # identity: the metadata survives byte for byte (LibreOffice makes veryHidden plain hidden)
    assert _meta(wb) == _meta(original)
    assert _meta(wb)["sidik_jari"] == plan.fingerprint and _meta(wb)["unit"] == UNIT
    assert wb[META_SHEET].sheet_state in ("hidden", "veryHidden")
    ws, ws0 = wb[DATA_SHEET], original[DATA_SHEET]
    # the typed values, exactly
    for cell, value in values.items():
        got = ws[cell].value
        if isinstance(value, dt.date):
            assert isinstance(got, dt.datetime) and got.date() == value, cell
        elif isinstance(value, (int, float)):
            assert isinstance(got, (int, float)) and not isinstance(got, bool), (cell, got)
            assert got == value, cell
        else:
            assert got == value, cell
    assert isinstance(ws[f"D{plan.signature_rows['nip']}"].value, str)  # NIP stays text
    # nothing else moved: issued rows, targets, pagu, formulas and untouched inputs
    for row in ws0.iter_rows(min_row=1, max_row=plan.last_row, max_col=13):
        for c in row:
            if c.coordinate in values or type(c).__name__ == "MergedCell":
                continue
            got = ws[c.coordinate].value
            if c.value in (None, ""):  # LibreOffice drops empty strings
                assert got in (None, ""), c.coordinate
            else:
                assert got == c.value, (c.coordinate, c.value, got)
    # still protected, and the same cells are open for typing
    assert ws.protection.sheet
    unlocked = {c.coordinate for row in ws.iter_rows(max_row=plan.last_row, max_col=13)
                for c in row if not c.protection.locked and type(c).__name__ != "MergedCell"}
    assert unlocked == set(plan.input_cells())  # a merged range is its first cell


def test_libreoffice_evaluates_the_live_formulas_like_design_6(form, tmp_path: Path) -> None:
    rules, plan, path = form
    out = fill_workbook(path, tmp_path / "diisi.xlsx", _typed_values(plan),
                        profile_dir=tmp_path / "lo-profile", timeout=120)
    ws = openpyxl.load_workbook(out, data_only=True)[DATA_SHEET]
    rows = {r.indicator.kode: r.row for r in plan.rows}
    capaian = {kode: ws[f"{COL['capaian']}{row}"].value for kode, row in rows.items()}
    assert capaian["IK01"] == pytest.approx(14 / 7 * 100)                 # positif R/T
    assert ws[f"H{rows['IK02']}"].value == pytest.approx(85)               # 850/1000 × 100
    assert capaian["IK02"] == pytest.approx(85 / 85 * 100)
    # the live capaian is rounded to 2 decimals (half up), as the pipeline reads its predikat
    assert capaian["IK03"] == 83.33                                        # 30/36 = 83,333…
    assert capaian["IK08"] == pytest.approx((2 * 2 - 1) / 2 * 100)         # negatif (2T − R)/T
    assert capaian["IK09"] == pytest.approx(45 / 36 * 100)                # negatif kebalikan T/R
    assert capaian["IK10"] == 103.44                                       # 82,75/80 = 103,4375
    assert capaian["IK12"] == pytest.approx(0)                              # R = 0 is a value
    for n, b in enumerate(plan.budget, start=1):                           # serapan
        assert ws[f"K{b.row}"].value == pytest.approx(125_500_000 * n / b.pagu * 100)


def test_libreoffice_blank_inputs_give_blank_capaian(form, tmp_path: Path) -> None:
    """Missing is not zero: an untouched realisasi leaves capaian empty, not 0 or an error."""
    rules, plan, path = form
    rows = {r.indicator.kode: r.row for r in plan.rows}
    out = fill_workbook(path, tmp_path / "sebagian.xlsx", {f"H{rows['IK01']}": 7},
                        profile_dir=tmp_path / "lo-profile", timeout=120)
    ws = openpyxl.load_workbook(out, data_only=True)[DATA_SHEET]
    assert ws[f"K{rows['IK01']}"].value == pytest.approx(100)
    for kode in ("IK03", "IK08", "IK09", "IK02"):
        assert ws[f"K{rows[kode]}"].value in (None, ""), kode


@pytest.mark.parametrize("suffix, magic", [("ods", b"PK"), ("xls", b"\xd0\xcf\x11\xe0")])
def test_helper_saves_other_formats(form, tmp_path: Path, suffix: str, magic: bytes) -> None:
    """The helper's filter parameter: the same form saved as .ods (calc8) or .xls (MS Excel 97)."""
    python_calamine = pytest.importorskip("python_calamine")
    rules, plan, path = form
    rows = {r.indicator.kode: r.row for r in plan.rows}
    out = fill_workbook(path, tmp_path / f"diisi.{suffix}", {f"H{rows['IK01']}": 13},
                        filter_name=FILTERS[suffix], profile_dir=tmp_path / "lo-profile", timeout=120)
    assert out.read_bytes()[:len(magic)] == magic
    if suffix == "ods":
        with zipfile.ZipFile(out) as z:
            assert z.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
    wb = python_calamine.CalamineWorkbook.from_path(str(out))
    assert wb.sheet_names == [DATA_SHEET, "Petunjuk", META_SHEET]
    data = wb.get_sheet_by_name(DATA_SHEET).to_python(skip_empty_area=False)
    assert data[rows["IK01"] - 1][7] == 13
    meta = dict((r[0], r[1]) for r in wb.get_sheet_by_name(META_SHEET).to_python() if r and r[0])
    assert meta["sidik_jari"] == plan.fingerprint
