"""Numbers as Indonesian units type them: parse_number never raises and reads "1.234,5" right."""
from __future__ import annotations

import datetime as dt
import decimal
import fractions
import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kinerja_pipeline.numbers import format_id, format_percent_id, parse_number


@pytest.mark.parametrize("text, value", [
    ("75,5", 75.5),
    ("1.234,5", 1234.5),
    ("1.234.567,89", 1234567.89),
    ("1.234", 1234.0),            # a dot followed by three digits is a thousands separator
    ("12.000.000", 12_000_000.0),
    ("Rp 1.250.000", 1_250_000.0),
    ("Rp1.250.000,50", 1_250_000.5),
    ("rp. 5.000", 5000.0),
    ("75.5", 75.5),               # not three digits after the dot: a decimal point
    ("0,25", 0.25),
    ("-3,5", -3.5),
    ("+7", 7.0),
    ("(1.500)", -1500.0),         # accountants' negative
    ("1 234,5", 1234.5),          # space as thousands separator
    ("1\u00a0234,5", 1234.5),     # no-break space, as Excel writes it
    ("  42  ", 42.0),
    ("1,234.5", 1234.5),          # English thousands with a decimal part
    ("1e3", 1000.0),
    ("0", 0.0),
])
def test_indonesian_number_text(text: str, value: float) -> None:
    parsed = parse_number(text)
    assert parsed.ok, parsed
    assert parsed.value == pytest.approx(value, abs=1e-9)
    assert parsed.percent is False


@pytest.mark.parametrize("text, value", [("80%", 80.0), ("75,5 %", 75.5), ("100,00%", 100.0)])
def test_percent_sign_is_read_and_reported(text: str, value: float) -> None:
    parsed = parse_number(text)
    assert parsed.ok and parsed.value == pytest.approx(value) and parsed.percent is True


@pytest.mark.parametrize("raw, value", [(5, 5.0), (0, 0.0), (-2, -2.0), (75.5, 75.5), (1e15, 1e15)])
def test_real_numbers_pass_through(raw, value) -> None:
    parsed = parse_number(raw)
    assert parsed.ok and parsed.value == value and isinstance(parsed.value, float)


@pytest.mark.parametrize("raw", [None, "", "   ", "\t\n", "\u00a0"])
def test_blanks_are_kosong_not_zero(raw) -> None:
    parsed = parse_number(raw)
    assert not parsed.ok and parsed.value is None and parsed.problem == "kosong"


@pytest.mark.parametrize("raw", ["#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#div/0!",
                                 "Err:502", "#SPILL!"])
def test_excel_errors_are_galat_excel(raw: str) -> None:
    parsed = parse_number(raw)
    assert not parsed.ok and parsed.value is None and parsed.problem == "galat-excel"


@pytest.mark.parametrize("raw", ["abc", "tujuh puluh", "12abc", "75,5,5", "1,2,3", "--5", "1.23.4",
                                 "12 orang", "Rp", "%", ".", ",", "-", "(5", "nan", "inf", "-inf",
                                 "1e999", "0x1A", "1_000", "5" * 70,
                                 True, False, float("nan"), float("inf"), -float("inf"),
                                 10 ** 400, [1], {"a": 1}, object()],
                         ids=lambda raw: repr(raw)[:24])
def test_garbage_is_bukan_angka(raw) -> None:
    parsed = parse_number(raw)
    assert not parsed.ok and parsed.value is None and parsed.problem == "bukan-angka", raw


def test_an_object_that_cannot_become_text_is_no_number() -> None:
    class Hostile:
        def __str__(self) -> str:
            raise RuntimeError("boom")

    assert parse_number(Hostile()).problem == "bukan-angka"


