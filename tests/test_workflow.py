"""Tests for kinerja_pipeline.workflow: the approval chain, reviewer rejection, status."""
from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
from pathlib import Path

import openpyxl
import pytest

from kinerja_pipeline import forms, ingest, layout, ledger
from kinerja_pipeline.errors import KinerjaError
from kinerja_pipeline.layout import COL, DATA_SHEET, RESULT_SHEET
from kinerja_pipeline.reporting import action_text, chase_lines, status_text
from kinerja_pipeline.rules import ApprovalLevel
from kinerja_pipeline.workflow import (
    STATE_ACCEPTED,
    STATE_INVALID,
    STATE_NOT_SENT,
    WorkflowError,
    approve,
    days_late,
    reject,
    state_word,
    status,
    unapprove,
)
from kinerja_pipeline.workspace import Workspace

YEAR = 2026
UNIT = "LP-SUKAMISKIN"
JABAR = ["LP-SUKAMISKIN", "LP-BANCEUY", "RT-BANDUNG", "BP-BANDUNG", "LPKA-BANDUNG"]
NIP = "198305122009122003"
NIP2 = "197205141993031002"
NOW = dt.datetime(2026, 4, 20, 9, 30, 15, 123456)
_counter = itertools.count()


def clock() -> dt.datetime:
    return NOW


@pytest.fixture()
def ws(workspace: Path) -> Workspace:
    return Workspace(workspace)


@pytest.fixture()
def rules(sample_rules):
    return sample_rules


def sent(ws: Workspace, unit: str = UNIT, quarter: int = 1, *, outcome: str = "accepted",
         received: str = "2026-04-08T10:00:00", values: list[dict] | None = None, reason: str = "") -> int:
    """Record a submission directly in the ledger (no real file needed)."""
    n = next(_counter)
    sha = hashlib.sha256(f"{unit}{quarter}{n}".encode()).hexdigest()
    conn = ledger.connect(ws.ledger)
    try:
        return ledger.record_submission(conn, ledger.Submission(
            sha256=sha, file_name=f"{unit}_{n}.xlsx", size=100, received_at=received, outcome=outcome,
            archive_path=f"arsip/{YEAR}/TW{quarter}/{sha[:12]}_{unit}.xlsx", reason=reason, file_format="xlsx",
            unit=unit, year=YEAR, quarter=quarter,
            values=values if values is not None else [{"indikator": "IK01", "realisasi": 7.0}],
            budget=[{"kegiatan": "KEG-BIN", "realisasi_anggaran": 1000.0}] if outcome == "accepted" else [],
            issues=[] if outcome == "accepted" else [{"code": "x", "severity": "error", "message": "salah"}]))
    finally:
        conn.close()


def rows(ws: Workspace, sql: str, *params) -> list:
    conn = ledger.connect(ws.ledger)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def act(fn, ws, rules, level, unit=UNIT, quarter=1, **kw):
    kw.setdefault("by", "Bambang Sumardiono")
    kw.setdefault("nip", NIP2)
    if fn is reject:
        kw.setdefault("reason", "Angka tidak sesuai register.")
    return fn(ws, rules, unit, YEAR, quarter, level, clock=clock, **kw)


# =========================================================================== approve


def test_approve_records_row_and_event(ws, rules):
    sid = sent(ws)
    result = act(approve, ws, rules, "verifikasi", note="Sesuai register")
    assert [r.unit for r in result.done] == [UNIT] and not result.not_ready
    assert result.at == "2026-04-20T09:30:15"
    (row,) = rows(ws, "SELECT * FROM approvals")
    assert dict(row) | {"id": 0} == {"id": 0, "submission_id": sid, "unit": UNIT, "year": YEAR, "quarter": 1,
                                    "level": "verifikasi", "action": "approve", "by_name": "Bambang Sumardiono",
                                    "nip": NIP2, "at": "2026-04-20T09:30:15", "note": "Sesuai register"}
    (event,) = rows(ws, "SELECT * FROM events WHERE kind = 'workflow:approve'")
    assert event["submission_id"] == sid and event["at"] == "2026-04-20T09:30:15"
    assert json.loads(event["detail"])["level"] == "verifikasi"
    assert "Verifikasi: disetujui" in action_text(result) and UNIT in action_text(result)
    assert status(ws, rules, YEAR, 1).row(UNIT, 1).state == "diverifikasi"


