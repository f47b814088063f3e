"""The points a student's backward is judged at: several weight scales, every weight large in
turn (both signs), the run's current weights, different rows, reproducible from a seed, and
every pass finite with headroom."""

import math

import numpy as np
import pytest

from core.autodiff.engine import evaluate
from core.autodiff.formula import parse_formula
from core.backward_check.points import (
    CURRENT_POINTS,
    HEADROOM,
    LARGE_RANGE,
    MAX_POINTS,
    POINTS_PER_SCALE,
    SCALES,
    point_at,
    sample_points,
)
from core.data.datasets import Dataset
from core.presets import resolve_graph
from tests.seed_reference import seed_forward

#: What the notebook's backward reads from its forward dict, beside the op nodes' ids.
NOTEBOOK_KEYS = {"exp", "tanh", "sigmoid", "v1", "v2", "part_1", "part_2", "part_3", "loss",
                 "y_pred", "dy_pred"}


def test_the_seed_gets_forty_points_of_every_kind(points):
    assert len(points) == MAX_POINTS == 40
    kinds = [p.kind for p in points]
    assert kinds[:CURRENT_POINTS] == ["the current weights"] * CURRENT_POINTS
    for k, scale in enumerate(SCALES):
        start = CURRENT_POINTS + k * POINTS_PER_SCALE
        assert kinds[start:start + POINTS_PER_SCALE] == [f"weights ~ N(0, {scale:.3g}²)"] * 6
    # Every weight is large once with each sign, within 4..10, the others from N(0, 1).
    large = points[CURRENT_POINTS + len(SCALES) * POINTS_PER_SCALE:]
    assert len(large) == 18
    for k, point in enumerate(large):
        name = f"w{k // 2 + 1}"
        value = point.weights[name]
        assert LARGE_RANGE[0] <= abs(value) <= LARGE_RANGE[1], (name, value)
        assert math.copysign(1.0, value) == (1.0 if k % 2 == 0 else -1.0)
        assert point.kind.startswith(f"{name} = ")
        others = [v for n, v in point.weights.items() if n != name]
        assert max(abs(v) for v in others) < 4.5


def test_the_scales_are_the_weights_spread(points):
    def spread(scale):
        return np.std([list(p.weights.values()) for p in points
                       if p.kind == f"weights ~ N(0, {scale:.3g}²)"])

    assert 0.05 < spread(0.1) < 0.2
    assert 0.6 < spread(1.0) < 1.6
    assert 2.0 < spread(3.0) < 4.5
    # Some weight of some N(0, 3²) point exceeds 4, as well as the large points'.
    assert any(abs(v) > 4 for p in points if "3²" in p.kind for v in p.weights.values())


def test_current_weights_are_used_as_given_on_different_rows(points):
    current = points[:CURRENT_POINTS]
    for point in current:
        assert point.w == tuple(np.linspace(-0.05, 0.05, 9))
    rows = [p.row for p in points]
    assert len(set(rows)) == len(rows)  # no row twice while the data lasts


def test_a_seed_gives_the_same_points_and_another_seed_others(seed, points):
    graph, dataset = seed
    again = sample_points(graph, dataset, np.linspace(-0.05, 0.05, 9), np.random.default_rng(0))
    assert again == points
    other = sample_points(graph, dataset, np.linspace(-0.05, 0.05, 9), np.random.default_rng(1))
    assert [p.row for p in other] != [p.row for p in points]


def test_every_point_is_finite_with_headroom(seed, points):
    graph, _ = seed
    for point in points:
        trace = evaluate(graph, point.x, point.y, point.w)
        numbers = [*trace.values.values(), *trace.grads.values(), *trace.step_locals]
        assert all(math.isfinite(v) and abs(v) <= HEADROOM for v in numbers)


def test_the_forward_dict_is_the_notebooks(seed, points):
    graph, _ = seed
    op_ids = {node.id for node in graph.op_nodes()}
    for point in points:
        assert set(point.forward_dict) == NOTEBOOK_KEYS | op_ids
        expected = seed_forward(point.x, point.y, point.w)
        for key in ("exp", "tanh", "sigmoid", "v1", "v2", "loss", "dy_pred", "y_pred"):
            assert point.forward_dict[key] == pytest.approx(expected[key], rel=1e-12, abs=1e-300)
        assert point.forward_dict["part_3"] == point.forward_dict["sigmoid"]


def test_without_current_weights_the_middle_scale_takes_their_place(seed):
    graph, dataset = seed
    points = sample_points(graph, dataset, None, np.random.default_rng(2))
    assert len(points) == 40
    assert sum(p.kind == "weights ~ N(0, 1²)" for p in points) == CURRENT_POINTS + 6


def test_many_weights_get_eighteen_large_points_on_weights_chosen_at_random():
    graph, preset = resolve_graph("mlp")
    points = sample_points(graph, preset.dataset(), None, np.random.default_rng(0))
    assert len(graph.weights) > 9
    assert len(points) == MAX_POINTS
    large = [p for p in points if "others" in p.kind]
    assert len(large) == 18
    names = {p.kind.split(" = ")[0] for p in large}
    assert len(names) == 18


def test_a_graph_that_overflows_for_large_weights_gets_smaller_ones():
    # exp(exp(w1*x1)) overflows for w1*x1 > 6.5: the large weights shrink until it fits.
    graph = parse_formula("exp(exp(w1*x1)) + w2")
    rng = np.random.default_rng(0)
    dataset = Dataset(rng.normal(0.0, 1.0, (50, 1)) + 2.0, rng.normal(0.0, 1.0, 50), "test")
    points = sample_points(graph, dataset, None, rng)
    assert 0 < len(points) <= MAX_POINTS
    for point in points:
        trace = evaluate(graph, point.x, point.y, point.w)
        assert all(math.isfinite(v) and abs(v) <= HEADROOM for v in trace.values.values())


def test_current_weights_that_overflow_everywhere_give_no_current_points():
    graph = parse_formula("exp(w1*x1) + w2")
    dataset = Dataset(np.full((20, 1), 1.0), np.zeros(20), "test")
    points = sample_points(graph, dataset, [1000.0, 0.0], np.random.default_rng(0))
    assert not any(p.kind == "the current weights" for p in points)
    assert len(points) == MAX_POINTS - CURRENT_POINTS - 14  # 2 weights: 4 large points


def test_wrong_inputs_are_refused_in_one_line(seed):
    graph, dataset = seed
    with pytest.raises(ValueError, match="9 weights, the current weights have 3"):
        sample_points(graph, dataset, [0.0, 0.0, 0.0], np.random.default_rng(0))
    with pytest.raises(ValueError, match="9 weights, got 2"):
        point_at(graph, dataset.X[0], dataset.y[0], [1.0, 2.0])