@pytest.mark.parametrize("value, decimals, text", [
    (1234.5, 2, "1.234,50"), (0.5, 1, "0,5"), (1_250_000, 0, "1.250.000"), (-1234.567, 2, "-1.234,57"),
    (-0.001, 2, "0,00"), (None, 2, "—"), (float("nan"), 2, "—"), (87.5, 2, "87,50"),
])
def test_format_id(value, decimals, text) -> None:
    assert format_id(value, decimals) == text


def test_format_percent_id() -> None:
    assert format_percent_id(87.5) == "87,50%"
    assert format_percent_id(None) == "—"


# --------------------------------------------------------------------------- properties

FINITE = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@given(FINITE, st.integers(min_value=0, max_value=6))
@example(1234.5, 2)
@example(999.9999, 3)
@example(-0.0004, 3)
@example(1e12, 0)
@settings(max_examples=400, deadline=None)
def test_format_then_parse_round_trips(value: float, decimals: int) -> None:
    text = format_id(value, decimals)
    parsed = parse_number(text)
    assert parsed.ok, (value, decimals, text)
    tolerance = 0.5 * 10 ** -decimals + abs(value) * 1e-15 + 1e-12
    assert abs(parsed.value - value) <= tolerance, (value, decimals, text, parsed.value)
    # as a percentage, and as rupiah
    assert parse_number(text + "%").value == parsed.value and parse_number(text + "%").percent
    assert parse_number("Rp " + text).value == parsed.value


@given(st.integers(min_value=-10 ** 12, max_value=10 ** 12))
def test_whole_numbers_round_trip_exactly(n: int) -> None:
    assert parse_number(format_id(n, 0)).value == n
    assert parse_number(str(n)).value == n
    assert parse_number(n).value == n


@given(st.text(max_size=80))
@settings(max_examples=500)
def test_parse_never_raises_on_text(text: str) -> None:
    parsed = parse_number(text)
    assert parsed.ok == (parsed.problem is None)
    if parsed.ok:
        assert isinstance(parsed.value, float) and math.isfinite(parsed.value)
    else:
        assert parsed.value is None and parsed.problem in {"kosong", "bukan-angka", "galat-excel"}


@given(st.text(alphabet="0123456789.,-+()%Rp eE#!/\u00a0", max_size=30))
@settings(max_examples=500)
def test_parse_never_raises_on_number_like_text(text: str) -> None:
    parsed = parse_number(text)
    if parsed.ok:
        assert math.isfinite(parsed.value)


ANYTHING = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10 ** 300, max_value=10 ** 400),
    st.floats(), st.text(), st.binary(), st.decimals(), st.fractions(), st.datetimes(), st.dates(),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.complex_numbers(),
)


@given(ANYTHING)
@settings(max_examples=500)
def test_parse_never_raises_on_any_object(raw) -> None:
    parsed = parse_number(raw)
    if parsed.ok:
        assert isinstance(parsed.value, float) and math.isfinite(parsed.value)
    else:
        assert parsed.value is None


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_real_floats_are_kept_exactly(value: float) -> None:
    assert parse_number(value).value == value


def test_decimal_and_fraction_objects() -> None:
    assert parse_number(decimal.Decimal("75.5")).value == 75.5
    assert parse_number(decimal.Decimal("NaN")).problem == "bukan-angka"
    assert parse_number(decimal.Decimal("1E+500")).problem == "bukan-angka"
    assert parse_number(dt.date(2026, 4, 10)).problem == "bukan-angka"
    assert parse_number(fractions.Fraction(1, 3)).problem == "bukan-angka"


def test_huge_and_infinite_numbers_are_written_short() -> None:
    from kinerja_pipeline.numbers import format_id, format_percent_id

    assert format_id(1e308) == "1,00 × 10^308"
    assert format_id(-2.5e20, 1) == "-2,5 × 10^20"
    assert format_id(999_999_999_999_999.0, 0) == "999.999.999.999.999"
    assert format_percent_id(float("inf")) == "tak terhingga"
    assert format_percent_id(float("-inf")) == "minus tak terhingga"
    assert format_percent_id(87.5) == "87,50%"
