"""Quarters, semesters and the year (periods.py): codes, labels, coverage — values checked by hand."""
from __future__ import annotations

import datetime as dt

import pytest

from kinerja_pipeline.periods import (parse_quarter, period_label, period_quarters, periods_up_to, quarter_code,
                                      quarter_end, quarter_label)


def test_quarter_codes_and_labels() -> None:
    assert [quarter_code(q) for q in (1, 2, 3, 4)] == ["TW1", "TW2", "TW3", "TW4"]
    assert [quarter_label(q) for q in (1, 2, 3, 4)] == ["TW I", "TW II", "TW III", "TW IV"]


def test_a_rekap_reports_each_quarter_so_far_each_complete_semester_and_the_year() -> None:
    assert periods_up_to(1) == ["TW1", "TAHUN"]
    assert periods_up_to(2) == ["TW1", "TW2", "S1", "TAHUN"]
    assert periods_up_to(3) == ["TW1", "TW2", "TW3", "S1", "TAHUN"]
    assert periods_up_to(4) == ["TW1", "TW2", "TW3", "TW4", "S1", "S2", "TAHUN"]


def test_the_quarters_a_period_covers() -> None:
    assert period_quarters("TW3") == (3,)
    assert period_quarters("S1") == (1, 2) and period_quarters("S2") == (3, 4)
    assert period_quarters("TAHUN") == (1, 2, 3, 4) and period_quarters("TAHUN", 2) == (1, 2)
    with pytest.raises(ValueError):
        period_quarters("S3")


def test_period_labels_say_so_far_while_the_year_is_not_over() -> None:
    assert period_label("TW2") == "TW II"
    assert period_label("S1") == "Semester I" and period_label("S2") == "Semester II"
    assert period_label("TAHUN") == "Tahunan"
    assert period_label("TAHUN", 3) == "Tahunan (s.d. TW III)"


def test_quarters_are_read_as_operators_type_them() -> None:
    for typed, quarter in ((1, 1), ("2", 2), ("TW3", 3), ("TW IV", 4), ("tw iv", 4), (" tw  ii ", 2), ("III", 3)):
        assert parse_quarter(typed) == quarter, typed
    for typed in (0, 5, "TW5", "", "IIII", "Q1", 1.5):
        assert parse_quarter(typed) is None, typed


def test_the_last_day_of_each_quarter() -> None:
    assert [quarter_end(2026, q) for q in (1, 2, 3, 4)] == [
        dt.date(2026, 3, 31), dt.date(2026, 6, 30), dt.date(2026, 9, 30), dt.date(2026, 12, 31)]
    assert quarter_end(2028, 1) == dt.date(2028, 3, 31)
