"""Print documents the way their readers do and measure the printed text.

Workbooks go through LibreOffice (``soffice --convert-to pdf``, a throw-away profile), HTML
through headless Chromium (``--print-to-pdf``); poppler's ``pdftotext -bbox`` gives every word's
box. A word's box height is proportional to its font size, so each renderer is calibrated once
with a document holding 8 pt text: a printed word is at least 8 pt when its box is at least as
tall as the calibration's.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def chromium() -> str | None:
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def need(*tools: str) -> None:
    """Skip, saying why, when a tool the test prints with is not installed."""
    found = {"soffice": soffice(), "chromium": chromium(), "pdftotext": shutil.which("pdftotext"),
             "pdftoppm": shutil.which("pdftoppm")}
    missing = [t for t in tools if not found[t]]
    if missing:
        pytest.skip(f"{', '.join(missing)} tidak terpasang: cetakan tidak dapat diperiksa")


def workbook_pdf(path: Path, outdir: Path, profile: Path) -> Path:
    """``path`` printed to PDF by LibreOffice, every sheet as it prints."""
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run([soffice() or "soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                    "--norestore", "--convert-to", "pdf", "--outdir", str(outdir), str(path)],
                   check=True, capture_output=True, timeout=240)
    pdf = outdir / (path.stem + ".pdf")
    assert pdf.is_file(), f"LibreOffice did not print {path.name}"
    return pdf


def html_pdf(path: Path, pdf: Path, profile: Path) -> Path:
    """``path`` printed to PDF by headless Chromium (A4, no header or footer of its own)."""
    pdf.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([chromium() or "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={profile}", "--no-pdf-header-footer", "--print-to-pdf-no-header",
                    f"--print-to-pdf={pdf}", path.resolve().as_uri()], check=True, capture_output=True, timeout=240)
    assert pdf.is_file(), f"Chromium did not print {path.name}"
    return pdf


@dataclass
class Page:
    number: int
    words: list[tuple[str, float]]   # (text, box height in points)

    @property
    def smallest(self) -> tuple[str, float] | None:
        return min(self.words, key=lambda w: w[1], default=None)


def pages(pdf: Path) -> list[Page]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                         text=True, timeout=120).stdout
    found = []
    for n, chunk in enumerate(out.split("<page ")[1:], start=1):
        words = [(text, float(y1) - float(y0)) for _, y0, _, y1, text in _WORD.findall(chunk) if text.strip()]
        found.append(Page(n, words))
    return found


def text_of(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True, timeout=120).stdout


def eight_pt_workbook(tmp: Path) -> Path:
    """A workbook whose only text is 8 pt Arial, as every document's smallest allowed text."""
    import xlsxwriter

    from kinerja_pipeline.styles import workbook_options

    path = tmp / "kalibrasi.xlsx"
    wb = xlsxwriter.Workbook(str(path), workbook_options())
    sh = wb.add_worksheet("Kalibrasi")
    sh.write_string(0, 0, "Kalibrasi delapan poin gjpqy 0123456789", wb.add_format({"font_name": "Arial",
                                                                                      "font_size": 8}))
    wb.close()
    return path


def eight_pt_html(tmp: Path) -> Path:
    path = tmp / "kalibrasi.html"
    path.write_text('<!doctype html><html lang="id"><meta charset="utf-8"><body style="font-family: Arial, '
                    '\'Liberation Sans\', Helvetica, sans-serif; font-size: 8pt">Kalibrasi delapan poin gjpqy '
                    "0123456789</body></html>", encoding="utf-8")
    return path


def calibration(pdf: Path) -> float:
    """The box height of 8 pt text in this renderer (the smallest word box of the calibration)."""
    (page,) = pages(pdf)
    return min(h for _, h in page.words)


def too_small(pdf: Path, eight_pt: float) -> list[str]:
    """Pages that are blank or carry text smaller than 8 pt, described for an assertion message."""
    found = []
    for page in pages(pdf):
        if not page.words:
            found.append(f"halaman {page.number} kosong")
            continue
        small = [(t, h) for t, h in page.words if h < eight_pt - 0.05]
        if small:
            text, height = min(small, key=lambda w: w[1])
            found.append(f"halaman {page.number}: {len(small)} kata < 8 pt, mis. '{text}' "
                         f"({height / eight_pt * 8:.1f} pt)")
    return found
