"""Page breaks that keep a group together, the room on an A4 page, the one print setup and the
one estimate of wrapped lines every workbook uses."""
from __future__ import annotations

import pytest

import io

import xlsxwriter

from kinerja_pipeline.printing import group_breaks, page_height, print_setup, wrapped_lines


def test_a_group_that_would_be_split_starts_a_new_page() -> None:
    # groups of 3, 4 and 2 rows of 10 pt; 50 pt on the first page, 60 on the others
    heights = [10.0] * 9
    assert group_breaks(heights, [0, 3, 7], page=60, first_page=50) == [3]
    # everything fits on the first page: no break
    assert group_breaks(heights, [0, 3, 7], page=60, first_page=100) == []
    # the second group fits after the first, the third does not
    assert group_breaks(heights, [0, 3, 7], page=60, first_page=75) == [7]


def test_a_group_longer_than_a_page_is_not_pushed_forever() -> None:
    heights = [10.0] * 12
    # group 2 (8 rows, 80 pt) is longer than a page (60 pt): it runs over, no break before it;
    # page 1 holds 20 + 10, page 2 60, page 3 the last 10 of group 2 and group 3 (20)
    assert group_breaks(heights, [0, 2, 10], page=60, first_page=30) == []
    # a 6-row group 3 (60 pt) no longer fits after those 10 pt: it starts page 4
    assert group_breaks([10.0] * 16, [0, 2, 10], page=60, first_page=30) == [10]


def test_page_height_of_a4() -> None:
    # A4 landscape, 1 inch of margins in all, full size: 595 − 72 points
    assert page_height(landscape=True, scale=100, top=0.5, bottom=0.5) == pytest.approx(523)
    # at 90 % the same page holds 100/90 as many points of rows, less the repeated titles
    assert page_height(landscape=False, scale=90, top=0.5, bottom=0.5, titles=20) == pytest.approx(
        (842 - 72) / 0.9 - 20)


def test_wrapped_lines_breaks_between_words() -> None:
    # 10 characters wide at 11.5 pt: 10 characters a line
    assert wrapped_lines("", 10, 11.5) == 1
    assert wrapped_lines("satu dua", 10, 11.5) == 1            # 8 characters
    assert wrapped_lines("satu dua tiga", 10, 11.5) == 2       # "satu dua" | "tiga"
    assert wrapped_lines("a" * 25, 10, 11.5) == 3              # a word longer than a line is cut
    assert wrapped_lines("satu\ndua", 10, 11.5) == 2          # a line break is a line
    assert wrapped_lines("satu dua tiga", 10, 23) == 3         # twice the font: 5 characters, a word a line


def test_wrapped_lines_may_break_after_a_hyphen_as_spreadsheets_do() -> None:
    # 10 characters a line (width 10 at 11.5 pt)
    assert wrapped_lines("rt-medan_tw3_20", 10, 11.5) == 3     # "rt-" | "medan_tw3_" | "20" (not 15 characters in 2)
    assert wrapped_lines("lpka-blitar_tw3_2026", 10, 11.5) == 3  # "lpka-" | "blitar_tw3" (cut) | "_2026"
    assert wrapped_lines("a-b c-d", 10, 11.5) == 1             # 7 characters: no break needed
    assert wrapped_lines("satu dua-tiga", 10, 11.5) == 2       # "satu dua-" | "tiga"
    assert wrapped_lines("-", 10, 11.5) == 1


def test_print_setup_is_a4_with_the_footer_and_the_repeated_header() -> None:
    wb = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    sh = wb.add_worksheet()
    print_setup(sh, "Rekap 2026", header_rows=(4, 5))
    assert (sh.paper_size, sh.orientation, sh.print_scale) == (9, 0, 90)   # A4, landscape, 90 %
    assert sh.header_footer_changed and sh.footer == "&L&9Rekap 2026&R&9Halaman &P dari &N"
    assert sh.repeat_row_range.endswith("!$5:$6") and (sh.margin_left, sh.margin_top) == (0.3, 0.5)
    whole = wb.add_worksheet()
    print_setup(whole, "Petunjuk", landscape=False, scale=None, margins=(0.4, 0.6))
    assert (whole.orientation, whole.fit_page, whole.fit_width, whole.fit_height) == (1, 1, 1, 0)
    assert (whole.margin_left, whole.margin_top) == (0.4, 0.6)
    wb.close()
