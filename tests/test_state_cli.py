"""Who sent what, and which submission counts — as a user meets it on the command line.

One test per finding of the review: the LKjIP honours reviewer rejections, an older file
ingested later does not replace a newer one, a refusal that rested on the state is checked
again, an odd file time is clamped or flagged, sub-folders of inbox/ are processed, feedback
workbooks are named per submission under the real unit, OS errors say what happened, and
``status --json`` speaks in fixed codes.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja_pipeline.cli import main
from kinerja_pipeline.lkjip import write_lkjip
from kinerja_pipeline.rekap import SHEET_STATUS

from forms_helpers import (BAPAS, LAPAS, YEAR, cell, drop, new_workspace, plan, returned_form, rules_of,
                           received_time)

NIP = "198305122009122003"
T = dt.datetime


def cli(ws, *args: str, ok: bool = True):
    result = CliRunner().invoke(main, ["-w", str(ws.root), *args])
    if ok:
        assert result.exit_code == 0, result.output
    return result


def ingest(ws, *extra: str) -> list[dict]:
    return json.loads(cli(ws, "ingest", "--json", *extra).stdout)


def status_json(ws, quarter: int | None = None) -> list[dict]:
    args = ["status", "--year", str(YEAR), "--json"] + (["--quarter", str(quarter)] if quarter else [])
    return json.loads(cli(ws, *args).stdout)


def chain(ws, action: str, unit: str, quarter: int, level: str, *extra: str):
    return cli(ws, action, "--unit", unit, "--year", str(YEAR), "--quarter", str(quarter), "--level", level,
               "--by", "Bambang Sumardiono", "--nip", NIP, *extra)


def row(doc: list[dict], unit: str, quarter: int) -> dict:
    return next(d for d in doc if d["unit"] == unit and d["quarter"] == quarter)


def lkjip_notes(ws, rules, unit: str | None = None) -> tuple[str, ...]:
    return write_lkjip(ws, rules, YEAR, unit=unit).notes


@pytest.fixture()
def ws(tmp_path):
    return new_workspace(tmp_path / "ws")


@pytest.fixture()
def rules(ws):
    return rules_of(ws)


def ik01(rules, value: float, unit: str = LAPAS, quarter: int = 1) -> dict:
    p = plan(rules, unit, quarter)
    return {cell(p, "IK01", "realisasi"): value, cell(p, "IK01", "penjelasan"): "Sesuai register."}


# --------------------------------------------------------------------------- 1: reviewer rejections everywhere


def test_lkjip_treats_reviewer_rejected_data_as_missing(ws, rules, tmp_path):
    drop(ws, returned_form(rules, tmp_path / "tw1.xlsx", LAPAS, 1), quarter=1)
    for unit in (LAPAS, BAPAS):
        drop(ws, returned_form(rules, tmp_path / f"{unit}3.xlsx", unit, 3), quarter=3)
    assert [r["outcome"] for r in ingest(ws)] == ["accepted"] * 3
    assert "data s.d. TW III" in cli(ws, "lkjip", "--year", str(YEAR), "--unit", "KW-JABAR").stdout
    # every TW III submission of the Kanwil's units rejected by the reviewer
    chain(ws, "reject", "KW-JABAR", 3, "verifikasi", "--reason", "Register tidak cocok.")
    doc = status_json(ws, 3)
    assert {row(doc, u, 3)["state"] for u in (LAPAS, BAPAS)} == {"ditolak"}
    out = cli(ws, "lkjip", "--year", str(YEAR), "--unit", "KW-JABAR").stdout
    assert "data s.d. TW I:" in out and "TW III" not in out
    notes = " ".join(lkjip_notes(ws, rules, "KW-JABAR"))
    assert "TW III" not in notes.split("belum disahkan")[-1]  # not listed as waiting for approval
    assert f"{LAPAS} TW I" in notes.split("belum disahkan")[-1]


# --------------------------------------------------------------------------- 2: order of runs


def test_an_older_file_ingested_later_does_not_replace_the_newer(ws, rules, tmp_path):
    v2 = returned_form(rules, tmp_path / "v2.xlsx", overrides=ik01(rules, 20))
    v1 = returned_form(rules, tmp_path / "v1.xlsx", overrides=ik01(rules, 10))
    drop(ws, v2, "kiriman_kedua.xlsx", when=T(2026, 4, 8, 10))
    assert ingest(ws)[0]["in_use"] is True
    drop(ws, v1, "kiriman_pertama.xlsx", when=T(2026, 4, 5, 10))
    (late,) = ingest(ws)
    assert (late["outcome"], late["in_use"]) == ("accepted", False)
    assert late["reason"].startswith("diterima, tidak dipakai: ada kiriman yang lebih baru, diterima 08-04-2026")
    assert row(status_json(ws, 1), LAPAS, 1)["received_at"] == "2026-04-08T10:00:00"
    text = cli(ws, "status", "--year", str(YEAR), "--quarter", "1").stdout
    assert "08-04-2026 10:00" in text
    assert "'kiriman_pertama.xlsx' (diterima 05-04-2026 10:00): diterima, tidak dipakai: ada kiriman yang " \
           "lebih baru, diterima 08-04-2026 10:00." in text
    cli(ws, "rekap", "--year", str(YEAR), "--quarter", "1")
    with open(ws.outputs / f"rekap_{YEAR}_TW1.csv", encoding="utf-8-sig", newline="") as fh:
        line = next(r for r in csv.DictReader(fh)
                    if (r["unit"], r["indikator"], r["periode"]) == (LAPAS, "IK01", "TW1"))
    assert float(line["realisasi"]) == 20


# --------------------------------------------------------------------------- 8: fixed codes in status --json


def test_status_json_codes_do_not_follow_level_names(ws, rules, tmp_path):
    drop(ws, returned_form(rules, tmp_path / "a.xlsx"), quarter=1)
    ingest(ws)
    chain(ws, "approve", LAPAS, 1, "verifikasi")
    before = row(status_json(ws, 1), LAPAS, 1)
    assert (before["state"], before["level"]) == ("disetujui", "verifikasi")
    policy = ws.rules / "kebijakan.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("nama: Verifikasi,", "nama: Pemeriksaan Kanwil,"),
                      encoding="utf-8")
    after = row(status_json(ws, 1), LAPAS, 1)
    assert (after["state"], after["level"]) == ("disetujui", "verifikasi")
    assert "diperiksa kanwil" in cli(ws, "status", "--year", str(YEAR), "--quarter", "1").stdout
    assert {d["state"] for d in status_json(ws, 1)} <= {"belum_mengirim", "tidak_valid", "diterima", "disetujui",
                                                          "ditolak"}


# --------------------------------------------------------------------------- agreement of the three readers


def test_status_rekap_and_lkjip_agree(ws, rules, tmp_path):
    """Rejections (by ingest and by a reviewer), a withdrawal, a correction and missing units:
    status --json, the rekap's status sheet and the LKjIP coverage note say the same."""
    import openpyxl

    units = ["LP-SUKAMISKIN", "LP-BANCEUY", "RT-BANDUNG", "BP-BANDUNG"]  # LPKA-BANDUNG sends nothing
    for n, unit in enumerate(units):
        drop(ws, returned_form(rules, tmp_path / f"{unit}.xlsx", unit, 1, seed=n), quarter=1)
    first = next(r for r in plan(rules, "RT-BANDUNG").rows if not r.indicator.is_ratio)
    bad = {cell(plan(rules, "RT-BANDUNG"), first.indicator.kode, "realisasi"): -5}  # below its minimum
    drop(ws, returned_form(rules, tmp_path / "rt_salah.xlsx", "RT-BANDUNG", 1, overrides=bad, seed=9),
         when=received_time(1, 6))
    ingest(ws)
    chain(ws, "approve", "LP-SUKAMISKIN", 1, "verifikasi")
    chain(ws, "approve", "LP-SUKAMISKIN", 1, "validasi")
    chain(ws, "unapprove", "LP-SUKAMISKIN", 1, "validasi", "--note", "Salah tahap.")   # withdrawn
    chain(ws, "reject", "LP-BANCEUY", 1, "verifikasi", "--reason", "Angka tidak sesuai.")
    # BP-BANDUNG corrects its file: the newer one counts
    drop(ws, returned_form(rules, tmp_path / "bp2.xlsx", "BP-BANDUNG", 1, seed=11), when=received_time(1, 9))
    ingest(ws)
    doc = {d["unit"]: d for d in status_json(ws, 1) if d["unit"] in units + ["LPKA-BANDUNG"]}
    assert {u: d["state"] for u, d in doc.items()} == {
        "LP-SUKAMISKIN": "disetujui", "LP-BANCEUY": "ditolak", "RT-BANDUNG": "diterima",
        "BP-BANDUNG": "diterima", "LPKA-BANDUNG": "belum_mengirim"}
    assert doc["LP-SUKAMISKIN"]["level"] == "verifikasi"
    # the rekap's status sheet
    cli(ws, "rekap", "--year", str(YEAR), "--quarter", "1")
    sheet = openpyxl.load_workbook(ws.outputs / f"rekap_{YEAR}_TW1.xlsx")[SHEET_STATUS]
    words = {}
    for values in sheet.iter_rows(values_only=True):
        for unit in doc:
            if unit in values:
                words[unit] = next(v for v in values if v in ("diterima", "tidak valid", "belum mengirim"))
    with_data = {u for u, d in doc.items() if d["state"] in ("diterima", "disetujui")}
    assert {u for u, w in words.items() if w == "diterima"} == with_data
    assert words["LPKA-BANDUNG"] == "belum mengirim" and words["LP-BANCEUY"] == "tidak valid"
    # the LKjIP coverage note of the Kanwil lists exactly the units without data in use
    notes = lkjip_notes(ws, rules, "KW-JABAR")
    missing = next(n for n in notes if n.startswith("Belum ada kiriman yang diterima"))
    listed = set(re.findall(r"([A-Z]+-[A-Z]+) \(TW I\)", missing))
    assert listed == set(doc) - with_data == {"LP-BANCEUY", "LPKA-BANDUNG"}
    pending = next(n for n in notes if "belum disahkan" in n)
    assert set(re.findall(r"([A-Z]+-[A-Z]+) TW I", pending)) == with_data


