"""The fast clearance of workbooks (``bounds._fast_xlsx``) against the exact replay it stands in for.

The fast path may only ever say "certainly within every limit": for every variant of a sheet
below, ``check_xlsx`` (fast path first) must end exactly as the exact replay alone ends — the
same refusal with the same reason, or none — and our own forms, as xlsxwriter, openpyxl and
LibreOffice write them, must be cleared by the fast path (that is what makes ingest fast).
"""
from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest

from kinerja_pipeline import bounds, reading
from kinerja_pipeline.errors import UnreadableInput

from forms_helpers import blank_form, returned_form

SHEET = "xl/worksheets/sheet1.xml"
ROWS, COLS = reading.MAX_SHEET_ROWS, reading.MAX_SHEET_COLS


def rewrite(source: bytes, change) -> bytes:
    """``source`` (an .xlsx) with ``change(name, data) -> data`` applied to every part."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, change(info.filename, zin.read(info)))
    return out.getvalue()


def in_sheet(old: bytes, new: bytes, count: int = 1):
    def change(name: str, data: bytes) -> bytes:
        if name == SHEET:
            assert old in data, old
            data = data.replace(old, new, count)
        return data
    return change


def outcome(call) -> tuple[str, str] | None:
    try:
        call()
    except UnreadableInput as exc:
        return exc.code, str(exc)
    return None


def both(data: bytes) -> tuple[bool, tuple | None, tuple | None]:
    """(fast path cleared it, what check_xlsx says, what the exact replay alone says)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        fast = bounds._fast_xlsx(zf, ROWS, COLS, bounds.Parts(zf))
        checked = outcome(lambda: bounds.check_xlsx(zf, ROWS, COLS, bounds.Parts(zf)))
        exact = outcome(lambda: bounds._exact_xlsx(zf, ROWS, COLS, bounds.Parts(zf)))
    return fast, checked, exact


@pytest.fixture(scope="module")
def form(tmp_path_factory, sample_rules) -> bytes:
    return returned_form(sample_rules, tmp_path_factory.mktemp("bounds") / "isi.xlsx").read_bytes()


FAR = b'<row r="60000"><c r="ZZ60000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
VARIANTS = {
    "as written": None,
    "cell without r": in_sheet(b'<c r="A1" ', b"<c "),
    "cells without r past the last row": in_sheet(b"</sheetData>", b"<row><c><v>1</v></c></row>" * 6000
                                                  + b"</sheetData>"),
    "r in single quotes": in_sheet(b'<c r="A1" ', b"<c r='A1' "),
    "r not first": in_sheet(b'<c r="A1" s="1"', b'<c s="1" r="A1"'),
    "far cell": in_sheet(b"</sheetData>", FAR),
    "far row alone": in_sheet(b"</sheetData>", b'<row r="60000"/></sheetData>'),
    "far column": in_sheet(b'<c r="A1" ', b'<c r="AAA1" '),
    "lower-case reference": in_sheet(b'<c r="A1" ', b'<c r="a1" '),
    "reference with a leading zero": in_sheet(b'<c r="A1" ', b'<c r="A01" '),
    "reference row 0": in_sheet(b'<c r="A1" ', b'<c r="A0" '),
    "character reference in r": in_sheet(b'<c r="A1" ', b'<c r="&#65;1" '),
    "far cell in a comment": in_sheet(b"</sheetData>", b"<!-- " + FAR[:-12] + b" --></sheetData>"),
    "far cell in CDATA": in_sheet(b"</sheetData>", b"<![CDATA[" + FAR[:-12] + b"]]></sheetData>"),
    "tab before r": in_sheet(b'<c r="A1" ', b'<c\tr="A1" '),
    "prefixed cells": in_sheet(b"</sheetData>", FAR.replace(b"<c ", b"<x:c ").replace(b"</c>", b"</x:c>")),
    "prefixed rows": in_sheet(b"</sheetData>", FAR.replace(b"row", b"x:row")),
    "attribute ending in -r before r": in_sheet(b'<c r="A1" ', b'<c x-r="ZZ60000" r="A1" '),
    "another element named like a cell": in_sheet(b"</sheetData>", b'<c.x r="ZZ60000"/></sheetData>'),
    "processing instruction": in_sheet(b"<sheetData>", b"<?x y?><sheetData>"),
    "UTF-8 declared": in_sheet(b"<worksheet ", b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                              b"<worksheet "),
    "other encoding declared": in_sheet(b"<worksheet ", b'<?xml version="1.0" encoding="ISO-8859-1"?><worksheet '),
    "not well-formed": in_sheet(b"</sheetData>", b'<row r="40"><c r="A40" t="inlineStr"><is><t>a\x01</t></is></c>'
                                                 b"</row></sheetData>"),
    "row without r": in_sheet(b'<row r="1">', b"<row>"),
    "row r not a number": in_sheet(b'<row r="1">', b'<row r="x">'),
    "many shared-string uses": in_sheet(b"</sheetData>", b"".join(
        b'<row r="%d">' % r + b"".join(b'<c r="%s%d" t="s"><v>0</v></c>' % (bytes([65 + c]), r) for c in range(20))
        + b"</row>" for r in range(40, 4000)) + b"</sheetData>"),
}


