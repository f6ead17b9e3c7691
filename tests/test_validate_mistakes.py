"""What a careless unit types gets a true Indonesian answer, through ``kinerja ingest --json``:
placeholders in required text, formulas in input cells, huge numbers, invisible characters,
an ambiguous "1,000" in a count, a date that is no date, a quarter not yet ended."""
from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from kinerja_pipeline.cli import main
from kinerja_pipeline.layout import DATA_SHEET

from forms_helpers import (YEAR, cell, drop, lo_convert, new_workspace, plan, returned_form, rules_of,
                           soffice)

ZWSP = "\u200b"
ZWSP_SHOWN = "'[U+200B]' (ada karakter tak terlihat: U+200B spasi lebar-nol; hapus isi sel lalu ketik ulang)"


def with_formula(path: Path, ref: str, formula: str) -> Path:
    """``formula`` typed into cell ``ref`` (openpyxl saves it without a result, as a program
    that does not calculate would)."""
    wb = openpyxl.load_workbook(path)
    wb[DATA_SHEET][ref] = formula
    wb.save(path)
    return path


def with_saved_result(path: Path, ref: str, saved: str) -> Path:
    """The cell ``ref``'s formula with a saved result, as Excel or LibreOffice write it."""
    with zipfile.ZipFile(path) as zf:
        parts = {info: zf.read(info) for info in zf.infolist()}
    found = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in parts.items():
            if info.filename.startswith("xl/worksheets/"):
                data, n = re.subn(rb'(<c r="%s"[^>]*>\s*<f>[^<]*</f>)\s*(?:<v>[^<]*</v>|<v\s*/>)?' % ref.encode(),
                                  rb"\1<v>%s</v>" % saved.encode(), data)
                assert n <= 1
                found += n
            zf.writestr(info, data)
    assert found == 1
    return path


# Each returned form carries one mistake (or one formula); all go through one ingest run.
def cases(rules) -> dict[str, dict]:
    p = plan(rules)
    c = lambda kode, key: cell(p, kode, key)  # noqa: E731
    return {
        "penjelasan_strip.xlsx": {c("IK03", "realisasi"): 20, c("IK03", "penjelasan"): "-"},
        "penjelasan_titik.xlsx": {c("IK03", "realisasi"): 20, c("IK03", "penjelasan"): "."},
        "penjelasan_zwsp.xlsx": {c("IK03", "realisasi"): 20, c("IK03", "penjelasan"): ZWSP},
        "penjelasan_isi.xlsx": {c("IK03", "realisasi"): 20, c("IK03", "penjelasan"): "Banyak yang sakit"},
        "bukti_zwsp.xlsx": {c("IK01", "bukti"): ZWSP},
        "angka_zwsp.xlsx": {c("IK10", "realisasi"): "80" + ZWSP},
        "sangat_besar.xlsx": {c("IK10", "realisasi"): 1e308},
        "tak_hingga.xlsx": {c("IK01", "realisasi"): 1e308},
        "pecahan.xlsx": {c("IK01", "realisasi"): 7.5},
        "negatif.xlsx": {c("IK02", "pembilang"): 5, c("IK02", "penyebut"): -3},
        "ribuan.xlsx": {c("IK01", "realisasi"): "1,000"},
        "desimal_koma.xlsx": {c("IK10", "realisasi"): "82,5"},
        "tanggal.xlsx": {f"D{p.signature_rows['tanggal']}": "kemarin"},
        "tanggal_benar.xlsx": {f"D{p.signature_rows['tanggal']}": "10 April 2026"},
        "rumus_kosong.xlsx": {},  # formulas: see FORMULAS
        "rumus_tersimpan.xlsx": {},
        "rumus_anggaran.xlsx": {},
    }


