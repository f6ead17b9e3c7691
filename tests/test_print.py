"""Every document people print is readable on A4: text at least 8 pt, no blank page, no
technical words, and one colour per predikat across the rekap and the LKjIP.

The documents are printed the way their readers print them — workbooks through LibreOffice,
HTML through headless Chromium — and measured with poppler (see ``print_helpers``). These tests
skip, saying so, only when LibreOffice, Chromium or poppler is not installed.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest

from kinerja_pipeline.feedback import write_feedback
from kinerja_pipeline.forms import write_form
from kinerja_pipeline.layout import DATA_SHEET
from kinerja_pipeline.rules import PredikatBand
from kinerja_pipeline.styles import PREDIKAT_FILLS, predikat_colors
from kinerja_pipeline.validate import Issue

from forms_helpers import YEAR, drop, new_workspace, plan, returned_form, rules_of, run, values_for
from print_helpers import (calibration, eight_pt_html, eight_pt_workbook, html_pdf, need, text_of, too_small,
                           workbook_pdf)

#: words that belong to the program, not to a document for readers
TECHNICAL = ("rules/", ".j2", "_meta", "ledger", "batas_skor", "kinerja-pipeline", "kinerja_pipeline",
             "Sheet:")


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """The form and the feedback workbook of a rejected return, printed by LibreOffice."""
    need("soffice", "pdftotext")
    root = tmp_path_factory.mktemp("cetak")
    profile = root / "lo-profile"
    eight = calibration(workbook_pdf(eight_pt_workbook(root), root / "pdf", profile))
    ws = new_workspace(root / "ws")
    rules = rules_of(ws)
    form = root / "formulir.xlsx"
    write_form(rules, plan(rules), form, generated_at=dt.datetime(YEAR, 1, 2), prefill=values_for(rules))
    drop(ws, returned_form(rules, root / "kiriman.xlsx", overrides={"H13": None, "H21": 2_000_000_000}))
    feedback = run(ws, rules).results[0].feedback
    assert feedback is not None
    note = ("Realisasi IK03 tidak sesuai data SDP; mohon dicek ulang dan lampirkan daftar penerima hak "
            "integrasi per bulan beserta surat keputusannya. ") * 2
    review = write_feedback(root / "ditolak.xlsx", source=returned_form(rules, root / "diterima.xlsx"),
                            file_format="xlsx", rules=rules, plan=plan(rules),
                            issues=[Issue("ditolak-pemeriksa", "error", DATA_SHEET, "", note)],
                            received_at="2026-04-08T10:05:00", reviewer_note=note,
                            rejected_by=("Verifikasi", "Kepala Divisi Pemasyarakatan"))
    docs = {"formulir": form, "umpan balik": feedback, "umpan balik penolakan": review}
    return eight, {name: workbook_pdf(path, root / "pdf" / name.replace(" ", "_"), profile)
                   for name, path in docs.items()}


@pytest.mark.parametrize("name", ["formulir", "umpan balik", "umpan balik penolakan"])
def test_every_printed_page_is_readable(printed, name) -> None:
    eight, pdfs = printed
    assert eight > 5  # the calibration printed
    assert too_small(pdfs[name], eight) == []


@pytest.mark.parametrize("name", ["formulir", "umpan balik", "umpan balik penolakan"])
def test_no_technical_words_in_documents_for_readers(printed, name) -> None:
    _, pdfs = printed
    text = text_of(pdfs[name])
    assert text.strip()
    found = [w for w in TECHNICAL if w.lower() in text.lower()]
    assert found == []


def test_form_prints_page_numbers_of_the_whole(printed) -> None:
    _, pdfs = printed
    numbers = re.findall(r"Halaman (\d+) dari (\d+)", text_of(pdfs["formulir"]))
    assert numbers and all(total == numbers[0][1] for _, total in numbers)
    assert [int(n) for n, _ in numbers] == list(range(1, len(numbers) + 1))


def test_one_colour_per_predikat_band_by_position() -> None:
    five = [PredikatBand(n, lo, hi) for n, lo, hi in (("A", 91, None), ("B", 76, 91), ("C", 66, 76),
                                                        ("D", 51, 66), ("E", None, 51))]
    assert list(predikat_colors(five).values()) == list(PREDIKAT_FILLS)
    three = [PredikatBand(n, lo, hi) for n, lo, hi in (("Baik", 80, None), ("Cukup", 60, 80), ("Kurang", None, 60))]
    assert predikat_colors(three) == {"Baik": PREDIKAT_FILLS[0], "Cukup": PREDIKAT_FILLS[2],
                                      "Kurang": PREDIKAT_FILLS[-1]}


# --------------------------------------------------------------------------- the sample organisation's reports


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The sample organisation's whole year (``kinerja demo``) and its reports."""
    from kinerja_pipeline.demo import run_demo
    from kinerja_pipeline.laporan import write_laporan
    from kinerja_pipeline.rules_load import load_rules

    need("soffice", "pdftotext")
    root = tmp_path_factory.mktemp("laporan")
    ws = run_demo(root / "demo", echo=lambda _: None)
    rules = load_rules(ws.rules)
    tw = write_laporan(ws, rules, YEAR, quarter=3)
    s1 = write_laporan(ws, rules, YEAR, semester=1)
    return root, {"laporan triwulan": tw, "laporan semesteran": s1}


