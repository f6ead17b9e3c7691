"""Tests for kinerja_pipeline.rekap: the rekap workbook and its CSV twin.

A small ledger of the sample organisation is built in code with hand-chosen numbers; the
workbook is read back with openpyxl and compared with the CSV and with values computed by hand.
"""
from __future__ import annotations

import csv
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kinerja_pipeline import ledger
from kinerja_pipeline.rekap import (CSV_COLUMNS, SHEET_BUDGET, SHEET_CHARTS, SHEET_ISSUES, SHEET_MATRIX,
                                    SHEET_STATUS, SHEET_SUMMARY, csv_text, write_rekap)
from kinerja_pipeline.rekap_model import APPROVED_ONLY
from kinerja_pipeline.reporting import rekap_text
from kinerja_pipeline.rules import Rules
from kinerja_pipeline.rules_load import load_rules
from kinerja_pipeline.workspace import Workspace

REPO = Path(__file__).resolve().parent.parent
YEAR = 2026
HYPERLINK = '=HYPERLINK("http://x","y")'
AT_SUM = "@SUM(A1)"
HEADER_ROW = 6          # 1-based row of the table header on period, status and issue sheets
NUMBER_COLUMNS = {"Target": "target", "Realisasi": "realisasi", "Pembilang": "pembilang",
                  "Penyebut": "penyebut", "Capaian (%)": "capaian",
                  "Unit melapor": "unit_melapor", "Unit diharapkan": "unit_diharapkan"}
PERIOD_SHEETS = {"TW I": "TW1", "TW II": "TW2", "Semester I": "S1", "Tahunan": "TAHUN"}


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(REPO / "rules")


class _Ledger:
    """Write submissions and approvals into a fresh ledger."""

    def __init__(self, ws: Workspace) -> None:
        self.conn = ledger.connect(ws.ledger)
        self.n = 0

    def send(self, unit: str, quarter: int, received: str, values=(), budget=(), *,
             outcome: str = "accepted", issues=(), file_name: str | None = None,
             reason: str = "") -> int:
        self.n += 1
        return ledger.record_submission(self.conn, ledger.Submission(
            sha256=f"{self.n:064x}", file_name=file_name or f"{unit}_{YEAR}_TW{quarter}.xlsx",
            size=1000 + self.n, received_at=received, outcome=outcome, reason=reason,
            archive_path=f"arsip/{self.n}.xlsx", unit=unit, year=YEAR, quarter=quarter,
            values=list(values), budget=list(budget), issues=list(issues)))

    def act(self, sid: int, level: str, action: str = "approve", at: str = "2026-07-20T10:00:00",
            note: str = "") -> None:
        row = self.conn.execute("SELECT unit, year, quarter FROM submissions WHERE id = ?", (sid,)).fetchone()
        self.conn.execute("INSERT INTO approvals(submission_id, unit, year, quarter, level, action, by_name,"
                          " nip, at, note) VALUES (?,?,?,?,?,?,?,?,?,?)",
                          (sid, row["unit"], row["year"], row["quarter"], level, action,
                           "Penyetuju Uji", "198001012005011001", at, note))

    def approve_all(self, sid: int) -> None:
        for level in ("verifikasi", "validasi", "pengesahan"):
            self.act(sid, level)


def _r(ind: str, value: float, penjelasan: str = "") -> dict:
    return {"indikator": ind, "realisasi": value, "penjelasan": penjelasan}


def _ratio(ind: str, p: float, d: float, penjelasan: str = "") -> dict:
    return {"indikator": ind, "pembilang": p, "penyebut": d, "penjelasan": penjelasan}


