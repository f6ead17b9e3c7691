"""Laporan Kinerja Triwulan and Semesteran: the period and s.d. figures computed by hand from the
LKjIP tests' small ledger (TW I–II 2026 of LP-SUKAMISKIN, LP-BANCEUY and BP-BANDUNG)."""
from __future__ import annotations

import html as htmlmod
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from kinerja_pipeline.cli import main
from kinerja_pipeline.errors import KinerjaError
from kinerja_pipeline.laporan import write_laporan
from kinerja_pipeline.reporting import laporan_text

from test_lkjip import BLK, KABUR, SCRIPT, YEAR, jabar, rules  # noqa: F401 - the LKjIP tests' fixtures

__all__ = ["jabar", "rules"]


def _lines(path) -> dict[str, list]:
    """Rows of the "Capaian" sheet by indicator kode."""
    sheet = openpyxl.load_workbook(path)["Capaian"]
    return {r[1]: list(r) for r in sheet.iter_rows(values_only=True) if isinstance(r[0], int)}


def test_quarterly_report_by_hand(jabar, rules) -> None:  # noqa: F811
    ws, _ = jabar
    res = write_laporan(ws, rules, YEAR, quarter=2, unit="KW-JABAR")
    assert (res.xlsx.name, res.html.name) == ("laporan_2026_TW2_KW-JABAR.xlsx", "laporan_2026_TW2_KW-JABAR.html")
    rows = _lines(res.xlsx)
    # IK01 (jumlah): TW II realisasi 10 + 13 = 23 against the two lapas' TW II targets 9 + 15 = 24;
    # s.d. TW II 42 against 43 (the LKjIP tests' sums)
    ik01 = rows["IK01"]
    # (capaian shown rounded to 2 decimals, as its predikat is read: 95,833… → 95,83)
    assert ik01[4:8] == [24, 23, 95.83, "Sangat Tinggi"]
    assert ik01[8:12] == [43, 42, 97.67, "Sangat Tinggi"]
    # IK08 (negatif, target 0): TW II realisasi 1 → capaian 0, Sangat Rendah; only 2 of the 4
    # units that report it sent data, so the figure and its predikat are provisional
    assert rows["IK08"][5:8] == [1, 0, "Sangat Rendah (sementara)"]
    assert rows["IK01"][12] == "2/2"  # both lapas of Jawa Barat reported IK01
    text = htmlmod.unescape(res.html.read_text(encoding="utf-8")).replace("\xa0", " ")
    assert "Laporan Kinerja Triwulan" in text and "Triwulan II Tahun 2026" in text
    assert "95,83" in text and "97,67" in text          # Indonesian numbers, table and chart
    assert "TW II: 3 dari 5 unit mengirim data" in text    # completeness of the period
    assert BLK in text and KABUR in text and SCRIPT not in res.html.read_text(encoding="utf-8")
    assert "<svg" in text and "<script" not in text.lower()  # the chart is inline SVG, no script
    with zipfile.ZipFile(res.xlsx) as zf:  # a native Excel chart
        assert any(n.startswith("xl/charts/chart") for n in zf.namelist())
    assert "laporan_2026_TW2_KW-JABAR.xlsx" in laporan_text(res)


def test_half_year_report_covers_both_quarters(jabar, rules) -> None:  # noqa: F811
    ws, _ = jabar
    res = write_laporan(ws, rules, YEAR, semester=1, unit="KW-JABAR")
    assert res.xlsx.name == "laporan_2026_S1_KW-JABAR.xlsx"
    ik01 = _lines(res.xlsx)["IK01"]
    assert ik01[4:7] == [43, 42, 97.67]  # Semester I = TW I + TW II: 42 / 43 = 97,674…
    text = htmlmod.unescape(res.html.read_text(encoding="utf-8"))
    assert "Laporan Kinerja Semester I" in text
    assert SCRIPT in text  # BP-BANDUNG's TW I penjelasan belongs to Semester I, shown as text
    sheet = openpyxl.load_workbook(res.xlsx)["Penjelasan Unit"]
    quarters = {r[3] for r in sheet.iter_rows(min_row=4, values_only=True) if r[3]}
    assert quarters == {"TW I", "TW II"}


def test_one_period_is_asked_for(jabar, rules) -> None:  # noqa: F811
    ws, _ = jabar
    with pytest.raises(KinerjaError, match="Pilih satu periode"):
        write_laporan(ws, rules, YEAR)
    with pytest.raises(KinerjaError, match="Semester harus 1 atau 2"):
        write_laporan(ws, rules, YEAR, semester=3)


def test_cli_laporan(jabar) -> None:  # noqa: F811
    ws, _ = jabar
    runner = CliRunner()
    ok = runner.invoke(main, ["-w", str(ws.root), "laporan", "--year", str(YEAR), "--semester", "1"])
    assert ok.exit_code == 0, ok.output
    assert "keluaran/laporan_2026_S1.xlsx" in ok.output
    both = runner.invoke(main, ["-w", str(ws.root), "laporan", "--year", str(YEAR), "-q", "1", "-s", "1"])
    assert both.exit_code == 2 and "Pilih salah satu" in both.output