def _cdata(name: str, data: bytes) -> bytes:
    if name == SHEET:
        data = data.replace(b"</sheetData>", b"<![CDATA[" + FAR + b"]]></sheetData>".replace(b"</sheetData>]]>", b"]]>"))
    return data


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_the_fast_path_ends_as_the_exact_replay(form, name) -> None:
    data = form if name == "as written" else rewrite(form, VARIANTS[name])
    fast, checked, exact = both(data)
    assert checked == exact, (name, checked, exact)
    if fast:
        assert exact is None, name
    if name in ("as written", "UTF-8 declared"):
        assert fast, f"{name}: our own form must be cleared by the fast path"
    if name in ("far cell", "far row alone", "far column", "cells without r past the last row"):
        assert exact is not None and exact[0] == "berkas-terlalu-besar", (name, exact)


def test_forms_as_xlsxwriter_and_openpyxl_write_them_are_cleared_by_the_fast_path(form, tmp_path,
                                                                                   sample_rules) -> None:
    written = blank_form(sample_rules, tmp_path / "kosong.xlsx")          # xlsxwriter: declaration, spans
    wb = openpyxl.load_workbook(io.BytesIO(form))
    wb.save(tmp_path / "ulang.xlsx")                                       # openpyxl: no declaration
    for path in (written, tmp_path / "ulang.xlsx"):
        fast, checked, exact = both(path.read_bytes())
        assert fast and checked is None and exact is None, path.name


def test_a_sheet_too_wide_for_the_loose_scan_is_refused_by_it_as_before(form) -> None:
    """reading's own scan of xl/worksheets/ (cell or row references beyond the limits, with its own
    message) still runs whenever any r="…" in the part is beyond them."""
    data = rewrite(form, in_sheet(b'<c r="A1" ', b'<c x-r="ZZ60000" r="A1" '))
    with pytest.raises(UnreadableInput) as err:
        reading._check_zip(io.BytesIO(data))
    assert err.value.code == "berkas-terlalu-besar" and "60.000" in str(err.value)
    assert reading._check_zip(io.BytesIO(form)) == ("xlsx", [])


def test_the_markers_of_every_encoding_are_still_found() -> None:
    for text in ("<sheetData/>", "<sst/>", "<x:sst/>"):
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            sheet, sst = bounds._markers(text.encode(encoding))
            assert (sheet, sst) == ("sheetData" in text, "sst" in text), (text, encoding)
    assert re.search(rb"<c r=", b'<c r="A1"/>')


# --------------------------------------------------------------------------- damaged parts


def test_a_part_that_differs_from_one_cleared_before_is_checked_afresh(form) -> None:
    """Nothing learnt of a part is taken for another part of the same name: a far cell in the
    sheet, or a sheet whose bytes are intact but whose CRC was changed, after the clean form
    was cleared."""
    assert reading._check_zip(io.BytesIO(form)) == ("xlsx", [])
    far = rewrite(form, in_sheet(b"</sheetData>", FAR))
    with pytest.raises(UnreadableInput) as err:
        reading._check_zip(io.BytesIO(far))
    assert err.value.code == "berkas-terlalu-besar"
    with zipfile.ZipFile(io.BytesIO(form)) as zf:
        crc = zf.getinfo(SHEET).CRC
    old, new = crc.to_bytes(4, "little"), (crc ^ 1).to_bytes(4, "little")
    assert form.count(old) == 2
    wrong_crc = form.replace(old, new)
    with pytest.raises(UnreadableInput) as err:
        reading._check_zip(io.BytesIO(wrong_crc))
    assert err.value.code == "berkas-rusak" and f"bagian {SHEET} tidak utuh" in str(err.value)


@pytest.mark.parametrize("damage, fault", [
    (in_sheet(b"</sheetData>", b"<row r=\"40\"></rows></sheetData>"), "tag pembuka dan penutup tidak berpasangan"),
    (in_sheet(b"</sheetData>", b'<row r="40"><c r="A40" t="inlineStr"><is><t>a\x01</t></is></c></row></sheetData>'),
     "ada karakter atau tanda yang tidak sah"),
])
def test_damaged_xml_is_told_in_indonesian(form, damage, fault) -> None:
    """expat's own message is English ("mismatched tag"); the user reads what is wrong in Indonesian."""
    code, message = outcome(lambda: reading._check_zip(io.BytesIO(rewrite(form, damage))))
    assert code == "berkas-rusak"
    assert f"XML tidak sah di bagian {SHEET}, baris " in message and fault in message
    assert not re.search(r"mismatched|invalid token|not well-formed", message)