def test_level_by_name_and_nip_with_spaces(ws, rules):
    sent(ws)
    act(approve, ws, rules, " Verifikasi ", nip="19830512 200912 2 003")
    (row,) = rows(ws, "SELECT level, nip FROM approvals")
    assert (row["level"], row["nip"]) == ("verifikasi", NIP)


def test_full_chain_states(ws, rules):
    sent(ws)
    for level, word in [("verifikasi", "diverifikasi"), ("validasi", "divalidasi"), ("pengesahan", "disahkan")]:
        act(approve, ws, rules, level)
        assert status(ws, rules, YEAR, 1).row(UNIT, 1).state == word


def test_approve_before_any_submission(ws, rules):
    sent(ws, "LP-BANCEUY")  # the ledger exists, but this unit has sent nothing
    with pytest.raises(WorkflowError, match=f"{UNIT} belum mengirim data TW I 2026") as exc:
        act(approve, ws, rules, "verifikasi")
    assert "kinerja ingest" in str(exc.value)
    assert isinstance(exc.value, KinerjaError)


def test_approve_without_ledger(ws, rules):
    with pytest.raises(WorkflowError, match="Belum ada data yang diterima"):
        act(approve, ws, rules, "verifikasi")
    assert not ws.ledger.exists()


def test_approve_ingest_rejected_submission(ws, rules):
    sent(ws, outcome="rejected", reason="Tidak Valid: angka")
    with pytest.raises(WorkflowError, match="Tidak Valid saat pemeriksaan otomatis"):
        act(approve, ws, rules, "verifikasi")
    assert rows(ws, "SELECT * FROM approvals") == []


def test_approve_skipping_a_level(ws, rules):
    sent(ws)
    with pytest.raises(WorkflowError) as exc:
        act(approve, ws, rules, "validasi")
    msg = str(exc.value)
    assert "belum melalui tahap Verifikasi" in msg and "tahap Validasi hanya dapat disetujui setelah Verifikasi" in msg
    assert "--level verifikasi" in msg
    act(approve, ws, rules, "verifikasi")
    with pytest.raises(WorkflowError, match="belum melalui tahap Validasi"):
        act(approve, ws, rules, "pengesahan")


def test_approve_twice(ws, rules):
    sent(ws)
    act(approve, ws, rules, "verifikasi")
    with pytest.raises(WorkflowError) as exc:
        act(approve, ws, rules, "verifikasi", by="Orang Lain", nip=NIP)
    msg = str(exc.value)
    assert "sudah disetujui oleh Bambang Sumardiono" in msg and "tidak dicatat dua kali" in msg
    assert len(rows(ws, "SELECT * FROM approvals")) == 1


def test_unknown_level_lists_valid_ones(ws, rules):
    sent(ws)
    with pytest.raises(WorkflowError) as exc:
        act(approve, ws, rules, "pemeriksaan")
    msg = str(exc.value)
    assert "Tahap persetujuan 'pemeriksaan' tidak dikenal" in msg
    assert "verifikasi (Verifikasi), validasi (Validasi), pengesahan (Pengesahan)" in msg


@pytest.mark.parametrize("nip", ["12345", "19830512200912200X", "1983051220091220031", ""])
def test_bad_nip(ws, rules, nip):
    sent(ws)
    with pytest.raises(WorkflowError, match="NIP harus 18 digit angka"):
        act(approve, ws, rules, "verifikasi", nip=nip)


