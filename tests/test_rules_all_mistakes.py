"""Rules: every mistake is reported in one run (up to a limit, then counted), each naming file,
line/row and key; and the checks that keep rules from misbehaving later (negative targets,
deadlines, the LKjIP paragraph template, a misnamed target file)."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja_pipeline.cli import main
from kinerja_pipeline.errors import RulesError
from kinerja_pipeline.rules_load import load_rules

from conftest import YEAR

TGT = f"target_{YEAR}.csv"


def check_lines(ws: Path) -> list[str]:
    """``kinerja check`` must fail (exit 1, no traceback); its stderr lines."""
    result = CliRunner().invoke(main, ["-w", str(ws), "check"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    return result.stderr.splitlines()


def target_rows(rules: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO((rules / TGT).read_text(encoding="utf-8"))))


def write_rows(rules: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    (rules / TGT).write_text(out.getvalue(), encoding="utf-8")


def test_thirty_mistakes_in_a_target_file_are_all_reported(workspace: Path) -> None:
    rules = workspace / "rules"
    rows = target_rows(rules)
    expected = []
    for n in range(2, 32):  # rows 2..31 as the operator sees them (header = row 1)
        if n % 2:
            rows[n - 1][4] = f"x{n}"  # tw2
            expected.append(f"  {rules / TGT}, baris {n}, kunci 'tw2': nilai 'x{n}' bukan angka; "
                            "isi dengan angka.")
        else:
            rows[n - 1][3] = ""  # tw1
            expected.append(f"  {rules / TGT}, baris {n}, kunci 'tw1': nilai kosong; isi dengan "
                            "angka.")
    write_rows(rules, rows)

    with pytest.raises(RulesError) as info:
        load_rules(rules)
    assert len(info.value.problems) == 30  # type: ignore[attr-defined]

    lines = check_lines(workspace)
    assert lines == ["Kesalahan: Aturan tidak valid: 30 kesalahan. Perbaiki semuanya lalu jalankan "
                     "'kinerja check' lagi.", *expected]


def test_past_the_limit_the_rest_are_counted(workspace: Path) -> None:
    rules = workspace / "rules"
    rows = target_rows(rules)
    for row in rows[1:]:
        row[4] = "?"
    write_rows(rules, rows)
    n = len(rows) - 1
    lines = check_lines(workspace)
    assert lines[0].startswith(f"Kesalahan: Aturan tidak valid: {n} kesalahan.")
    assert len(lines) == 1 + 50 + 1
    assert lines[-1] == f"  … dan {n - 50} kesalahan lain."


def test_mistakes_in_several_files_come_together(workspace: Path) -> None:
    rules = workspace / "rules"
    org = rules / "organisasi.yaml"
    org.write_text(org.read_text(encoding="utf-8").replace("jenis: bapas", "jenis: [bapas", 1),
                   encoding="utf-8")
    pol = rules / "kebijakan.yaml"
    pol.write_text(pol.read_text(encoding="utf-8").replace("TW3: 2026-10-09", "TW3: besok"),
                   encoding="utf-8")
    (rules / "narasi_lkjip.j2").write_text("{% if target %}ada\n", encoding="utf-8")
    lines = check_lines(workspace)
    assert lines[0].startswith("Kesalahan: Aturan tidak valid: 3 kesalahan.")
    text = "\n".join(lines)
    assert "organisasi.yaml" in text and "kebijakan.yaml" in text and "narasi_lkjip.j2" in text
    # target and pagu files are checked once organisasi.yaml is right: their echoes are not listed
    assert TGT not in text


def test_negative_target_is_refused(workspace: Path) -> None:
    rules = workspace / "rules"
    rows = target_rows(rules)
    assert rows[2][:2] == ["LP-SUKAMISKIN", "IK02"]  # kumulatif: TW1 is free of the sum rule
    rows[2][3] = "-5"
    write_rows(rules, rows)
    assert check_lines(workspace) == [
        f"Kesalahan: Aturan tidak valid di {rules / TGT}, baris 3, kunci 'tw1': target "
        "LP-SUKAMISKIN/IK02 -5 tidak boleh negatif (batas indikator di indikator.yaml). "
        "Perbaiki angkanya."]


def test_target_above_the_indicator_maximum_is_refused(workspace: Path) -> None:
    rules = workspace / "rules"
    rows = target_rows(rules)
    assert rows[6][:2] == ["LP-SUKAMISKIN", "IK10"]  # batas max 100, rata-rata per triwulan
    rows[6][2:] = ["110", "110", "110", "110", "110"]
    write_rows(rules, rows)
    lines = check_lines(workspace)
    assert lines[0].startswith("Kesalahan: Aturan tidak valid: 5 kesalahan.")
    assert (f"  {rules / TGT}, baris 7, kunci 'target_tahunan': target LP-SUKAMISKIN/IK10 110 "
            "melebihi batas max 100 (batas indikator di indikator.yaml). Perbaiki angkanya atau "
            "batasnya.") in lines


def test_tenggat_before_the_quarter_ends_is_refused(workspace: Path) -> None:
    rules = workspace / "rules"
    pol = rules / "kebijakan.yaml"
    text = pol.read_text(encoding="utf-8")
    pol.write_text(text.replace("TW2: 2026-07-10", "TW2: 2026-06-10"), encoding="utf-8")
    line = text[:text.index("TW2: 2026-07-10")].count("\n") + 1
    assert check_lines(workspace) == [
        f"Kesalahan: Aturan tidak valid di {pol}, baris {line}, kunci 'TW2': tenggat 2026 TW2 "
        "(2026-06-10) jatuh sebelum triwulan itu berakhir (2026-06-30); tulis tanggal sesudah "
        "2026-06-30."]


def test_target_year_without_tenggat_is_refused(workspace: Path) -> None:
    rules = workspace / "rules"
    (rules / "target_2027.csv").write_text((rules / TGT).read_text(encoding="utf-8"),
                                           encoding="utf-8")
    pol = rules / "kebijakan.yaml"
    line = pol.read_text(encoding="utf-8").split("\n").index("tenggat:") + 1
    assert check_lines(workspace) == [
        f"Kesalahan: Aturan tidak valid di {pol}, baris {line}, kunci 'tenggat': tahun 2027 punya "
        "berkas target tetapi tenggat 2027 TW1, TW2, TW3, TW4 belum ditulis; tambahkan, misalnya "
        "2027: {TW1: 2027-04-10, TW2: 2027-07-10, TW3: 2027-10-10, TW4: 2028-01-10}."]

    # a year written with only some quarters names the missing ones, at that year's line
    text = pol.read_text(encoding="utf-8")
    pol.write_text(text.replace("tenggat:\n", "tenggat:\n  2027: {TW1: 2027-04-10}\n"),
                   encoding="utf-8")
    assert check_lines(workspace) == [
        f"Kesalahan: Aturan tidak valid di {pol}, baris {line + 1}, kunci '2027': tahun 2027 punya "
        "berkas target tetapi tenggat 2027 TW2, TW3, TW4 belum ditulis; tambahkan, misalnya "
        "2027: {TW1: 2027-04-10, TW2: 2027-07-10, TW3: 2027-10-10, TW4: 2028-01-10}."]


def test_broken_narasi_template_is_refused_by_check(workspace: Path) -> None:
    rules = workspace / "rules"
    path = rules / "narasi_lkjip.j2"
    lines = path.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if "{% endif %}" in line)
    lines[at] = lines[at].replace("{% endif %}", "", 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    (message,) = check_lines(workspace)
    assert message.startswith(f"Kesalahan: Aturan tidak valid di {path}, baris ")
    assert message.endswith(": templat narasi tidak valid (templat berakhir sebelum bloknya "
                            "ditutup; tambahkan {% endif %} atau {% endfor %} yang kurang). "
                            "Periksa pasangan {% if %}/{% endif %} dan tanda kurung kurawal.")


def test_unknown_block_tag_in_narasi_is_named(workspace: Path) -> None:
    path = workspace / "rules" / "narasi_lkjip.j2"
    path.write_text("Capaian {% jika capaian %}baik{% endif %}\n", encoding="utf-8")
    assert check_lines(workspace) == [
        f"Kesalahan: Aturan tidak valid di {path}, baris 1: templat narasi tidak valid (tag blok tidak "
        "dikenal; yang boleh: if, elif, else, endif, for, endfor, set: 'jika'). Periksa pasangan "
        "{% if %}/{% endif %} dan tanda kurung kurawal."]


@pytest.mark.parametrize("name", ["target_20x6.csv", "TARGET_2027 (1).csv", "target_2027.ods",
                                  "pagu_26.xlsx"])
def test_misnamed_target_file_is_not_silently_ignored(workspace: Path, name: str) -> None:
    rules = workspace / "rules"
    prefix = name.split("_")[0].lower()
    (rules / name).write_text((rules / TGT).read_text(encoding="utf-8"), encoding="utf-8")
    assert check_lines(workspace) == [
        f"Kesalahan: Aturan tidak valid di {rules / name}: nama berkas tidak dikenali, jadi isinya "
        f"tidak dibaca. Namai {prefix}_TTTT.csv atau {prefix}_TTTT.xlsx (TTTT = tahun, misalnya "
        f"{prefix}_2026.csv), atau pindahkan berkas ini ke luar folder rules/."]


def test_a_broken_unit_does_not_echo_into_its_children(workspace: Path) -> None:
    """A unit with its own mistake is not also 'unknown' as the induk of the units below it."""
    org = workspace / "rules" / "organisasi.yaml"
    text = org.read_text(encoding="utf-8")
    org.write_text(text.replace("  - kode: KW-JABAR\n", "  - kode: KW-JABAR\n    warna: biru\n", 1),
                   encoding="utf-8")
    (message,) = check_lines(workspace)
    assert "kunci 'warna'" in message and "tidak dikenal" in message
