"""Rules that fit a regional office: ``tingkat`` per indicator, the '-' target row of a unit that
does not report one indicator, and a unit that reports while having reporting units below it."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja_pipeline.cli import main
from kinerja_pipeline.errors import RulesError
from kinerja_pipeline.layout import plan_form
from kinerja_pipeline.rules_load import summarize

from tiny_rules import YEAR, tiny_rules, write_rules

DASH = ("-",) * 5

#: An office: SEK → BAG → SUB → two pegawai. BAG and SUB report K1 (BAG is a node that reports);
#: SUB also reports S1; the pegawai report their own IKI.
OFFICE = {"SEK": (None, "sekretariat"), "BAG": ("SEK", "bagian"), "SUB": ("BAG", "subbagian"),
          "P1": ("SUB", "pegawai"), "P2": ("SUB", "pegawai"), "BAG2": ("SEK", "bagian")}
OFFICE_INDICATORS = [
    {"kode": "U1", "jenis_unit": ["bagian"]},  # tingkat instansi by default
    {"kode": "K1", "jenis_unit": ["bagian", "subbagian"], "tingkat": "unit"},
    {"kode": "S1", "jenis_unit": ["subbagian"], "tingkat": "unit"},
    {"kode": "I1", "jenis_unit": ["pegawai"], "tingkat": "individu"},
]


def office(tmp_path: Path, **kwargs):
    kwargs.setdefault("units", OFFICE)
    kwargs.setdefault("indicators", OFFICE_INDICATORS)
    kwargs.setdefault("default_target", (10, 10, 10, 10))
    return tiny_rules(tmp_path, **kwargs)


def test_tingkat_defaults_to_instansi_and_is_read(tmp_path: Path) -> None:
    rules = office(tmp_path)
    assert [(i.kode, i.tingkat) for i in rules.indicators] == [
        ("U1", "instansi"), ("K1", "unit"), ("S1", "unit"), ("I1", "individu")]


def test_unknown_tingkat_names_file_line_and_choices(tmp_path: Path) -> None:
    with pytest.raises(RulesError) as info:
        office(tmp_path, indicators=[{"kode": "U1", "jenis_unit": ["bagian"], "tingkat": "pegawai"}])
    err = info.value
    assert (Path(str(err.path)).name, err.key) == ("indikator.yaml", "tingkat")
    assert err.line is not None
    assert "instansi, unit, individu" in str(err)


def test_rollup_nodes_stop_at_the_persons_own_unit_for_individu(tmp_path: Path) -> None:
    rules = office(tmp_path)
    assert rules.rollup_nodes("P1", "I1") == ["P1", "SUB"]  # never BAG or SEK
    assert rules.rollup_nodes("SUB", "K1") == ["SUB", "BAG", "SEK"]
    assert rules.rollup_nodes("BAG", "U1") == ["BAG", "SEK"]


def test_individu_target_row_above_the_persons_own_unit_is_refused(tmp_path: Path) -> None:
    office(tmp_path / "ok", targets={("SUB", "I1"): (8, 8, 8, 8)})  # the person's own unit: fine
    with pytest.raises(RulesError) as info:
        office(tmp_path / "bad", targets={("BAG", "I1"): (8, 8, 8, 8)})
    assert info.value.row is not None and info.value.key == "indikator"
    assert "individu" in str(info.value) and "BAG" in str(info.value)


def test_a_unit_that_reports_and_has_reporting_units_below_is_listed(tmp_path: Path) -> None:
    rules = office(tmp_path)
    assert rules.nodes_that_report(YEAR) == [("BAG", "K1", ["SUB"])]
    text = summarize(rules)
    assert "BAG K1 (+ SUB)" in text
    assert "baris targetnya = target unit itu sendiri" in text


def test_dash_row_means_not_reported_no_form_row_and_listed(tmp_path: Path) -> None:
    rules = office(tmp_path, targets={("BAG2", "U1"): DASH})
    assert rules.not_reported[YEAR] == frozenset({("BAG2", "U1")})
    assert rules.target(YEAR, "BAG2", "U1") is None
    assert not rules.reports("BAG2", "U1", YEAR)
    assert rules.reports("BAG2", "U1")  # by jenis it would; only that year's row says no
    assert [i.kode for i in rules.indicators_for("BAG2", YEAR)] == ["K1"]
    assert [r.indicator.kode for r in plan_form(rules, "BAG2", YEAR, 1).rows] == ["K1"]
    assert [r.indicator.kode for r in plan_form(rules, "BAG", YEAR, 1).rows] == ["U1", "K1"]
    assert "tidak melapor (baris '-'), tanpa baris formulir dan tidak ditagih: BAG2 U1" in summarize(rules)


def test_dash_row_for_a_node_that_reports_leaves_only_the_units_below(tmp_path: Path) -> None:
    rules = office(tmp_path, targets={("BAG", "K1"): DASH})
    assert rules.nodes_that_report(YEAR) == []
    assert [i.kode for i in rules.indicators_for("BAG", YEAR)] == ["U1"]


@pytest.mark.parametrize("row, words", [
    (("-", "-", 10, 10, 10), "hanya di sebagian kolom"),
])
def test_partly_dashed_row_is_refused(tmp_path: Path, row, words) -> None:
    with pytest.raises(RulesError) as info:
        office(tmp_path, targets={("BAG2", "U1"): row})
    assert words in str(info.value) and info.value.key == "tw2"


def test_dash_row_for_a_unit_whose_jenis_does_not_report_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesError) as info:
        office(tmp_path, targets={("SEK", "U1"): DASH})
    assert "tidak perlu" in str(info.value) and "Hapus baris ini" in str(info.value)


def test_every_indicator_of_a_unit_dashed_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesError) as info:
        office(tmp_path, targets={("BAG2", "U1"): DASH, ("BAG2", "K1"): DASH})
    assert "BAG2" in str(info.value) and "tidak punya formulir" in str(info.value)


def test_missing_row_message_tells_about_the_dash(tmp_path: Path) -> None:
    folder = write_rules(tmp_path / "rules", units=OFFICE, indicators=OFFICE_INDICATORS,
                         default_target=(10, 10, 10, 10))
    target = folder / f"target_{YEAR}.csv"
    lines = target.read_text(encoding="utf-8").splitlines()
    target.write_text("\n".join(l for l in lines if not l.startswith("BAG2,U1")) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["-w", str(tmp_path), "check"])
    assert result.exit_code == 1
    assert "BAG2" in result.output and "'-'" in result.output


def test_the_forms_guide_names_each_indicators_level(tmp_path: Path) -> None:
    import datetime as dt

    import openpyxl

    from kinerja_pipeline.forms import write_form

    rules = office(tmp_path)

    def guide(unit: str) -> str:
        path = tmp_path / f"{unit}.xlsx"
        write_form(rules, plan_form(rules, unit, YEAR, 1), path, generated_at=dt.datetime(YEAR, 1, 2))
        sheet = openpyxl.load_workbook(path)["Petunjuk"]
        return "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)

    person, bagian = guide("P1"), guide("BAG")
    assert "I1 — Indikator I1 (unit). Indikator kinerja individu (IKI) pegawai" in person
    assert "U1 — Indikator U1 (unit). Indikator kinerja utama (IKU) instansi." in bagian
    assert "K1 — Indikator K1 (unit). Indikator kinerja program/kegiatan unit." in bagian


# --------------------------------------------------------------------------- an office with data

#: SEK → BAG → SUB → P1, P2 and SEK → BAG2. U1 is an IKU of the bagian (BAG2 does not report it:
#: '-'); K1 a programme indicator of bagian and subbagian (BAG reports it and has SUB below it);
#: I1 an IKI of the pegawai.
UNITS = {"SEK": (None, "sekretariat"), "BAG": ("SEK", "bagian"), "SUB": ("BAG", "subbagian"),
         "P1": ("SUB", "pegawai"), "P2": ("SUB", "pegawai"), "BAG2": ("SEK", "bagian")}
INDICATORS = [
    {"kode": "U1", "jenis_unit": ["bagian"]},
    {"kode": "K1", "jenis_unit": ["bagian", "subbagian"], "tingkat": "unit"},
    {"kode": "I1", "jenis_unit": ["pegawai"], "tingkat": "individu"},
]
TARGETS = {("BAG", "U1"): (10, 10, 10, 10), ("BAG2", "U1"): DASH,
           ("BAG", "K1"): (4, 4, 4, 4), ("SUB", "K1"): (5, 5, 5, 5), ("BAG2", "K1"): (2, 2, 2, 2),
           ("P1", "I1"): (10, 10, 10, 10), ("P2", "I1"): (8, 8, 8, 8)}


def office_workspace(tmp_path: Path):
    """A workspace of the office with TW I of BAG (U1 8, K1 3), SUB (K1 6), BAG2 (K1 1) and the
    pegawai (I1 5 and 7) accepted in its ledger."""
    from kinerja_pipeline import ledger
    from kinerja_pipeline.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    write_rules(ws.rules, units=UNITS, indicators=INDICATORS, targets=TARGETS)
    conn = ledger.connect(ws.ledger)
    sent = {"BAG": [("U1", 8, "Rapat diundur"), ("K1", 3, "Naskah bagian")], "SUB": [("K1", 6, "")],
            "BAG2": [("K1", 1, "")], "P1": [("I1", 5, "")], "P2": [("I1", 7, "")]}
    for n, (unit, rows) in enumerate(sent.items(), start=1):
        ledger.record_submission(conn, ledger.Submission(
            sha256=f"{n:064x}", file_name=f"{unit}.xlsx", size=1000 + n,
            received_at="2026-04-06T09:00:00", outcome="accepted", reason="",
            archive_path=f"arsip/{n}.xlsx", unit=unit, year=YEAR, quarter=1,
            values=[{"indikator": i, "realisasi": v, "penjelasan": t} for i, v, t in rows],
            budget=[], issues=[]))
    conn.commit()
    conn.close()
    return ws


def test_laporan_of_the_organisation_holds_only_instansi_indicators(tmp_path: Path) -> None:
    from kinerja_pipeline.errors import KinerjaError
    from kinerja_pipeline.laporan import write_laporan
    from kinerja_pipeline.rules_load import load_rules

    ws = office_workspace(tmp_path)
    rules = load_rules(ws.rules)
    html = write_laporan(ws, rules, YEAR, quarter=1).html.read_text(encoding="utf-8")
    assert "Indikator U1" in html and "Indikator K1" not in html and "Indikator I1" not in html
    bag = write_laporan(ws, rules, YEAR, quarter=1, unit="BAG").html.read_text(encoding="utf-8")
    assert "Indikator U1" in bag and "Indikator K1" in bag and "Indikator I1" not in bag
    with pytest.raises(KinerjaError, match="IKI pegawai ada di rekap"):
        write_laporan(ws, rules, YEAR, quarter=1, unit="P1")
