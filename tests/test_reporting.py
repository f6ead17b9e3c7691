"""The words the CLI prints for the stages' results, from plain data built here (expected text
written by hand)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from kinerja_pipeline.charts import BarChart
from kinerja_pipeline.kiriman import CarriedUnit, KirimResult, Package
from kinerja_pipeline.laporan import Group, Laporan, LaporanResult, Line, Period
from kinerja_pipeline.lkjip import LkjipResult
from kinerja_pipeline.rekap import RekapResult
from kinerja_pipeline.rekap_model import Rate
from kinerja_pipeline.reporting import (action_text, invalid_reason, kirim_text, laporan_text, lkjip_text,
                                        received_note, rekap_text, status_text)
from kinerja_pipeline.rules import ApprovalLevel
from kinerja_pipeline.workflow import (APPROVE, REJECT, STATE_ACCEPTED, STATE_INVALID, STATE_NOT_SENT, ActionResult,
                                       InvalidWhy, NodeRate, ReceivedFlag, StatusReport, StatusRow, UnitResult)

ROOT = Path("/kantor/ws")
VERIFIKASI = ApprovalLevel("verifikasi", "Verifikasi", "KW")


def test_an_approval_and_the_units_not_ready() -> None:
    result = ActionResult(APPROVE, "KW-A", 2026, 2, VERIFIKASI, "Siti Aminah", "1" * 18, "cek lapangan",
                          "2026-07-03T09:05:00",
                          done=[UnitResult("LP-A", "Lapas A", True, "Verifikasi dicatat", 7)],
                          not_ready=[UnitResult("LP-B", "Lapas B", False, "belum mengirim data")])
    assert action_text(result) == (
        "Verifikasi: disetujui — TW II 2026, 1 unit, oleh Siti Aminah (NIP 111111111111111111) pada "
        "03-07-2026 09:05.\n"
        "Catatan: cek lapangan\n"
        "  [DICATAT] LP-A — Lapas A\n"
        "Belum dapat diproses (1 unit):\n"
        "  [BELUM SIAP] LP-B — belum mengirim data")


def test_a_rejection_names_its_reason_and_the_feedback_inside_the_workspace() -> None:
    result = ActionResult(REJECT, "LP-A", 2026, 1, VERIFIKASI, "Siti", "1" * 18, "angka tertukar",
                          "2026-04-20T10:00:00",
                          done=[UnitResult("LP-A", "Lapas A", True, "ditolak", 3,
                                           ROOT / "umpan_balik" / "LP-A_2026_TW1.xlsx")])
    assert action_text(result, ROOT) == (
        "Verifikasi: ditolak (Tidak Valid) — TW I 2026, 1 unit, oleh Siti (NIP 111111111111111111) pada "
        "20-04-2026 10:00.\n"
        "Alasan: angka tertukar\n"
        "  [DICATAT] LP-A — Lapas A\n"
        "      Umpan balik untuk unit: umpan_balik/LP-A_2026_TW1.xlsx")
    # a path outside the workspace (or no workspace given) is shown whole
    assert action_text(result).endswith(f"Umpan balik untuk unit: {ROOT / 'umpan_balik' / 'LP-A_2026_TW1.xlsx'}")


def _status() -> StatusReport:
    deadline = dt.date(2026, 4, 10)
    rows = [
        StatusRow("LP-A", "Lapas A", "KW-A", 2026, 1, STATE_ACCEPTED, received_at="2026-04-08T10:05:00",
                  deadline=deadline, days_late=0, submission_id=4, code="diterima",
                  unused=[("lama.xlsx", "2026-04-02T08:00:00", "2026-04-08T10:05:00")]),
        StatusRow("LP-B", "Lapas B", "KW-A", 2026, 1, STATE_INVALID, received_at="2026-04-12T08:00:00",
                  deadline=deadline, days_late=2, submission_id=5, code="tidak_valid", invalid=InvalidWhy(checked="Target diubah"),
                  feedback="umpan_balik/LP-B.xlsx", kepala_nama="Budi", kepala_nip="2" * 18,
                  feedback_to_send=["umpan_balik/LP-B.xlsx"]),
        StatusRow("LP-C", "Lapas C", "KW-A", 2026, 1, STATE_NOT_SENT, deadline=deadline),
    ]
    rates = [NodeRate("KW-A", "Kanwil A", 0, 1, 3, 1, 1), NodeRate("KW-A", "Kanwil A", 0, None, 3, 1, 1)]
    return StatusReport(2026, 1, "Ditjen Contoh", dt.date(2026, 4, 15), rows, rates, {1: deadline})


def test_the_status_list() -> None:
    assert status_text(_status()) == "\n".join([
        "Status pengumpulan data kinerja 2026 (TW I) — Ditjen Contoh",
        "Per 15 April 2026. Tenggat: TW I 10 April 2026.",
        "",
        "KW-A — Kanwil A",
        "  Unit  TW      Status          Diterima          Keterlambatan" + " " * 9 + "Asal data",
        "  LP-A  TW I    diterima        08-04-2026 10:05  tepat waktu" + " " * 11 + "langsung",
        "      'lama.xlsx' (diterima 02-04-2026 08:00): diterima, tidak dipakai: ada kiriman yang lebih baru, "
        "diterima 08-04-2026 10:05.",
        "  LP-B  TW I    tidak valid     12-04-2026 08:00  lewat tenggat 5 hari  langsung",
        "  LP-C  TW I    belum mengirim  —" + " " * 17 + "lewat tenggat 5 hari  —",
        "  Total: melapor 1/3 (33,3%), tepat waktu 1/3 (33,3%)",
        "",
        "Ringkasan per induk (melapor = data valid diterima; tepat waktu = diterima paling lambat pada hari "
        "tenggat):",
        "  KW-A — Total: melapor 1/3 (33,3%), tepat waktu 1/3 (33,3%)",
        "",
        "Unit yang perlu ditagih (2 unit):",
        "1. Lapas B (LP-B) — Kepala: Budi, NIP 222222222222222222",
        "   - TW I 2026: data tidak valid, mohon kirim perbaikan (tenggat 10 April 2026). Target diubah. "
        "Umpan balik: umpan_balik/LP-B.xlsx",
        "2. Lapas C (LP-C) — Kepala: (belum tercatat di rules/organisasi.yaml)",
        "   - TW I 2026: belum mengirim data (tenggat 10 April 2026, lewat 5 hari).",
        "",
        "Umpan balik yang masih perlu dikirim ke unit (1 berkas; yang sudah dijawab dengan kiriman baru yang "
        "diterima dipindahkan ke umpan_balik/selesai/):",
        "  - LP-B TW I 2026: umpan_balik/LP-B.xlsx",
    ])


def test_the_status_before_the_quarter_ends_chases_nobody() -> None:
    report = _status()
    report.today = dt.date(2026, 3, 20)
    text = status_text(report)
    assert "Per 20 Maret 2026." in text and text.endswith("Unit yang perlu ditagih: tidak ada.\n\n"
                                                          "Umpan balik yang masih perlu dikirim ke unit (1 berkas; "
                                                          "yang sudah dijawab dengan kiriman baru yang diterima "
                                                          "dipindahkan ke umpan_balik/selesai/):\n"
                                                          "  - LP-B TW I 2026: umpan_balik/LP-B.xlsx")
    assert "  LP-C  TW I    belum mengirim  —" + " " * 17 + "—" + " " * 14 + "—" in text


def _line(kode: str, predikat: str) -> Line:
    return Line(kode, f"Indikator {kode}", "%", 2, {"predikat": predikat}, {})


def test_the_laporan_counts_predikat_in_the_legends_order() -> None:
    legend = [("Sangat Tinggi", "≥ 90", "#000"), ("Tinggi", "70–90", "#111"), ("Rendah", "< 70", "#222")]
    model = Laporan("Ditjen Contoh", "Kementerian", "Kanwil A", "KW-A", Period(2026, "S", 1), "1 Juli 2026",
                    [Group("Sasaran 1", [_line("IK1", "Rendah"), _line("IK2", "")]),
                     Group("Sasaran 2", [_line("IK3", "Sangat Tinggi"), _line("IK4", "Rendah")])],
                    [("TW I", 3, 4), ("TW II", 2, 4)], legend, {}, None, [], BarChart("Capaian", []))
    result = LaporanResult(ROOT / "keluaran" / "laporan_2026_S1.xlsx", ROOT / "keluaran" / "laporan_2026_S1.html",
                           model)
    assert laporan_text(result, ROOT) == (
        "Laporan Kinerja Semester I Tahun 2026 — Ditjen Contoh: 4 indikator.\n"
        "Predikat Semester I: 1 Sangat Tinggi, 2 Rendah, 1 belum ada capaian.\n"
        "Kiriman data: TW I 3/4 unit, TW II 2/4 unit.\n"
        "Ditulis: keluaran/laporan_2026_S1.xlsx dan keluaran/laporan_2026_S1.html")
    empty = LaporanResult(result.xlsx, result.html, Laporan(
        "Ditjen Contoh", "Kementerian", "Kanwil A", "KW-A", Period(2026, "TW", 3), "", [], [], legend, {}, None, [],
        BarChart("Capaian", [])))
    assert laporan_text(empty, ROOT).splitlines()[:3] == [
        "Laporan Kinerja Triwulan III Tahun 2026 — Ditjen Contoh: 0 indikator.",
        "Belum ada data realisasi.", "Belum ada unit pelapor."]


def _unit(kode: str, verified: bool) -> CarriedUnit:
    return CarriedUnit(kode, f"Lapas {kode}", "2026-04-08T10:00:00", "f.xlsx", "0" * 64, verified=verified)


def test_the_package_written() -> None:
    package = Package("KW-A", 2026, 1, "2026-04-20T09:00:00", "verifikasi", True, {},
                      [_unit("LP-A", True), _unit("LP-B", False)])
    path = Path("keluaran/kiriman_KW-A_2026_TW1.xlsx")
    assert kirim_text(KirimResult(path, package, [("LP-C", "belum mengirim data")], 3)) == (
        f"Kiriman KW-A TW I 2026: 2 dari 3 unit (1 terverifikasi, 1 belum terverifikasi) → {path}\n"
        "Tidak ikut dikirim (1 unit):\n"
        "  LP-C — belum mengirim data\n"
        "Kirim berkas itu apa adanya ke kantor induk (mis. lewat surel); di sana cukup diletakkan di inbox/ lalu "
        "'kinerja ingest'.")
    assert "Tidak ikut dikirim" not in kirim_text(KirimResult(path, package, [], 2))


def test_the_rekap_written() -> None:
    out = ROOT / "keluaran"
    result = RekapResult(out / "rekap_2026_TW2.xlsx", out / "rekap_2026_TW2.csv", out / "rekap_2026_TW2_id.csv",
                         None, 2026, 2, True, "hanya data yang telah disahkan (Verifikasi)",  # type: ignore[arg-type]
                         (Rate(1, 2, 2, 1), Rate(2, 3, 2, 1)), "PUSAT",
                         (("Sangat Tinggi", 1), ("Tinggi", 0), ("Belum dapat dinilai", 2)), 3)
    assert rekap_text(result, ROOT).splitlines() == [
        "Rekap 2026 s.d. TW II (hanya data yang telah disahkan (Verifikasi)): keluaran/rekap_2026_TW2.xlsx",
        "Data tabular (CSV): keluaran/rekap_2026_TW2.csv",
        "Untuk Excel berbahasa Indonesia (pemisah titik koma): keluaran/rekap_2026_TW2_id.csv",
        "TW II: 2 dari 3 unit mengirim data valid (66,7%), 1 tepat waktu (33,3%).",  # only the latest quarter
        "Indikator tingkat PUSAT, Tahunan (s.d. TW II): 1 Sangat Tinggi, 2 Belum dapat dinilai.",  # no zeros
        "Hanya data yang telah disahkan: 3 kiriman dipakai."]


def test_the_lkjip_written() -> None:
    out = ROOT / "keluaran"
    result = LkjipResult(out / "lkjip_2026_A.xlsx", out / "lkjip_2026_A.html", "A", "Lapas A", "Instansi Uji",
                         False, 2026, 3, True, False, ("catatan satu", "catatan dua"), 4, 2,
                         (("Sangat Tinggi", 3), ("belum ada capaian", 1)))
    assert lkjip_text(result, ROOT).splitlines() == [
        "LKjIP 2026 — Lapas A (A), data s.d. TW III: 4 indikator di bawah 2 sasaran.",
        "Predikat: 3 Sangat Tinggi, 1 belum ada capaian.",
        "Perhatian: 2 catatan kelengkapan data (lihat bagian 'Catatan kelengkapan data').",
        "Ditulis: keluaran/lkjip_2026_A.xlsx",
        "         keluaran/lkjip_2026_A.html"]


def test_why_data_is_invalid_and_a_flagged_received_time_in_words() -> None:
    assert invalid_reason(InvalidWhy(level="Verifikasi Kanwil", by="Siti", note="angka tertukar")) == (
        "Ditolak pada tahap Verifikasi Kanwil oleh Siti: angka tertukar")
    assert invalid_reason(InvalidWhy(checked="Tidak Valid: Target diubah")) == "Tidak Valid: Target diubah"
    assert invalid_reason(InvalidWhy()) == "Tidak Valid saat pemeriksaan otomatis."
    assert received_note(ReceivedFlag(True, "2026-04-15T09:00:00", file_time="2027-01-01T08:00:00")) == (
        "waktu berkas (01-01-2027 08:00) ada di masa depan, jadi dicatat waktu pemrosesannya, 15-04-2026 09:00")
    assert received_note(ReceivedFlag(False, "2026-01-01T07:00:00", form_generated_at="2026-01-02T08:00:00")) == (
        "waktu berkas (01-01-2026 07:00) lebih awal dari pembuatan formulirnya (02-01-2026 08:00); periksa jam "
        "komputer yang menyimpan berkas itu")
    row = StatusRow("LP-B", "Lapas B", "KW-A", 2026, 1, STATE_INVALID, invalid=InvalidWhy(checked="x"))
    assert row.reason == "x" and row.received_note == "" and row.as_json()["reason"] == "x"
