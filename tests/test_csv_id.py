"""The tidy CSV's twin for Excel set to Indonesian (``rekap_<tahun>_TW<n>_id.csv``)."""
from __future__ import annotations

import csv

from kinerja_pipeline.rekap import write_rekap
from kinerja_pipeline.reporting import rekap_text

from test_rekap import YEAR, _csv, rules, ws  # noqa: F401 - the rekap's fixtures

__all__ = ["rules", "ws"]


def test_indonesian_twin_beside_the_tidy_csv(ws, rules) -> None:  # noqa: F811
    res = write_rekap(ws, rules, YEAR)
    twin = res.csv.with_name("rekap_2026_TW2_id.csv")
    assert twin.is_file() and "rekap_2026_TW2_id.csv" in rekap_text(res, ws.root)
    raw = twin.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel picks UTF-8
    with open(twin, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    header, tidy = _csv(res.csv)
    assert rows[0] == header  # the same columns, split at ';'
    assert len(rows) - 1 == len(tidy)
    got = {(r[0], r[1], r[2]): dict(zip(header, r)) for r in rows[1:]}
    assert got.keys() == tidy.keys()
    # capaian rounded to 2 decimals with a decimal comma: 37/43 × 100 = 86,046… → 86,05
    assert got[("KW-JABAR", "IK01", "TAHUN")]["capaian"] == "86,05"
    # the indicator's own decimals for target and realisasi (IK09 has 1: 44.5 → 44,5)
    assert got[("LP-SUKAMISKIN", "IK09", "TW1")]["realisasi"] == "44,5"
    assert got[("LP-SUKAMISKIN", "IK01", "TW1")]["realisasi"] == "7"
    # text is copied as the tidy file has it (neutralised against formulas)
    assert got[("LP-BANCEUY", "IK01", "TW1")]["penjelasan"] == tidy[("LP-BANCEUY", "IK01", "TW1")]["penjelasan"]
    for key, row in tidy.items():
        for column in ("capaian", "target", "realisasi", "unit_melapor"):
            if row[column] == "":
                assert got[key][column] == ""
            else:  # thousands '.', decimal ',': the same number, rounded for display
                shown = float(got[key][column].replace(".", "").replace(",", "."))
                assert abs(shown - float(row[column])) <= 0.5, (key, column)
