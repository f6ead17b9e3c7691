"""Rules: every operator mistake is one clear Indonesian RulesError naming file, line/row and key;
the sample rules load; CSV (as Indonesian Excel saves it) and .xlsx targets read the same."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from kinerja_pipeline.cli import main
from kinerja_pipeline.errors import RulesError
from kinerja_pipeline.rules_load import load_rules

from conftest import SAMPLE_RULES, YEAR

# --------------------------------------------------------------------------- helpers


def edit(rules: Path, name: str, old: str, new: str) -> int:
    """Replace the first ``old`` in ``rules/name`` by ``new``; the 1-based line where it starts."""
    path = rules / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}: the sample rules changed, adapt the test"
    at = text.index(old)
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    return text.count("\n", 0, at) + 1


def line_of(rules: Path, name: str, needle: str, nth: int = 1) -> int:
    """The 1-based line of the ``nth`` occurrence of ``needle`` in ``rules/name``."""
    text = (rules / name).read_text(encoding="utf-8")
    at = -1
    for _ in range(nth):
        at = text.index(needle, at + 1)
    return text.count("\n", 0, at) + 1


def append_row(rules: Path, name: str, row: str) -> int:
    """Append a CSV line; its row number as the operator sees it (header = row 1)."""
    path = rules / name
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    path.write_text(text + row + "\n", encoding="utf-8")
    return text.count("\n") + 1


@dataclass
class Expect:
    file: str
    key: str | None
    line: int | None = None  # YAML line
    row: int | None = None  # table row (header = 1)
    words: tuple[str, ...] = ()  # further fragments the message must contain


def run_check(ws: Path):
    return CliRunner().invoke(main, ["-w", str(ws), "check"])


def assert_one_error_line(result, *fragments: str) -> str:
    """Exit 1, exactly one ``Kesalahan: …`` line (on stderr), no traceback; returns that line."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Kesalahan:")]
    assert len(errors) == 1, result.output
    assert result.stderr.strip() == errors[0]
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])
    return errors[0]


# --------------------------------------------------------------------------- the mistakes

ORG, IND, POL, TGT, PAGU = ("organisasi.yaml", "indikator.yaml", "kebijakan.yaml",
                            f"target_{YEAR}.csv", f"pagu_{YEAR}.csv")


def yaml_colon_in_value(r: Path) -> Expect:
    line = edit(r, ORG, "nama: Lapas Kelas IIA Banceuy", "nama: Lapas Kelas IIA: Banceuy")
    return Expect(ORG, None, line=line, words=("sintaks YAML", "titik dua"))


def yaml_tab_indent(r: Path) -> Expect:
    line = edit(r, ORG, "    jenis: bapas\n", "\tjenis: bapas\n")
    return Expect(ORG, None, line=line, words=("sintaks YAML", "tab"))


def yaml_bad_indent(r: Path) -> Expect:
    line = edit(r, IND, "    satuan: anak\n", "   satuan: anak\n")
    return Expect(IND, None, line=line, words=("sintaks YAML", "indentasi"))


def yaml_duplicate_key(r: Path) -> Expect:
    edit(r, IND, "    satuan: orang\n    desimal: 0\n",
         "    satuan: orang\n    desimal: 0\n    satuan: jiwa\n")
    return Expect(IND, "satuan", line=line_of(r, IND, "satuan: jiwa"), words=("dua kali",))


def unknown_key(r: Path) -> Expect:
    edit(r, ORG, "    jenis: lpka\n", "    jenis: lpka\n    alamat: Jl. Pacuan Kuda 3\n")
    return Expect(ORG, "alamat", line=line_of(r, ORG, "alamat:"), words=("tidak dikenal",))


def unknown_key_indicator(r: Path) -> Expect:
    edit(r, IND, "    satuan: kejadian\n", "    satuan: kejadian\n    catatan: per kejadian\n")
    return Expect(IND, "catatan", line=line_of(r, IND, "catatan:"), words=("tidak dikenal",))


def missing_key_unit(r: Path) -> Expect:
    edit(r, ORG, "    induk: KW-JABAR\n    jenis: rutan\n", "    induk: KW-JABAR\n")
    return Expect(ORG, "jenis", line=line_of(r, ORG, "kode: RT-BANDUNG"), words=("wajib",))