@pytest.mark.parametrize("by", ["", "   "])
def test_empty_by(ws, rules, by):
    sent(ws)
    with pytest.raises(WorkflowError, match=r"Nama pemeriksa \(--by\) wajib diisi"):
        act(approve, ws, rules, "verifikasi", by=by)


def test_unknown_unit_and_bad_quarter(ws, rules):
    sent(ws)
    with pytest.raises(WorkflowError, match="Unit 'LP-SUKAMISKN' tidak dikenal.*LP-SUKAMISKIN"):
        act(approve, ws, rules, "verifikasi", unit="LP-SUKAMISKN")
    with pytest.raises(WorkflowError, match="Triwulan '5' tidak dikenal"):
        act(approve, ws, rules, "verifikasi", quarter=5)


# =========================================================================== unapprove


def test_unapprove_lower_level_while_higher_stands(ws, rules):
    sent(ws)
    act(approve, ws, rules, "verifikasi")
    act(approve, ws, rules, "validasi", by="Direktur Teknis", nip=NIP)
    with pytest.raises(WorkflowError) as exc:
        act(unapprove, ws, rules, "verifikasi")
    msg = str(exc.value)
    assert "tidak dapat ditarik karena tahap di atasnya masih berlaku: Validasi" in msg
    assert "Direktur Teknis" in msg and "--level validasi" in msg


def test_unapprove_top_down_and_nothing_deleted(ws, rules):
    sid = sent(ws)
    act(approve, ws, rules, "verifikasi")
    act(approve, ws, rules, "validasi")
    act(unapprove, ws, rules, "validasi", note="Salah unit")
    assert status(ws, rules, YEAR, 1).row(UNIT, 1).state == "diverifikasi"
    act(unapprove, ws, rules, "verifikasi")
    conn = ledger.connect(ws.ledger)
    try:
        assert ledger.standing_approvals(conn, sid) == []
    finally:
        conn.close()
    actions = [(r["level"], r["action"]) for r in rows(ws, "SELECT * FROM approvals ORDER BY id")]
    assert actions == [("verifikasi", "approve"), ("validasi", "approve"),
                       ("validasi", "unapprove"), ("verifikasi", "unapprove")]
    assert len(rows(ws, "SELECT * FROM events WHERE kind LIKE 'workflow:%'")) == 4
    assert status(ws, rules, YEAR, 1).row(UNIT, 1).state == STATE_ACCEPTED
    # after a withdrawal the level may approve again
    act(approve, ws, rules, "verifikasi")
    assert status(ws, rules, YEAR, 1).row(UNIT, 1).state == "diverifikasi"


def test_unapprove_level_not_standing(ws, rules):
    sent(ws)
    with pytest.raises(WorkflowError, match="Tahap Verifikasi untuk LP-SUKAMISKIN TW I 2026 belum disetujui"):
        act(unapprove, ws, rules, "verifikasi")


# =========================================================================== parent nodes