# --------------------------------------------------------------------------- 3: refusals that rested on the state


def test_a_correction_refused_as_locked_is_checked_again_after_the_approval_is_withdrawn(ws, rules, tmp_path):
    drop(ws, returned_form(rules, tmp_path / "v1.xlsx", overrides=ik01(rules, 10)), when=T(2026, 4, 5, 10))
    ingest(ws)
    chain(ws, "approve", LAPAS, 1, "verifikasi")
    fix = returned_form(rules, tmp_path / "v2.xlsx", overrides=ik01(rules, 20))
    drop(ws, fix, "perbaikan.xlsx", when=T(2026, 4, 9, 10))
    (locked,) = ingest(ws)
    errors = [i for i in locked["issues"] if i["severity"] == "error"]
    assert locked["outcome"] == "rejected" and [i["code"] for i in errors] == ["data-terkunci"]
    assert "akan diperiksa ulang, tidak dianggap duplikat" in errors[0]["message"]
    # the same bytes while still locked: checked again (not a duplicate), refused again
    drop(ws, fix, "perbaikan.xlsx", when=T(2026, 4, 9, 10))
    assert ingest(ws)[0]["outcome"] == "rejected"
    chain(ws, "unapprove", LAPAS, 1, "verifikasi")
    drop(ws, fix, "perbaikan.xlsx", when=T(2026, 4, 9, 10))
    (again,) = ingest(ws)
    assert (again["outcome"], again["in_use"]) == ("accepted", True)
    assert "diperiksa ulang, tidak dianggap duplikat" in " ".join(again["notes"])
    assert row(status_json(ws, 1), LAPAS, 1)["received_at"] == "2026-04-09T10:00:00"
    # a content verdict stays: the same accepted bytes once more are a duplicate
    drop(ws, fix, "perbaikan lagi.xlsx", when=T(2026, 4, 9, 10))
    assert ingest(ws)[0]["outcome"] == "duplicate"
    # nothing lost: every copy is in the archive
    assert len(list((ws.archive / str(YEAR) / "TW1").iterdir())) == 5


