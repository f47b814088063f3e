"""The bounded per-step history: thinning keeps every second point, costs no copy when the
arrays fill, and never changes a view handed out before."""

from __future__ import annotations

import numpy as np
import pytest

from core.training.history import History


class _Reference:
    """The history's rule written plainly: record multiples of the stride; when full and
    another step comes, keep every second point and double the stride."""

    def __init__(self, capacity: int) -> None:
        self.capacity, self.stride, self.points = capacity, 1, []

    def extend(self, first_step: int, rows: list[tuple]) -> None:
        for offset, row in enumerate(rows):
            step = first_step + offset
            if len(self.points) == self.capacity:
                self.points = self.points[::2]
                self.stride *= 2
            if step % self.stride == 0:
                self.points.append((step, *row))

    def rewind(self, step: int) -> None:
        self.points = [point for point in self.points if point[0] < step]


def _rows(rng: np.random.Generator, first_step: int, k: int, n_weights: int):
    losses = rng.normal(size=k)
    weights = rng.normal(size=(k, n_weights))
    grads = rng.normal(size=(k, n_weights))
    samples = rng.integers(0, 50, size=k)
    return losses, weights, grads, samples


@pytest.mark.parametrize("capacity", [2, 3, 7, 64, 101])
@pytest.mark.parametrize("seed", range(4))
def test_thinning_keeps_what_the_plain_rule_keeps(capacity, seed):
    rng = np.random.default_rng(seed)
    history = History(2, 50, 10_000, limit=capacity)
    assert history._capacity == capacity or capacity < 1024  # the budget does not cap these
    reference = _Reference(history._capacity)
    step = 0
    for _ in range(60):
        if step and rng.random() < 0.15:
            step = int(rng.integers(0, step))
            history.rewind(step, [])
            reference.rewind(step)
            continue
        k = int(rng.integers(1, 3 * capacity))
        losses, weights, grads, samples = _rows(rng, step, k, 2)
        history.extend(step, losses, weights.ravel(), grads.ravel(), samples)
        reference.extend(step, [(samples[i], losses[i], weights[i], grads[i])
                                for i in range(k)])
        step += k
        assert len(history) == len(reference.points)
        if reference.points:
            kept = list(zip(*reference.points, strict=True))
            np.testing.assert_array_equal(history.steps(), kept[0])
            np.testing.assert_array_equal(history.trained_samples(), kept[1])
            np.testing.assert_array_equal(history.sample_loss(), kept[2])
            np.testing.assert_array_equal(history.weights(), np.array(kept[3]))
            np.testing.assert_array_equal(history.grads(), np.array(kept[4]))
            assert history.stride == reference.stride


def test_the_spare_arrays_are_ready_when_the_arrays_fill():
    # Thinning only swaps arrays: every kept point was copied while recording, a row per
    # row from half full on, so no large copy into fresh memory stalls the window then.
    history = History(3, 10, 1000, limit=1000)
    rng = np.random.default_rng(1)
    step = 0
    thinned_at_half = None
    while len(history) < 1000:
        losses, weights, grads, samples = _rows(rng, step, 8, 3)
        history.extend(step, losses, weights.ravel(), grads.ravel(), samples)
        step += 8
        if thinned_at_half is None and len(history) >= 500:
            thinned_at_half = history._thinned
    assert thinned_at_half is not None and thinned_at_half <= 8
    assert history._thinned == 500
    expected = history.weights()[::2].copy()
    spare = history._spare
    history.extend(step, *_rows(rng, step, 1, 3)[:3])
    assert history.stride == 2
    assert history._weights is spare[3]  # swapped in, not copied
    np.testing.assert_array_equal(history.weights()[:500], expected)


def test_views_handed_out_keep_their_values_through_thinning_and_rewinds():
    history = History(1, 10, 1000, limit=16)
    rng = np.random.default_rng(2)
    step = 0
    views = []
    for _ in range(40):
        losses, weights, grads, samples = _rows(rng, step, 5, 1)
        history.extend(step, losses, weights.ravel(), grads.ravel(), samples)
        step += 5
        views.append((history.weights(), history.weights().copy()))
    for view, values in views:
        np.testing.assert_array_equal(view, values)


def test_a_copy_thins_on_its_own():
    history = History(1, 10, 1000, limit=10)
    rng = np.random.default_rng(3)
    losses, weights, grads, samples = _rows(rng, 0, 9, 1)
    history.extend(0, losses, weights.ravel(), grads.ravel(), samples)
    twin = history.copy()
    more = _rows(rng, 9, 4, 1)
    for h in (history, twin):
        h.extend(9, more[0], more[1].ravel(), more[2].ravel(), more[3])
    np.testing.assert_array_equal(twin.weights(), history.weights())
    np.testing.assert_array_equal(twin.steps(), [0, 2, 4, 6, 8, 10, 12])
    assert twin._weights is not history._weights


def test_a_run_that_fits_prepares_no_thinning():
    # 20 epochs of 10 samples fit in the arrays: nothing is copied aside while recording.
    history = History(2, 10, 20, limit=1000)
    rng = np.random.default_rng(4)
    losses, weights, grads, samples = _rows(rng, 0, 200, 2)
    history.extend(0, losses, weights.ravel(), grads.ravel(), samples)
    assert len(history) == 200 and history._spare is None
    history.extend(200, *_rows(rng, 200, 3, 2)[:3])  # past the plan: thinned all the same
    np.testing.assert_array_equal(history.weights()[:100], weights[::2])
    assert history.stride == 2