def test_parent_node_applies_to_ready_units_and_reports_the_others(ws, rules):
    for unit in ("LP-SUKAMISKIN", "RT-BANDUNG", "BP-BANDUNG"):
        sent(ws, unit)
    sent(ws, "LPKA-BANDUNG", outcome="rejected", reason="Tidak Valid: x")
    sent(ws, "LP-PORONG")  # another Kanwil: untouched
    result = act(approve, ws, rules, "verifikasi", unit="KW-JABAR")
    assert [r.unit for r in result.done] == ["LP-SUKAMISKIN", "RT-BANDUNG", "BP-BANDUNG"]
    why = {r.unit: r.message for r in result.not_ready}
    assert set(why) == {"LP-BANCEUY", "LPKA-BANDUNG"}
    assert "belum mengirim" in why["LP-BANCEUY"] and "Tidak Valid" in why["LPKA-BANDUNG"]
    text = action_text(result)
    assert "[BELUM SIAP] LP-BANCEUY" in text and "3 unit" in text
    assert {r["unit"] for r in rows(ws, "SELECT unit FROM approvals")} == {"LP-SUKAMISKIN", "RT-BANDUNG",
                                                                          "BP-BANDUNG"}
    # a second run: nobody is ready any more at this level → an error listing every unit and why
    with pytest.raises(WorkflowError) as exc:
        act(approve, ws, rules, "verifikasi", unit="KW-JABAR")
    msg = str(exc.value)
    assert msg.startswith("Tidak ada unit di bawah KW-JABAR yang siap disetujui pada tahap Verifikasi")
    assert all(f"  - {u}:" in msg for u in JABAR) and "sudah disetujui" in msg
    # the root reaches every Kanwil; validasi applies only where verifikasi stands
    result = act(approve, ws, rules, "validasi", unit="DITJENPAS")
    assert [r.unit for r in result.done] == ["LP-SUKAMISKIN", "RT-BANDUNG", "BP-BANDUNG"]
    assert "belum melalui tahap Verifikasi" in {r.unit: r.message for r in result.not_ready}["LP-PORONG"]
    assert result.as_json()["not_ready"][0]["done"] is False


def test_parent_node_unapprove(ws, rules):
    for unit in ("LP-SUKAMISKIN", "RT-BANDUNG"):
        sent(ws, unit)
    act(approve, ws, rules, "verifikasi", unit="KW-JABAR")
    result = act(unapprove, ws, rules, "verifikasi", unit="KW-JABAR")
    assert [r.unit for r in result.done] == ["LP-SUKAMISKIN", "RT-BANDUNG"]
    assert len(result.not_ready) == 3


# =========================================================================== reject (ledger level)


def test_reject_makes_submission_stop_being_current(ws, rules):
    sid = sent(ws)
    sent(ws, UNIT, 2, received="2026-07-08T08:00:00", values=[{"indikator": "IK01", "realisasi": 9.0}])
    act(approve, ws, rules, "verifikasi")
    result = act(reject, ws, rules, "validasi", by="Direktur Teknis", nip=NIP, reason="Realisasi IK01 tidak wajar")
    (done,) = result.done
    assert done.submission_id == sid and done.feedback is not None and done.feedback.is_file()
    conn = ledger.connect(ws.ledger)
    try:
        assert ledger.current_submission(conn, UNIT, YEAR, 1) is None
        assert ledger.values_frame(conn, YEAR)["quarter"].tolist() == [2]
        assert ledger.budget_frame(conn, YEAR)["quarter"].tolist() == [2]
        assert ledger.previous_values(conn, UNIT, YEAR, 2) == {}
        assert [r["quarter"] for r in ledger.current_submissions(conn, YEAR)] == [2]
        sub = conn.execute("SELECT * FROM submissions WHERE id = ?", (sid,)).fetchone()
        assert sub["outcome"] == "accepted" and sub["superseded_by"] is None  # history intact
        assert sub["feedback_path"] == done.feedback.relative_to(ws.root).as_posix()
        issue = conn.execute("SELECT * FROM issues WHERE submission_id = ?", (sid,)).fetchone()
        assert (issue["code"], issue["severity"], issue["source"]) == ("ditolak-pemeriksa", "error", "pemeriksa")
    finally:
        conn.close()
    assert [(r["level"], r["action"]) for r in rows(ws, "SELECT * FROM approvals ORDER BY id")] == [
        ("verifikasi", "approve"), ("validasi", "reject")]
    (event,) = rows(ws, "SELECT * FROM events WHERE kind = 'workflow:reject'")
    assert json.loads(event["detail"])["feedback"] == done.feedback.relative_to(ws.root).as_posix()
    row = status(ws, rules, YEAR, 1).row(UNIT, 1)
    assert row.state == STATE_INVALID and "Realisasi IK01 tidak wajar" in row.reason
    # nothing left to approve, and the message says what happened and what comes next
    with pytest.raises(WorkflowError) as exc:
        act(approve, ws, rules, "validasi")
    msg = str(exc.value)
    assert "sudah ditolak pada tahap Validasi oleh Direktur Teknis" in msg
    assert "dimulai lagi dari tahap Verifikasi" in msg