def test_a_form_refused_before_its_quarter_ended_is_checked_again_later(ws, rules, tmp_path):
    early = returned_form(rules, tmp_path / "dini.xlsx")
    drop(ws, early, when=T(2026, 3, 1, 10))
    (first,) = ingest(ws)
    assert [i["code"] for i in first["issues"] if i["severity"] == "error"] == ["periode-belum-berakhir"]
    drop(ws, early, when=T(2026, 4, 3, 10))
    (second,) = ingest(ws)
    assert (second["outcome"], second["in_use"]) == ("accepted", True)


# --------------------------------------------------------------------------- 4: odd received times


def test_file_times_in_the_future_or_before_the_form_are_clamped_or_flagged(ws, rules, tmp_path):
    drop(ws, returned_form(rules, tmp_path / "lapas.xlsx"), "masa_depan.xlsx", when=T(2150, 1, 1, 10))
    drop(ws, returned_form(rules, tmp_path / "bapas.xlsx", BAPAS), "tahun_1990.xlsx", when=T(1990, 1, 1, 10))
    before = dt.datetime.now().replace(microsecond=0)
    results = {r["file"]: r for r in ingest(ws)}
    after = dt.datetime.now()
    future, old = results["masa_depan.xlsx"], results["tahun_1990.xlsx"]
    # 2150: received when it was ingested (so it is late by today's count, not by 45,000 days)
    assert future["outcome"] == "accepted" and "masa depan" in " ".join(future["notes"])
    # ingest says a moment as status does (one format for the terminal: 01-01-2150 10:00)
    assert "Waktu berkas (01-01-2150 10:00) ada di masa depan" in " ".join(future["notes"])
    assert "Waktu berkas (01-01-1990 10:00) lebih awal dari pembuatan formulirnya (02-01-2026 08:00)" \
        in " ".join(old["notes"])
    received = dt.datetime.fromisoformat(row(status_json(ws, 1), LAPAS, 1)["received_at"])
    assert before <= received <= after
    # 1990: no false "wrong quarter" verdict; kept as it is, flagged
    assert old["outcome"] == "accepted" and not old["issues"]
    assert "lebih awal dari pembuatan formulirnya" in " ".join(old["notes"])
    doc = status_json(ws, 1)
    assert "masa depan" in row(doc, LAPAS, 1)["received_note"]
    assert "lebih awal dari pembuatan formulirnya (02-01-2026 08:00)" in row(doc, BAPAS, 1)["received_note"]
    text = cli(ws, "status", "--year", str(YEAR), "--quarter", "1").stdout
    assert "Catatan waktu terima: waktu berkas (01-01-2150 10:00) ada di masa depan" in text
    assert "Catatan waktu terima: waktu berkas (01-01-1990 10:00) lebih awal" in text
    assert row(doc, LAPAS, 1)["days_late"] == (received.date() - rules.policy.deadline(YEAR, 1)).days  # not 45,000