def missing_key_indicator(r: Path) -> Expect:
    edit(r, IND, "    agregasi_unit: jumlah\n    polaritas: positif\n    mode_target: per_triwulan\n"
                 "    bilangan_bulat: true\n    bukti_wajib: true\n",
         "    agregasi_unit: jumlah\n    mode_target: per_triwulan\n"
         "    bilangan_bulat: true\n    bukti_wajib: true\n")
    return Expect(IND, "polaritas", line=line_of(r, IND, "kode: IK01"), words=("wajib",))


def duplicate_unit(r: Path) -> Expect:
    line = edit(r, ORG, "kode: LP-BANCEUY", "kode: LP-SUKAMISKIN")
    first = line_of(r, ORG, "kode: LP-SUKAMISKIN")
    return Expect(ORG, "kode", line=line, words=("LP-SUKAMISKIN", f"baris {first}", "unik"))


def duplicate_indicator(r: Path) -> Expect:
    line = edit(r, IND, "kode: IK03", "kode: IK02")
    return Expect(IND, "kode", line=line, words=("IK02", "ganda"))


def duplicate_sasaran(r: Path) -> Expect:
    line = edit(r, IND, "kode: SS2", "kode: SS1")
    return Expect(IND, "kode", line=line, words=("SS1", "ganda"))


def unknown_parent(r: Path) -> Expect:
    edit(r, ORG, "nama: Lapas Kelas IIA Banceuy\n    induk: KW-JABAR",
         "nama: Lapas Kelas IIA Banceuy\n    induk: KW-JABARR")
    return Expect(ORG, "induk", line=line_of(r, ORG, "induk: KW-JABARR"),
                  words=("KW-JABARR", "LP-BANCEUY"))


def hierarchy_cycle(r: Path) -> Expect:
    edit(r, ORG, "nama: Kanwil Ditjenpas Jawa Barat\n    induk: DITJENPAS",
         "nama: Kanwil Ditjenpas Jawa Barat\n    induk: KW-JATIM")
    edit(r, ORG, "nama: Kanwil Ditjenpas Jawa Timur\n    induk: DITJENPAS",
         "nama: Kanwil Ditjenpas Jawa Timur\n    induk: KW-JABAR")
    return Expect(ORG, "induk", line=line_of(r, ORG, "induk: KW-JATIM"),
                  words=("berputar", "KW-JABAR → KW-JATIM → KW-JABAR"))


def two_roots(r: Path) -> Expect:
    edit(r, ORG, "nama: Kanwil Ditjenpas Sumatera Utara\n    induk: DITJENPAS\n",
         "nama: Kanwil Ditjenpas Sumatera Utara\n")
    return Expect(ORG, "unit", line=line_of(r, ORG, "\nunit:") + 1,
                  words=("tepat satu unit puncak", "DITJENPAS", "KW-SUMUT"))


def indicator_unknown_sasaran(r: Path) -> Expect:
    edit(r, IND, "kode: IK04\n    sasaran: SS1", "kode: IK04\n    sasaran: SS9")
    return Expect(IND, "sasaran", line=line_of(r, IND, "sasaran: SS9"), words=("SS9", "IK04"))


def unknown_agregasi_waktu(r: Path) -> Expect:
    line = edit(r, IND, "    agregasi_waktu: jumlah", "    agregasi_waktu: total")
    return Expect(IND, "agregasi_waktu", line=line, words=("'total'", "jumlah, akhir, rata"))


def unknown_agregasi_unit(r: Path) -> Expect:
    line = edit(r, IND, "    agregasi_unit: rata", "    agregasi_unit: median")
    return Expect(IND, "agregasi_unit", line=line, words=("'median'", "jumlah, rata"))


def unknown_polaritas(r: Path) -> Expect:
    line = edit(r, IND, "    polaritas: positif", "    polaritas: naik")
    return Expect(IND, "polaritas", line=line, words=("'naik'", "positif, negatif"))


def unknown_mode_target(r: Path) -> Expect:
    line = edit(r, IND, "    mode_target: per_triwulan", "    mode_target: bulanan")
    return Expect(IND, "mode_target", line=line, words=("'bulanan'", "per_triwulan, kumulatif"))