@pytest.fixture()
def ws(tmp_path: Path) -> Workspace:
    """A workspace whose ledger holds a handful of sample units' TW I and TW II data.

    - LP-SUKAMISKIN: TW I on time (8 Apr), TW II on time; both fully approved (pengesahan).
    - LP-BANCEUY: TW I 3 days late (13 Apr) with a formula-looking penjelasan, pengesahan given
      then withdrawn; TW II on time, verifikasi only.
    - LP-PORONG: TW I rejected by ingest (5 Apr), then accepted 15 Apr (5 days late); TW II not sent.
    - RT-BANDUNG: TW I only a rejected file (with a formula-looking issue message); TW II on time.
    - BP-BANDUNG: TW I accepted on 9 Apr, then superseded by a correction on 20 Apr.
    """
    root = tmp_path / "ws"
    shutil.copytree(REPO / "rules", root / "rules")
    space = Workspace(root)
    led = _Ledger(space)
    s1 = led.send("LP-SUKAMISKIN", 1, "2026-04-08T09:00:00",
                  [_r("IK01", 7), _ratio("IK02", 80, 100), _r("IK03", 30), _r("IK09", 44.5)],
                  [{"kegiatan": "KEG-BIN", "realisasi_anggaran": 400_000_000}])
    s2 = led.send("LP-SUKAMISKIN", 2, "2026-07-09T09:00:00",
                  [_r("IK01", 9), _ratio("IK02", 90, 100), _r("IK03", 40), _r("IK09", 39.5)],
                  [{"kegiatan": "KEG-BIN", "realisasi_anggaran": 500_000_000}])
    led.approve_all(s1)
    led.approve_all(s2)
    b1 = led.send("LP-BANCEUY", 1, "2026-04-13T16:30:00",
                  [_r("IK01", 6, HYPERLINK), _ratio("IK02", 50, 60, AT_SUM), _r("IK03", 55)],
                  file_name="=cmd|' /C calc'!A0.xlsx")
    led.approve_all(b1)
    led.act(b1, "pengesahan", "unapprove")
    b2 = led.send("LP-BANCEUY", 2, "2026-07-10T23:59:00", [_r("IK01", 15), _r("IK03", 60)])
    led.act(b2, "verifikasi")
    led.send("LP-PORONG", 1, "2026-04-05T08:00:00", outcome="rejected", reason="formulir rusak",
             issues=[{"code": "angka-tidak-valid", "severity": "error", "sheet": "Data Kinerja",
                      "cell": "H11", "message": "Nilai bukan angka"}])
    led.send("LP-PORONG", 1, "2026-04-15T10:00:00", [_r("IK01", 10), _r("IK03", 48)])
    led.send("RT-BANDUNG", 1, "2026-04-09T10:00:00", outcome="rejected", reason="isian salah",
             issues=[{"code": "teks", "severity": "error", "sheet": "Data Kinerja", "cell": "L12",
                      "message": AT_SUM}])
    led.send("RT-BANDUNG", 2, "2026-07-01T10:00:00", [_r("IK03", 100)])
    led.send("BP-BANDUNG", 1, "2026-04-09T10:00:00", [_ratio("IK05", 70, 100), _r("IK06", 400)])
    led.send("BP-BANDUNG", 1, "2026-04-20T10:00:00", [_ratio("IK05", 80, 100), _r("IK06", 450)],
             issues=[{"code": "pencilan", "severity": "warning", "sheet": "Data Kinerja", "cell": "H12",
                      "message": "Nilai jauh dari target"}])
    led.conn.close()
    return space