# --------------------------------------------------------------------------- 5: sub-folders of inbox/


def test_files_in_sub_folders_of_the_inbox_are_processed(ws, rules, tmp_path):
    (ws.inbox / LAPAS).mkdir()
    (ws.inbox / "per unit" / BAPAS).mkdir(parents=True)
    drop(ws, returned_form(rules, tmp_path / "a.xlsx"), f"{LAPAS}/laporan.xlsx")
    drop(ws, returned_form(rules, tmp_path / "b.xlsx", BAPAS), f"per unit/{BAPAS}/laporan.xlsx")
    (ws.inbox / LAPAS / "~$laporan.xlsx").write_bytes(b"lock")        # Excel's lock file
    (ws.inbox / LAPAS / "unduhan.xlsx.crdownload").write_bytes(b"x")  # still downloading
    out = cli(ws, "ingest").stdout
    assert f"[DITERIMA] {LAPAS}/laporan.xlsx" in out and f"[DITERIMA] per unit/{BAPAS}/laporan.xlsx" in out
    assert f"[DILEWATI] {LAPAS}/~$laporan.xlsx — berkas kunci/sementara Office" in out
    assert f"[DILEWATI] {LAPAS}/unduhan.xlsx.crdownload" in out
    assert {d["state"] for d in status_json(ws, 1) if d["unit"] in (LAPAS, BAPAS)} == {"diterima"}
    import sqlite3
    with sqlite3.connect(ws.ledger) as conn:
        paths = sorted(r[0] for r in conn.execute("SELECT inbox_path FROM submissions"))
    assert paths == [f"{LAPAS}/laporan.xlsx", f"per unit/{BAPAS}/laporan.xlsx"]
    left = sorted(p.relative_to(ws.inbox).as_posix() for p in ws.inbox.rglob("*") if p.is_file())
    assert left == [f"{LAPAS}/unduhan.xlsx.crdownload", f"{LAPAS}/~$laporan.xlsx"]