def predikat_overlap(r: Path) -> Expect:
    edit(r, POL, "{predikat: Tinggi, dari: 76, sampai: 91}", "{predikat: Tinggi, dari: 76, sampai: 93}")
    return Expect(POL, "predikat", line=line_of(r, POL, "\npredikat:") + 1,
                  words=("tumpang tindih", "Tinggi", "Sangat Tinggi"))


def predikat_gap(r: Path) -> Expect:
    edit(r, POL, "{predikat: Sedang, dari: 66, sampai: 76}", "{predikat: Sedang, dari: 66, sampai: 70}")
    return Expect(POL, "predikat", line=line_of(r, POL, "\npredikat:") + 1,
                  words=("berlubang", "70", "76"))


def deadline_words(r: Path) -> Expect:
    line = edit(r, POL, "TW2: 2026-07-10", "TW2: 10 Juli 2026")
    return Expect(POL, "TW2", line=line, words=("bukan tanggal", "10 Juli 2026"))


def deadline_impossible_date(r: Path) -> Expect:
    # YAML reads 2026-13-45 as a timestamp and PyYAML fails on it: must still be a RulesError
    line = edit(r, POL, "TW3: 2026-10-09", "TW3: 2026-13-45")
    return Expect(POL, "TW3", line=line, words=("bukan tanggal", "2026-13-45"))


def target_unknown_unit(r: Path) -> Expect:
    row = append_row(r, TGT, "LP-ANTAHBERANTAH,IK01,4,1,1,1,1")
    return Expect(TGT, "unit", row=row, words=("LP-ANTAHBERANTAH", "organisasi.yaml"))


def target_unknown_indicator(r: Path) -> Expect:
    row = append_row(r, TGT, "LP-SUKAMISKIN,IK99,4,1,1,1,1")
    return Expect(TGT, "indikator", row=row, words=("IK99", "indikator.yaml"))


def target_unit_does_not_report(r: Path) -> Expect:
    row = append_row(r, TGT, "BP-BANDUNG,IK01,4,1,1,1,1")
    return Expect(TGT, "indikator", row=row, words=("BP-BANDUNG", "bapas", "IK01"))


def target_row_missing(r: Path) -> Expect:
    edit(r, TGT, "LP-BANCEUY,IK03,240,60,60,60,60\n", "")
    return Expect(TGT, "indikator", words=("LP-BANCEUY", "IK03", f"tahun {YEAR}"))


def target_duplicate_row(r: Path) -> Expect:
    row = append_row(r, TGT, "LP-SUKAMISKIN,IK01,36,7,9,9,11")
    return Expect(TGT, "indikator", row=row, words=("ditulis dua kali", "juga di baris 2)"))


def target_per_triwulan_sum(r: Path) -> Expect:
    row = edit(r, TGT, "LP-SUKAMISKIN,IK01,36,7,9,9,11", "LP-SUKAMISKIN,IK01,40,7,9,9,11")
    return Expect(TGT, "target_tahunan", row=row,
                  words=("per_triwulan", "LP-SUKAMISKIN/IK01", "= 36", "40"))


def target_kumulatif_tw4(r: Path) -> Expect:
    row = edit(r, TGT, "LP-SUKAMISKIN,IK02,90.0,85.0,87.0,89.0,90.0",
               "LP-SUKAMISKIN,IK02,90.0,85.0,87.0,89.0,88.0")
    return Expect(TGT, "tw4", row=row, words=("kumulatif", "LP-SUKAMISKIN/IK02", "88", "90"))


def target_not_a_number(r: Path) -> Expect:
    row = edit(r, TGT, "LP-SUKAMISKIN,IK03,144,36,36,36,36", "LP-SUKAMISKIN,IK03,144,36,tiga,36,36")
    return Expect(TGT, "tw2", row=row, words=("'tiga' bukan angka",))


def target_blank_cell(r: Path) -> Expect:
    row = edit(r, TGT, "LP-SUKAMISKIN,IK03,144,36,36,36,36", "LP-SUKAMISKIN,IK03,,36,36,36,36")
    return Expect(TGT, "target_tahunan", row=row, words=("kosong",))


