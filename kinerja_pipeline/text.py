"""Text that came from outside (units' cells, file names, reviewers' notes), made safe to show.

One place for the three things every output needs:

- :func:`clean_text`: drop the characters XML 1.0 forbids (C0 controls other than tab, line
  feed and carriage return; lone surrogates; U+FFFE/U+FFFF), which openpyxl refuses with
  ``IllegalCharacterError`` and which would break an .xlsx, and the bidirectional override
  and isolate controls (U+202A–U+202E, U+2066–U+2069), which can make ``abc\u202eexe.pdf``
  read as a different name; optionally cut to a length, saying so.
- :func:`csv_cell`: the cleaned text neutralised against CSV/formula injection (OWASP):
  a cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'``.
- :func:`display_name`: a file name as it may be recorded and printed: undecodable bytes
  (surrogate escapes from a non-UTF-8 name) and every control character become ``\ufffd``.

Escaping for the target format (HTML autoescape, ``write_string``, csv quoting) is still the
writer's job; these functions only remove what no escaping can carry.
"""
from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

#: Excel's limit for the text of one cell.
EXCEL_CELL_MAX = 32_767
#: A unit's text (penjelasan, a quoted message) in the rekap and LKjIP tables: the length the
#: form asks for (longer text gets a warning at ingest); the ledger keeps the whole text.
OUTPUT_TEXT_MAX = 2_000

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_NAME_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def clean_text(value: Any, limit: int | None = None) -> str:
    """``value`` as text without XML-illegal and bidi-override characters, at most ``limit`` long.

    ``None`` and NaN give ``""``. Text longer than ``limit`` is cut and ends with a note
    saying how long it was, so a reader knows it was shortened (the ledger keeps it whole).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = value if isinstance(value, str) else str(value)
    text = _BIDI.sub("", _XML_ILLEGAL.sub("", text))
    if limit is not None and len(text) > limit:
        note = f" … [dipotong; teks asli {len(text):,} karakter]".replace(",", ".")
        text = text[:max(limit - len(note), 0)] + note
    return text


def excerpt(value: Any, limit: int = 60) -> str:
    """A short piece of a unit's text for a message: cleaned, stripped, at most ``limit`` characters."""
    text = clean_text(value).strip()
    return text if len(text) <= limit else text[:limit - 1] + "…"


#: Indonesian names of the invisible characters units paste most often.
_INVISIBLE_NAMES = {"\u200b": "spasi lebar-nol", "\u200c": "pemisah lebar-nol", "\u200d": "penyambung lebar-nol",
                    "\u2060": "penyambung kata", "\ufeff": "penanda BOM", "\u00ad": "tanda hubung lunak",
                    "\u00a0": "spasi tak-putus", "\u202f": "spasi tak-putus sempit", "\u2007": "spasi angka",
                    "\t": "tab", "\n": "baris baru", "\r": "baris baru"}


def _invisible(ch: str) -> bool:
    return ch != " " and unicodedata.category(ch) in ("Cf", "Cc", "Zs", "Zl", "Zp")


def has_content(text: str) -> bool:
    """Whether ``text`` says something: at least one letter or digit (not '-', '.', or only
    invisible characters such as a zero-width space)."""
    return any(ch.isalnum() for ch in text)


def shown(value: Any, limit: int = 60) -> str:
    """A unit's text quoted for a message, its invisible characters made visible
    (``'80[U+200B]'``) and then named, with how to get rid of them."""
    text = excerpt(value, limit)
    found = list(dict.fromkeys(ch for ch in text if _invisible(ch)))
    for ch in found:
        text = text.replace(ch, f"[U+{ord(ch):04X}]")
    if not found:
        return f"'{text}'"
    names = ", ".join(f"U+{ord(ch):04X} {_INVISIBLE_NAMES.get(ch, 'karakter tak terlihat')}" for ch in found)
    return f"'{text}' (ada karakter tak terlihat: {names}; hapus isi sel lalu ketik ulang)"


def csv_cell(value: Any, limit: int | None = None) -> str:
    """Text for a CSV cell: cleaned and neutralised against formula injection (OWASP)."""
    text = clean_text(value, limit)
    return "'" + text if text.startswith(CSV_DANGEROUS) else text


def display_name(name: str) -> str:
    """A file name safe to store in the ledger and print: no control or undecodable characters."""
    return _NAME_UNSAFE.sub("\ufffd", name)
