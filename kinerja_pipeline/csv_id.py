"""The tidy CSV's twin for Excel set to Indonesian: ``;`` between cells, decimal comma,
numbers rounded as the workbooks show them, UTF-8 with a byte-order mark.

Excel in the id-ID locale splits a ``.csv`` at ``;`` (its list separator) and reads ``1.234,5``
as a number; the tidy CSV (``,``, ``.`` decimals, unrounded) opens there as one column. The
twin is made from the tidy file itself, so both always hold the same rows and columns.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Callable

from .numbers import format_id
from .semantics import DECIMALS, round_value

#: columns rounded to 2 decimals whatever the indicator (a percentage or a score)
PERCENT_COLUMNS = frozenset({"capaian", "skor"})
#: columns holding the indicator's own value, shown with the indicator's decimals
VALUE_COLUMNS = frozenset({"target", "realisasi"})


def id_csv_path(tidy: Path) -> Path:
    """``rekap_2026_TW4.csv`` → ``rekap_2026_TW4_id.csv``."""
    return tidy.with_name(f"{tidy.stem}_id{tidy.suffix}")


def write_id_csv(tidy: Path, target: Path, decimals_of: Callable[[str], int | None]) -> None:
    """Write the Indonesian twin of the tidy CSV ``tidy`` to ``target``; ``decimals_of`` gives
    an indicator's display decimals by its kode (None: unknown)."""
    with open(tidy, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        return
    header, body = rows[0], rows[1:]
    numeric = [all(_is_number(r[i]) for r in body if i < len(r) and r[i] != "") for i in range(len(header))]
    ind_col = header.index("indikator") if "indikator" in header else None
    with open(target, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        out.writerow(header)
        for r in body:
            kode = r[ind_col] if ind_col is not None and ind_col < len(r) else ""
            out.writerow([_cell(header[i], value, numeric[i], kode, decimals_of) if i < len(header) else value
                          for i, value in enumerate(r)])


def _cell(column: str, value: str, numeric: bool, kode: str,
          decimals_of: Callable[[str], int | None]) -> str:
    if not numeric or value == "":
        return value
    number = float(value)
    if column == "capaian":  # as every output shows it, the value its predikat is read from
        number, places = round_value(number), DECIMALS
    elif column in PERCENT_COLUMNS:
        places = 2
    elif column in VALUE_COLUMNS and decimals_of(kode) is not None:
        places = int(decimals_of(kode) or 0)
    else:
        places = 0 if number.is_integer() else 2
    return format_id(number, places)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip().lower() not in ("nan", "inf", "-inf", "infinity")
