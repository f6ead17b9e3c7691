"""Federation: a Kanwil's scoped workspace verifies its units and sends one package up; the Ditjen's
ingest takes it in (kinerja_pipeline.scope, kinerja_pipeline.kiriman, ingest of packages).

The national test runs three Kanwil workspaces and a Ditjen beside one central workspace that
ingests the same forms with the same approvals, and compares the Ditjen's rekap CSV and LKjIP with
the central ones cell by cell.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from kinerja_pipeline import kiriman
from kinerja_pipeline.cli import main
from kinerja_pipeline.layout import COL
from kinerja_pipeline.reporting import status_text
from kinerja_pipeline.lkjip import write_lkjip
from kinerja_pipeline.rekap import write_rekap
from kinerja_pipeline.rules import Rules
from kinerja_pipeline.rules_load import load_rules
from kinerja_pipeline.scope import init_scoped, rules_fingerprint, workspace_rules
from kinerja_pipeline.workflow import approve, status, unapprove
from kinerja_pipeline.workspace import Workspace

from forms_helpers import (SAMPLE_RULES, YEAR, codes, drop, new_workspace, plan, received_time, returned_form,
                           row_of, run)
from forms_helpers import sha256 as sha

KANWIL = ("KW-JABAR", "KW-JATIM", "KW-SUMUT")
CLOCK = lambda: dt.datetime(YEAR, 11, 2, 9, 0)  # noqa: E731 - one fixed moment for every approval
KIRIM_CLOCK = lambda: dt.datetime(YEAR, 11, 3, 10, 0)  # noqa: E731
KADIV = ("Kepala Divisi Pemasyarakatan", "197508121998031001")
DIREKTUR = ("Direktur Pembinaan Narapidana", "196912301990031002")
KASUBAG = ("Rina Kartikasari", "198305122009122003")


def verify(ws: Workspace, rules: Rules, node: str, quarter: int) -> None:
    approve(ws, rules, node, YEAR, quarter, "verifikasi", *KADIV, clock=CLOCK)


def validate_and_ratify(ws: Workspace, rules: Rules, quarter: int) -> None:
    approve(ws, rules, "DITJENPAS", YEAR, quarter, "validasi", *DIREKTUR, clock=CLOCK)
    approve(ws, rules, "DITJENPAS", YEAR, quarter, "pengesahan", *KASUBAG, clock=CLOCK)


def kanwil(root: Path, node: str) -> tuple[Workspace, Rules]:
    ws = init_scoped(root, node)
    return ws, workspace_rules(ws)


def send(ws: Workspace, rules: Rules, quarter: int, **kwargs) -> Path:
    return kiriman.write_package(ws, rules, YEAR, quarter, clock=KIRIM_CLOCK, **kwargs).path


def ledger_rows(ws: Workspace, sql: str, *params) -> list[tuple]:
    with closing(sqlite3.connect(ws.ledger)) as conn:
        return [tuple(r) for r in conn.execute(sql, params)]


def cells_of(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path)
    return {sh.title: [tuple(c.value for c in row) for row in sh.iter_rows()] for sh in wb.worksheets}


def invoke(ws: Workspace, *args: str):
    return CliRunner().invoke(main, ["-w", str(ws.root), *args], catch_exceptions=False)


# --------------------------------------------------------------------------- national shape


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    """Two quarters of forms of every UPT; KW-SUMUT leaves TW II unverified and sends it with --semua."""
    tmp = tmp_path_factory.mktemp("nasional")
    rules = load_rules(SAMPLE_RULES)
    forms: dict[tuple[str, int], tuple[Path, dt.datetime]] = {}
    for quarter in (1, 2):
        for n, unit in enumerate(rules.reporting_units):
            path = returned_form(rules, tmp / "formulir" / f"{unit.kode}_{quarter}.xlsx", unit.kode, quarter,
                                 seed=n * 10 + quarter)
            forms[(unit.kode, quarter)] = (path, received_time(quarter, days_after_end=1 + n % 13))
    unverified = {("KW-SUMUT", 2)}

    central = new_workspace(tmp / "pusat")
    for (unit, quarter), (path, when) in forms.items():
        drop(central, path, f"{unit}_{quarter}.xlsx", when=when)
    run(central, rules)

    ditjen = new_workspace(tmp / "ditjen")
    for node in KANWIL:
        ws, scoped = kanwil(tmp / node, node)
        for (unit, quarter), (path, when) in forms.items():
            if unit in {u.kode for u in scoped.units}:
                drop(ws, path, f"{unit}_{quarter}.xlsx", when=when)
        report = run(ws, scoped)
        assert report.count("accepted") == 2 * len(scoped.reporting_units)
        for quarter in (1, 2):
            if (node, quarter) not in unverified:
                verify(ws, scoped, node, quarter)
                verify(central, rules, node, quarter)
            package = send(ws, scoped, quarter, everything=(node, quarter) in unverified)
            shutil.copyfile(package, ditjen.inbox / f"lampiran surel {node} {quarter}.xlsx")
    ditjen_report = run(ditjen, rules)
    for ws in (central, ditjen):
        for quarter in (1, 2):
            validate_and_ratify(ws, rules, quarter)
    return {"rules": rules, "central": central, "ditjen": ditjen, "report": ditjen_report, "tmp": tmp}


def test_national_packages_give_the_ditjen_the_rekap_and_lkjip_of_one_central_workspace(national):
    rules, central, ditjen = national["rules"], national["central"], national["ditjen"]
    for ws in (central, ditjen):
        write_rekap(ws, rules, YEAR, 2)
        write_lkjip(ws, rules, YEAR)
    csv_c = (central.outputs / "rekap_2026_TW2.csv").read_text(encoding="utf-8")
    csv_d = (ditjen.outputs / "rekap_2026_TW2.csv").read_text(encoding="utf-8")
    assert csv_c.count("\n") > 100 and csv_d == csv_c
    assert cells_of(ditjen.outputs / "lkjip_2026.xlsx") == cells_of(central.outputs / "lkjip_2026.xlsx")
    # the same approvals stand, with the same people and times; the collection status is the same
    rows_c, rows_d = status(central, rules, YEAR, 2).rows, status(ditjen, rules, YEAR, 2).rows
    assert [(r.unit, r.quarter, r.state, r.level, r.received_at, r.approvals) for r in rows_d] == \
        [(r.unit, r.quarter, r.state, r.level, r.received_at, r.approvals) for r in rows_c]
    sumut_tw2 = [r for r in rows_d if r.induk == "KW-SUMUT" and r.quarter == 2]
    assert sumut_tw2 and all(r.state == "diterima" and r.level is None for r in sumut_tw2)


def test_the_ditjen_knows_each_units_package_and_the_approvals_made_below(national):
    ditjen, report = national["ditjen"], national["report"]
    packages = [r for r in report.results if r.is_package]
    assert len(packages) == 6 and report.count("accepted") == 30 and report.count("rejected") == 0
    row = status(ditjen, national["rules"], YEAR, 1).row("LP-PORONG", 1)
    assert (row.carried_by, row.package) == ("KW-JATIM", "lampiran surel KW-JATIM 1.xlsx")
    assert row.as_json()["origin"] == "kiriman"
    carried = ledger_rows(ditjen, "SELECT a.level, a.by_name, a.nip, a.at, a.note, c.made_in FROM approvals a"
                                  " JOIN carried_approvals c ON c.approval_id = a.id WHERE a.unit = 'LP-PORONG'"
                                  " AND a.quarter = 1")
    assert carried == [("verifikasi", *KADIV, "2026-11-02T09:00:00", "dicatat di workspace KW-JATIM", "KW-JATIM")]
    # the original file of each unit is known by name and hash
    original = ledger_rows(ditjen, "SELECT c.original_name, c.original_sha256 FROM carried c JOIN submissions s"
                                   " ON s.id = c.submission_id WHERE s.unit = 'LP-PORONG' AND s.quarter = 1")
    assert original == [("LP-PORONG_1.xlsx", sha(national["tmp"] / "formulir" / "LP-PORONG_1.xlsx"))]
    # a carried unit meets the checks of its own form: nothing is found that the form itself did not show
    sql = ("SELECT DISTINCT s.unit, s.quarter, i.code FROM issues i JOIN submissions s ON s.id = i.submission_id"
           " WHERE s.outcome = 'accepted'")
    assert set(ledger_rows(ditjen, sql)) <= set(ledger_rows(national["central"], sql))
    text = status_text(status(ditjen, national["rules"], YEAR, 1))
    assert "kiriman KW-JATIM (lampiran surel KW-JATIM 1.xlsx)" in text


# --------------------------------------------------------------------------- one Kanwil, small


@pytest.fixture()
def jabar(tmp_path):
    """KW-JABAR's workspace with two verified units of TW I, its package, and an empty Ditjen."""
    rules = load_rules(SAMPLE_RULES)
    ws, scoped = kanwil(tmp_path / "kw-jabar", "KW-JABAR")
    for n, unit in enumerate(("LP-SUKAMISKIN", "LP-BANCEUY")):
        drop(ws, returned_form(rules, tmp_path / "src" / f"{unit}.xlsx", unit, seed=n + 1),
             when=received_time(1, 3 + n))
    run(ws, scoped)
    verify(ws, scoped, "KW-JABAR", 1)
    return {"ws": ws, "rules": scoped, "full": rules, "tmp": tmp_path,
            "package": send(ws, scoped, 1), "ditjen": new_workspace(tmp_path / "ditjen")}


