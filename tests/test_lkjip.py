"""LKjIP tables (issue 6): a small hand-made ledger, every table's numbers computed by hand.

The ledger (sample rules, year 2026) holds TW I and TW II of three units of Kanwil Jawa Barat —
LP-SUKAMISKIN and LP-BANCEUY (lapas) and BP-BANDUNG (bapas) — for a few indicators, plus the
four quarters of 2025 for IK01 of the two lapas. RT-BANDUNG and LPKA-BANDUNG send nothing.
"""
from __future__ import annotations

import html as htmlmod
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kinerja_pipeline import ledger
from kinerja_pipeline.errors import KinerjaError, RulesError
from kinerja_pipeline.laporan import write_laporan
from kinerja_pipeline.lkjip import write_lkjip
from kinerja_pipeline.rekap import SHEET_SUMMARY, write_rekap
from kinerja_pipeline.reporting import lkjip_text
from kinerja_pipeline.rules_load import load_rules
from kinerja_pipeline.workspace import Workspace

REPO = Path(__file__).resolve().parent.parent
YEAR = 2026
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil","x")'
BLK = "Peserta pelatihan berkurang karena jadwal BLK bergeser."
KABUR = "Terjadi satu upaya pelarian; petugas berhasil menggagalkan."


@pytest.fixture(scope="module")
def rules():
    return load_rules(REPO / "rules")


class _Ledger:
    def __init__(self, path: Path) -> None:
        self.conn = ledger.connect(path)
        self.n = 0

    def submit(self, unit: str, year: int, quarter: int, values=(), budget=(),
               received: str | None = None) -> int:
        self.n += 1
        month = {1: 4, 2: 7, 3: 10, 4: 12}[quarter]
        return ledger.record_submission(self.conn, ledger.Submission(
            sha256=f"{self.n:064x}", file_name=f"kiriman_{self.n}.xlsx", size=100,
            received_at=received or f"{year}-{month:02d}-08T10:00:00", outcome="accepted",
            archive_path=f"arsip/{self.n}.xlsx", unit=unit, year=year, quarter=quarter,
            values=list(values), budget=list(budget)))

    def approval(self, sid: int, level: str, action: str) -> None:
        row = self.conn.execute("SELECT unit, year, quarter FROM submissions WHERE id = ?", (sid,)).fetchone()
        self.conn.execute("INSERT INTO approvals(submission_id, unit, year, quarter, level, action, by_name,"
                          " nip, at, note) VALUES (?,?,?,?,?,?,?,?,?,?)",
                          (sid, row["unit"], row["year"], row["quarter"], level, action, "Penyetuju",
                           "198001012005011001", "2026-07-20T09:00:00", ""))


