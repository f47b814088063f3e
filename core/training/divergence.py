"""How a divergence is told to people: one wording for the command line and the window.

Training stops at the first non-finite value (:class:`core.training.results.Divergence`).
The sentence says where (step, epoch, sample, counted as everywhere else: steps and
samples from 0, epochs from 1), what became non-finite, named by its one unique name as
the graph shows it (``part_1``, ``w1·x1``, ``y'``, never an internal id nor a bare op
symbol several nodes share), and what to try.  Only the advice
differs by audience: the command line names its options, the window its controls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.autodiff.naming import shown_name

if TYPE_CHECKING:
    from core.autodiff.graph import Graph
    from core.training.results import Divergence


@dataclass(frozen=True)
class Advice:
    """What to try after a divergence, in the words of one front end.

    Attributes
    ----------
    at_start
        When the very first step failed: the formula is undefined at the starting weights
        for that sample (log or sqrt of a negative, a division by 0), so the step size is
        not to blame.
    later
        When steps had been taken: the step size most likely overshot.
    """

    at_start: str
    later: str


COMMAND_LINE = Advice(at_start="try other --weights or --seed", later="Lower --lr.")
WINDOW = Advice(at_start="try another seed or formula",
                later="Lower the learning rate, then Reset (R).")


def node_name(graph: Graph, node: str) -> str:
    """A node by its one unique name, as the graph view captions it (``part_1``,
    ``w1·x1``, ``#4``, ``y'``; :func:`core.autodiff.naming.shown_name`)."""
    return shown_name(graph[node]) if node in graph else node


def describe_divergence(divergence: Divergence, *, epochs: int | None = None,
                        advice: Advice = COMMAND_LINE) -> str:
    """One line: where training diverged, what became non-finite, and what to try.

    Parameters
    ----------
    divergence
        From the trainer.
    epochs
        The run's planned epochs, to say "epoch 2 of 20" (``None``: "epoch 2").
    advice
        :data:`COMMAND_LINE` or :data:`WINDOW`.
    """
    of = "" if epochs is None else f" of {epochs}"
    where = (f"Diverged at step {divergence.step} (epoch {divergence.epoch + 1}{of}, sample "
             f"{divergence.sample})")
    if divergence.step == 0 and divergence.trace.first_nonfinite() is None:
        # Only the optimizer's update was refused: the formula is defined there.
        hint = ("The graph's values and gradients for this sample are finite: the "
                "optimizer's update fails on them.")
    elif divergence.step == 0:
        hint = ("The formula is not defined at the initial weights for this sample: "
                f"{advice.at_start}.")
    else:
        hint = advice.later
    return f"{where}: {divergence.detail}. {hint}"