def test_kirim_writes_a_protected_package_with_a_cover_a_person_reads(jabar):
    path = jabar["package"]
    assert path == jabar["ws"].outputs / "kiriman_KW-JABAR_2026_TW1.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == kiriman.COVER_SHEET and wb.active.title == kiriman.COVER_SHEET
    assert wb[kiriman.META_SHEET].sheet_state == "veryHidden"
    assert all(sh.protection.sheet for sh in wb.worksheets)
    cover = "\n".join(str(c.value) for row in wb[kiriman.COVER_SHEET].iter_rows() for c in row if c.value)
    assert "KIRIMAN DATA KINERJA TW I 2026" in cover
    assert "Untuk: Direktorat Jenderal Pemasyarakatan (DITJENPAS)" in cover
    assert "data 2 dari 5 unit pelapor" in cover and "2 sudah melalui tahap verifikasi" in cover
    assert rules_fingerprint(jabar["ws"].rules).short in cover
    for missing in ("RT-BANDUNG", "BP-BANDUNG", "LPKA-BANDUNG"):
        assert missing in cover
    assert "belum mengirim data" in cover and "LP-SUKAMISKIN.xlsx (" in cover
    meta = {r[0].value: r[1].value for r in wb[kiriman.META_SHEET].iter_rows()}
    assert (meta["simpul"], meta["tahun"], meta["triwulan"], meta["jenis"]) == ("KW-JABAR", 2026, 1, kiriman.KIND)
    assert meta["sidik_jari_aturan"] == rules_fingerprint(jabar["ws"].rules).digest
    assert meta["aturan:organisasi.yaml"] == rules_fingerprint(jabar["ws"].rules).files["organisasi.yaml"]
    assert len(meta["checksum"]) == 64