def target_missing_column(r: Path) -> Expect:
    edit(r, TGT, "unit,indikator,target_tahunan,tw1,tw2,tw3,tw4",
         "unit,indikator,target_tahunan,tw1,tw2,tw3,tw5")
    return Expect(TGT, "tw4", row=1, words=("kolom 'tw4' tidak ada",))


def pagu_unknown_kegiatan(r: Path) -> Expect:
    row = edit(r, PAGU, "LP-SUKAMISKIN,KEG-BIN,", "LP-SUKAMISKIN,KEG-OLAHRAGA,")
    return Expect(PAGU, "kegiatan", row=row, words=("KEG-OLAHRAGA",))


def pagu_unknown_unit(r: Path) -> Expect:
    row = append_row(r, PAGU, "LP-ANTAHBERANTAH,KEG-BIN,1000000")
    return Expect(PAGU, "unit", row=row, words=("LP-ANTAHBERANTAH",))


def cakupan_target_unknown(r: Path) -> Expect:
    line = edit(r, POL, "cakupan_target: sebanding", "cakupan_target: semua")
    return Expect(POL, "cakupan_target", line=line, words=("sebanding", "penuh"))


def renstra_without_jenis(r: Path) -> Expect:
    line = edit(r, IND, "target_renstra: {tahun: 2029, nilai: 95, jenis: tahunan}",
                "target_renstra: {tahun: 2029, nilai: 95}")
    return Expect(IND, "jenis", line=line, words=("wajib", "tahunan", "kumulatif"))


def renstra_unknown_jenis(r: Path) -> Expect:
    line = edit(r, IND, "nilai: 90, jenis: tahunan}", "nilai: 90, jenis: akhir}")
    return Expect(IND, "jenis", line=line, words=("tahunan", "kumulatif"))


def renstra_kumulatif_for_a_ratio(r: Path) -> Expect:
    line = edit(r, IND, "nilai: 95, jenis: tahunan}", "nilai: 95, jenis: kumulatif}")
    return Expect(IND, "jenis", line=line, words=("IK02", "kumulatif", "jenis: tahunan"))


MISTAKES: list[Callable[[Path], Expect]] = [
    yaml_colon_in_value, yaml_tab_indent, yaml_bad_indent, yaml_duplicate_key,
    unknown_key, unknown_key_indicator, missing_key_unit, missing_key_indicator,
    duplicate_unit, duplicate_indicator, duplicate_sasaran, unknown_parent, hierarchy_cycle,
    two_roots, indicator_unknown_sasaran, unknown_agregasi_waktu, unknown_agregasi_unit,
    unknown_polaritas, unknown_mode_target, predikat_overlap, predikat_gap, deadline_words,
    deadline_impossible_date, target_unknown_unit, target_unknown_indicator,
    target_unit_does_not_report, target_row_missing, target_duplicate_row,
    target_per_triwulan_sum, target_kumulatif_tw4, target_not_a_number, target_blank_cell,
    target_missing_column, pagu_unknown_kegiatan, pagu_unknown_unit, cakupan_target_unknown,
    renstra_without_jenis, renstra_unknown_jenis, renstra_kumulatif_for_a_ratio,
]


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda f: f.__name__)
def test_mistake_is_one_clear_rules_error(workspace: Path, mistake: Callable[[Path], Expect]) -> None:
    rules = workspace / "rules"
    expect = mistake(rules)

    with pytest.raises(RulesError) as info:
        load_rules(rules)
    # the mistake is the first one reported (a renamed sasaran also leaves its indicators without one)
    err = getattr(info.value, "problems", [info.value])[0]
    message = str(err)

    assert Path(str(err.path)).name == expect.file
    assert message.startswith(f"Aturan tidak valid di {rules / expect.file}")
    if expect.line is not None:
        assert err.line == expect.line, message
        assert re.search(rf", baris {expect.line}\b", message), message
    if expect.row is not None:
        assert err.row == expect.row, message
        assert re.search(rf", baris {expect.row}\b", message), message
    if expect.key is not None:
        assert err.key == expect.key, message
        assert f"kunci '{expect.key}'" in message
    for word in expect.words:
        assert word in message, (word, message)
    assert "\n" not in message and "Traceback" not in message

    # the same mistake through the command line: exit 1, one Kesalahan line, no traceback
    if err is info.value:
        line = assert_one_error_line(run_check(workspace))
        assert line == f"Kesalahan: {message}"
    else:
        result = run_check(workspace)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert result.stderr.strip() == f"Kesalahan: {info.value}"
        assert f"  {err.where}: {err.detail}" in result.stderr