def test_reject_requires_reason(ws, rules):
    sent(ws)
    with pytest.raises(WorkflowError, match=r"Alasan penolakan \(--reason\) wajib diisi"):
        act(reject, ws, rules, "verifikasi", reason="  ")


def test_reject_out_of_turn(ws, rules):
    sent(ws)
    with pytest.raises(WorkflowError, match="tahap Pengesahan hanya dapat ditolak setelah Verifikasi"):
        act(reject, ws, rules, "pengesahan")
    act(approve, ws, rules, "verifikasi")
    act(approve, ws, rules, "validasi")
    with pytest.raises(WorkflowError) as exc:
        act(reject, ws, rules, "verifikasi")
    msg = str(exc.value)
    assert "sudah disetujui pada tahap Validasi" in msg and "--level validasi" in msg
    assert not ws.feedback.exists() or not any(ws.feedback.iterdir())


def test_reject_without_archived_original_rebuilds_from_ledger(ws, rules):
    """The archive path in the ledger points nowhere: the feedback is rebuilt from recorded values."""
    sent(ws, values=[{"indikator": "IK01", "realisasi": 7.0, "bukti": "ND-7"}])
    result = act(reject, ws, rules, "verifikasi", reason="Bukti dukung tidak dapat dibuka")
    wb = openpyxl.load_workbook(result.done[0].feedback)
    plan = layout.plan_form(rules, UNIT, YEAR, 1)
    ik01 = next(r for r in plan.rows if r.indicator.kode == "IK01")
    assert wb[DATA_SHEET][f"{COL['realisasi']}{ik01.row}"].value == 7
    assert wb[DATA_SHEET][f"{COL['bukti']}{ik01.row}"].value == "ND-7"


# =========================================================================== end to end with real forms


def fill_form(ws: Workspace, rules, name: str, *, received: dt.datetime, unit: str = UNIT, quarter: int = 1,
              factor: float = 1.0, bukti: str = "ND/001/2026") -> Path:
    """Generate the unit's form, fill every input cell like a unit would, drop it in the inbox."""
    plan = layout.plan_form(rules, unit, YEAR, quarter)
    ws.inbox.mkdir(parents=True, exist_ok=True)
    path = ws.inbox / name
    forms.write_form(rules, plan, path, generated_at=dt.datetime(2026, 3, 25, 8, 0))
    wb = openpyxl.load_workbook(path)
    sh = wb[DATA_SHEET]
    for r in plan.rows:
        if r.indicator.is_ratio:
            sh[f"{COL['pembilang']}{r.row}"] = round(r.target_tw * factor)
            sh[f"{COL['penyebut']}{r.row}"] = 100
        else:
            sh[f"{COL['realisasi']}{r.row}"] = round(r.target_tw * factor)
        sh[f"{COL['bukti']}{r.row}"] = bukti
    for b in plan.budget:
        sh[f"{COL['realisasi']}{b.row}"] = round(b.pagu / 4)
    sig = plan.signature_rows
    sh[f"D{sig['nama']}"] = rules.unit(unit).kepala.nama
    sh[f"D{sig['nip']}"] = rules.unit(unit).kepala.nip
    sh[f"D{sig['tanggal']}"] = received.date()
    wb.save(path)
    stamp = received.timestamp()
    os.utime(path, (stamp, stamp))
    return path


def run_ingest(ws: Workspace, rules) -> ingest.FileResult:
    (result,) = ingest.ingest(ws, rules, settle_seconds=0).results
    return result


