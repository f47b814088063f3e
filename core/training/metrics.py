"""Classification metrics for a run trained with binary cross-entropy.

With ``bce`` the prediction y' is a logit z: the model says 1 where z > 0 (σ(z) > ½).
:func:`accuracy` counts the rows where that agrees with the target; :func:`epoch_accuracy`
gives it after every completed epoch of a run, over its training rows, and
:func:`holdout_accuracy` over its held-out rows, at the weights the epoch ended with
(rebuilt exactly from the run's checkpoints).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

import numpy as np

from core.autodiff.graph import Graph
from core.training.checkpoint import CheckpointError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from core.training.trainer import Trainer

_PREDICTION_GRAPHS: WeakKeyDictionary[Graph, Graph] = WeakKeyDictionary()


def accuracy(y_pred: np.ndarray, y: np.ndarray) -> float:
    """The fraction of rows where ``(y_pred > 0) == (y == 1)``: ``y_pred`` read as a logit
    (binary cross-entropy), ``y`` the 0/1 targets.  nan for no rows; a nan prediction
    counts as wrong for a target of 1 and as right for 0 (nan > 0 is false)."""
    z = np.asarray(y_pred, dtype=np.float64).ravel()
    t = np.asarray(y, dtype=np.float64).ravel()
    if z.shape != t.shape:
        raise ValueError(f"accuracy: {z.size} predictions for {t.size} targets")
    if not z.size:
        return float("nan")
    return float(np.mean((z > 0.0) == (t == 1.0)))


def predictions(graph: Graph, X: np.ndarray, weights: Sequence[float] | np.ndarray
                ) -> np.ndarray:
    """y' of every row of ``X`` at ``weights``, in one vectorized pass (the compiled code
    of the graph below y', with y' as its top)."""
    from core.autodiff.compiled import compiled_graph

    below = _prediction_graph(graph)
    rows = np.asarray(X, dtype=np.float64)
    values, _ = compiled_graph(below).batch(rows, np.zeros(rows.shape[0]), weights)
    return values


def epoch_accuracy(trainer: Trainer) -> np.ndarray:
    """The accuracy over the training rows at the end of every completed epoch of
    ``trainer``'s run, from the weights each epoch ended with.

    Those weights are read from the run's history where it recorded the epoch's last
    step (every step, until a long run thins its history out); the others are rebuilt by
    replaying the run once on a fork (bit for bit the same steps) from its first
    checkpoint.  Epochs before that (a run restored from a session) are nan.
    """
    X = np.asarray(trainer.dataset.X, dtype=np.float64)
    y = np.asarray(trainer.dataset.y, dtype=np.float64).ravel()
    rows = getattr(trainer, "training_rows", None)  # all rows unless some are held out
    if rows is not None:
        X, y = X[rows], y[rows]
    n = trainer.n_samples
    completed = trainer.cursor.step // n if n else 0
    result = np.full(completed, np.nan)
    ends = [None if weights is None else np.asarray(weights, dtype=np.float64)
            for weights in _recorded_ends(trainer, completed)]
    missing = [epoch for epoch, weights in enumerate(ends) if weights is None]
    kept = trainer.checkpoints.steps()
    first = -(-int(kept[0]) // n) if kept.size and n else completed
    if missing and missing[-1] >= first:
        replay = trainer.fork(max(first, missing[0]) * n)
        for epoch in range(max(first, missing[0]), missing[-1] + 1):
            replay.run((epoch + 1) * n - replay.cursor.step)
            if ends[epoch] is None:
                ends[epoch] = replay.weights
    for epoch, weights in enumerate(ends):
        if weights is not None:
            result[epoch] = accuracy(predictions(trainer.graph, X, weights), y)
    return result


def holdout_accuracy(trainer: Trainer) -> np.ndarray:
    """The accuracy over the held-out rows at the end of every completed epoch (y' read
    as a logit, :func:`core.training.metrics.accuracy`: for binary cross-entropy).

    The weights each epoch ended with are rebuilt exactly from the run's checkpoints
    (:meth:`core.training.trainer.Trainer.state_at`); epochs before the first checkpoint
    (a run restored from a session) are nan, and so is every epoch without held-out rows.
    """
    held = trainer.holdout_rows
    result = np.full(trainer.history.n_epochs, np.nan)
    if not held.size:
        return result
    X = np.asarray(trainer.dataset.X, dtype=float)[held]
    y = np.asarray(trainer.dataset.y, dtype=float).ravel()[held]
    n = trainer.n_samples
    for epoch in range(result.size):
        try:
            weights = trainer.state_at((epoch + 1) * n).weights
        except CheckpointError:
            continue
        result[epoch] = accuracy(predictions(trainer.graph, X, np.array(weights)), y)
    return result


def _recorded_ends(trainer: Trainer, completed: int) -> list[np.ndarray | None]:
    """The weights after each completed epoch's last step, where the history has them."""
    steps = trainer.history.steps()
    weights = trainer.history.weights()
    last = (np.arange(completed) + 1) * trainer.n_samples - 1
    found = np.searchsorted(steps, last)
    return [weights[k] if k < steps.size and steps[k] == step else None
            for k, step in zip(found.tolist(), last.tolist(), strict=True)]


def _prediction_graph(graph: Graph) -> Graph:
    """The nodes y' depends on, with y' on top (as the graph's "loss")."""
    found = _PREDICTION_GRAPHS.get(graph)
    if found is None:
        import networkx as nx

        keep = nx.ancestors(graph.nx, graph.output) | {graph.output}
        nodes = [graph[i] for i in graph.order if i in keep]
        found = _PREDICTION_GRAPHS[graph] = Graph(
            nodes, output=graph.output, loss=graph.output, formula=graph.formula,
            name=graph.name)
    return found