@pytest.mark.parametrize("name", ["laporan triwulan", "laporan semesteran"])
def test_reports_print_readable_from_libreoffice(reports, name) -> None:
    root, docs = reports
    profile = root / "lo-profile"
    eight = calibration(workbook_pdf(eight_pt_workbook(root), root / "kalibrasi", profile))
    pdf = workbook_pdf(docs[name].xlsx, root / "pdf" / name.replace(" ", "_"), profile)
    assert too_small(pdf, eight) == []
    text = text_of(pdf)
    assert [w for w in TECHNICAL if w.lower() in text.lower()] == []
    assert "Halaman 1 dari" in text


@pytest.mark.parametrize("name", ["laporan triwulan", "laporan semesteran"])
def test_reports_print_readable_from_chromium(reports, name) -> None:
    need("chromium", "pdftotext")
    root, docs = reports
    profile = root / "chromium-profile"
    eight = calibration(html_pdf(eight_pt_html(root), root / "kalibrasi-html.pdf", profile))
    pdf = html_pdf(docs[name].html, root / f"{name.replace(' ', '_')}.pdf", profile)
    assert too_small(pdf, eight) == []
    text = text_of(pdf)
    assert [w for w in TECHNICAL if w.lower() in text.lower()] == []
    assert re.search(r"\d+,\d\d", text)  # Indonesian number labels, in the table and the chart


@pytest.mark.parametrize("name", ["rekap_2026_TW4.xlsx", "lkjip_2026.xlsx"])
def test_rekap_and_lkjip_workbooks_print_readable(reports, name) -> None:
    root, docs = reports
    profile = root / "lo-profile"
    eight = calibration(workbook_pdf(eight_pt_workbook(root), root / "kalibrasi", profile))
    pdf = workbook_pdf(docs["laporan triwulan"].xlsx.parent / name, root / "pdf" / name.replace(".", "_"), profile)
    assert too_small(pdf, eight) == []
    text = text_of(pdf)
    assert [w for w in TECHNICAL if w.lower() in text.lower()] == []
    assert "TAHUNAN TAHUN" not in text
    assert "Halaman 1 dari" in text


def test_lkjip_page_prints_readable_with_charts(reports) -> None:
    need("chromium", "pdftotext")
    root, docs = reports
    page = docs["laporan triwulan"].html.parent / "lkjip_2026.html"
    html = page.read_text(encoding="utf-8")
    assert html.count("<svg") >= 3 and "<script" not in html.lower()  # inline charts, no script
    profile = root / "chromium-profile"
    eight = calibration(html_pdf(eight_pt_html(root), root / "kalibrasi-html.pdf", profile))
    pdf = html_pdf(page, root / "lkjip.pdf", profile)
    assert too_small(pdf, eight) == []
    text = text_of(pdf)
    assert [w for w in TECHNICAL if w.lower() in text.lower()] == []
    # Table 8: no sentence repeated in every paragraph
    assert text.count("Unit tidak menuliskan penjelasan atau kendala") == 0


def test_rekap_and_lkjip_colour_each_predikat_alike(reports) -> None:
    import openpyxl

    from kinerja_pipeline.rules_load import load_rules

    root, docs = reports
    out = docs["laporan triwulan"].xlsx.parent
    expected = {name: color.lstrip("#").upper() for name, color in
                predikat_colors(load_rules(out.parent / "rules").policy.predikat).items()}

    def fills(sheet) -> dict[str, str]:
        """The fill of each predikat's cells (a provisional one counts as its predikat)."""
        found: dict[str, str] = {}
        for row in sheet.iter_rows():
            for cell in row:
                name = cell.value.removesuffix(" (sementara)") if isinstance(cell.value, str) else None
                if name in expected and cell.fill.fill_type == "solid":
                    found.setdefault(name, (cell.fill.fgColor.rgb or "")[-6:].upper())
        return found

    rekap = fills(openpyxl.load_workbook(out / "rekap_2026_TW4.xlsx")["Tahunan"])
    lkjip = fills(openpyxl.load_workbook(out / "lkjip_2026.xlsx")["Tabel 2 Pengukuran"])
    assert rekap and lkjip
    for name in set(rekap) | set(lkjip):
        assert rekap.get(name, expected[name]) == lkjip.get(name, expected[name]) == expected[name], name
    # a percentage under a "(%)" header is the bare number: no format adds a second "%"
    for book in ("rekap_2026_TW4.xlsx", "lkjip_2026.xlsx"):
        wb = openpyxl.load_workbook(out / book)
        assert not [c.coordinate for s in wb for row in s.iter_rows() for c in row
                    if str(c.number_format).endswith('"%"')], book
    html = (out / "lkjip_2026.html").read_text(encoding="utf-8")
    for i, color in enumerate(PREDIKAT_FILLS):
        assert f"td.pk{i} {{ background: {color}; }}" in html