# --------------------------------------------------------------------------- 6: feedback workbooks


def test_feedback_per_submission_under_the_real_unit_and_settled_when_answered(ws, rules, tmp_path):
    from forms_helpers import edit_meta

    p = plan(rules)
    bad1 = returned_form(rules, tmp_path / "s1.xlsx", overrides={cell(p, "IK01", "realisasi"): -1})
    bad2 = returned_form(rules, tmp_path / "s2.xlsx", overrides={cell(p, "IK01", "realisasi"): -2})
    forged = edit_meta(returned_form(rules, tmp_path / "bp.xlsx", BAPAS), unit=LAPAS)  # a Bapas form posing as Lapas
    drop(ws, bad1, "salah1.xlsx", when=T(2026, 4, 5, 10))
    drop(ws, bad2, "salah2.xlsx", when=T(2026, 4, 6, 10))
    drop(ws, forged, "palsu.xlsx", when=T(2026, 4, 6, 11))
    results = {r["file"]: r for r in ingest(ws)}
    feedback = {name: Path(r["feedback"]).name for name, r in results.items()}
    assert len(set(feedback.values())) == 3 and len(list(ws.feedback.glob("*.xlsx"))) == 3
    assert feedback["palsu.xlsx"].startswith(f"{BAPAS}_{YEAR}_TW1_")
    assert results["palsu.xlsx"]["unit"] == BAPAS
    assert "tertulis unit LP-SUKAMISKIN, padahal formulir ini milik BP-BANDUNG" in \
        " ".join(i["message"] for i in results["palsu.xlsx"]["issues"])
    doc = status_json(ws, 1)
    assert len(row(doc, LAPAS, 1)["feedback_to_send"]) == 2 and len(row(doc, BAPAS, 1)["feedback_to_send"]) == 1
    assert "Umpan balik yang masih perlu dikirim ke unit (3 berkas" in \
        cli(ws, "status", "--year", str(YEAR), "--quarter", "1").stdout
    # the corrected Lapas form is accepted: its two feedback files need no sending any more
    drop(ws, returned_form(rules, tmp_path / "ok.xlsx"), "benar.xlsx", when=T(2026, 4, 7, 10))
    out = cli(ws, "ingest").stdout
    assert "2 umpan balik sudah terjawab" in out
    assert sorted(x.name for x in (ws.feedback / "selesai").iterdir()) == sorted(
        [feedback["salah1.xlsx"], feedback["salah2.xlsx"]])
    assert [x.name for x in ws.feedback.glob("*.xlsx")] == [feedback["palsu.xlsx"]]
    doc = status_json(ws, 1)
    assert row(doc, LAPAS, 1)["feedback_to_send"] == [] and len(row(doc, BAPAS, 1)["feedback_to_send"]) == 1