def _workspace(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    shutil.copytree(REPO / "rules", ws.rules)
    return ws


def _v(kode, realisasi=None, pembilang=None, penyebut=None, penjelasan=""):
    return {"indikator": kode, "realisasi": realisasi, "pembilang": pembilang, "penyebut": penyebut,
            "penjelasan": penjelasan}


def _b(kegiatan, rupiah):
    return {"kegiatan": kegiatan, "realisasi_anggaran": rupiah}


@pytest.fixture()
def jabar(tmp_path):
    ws = _workspace(tmp_path)
    lg = _Ledger(ws.ledger)
    # 2025, IK01 of both lapas, all four quarters: 6+8+8+9 = 31 and 10+12+12+14 = 48 → 79
    for q, (a, b) in enumerate([(6, 10), (8, 12), (8, 12), (9, 14)], start=1):
        lg.submit("LP-SUKAMISKIN", 2025, q, [_v("IK01", a)], received=f"2025-{3 * q:02d}-28T09:00:00")
        lg.submit("LP-BANCEUY", 2025, q, [_v("IK01", b)], received=f"2025-{3 * q:02d}-28T09:00:00")
    # 2026 TW I and TW II
    ids = []
    ids.append(lg.submit("LP-SUKAMISKIN", YEAR, 1,
                         [_v("IK01", 8), _v("IK02", pembilang=400, penyebut=500), _v("IK08", 0),
                          _v("IK10", 79)],
                         [_b("KEG-BIN", 300e6), _b("KEG-KAMTIB", 200e6), _b("KEG-LAYANAN", 500e6)]))
    ids.append(lg.submit("LP-SUKAMISKIN", YEAR, 2,
                         [_v("IK01", 10), _v("IK02", pembilang=450, penyebut=500),
                          _v("IK08", 1, penjelasan=KABUR), _v("IK10", 82)],
                         [_b("KEG-BIN", 400e6), _b("KEG-KAMTIB", 250e6), _b("KEG-LAYANAN", 600e6)]))
    ids.append(lg.submit("LP-BANCEUY", YEAR, 1,
                         [_v("IK01", 11), _v("IK02", pembilang=300, penyebut=400), _v("IK08", 0),
                          _v("IK10", 78)],
                         [_b("KEG-BIN", 250e6), _b("KEG-KAMTIB", 150e6), _b("KEG-LAYANAN", 400e6)]))
    ids.append(lg.submit("LP-BANCEUY", YEAR, 2,
                         [_v("IK01", 13, penjelasan=BLK), _v("IK02", pembilang=320, penyebut=400),
                          _v("IK08", 0), _v("IK10", 80)],
                         [_b("KEG-BIN", 300e6), _b("KEG-KAMTIB", 150e6), _b("KEG-LAYANAN", 450e6)]))
    ids.append(lg.submit("BP-BANDUNG", YEAR, 1,
                         [_v("IK05", pembilang=40, penyebut=50, penjelasan=SCRIPT), _v("IK10", 83)],
                         [_b("KEG-BIMKEMAS", 200e6), _b("KEG-LAYANAN", 300e6)]))
    ids.append(lg.submit("BP-BANDUNG", YEAR, 2,
                         [_v("IK05", pembilang=45, penyebut=50, penjelasan=FORMULA), _v("IK10", 84)],
                         [_b("KEG-BIMKEMAS", 250e6), _b("KEG-LAYANAN", 350e6)],
                         received="2026-07-10T15:30:00"))
    # approvals: the latest action per level counts — one approved then withdrawn, one approved
    lg.approval(ids[0], "pengesahan", "approve")
    lg.approval(ids[0], "pengesahan", "unapprove")
    for level in ("verifikasi", "validasi", "pengesahan"):
        lg.approval(ids[1], level, "approve")
    yield ws, lg
    lg.conn.close()


# --------------------------------------------------------------------------- reading back


def _blocks(sheet) -> list[dict]:
    """Every table of a sheet: caption, headers, and rows (dicts by header) up to the blank row."""
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    out, i = [], 0
    while i < len(rows):
        if rows[i] and rows[i][0] == "No":
            headers = [h for h in rows[i] if h is not None]
            caption = rows[i - 1][0] if i > 0 and rows[i - 1] else None
            body, i = [], i + 1
            while i < len(rows) and any(v not in (None, "") for v in rows[i]):
                body.append(dict(zip(headers, rows[i][:len(headers)])))
                i += 1
            out.append({"caption": caption, "headers": headers, "rows": body})
        i += 1
    return out


def _data(block) -> list[dict]:
    return [r for r in block["rows"] if isinstance(r["No"], (int, float))]


def _by_kode(block) -> dict[str, dict]:
    return {r["Kode"]: r for r in _data(block)}


def _texts(block) -> list[str]:
    """Group headings and notes: rows with text in the first cell only."""
    return [r["No"] for r in block["rows"] if isinstance(r["No"], str)
            and all(v is None for k, v in r.items() if k != "No")]


def _visible(path: Path) -> str:
    """The page's text as a reader sees it (entities decoded, no-break spaces as spaces)."""
    return htmlmod.unescape(path.read_text(encoding="utf-8")).replace("\xa0", " ")


def _approx(value, expected, tol=1e-9):
    if expected is None:
        assert value == "—", value
    else:
        assert value == pytest.approx(expected, rel=tol, abs=tol), (value, expected)


def _cap(x):
    """A capaian as the tables show it: rounded half-up to 2 decimals (none of these hand values
    lies on a rounding edge, so Python's round gives the same)."""
    return None if x is None else round(x, 2)


def _all_cells(wb):
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                yield sheet, cell


# --------------------------------------------------------------------------- hand-computed numbers

# IK01 (jumlah, per_triwulan, positif). s.d. TW II target = Sukamiskin 7+9 + Banceuy 12+15 = 43;
# realisasi = (8+10) + (11+13) = 42; capaian = 42/43×100 = 97,674…% → Sangat Tinggi (≥ 91).
IK01_CAP = 42 / 43 * 100
# IK02 (ratio, akhir, kumulatif): last quarter TW II → pembilang 450+320 = 770, penyebut 500+400
# = 900, realisasi = 770/900×100 = 85,555…%; target = mean of the 4 expected units' TW2 target 87;
# capaian = 85,555…/87×100 = 98,339…%.
IK02_R = 770 / 900 * 100
IK02_CAP = IK02_R / 87 * 100
# IK05 (ratio, jumlah): pembilang 40+45 = 85, penyebut 50+50 = 100 → 85%; target TW2 87,5;
# capaian 85/87,5×100 = 97,142…%.
IK05_CAP = 85 / 87.5 * 100
# IK08 (negatif, jumlah): target 0, realisasi 0+1+0+0 = 1 → capaian 0 (T = 0 and R ≠ 0).
# IK10 (rata over time and units): Sukamiskin (79+82)/2 = 80,5; Banceuy (78+80)/2 = 79;
# BP-BANDUNG (83+84)/2 = 83,5 → (80,5+79+83,5)/3 = 81; target mean(80, 81) = 80,5 for each of
# the 5 expected units → 80,5; capaian 81/80,5×100 = 100,621…%.
IK10_CAP = 81 / 80.5 * 100

# Budget s.d. TW II (Rp): SS1 KEG-BIN 300+400+250+300 = 1.250 juta of pagu 1.665+1.295+2.775+1.295
# = 7.030 juta; SS2 KEG-BIMKEMAS 200+250 = 450 of 1.102,5; SS3 KEG-KAMTIB 200+250+150+150 = 750 of
# 1.116+868+1.860+868 = 4.712; SS4 KEG-LAYANAN 500+600+400+450+300+350 = 2.600 of
# 2.385+1.855+3.975+1.855+1.855 = 11.925. Total 5.050 of 24.769,5 juta.
PAGU = {"SS1": 7_030e6, "SS2": 1_102.5e6, "SS3": 4_712e6, "SS4": 11_925e6}
REAL = {"SS1": 1_250e6, "SS2": 450e6, "SS3": 750e6, "SS4": 2_600e6}
# mean capaian of each sasaran's indicators that have one (cap 120 does not bite here)
CAP = {"SS1": (IK01_CAP + IK02_CAP) / 2, "SS2": IK05_CAP, "SS3": 0.0, "SS4": IK10_CAP}


def test_kanwil_tables_by_hand(jabar, rules):
    ws, lg = jabar
    res = write_lkjip(ws, rules, YEAR, unit="KW-JABAR", conn=lg.conn)
    assert res.xlsx == ws.outputs / "lkjip_2026_KW-JABAR.xlsx"
    assert res.html == ws.outputs / "lkjip_2026_KW-JABAR.html"
    assert res.upto == 2 and not res.complete
    wb = openpyxl.load_workbook(res.xlsx)
    assert wb.sheetnames == ["Ringkasan", "Tabel 1 PK", "Tabel 2 Pengukuran", "Tabel 3 Tahun Sebelumnya",
                             "Tabel 4 Renstra", "Tabel 5 Standar Nasional", "Tabel 6 Penjelasan Unit",
                             "Tabel 7 Anggaran", "Tabel 8 Narasi", "Grafik"]

    # --- Tabel 1: annual targets (full year even though data run s.d. TW II)
    pk, keg = _blocks(wb["Tabel 1 PK"])
    annual = {
        "IK01": 36 + 60,            # sum of both lapas
        "IK02": 90,                 # ratio: mean of the four expected units' 90
        "IK03": 144 + 240 + 384,    # two lapas + RT-BANDUNG
        "IK04": 42,                 # LPKA-BANDUNG alone
        "IK05": 90, "IK06": 1920, "IK07": 5,   # BP-BANDUNG alone
        "IK08": 0,
        "IK09": 37.5,               # rata: mean of (45+40+35+30)/4 = 37,5 over three units
        "IK10": 81.5, "IK11": 95, "IK12": 75,
    }
    rows = _by_kode(pk)
    assert list(rows) == list(annual)
    for kode, target in annual.items():
        _approx(rows[kode]["Target 2026"], target)
        assert rows[kode]["Satuan"] == rules.indicator(kode).satuan
    assert _texts(pk)[:4] == [f"{s.kode} — {s.nama}" for s in rules.sasaran]
    kr = _by_kode(keg)
    assert {k: v["Pagu (Rp)"] for k, v in kr.items()} == {
        "KEG-BIN": 7_030_000_000, "KEG-BIMKEMAS": 1_102_500_000, "KEG-KAMTIB": 4_712_000_000,
        "KEG-LAYANAN": 11_925_000_000}
    total = [r for r in keg["rows"] if r["Kegiatan"] == "Jumlah"]
    assert total[0]["Pagu (Rp)"] == 24_769_500_000

    # --- Tabel 2: s.d. TW II
    (peng,) = _blocks(wb["Tabel 2 Pengukuran"])
    assert wb["Tabel 2 Pengukuran"]["A1"].value == "Tabel 2. Pengukuran Kinerja Tahun 2026 s.d. TW II"
    rows = _by_kode(peng)
    t, r_, c = "Target s.d. TW II", "Realisasi s.d. TW II", "Capaian (%)"
    expected = {
        # kode: (target s.d. TW II, realisasi, capaian, predikat, unit melapor, keterangan)
        "IK01": (43, 42, IK01_CAP, "Sangat Tinggi", "2/2", None),
        # sebanding: the two reporting lapas' targets (both TW2 87, weighted by penyebut 500, 400)
        "IK02": (87, IK02_R, IK02_CAP, "Sangat Tinggi (sementara)", "2/4",
                 "Sementara: 2/4 unit, TW I–II; belum melapor: RT-BANDUNG, LPKA-BANDUNG"),
        "IK03": (36 * 2 + 60 * 2 + 96 * 2, None, None, "—", "0/3", "Belum ada data"),
        "IK04": (37, None, None, "—", "0/1", "Belum ada data"),      # kumulatif akhir: tw2
        "IK05": (87.5, 85, IK05_CAP, "Sangat Tinggi", "1/1", None),
        "IK06": (480 * 2, None, None, "—", "0/1", "Belum ada data"),
        "IK07": (5, None, None, "—", "0/1", "Belum ada data"),
        "IK08": (0, 1, 0.0, "Sangat Rendah (sementara)", "2/4",
                 "Sementara: 2/4 unit, TW I–II; belum melapor: RT-BANDUNG, LPKA-BANDUNG"),
        "IK09": ((45 + 40) / 2, None, None, "—", "0/3", "Belum ada data"),
        "IK10": (80.5, 81, IK10_CAP, "Sangat Tinggi (sementara)", "3/5",
                 "Sementara: 3/5 unit, TW I–II; belum melapor: RT-BANDUNG, LPKA-BANDUNG"),
        "IK11": (85, None, None, "—", "0/1", "Belum ada data"),
        "IK12": (65, None, None, "—", "0/5", "Belum ada data"),
    }
    assert list(rows) == list(expected)
    for kode, (target, real, cap, pred, melapor, ket) in expected.items():
        _approx(rows[kode][t], target)
        _approx(rows[kode][r_], real)
        _approx(rows[kode][c], _cap(cap))
        assert rows[kode]["Predikat"] == pred
        assert rows[kode]["Unit Melapor"] == melapor
        assert rows[kode]["Keterangan"] == ket

    # --- Tabel 3: 2025 from the ledger (complete: both lapas, four quarters) = 79
    (hist,) = _blocks(wb["Tabel 3 Tahun Sebelumnya"])
    assert hist["headers"] == ["No", "Kode", "Indikator Kinerja", "Satuan", "Realisasi 2025",
                               "Realisasi 2026 s.d. TW II", "Capaian 2026 s.d. TW II (%)",
                               "Selisih terhadap 2025", "Keterangan"]
    rows = _by_kode(hist)
    assert rows["IK01"]["Realisasi 2025"] == 79
    assert rows["IK01"]["Realisasi 2026 s.d. TW II"] == 42
    _approx(rows["IK01"]["Capaian 2026 s.d. TW II (%)"], _cap(IK01_CAP))
    assert rows["IK01"]["Selisih terhadap 2025"] == 42 - 79          # −37, positif → menurun
    assert rows["IK01"]["Keterangan"] == "Menurun"
    for kode in ("IK02", "IK05", "IK10"):
        assert rows[kode]["Realisasi 2025"] == "—" and rows[kode]["Selisih terhadap 2025"] == "—"
    assert any("2025: data kiriman unit." in n for n in _texts(hist))
    assert any("selisih belum sebanding" in n for n in _texts(hist))

    # --- Tabel 4: progress against the Renstra end target
    (ren,) = _blocks(wb["Tabel 4 Renstra"])
    rows = _by_kode(ren)
    assert list(rows) == ["IK01", "IK02", "IK10", "IK12"]
    # IK01 is kumulatif over 2025–2029: 2025's 79 (Tabel 3) + 2026's 42 = 121 of 3000
    assert rows["IK01"]["Jenis Target Renstra"] == "Kumulatif 2025–2029"
    assert rows["IK01"]["Realisasi Dibandingkan"] == 79 + 42
    assert rows["IK01"]["Dasar Realisasi"] == "2025–2026 s.d. TW II"
    _approx(rows["IK01"]["Progres (%)"], 4.03)                   # 121 / 3000 × 100 = 4,033…
    # the others are the end year's annual target, against this year's realisasi
    assert rows["IK02"]["Jenis Target Renstra"] == "Tahunan (2029)"
    _approx(rows["IK02"]["Progres (%)"], 90.06)                  # 85,555… / 95 × 100 = 90,058…
    _approx(rows["IK10"]["Progres (%)"], 90.0)                   # 81 / 90 × 100
    _approx(rows["IK12"]["Progres (%)"], None)                   # no realisasi yet
    assert rows["IK01"]["Target Renstra"] == 3000

    # --- Tabel 5: national standard
    (std,) = _blocks(wb["Tabel 5 Standar Nasional"])
    rows = _by_kode(std)
    assert list(rows) == ["IK02", "IK05", "IK10"]
    _approx(rows["IK02"]["Selisih"], IK02_R - 90)                # −4,44 → below
    assert rows["IK02"]["Keterangan"] == "Belum memenuhi standar"
    _approx(rows["IK05"]["Selisih"], 0)                          # 85 − 85 = 0 → meets it
    assert rows["IK05"]["Keterangan"] == "Memenuhi standar"
    _approx(rows["IK10"]["Selisih"], 81 - 76.61)                 # 4,39
    assert rows["IK10"]["Keterangan"] == "Memenuhi standar"

    # --- Tabel 6: what the units typed, per indicator, unit (rules order), quarter
    (ken,) = _blocks(wb["Tabel 6 Penjelasan Unit"])
    got = [(r["Unit Kerja"], r["Triwulan"], r["Penjelasan / Kendala (ditulis unit)"]) for r in _data(ken)]
    assert got == [("Lapas Kelas IIA Banceuy (LP-BANCEUY)", "TW II", BLK),
                   ("Bapas Kelas I Bandung (BP-BANDUNG)", "TW I", SCRIPT),
                   ("Bapas Kelas I Bandung (BP-BANDUNG)", "TW II", FORMULA),
                   ("Lapas Kelas I Sukamiskin (LP-SUKAMISKIN)", "TW II", KABUR)]
    groups = [t for t in _texts(ken) if t.startswith("IK")]
    assert [g.split(" ")[0] for g in groups] == ["IK01", "IK05", "IK08"]

    # --- Tabel 7: budget per sasaran beside mean capaian, efisiensi = capaian ÷ serapan
    (bud,) = _blocks(wb["Tabel 7 Anggaran"])
    real_h = "Realisasi Anggaran s.d. TW II (Rp)"
    rows = {r["Sasaran Strategis"][:3]: r for r in _data(bud)}
    for s in ("SS1", "SS2", "SS3", "SS4"):
        serapan = REAL[s] / PAGU[s] * 100   # 17,78 / 40,82 / 15,92 / 21,80 %
        assert rows[s]["Pagu (Rp)"] == PAGU[s]
        assert rows[s][real_h] == REAL[s]
        _approx(rows[s]["Serapan (%)"], serapan)
        _approx(rows[s]["Rata-rata Capaian (%)"], CAP[s])
        _approx(rows[s]["Indeks Efisiensi"], CAP[s] / serapan)   # 5,51 / 2,38 / 0 / 4,62
        assert rows[s]["Keterangan"] == ("Efisien" if CAP[s] >= serapan else "Kurang efisien")
    assert rows["SS3"]["Keterangan"] == "Kurang efisien"
    total = [r for r in bud["rows"] if r["Sasaran Strategis"] == "Jumlah"][0]
    assert total["Pagu (Rp)"] == 24_769_500_000 and total[real_h] == 5_050_000_000
    _approx(total["Serapan (%)"], 5_050 / 24_769.5 * 100)       # 20,39%
    assert any(n.startswith("Indeks efisiensi = rata-rata capaian sasaran ÷ serapan") and
               "Efisien bila capaian ≥ serapan" in n for n in _texts(bud))

    # --- Tabel 8: drafted paragraphs from rules/narasi_lkjip.j2
    (nar,) = _blocks(wb["Tabel 8 Narasi"])
    text = {r["Kode"]: r["Uraian (draf, boleh disunting)"] for r in _data(nar)}
    assert text["IK01"] == (
        "Sampai dengan TW II tahun 2026, indikator “Jumlah narapidana yang mengikuti pelatihan kerja "
        "bersertifikat” ditargetkan sebesar 43 orang dan terealisasi sebesar 42 orang, sehingga "
        "capaian kinerjanya 97,67% dengan predikat Sangat Tinggi. Dibandingkan dengan realisasi "
        "tahun 2025 sebesar 79 orang, realisasi turun 37 orang, yang berarti kinerja menurun. "
        "Perbandingan ini belum sebanding karena realisasi tahun 2026 baru mencakup data s.d. "
        "TW II. Penjelasan utama disampaikan oleh Lapas Kelas IIA Banceuy pada TW II: “Peserta "
        "pelatihan berkurang karena jadwal BLK bergeser.”")
    assert text["IK08"] == (
        "Sampai dengan TW II tahun 2026, indikator “Jumlah gangguan keamanan dan ketertiban "
        "(pelarian, kerusuhan)” ditargetkan sebesar 0 kejadian dan terealisasi sebesar 1 kejadian, "
        "sehingga capaian kinerjanya 0,00% dengan predikat Sangat Rendah (sementara). Angka ini masih "
        "sementara: baru mencakup 2 dari 4 unit yang wajib melapor (data masuk: TW I–II). Penjelasan "
        "utama disampaikan oleh Lapas Kelas I Sukamiskin pada TW II: “Terjadi satu upaya pelarian; "
        "petugas berhasil menggagalkan.”")
    assert text["IK03"] == (
        "Sampai dengan TW II tahun 2026, indikator “Jumlah narapidana yang memperoleh hak integrasi "
        "(PB, CB, CMB)” ditargetkan sebesar 384 orang, tetapi realisasinya belum dilaporkan oleh unit.")
    # IK02: percentage in Indonesian format; IK05: the latest of two notes, with the count
    assert "ditargetkan sebesar 87,00% dan terealisasi sebesar 85,56%" in text["IK02"]
    assert "capaian kinerjanya 98,34% dengan predikat Sangat Tinggi" in text["IK02"]
    assert text["IK05"].endswith("pada TW II (seluruhnya 2 catatan; lihat Tabel 6): "
                                 "“=HYPERLINK(\"http://evil\",\"x\").”")

    # --- header and signatory (a Kanwil signs its own LKjIP)
    summary = {r[0]: r[1] for r in wb["Ringkasan"].iter_rows(values_only=True) if r[0]}
    assert summary["Unit"] == "Kanwil Ditjenpas Jawa Barat (KW-JABAR)"
    assert summary["Penandatangan"] == "Kepala Kanwil Ditjenpas Jawa Barat"
    assert summary["Nama"] == "Bambang Sumardiono, Bc.IP., S.H."
    assert summary["NIP"] == "197205141993031002"
    assert summary["Data per"].startswith("10 Juli 2026")   # BP-BANDUNG TW II, the latest receipt
    assert summary["Periode data"] == "s.d. TW II 2026 (data tahunan belum lengkap)"

    # --- the HTML page holds the same numbers, in Indonesian format
    visible = _visible(res.html)
    for shown in ["97,67", "98,34", "85,56", "97,14", "100,62", "0,00", "Sangat Rendah",
                  "7.030.000.000", "1.102.500.000", "4.712.000.000", "11.925.000.000",
                  "24.769.500.000", "1.250.000.000", "5.050.000.000", "17,78", "40,82",
                  "15,92", "21,80", "20,39", "98,01", "5,51", "2,38", "4,62", "Kurang efisien",
                  "-37", "-4,44", "4,39", "4,03", "90,06", "90,00", "768", "37,5", "81,50",
                  "Target s.d. TW II", "Realisasi 2026 s.d. TW II", "Tabel 2. Pengukuran Kinerja "
                  "Tahun 2026 s.d. TW II", "Bambang Sumardiono, Bc.IP., S.H.", "197205141993031002",
                  "10 Juli 2026"]:
        assert shown in visible, shown
    # a table cell under a "(%)" header holds the number alone, as the workbook does
    assert not re.search(r'<td class="n[^"]*">[^<]*%</td>', res.html.read_text(encoding="utf-8"))
    assert visible.count(text["IK01"]) == 1


def test_every_table_says_sd_tw(jabar, rules):
    ws, lg = jabar
    res = write_lkjip(ws, rules, YEAR, unit="KW-JABAR", conn=lg.conn)
    wb = openpyxl.load_workbook(res.xlsx)
    for name in wb.sheetnames[1:]:
        sheet = wb[name]
        header = f"{sheet['A1'].value} {sheet['A2'].value}"
        assert "s.d. TW II" in header, name
    visible = _visible(res.html)
    assert visible.count("s.d. TW II") >= 10
    assert "Target s.d. TW II" in visible and "Tahunan (TW I–IV" not in visible


def test_incomplete_data_note(jabar, rules):
    ws, lg = jabar
    res = write_lkjip(ws, rules, YEAR, unit="KW-JABAR", conn=lg.conn)
    notes = res.notes
    assert notes[0].startswith("Data realisasi baru tersedia s.d. TW II 2026.")
    assert ("Belum ada kiriman yang diterima dari 2 unit untuk triwulan berikut: "
            "RT-BANDUNG (TW I, TW II), LPKA-BANDUNG (TW I, TW II).") in notes
    partial = [n for n in notes if "belum mencakup semua unit" in n][0]
    assert "IK02 (2 dari 4 unit)" in partial and "IK03 (belum ada data)" in partial
    assert "IK01" not in partial                      # both lapas, both quarters: complete
    # six 2026 submissions; only LP-SUKAMISKIN TW II still holds a pengesahan (TW I's was withdrawn)
    approval = [n for n in notes if n.startswith("Data belum disahkan")][0]
    assert approval.startswith("Data belum disahkan pada jenjang tertinggi (Pengesahan): 5 dari 6 "
                               "kiriman, yaitu LP-SUKAMISKIN TW I, LP-BANCEUY TW I, LP-BANCEUY TW II, "
                               "BP-BANDUNG TW I, BP-BANDUNG TW II.")
    page = res.html.read_text(encoding="utf-8")
    assert "Catatan kelengkapan data" in page
    for note in notes:
        assert htmlmod.escape(note, quote=True) in page
    wb = openpyxl.load_workbook(res.xlsx)
    texts = [c.value for _, c in _all_cells(wb) if isinstance(c.value, str)]
    assert all(note in texts for note in notes)
    assert "Perhatian" in lkjip_text(res, ws.root)


def test_root_uses_rules_past_and_lkjip_signatory(jabar, rules):
    ws, lg = jabar
    res = write_lkjip(ws, rules, YEAR, conn=lg.conn)
    assert res.xlsx.name == "lkjip_2026.xlsx" and res.html.name == "lkjip_2026.html"
    wb = openpyxl.load_workbook(res.xlsx)
    (peng,) = _blocks(wb["Tabel 2 Pengukuran"])
    ik01 = _by_kode(peng)["IK01"]
    # sebanding: root target s.d. TW II = the two reporting lapas' (7+9)+(12+15) = 43, not the
    # five lapas' 151; the figure is provisional (2 of 5 lapas)
    assert ik01["Target s.d. TW II"] == 43
    _approx(ik01["Capaian (%)"], 97.67)                          # 42 / 43 × 100 = 97,674…
    assert ik01["Predikat"] == "Sangat Tinggi (sementara)" and ik01["Unit Melapor"] == "2/5"
    assert ik01["Keterangan"] == ("Sementara: 2/5 unit, TW I–II; belum melapor: LP-PORONG, "
                                  "LP-MALANG, LP-TANJUNGGUSTA")
    (hist,) = _blocks(wb["Tabel 3 Tahun Sebelumnya"])
    rows = _by_kode(hist)
    # The ledger's 2025 holds only 2 of the 5 lapas: the rules' official figure (238) is used.
    assert (rows["IK01"]["Realisasi 2024"], rows["IK01"]["Realisasi 2025"]) == (212, 238)
    assert rows["IK01"]["Selisih terhadap 2025"] == 42 - 238
    _approx(rows["IK02"]["Selisih terhadap 2025"], IK02_R - 87.45)    # 85,56 − 87,45 = −1,89
    assert rows["IK02"]["Keterangan"] == "Menurun"
    # IK08 negatif: 2025 2 kejadian, 2026 1 → selisih −1 → membaik
    assert rows["IK08"]["Selisih terhadap 2025"] == 1 - 2 and rows["IK08"]["Keterangan"] == "Membaik"
    assert any("2024: data realisasi tahun lalu yang ditetapkan Subbag Evaluasi dan Pelaporan; 2025: "
               "data realisasi tahun lalu" in n for n in _texts(hist))
    summary = {r[0]: r[1] for r in wb["Ringkasan"].iter_rows(values_only=True) if r[0]}
    assert summary["Penandatangan"] == "Direktur Jenderal Pemasyarakatan"
    assert summary["Nama"] == "Dr. Hendra Wiratmaja, Bc.IP., S.H., M.Si."
    assert summary["NIP"] == "197011031992031001"
    page = res.html.read_text(encoding="utf-8")
    assert "Direktur Jenderal Pemasyarakatan" in page and "NIP 197011031992031001" in page
    assert "97,67%" in page and "-196" in page and "-1,89" in page


def test_injection_stays_inert_text(jabar, rules):
    ws, lg = jabar
    res = write_lkjip(ws, rules, YEAR, unit="BP-BANDUNG", conn=lg.conn)
    page = res.html.read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "=HYPERLINK(&#34;http://evil&#34;,&#34;x&#34;)" in page
    assert "<a " not in page.lower() and 'href' not in page.lower()
    wb = openpyxl.load_workbook(res.xlsx)
    seen = {SCRIPT: 0, FORMULA: 0}
    for sheet, cell in _all_cells(wb):
        assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
        assert cell.hyperlink is None
        if cell.value in seen:
            assert cell.data_type == "s"
            seen[cell.value] += 1
    assert seen == {SCRIPT: 1, FORMULA: 1}
    # the narasi quoting the formula is a string too
    nar = [c for s, c in _all_cells(wb) if s.title == "Tabel 8 Narasi" and isinstance(c.value, str)
           and "HYPERLINK" in c.value]
    assert nar and all(c.data_type == "s" for c in nar)
    # and the raw XML holds no formula element at all
    with zipfile.ZipFile(res.xlsx) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_reproducible(jabar, rules, tmp_path):
    ws, lg = jabar
    first = write_lkjip(ws, rules, YEAR, unit="KW-JABAR", conn=lg.conn)
    xlsx, page = first.xlsx.read_bytes(), first.html.read_bytes()
    second = write_lkjip(ws, rules, YEAR, unit="KW-JABAR", conn=lg.conn)
    assert second.xlsx.read_bytes() == xlsx
    assert second.html.read_bytes() == page
    assert not list(ws.outputs.glob(".tmp-*"))


def test_complete_year_has_no_note(tmp_path, rules):
    ws = _workspace(tmp_path)
    lg = _Ledger(ws.ledger)
    unit = "LP-SUKAMISKIN"
    for q in (1, 2, 3, 4):
        values = [_v("IK01", 9), _v("IK02", pembilang=88, penyebut=100), _v("IK03", 36), _v("IK08", 0),
                  _v("IK09", 35), _v("IK10", 82), _v("IK12", 60 + 5 * q)]
        sid = lg.submit(unit, YEAR, q, values, [_b("KEG-BIN", 400e6)])
        for level in ("verifikasi", "validasi", "pengesahan"):
            lg.approval(sid, level, "approve")
    res = write_lkjip(ws, rules, YEAR, unit=unit, conn=lg.conn)
    assert res.complete and res.notes == () and res.upto == 4
    assert res.xlsx.name == "lkjip_2026_LP-SUKAMISKIN.xlsx"
    wb = openpyxl.load_workbook(res.xlsx)
    assert wb["Tabel 2 Pengukuran"]["A1"].value == "Tabel 2. Pengukuran Kinerja Tahun 2026"
    (peng,) = _blocks(wb["Tabel 2 Pengukuran"])
    rows = _by_kode(peng)
    # IK01: 9×4 = 36 of target 36 → 100%; IK12 akhir: TW IV value 80 of 75 → 106,67%
    assert rows["IK01"]["Target"] == 36 and rows["IK01"]["Realisasi"] == 36
    _approx(rows["IK12"]["Capaian (%)"], 106.67)                # 80 / 75 × 100 = 106,666…
    # IK09 kebalikan: rata target 37,5, realisasi 35 → 37,5/35×100 = 107,14%
    _approx(rows["IK09"]["Capaian (%)"], 107.14)               # 107,142…
    page = res.html.read_text(encoding="utf-8")
    assert "Data lengkap" in page and "Catatan kelengkapan data" not in page
    assert "s.d. TW" not in page
    lg.conn.close()


def test_no_ledger_yet(tmp_path, rules):
    ws = _workspace(tmp_path)
    res = write_lkjip(ws, rules, YEAR)
    assert not ws.ledger.exists()               # nothing created as a side effect
    assert res.notes[0].startswith("Belum ada data kinerja tahun 2026")
    wb = openpyxl.load_workbook(res.xlsx)
    pk, keg = _blocks(wb["Tabel 1 PK"])
    assert _by_kode(pk)["IK01"]["Target 2026"] == 336     # 36+60+48+96+96
    assert "belum ada data" in lkjip_text(res, ws.root)


def test_unknown_unit(tmp_path, rules):
    ws = _workspace(tmp_path)
    with pytest.raises(KinerjaError, match="NOPE"):
        write_lkjip(ws, rules, YEAR, unit="NOPE")


def test_office_template_is_used_and_checked(jabar, rules):
    ws, lg = jabar
    path = ws.rules / "narasi_lkjip.j2"
    path.write_text("{{ kode }}: {{ realisasi | nilai(desimal, satuan) }} ({{ capaian | persen(1) }})"
                    "{% if kendala %} — {{ kendala.teks }}{% endif %}", encoding="utf-8")
    res = write_lkjip(ws, rules, YEAR, unit="KW-JABAR", conn=lg.conn)
    wb = openpyxl.load_workbook(res.xlsx)
    (nar,) = _blocks(wb["Tabel 8 Narasi"])
    text = {r["Kode"]: r["Uraian (draf, boleh disunting)"] for r in _data(nar)}
    assert text["IK01"] == f"IK01: 42 orang (97,7%) — {BLK}"
    assert text["IK02"] == "IK02: 85,56% (98,3%)"
    assert text["IK03"] == "IK03: — (—)"

    path.write_text("Baris satu\n{% if realisasi %}\n{{ realisasi }\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"narasi_lkjip\.j2, baris 3"):
        write_lkjip(ws, rules, YEAR, unit="KW-JABAR", conn=lg.conn)
    path.write_text("{{ realisasi_typo }}", encoding="utf-8")
    with pytest.raises(RulesError, match="realisasi_typo"):
        write_lkjip(ws, rules, YEAR, unit="KW-JABAR", conn=lg.conn)
    path.write_text("{{ ''.__class__.__mro__ }}", encoding="utf-8")   # the sandbox says no
    with pytest.raises(RulesError):
        write_lkjip(ws, rules, YEAR, unit="KW-JABAR", conn=lg.conn)
    path.unlink()                                # falls back to the packaged sample
    res = write_lkjip(ws, rules, YEAR, unit="KW-JABAR", conn=lg.conn)
    assert "Sampai dengan TW II tahun 2026" in res.html.read_text(encoding="utf-8")


def _chromium() -> str | None:
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser",
                                                        "google-chrome")) if p), None)


