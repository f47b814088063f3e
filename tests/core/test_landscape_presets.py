"""The landscape of every preset under every loss equals the engine point by point: the
generated stages cover every op the presets and the losses use."""

import numpy as np
import pytest

from core.autodiff.compiled import CompiledGraph
from core.autodiff.engine import evaluate
from core.autodiff.losses import LOSSES, with_loss
from core.geometry.landscape import full_batch_gradient, landscape_grid
from core.presets import PRESETS


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_and_loss_equals_the_engine(name, loss):
    preset = PRESETS[name]
    graph = with_loss(preset.build(), loss, 0.7)
    dataset = preset.dataset()
    X, targets = np.asarray(dataset.X), np.asarray(dataset.y)
    if loss == "bce" and not np.isin(targets, (0.0, 1.0)).all():  # cross-entropy: 0 or 1
        targets = np.where(targets > np.median(targets), 1.0, 0.0)
    Y = targets
    w = np.random.default_rng(len(name)).normal(0.0, 0.6, len(graph.weights))
    compiled = CompiledGraph(graph)
    pairs = [(graph.weights[0], graph.weights[-1]), (graph.weights[-1], graph.weights[0])]
    if len(graph.weights) > 2:
        pairs.append((graph.weights[len(graph.weights) // 2 + 1], graph.weights[1]))
    sample = len(Y) - 1
    for pair in pairs:
        result = landscape_grid(graph, X, Y, w, pair, span=0.8, grid=7, sample=sample)
        for i, k in [(0, 6), (3, 3), (6, 1)]:
            at = w.copy()
            at[graph.weights.index(pair[0])] = result.xs[k]
            at[graph.weights.index(pair[1])] = result.ys[i]
            assert result.loss[i, k] == pytest.approx(compiled.mean_loss(X, Y, at),
                                                      rel=1e-12, abs=1e-300)
            trace = evaluate(graph, X[sample], Y[sample], at)
            assert result.sample_loss[i, k] == pytest.approx(trace.loss, rel=1e-12,
                                                             abs=1e-300)
    gradient = full_batch_gradient(graph, X, Y, w)
    np.testing.assert_allclose(gradient, compiled.batch(X, Y, w)[1].mean(axis=0), rtol=1e-12)
