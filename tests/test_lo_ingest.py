"""A form typed into and saved by LibreOffice headless ingests with the same values as one
filled with openpyxl (the real-client path)."""
from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from forms_helpers import (LAPAS, blank_form, drop, new_workspace, received_time, rules_of, run,
                           values_for)
from kinerja_pipeline.samples import fill_form
from lo_helpers import find_soffice, fill_workbook

pytestmark = pytest.mark.skipif(find_soffice() is None,
                                reason="LibreOffice (soffice) tidak terpasang; .ci/run memasangnya dari Debian")


def _stored(ws_root: Path, submission_id: int) -> list[tuple]:
    with closing(sqlite3.connect(ws_root / "kinerja.db")) as conn:
        values = conn.execute("SELECT indikator, realisasi, pembilang, penyebut, penjelasan, bukti FROM "
                              "submission_values WHERE submission_id = ? ORDER BY indikator",
                              (submission_id,)).fetchall()
        budget = conn.execute("SELECT kegiatan, realisasi_anggaran FROM budget_values WHERE submission_id = ?"
                              " ORDER BY kegiatan", (submission_id,)).fetchall()
        signer = conn.execute("SELECT signer_name, signer_nip, signed_on FROM submissions WHERE id = ?",
                              (submission_id,)).fetchall()
    return values + budget + signer


def test_libreoffice_typed_form_ingests_like_the_openpyxl_filled_one(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    rules = rules_of(ws)
    blank = blank_form(rules, tmp_path / "blank.xlsx", LAPAS, 1)
    cells = values_for(rules, LAPAS, 1, seed=11)
    cells[f"D{_sig_row(rules, 'tanggal')}"] = dt.date(2026, 4, 6)  # a real date typed in both programs
    by_openpyxl = fill_form(blank, tmp_path / "openpyxl.xlsx", cells)
    by_libreoffice = fill_workbook(blank, tmp_path / "libreoffice.xlsx", cells, profile_dir=tmp_path / "lo")
    drop(ws, by_openpyxl, "diisi_openpyxl.xlsx", when=received_time(1, 3))
    # the same unit and quarter again: the LibreOffice file supersedes the openpyxl one
    drop(ws, by_libreoffice, "diisi_libreoffice.xlsx", when=received_time(1, 4))
    report = run(ws, rules)
    first, second = report.results
    assert (first.outcome, second.outcome) == ("accepted", "accepted"), [i.message for i in second.issues]
    assert [i.code for i in second.issues] == [i.code for i in first.issues]
    assert _stored(ws.root, second.submission_id) == _stored(ws.root, first.submission_id)
    assert len(_stored(ws.root, first.submission_id)) > 8


def _sig_row(rules, key: str) -> int:
    from kinerja_pipeline.layout import plan_form

    return plan_form(rules, LAPAS, 2026, 1).signature_rows[key]
