"""Fuzzing: the number parser rejects garbage, and no mutated form can crash ingest.

The number parser's round trips and never-raises properties live in ``test_numbers.py``; the
properties here add what a unit types that is *almost* a number. The validation fuzzer writes
random values of random types (text, huge and negative numbers, NaN-like text, dates, booleans,
formulas, Excel errors, blanks) into random cells of a filled form — input cells, issued cells,
cells outside the table, and the hidden ``_meta`` sheet — and runs ingest on it: every file gets
exactly one outcome, with issue codes that explain anything but a clean acceptance.
"""
from __future__ import annotations

import datetime as dt
import io
import math
import re
import string

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinerja_pipeline.layout import DATA_SHEET, META_KEYS, META_SHEET
from kinerja_pipeline.numbers import format_id, parse_number

from forms_helpers import LAPAS, YEAR, new_workspace, plan, received_time, returned_form, rules_of, run, set_mtime

# --------------------------------------------------------------------------- numbers

LETTERS = "".join(c for c in string.ascii_letters if c.lower() not in "rpe")


@given(st.text(alphabet="0123456789.,-+ %", max_size=12), st.sampled_from(LETTERS), st.integers(0, 12))
@settings(max_examples=300)
def test_text_with_a_stray_letter_is_never_a_number(digits: str, letter: str, at: int) -> None:
    """'75,5x', 'l00', 'O,5', 'inf', 'nan': a letter (other than Rp and an exponent) is no number."""
    text = digits[:at] + letter + digits[at:]
    parsed = parse_number(text)
    assert not parsed.ok and parsed.problem in ("bukan-angka", "galat-excel"), (text, parsed)


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.integers(0, 4))
@settings(max_examples=300)
def test_a_number_typed_without_thousands_separators_reads_back(value: float, decimals: int) -> None:
    """What a unit types in a text cell: '1234,5', '-0,25', '(1.234,50)' for a negative."""
    plain = f"{value:.{decimals}f}".replace(".", ",")
    parsed = parse_number(plain)
    assert parsed.ok and math.isclose(parsed.value, round(value, decimals), abs_tol=10 ** -decimals), plain
    if value > 0:
        assert math.isclose(parse_number(f"({format_id(value, decimals)})").value, -round(value, decimals),
                            abs_tol=10 ** -decimals)


@pytest.mark.parametrize("text", ["1.2.3", "1,2,3", "12,34,56", "1.23,4", "1..5", ",,", "..", "+-1", "1-", "1+1",
                                  "--", "½", "1e", "e5", "1e5e5", "%", "%%5", "5%%", "Rp", "Rp-", "(5", "5)"])
def test_malformed_number_text_is_refused(text: str) -> None:
    assert not parse_number(text).ok, text


# --------------------------------------------------------------------------- validation

SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
VALUES = st.one_of(
    SAFE_TEXT,
    st.integers(min_value=-10 ** 20, max_value=10 ** 20),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from(["NaN", "nan", "inf", "-Infinity", "1e309", "-0", "1.234,5", "75,5", "80%", "Rp 1.250.000",
                     "", " ", "TRUE", "#DIV/0!", "#N/A", "#REF!", "#VALUE!", "=1/0", "=A1", "=H11*2",
                     "=SUM(H11:H30)", '=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "@SUM(A1)", "x" * 3000]),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.none(),
)


@pytest.fixture(scope="module")
def fuzz_setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    ws = new_workspace(root / "ws")
    rules = rules_of(ws)
    template = returned_form(rules, root / "isi.xlsx").read_bytes()
    p = plan(rules)
    data_cells = [f"{col}{row}" for row in range(1, p.last_row + 3) for col in "ABCDEFGHIJKLMN"]
    meta_cells = [f"{col}{row}" for row in range(1, len(META_KEYS) + 2) for col in "AB"]
    return ws, rules, template, data_cells, meta_cells, {"n": 0, "outcomes": {}}


def _mutated(template: bytes, changes: list[tuple[str, str, object]]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(template))
    for sheet, address, value in changes:
        c = wb[sheet][address]
        if isinstance(c, openpyxl.cell.cell.MergedCell):
            continue
        c.value = value
        if isinstance(value, str) and value and not value.startswith("=") and not re.fullmatch(r"#[A-Z/0!?]+", value):
            c.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize("key", ["tahun", "triwulan"])
@pytest.mark.parametrize("value", [10 ** 20, -(10 ** 20), 1e300, True])
def test_a_huge_or_odd_year_or_quarter_in_the_identity_sheet_is_refused_not_a_crash(fuzz_setup, key, value) -> None:
    """Found by the fuzz test: 1e20 typed into _meta!tahun made the ledger insert overflow and
    stopped the whole run. The form is refused, nothing is recorded as its year or quarter."""
    ws, rules, template, _, _, seen = fuzz_setup
    sheet = openpyxl.load_workbook(io.BytesIO(template))[META_SHEET]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == key)
    seen["n"] += 1
    path = ws.inbox / f"identitas_{seen['n']:03d}.xlsx"
    path.write_bytes(_mutated(template, [(META_SHEET, f"B{row}", value)]))
    set_mtime(path, received_time(1, 1 + seen["n"] % 25))

    result = run(ws, rules).results[0]

    assert result.outcome in ("rejected", "unrecognised") and result.file == path.name
    assert getattr(result, "year" if key == "tahun" else "quarter") is None
    assert not path.exists()


@given(data=st.data())
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
def test_a_randomly_mutated_form_never_crashes_ingest(fuzz_setup, data) -> None:
    ws, rules, template, data_cells, meta_cells, seen = fuzz_setup
    n_changes = data.draw(st.integers(1, 8), label="changes")
    changes = []
    for _ in range(n_changes):
        if data.draw(st.integers(0, 4), label="sheet") == 0:
            sheet, address = META_SHEET, data.draw(st.sampled_from(meta_cells), label="meta cell")
        else:
            sheet, address = DATA_SHEET, data.draw(st.sampled_from(data_cells), label="data cell")
        changes.append((sheet, address, data.draw(VALUES, label=f"{sheet}!{address}")))
    seen["n"] += 1
    name = f"fuzz_{seen['n']:03d}.xlsx"
    path = ws.inbox / name
    path.write_bytes(_mutated(template, changes))
    set_mtime(path, received_time(1, 1 + seen["n"] % 25))

    report = run(ws, rules)

    assert [r.file for r in report.results] == [name], changes
    result = report.results[0]
    assert result.outcome in ("accepted", "rejected", "unrecognised", "duplicate"), changes
    seen["outcomes"][result.outcome] = seen["outcomes"].get(result.outcome, 0) + 1
    if result.outcome in ("rejected", "unrecognised"):
        assert result.issues and any(i.severity == "error" for i in result.issues), (changes, result)
    if result.outcome == "duplicate":
        assert result.reason
    for issue in result.issues:
        assert re.fullmatch(r"[a-z][a-z0-9-]+", issue.code), issue
        assert issue.severity in ("error", "warning") and issue.message and len(issue.message) < 1200, issue
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", issue.message), issue
    assert not path.exists()  # decided, recorded and archived
    if result.outcome == "rejected" and result.unit == LAPAS and result.year == YEAR and result.feedback:
        openpyxl.load_workbook(result.feedback).close()