def test_missing_rules_file_and_missing_folder(workspace: Path, tmp_path: Path) -> None:
    (workspace / "rules" / POL).unlink()
    with pytest.raises(RulesError, match=r"kebijakan\.yaml.*berkas tidak ditemukan"):
        load_rules(workspace / "rules")
    assert_one_error_line(run_check(workspace), "kebijakan.yaml", "tidak ditemukan")

    empty = tmp_path / "kosong"
    empty.mkdir()
    assert_one_error_line(run_check(empty), "bukan workspace", "kinerja init")


def test_csv_and_xlsx_for_the_same_year_is_refused(workspace: Path) -> None:
    rules = workspace / "rules"
    _csv_to_xlsx(rules / TGT, rules / f"target_{YEAR}.xlsx")
    with pytest.raises(RulesError, match="dua berkas target untuk tahun 2026"):
        load_rules(rules)


def test_yaml_top_level_must_be_a_mapping(workspace: Path) -> None:
    (workspace / "rules" / POL).write_text("- hanya\n- daftar\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"kebijakan\.yaml, baris 1: isi berkas harus berupa pemetaan"):
        load_rules(workspace / "rules")


# --------------------------------------------------------------------------- what loads


def _read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _csv_to_xlsx(src: Path, dest: Path) -> None:
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "Target"
    rows = _read_csv(src)
    sheet.append(rows[0])
    for row in rows[1:]:
        sheet.append([row[0], row[1], *(float(v) for v in row[2:])])
    wb.save(dest)


def _indonesian_excel_csv(src: Path, dest: Path, *, money: bool = False) -> None:
    """Save ``src`` the way Indonesian Excel writes "CSV UTF-8": BOM, CRLF, ';', decimal commas."""
    lines = []
    for n, row in enumerate(_read_csv(src)):
        cells = []
        for cell in row:
            if n and re.fullmatch(r"-?\d+(\.\d+)?", cell):
                value = float(cell)
                if money:  # 1665000000 → 1.665.000.000
                    cell = f"{value:,.0f}".replace(",", ".")
                else:
                    cell = f"{value:.2f}".replace(".", ",")
            cells.append(cell)
        lines.append(";".join(cells))
    dest.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))


def test_sample_rules_load(sample_rules) -> None:
    org = yaml.safe_load((SAMPLE_RULES / ORG).read_text(encoding="utf-8"))
    assert len(sample_rules.units) == len(org["unit"]) == 19
    assert sample_rules.root.kode == "DITJENPAS"
    assert [u.kode for u in sample_rules.children("DITJENPAS")] == ["KW-JABAR", "KW-JATIM", "KW-SUMUT"]
    assert sample_rules.ancestors("LP-SUKAMISKIN") == ["KW-JABAR", "DITJENPAS"]
    reporting = {u.kode for u in sample_rules.reporting_units}
    assert len(reporting) == 15 and not reporting & {"DITJENPAS", "KW-JABAR", "KW-JATIM", "KW-SUMUT"}
    assert sample_rules.years == [YEAR]
    assert len(sample_rules.targets[YEAR]) == len(_read_csv(SAMPLE_RULES / TGT)) - 1
    t = sample_rules.target(YEAR, "LP-SUKAMISKIN", "IK01")
    assert (t.tahunan, t.tw) == (36, (7, 9, 9, 11))
    ik09 = sample_rules.indicator("IK09")
    assert (ik09.polaritas, ik09.rumus_negatif, ik09.agregasi_waktu) == ("negatif", "kebalikan", "rata")
    assert sample_rules.indicator("IK02").rasio.faktor == 100
    assert sample_rules.policy.predikat_of(90.5) == "Tinggi"
    assert sample_rules.policy.predikat_of(91) == "Sangat Tinggi"
    assert sample_rules.policy.predikat_of(130) == "Sangat Tinggi"
    assert sample_rules.policy.predikat_of(-5) == "Sangat Rendah"
    assert sample_rules.policy.deadline(YEAR, 1).isoformat() == "2026-04-10"
    assert [lv.level for lv in sample_rules.policy.persetujuan] == ["verifikasi", "validasi", "pengesahan"]


