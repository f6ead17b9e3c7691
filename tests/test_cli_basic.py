"""The command line: help everywhere, init → check, demo (twice), and one clear Kesalahan line."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja_pipeline.cli import main

from conftest import SAMPLE_RULES


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def assert_one_error_line(result, *fragments: str) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Kesalahan:")]
    assert len(errors) == 1, result.output
    assert result.stderr.strip() == errors[0]
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])
    return errors[0]


def test_main_help_lists_the_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == 0, result.output
    assert "kinerja" in result.output and "--workspace" in result.output
    for name in ("init", "check", "forms", "demo"):
        assert name in result.output
    assert invoke("-h").output == result.output


def test_no_command_shows_usage() -> None:
    result = invoke()
    assert result.exit_code in (0, 2)  # click prints the help / usage
    assert "Cara pakai:" in result.output


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0, result.output
    assert "Cara pakai:" in result.output and f" {command} " in result.output
    doc = main.commands[command].help or ""
    assert doc and doc.split("\n")[0].strip()[:20] in " ".join(result.output.split())


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0 and result.output.startswith("kinerja-pipeline ")


def test_unknown_command_and_bad_option_exit_2(tmp_path: Path) -> None:
    assert invoke("terbang").exit_code == 2
    assert invoke("-w", str(tmp_path), "forms", "--year", "2026", "--quarter", "9").exit_code == 2
    assert invoke("--tidak-ada").exit_code == 2


def test_init_then_check(tmp_path: Path) -> None:
    folder = tmp_path / "kantor"
    result = invoke("init", str(folder))
    assert result.exit_code == 0, result.output
    assert f"Workspace dibuat di {folder}" in result.output
    assert f"kinerja -w {folder} check" in result.output
    for sub in ("rules", "templates_xlsx", "inbox", "arsip", "umpan_balik", "keluaran"):
        assert (folder / sub).is_dir(), sub
    assert sorted(p.name for p in (folder / "rules").iterdir()) == sorted(
        p.name for p in SAMPLE_RULES.iterdir() if p.is_file())
    assert (folder / "rules" / "organisasi.yaml").read_bytes() == \
        (SAMPLE_RULES / "organisasi.yaml").read_bytes()

    check = invoke("-w", str(folder), "check")
    assert check.exit_code == 0, check.output
    assert "Aturan valid" in check.output and "15 unit pelapor" in check.output

    # init never overwrites an existing workspace
    (folder / "rules" / "organisasi.yaml").write_text("# diubah operator\n", encoding="utf-8")
    again = invoke("init", str(folder))
    assert_one_error_line(again, "sudah ada", "tidak ditimpa")
    assert (folder / "rules" / "organisasi.yaml").read_text(encoding="utf-8") == "# diubah operator\n"


def test_check_without_workspace_is_one_error_line(tmp_path: Path) -> None:
    assert_one_error_line(invoke("-w", str(tmp_path / "tidak-ada"), "check"), "tidak ada")
    assert_one_error_line(invoke("-w", str(tmp_path), "check"), "bukan workspace", "kinerja init")


def test_check_defaults_to_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke("init", ".").exit_code == 0
    result = invoke("check")
    assert result.exit_code == 0, result.output
    assert f"Aturan valid: {tmp_path / 'rules'}" in result.output


def _forms(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in (folder / "templates_xlsx").rglob("*.xlsx"))


def test_demo_runs_and_runs_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "demo"  # the default folder: ./demo
    first = invoke("demo")
    assert first.exit_code == 0, first.output
    assert "Kesalahan" not in first.output
    assert str(folder) in first.output
    forms = _forms(folder)
    assert len([f for f in forms if "TW1" in f]) == 15
    assert (folder / "rules" / "organisasi.yaml").is_file()
    # KW-JATIM IK01 TW I: LP-PORONG has not sent it, so the Kanwil is compared with LP-MALANG's
    # target alone (19 of 19), not with both lapas' 29 as if Porong had trained no one ("Rendah")
    with open(folder / "keluaran" / "rekap_2026_TW4.csv", encoding="utf-8-sig", newline="") as fh:
        rows = {(r["unit"], r["indikator"], r["periode"]): r for r in csv.DictReader(fh)}
    kw = rows[("KW-JATIM", "IK01", "TW1")]
    assert (kw["target"], kw["realisasi"], kw["predikat"]) == ("19", "19", "Sangat Tinggi")
    assert (kw["unit_melapor"], kw["unit_diharapkan"], kw["triwulan"], kw["lengkap"]) == (
        "1", "2", "1", "tidak")
    assert rows[("LP-PORONG", "IK01", "TW1")]["unit_melapor"] == "0"

    second = invoke("demo", str(folder))  # the same folder again: starts afresh, no error
    assert second.exit_code == 0, second.output
    assert _forms(folder) == forms
    assert invoke("-w", str(folder), "check").exit_code == 0


def test_demo_refuses_a_folder_with_other_files(tmp_path: Path) -> None:
    folder = tmp_path / "dokumen-penting"
    folder.mkdir()
    precious = folder / "laporan.docx"
    precious.write_bytes(b"jangan dihapus")
    result = invoke("demo", str(folder))
    assert_one_error_line(result, str(folder), "sudah berisi berkas lain")
    assert precious.read_bytes() == b"jangan dihapus"
    assert sorted(os.listdir(folder)) == ["laporan.docx"]  # nothing added, nothing removed


def test_verbose_shows_the_traceback_only_when_asked(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert invoke("init", str(ws)).exit_code == 0
    (ws / "rules" / "kebijakan.yaml").write_text("predikat: [\n", encoding="utf-8")
    quiet = invoke("-w", str(ws), "check")
    assert_one_error_line(quiet, "kebijakan.yaml", "sintaks YAML")
    loud = invoke("-w", str(ws), "--verbose", "check")
    assert loud.exit_code == 1
    assert "Traceback" in loud.output
    assert [line for line in loud.output.splitlines() if line.startswith("Kesalahan:")] == \
        [quiet.stderr.strip()]


def test_a_long_listing_shows_the_first_names_and_how_many_more() -> None:
    from kinerja_pipeline.cli import _listing

    names = [f"U{i:04d}_2026_TW1.xlsx" for i in range(1000)]
    lines = _listing(names, "formulir")
    assert lines[:10] == [f"  {n}" for n in names[:10]]
    assert lines[10:] == ["  … dan 990 formulir lain di folder itu."]
    assert _listing(names[:30], "formulir") == [f"  {n}" for n in names[:30]]