def test_kirim_sends_only_verified_units_unless_semua(jabar, tmp_path):
    ws, rules = jabar["ws"], jabar["rules"]
    drop(ws, returned_form(jabar["full"], tmp_path / "src" / "rt.xlsx", "RT-BANDUNG", seed=9),
         when=received_time(1, 4))
    run(ws, rules)
    package, _ = kiriman.read_package(_raw(send(ws, rules, 1)))
    assert [u.unit for u in package.units] == ["LP-SUKAMISKIN", "LP-BANCEUY"]
    package, _ = kiriman.read_package(_raw(send(ws, rules, 1, everything=True)))
    assert [(u.unit, u.verified) for u in package.units] == [("LP-SUKAMISKIN", True), ("LP-BANCEUY", True),
                                                               ("RT-BANDUNG", False)]
    assert package.everything
    cover = cells_of(ws.outputs / "kiriman_KW-JABAR_2026_TW1.xlsx")[kiriman.COVER_SHEET]
    assert any(row[3] == "BELUM diverifikasi" for row in cover if row[0] == "RT-BANDUNG")
    # at the Ditjen the unverified one is data in use but not verified
    shutil.copyfile(ws.outputs / "kiriman_KW-JABAR_2026_TW1.xlsx", jabar["ditjen"].inbox / "k.xlsx")
    run(jabar["ditjen"], jabar["full"])
    row = status(jabar["ditjen"], jabar["full"], YEAR, 1).row("RT-BANDUNG", 1)
    assert (row.state, row.level, row.carried_by) == ("diterima", None, "KW-JABAR")


def test_kirim_outside_a_scoped_workspace_or_with_nothing_verified_says_what_to_do(jabar, tmp_path):
    out = invoke(jabar["ditjen"], "kirim", "-y", "2026", "-q", "1")
    assert out.exit_code == 1 and "workspace kantor bawahan yang berlingkup" in out.output
    out = invoke(jabar["ws"], "kirim", "-y", "2026", "-q", "2")
    assert out.exit_code == 1 and "Belum ada data TW II 2026 yang dapat dikirim" in out.output
    assert "LP-SUKAMISKIN: belum mengirim data" in out.output


