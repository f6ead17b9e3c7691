"""Page breaks that keep a group together, and the room on an A4 page."""
from __future__ import annotations

import pytest

from kinerja_pipeline.printing import group_breaks, page_height


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
