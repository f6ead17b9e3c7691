"""Reading returned files: bad files are refused with a clear reason, other programs' saves read alike.

The LibreOffice files are made by LibreOffice itself (``soffice --headless --convert-to`` with a
private profile); the password-protected one by LibreOffice's own encryption (a Basic macro,
see ``forms_helpers.lo_encrypt``).
"""
from __future__ import annotations

import io
import random
import zipfile
from contextlib import closing
from pathlib import Path

import openpyxl
import pytest

from hostile.corpus import ODS_CELL, BILLION_LAUGHS, bad_crc, broken_deflate, ods, xls, zip_bomb
from kinerja_pipeline import reading
from kinerja_pipeline.errors import UnreadableInput
from kinerja_pipeline.layout import DATA_SHEET, META_SHEET
from kinerja_pipeline.reading import open_workbook

from forms_helpers import (LAPAS, MACRO_MARKER, OLE_MAGIC, YEAR, codes, connect, drop, ledger_budget,
                           ledger_values, lo_convert, lo_encrypt, new_workspace, result_for, returned_form,
                           run, sha256, soffice, with_vba_project)

needs_lo = pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) tidak terpasang")


# --------------------------------------------------------------------------- bad files


def truncated(good: Path) -> bytes:
    data = good.read_bytes()
    return data[: len(data) // 2]





def xml_bomb(good: Path, path: Path) -> Path:
    """Our valid form with a billion-laughs DTD inside ``xl/workbook.xml``."""
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/workbook.xml":
                text = data.decode("utf-8")
                at = text.index("<workbook")
                text = text[:at] + BILLION_LAUGHS + text[at:].replace("<workbook ", '<workbook x="&lol9;" ', 1)
                data = text.encode("utf-8")
            zout.writestr(info, data)
    return path


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        zf.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/relationships"/>')
        zf.writestr("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxml'
                    'formats.org/wordprocessingml/2006/main"><w:body><w:p/></w:body></w:document>')
    return buf.getvalue()


def crafted_encrypted_ole() -> bytes:
    """Fallback when LibreOffice is missing: OLE2 magic + the UTF-16 stream names of an encrypted package."""
    return (OLE_MAGIC + bytes(504) + "EncryptionInfo".encode("utf-16-le") + bytes(50)
            + "EncryptedPackage".encode("utf-16-le") + bytes(2000))


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    return zip_bomb(tmp_path_factory.mktemp("bomb") / "zip_bomb.xlsx")


@pytest.fixture(scope="module")
def lo_profile(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("lo-profile")


@pytest.fixture(scope="module")
def encrypted_xlsx(tmp_path_factory, lo_profile, sample_rules) -> Path:
    """One of our forms saved by LibreOffice with the password 'rahasia' (real encryption)."""
    root = tmp_path_factory.mktemp("encrypted")
    good = returned_form(sample_rules, root / "isi.xlsx")
    if soffice() is None:
        path = root / "berkata_sandi.xlsx"
        path.write_bytes(crafted_encrypted_ole())
        return path
    return lo_encrypt(good, root / "berkata_sandi.xlsx", "rahasia", profile=lo_profile / "macro")


BAD = {  # file name → expected reason code
    "terpotong.xlsx": "berkas-rusak",
    "crc_salah.xlsx": "berkas-rusak",
    "deflate_rusak.xlsx": "berkas-rusak",
    "zip_bomb.xlsx": "berkas-berbahaya",
    "xml_bomb.xlsx": "berkas-berbahaya",
    "berkata_sandi.xlsx": "berkas-berkata-sandi",
    "data.csv.xlsx": "bukan-spreadsheet",
    "kosong.xlsx": "berkas-kosong",
    "acak.xlsx": "bukan-spreadsheet",
    "rekap_absensi.xlsx": "bukan-formulir",
    "laporan.docx.xlsx": "bukan-spreadsheet",
    "sejuta_baris.xlsx": "berkas-terlalu-besar",
}


def test_bad_files_are_unrecognised_with_a_clear_reason_in_one_run(tmp_path, sample_rules, encrypted_xlsx,
                                                                   bomb) -> None:
    ws = new_workspace(tmp_path / "ws")
    src = tmp_path / "src"
    src.mkdir()
    good = returned_form(sample_rules, src / "baik.xlsx")
    (src / "terpotong.xlsx").write_bytes(truncated(good))
    bad_crc(good, src / "crc_salah.xlsx")
    broken_deflate(good, src / "deflate_rusak.xlsx")
    (src / "zip_bomb.xlsx").write_bytes(bomb.read_bytes())
    assert bomb.stat().st_size < 2 * 1024 * 1024
    xml_bomb(good, src / "xml_bomb.xlsx")
    (src / "berkata_sandi.xlsx").write_bytes(encrypted_xlsx.read_bytes())
    (src / "data.csv.xlsx").write_text("unit;indikator;realisasi\nLP-SUKAMISKIN;IK01;7\n", encoding="utf-8")
    (src / "kosong.xlsx").write_bytes(b"")
    (src / "acak.xlsx").write_bytes(random.Random(4).randbytes(4096))
    other = openpyxl.Workbook()
    other.active.title = "Rekap Absensi"
    other.active.append(["Nama", "Hadir"])
    other.active.append(["Budi", 20])
    other.save(src / "rekap_absensi.xlsx")
    (src / "laporan.docx.xlsx").write_bytes(docx_bytes())
    wb = openpyxl.load_workbook(good)
    wb[DATA_SHEET]["A1048576"] = "x"
    wb.save(src / "sejuta_baris.xlsx")
    for name in BAD:
        drop(ws, src / name)
    drop(ws, good)  # a good one in the same run is not disturbed
    before = {name: sha256(ws.inbox / name) for name in [*BAD, "baik.xlsx"]}

    report = run(ws, sample_rules)

    assert len(report.results) == len(BAD) + 1
    assert result_for(report, "baik.xlsx").outcome == "accepted"
    for name, code in BAD.items():
        result = result_for(report, name)
        assert result.outcome == "unrecognised", name
        assert codes(result) == [(code, "error", "")], name
        assert result.reason == result.issues[0].message
        reason = result.reason.lower()
        assert "berkas" in reason or "formulir" in reason, result.reason
        assert result.feedback is None and result.unit is None
    assert list(ws.inbox.iterdir()) == []
    archived = {sha256(p) for p in (ws.root / "arsip").rglob("*") if p.is_file()}
    assert archived == set(before.values())
    with closing(connect(ws)) as conn:
        rows = conn.execute("SELECT s.file_name, i.code FROM submissions s JOIN issues i ON i.submission_id = s.id"
                            " WHERE s.outcome = 'unrecognised'").fetchall()
    assert dict(rows) == BAD


def test_damaged_bytes_anywhere_in_a_workbook_give_a_clear_refusal_never_another_exception(tmp_path, sample_rules) -> None:
    """Copies of a returned form, an .ods and an .xls with 1–4 bytes overwritten at random
    (headers, directory, deflate streams, records): each is read or refused with
    UnreadableInput. Any other exception would stop the whole ingest run, on every run."""
    good = returned_form(sample_rules, tmp_path / "baik.xlsx")
    sources = [good.read_bytes(),
               ods(tmp_path / "kecil.ods", "<table:table-row>" + ODS_CELL.format("halo") + "</table:table-row>").read_bytes(),
               xls(tmp_path / "kecil.xls", cells=[(0, 0, 1.0), (1, 1, 2.5)], strings=("halo",)).read_bytes()]
    rnd = random.Random(11)
    outcomes: dict[str, int] = {}
    for i in range(450):
        data = bytearray(sources[i % 3])
        for _ in range(rnd.randint(1, 4)):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        path = tmp_path / f"rusak_{i}.{('xlsx', 'ods', 'xls')[i % 3]}"
        path.write_bytes(bytes(data))
        try:
            open_workbook(path, (DATA_SHEET, META_SHEET))
            outcome = "terbaca"
        except UnreadableInput as exc:
            outcome = exc.code
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    assert outcomes.get("berkas-rusak", 0) > 100, outcomes


def test_the_encrypted_file_is_a_real_encrypted_package(encrypted_xlsx) -> None:
    data = encrypted_xlsx.read_bytes()
    assert data.startswith(OLE_MAGIC)
    assert "EncryptionInfo".encode("utf-16-le") in data and "EncryptedPackage".encode("utf-16-le") in data


def test_zip_bomb_is_refused_before_anything_is_decompressed(bomb, monkeypatch) -> None:
    def no_inflating(*args, **kwargs):
        raise AssertionError("bagian zip dibuka/dibaca")

    import python_calamine

    monkeypatch.setattr(zipfile.ZipFile, "open", no_inflating)
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", no_inflating)
    with pytest.raises(UnreadableInput) as err:
        open_workbook(bomb, (DATA_SHEET, META_SHEET))
    assert err.value.code == "berkas-berbahaya"
    assert "zip bomb" in str(err.value) and "210 MB" in str(err.value)


def test_a_bomb_hidden_under_the_total_limit_is_refused_by_its_ratio(tmp_path, monkeypatch) -> None:
    bomb = zip_bomb(tmp_path / "kecil.xlsx", megabytes=60)
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("dibuka"))
    with pytest.raises(UnreadableInput) as err:
        open_workbook(bomb, (DATA_SHEET,))
    assert err.value.code == "berkas-berbahaya"


def test_xml_bomb_is_refused_without_expanding_entities(tmp_path, sample_rules, monkeypatch) -> None:
    good = returned_form(sample_rules, tmp_path / "baik.xlsx")
    bomb = xml_bomb(good, tmp_path / "bom.xlsx")
    import python_calamine

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", lambda *a, **k: pytest.fail("dibaca"))
    with pytest.raises(UnreadableInput) as err:
        open_workbook(bomb, (DATA_SHEET,))
    assert err.value.code == "berkas-berbahaya" and "DTD" in str(err.value)


def test_a_sheet_claiming_a_million_rows_is_refused_before_the_grid_is_built(tmp_path, sample_rules,
                                                                              monkeypatch) -> None:
    good = returned_form(sample_rules, tmp_path / "baik.xlsx")
    wb = openpyxl.load_workbook(good)
    wb[DATA_SHEET]["A1048576"] = "x"
    wb.save(tmp_path / "besar.xlsx")
    import python_calamine

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", lambda *a, **k: pytest.fail("dibaca"))
    with pytest.raises(UnreadableInput) as err:
        open_workbook(tmp_path / "besar.xlsx", (DATA_SHEET,))
    assert err.value.code == "berkas-terlalu-besar"
    assert "1.048.576" in str(err.value)
    # a row element alone (no cell) is enough to be refused too
    path = tmp_path / "baris.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b'<row r="1048576"/></sheetData>')
            zout.writestr(info, data)
    with pytest.raises(UnreadableInput) as err:
        open_workbook(path, (DATA_SHEET,))
    assert err.value.code == "berkas-terlalu-besar"


def test_file_name_does_not_matter(tmp_path, sample_rules) -> None:
    ws = new_workspace(tmp_path / "ws")
    good = returned_form(sample_rules, tmp_path / "isi.xlsx")
    drop(ws, good, "Laporan TW1 (final) revisi.xls")
    result = run(ws, sample_rules).results[0]
    assert (result.outcome, result.unit, result.quarter) == ("accepted", LAPAS, 1)


# --------------------------------------------------------------------------- other programs' saves


@pytest.fixture(scope="module")
def lo_files(tmp_path_factory, lo_profile, sample_rules) -> dict[str, Path]:
    """A filled form and a form with =1/0 in an input cell, saved by LibreOffice in several formats."""
    if soffice() is None:
        pytest.skip("LibreOffice (soffice) tidak terpasang")
    root = tmp_path_factory.mktemp("lo")
    src = root / "src"
    isi = returned_form(sample_rules, src / "isi.xlsx")
    div0 = returned_form(sample_rules, src / "div0.xlsx")
    wb = openpyxl.load_workbook(div0)
    wb[DATA_SHEET]["H13"] = "=1/0"  # a formula: openpyxl stores no result, LibreOffice computes #DIV/0!
    wb.save(div0)
    profile = lo_profile / "convert"
    files = {"xlsx": isi}
    files["div0.xlsx"] = lo_convert([div0], root / "xlsx", "xlsx", profile=profile)["div0"]
    for fmt in ("ods", "xls"):
        out = lo_convert([isi, div0], root / fmt, fmt, profile=profile)
        files[fmt], files[f"div0.{fmt}"] = out["isi"], out["div0"]
    files["xlsm"] = lo_convert([isi], root / "xlsm", "xlsm:Calc MS Excel 2007 VBA XML", profile=profile)["isi"]
    files["xlsm+vba"] = with_vba_project(files["xlsm"], root / "makro.xlsm")
    return files


@needs_lo
def test_libreoffice_ods_xls_and_xlsm_read_like_the_xlsx(tmp_path, lo_files, sample_rules) -> None:
    ws = new_workspace(tmp_path / "ws")
    names = {"xlsx": "isi.xlsx", "ods": "isi.ods", "xls": "isi.xls", "xlsm": "isi.xlsm", "xlsm+vba": "makro.xlsm"}
    for day, (key, name) in enumerate(names.items()):
        drop(ws, lo_files[key], name, when=dt_received(day))
    with zipfile.ZipFile(lo_files["xlsm"]) as zf:
        assert b"macroEnabled" in zf.read("[Content_Types].xml")
    report = run(ws, sample_rules)
    results = {key: result_for(report, name) for key, name in names.items()}
    for key, result in results.items():
        assert (result.outcome, result.issues) == ("accepted", []), key
        assert (result.unit, result.year, result.quarter) == (LAPAS, YEAR, 1)
    reference = ledger_values(ws, results["xlsx"].submission_id)
    budget = ledger_budget(ws, results["xlsx"].submission_id)
    assert len(reference) == 7 and reference["IK02"][1:3] != (None, None)
    with closing(connect(ws)) as conn:
        formats = dict(conn.execute("SELECT file_name, file_format FROM submissions").fetchall())
        signers = set(conn.execute("SELECT signer_name, signer_nip FROM submissions").fetchall())
    assert formats == {"isi.xlsx": "xlsx", "isi.ods": "ods", "isi.xls": "xls", "isi.xlsm": "xlsm",
                       "makro.xlsm": "xlsm"}
    assert len(signers) == 1 and list(signers)[0][1] == "197601052000031001"
    for key in ("ods", "xls", "xlsm", "xlsm+vba"):
        assert ledger_values(ws, results[key].submission_id) == reference, key
        assert ledger_budget(ws, results[key].submission_id) == budget, key
    assert not MACRO_MARKER.exists()


def dt_received(day: int):
    import datetime as dt

    return dt.datetime(YEAR, 4, 2 + day, 9, 0)


@needs_lo
@pytest.mark.parametrize("fmt", ["div0.xlsx", "div0.ods", "div0.xls"])
def test_a_formula_error_computed_by_libreoffice_is_galat_excel(tmp_path, lo_files, sample_rules, fmt) -> None:
    path = lo_files[fmt]
    raw = open_workbook(path, (DATA_SHEET,))
    assert raw.grids[DATA_SHEET][12][7] == "#DIV/0!"  # H13: calamine alone reads it as ""
    ws = new_workspace(tmp_path / "ws")
    drop(ws, path)
    result = run(ws, sample_rules).results[0]
    assert (result.outcome, codes(result)) == ("rejected", [("galat-excel", "error", "H13")])
    assert "#DIV/0!" in result.issues[0].message


def test_an_error_value_written_by_openpyxl_reads_as_the_error(tmp_path, sample_rules) -> None:
    path = returned_form(sample_rules, tmp_path / "e.xlsx")
    wb = openpyxl.load_workbook(path)
    wb[DATA_SHEET]["H11"] = "#N/A"
    wb[DATA_SHEET]["I12"] = "#VALUE!"
    wb.save(path)
    raw = open_workbook(path, (DATA_SHEET, META_SHEET))
    grid = raw.grids[DATA_SHEET]
    assert (grid[10][7], grid[11][8]) == ("#N/A", "#VALUE!")
    assert reading.cell_value(grid, 13, 7) == 33  # other cells untouched


def test_sniffing_ignores_the_extension(tmp_path, sample_rules) -> None:
    good = returned_form(sample_rules, tmp_path / "a.xlsx")
    renamed = tmp_path / "a.ods"
    renamed.write_bytes(good.read_bytes())
    assert open_workbook(renamed, (META_SHEET,)).format == "xlsx"