def _raw(path: Path):
    from kinerja_pipeline.reading import open_workbook

    return open_workbook(path, kiriman.PACKAGE_SHEETS)


def _ingest_json(ws: Workspace) -> list[dict]:
    out = invoke(ws, "ingest", "--json")
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def test_ingest_json_reports_the_package_and_one_object_per_unit(jabar):
    ditjen = jabar["ditjen"]
    drop(ditjen, jabar["package"], "Kiriman Jabar (final).xlsx")
    objects = _ingest_json(ditjen)
    assert [(o["unit"], o["outcome"], o["kiriman"]["package"]) for o in objects] == [
        ("KW-JABAR", "accepted", True), ("LP-SUKAMISKIN", "accepted", False), ("LP-BANCEUY", "accepted", False)]
    assert objects[0]["kiriman"]["units"] == ["LP-SUKAMISKIN", "LP-BANCEUY"]
    assert {o["file"] for o in objects} == {"Kiriman Jabar (final).xlsx"}
    assert all(o["year"] == 2026 and o["quarter"] == 1 for o in objects)
    # recorded with the original received times, archived once
    assert ledger_rows(ditjen, "SELECT unit, received_at FROM submissions ORDER BY id") == [
        ("LP-SUKAMISKIN", received_time(1, 3).isoformat()), ("LP-BANCEUY", received_time(1, 4).isoformat())]
    assert not list(ditjen.inbox.iterdir()) and len(list(ditjen.archive.rglob("*.xlsx"))) == 1


def test_a_package_edited_by_hand_is_refused(jabar):
    edited = jabar["tmp"] / "diubah.xlsx"
    wb = openpyxl.load_workbook(jabar["package"])
    sheet = wb[kiriman.VALUE_SHEET]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "IK01")
    row[2].value = (row[2].value or 0) + 5
    wb.save(edited)
    drop(jabar["ditjen"], edited)
    report = run(jabar["ditjen"], jabar["full"])
    [result] = report.results
    assert result.outcome == "rejected" and codes(result) == [("kiriman-diubah", "error", "")]
    assert "telah diubah setelah dibuat" in result.reason
    assert ledger_rows(jabar["ditjen"], "SELECT unit, outcome, file_format FROM submissions") == [
        (None, "rejected", "kiriman")]
    assert ledger_rows(jabar["ditjen"], "SELECT count(*) FROM approvals") == [(0,)]


def test_a_package_made_from_other_rules_names_the_files_that_differ(jabar):
    ditjen = jabar["ditjen"]
    policy = ditjen.rules / "kebijakan.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("batas_skor: 120", "batas_skor: 110"),
                      encoding="utf-8")
    drop(ditjen, jabar["package"])
    out = invoke(ditjen, "ingest")
    assert out.exit_code == 0
    assert "[TIDAK VALID] kiriman_KW-JABAR_2026_TW1.xlsx — KW-JABAR TW I 2026" in out.output
    assert "kebijakan.yaml (isinya berbeda)" in out.output and "organisasi.yaml" not in out.output
    assert ledger_rows(ditjen, "SELECT count(*) FROM submission_values") == [(0,)]