def test_approved_data_locks_ingest_and_unapprove_unlocks(ws, rules):
    fill_form(ws, rules, "tw1.xlsx", received=dt.datetime(2026, 4, 8, 10))
    first = run_ingest(ws, rules)
    assert first.outcome == "accepted", first.issues
    act(approve, ws, rules, "verifikasi", by="Bambang Sumardiono")

    fill_form(ws, rules, "tw1_revisi.xlsx", received=dt.datetime(2026, 4, 21, 9), bukti="ND/002/2026")
    locked = run_ingest(ws, rules)
    assert locked.outcome == "rejected"
    (issue,) = [i for i in locked.issues if i.code == "data-terkunci"]
    assert "Bambang Sumardiono" in issue.message and f"NIP {NIP2}" in issue.message
    assert "kinerja unapprove --unit LP-SUKAMISKIN --year 2026 --quarter 1 --level verifikasi" in issue.message
    assert status(ws, rules, YEAR, 1).row(UNIT, 1).submission_id == first.submission_id  # still current

    act(unapprove, ws, rules, "verifikasi", note="Unit mengirim revisi")
    fill_form(ws, rules, "tw1_revisi2.xlsx", received=dt.datetime(2026, 4, 22, 9), bukti="ND/003/2026")
    again = run_ingest(ws, rules)
    assert again.outcome == "accepted", again.issues
    (old,) = rows(ws, "SELECT superseded_by FROM submissions WHERE id = ?", first.submission_id)
    assert old["superseded_by"] == again.submission_id
    row = status(ws, rules, YEAR, 1).row(UNIT, 1)
    assert (row.state, row.submission_id, row.approvals) == (STATE_ACCEPTED, again.submission_id, [])


def test_reject_feedback_then_corrected_resubmission(ws, rules):
    fill_form(ws, rules, "sukamiskin.xlsx", received=dt.datetime(2026, 4, 8, 10))
    first = run_ingest(ws, rules)
    assert first.outcome == "accepted", first.issues
    act(approve, ws, rules, "verifikasi")
    reason = "Jumlah napi pelatihan tidak sesuai daftar hadir; lampirkan sertifikat."
    result = act(reject, ws, rules, "validasi", by="Direktur Pembinaan", nip=NIP, reason=reason)

    # the feedback workbook: the unit's own file, with the reason on "Hasil Validasi"
    (fb,) = result.feedback_files
    assert fb.parent == ws.feedback and fb.name == "LP-SUKAMISKIN_2026_TW1_ditolak-validasi.xlsx"
    assert f"umpan_balik/{fb.name}" in action_text(result, ws.root)
    wb = openpyxl.load_workbook(fb)
    assert wb.sheetnames[0] == RESULT_SHEET and DATA_SHEET in wb.sheetnames
    texts = [str(c.value) for line in wb[RESULT_SHEET].iter_rows() for c in line if c.value is not None]
    assert any(t.startswith(reason) for t in texts)                     # Catatan pemeriksa
    assert "ditolak-pemeriksa" in texts
    assert any(reason in t and "Direktur Pembinaan" in t for t in texts if t.startswith("Ditolak pada tahap"))
    # the heading names who rejected the data at which level, not "TIDAK VALID"
    assert wb[RESULT_SHEET]["A1"].value == "DATA KINERJA DITOLAK PADA TAHAP VALIDASI OLEH Direktur Pembinaan"
    plan = layout.plan_form(rules, UNIT, YEAR, 1)
    assert wb[DATA_SHEET][f"{COL['bukti']}{plan.rows[0].row}"].value == "ND/001/2026"  # the unit's values kept

    st = status(ws, rules, YEAR, 1, today=dt.date(2026, 4, 25))
    assert st.row(UNIT, 1).state == STATE_INVALID
    assert UNIT in "\n".join(chase_lines(st))

    # the unit fixes the feedback workbook in place and sends it back: accepted, supersedes,
    # and approval starts again from the first level
    sh = wb[DATA_SHEET]
    for r in plan.rows:
        sh[f"{COL['bukti']}{r.row}"] = "Sertifikat BNSP no. 12/2026"
    corrected = ws.inbox / "sukamiskin_perbaikan.xlsx"
    wb.save(corrected)
    stamp = dt.datetime(2026, 4, 24, 14).timestamp()
    os.utime(corrected, (stamp, stamp))
    second = run_ingest(ws, rules)
    assert second.outcome == "accepted", second.issues
    (old,) = rows(ws, "SELECT superseded_by, outcome FROM submissions WHERE id = ?", first.submission_id)
    assert (old["superseded_by"], old["outcome"]) == (second.submission_id, "accepted")
    row = status(ws, rules, YEAR, 1).row(UNIT, 1)
    assert (row.state, row.submission_id, row.approvals) == (STATE_ACCEPTED, second.submission_id, [])
    assert row.received_at == "2026-04-24T14:00:00" and row.days_late == 14
    with pytest.raises(WorkflowError, match="belum melalui tahap Verifikasi"):
        act(approve, ws, rules, "validasi")
    act(approve, ws, rules, "verifikasi")
    assert status(ws, rules, YEAR, 1).row(UNIT, 1).state == "diverifikasi"
    conn = ledger.connect(ws.ledger)
    try:
        frame = ledger.values_frame(conn, YEAR)
        assert set(frame["submission_id"]) == {second.submission_id}
        assert set(frame["bukti"]) == {"Sertifikat BNSP no. 12/2026"}
    finally:
        conn.close()
    # the old verifikasi approval is history, attached to the rejected submission
    assert [(r["submission_id"], r["action"]) for r in rows(ws, "SELECT * FROM approvals ORDER BY id")] == [
        (first.submission_id, "approve"), (first.submission_id, "reject"), (second.submission_id, "approve")]


