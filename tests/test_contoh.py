"""The two sample organisations (``--contoh ditjen`` and ``--contoh opd``): every unit's untouched,
correctly filled form is accepted without a single note, with or without pagu; init and demo."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja_pipeline.cli import main
from kinerja_pipeline.demo import CONTOH
from kinerja_pipeline.forms import generate_forms
from kinerja_pipeline.layout import COL, NO_BUDGET_NOTE, plan_form
from kinerja_pipeline.rules import Rules
from kinerja_pipeline.rules_load import load_rules
from kinerja_pipeline.samples import fill_form
from kinerja_pipeline.workspace import Workspace, data_dir

from forms_helpers import drop, run

YEAR = 2026
STAMP = dt.datetime(YEAR, 1, 2, 8, 0)


def exact_values(rules: Rules, unit: str, quarter: int) -> dict[str, object]:
    """A correct return: realisasi exactly on target (capaian 100), bukti, budget and signature."""
    plan = plan_form(rules, unit, YEAR, quarter)
    cells: dict[str, object] = {}
    for row in plan.rows:
        ind, r, t = row.indicator, row.row, row.target_tw
        if ind.is_ratio:
            cells[f"{COL['pembilang']}{r}"], cells[f"{COL['penyebut']}{r}"] = round(t), 100
        else:
            cells[f"{COL['realisasi']}{r}"] = t
        cells[f"{COL['bukti']}{r}"] = f"ND/{unit}/{ind.kode}/{YEAR}"
    for b in plan.budget:
        cells[f"H{b.row}"] = round(b.pagu / 5)
    kepala = rules.unit(unit).kepala
    sig = plan.signature_rows
    cells[f"D{sig['nama']}"], cells[f"D{sig['nip']}"] = kepala.nama, kepala.nip
    cells[f"D{sig['tanggal']}"] = dt.datetime(YEAR, 4, 6)
    return cells


def workspace_of(tmp_path: Path, contoh: str, *, pagu: bool) -> Workspace:
    ws = Workspace(tmp_path / f"{contoh}-{'pagu' if pagu else 'tanpa-pagu'}")
    shutil.copytree(data_dir(CONTOH[contoh].rules), ws.rules)
    if not pagu:  # no unit has a pagu: every form carries the "no pagu" note
        (ws.rules / f"pagu_{YEAR}.csv").write_text("unit,kegiatan,pagu\n", encoding="utf-8")
    return ws


@pytest.mark.parametrize("contoh", sorted(CONTOH))
@pytest.mark.parametrize("pagu", [True, False], ids=["dengan-pagu", "tanpa-pagu"])
def test_every_units_untouched_correct_form_is_accepted_without_any_note(tmp_path: Path, contoh: str,
                                                                         pagu: bool) -> None:
    ws = workspace_of(tmp_path, contoh, pagu=pagu)
    rules = load_rules(ws.rules)
    forms = generate_forms(rules, ws, YEAR, 1, generated_at=STAMP)
    jenis = {rules.unit(f.unit).jenis for f in forms}
    assert jenis == {u.jenis for u in rules.reporting_units}  # every jenis that reports
    with_note = [f.unit for f in forms if plan_form(rules, f.unit, YEAR, 1).notes()]
    if not pagu:
        assert len(with_note) == len(forms)
    for f in forms:
        filled = fill_form(f.path, tmp_path / "isi" / contoh / f.path.name, exact_values(rules, f.unit, 1))
        drop(ws, filled, quarter=1)
    report = run(ws, rules, dry_run=True)
    assert len(report.results) == len(forms)
    problems = [(r.file, [(i.code, i.cell, i.message) for i in r.issues])
                for r in report.results if r.outcome != "accepted" or r.issues]
    assert problems == []


def test_the_no_pagu_note_is_the_forms_own_cell(tmp_path: Path) -> None:
    """The note a form writes for a unit without pagu is where the plan says, and nowhere else."""
    import openpyxl

    ws = workspace_of(tmp_path, "opd", pagu=True)
    rules = load_rules(ws.rules)
    [form] = generate_forms(rules, ws, YEAR, 1, ["PEG-TU-01"], generated_at=STAMP)
    notes = plan_form(rules, "PEG-TU-01", YEAR, 1).notes()
    sheet = openpyxl.load_workbook(form.path)["Data Kinerja"]
    assert [(c, sheet[c].value) for c in notes] == [(c, NO_BUDGET_NOTE) for c in notes]
    found = [c.coordinate for row in sheet.iter_rows() for c in row if c.value == NO_BUDGET_NOTE]
    assert found == list(notes)


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_init_contoh_opd_then_check(tmp_path: Path) -> None:
    result = invoke("init", str(tmp_path / "setwan"), "--contoh", "opd")
    assert result.exit_code == 0, result.output
    check = invoke("-w", str(tmp_path / "setwan"), "check")
    assert check.exit_code == 0, check.output
    out = check.output
    assert "Instansi: Sekretariat DPRD Kabupaten Purwakarta" in out
    assert "tingkat individu" in out and "IKI-01, IKI-02" in out
    assert "BAG-UMUM IKU-01" in out  # the '-' row
    assert "BAG-SIDANG IKK-01 (+ SUB-RAPAT, SUB-PUU)" in out  # a node that reports
    assert "Predikat: Sangat Baik, Baik, Cukup, Kurang" in out
    assert "Jenjang persetujuan: Verifikasi → Pengesahan" in out
    default = invoke("init", str(tmp_path / "ditjen"))
    assert default.exit_code == 0
    assert "Direktorat Jenderal Pemasyarakatan" in invoke("-w", str(tmp_path / "ditjen"), "check").output


def test_init_refuses_an_unknown_contoh(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path / "x"), "--contoh", "kecamatan"])
    assert result.exit_code == 2
    assert not (tmp_path / "x").exists()


def test_demo_contoh_opd_runs_the_whole_pipeline(tmp_path: Path) -> None:
    folder = tmp_path / "demo-opd"
    result = invoke("demo", str(folder), "--contoh", "opd")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "18 unit, 7 indikator" in out
    assert "72 formulir dibuat" in out
    assert "72 berkas — 71 diterima, 1 tidak valid, 0 tidak dikenali, 0 duplikat" in out
    assert "verifikasi per bagian dan sekretariat, lalu pengesahan" in out
    assert "Ditolak pemeriksa: SUB-ANGGARAN TW III" in out
    for name in ("rekap_2026_TW4.xlsx", "rekap_2026_TW4.csv", "lkjip_2026.xlsx", "lkjip_2026.html"):
        assert (folder / "keluaran" / name).is_file()
    assert "Sekretariat DPRD Kabupaten Purwakarta" in (folder / "rules" / "organisasi.yaml").read_text(
        encoding="utf-8")


def test_demo_contoh_opd_lkjip_holds_only_instansi_indicators(tmp_path: Path) -> None:
    import openpyxl

    folder = tmp_path / "demo-opd"
    assert invoke("demo", str(folder), "--contoh", "opd").exit_code == 0
    rules = load_rules(folder / "rules")
    kinds = {i.kode: i.tingkat for i in rules.indicators}
    out = folder / "keluaran"
    wb = openpyxl.load_workbook(out / "lkjip_2026.xlsx", read_only=True)
    shown = {v for sheet in wb.worksheets for row in sheet.iter_rows(values_only=True)
             for v in row if isinstance(v, str) and v in kinds}
    wb.close()
    assert shown == {k for k, t in kinds.items() if t == "instansi"} == {"IKU-01", "IKU-02", "IKU-03"}
    html = (out / "lkjip_2026.html").read_text(encoding="utf-8")
    assert all(k in html for k in ("IKU-01", "IKU-02", "IKU-03"))
    assert not any(k in html for k, t in kinds.items() if t != "instansi")
    # the rekap shows every level, IKI per person
    rekap = openpyxl.load_workbook(out / "rekap_2026_TW4.xlsx", read_only=True)
    codes = {(row[0], row[1]) for row in rekap["TW I"].iter_rows(values_only=True) if row and row[0] in kinds}
    rekap.close()
    assert ("IKI-01", "PEG-TU-01") in codes and ("IKK-01", "BAG-UMUM") in codes
    assert ("IKI-01", "BAG-UMUM") not in codes and ("IKI-01", "SETWAN") not in codes
    assert ("IKU-01", "BAG-UMUM") not in codes  # its '-' row: not expected, no row