def test_the_rules_fingerprint_ignores_line_endings_and_is_shown_by_check(jabar, tmp_path):
    ws = jabar["ws"]
    before = rules_fingerprint(ws.rules)
    for path in ws.rules.glob("*.yaml"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert rules_fingerprint(ws.rules) == before
    out = invoke(ws, "check")
    assert out.exit_code == 0
    assert f"Sidik jari aturan: {before.short}" in out.output
    assert "Lingkup workspace: KW-JABAR — Kanwil Ditjenpas Jawa Barat dan 5 unit di bawahnya" in out.output
    assert f"Sidik jari aturan: {before.short}" in invoke(jabar["ditjen"], "check").output


def test_a_package_carrying_a_unit_of_another_kanwil_is_refused(jabar, tmp_path):
    ws, rules = jabar["ws"], jabar["rules"]
    package, left = kiriman.collect(ws, rules, YEAR, 1, clock=KIRIM_CLOCK)
    package.units[1].unit = "LP-PORONG"  # a consistent package (checksum and all) that claims a JATIM unit
    forged = tmp_path / "palsu.xlsx"
    kiriman._write(forged, rules, package, left)
    drop(jabar["ditjen"], forged)
    [result] = run(jabar["ditjen"], jabar["full"]).results
    assert result.outcome == "rejected" and codes(result)[0][0] == "kiriman-unit-di-luar-simpul"
    assert "LP-PORONG" in result.reason
    assert ledger_rows(jabar["ditjen"], "SELECT count(*) FROM submission_values") == [(0,)]


def test_a_package_of_a_node_outside_the_receivers_scope_is_refused(jabar, tmp_path):
    jatim, jatim_rules = kanwil(tmp_path / "kw-jatim", "KW-JATIM")
    drop(jatim, jabar["package"])
    [result] = run(jatim, jatim_rules).results
    assert result.outcome == "rejected" and codes(result)[0][0] == "kiriman-di-luar-lingkup"
    assert "KW-JABAR berada di luar lingkup workspace ini (KW-JATIM)" in result.reason


def test_a_package_sent_twice_is_a_duplicate(jabar):
    ditjen = jabar["ditjen"]
    drop(ditjen, jabar["package"])
    run(ditjen, jabar["full"])
    before = ledger_rows(ditjen, "SELECT * FROM submissions WHERE outcome = 'accepted'")
    drop(ditjen, jabar["package"], "kiriman lagi.xlsx")
    [result] = run(ditjen, jabar["full"]).results
    assert (result.outcome, result.unit) == ("duplicate", "KW-JABAR")
    assert ledger_rows(ditjen, "SELECT * FROM submissions WHERE outcome = 'accepted'") == before
    assert ledger_rows(ditjen, "SELECT count(*) FROM approvals") == [(2,)]


def _corrected_package(jabar, value: float) -> Path:
    """KW-JABAR withdraws its verification of LP-SUKAMISKIN, takes in a corrected form received
    later, verifies it again, and sends a new package (the first one is kept aside)."""
    ws, rules, full = jabar["ws"], jabar["rules"], jabar["full"]
    first = jabar["tmp"] / "kiriman_pertama.xlsx"
    shutil.copyfile(jabar["package"], first)
    unapprove(ws, rules, "LP-SUKAMISKIN", YEAR, 1, "verifikasi", *KADIV, clock=CLOCK)
    p = plan(full, "LP-SUKAMISKIN")
    fixed = returned_form(full, jabar["tmp"] / "src" / "perbaikan.xlsx", "LP-SUKAMISKIN", seed=1,
                          overrides={f"{COL['realisasi']}{row_of(p, 'IK03')}": value})
    drop(ws, fixed, when=received_time(1, 8))
    assert run(ws, rules).count("accepted") == 1
    verify(ws, rules, "LP-SUKAMISKIN", 1)
    return first


def _ik03(ws: Workspace, unit: str = "LP-SUKAMISKIN") -> float:
    from kinerja_pipeline import ledger

    with closing(ledger.connect(ws.ledger)) as conn:
        frame = ledger.values_frame(conn, YEAR)
    return float(frame[(frame.unit == unit) & (frame.indikator == "IK03")].realisasi.iloc[0])


def test_an_older_package_after_a_newer_one_does_not_replace_its_data(jabar):
    first = _corrected_package(jabar, 41)
    newer = send(jabar["ws"], jabar["rules"], 1)
    ditjen = jabar["ditjen"]
    drop(ditjen, newer, "baru.xlsx")
    run(ditjen, jabar["full"])
    drop(ditjen, first, "lama.xlsx")
    report = run(ditjen, jabar["full"])
    assert report.count("accepted") == 2   # both units recorded again; the older one not used
    assert _ik03(ditjen) == 41
    row = status(ditjen, jabar["full"], YEAR, 1).row("LP-SUKAMISKIN", 1)
    assert (row.received_at, row.package, row.state) == (received_time(1, 8).isoformat(), "baru.xlsx", "diverifikasi")


def test_a_newer_package_replaces_an_older_one_per_unit(jabar):
    first = _corrected_package(jabar, 41)
    ditjen = jabar["ditjen"]
    drop(ditjen, first, "lama.xlsx")
    run(ditjen, jabar["full"])
    assert _ik03(ditjen) != 41
    drop(ditjen, send(jabar["ws"], jabar["rules"], 1), "baru.xlsx")
    run(ditjen, jabar["full"])
    assert _ik03(ditjen) == 41
    assert status(ditjen, jabar["full"], YEAR, 1).row("LP-SUKAMISKIN", 1).package == "baru.xlsx"


def test_a_units_own_form_sent_straight_competes_with_the_package_and_warns_when_values_differ(jabar):
    ditjen, full = jabar["ditjen"], jabar["full"]
    drop(ditjen, jabar["package"])
    run(ditjen, full)
    p = plan(full, "LP-SUKAMISKIN")
    direct = returned_form(full, jabar["tmp"] / "src" / "langsung.xlsx", "LP-SUKAMISKIN", seed=1,
                           overrides={f"{COL['realisasi']}{row_of(p, 'IK03')}": 38})
    drop(ditjen, direct, when=received_time(1, 9))
    out = invoke(ditjen, "ingest")
    assert "[DITERIMA] langsung.xlsx — LP-SUKAMISKIN TW I 2026, 1 peringatan" in out.output
    assert "berbeda dengan data yang sudah ada dari kiriman KW-JABAR" in out.output and "IK03" in out.output
    assert _ik03(ditjen) == 38   # received later than the package's copy: it counts
    row = status(ditjen, full, YEAR, 1).row("LP-SUKAMISKIN", 1)
    assert (row.carried_by, row.state) == (None, "diterima")   # the Kanwil verified other data
    assert status(ditjen, full, YEAR, 1).row("LP-BANCEUY", 1).carried_by == "KW-JABAR"


def test_a_package_after_a_newer_direct_form_is_recorded_but_not_used(jabar):
    ditjen, full = jabar["ditjen"], jabar["full"]
    p = plan(full, "LP-SUKAMISKIN")
    direct = returned_form(full, jabar["tmp"] / "src" / "langsung.xlsx", "LP-SUKAMISKIN", seed=1,
                           overrides={f"{COL['realisasi']}{row_of(p, 'IK03')}": 38})
    drop(ditjen, direct, when=received_time(1, 9))
    run(ditjen, full)
    drop(ditjen, jabar["package"])
    report = run(ditjen, full)
    carried = next(r for r in report.results if r.unit == "LP-SUKAMISKIN")
    assert [i.code for i in carried.issues] == [kiriman.DIFFERS]
    assert _ik03(ditjen) == 38


def test_a_scoped_workspace_refuses_a_form_from_outside_its_scope(jabar, tmp_path):
    ws = jabar["ws"]
    drop(ws, returned_form(jabar["full"], tmp_path / "src" / "porong.xlsx", "LP-PORONG", seed=4))
    out = invoke(ws, "ingest", "--json")
    [result] = json.loads(out.output)
    assert (result["outcome"], result["unit"]) == ("rejected", "LP-PORONG")
    [issue] = result["issues"]
    assert issue["code"] == "di-luar-lingkup"
    assert issue["message"] == ("Formulir ini milik Lapas Kelas I Surabaya (Porong) (LP-PORONG), unit di luar "
                                "lingkup workspace ini (KW-JABAR dan unit di bawahnya), jadi tidak diproses di sini. "
                                "Kirim berkas ini ke Kanwil Ditjenpas Jawa Timur (KW-JATIM).")


def test_every_command_of_a_scoped_workspace_covers_its_subtree(jabar):
    ws = jabar["ws"]
    out = invoke(ws, "forms", "-y", "2026", "-q", "2")
    assert out.exit_code == 0 and "5 formulir TW 2 2026" in out.output
    out = invoke(ws, "forms", "-y", "2026", "-q", "2", "-u", "LP-PORONG")
    assert out.exit_code == 1 and "di luar lingkup workspace ini" in out.output and "KW-JATIM" in out.output
    report = status(ws, jabar["rules"], YEAR, 1)
    assert {r.unit for r in report.rows} == {"LP-SUKAMISKIN", "LP-BANCEUY", "RT-BANDUNG", "BP-BANDUNG",
                                             "LPKA-BANDUNG"}
    rekap = write_rekap(ws, jabar["rules"], YEAR, 1)
    assert set(rekap.frame["node"]) <= {u.kode for u in jabar["rules"].units} and "KW-JABAR" in set(rekap.frame["node"])
    assert write_lkjip(ws, jabar["rules"], YEAR).node == "KW-JABAR"


def test_init_lingkup_refuses_an_unknown_node_and_copies_the_parents_rules(tmp_path):
    out = CliRunner().invoke(main, ["init", str(tmp_path / "x"), "--lingkup", "KW-JABAT"])
    assert out.exit_code == 1 and "Mungkin maksud Anda: KW-JABAR" in out.output
    assert not (tmp_path / "x").exists()
    parent = new_workspace(tmp_path / "induk")
    (parent.rules / "catatan.txt").write_text("aturan induk\n", encoding="utf-8")
    out = CliRunner().invoke(main, ["init", str(tmp_path / "kw"), "--lingkup", "KW-JATIM", "--aturan",
                                    str(parent.root)])
    assert out.exit_code == 0, out.output
    assert rules_fingerprint(tmp_path / "kw" / "rules") == rules_fingerprint(parent.rules)
    assert "lingkup: KW-JATIM" in (tmp_path / "kw" / "lingkup.yaml").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- crash safety


from test_crash import copy_of, drivers, dump_ledger, kinerja_killed  # noqa: E402,F401 - the kill machinery

KILL_POINTS = [
    ("kinerja_pipeline.reading:open_workbook", 2, "after"),         # the package read, nothing recorded
    ("kinerja_pipeline.kiriman:record_carried", 1, "after"),        # the first unit recorded, in the transaction
    ("kinerja_pipeline.kiriman:record_carried", 2, "before"),       # between two units of the package
    ("kinerja_pipeline.ledger:mark_archived", 1, "before"),         # committed, the package not yet archived
    ("kinerja_pipeline.workspace:move_no_overwrite", 1, "after"),   # archived, not yet marked
]


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGKILL"), reason="SIGKILL hanya ada di POSIX")
def test_sigkill_while_ingesting_a_package_then_a_rerun_gives_the_same_ledger(jabar, drivers, tmp_path):
    template = jabar["ditjen"]
    drop(template, jabar["package"], "kiriman jabar.xlsx")
    drop(template, returned_form(jabar["full"], tmp_path / "src" / "porong.xlsx", "LP-PORONG", seed=4))
    whole = copy_of(template.root, tmp_path / "utuh")
    assert kinerja_killed(drivers, whole, "os:getpid", 0, "before", "ingest") == 0
    expected = dump_ledger(whole.ledger)
    assert len(expected["carried"]) == 2 and len(expected["carried_approvals"]) == 2
    archived = sorted(p.name for p in whole.archive.rglob("*") if p.is_file())
    originals = {sha(p) for p in template.inbox.iterdir()}
    for n, (target, nth, when) in enumerate(KILL_POINTS):
        ws = copy_of(template.root, tmp_path / f"kill{n}")
        assert kinerja_killed(drivers, ws, target, nth, when, "ingest") == -9, target
        kept = {sha(p) for p in [*ws.inbox.iterdir(), *ws.archive.rglob("*")]
                if p.is_file() and not p.name.startswith(".tmp-")}
        assert originals <= kept, target   # no file lost, whenever the kill came
        assert kinerja_killed(drivers, ws, "os:getpid", 0, "before", "ingest") == 0
        assert dump_ledger(ws.ledger) == expected, (target, nth, when)
        assert sorted(p.name for p in ws.archive.rglob("*") if p.is_file()) == archived
        assert not list(ws.inbox.iterdir())


def test_demo_shows_a_kanwil_verifying_and_sending_and_the_ditjen_receiving(tmp_path):
    from kinerja_pipeline.demo import run_demo

    lines: list[str] = []
    ws = run_demo(tmp_path / "demo", echo=lines.append)
    text = "\n".join(lines)
    assert "10. Workspace sendiri untuk Kanwil Ditjenpas Jawa Barat: lingkup_KW-JABAR/ (lingkup KW-JABAR" in text
    assert "4 formulir TW IV unit di bawah KW-JABAR diterima dan diverifikasi di sana" in text
    assert "lingkup_KW-JABAR/keluaran/kiriman_KW-JABAR_2026_TW4.xlsx" in text
    assert "DITJENPAS menerima kiriman itu: 4 unit diterima beserta verifikasi KW-JABAR" in text
    rules = load_rules(ws.rules)
    rows = [r for r in status(ws, rules, YEAR, 4).rows if r.quarter == 4 and r.induk == "KW-JABAR" and r.received_at]
    assert len(rows) == 4 and all(r.carried_by == "KW-JABAR" and r.state == "diverifikasi" for r in rows)


def test_approving_a_unit_outside_the_scope_says_where_it_belongs(jabar):
    out = invoke(jabar["ws"], "approve", "-u", "LP-PORONG", "-y", "2026", "-q", "1", "-l", "verifikasi",
                 "--by", KADIV[0], "--nip", KADIV[1])
    assert out.exit_code == 1
    assert "Unit Lapas Kelas I Surabaya (Porong) (LP-PORONG) berada di luar lingkup workspace ini (KW-JABAR)" \
        in out.output and "Kanwil Ditjenpas Jawa Timur (KW-JATIM)" in out.output


def test_a_dry_run_reports_a_package_without_recording_or_moving_it(jabar):
    ditjen = jabar["ditjen"]
    drop(ditjen, jabar["package"])
    out = invoke(ditjen, "ingest", "--dry-run")
    assert out.exit_code == 0
    assert "[KIRIMAN] kiriman_KW-JABAR_2026_TW1.xlsx — KW-JABAR TW I 2026: 2 unit (2 diterima, 0 tidak valid)" \
        in out.output
    assert [p.name for p in ditjen.inbox.iterdir()] == ["kiriman_KW-JABAR_2026_TW1.xlsx"]
    assert not ditjen.ledger.exists()


def test_carried_values_and_texts_read_back_exactly(jabar, tmp_path):
    ws, rules = jabar["ws"], jabar["rules"]
    package, left = kiriman.collect(ws, rules, YEAR, 1, clock=KIRIM_CLOCK)
    unit = package.units[0]
    unit.values[0].update(penjelasan="=1+1\n  baris kedua\tdengan tab  ", bukti="<b>@SUM(A1)</b>")
    odd = next(v for v in unit.values if v["realisasi"] is not None and v["pembilang"] is None)
    odd["realisasi"] = 0.1 + 0.2                       # needs 17 digits
    unit.budget[0]["realisasi_anggaran"] = 123456789.125
    path = tmp_path / "k.xlsx"
    kiriman._write(path, rules, package, left)
    back, (checksum, digest) = kiriman.read_package(_raw(path))
    assert back == package and checksum == package.checksum() and digest == package.rules_digest


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGKILL"), reason="SIGKILL hanya ada di POSIX")
def test_sigkill_while_writing_a_package_leaves_the_old_file_or_a_whole_new_one(jabar, drivers, tmp_path):
    ws = jabar["ws"]
    old = jabar["package"].read_bytes()
    drop(ws, returned_form(jabar["full"], tmp_path / "src" / "rt.xlsx", "RT-BANDUNG", seed=9),
         when=received_time(1, 4))
    run(ws, jabar["rules"])
    verify(ws, jabar["rules"], "RT-BANDUNG", 1)
    args = ("kirim", "-y", "2026", "-q", "1")
    for n, (target, nth, when) in enumerate((("os:fsync", 1, "before"), ("os:replace", 1, "before"),
                                             ("os:replace", 1, "after"))):
        trial = copy_of(ws.root, tmp_path / f"kirim{n}")
        path = trial.outputs / jabar["package"].name
        assert kinerja_killed(drivers, trial, target, nth, when, *args) == -9
        if path.read_bytes() != old:  # replaced: then it is the whole new package
            package, stated = kiriman.read_package(_raw(path))
            assert stated[0] == package.checksum() and len(package.units) == 3
        assert kinerja_killed(drivers, trial, "os:getpid", 0, "before", *args) == 0
        package, _ = kiriman.read_package(_raw(path))
        assert [u.unit for u in package.units] == ["LP-SUKAMISKIN", "LP-BANCEUY", "RT-BANDUNG"]
        assert not [p for p in trial.outputs.iterdir() if p.name.startswith(".tmp-")]


def test_a_unit_outside_the_scope_is_said_to_be_outside_not_unknown(tmp_path):
    """In KW-JABAR's workspace, KW-JATIM exists in the organisation but is served elsewhere; a
    mistyped code is unknown, with the code it may have meant."""
    ws, _ = kanwil(tmp_path / "kw-jabar", "KW-JABAR")
    outside = ("Kesalahan: Unit Kanwil Ditjenpas Jawa Timur (KW-JATIM) berada di luar lingkup workspace ini "
               "(KW-JABAR dan unit di bawahnya); ")
    for args, then in ((("lkjip", "-y", "2026", "-u", "KW-JATIM"), "buat LKjIP-nya di workspace yang mencakup"),
                       (("laporan", "-y", "2026", "-q", "1", "-u", "KW-JATIM"), "buat laporannya di workspace"),
                       (("forms", "-y", "2026", "-q", "1", "-u", "LP-PORONG"), "formulirnya dibuat oleh")):
        out = invoke(ws, *args)
        assert out.exit_code == 1, out.output
        assert "tidak ada di rules/organisasi.yaml" not in out.output and then in out.output
        if args[0] != "forms":
            assert out.output.startswith(outside) and "Direktorat Jenderal Pemasyarakatan (DITJENPAS)." in out.output
    out = invoke(ws, "lkjip", "-y", "2026", "-u", "KW-JABR")
    assert out.exit_code == 1
    assert out.output == ("Kesalahan: Unit 'KW-JABR' tidak ada di rules/organisasi.yaml. Mungkin maksud Anda: "
                          "KW-JABAR. Periksa kodenya dengan 'kinerja check'.\n")
