"""The rekap model (:func:`kinerja_pipeline.rekap_model.build_rekap`) as plain data.

A small organisation is built in the test: PUSAT with two reporting units A and B, a summed
indicator I1 (target 10 a quarter for each unit) and a ratio I2 (target 80 %), one kegiatan KEG1
(pagu A 1,000, B 500), deadlines 10 April and 10 July, one approval level (Verifikasi). Its
ledger holds:

- A, TW I, 8 April (on time): I1 9 (penjelasan "stok habis"), I2 45/50, anggaran 300; approved;
- B, TW I, 13 April (3 days late): I1 6, I2 30/50, anggaran 100;
- A, TW II, 9 July: I1 11, I2 40/50, anggaran 200;
- B, TW II: one rejected file (5 July), nothing valid.

Every expected value is computed by hand from those numbers (comparing like with like: a quarter
or a unit that has not reported counts as nothing, never as zero).
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from kinerja_pipeline import ledger
from kinerja_pipeline.rekap_model import ALL_ACCEPTED, GroupRow, IndicatorRow, Rate, Rekap, build_rekap
from kinerja_pipeline.rules import Rules

from tiny_rules import tiny_rules

YEAR = 2026
ST, T, SD, R = "Sangat Tinggi", "Tinggi", "Sedang", "Rendah"


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Rules:
    return tiny_rules(
        tmp_path_factory.mktemp("org"),
        units={"PUSAT": {"induk": None, "jenis": "pusat", "nama": "Kantor Pusat"},
               "A": {"induk": "PUSAT", "jenis": "upt", "nama": "Lapas A"},
               "B": {"induk": "PUSAT", "jenis": "upt", "nama": "Lapas B"}},
        indicators=[{"kode": "I1"}, {"kode": "I2", "rasio": True}],
        targets={(u, "I1"): (10, 10, 10, 10) for u in "AB"} | {(u, "I2"): (80, 80, 80, 80) for u in "AB"},
        pagu={("A", "KEG1"): 1000, ("B", "KEG1"): 500})


def _send(conn, n: int, unit: str, quarter: int, at: str, values=(), budget=None, *, outcome="accepted",
          reason="", issues=()) -> int:
    return ledger.record_submission(conn, ledger.Submission(
        sha256=f"{n:064x}", file_name=f"{unit}_{YEAR}_TW{quarter}.xlsx", size=1000 + n, received_at=at,
        outcome=outcome, reason=reason, archive_path=f"arsip/{n}.xlsx", unit=unit, year=YEAR, quarter=quarter,
        values=list(values), budget=[{"kegiatan": "KEG1", "realisasi_anggaran": budget}] if budget else [],
        issues=list(issues)))


@pytest.fixture(scope="module")
def model(org: Rules) -> Rekap:
    conn = ledger.connect(Path(":memory:"))
    a1 = _send(conn, 1, "A", 1, "2026-04-08T09:00:00",
               [{"indikator": "I1", "realisasi": 9, "penjelasan": "stok habis"},
                {"indikator": "I2", "pembilang": 45, "penyebut": 50}], 300)
    _send(conn, 2, "B", 1, "2026-04-13T10:00:00",
          [{"indikator": "I1", "realisasi": 6}, {"indikator": "I2", "pembilang": 30, "penyebut": 50}], 100)
    _send(conn, 3, "A", 2, "2026-07-09T09:00:00",
          [{"indikator": "I1", "realisasi": 11}, {"indikator": "I2", "pembilang": 40, "penyebut": 50}], 200)
    _send(conn, 4, "B", 2, "2026-07-05T09:00:00", outcome="rejected", reason="formulir rusak",
          issues=[{"code": "angka-tidak-valid", "severity": "error", "sheet": "Data Kinerja", "cell": "H11",
                   "message": "Nilai bukan angka"}])
    with ledger.transaction(conn):
        row = conn.execute("SELECT * FROM submissions WHERE id = ?", (a1,)).fetchone()
        ledger.record_action(conn, row, "approve", "verifikasi", "Budi", "198001012005011001",
                             "2026-04-20T10:00:00", "")
    try:
        return build_rekap(org, YEAR, 2, conn)
    finally:
        conn.close()


def _rows(model: Rekap, sheet: str) -> dict[tuple[str, str | None], IndicatorRow]:
    """(indikator, unit) → row of a period sheet."""
    period = next(p for p in model.periods if p.name == sheet)
    return {(r.indicator.kode, r.unit): r for r in period.rows if isinstance(r, IndicatorRow)}


def test_collection_per_quarter(model: Rekap) -> None:
    tw1, tw2 = model.summary.rates
    assert model.rates == [Rate(1, 2, 2, 1), Rate(2, 2, 1, 1)]  # B's TW I came 3 days late
    assert (tw1.label, tw1.deadline, tw1.reporting, tw1.timely) == ("TW I", dt.date(2026, 4, 10), 100.0, 50.0)
    assert (tw1.rejected, tw1.missing, tw1.approved, tw1.no_deadline) == (0, 0, 1, "")
    assert (tw2.reporting, tw2.timely, tw2.rejected, tw2.missing, tw2.approved) == (50.0, 50.0, 1, 0, 0)


def test_status_rows(model: Rekap) -> None:
    got = [(s.quarter, s.kode, s.state, s.days_late, s.sent, s.approvals, s.reached, s.reason)
           for s in model.status]
    assert got == [("TW I", "A", "diterima", 0, 1, "Verifikasi", "Verifikasi", ""),
                   ("TW I", "B", "diterima", 3, 1, "belum ada", "belum disetujui", ""),
                   ("TW II", "A", "diterima", 0, 1, "belum ada", "belum disetujui", ""),
                   ("TW II", "B", "tidak valid", 0, 1, "", "", "formulir rusak")]
    assert model.status[1].received == dt.datetime(2026, 4, 13, 10, 0)
    assert model.used == 3


def test_quarter_sheet_values_and_penjelasan(model: Rekap) -> None:
    rows = _rows(model, "TW I")
    pusat, a, b = rows[("I1", "PUSAT")], rows[("I1", "A")], rows[("I1", "B")]
    assert (pusat.target, pusat.realisasi, pusat.capaian, pusat.predikat) == (20, 15, 75.0, SD)  # 15/20
    assert (a.capaian, a.predikat, b.capaian, b.predikat) == (90.0, T, 60.0, R)
    assert (pusat.style, pusat.depth, a.style, a.depth) == ("top", 0, "leaf", 1)
    assert a.penjelasan == "stok habis" and pusat.penjelasan == ""  # on the unit's own row only
    ratio = rows[("I2", "PUSAT")]  # (45+30)/(50+50) = 75 %; target 80 → 93.75
    assert (ratio.pembilang, ratio.penyebut, ratio.realisasi, ratio.capaian, ratio.predikat) == (75, 100, 75.0, 93.75, ST)
    assert (rows[("I2", "B")].capaian, rows[("I2", "B")].predikat) == (75.0, SD)  # 60 % of 80
    assert all(r.keterangan == "" and r.predikat_shown == r.predikat for r in rows.values())  # complete


def test_missing_unit_is_marked_not_zero(model: Rekap) -> None:
    rows = _rows(model, "TW II")
    pusat, b = rows[("I1", "PUSAT")], rows[("I1", "B")]
    assert (pusat.target, pusat.realisasi, pusat.capaian) == (10, 11, 110.0)  # only A compared
    assert (pusat.melapor, pusat.diharapkan, pusat.triwulan) == (1, 2, "II")
    assert pusat.keterangan == "sementara: 1/2 unit, TW II"
    assert pusat.predikat_shown == "Sangat Tinggi (sementara)"
    assert math.isnan(b.capaian) and not b.capaian_dash and b.predikat_shown == ""
    assert b.keterangan == "belum ada data" and b.melapor == 0


def test_year_sheet_and_sasaran_skor(model: Rekap) -> None:
    sheet = next(p for p in model.periods if p.name == "Tahunan")
    assert [p.name for p in model.periods] == ["TW I", "TW II", "Semester I", "Tahunan"]
    assert not sheet.penjelasan and sheet.head.title == "REKAPITULASI CAPAIAN KINERJA TAHUN 2026 s.d. TW II"
    assert sheet.head.coverage == f"Cakupan data: {ALL_ACCEPTED}; data diterima s.d. 9 Juli 2026."
    assert [(type(r).__name__, getattr(r, "unit", None)) for r in sheet.rows] == [
        ("GroupRow", None), ("IndicatorRow", "PUSAT"), ("IndicatorRow", "A"), ("IndicatorRow", "B"),
        ("IndicatorRow", "PUSAT"), ("IndicatorRow", "A"), ("IndicatorRow", "B")]
    rows = _rows(model, "Tahunan")
    i1, i2 = rows[("I1", "PUSAT")], rows[("I2", "PUSAT")]
    assert (i1.target, i1.realisasi, i1.capaian, i1.predikat) == (30, 26, 86.67, T)  # 26/30
    assert i1.keterangan == "sementara: 2/2 unit, TW I–II (1 unit belum mengirim semua triwulan)"
    assert rows[("I1", "B")].keterangan == "sementara: 1/1 unit, TW I"
    assert (i2.pembilang, i2.penyebut, i2.capaian, i2.predikat) == (115, 150, 95.83, ST)  # 76.67 % of 80
    group = sheet.rows[0]
    assert isinstance(group, GroupRow) and group.kode == "SS1"
    assert group.skor == pytest.approx(91.25)  # (86.67 + 95.83) / 2
    assert group.note == "Skor sasaran: rata-rata capaian 2 dari 2 indikator"


def test_summary_predikat_and_scores(model: Rekap) -> None:
    s = model.summary
    assert [(p.name, p.count) for p in s.predikat] == [(ST, 1), (T, 1), (SD, 0), (R, 0), ("Sangat Rendah", 0),
                                                       ("Belum dapat dinilai", 0)]
    assert [p.percent for p in s.predikat][:3] == [50.0, 50.0, 0.0] and s.indicators == 2
    assert s.provisional == "2 dari 2 predikat di atas masih sementara: belum semua unit mengirim semua triwulan."
    assert s.predikat_title == "B. Jumlah indikator per predikat — Kantor Pusat, Tahunan (s.d. TW II)"
    assert [(r.kode, r.dinilai) for r in s.scores] == [("SS1", "2 dari 2")]
    assert s.scores[0].skor == pytest.approx(91.25)
    assert dict(s.info)["Periode"] == "Triwulan I s.d. Triwulan II (TW II)"
    assert model.root == "PUSAT" and model.predikat_counts[:2] == [(ST, 1), (T, 1)]


def test_matrix(model: Rekap) -> None:
    m = model.matrix
    assert m.indicators == [("I1", "Indikator I1"), ("I2", "Indikator I2")]
    assert [(r.kode, r.depth, r.parent) for r in m.rows] == [("PUSAT", 0, True), ("A", 1, False), ("B", 1, False)]
    assert [r.cells for r in m.rows] == [[(86.67, False), (95.83, False)],
                                         [(100.0, True), (106.25, True)],   # 20/20; 85 % of 80
                                         [(60.0, False), (75.0, False)]]
    assert m.scale == (51, 76, 91)  # the predikat bounds: lowest, middle, highest


def test_budget(model: Rekap) -> None:
    per_unit, per_sasaran, per_kegiatan = model.budget.tables
    assert [(x.node, x.pagu, x.realisasi, x.serapan, x.kind) for x in per_unit.lines] == [
        ("PUSAT", 1500, 600, 40.0, "top"), ("A", 1000, 500, 50.0, "leaf"), ("B", 500, 100, 20.0, "leaf")]
    assert [(x.name, x.skor) for x in per_sasaran.lines] == [
        ("Sasaran SS1", pytest.approx(91.25)), ("Lapas A", pytest.approx(103.125)), ("Lapas B", pytest.approx(67.5))]
    top = per_kegiatan.lines[0]
    assert (top.kode, top.name, top.melapor, top.diharapkan, top.triwulan, top.kind) == (
        "KEG1", "Kegiatan KEG1", 2, 2, "I, II", "group")


def test_issues_and_charts(model: Rekap) -> None:
    (issue,) = model.issues
    assert (issue.unit, issue.quarter, issue.outcome, issue.severity_word, issue.place, issue.message) == (
        "B", "TW II", "tidak valid", "kesalahan", "Lembar Data Kinerja, sel H11", "Nilai bukan angka")
    bars = model.charts.charts[0].bars
    assert [(b.label, b.value) for b in bars] == [("I1", 86.67), ("I2", 95.83)]
    assert model.charts.name == "Kantor Pusat"


def test_csv_table_holds_the_aggregate_rows_only(model: Rekap) -> None:
    assert model.table.rows == len(model.frame)
    # 3 nodes × 2 indicators × 4 periods
    assert len(model.frame) == 24 and model.table.penjelasan == {("A", 1, "I1"): "stok habis"}