# =========================================================================== status


def test_days_late_compares_dates():
    deadline = dt.date(2026, 4, 10)
    assert days_late("2026-04-10T23:59:59", deadline) == 0
    assert days_late("2026-04-02T08:00:00", deadline) == 0
    assert days_late("2026-04-11T00:00:01", deadline) == 1
    assert days_late("2026-04-20T07:00:00", deadline) == 10
    assert days_late(None, deadline) is None and days_late("2026-04-11T00:00:00", None) is None


def test_status_timeliness_and_rates(ws, rules):
    assert rules.policy.deadline(YEAR, 1) == dt.date(2026, 4, 10)
    sent(ws, "LP-SUKAMISKIN", received="2026-04-10T23:59:00")   # on the deadline day
    sent(ws, "LP-BANCEUY", received="2026-04-11T00:01:00")      # the day after
    sent(ws, "RT-BANDUNG", outcome="rejected", received="2026-04-05T09:00:00", reason="Tidak Valid: x")
    sent(ws, "LPKA-BANDUNG", received="2026-04-09T09:00:00")
    act(approve, ws, rules, "verifikasi", unit="LPKA-BANDUNG")
    st = status(ws, rules, YEAR, 1, today=dt.date(2026, 4, 15))
    assert len(st.rows) == len(rules.reporting_units)
    on_day, after, never = st.row("LP-SUKAMISKIN", 1), st.row("LP-BANCEUY", 1), st.row("BP-BANDUNG", 1)
    assert (on_day.state, on_day.days_late, on_day.on_time) == (STATE_ACCEPTED, 0, True)
    assert (after.state, after.days_late, after.on_time) == (STATE_ACCEPTED, 1, False)
    assert (never.state, never.received_at, never.days_late) == (STATE_NOT_SENT, None, None)
    assert st.row("RT-BANDUNG", 1).state == STATE_INVALID and not st.row("RT-BANDUNG", 1).on_time
    assert st.row("LPKA-BANDUNG", 1).state == "diverifikasi"
    jabar = st.rate("KW-JABAR", 1)
    assert (jabar.expected, jabar.reported, jabar.on_time) == (5, 3, 2)
    assert jabar.reporting_rate == pytest.approx(60.0) and jabar.on_time_rate == pytest.approx(40.0)
    root = st.rate("DITJENPAS")
    assert (root.expected, root.reported, root.on_time) == (len(rules.reporting_units), 3, 2)
    assert {r.kode for r in st.rates} == {"DITJENPAS", "KW-JABAR", "KW-JATIM", "KW-SUMUT"}


