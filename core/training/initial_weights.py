"""Initial weights, as the notebook draws them: N(0, 0.01) from a seed."""

from __future__ import annotations

import numpy as np

INITIAL_SCALE = 0.01


def initial_weights(n: int, seed: int = 0, scale: float = INITIAL_SCALE) -> np.ndarray:
    """``n`` weights drawn from N(0, scale) with ``numpy.random.default_rng(seed)``.

    The same seed gives the same weights everywhere: the window, ``inspect``, ``train`` and
    the comparison of optimizers (which must all start from the same point).
    """
    return np.random.default_rng(seed).normal(0.0, scale, size=n)
