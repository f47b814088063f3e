"""The square the landscape follows: path, current point, arrows' room, comparisons."""

from __future__ import annotations

import numpy as np
import pytest

from gui.geometry.landscape_square import (
    AHEAD,
    COMPARED_REACH,
    MARGIN,
    SMALLEST_FOLLOWED,
    followed_square,
)


def test_the_square_holds_the_path_and_room_around_the_current_point():
    path = np.array([[0.0, 0.0], [0.2, 0.5], [0.5, 1.0]])
    (cx, cy), half = followed_square(path, (0.5, 1.0))
    # Extent 1.0 (in y); room of AHEAD around (0.5, 1.0): y from 0 to 1.3, x from 0 to 0.8.
    assert (cx, cy) == pytest.approx((0.4, 0.65))
    assert half == pytest.approx(1.3 / 2 * MARGIN)
    assert np.all(np.abs(path - (cx, cy)) <= half)
    assert abs(1.0 + AHEAD - cy) <= half


def test_a_single_point_gets_the_smallest_square():
    (cx, cy), half = followed_square(np.empty((0, 2)), (2.0, -1.0))
    assert (cx, cy) == (2.0, -1.0)
    assert half == SMALLEST_FOLLOWED


def test_nearby_comparison_paths_widen_it_far_ones_do_not():
    path = np.array([[0.0, 0.0], [1.0, 0.0]])
    near = np.array([[0.0, 0.0], [0.5, 2.0]])
    far = np.array([[0.0, 0.0], [100.0, 100.0], [np.inf, np.nan]])
    _, alone = followed_square(path, (1.0, 0.0))
    _, with_near = followed_square(path, (1.0, 0.0), [near])
    _, with_far = followed_square(path, (1.0, 0.0), [far])
    assert with_near > alone
    assert with_far == alone
    assert COMPARED_REACH * 1.0 < 100.0  # the far path is beyond the reach


def test_nothing_finite_is_no_square():
    assert followed_square(np.full((3, 2), np.nan), (np.nan, np.inf)) is None