@pytest.mark.skipif(_chromium() is None, reason="Chromium tidak terpasang; uji render peramban dilewati")
def test_chromium_renders_pdf(jabar, rules, tmp_path):
    ws, lg = jabar
    res = write_lkjip(ws, rules, YEAR, unit="KW-JABAR", conn=lg.conn)
    pdf = tmp_path / "lkjip.pdf"
    proc = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profil'}", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", res.html.as_uri()],
        capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 20_000
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
        assert pages >= 3
        assert "A4" in info or "595" in info
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "Tabel 7. Realisasi Anggaran" in text and "24.769.500.000" in text
        assert "<script>alert(1)</script>" in text      # shown as text, not run


def test_cakupan_penuh_restores_full_targets_and_says_so(jabar, rules):
    ws, lg = jabar
    policy = ws.rules / "kebijakan.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "cakupan_target: sebanding" in text
    policy.write_text(text.replace("cakupan_target: sebanding", "cakupan_target: penuh"),
                      encoding="utf-8")
    penuh = load_rules(ws.rules)
    res = write_lkjip(ws, penuh, YEAR, conn=lg.conn)
    (peng,) = _blocks(openpyxl.load_workbook(res.xlsx)["Tabel 2 Pengukuran"])
    ik01 = _by_kode(peng)["IK01"]
    # every lapas, both quarters: (7+9)+(12+15)+(10+12)+(19+24)+(19+24) = 151, so 42 is 27,81 %
    assert ik01["Target s.d. TW II"] == 151 and ik01["Capaian (%)"] == 27.81
    assert ik01["Predikat"] == "Sangat Rendah (sementara)"
    assert any("target penuh" in n and "menurunkan capaian" in n for n in res.notes)
    assert any(n.startswith("Target pembanding: target penuh") for n in _texts(peng))
    # the rekap says it too, on its summary sheet
    summary = openpyxl.load_workbook(write_rekap(ws, penuh, YEAR, conn=lg.conn).xlsx)[SHEET_SUMMARY]
    info = {r[0]: r[1] for r in summary.iter_rows(values_only=True) if r[0]}
    assert info["Target pembanding"].startswith("target penuh")
    # and the quarterly report
    laporan = write_laporan(ws, penuh, YEAR, quarter=2, conn=lg.conn)
    assert "target penuh" in htmlmod.unescape(laporan.html.read_text(encoding="utf-8"))