def _csv(path: Path) -> tuple[list[str], dict[tuple[str, str, str], dict[str, str]]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        header = list(reader.fieldnames or [])
    return header, {(r["unit"], r["indikator"], r["periode"]): r for r in rows}


def _table(ws, header_row: int = HEADER_ROW) -> tuple[dict[str, int], list[tuple[int, tuple]]]:
    """Column index by header name, and (row number, values) of every row below the header."""
    header = [c.value for c in ws[header_row]]
    cols = {str(h): i for i, h in enumerate(header) if h is not None}
    rows = [(r, tuple(c.value for c in ws[r])) for r in range(header_row + 1, ws.max_row + 1)]
    return cols, rows


def _num(text: str) -> float | None:
    return None if text == "" else float(text)


def _find(rows, cols, **want) -> tuple[int, tuple]:
    hits = [(r, v) for r, v in rows if all(v[cols[k]] == w for k, w in want.items())]
    assert len(hits) == 1, (want, len(hits))
    return hits[0]


# --------------------------------------------------------------------------- workbook


def test_sheets_and_result(ws: Workspace, rules: Rules) -> None:
    res = write_rekap(ws, rules, YEAR)
    assert res.quarter == 2  # the latest quarter with accepted data
    assert res.xlsx == ws.outputs / "rekap_2026_TW2.xlsx" and res.xlsx.is_file()
    assert res.csv == ws.outputs / "rekap_2026_TW2.csv" and res.csv.is_file()
    wb = load_workbook(res.xlsx)
    assert wb.sheetnames == [SHEET_SUMMARY, "TW I", "TW II", "Semester I", "Tahunan", SHEET_MATRIX,
                             SHEET_CHARTS, SHEET_BUDGET, SHEET_STATUS, SHEET_ISSUES]
    assert not res.frame.empty
    assert "rekap_2026_TW2.xlsx" in rekap_text(res, ws.root)
    assert not [p for p in ws.outputs.iterdir() if p.name.startswith(".tmp")]

    res4 = write_rekap(ws, rules, YEAR, 4)
    assert load_workbook(res4.xlsx).sheetnames == [
        SHEET_SUMMARY, "TW I", "TW II", "TW III", "TW IV", "Semester I", "Semester II", "Tahunan",
        SHEET_MATRIX, SHEET_CHARTS, SHEET_BUDGET, SHEET_STATUS, SHEET_ISSUES]
    res1 = write_rekap(ws, rules, YEAR, 1)
    assert load_workbook(res1.xlsx).sheetnames[1:3] == ["TW I", "Tahunan"]


def test_period_sheets_equal_csv(ws: Workspace, rules: Rules) -> None:
    res = write_rekap(ws, rules, YEAR)
    _, data = _csv(res.csv)
    wb = load_workbook(res.xlsx)
    for sheet, period in PERIOD_SHEETS.items():
        cols, rows = _table(wb[sheet])
        seen = 0
        for _, v in rows:
            kode, unit = v[cols["Kode"]], v[cols["Kode unit"]]
            if not (kode and str(kode).startswith("IK")):
                continue
            rec = data[(unit, kode, period)]
            for head, key in NUMBER_COLUMNS.items():
                cell, want = v[cols[head]], _num(rec[key])
                if cell == "—":  # capaian not computable for reported data
                    assert key == "capaian" and want is None and int(rec["unit_melapor"]) > 0
                elif want is None:
                    assert cell is None, (sheet, unit, kode, head)
                elif key == "capaian":  # shown as read for the predikat: to 2 decimals
                    assert cell == pytest.approx(want, abs=0.005 + 1e-9), (sheet, unit, kode)
                    assert round(cell * 100) == pytest.approx(cell * 100, abs=1e-6)
                else:
                    assert cell == pytest.approx(want, rel=1e-12), (sheet, unit, kode, head)
            shown = (v[cols["Predikat"]] or "").removesuffix(" (sementara)")
            assert shown == rec["predikat"]
            assert (shown != (v[cols["Predikat"]] or "")) == (rec["lengkap"] == "tidak" and shown != "")
            seen += 1
        assert seen == sum(1 for k in data if k[2] == period)


def test_hand_computed_values(ws: Workspace, rules: Rules) -> None:
    res = write_rekap(ws, rules, YEAR)
    _, data = _csv(res.csv)
    # IK01 (jumlah/jumlah, per_triwulan targets 7/9 and 12/15): KW-JABAR s.d. TW II
    kw = data[("KW-JABAR", "IK01", "TAHUN")]
    assert float(kw["realisasi"]) == 7 + 9 + 6 + 15
    assert float(kw["target"]) == 7 + 9 + 12 + 15
    assert float(kw["capaian"]) == pytest.approx(37 / 43 * 100)
    assert kw["unit_melapor"] == "2" and kw["unit_diharapkan"] == "2"
    # IK02 is a ratio with 'akhir': SUKAMISKIN TW II 90/100 + BANCEUY's last (TW I) 50/60
    kw2 = data[("KW-JABAR", "IK02", "TAHUN")]
    assert (float(kw2["pembilang"]), float(kw2["penyebut"])) == (140, 160)
    assert float(kw2["realisasi"]) == pytest.approx(87.5)
    assert kw2["unit_melapor"] == "2" and kw2["unit_diharapkan"] == "4"
    # the root row, in the workbook too
    root = data[("DITJENPAS", "IK01", "TAHUN")]
    assert float(root["realisasi"]) == 7 + 9 + 6 + 15 + 10
    wb = load_workbook(res.xlsx)
    cols, rows = _table(wb["Tahunan"])
    _, v = _find(rows, cols, **{"Kode": "IK01", "Kode unit": "DITJENPAS"})
    assert v[cols["Realisasi"]] == 47
    # sebanding: PORONG sent TW I only, so its TW I target 10 counts: 16 + 27 + 10 = 53
    assert float(root["target"]) == 53 and root["lengkap"] == "tidak" and root["triwulan"] == "1,2"
    assert v[cols["Capaian (%)"]] == 88.68                        # 47 / 53 × 100 = 88,679…
    assert v[cols["Predikat"]] == "Tinggi (sementara)"
    assert v[cols["Keterangan"]].startswith("sementara: 3/5 unit, TW I–II (1 unit belum mengirim")
    # the superseding correction is what counts
    assert float(data[("BP-BANDUNG", "IK06", "TW1")]["realisasi"]) == 450
    # a unit without data: blank numbers, not zero
    miss = data[("LP-MALANG", "IK01", "TW1")]
    assert miss["realisasi"] == "" and miss["capaian"] == "" and miss["unit_melapor"] == "0"


def test_csv_format_and_neutralisation(ws: Workspace, rules: Rules) -> None:
    res = write_rekap(ws, rules, YEAR)
    raw = res.csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header, data = _csv(res.csv)
    assert header == CSV_COLUMNS
    for col in ("unit", "indikator", "periode", "target", "realisasi", "pembilang", "penyebut",
                "capaian", "predikat", "unit_melapor", "unit_diharapkan"):
        assert col in header
    assert {k[2] for k in data} == {"TW1", "TW2", "S1", "TAHUN"}
    # unrounded, '.' decimal, no thousands separator
    cap = data[("KW-JABAR", "IK01", "TAHUN")]["capaian"]
    assert float(cap) == 37 / 43 * 100 and "," not in cap and len(cap) > 10
    assert data[("LP-SUKAMISKIN", "IK09", "TW1")]["realisasi"] == "44.5"
    assert data[("LP-SUKAMISKIN", "IK01", "TW1")]["realisasi"] == "7"
    # unit text: neutralised with a leading quote, only on the unit's own quarter rows
    assert data[("LP-BANCEUY", "IK01", "TW1")]["penjelasan"] == "'" + HYPERLINK
    assert data[("LP-BANCEUY", "IK02", "TW1")]["penjelasan"] == "'" + AT_SUM
    assert data[("LP-BANCEUY", "IK01", "TAHUN")]["penjelasan"] == ""
    assert data[("KW-JABAR", "IK01", "TW1")]["penjelasan"] == ""
    for text, want in (("-1+2", "'-1+2"), ("+x", "'+x"), ("\tx", "'\tx"), ("\rx", "'\rx"),
                       ("biasa", "biasa"), ("", "")):
        assert csv_text(text) == want


def test_unit_text_stays_text(ws: Workspace, rules: Rules) -> None:
    res = write_rekap(ws, rules, YEAR)
    with zipfile.ZipFile(res.xlsx) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        for name in sheets:
            assert b"<f>" not in zf.read(name) and b"<f " not in zf.read(name), name
        assert any(n.startswith("xl/charts/chart") for n in zf.namelist())
    wb = load_workbook(res.xlsx)
    cols, rows = _table(wb["TW I"])
    r, v = _find(rows, cols, **{"Kode": "IK01", "Kode unit": "LP-BANCEUY"})
    cell = wb["TW I"].cell(r, cols["Penjelasan / kendala unit"] + 1)
    assert cell.value == HYPERLINK and cell.data_type == "s"
    cols, rows = _table(wb[SHEET_ISSUES])
    _, v = _find(rows, cols, Unit="RT-BANDUNG")
    assert v[cols["Pesan"]] == AT_SUM and v[cols["Tingkat"]] == "kesalahan"
    assert len(rows) == 3  # every issue of the year, accepted submissions' warnings included
    cols, rows = _table(wb[SHEET_STATUS])
    _, v = _find(rows, cols, Triwulan="TW I", **{"Kode unit": "LP-BANCEUY"})
    assert v[cols["Berkas"]] == "=cmd|' /C calc'!A0.xlsx"


def test_outline_freeze_filter_print(ws: Workspace, rules: Rules) -> None:
    res = write_rekap(ws, rules, YEAR)
    wb = load_workbook(res.xlsx)
    for sheet in PERIOD_SHEETS:
        sh = wb[sheet]
        cols, rows = _table(sh)
        level = {}
        for r, v in rows:
            if v[cols["Kode"]] == "IK01":
                level[v[cols["Kode unit"]]] = sh.row_dimensions[r].outline_level
            if v[cols["Kode"]] == "SS1":
                assert sh.row_dimensions[r].outline_level == 0
        assert level["DITJENPAS"] == 0
        assert level["KW-JABAR"] == 1 and level["KW-SUMUT"] == 1
        assert level["LP-SUKAMISKIN"] == 2 and level["LP-TANJUNGGUSTA"] == 2
        assert sh.sheet_properties.outlinePr.summaryBelow is False
        assert sh.freeze_panes == f"D{HEADER_ROW + 1}"
        assert sh.auto_filter.ref.startswith(f"A{HEADER_ROW}:")
        assert sh.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
        assert sh.page_setup.orientation == "landscape" and sh.page_setup.paperSize == 9
        # printed at a scale that keeps the 9 pt text at 8 pt or more, not shrunk to fit
        assert not sh.sheet_properties.pageSetUpPr.fitToPage and int(sh.page_setup.scale) * 9 / 100 >= 8
        assert "&P" in sh.oddFooter.right.text
    # predikat colour: capaian and predikat cells are filled, different predikat differ
    sh = wb["Tahunan"]
    cols, rows = _table(sh)
    fills = {}
    for r, v in rows:
        pred = v[cols["Predikat"]]
        if pred:
            fill = sh.cell(r, cols["Predikat"] + 1).fill
            assert fill.fill_type == "solid"
            fills.setdefault(pred.removesuffix(" (sementara)"), fill.fgColor.rgb)
    assert len(fills) >= 2 and len(set(fills.values())) == len(fills)
    # number formats follow the indicator's decimals
    _, v = _find(rows, cols, **{"Kode": "IK09", "Kode unit": "LP-SUKAMISKIN"})
    r = next(r for r, vv in rows if vv == v)
    assert sh.cell(r, cols["Realisasi"] + 1).number_format == "#,##0.0"
    r = next(r for r, vv in rows if vv[cols["Kode"]] == "IK01" and vv[cols["Kode unit"]] == "LP-SUKAMISKIN")
    assert sh.cell(r, cols["Realisasi"] + 1).number_format == "#,##0"
    # the matrix: capaian TAHUN and a 3-colour scale
    mx = wb[SHEET_MATRIX]
    mcols, mrows = _table(mx)
    head = {str(k).split("\n")[0]: i for k, i in mcols.items()}
    _, v = _find(mrows, mcols, **{"Kode unit": "LP-SUKAMISKIN"})
    _, data = _csv(res.csv)
    assert v[head["IK01"]] == pytest.approx(float(data[("LP-SUKAMISKIN", "IK01", "TAHUN")]["capaian"]))
    rules_cf = [rule for cf in mx.conditional_formatting for rule in cf.rules]
    assert any(rule.type == "colorScale" for rule in rules_cf)
    assert mx.freeze_panes == f"C{HEADER_ROW + 1}"


def test_status_sheet(ws: Workspace, rules: Rules) -> None:
    res = write_rekap(ws, rules, YEAR)
    wb = load_workbook(res.xlsx)
    cols, rows = _table(wb[SHEET_STATUS])
    assert len(rows) == 2 * len(rules.reporting_units)

    def row(q: str, unit: str) -> tuple:
        return _find(rows, cols, Triwulan=q, **{"Kode unit": unit})[1]

    late = row("TW I", "LP-BANCEUY")
    assert late[cols["Status"]] == "diterima" and late[cols["Terlambat (hari)"]] == 3
    assert late[cols["Diterima"]].date().isoformat() == "2026-04-13"
    assert late[cols["Tingkat persetujuan tercapai"]] == "Validasi"  # pengesahan withdrawn
    porong = row("TW I", "LP-PORONG")
    assert porong[cols["Terlambat (hari)"]] == 5 and porong[cols["Jumlah kiriman"]] == 2
    missing = row("TW II", "LP-PORONG")
    assert missing[cols["Status"]] == "belum mengirim"
    assert missing[cols["Terlambat (hari)"]] is None and missing[cols["Diterima"]] is None
    invalid = row("TW I", "RT-BANDUNG")
    assert invalid[cols["Status"]] == "tidak valid" and "isian salah" in invalid[cols["Keterangan"]]
    on_time = row("TW I", "LP-SUKAMISKIN")
    assert on_time[cols["Terlambat (hari)"]] == 0
    assert on_time[cols["Tingkat persetujuan tercapai"]] == "Pengesahan"
    assert on_time[cols["Persetujuan"]] == "Verifikasi, Validasi, Pengesahan"
    assert row("TW II", "LP-BANCEUY")[cols["Tingkat persetujuan tercapai"]] == "Verifikasi"
    assert row("TW II", "RT-BANDUNG")[cols["Tingkat persetujuan tercapai"]] == "belum disetujui"
    # the corrected BP-BANDUNG file (20 Apr) is the current one
    assert row("TW I", "BP-BANDUNG")[cols["Terlambat (hari)"]] == 10
    # "belum mengirim" is wider than its column: it wraps (inside the row height) instead of being cut
    sheet = wb[SHEET_STATUS]
    header = next(r for r in sheet.iter_rows() if r[0].value == "Triwulan")
    status_col = [c.value for c in header].index("Status") + 1
    assert all(sheet.cell(n, status_col).alignment.wrap_text for n in range(header[0].row + 1, sheet.max_row + 1)
               if sheet.cell(n, status_col).value)


@pytest.mark.parametrize("columns", ["PERIOD_COLUMNS", "STATUS_COLUMNS", "ISSUE_COLUMNS"])
def test_every_header_word_fits_its_column(columns: str) -> None:
    """A table header wraps between words; a word wider than its column is cut ("Triwula|n")."""
    from kinerja_pipeline import rekap
    from kinerja_pipeline.printing import wrapped_lines

    for title, width in getattr(rekap, columns):
        for word in title.split():
            assert wrapped_lines(word, width, 10) == 1, (columns, title, width)  # Arial 10 bold headers


def test_reviewer_rejection_is_not_current(ws: Workspace, rules: Rules) -> None:
    led = _Ledger(ws)
    sid = led.conn.execute("SELECT id FROM submissions WHERE unit = 'LP-BANCEUY' AND quarter = 2"
                           ).fetchone()[0]
    led.act(sid, "validasi", "reject", note="angka tidak sesuai bukti")
    led.conn.close()
    res = write_rekap(ws, rules, YEAR)
    _, data = _csv(res.csv)
    assert data[("LP-BANCEUY", "IK01", "TW2")]["realisasi"] == ""
    cols, rows = _table(load_workbook(res.xlsx)[SHEET_STATUS])
    _, v = _find(rows, cols, Triwulan="TW II", **{"Kode unit": "LP-BANCEUY"})
    assert v[cols["Status"]] == "tidak valid"
    assert "Ditolak pada tahap Validasi" in v[cols["Keterangan"]]
    assert "angka tidak sesuai bukti" in v[cols["Keterangan"]]


def test_summary_sheet(ws: Workspace, rules: Rules) -> None:
    res = write_rekap(ws, rules, YEAR)
    sh = load_workbook(res.xlsx)[SHEET_SUMMARY]
    cells = [[c.value for c in row] for row in sh.iter_rows()]
    text = [str(v) for row in cells for v in row if v is not None]
    assert cells[0][0].startswith("REKAPITULASI DATA KINERJA TAHUN 2026 s.d. TW II")
    assert APPROVED_ONLY not in " ".join(text).lower()
    assert rules.instansi in text
    head = next(i for i, row in enumerate(cells) if row[0] == "Triwulan")
    names = cells[head]
    tw1 = dict(zip(names, cells[head + 1]))
    expected = len(rules.reporting_units)
    assert tw1["Unit diharapkan"] == expected
    assert tw1["Unit mengirim (diterima)"] == 4  # SUKAMISKIN, BANCEUY, PORONG, BP-BANDUNG
    assert tw1["Tingkat pelaporan (%)"] == pytest.approx(4 / expected * 100)
    assert tw1["Tepat waktu"] == 1                 # only SUKAMISKIN
    assert tw1["Ketepatan waktu (%)"] == pytest.approx(1 / expected * 100)
    assert tw1["Tidak valid"] == 1 and tw1["Telah disahkan"] == 1
    # indicators per predikat at the root
    pred = next(i for i, row in enumerate(cells) if row[0] == "Predikat")
    counts = {}
    for row in cells[pred + 1:]:
        if row[0] == "Jumlah":
            break
        counts[row[0]] = row[1]
    _, data = _csv(res.csv)
    root_rows = [r for (u, _, p), r in data.items() if u == "DITJENPAS" and p == "TAHUN"]
    assert sum(counts.values()) == len(root_rows) == len(rules.indicators)
    for band in rules.policy.predikat:
        assert counts[band.predikat] == sum(r["predikat"] == band.predikat for r in root_rows)
    # signature block of penandatangan.rekap
    sign = rules.penandatangan["rekap"]
    assert sign.jabatan in text and sign.nama in text and f"NIP. {sign.nip}" in text


def test_only_approved(ws: Workspace, rules: Rules) -> None:
    full = write_rekap(ws, rules, YEAR)
    _, all_data = _csv(full.csv)
    assert all_data[("LP-BANCEUY", "IK01", "TW1")]["realisasi"] == "6"
    res = write_rekap(ws, rules, YEAR, only_approved=True)
    _, data = _csv(res.csv)
    # BANCEUY TW I lost its pengesahan, TW II never had it: neither is used
    assert data[("LP-BANCEUY", "IK01", "TW1")]["realisasi"] == ""
    assert data[("LP-BANCEUY", "IK01", "TW2")]["unit_melapor"] == "0"
    assert data[("LP-SUKAMISKIN", "IK01", "TW1")]["realisasi"] == "7"
    assert float(data[("KW-JABAR", "IK01", "TAHUN")]["realisasi"]) == 16
    wb = load_workbook(res.xlsx)
    title = " ".join(str(wb[SHEET_SUMMARY].cell(r, 1).value or "") for r in range(1, 8)).lower()
    assert APPROVED_ONLY in title
    assert APPROVED_ONLY in str(wb["Tahunan"]["A3"].value).lower()
    assert APPROVED_ONLY in wb.properties.title
    assert "disahkan" in rekap_text(res, ws.root)


def test_reproducible(ws: Workspace, rules: Rules) -> None:
    first = write_rekap(ws, rules, YEAR)
    xlsx, text = first.xlsx.read_bytes(), first.csv.read_bytes()
    second = write_rekap(ws, rules, YEAR)
    assert second.csv.read_bytes() == text
    assert second.xlsx.read_bytes() == xlsx


def test_empty_workspace(tmp_path: Path, rules: Rules) -> None:
    space = Workspace(tmp_path)
    res = write_rekap(space, rules, YEAR)
    assert res.quarter == 1 and res.xlsx.name == "rekap_2026_TW1.xlsx"
    assert not space.ledger.exists()  # a rekap creates no ledger
    _, data = _csv(res.csv)
    assert data and all(r["realisasi"] == "" and r["unit_melapor"] == "0" for r in data.values())
    wb = load_workbook(res.xlsx)
    cols, rows = _table(wb[SHEET_STATUS])
    assert {v[cols["Status"]] for _, v in rows} == {"belum mengirim"}


def test_given_connection_stays_open(ws: Workspace, rules: Rules) -> None:
    conn = ledger.connect(ws.ledger)
    res = write_rekap(ws, rules, YEAR, 1, conn=conn)
    assert res.quarter == 1
    assert conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 10
    conn.close()


def test_bad_quarter(ws: Workspace, rules: Rules) -> None:
    from kinerja_pipeline.errors import KinerjaError, RulesError

    with pytest.raises(KinerjaError, match="Triwulan"):
        write_rekap(ws, rules, YEAR, 5)
    with pytest.raises(RulesError):
        write_rekap(ws, rules, 2031)


# --------------------------------------------------------------------------- LibreOffice


def test_libreoffice_renders(ws: Workspace, rules: Rules, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) tidak terpasang")
    res = write_rekap(ws, rules, YEAR)
    out = tmp_path / "pdf"
    profile = tmp_path / "lo-profile"
    proc = subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
                           "--convert-to", "pdf", "--outdir", str(out), str(res.xlsx)],
                          capture_output=True, timeout=180, check=False)
    pdf = out / "rekap_2026_TW2.pdf"
    assert proc.returncode == 0 and pdf.is_file(), proc.stderr.decode(errors="replace")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") + data.count(b"/Type/Page") > 5