def test_status_quarters(ws, rules):
    assert {r.quarter for r in status(ws, rules, YEAR).rows} == {1, 2, 3, 4}
    st = status(ws, rules, YEAR, 2)
    assert {r.quarter for r in st.rows} == {1, 2} and len(st.rows) == 2 * len(rules.reporting_units)
    assert not ws.ledger.exists()  # status never creates the ledger
    with pytest.raises(WorkflowError, match="Triwulan '7' tidak dikenal"):
        status(ws, rules, YEAR, 7)


def test_status_json_shape(ws, rules):
    sent(ws)
    act(approve, ws, rules, "verifikasi")
    doc = json.loads(json.dumps(status(ws, rules, YEAR, 1).as_json()))
    assert isinstance(doc, list) and len(doc) == len(rules.reporting_units)
    assert {"unit", "year", "quarter", "state", "received_at", "days_late", "approvals"} <= set(doc[0])
    mine = next(d for d in doc if d["unit"] == UNIT)
    assert mine == mine | {"unit": UNIT, "year": YEAR, "quarter": 1, "state": "disetujui", "level": "verifikasi",
                           "received_at": "2026-04-08T10:00:00", "days_late": 0}
    assert mine["approvals"] == [{"level": "verifikasi", "by": "Bambang Sumardiono", "nip": NIP2,
                                  "at": "2026-04-20T09:30:15"}]
    other = next(d for d in doc if d["unit"] == "LP-BANCEUY")
    assert (other["state"], other["received_at"], other["days_late"], other["approvals"]) == (
        "belum_mengirim", None, None, [])


def test_status_text(ws, rules):
    sent(ws, "LP-SUKAMISKIN", received="2026-04-10T12:00:00")
    sent(ws, "RT-BANDUNG", outcome="rejected", reason="Tidak Valid: realisasi kosong")
    text = status_text(status(ws, rules, YEAR, 2, today=dt.date(2026, 4, 15)))
    assert "Status pengumpulan data kinerja 2026" in text
    assert "KW-JABAR — Kanwil Ditjenpas Jawa Barat" in text and "KW-SUMUT — Kanwil Ditjenpas Sumatera Utara" in text
    assert "tepat waktu" in text and "lewat tenggat 5 hari" in text
    assert "melapor 1/5 (20,0%)" in text
    chase = text.split("Unit yang perlu ditagih")[1]
    banceuy = rules.unit("LP-BANCEUY").kepala
    assert f"Kepala: {banceuy.nama}, NIP {banceuy.nip}" in chase
    assert "TW I 2026: belum mengirim data (tenggat 10 April 2026, lewat 5 hari)" in chase
    assert "TW I 2026: data tidak valid" in chase and "realisasi kosong" in chase
    assert "LP-SUKAMISKIN" not in chase
    assert "TW II" not in chase  # TW II has not ended yet on 15 April: nobody is chased for it


def test_state_word():
    def lv(nama: str) -> ApprovalLevel:
        return ApprovalLevel(nama.lower(), nama, "")

    assert state_word(lv("Verifikasi")) == "diverifikasi"
    assert state_word(lv("Validasi")) == "divalidasi"
    assert state_word(lv("Pengesahan")) == "disahkan"
    assert state_word(lv("Evaluasi")) == "dievaluasi"
    assert state_word(lv("Verifikasi Kanwil")) == "diverifikasi kanwil"
    assert state_word(lv("Persetujuan")) == "disetujui"
    assert state_word(lv("Tanda Tangan Kepala")) == "disetujui: Tanda Tangan Kepala"
