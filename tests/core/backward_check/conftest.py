"""The seed graph with its built-in data, and the points a check judges it at (seed 0, the
run's current weights spread over -0.05..0.05), made once per module."""

import numpy as np
import pytest

from core.backward_check.points import sample_points
from core.presets import resolve_graph


@pytest.fixture(scope="module")
def seed():
    graph, preset = resolve_graph("seed")
    return graph, preset.dataset()


@pytest.fixture(scope="module")
def points(seed):
    graph, dataset = seed
    return sample_points(graph, dataset, np.linspace(-0.05, 0.05, 9), np.random.default_rng(0))
