"""Classification metrics for a run trained with binary cross-entropy.

With ``bce`` the prediction y' is a logit z: the model says 1 where z > 0 (σ(z) > ½).
:func:`accuracy` counts the rows where that agrees with the target; :func:`epoch_accuracy`
gives it after every completed epoch of a run, over its training rows, at the weights the
epoch ended with (rebuilt exactly from the run's checkpoints).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

import numpy as np

from core.autodiff.graph import Graph

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

    The run is replayed once on a fork (bit for bit the same steps), from its first
    checkpoint: the epochs before it (a run restored from a session) are nan.
    """
    X = np.asarray(trainer.dataset.X, dtype=np.float64)
    y = np.asarray(trainer.dataset.y, dtype=np.float64).ravel()
    rows = getattr(trainer, "training_rows", None)  # all rows unless some are held out
    if rows is not None:
        X, y = X[rows], y[rows]
    n = trainer.n_samples
    completed = trainer.cursor.step // n if n else 0
    result = np.full(completed, np.nan)
    kept = trainer.checkpoints.steps()
    first = -(-int(kept[0]) // n) if kept.size and n else completed
    if first >= completed:
        return result
    replay = trainer.fork(first * n)
    for epoch in range(first, completed):
        replay.run((epoch + 1) * n - replay.cursor.step)
        result[epoch] = accuracy(predictions(trainer.graph, X, replay.weights), y)
    return result


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
