"""One look for every document people read: palette, predikat colours and legend, number
and date formats. Forms, feedback, rekap, LKjIP and laporan take their colours and formats
from here, so one predikat has one colour everywhere and a date reads the same in every file.

Predikat band *names* and thresholds come from the rules' policy (``kebijakan``); a band's
colour is chosen by its position on the scale (best band first), whatever the names.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any, Iterable, Sequence

from .numbers import format_id

FONT = "Arial"
FONT_SIZE = 9          # table text; every printed page keeps it at 8 pt or more
MIN_PRINT_PT = 8.0     # the smallest text a printed page may carry

# palette (hex RGB with '#'; :func:`argb` gives openpyxl's form)
HEADER_FILL = "#1F4E78"     # column titles: white bold text on dark blue
HEADER_TEXT = "#FFFFFF"
COLNO_FILL = "#D9E1F2"      # the row of column numbers under the titles
GROUP_FILL = "#DDEBF7"      # a sasaran group row
TOTAL_FILL = "#E7E6E6"      # the top node / a Jumlah row
SUBTOTAL_FILL = "#F3F3F3"   # an intermediate node
ISSUED_FILL = "#F2F2F2"     # issued values a unit may not change (targets, pagu)
INPUT_FILL = "#FFF2CC"      # cells a unit types in (light yellow)
COMPUTED_FILL = "#E2EFDA"   # live formulas (capaian, serapan)
NA_FILL = "#D9D9D9"         # not applicable
BORDER = "#BFBFBF"
NOTE_TEXT = "#595959"
GOOD_FILL = "#C6EFCE"
ERROR_FILL = "#FFC7CE"      # a cell with an error (light red)
ERROR_TEXT = "#9C0006"
WARNING_FILL = "#F4B084"    # a cell with a warning (orange: clearly unlike the input yellow)
WARNING_TEXT = "#843C0C"
LATE_TEXT = "#C00000"
CHART_FILL = "#2E75B6"
CHART_TARGET = "#C00000"

#: xlsxwriter options every workbook is written with: the default font is Arial 10, whose digit
#: is as wide as Calibri 11's, and which every office PC (and LibreOffice, as Liberation Sans)
#: has. Column widths then print alike in Excel and in LibreOffice without Calibri.
#: (A function: xlsxwriter writes into the dict it is given, so every workbook needs its own,
#: or the second workbook of a process would differ from the first.)
def workbook_options() -> dict:
    return {"default_format_properties": {"font_name": FONT, "font_size": 10},
            "default_row_height": 17, "default_column_width": 64}


#: colours of the predikat scale, best band first; a policy with fewer bands spreads over it
PREDIKAT_FILLS = ("#63BE7B", "#C6EFCE", "#FFEB9C", "#F8CBAD", "#FF9B9B")

#: how readers name the colours used for marks in the feedback
ERROR_WORD = "merah"
WARNING_WORD = "jingga (oranye)"

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")

DATE_FORMAT = "dd/mm/yyyy"            # Excel number format of a date cell
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"


def argb(color: str) -> str:
    """``"#1F4E78"`` → ``"FF1F4E78"`` (openpyxl and raw OOXML colours)."""
    return "FF" + color.lstrip("#").upper()


def number_format(decimals: int = 0) -> str:
    """The Excel number format with thousands separators and ``decimals`` places."""
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


PERCENT_FORMAT = number_format(2)   # a capaian or a rate, under a header that says "(%)"
MONEY_FORMAT = number_format(0)


def _ordered(bands: Iterable[Any]) -> list[Any]:
    return sorted(bands, key=lambda b: -math.inf if b.dari is None else b.dari, reverse=True)


def predikat_index(bands: Iterable[Any]) -> dict[str, int]:
    """``{predikat: position in PREDIKAT_FILLS}``, best band first, spread over the palette."""
    ordered = _ordered(bands)
    n, top = len(ordered), len(PREDIKAT_FILLS) - 1
    return {b.predikat: (round(i * top / (n - 1)) if n > 1 else 0) for i, b in enumerate(ordered)}


def predikat_colors(bands: Iterable[Any]) -> dict[str, str]:
    """``{predikat: fill colour}`` for the policy's bands."""
    return {name: PREDIKAT_FILLS[i] for name, i in predikat_index(bands).items()}


def predikat_legend(bands: Iterable[Any]) -> list[tuple[str, str, str]]:
    """(predikat, capaian range in words, colour) for every band, best first."""
    colors = predikat_colors(bands)
    out = []
    for b in _ordered(bands):
        low = None if b.dari is None else format_id(b.dari, _places(b.dari))
        high = None if b.sampai is None else format_id(b.sampai, _places(b.sampai))
        if low is not None and high is not None:
            span = f"{low}% ≤ capaian < {high}%"
        elif low is not None:
            span = f"capaian ≥ {low}%"
        else:
            span = f"capaian < {high}%"
        out.append((b.predikat, span, colors[b.predikat]))
    return out


def _places(value: float) -> int:
    return 0 if float(value).is_integer() else 2


def date_id(day: dt.date) -> str:
    """``2026-04-10`` → ``"10 April 2026"``."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def datetime_id(moment: dt.datetime | str | None) -> str:
    """A moment as readers write it: ``"8 April 2026 pukul 10.05"`` (ISO text accepted; "—"
    when unknown; other text is returned as it is)."""
    if moment is None or moment == "":
        return "—"
    if isinstance(moment, str):
        try:
            moment = dt.datetime.fromisoformat(moment.strip())
        except ValueError:
            return moment
    return f"{date_id(moment)} pukul {moment:%H.%M}"


def column_width_pt(chars: Sequence[float]) -> float:
    """Printed width in points of columns of ``chars`` Excel character widths (Calibri 11)."""
    return sum((w * 7 + 5) * 0.75 for w in chars)


def short_time(iso: str | None) -> str:
    """``2026-04-08T10:05:00`` → ``08-04-2026 10:05`` (how the terminal shows a moment: ingest,
    approval and status messages; "—" when unknown, other text as it is)."""
    if not iso:
        return "—"
    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return moment.strftime("%d-%m-%Y %H:%M")