@pytest.fixture(scope="module")
def outcome(tmp_path_factory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("careless")
    ws = new_workspace(root / "ws")
    rules = rules_of(ws)
    p = plan(rules)
    formulas = {  # file → (cell, formula, the result Excel would save or None)
        "rumus_kosong.xlsx": (cell(p, "IK01", "realisasi"), "=4+3", None),
        "rumus_tersimpan.xlsx": (cell(p, "IK01", "realisasi"), "=4+3", "7"),
        "rumus_anggaran.xlsx": (f"H{p.budget[0].row}", "=300000000+5722000", "305722000"),
    }
    for name, overrides in cases(rules).items():
        form = returned_form(rules, root / "src" / name, overrides=overrides)
        if name in formulas:
            ref, formula, saved = formulas[name]
            with_formula(form, ref, formula)
            if saved is not None:
                with_saved_result(form, ref, saved)
        drop(ws, form)
    tw4 = returned_form(rules, root / "src" / "tw4_dini.xlsx", quarter=4)
    drop(ws, tw4, when=dt.datetime(YEAR, 12, 1, 9, 0))
    result = CliRunner().invoke(main, ["-w", str(ws.root), "ingest", "--json"])
    assert result.exit_code == 0, result.output
    return {r["file"]: r for r in json.loads(result.stdout)}


def issues(outcome, name: str) -> list[tuple[str, str, str, str]]:
    return [(i["code"], i["severity"], i["cell"], i["message"]) for i in outcome[name]["issues"]]


def messages(outcome, name: str, code: str) -> list[str]:
    return [i["message"] for i in outcome[name]["issues"] if i["code"] == code]


PENJELASAN = ("Capaian IK03 55,56% berada di luar rentang 80–120%; Penjelasan/Kendala wajib diisi "
              "(penyebab dan tindak lanjut)")


@pytest.mark.parametrize("name,shown", [("penjelasan_strip.xlsx", "'-'"), ("penjelasan_titik.xlsx", "'.'"),
                                        ("penjelasan_zwsp.xlsx", ZWSP_SHOWN)])
def test_a_placeholder_is_no_penjelasan(outcome, name: str, shown: str) -> None:
    assert outcome[name]["outcome"] == "rejected"
    assert messages(outcome, name, "penjelasan-wajib") == [
        f"{PENJELASAN}; isiannya hanya {shown}, belum berupa keterangan."]
    assert messages(outcome, "penjelasan_isi.xlsx", "penjelasan-wajib") == []


def test_a_zero_width_space_is_no_bukti(outcome) -> None:
    assert outcome["bukti_zwsp.xlsx"]["outcome"] == "rejected"
    assert issues(outcome, "bukti_zwsp.xlsx") == [
        ("bukti-wajib", "error", "M11", "Bukti dukung IK01 wajib diisi: nomor dokumen, nama berkas, atau "
                                        f"tautan; isiannya hanya {ZWSP_SHOWN}, belum berupa keterangan.")]


def test_an_invisible_character_in_a_number_is_shown_and_named(outcome) -> None:
    assert issues(outcome, "angka_zwsp.xlsx") == [
        ("nilai-bukan-angka", "error", "H16", "Realisasi IK10 berisi '80[U+200B]' (ada karakter tak terlihat: "
                                              "U+200B spasi lebar-nol; hapus isi sel lalu ketik ulang), bukan "
                                              "angka. Ketik angkanya saja tanpa satuan atau teks, desimal memakai "
                                              "koma (mis. 75,5).")]


def test_a_huge_number_is_written_short_and_no_inf_percent(outcome) -> None:
    assert messages(outcome, "sangat_besar.xlsx", "di-luar-batas") == [
        "Realisasi IK10 (1,00 × 10^308) di luar batas yang diizinkan (0,00 sampai 100,00). Periksa kembali "
        "angkanya."]
    text = json.dumps(outcome["tak_hingga.xlsx"], ensure_ascii=False)
    assert "inf" not in text and not re.search(r"\d{20}", text)
    assert messages(outcome, "tak_hingga.xlsx", "pencilan-target") == [
        "Capaian IK01 tak terhingga sangat jauh dari target (di luar 50–150%). Pastikan angkanya benar "
        "(salah ketik, satuan, atau kumulatif?)."]


def test_jumlah_is_said_once(outcome) -> None:
    assert messages(outcome, "pecahan.xlsx", "bukan-bilangan-bulat") == [
        "Realisasi IK01 harus bilangan bulat (jumlah narapidana yang mengikuti pelatihan kerja bersertifikat), "
        "tertulis 7,50. Bulatkan sesuai data sebenarnya."]


def test_negative_pembilang_penyebut_are_not_also_too_large(outcome) -> None:
    assert [(code, cell_) for code, _, cell_, _ in issues(outcome, "negatif.xlsx")] == [
        ("di-luar-batas", "J12")]
    assert messages(outcome, "negatif.xlsx", "di-luar-batas") == [
        "Penyebut IK02 tidak boleh negatif. Isi jumlah sebenarnya."]


def test_an_ambiguous_thousands_comma_in_a_count_is_an_error(outcome) -> None:
    assert outcome["ribuan.xlsx"]["outcome"] == "rejected"
    assert messages(outcome, "ribuan.xlsx", "angka-ambigu") == [
        "Realisasi IK01 diketik sebagai teks '1,000': dibaca 1 (koma desimal), padahal mungkin maksudnya "
        "1.000 (koma ribuan). Ketik angkanya saja tanpa titik atau koma (mis. 1000)."]
    # a decimal comma where decimals belong (an index) is read as such, no issue
    assert outcome["desimal_koma.xlsx"]["outcome"] == "accepted"
    assert messages(outcome, "desimal_koma.xlsx", "angka-ambigu") == []


def test_a_date_that_is_no_date_gets_a_warning(outcome) -> None:
    assert outcome["tanggal.xlsx"]["outcome"] == "accepted"
    assert issues(outcome, "tanggal.xlsx") == [
        ("tanggal-tidak-valid", "warning", "D29",
         "Tanggal pengesahan berisi 'kemarin', bukan tanggal. Ketik tanggalnya, mis. 10-04-2026.")]
    assert issues(outcome, "tanggal_benar.xlsx") == []


def test_a_formula_without_a_saved_result_says_so(outcome) -> None:
    assert outcome["rumus_kosong.xlsx"]["outcome"] == "rejected"
    assert issues(outcome, "rumus_kosong.xlsx") == [
        ("rumus-tanpa-nilai", "error", "H11",
         "Realisasi IK01 berisi rumus =4+3 tanpa nilai tersimpan; ketik angkanya.")]


def test_a_formula_with_a_saved_result_is_accepted_with_a_warning(outcome) -> None:
    assert outcome["rumus_tersimpan.xlsx"]["outcome"] == "accepted"
    assert issues(outcome, "rumus_tersimpan.xlsx") == [
        ("rumus-di-sel-isian", "warning", "H11",
         "Realisasi IK01 berisi rumus =4+3; nilai tersimpannya 7 yang dipakai. Pastikan hasilnya benar, "
         "atau ketik angkanya langsung.")]
    assert issues(outcome, "rumus_anggaran.xlsx") == [
        ("rumus-di-sel-isian", "warning", "H21",
         "Realisasi anggaran KEG-BIN berisi rumus =300000000+5722000; nilai tersimpannya Rp 305.722.000 "
         "yang dipakai. Pastikan hasilnya benar, atau ketik angkanya langsung.")]


def test_a_quarter_not_yet_ended_is_not_called_just_ended(outcome) -> None:
    assert messages(outcome, "tw4_dini.xlsx", "periode-belum-berakhir") == [
        "Formulir ini untuk TW IV 2026, yang berakhir 31-12-2026, tetapi diterima 01-12-2026, lebih dari "
        "seminggu sebelum triwulan itu berakhir. Kemungkinan formulir triwulan yang salah terpakai: isi "
        "formulir triwulan yang sedang diminta. Bila formulirnya memang benar, letakkan lagi berkas yang sama "
        "di inbox/ setelah triwulan berakhir: berkas itu akan diperiksa ulang, tidak dianggap duplikat."]
    assert "baru berakhir" not in json.dumps(outcome["tw4_dini.xlsx"], ensure_ascii=False)


def test_text_helpers() -> None:
    from kinerja_pipeline.text import has_content, shown

    assert [has_content(t) for t in ("-", ".", ZWSP, "\u00a0", "—", "0", "ada")] == \
        [False, False, False, False, False, True, True]
    assert shown("80" + ZWSP) == ("'80[U+200B]' (ada karakter tak terlihat: U+200B spasi lebar-nol; hapus isi "
                                  "sel lalu ketik ulang)")
    assert shown("a\u2060b\ufeff") == ("'a[U+2060]b[U+FEFF]' (ada karakter tak terlihat: U+2060 penyambung kata, "
                                        "U+FEFF penanda BOM; hapus isi sel lalu ketik ulang)")
    assert shown("75,5") == "'75,5'"


@pytest.mark.skipif(soffice() is None, reason="LibreOffice tidak terpasang")
@pytest.mark.parametrize("kind", ["ods", "xlsx"])
def test_libreoffice_saves_the_formula_result_and_it_is_used_with_a_warning(tmp_path, kind: str) -> None:
    """LibreOffice calculates and saves the formula's result (as Excel does), in .ods and .xlsx."""
    ws = new_workspace(tmp_path / "ws")
    rules = rules_of(ws)
    ref = cell(plan(rules), "IK01", "realisasi")
    typed = with_formula(returned_form(rules, tmp_path / "src" / "rumus.xlsx"), ref, "=4+3")
    saved = lo_convert([typed], tmp_path / "lo", kind, profile=tmp_path / "lo-profile")["rumus"]
    drop(ws, saved, f"rumus.{kind}")
    result = CliRunner().invoke(main, ["-w", str(ws.root), "ingest", "--json"])
    assert result.exit_code == 0, result.output
    (found,) = json.loads(result.stdout)
    assert found["outcome"] == "accepted", found
    assert [(i["code"], i["cell"], i["message"]) for i in found["issues"]] == [
        ("rumus-di-sel-isian", "H11", "Realisasi IK01 berisi rumus =4+3; nilai tersimpannya 7 yang dipakai. "
                                      "Pastikan hasilnya benar, atau ketik angkanya langsung.")]