def test_semicolon_csv_with_decimal_commas_loads_the_same(workspace: Path, sample_rules) -> None:
    rules = workspace / "rules"
    _indonesian_excel_csv(SAMPLE_RULES / TGT, rules / TGT)
    _indonesian_excel_csv(SAMPLE_RULES / PAGU, rules / PAGU, money=True)
    raw = (rules / TGT).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";90,00;" in raw and b"\r\n" in raw  # really Indonesian
    assert "1.665.000.000" in (rules / PAGU).read_text(encoding="utf-8-sig")

    loaded = load_rules(rules)

    assert dict(loaded.targets[YEAR]) == dict(sample_rules.targets[YEAR])
    assert loaded.pagu[YEAR] == sample_rules.pagu[YEAR]


def test_xlsx_targets_load_the_same_as_csv(workspace: Path, sample_rules) -> None:
    rules = workspace / "rules"
    _csv_to_xlsx(rules / TGT, rules / f"target_{YEAR}.xlsx")
    (rules / TGT).unlink()

    loaded = load_rules(rules)

    assert dict(loaded.targets[YEAR]) == dict(sample_rules.targets[YEAR])


def test_xlsx_target_mistake_names_the_row(workspace: Path) -> None:
    rules = workspace / "rules"
    xlsx = rules / f"target_{YEAR}.xlsx"
    _csv_to_xlsx(rules / TGT, xlsx)
    (rules / TGT).unlink()
    wb = openpyxl.load_workbook(xlsx)
    wb.active["E4"] = "tiga puluh"  # row 4 = LP-SUKAMISKIN/IK03, column tw2
    wb.save(xlsx)
    with pytest.raises(RulesError) as info:
        load_rules(rules)
    assert (Path(str(info.value.path)).name, info.value.row, info.value.key) == (xlsx.name, 4, "tw2")
    assert "'tiga puluh' bukan angka" in str(info.value)


def test_check_prints_the_summary(workspace: Path) -> None:
    result = run_check(workspace)
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"Aturan valid: {workspace / 'rules'}" in out
    assert "Unit: 19 (15 unit pelapor)" in out
    assert "jenjang 1: 1 unit (1 ditjen)" in out
    assert "jenjang 2: 3 unit (3 kanwil)" in out
    assert "jenjang 3: 15 unit (5 lapas, 4 rutan, 3 bapas, 3 lpka)" in out
    assert "Indikator: 12 di bawah 4 sasaran" in out
    assert "SS1: 4 indikator (IK01, IK02, IK03, IK04)" in out
    assert "SS3: 2 indikator (IK08, IK09)" in out
    n_targets = len(_read_csv(SAMPLE_RULES / TGT)) - 1
    assert f"Target {YEAR}: {n_targets} baris" in out
    assert "Kesalahan" not in out


def test_check_summary_follows_the_rules(workspace: Path) -> None:
    """The summary is computed, not canned: a new unit and a new target row show up in it."""
    rules = workspace / "rules"
    org = (rules / ORG).read_text(encoding="utf-8")
    (rules / ORG).write_text(org + "  - {kode: LP-BARU, nama: Lapas Baru, induk: KW-SUMUT, jenis: lapas}\n",
                             encoding="utf-8")
    lapas_rows = [r for r in _read_csv(rules / TGT) if r[0] == "LP-SUKAMISKIN"]
    for row in lapas_rows:
        append_row(rules, TGT, ",".join(["LP-BARU", *row[1:]]))
    result = run_check(workspace)
    assert result.exit_code == 0, result.output
    assert "Unit: 20 (16 unit pelapor)" in result.output
    assert "jenjang 3: 16 unit (6 lapas, 4 rutan, 3 bapas, 3 lpka)" in result.output
    n_targets = len(_read_csv(SAMPLE_RULES / TGT)) - 1 + len(lapas_rows)
    assert f"Target {YEAR}: {n_targets} baris" in result.output