# --------------------------------------------------------------------------- 7: a full disk, and other OS errors

FULL_DISK = Path(__file__).with_name("full_disk.py")


def on_full_disk(ws, *args: str, reads: bool = False):
    """Run ``kinerja -w WS ARGS`` in a process whose disk is full (see full_disk.py)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "KINERJA_WORKERS": "0",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent.parent), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, str(FULL_DISK), str(ws.root), "all" if reads else "write",
                           "-w", str(ws.root), *args], capture_output=True, text=True, timeout=300, env=env)


def snapshot(ws) -> dict:
    """Every file of the workspace (but the ledger's own) with its bytes' hash, and the ledger's rows."""
    import hashlib
    import sqlite3

    files = {p.relative_to(ws.root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in ws.root.rglob("*") if p.is_file() and not p.name.startswith(("kinerja.db", "kinerja.lock"))}
    rows = {}
    if ws.ledger.exists():
        with sqlite3.connect(ws.ledger) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
                rows[table] = conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
    return {"files": files, "rows": rows}


def assert_disk_full(proc) -> None:
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert proc.stderr.startswith("Kesalahan: Disk penuh"), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr  # one line: no traceback, no "Exception ignored"
    assert "rusak" not in proc.stderr and "tak terduga" not in proc.stderr and "Traceback" not in proc.stderr
    assert "Tidak ada yang hilang" in proc.stderr


@pytest.fixture()
def collected(ws, rules, tmp_path):
    """A workspace with one accepted and one refused submission, one approval, in the ledger."""
    drop(ws, returned_form(rules, tmp_path / "a.xlsx"), quarter=1)
    drop(ws, returned_form(rules, tmp_path / "b.xlsx", "LP-BANCEUY", overrides=ik01(rules, -1, "LP-BANCEUY")),
         quarter=1)
    ingest(ws)
    chain(ws, "approve", LAPAS, 1, "verifikasi")
    return ws


def test_full_disk_ingest(collected, rules, tmp_path):
    ws = collected
    drop(ws, returned_form(rules, tmp_path / "c.xlsx", BAPAS), quarter=1)
    bad = returned_form(rules, tmp_path / "d.xlsx", "LP-BANCEUY", overrides=ik01(rules, -2, "LP-BANCEUY"))
    drop(ws, bad, quarter=1)
    before = snapshot(ws)
    assert_disk_full(on_full_disk(ws, "ingest"))
    assert snapshot(ws) == before  # nothing recorded, nothing moved, no half-written feedback
    proc = on_full_disk(ws, "ingest", "--json")
    assert proc.returncode == 1 and json.loads(proc.stdout)["error"]["code"] == "disk-penuh"
    # room again: the same run now does everything
    assert {r["outcome"] for r in ingest(ws)} == {"accepted", "rejected"}
    assert not list(ws.inbox.iterdir())


def test_full_disk_forms(ws):
    assert_disk_full(on_full_disk(ws, "forms", "--year", str(YEAR), "--quarter", "2"))
    folder = ws.form_dir(YEAR, 2)
    assert not folder.exists() or not list(folder.iterdir())  # no half-written form, no temporary file


def test_full_disk_approve_and_reject(collected):
    ws = collected
    before = snapshot(ws)
    proc = on_full_disk(ws, "approve", "--unit", LAPAS, "--year", str(YEAR), "--quarter", "1", "--level",
                        "validasi", "--by", "Bambang", "--nip", NIP)
    assert_disk_full(proc)
    assert "ledger kinerja.db" in proc.stderr and "Ledger tetap utuh" in proc.stderr
    proc = on_full_disk(ws, "unapprove", "--unit", LAPAS, "--year", str(YEAR), "--quarter", "1", "--level",
                        "verifikasi", "--by", "Bambang", "--nip", NIP)
    assert_disk_full(proc)
    proc = on_full_disk(ws, "reject", "--unit", LAPAS, "--year", str(YEAR), "--quarter", "1", "--level",
                        "validasi", "--by", "Bambang", "--nip", NIP, "--reason", "Salah.")
    assert_disk_full(proc)
    assert snapshot(ws) == before
    assert row(status_json(ws, 1), LAPAS, 1)["level"] == "verifikasi"  # the approval is still there


@pytest.mark.parametrize("command", [["rekap", "--year", str(YEAR), "--quarter", "1"], ["lkjip", "--year", str(YEAR)]])
def test_full_disk_rekap_and_lkjip(collected, command):
    ws = collected
    cli(ws, *command)  # earlier outputs stay as they were
    before = snapshot(ws)
    assert_disk_full(on_full_disk(ws, *command))
    assert snapshot(ws) == before


def test_full_disk_status_does_not_call_the_ledger_damaged(collected):
    ws = collected
    proc = on_full_disk(ws, "status", "--year", str(YEAR), reads=True)
    assert_disk_full(proc)
    proc = on_full_disk(ws, "status", "--year", str(YEAR), "--json", reads=True)
    assert proc.returncode == 1 and json.loads(proc.stdout)["error"]["code"] == "disk-penuh"


def test_a_damaged_ledger_is_called_so_only_when_sqlite_says_so_and_approvals_are_kept(collected):
    ws = collected
    data = bytearray(ws.ledger.read_bytes())
    cli(ws, "status", "--year", str(YEAR))  # sound: works
    for path in ws.root.glob("kinerja.db-*"):
        path.unlink()
    data[100:4096] = b"\xff" * (4096 - 100)  # the first page's content destroyed
    ws.ledger.write_bytes(bytes(data))
    result = cli(ws, "status", "--year", str(YEAR), "--json", ok=False)
    error = json.loads(result.stdout)["error"]
    assert result.exit_code == 1 and error["code"] == "ledger-rusak"
    assert "integrity_check" in error["message"] and "Jangan menghapus" in error["message"]
    assert "persetujuan" in error["message"] and "ingest" not in error["message"]  # no advice to start over
    assert ws.ledger.read_bytes() == bytes(data)  # left as it was


def test_os_errors_are_said_as_they_are(ws, rules, tmp_path):
    import os

    (ws.root / "keluaran").write_text("bukan folder")  # a file where the outputs folder belongs
    result = cli(ws, "rekap", "--year", str(YEAR), ok=False)
    assert result.exit_code == 1 and "bukan folder" in result.stderr and "keluaran" in result.stderr
    result = cli(ws, "lkjip", "--year", str(YEAR), ok=False)
    assert result.exit_code == 1 and "bukan folder" in result.stderr
    ws.inbox.rmdir()
    (ws.root / "inbox").write_text("bukan folder")
    result = cli(ws, "ingest", "--json", ok=False)
    assert json.loads(result.stdout)["error"]["code"] == "bukan-folder"
    if os.geteuid() != 0:  # root may write anywhere
        (ws.root / "templates_xlsx").mkdir()
        (ws.root / "templates_xlsx").chmod(0o500)
        result = cli(ws, "forms", "--year", str(YEAR), "--quarter", "1", ok=False)
        assert "Tidak ada izin" in result.stderr
