"""Graph views shown for a test, and a stepper's plan over the data's first row."""

from __future__ import annotations

from core.autodiff.engine import evaluate
from core.autodiff.graph import Graph
from core.data.datasets import Dataset
from core.debugger.stepper import StepPlan
from core.training.optimizers import make_optimizer
from gui.graph.view import GraphView
from gui.theme import Theme


def fitted_view(qtbot, graph: Graph, size: tuple[int, int],
                theme: Theme | None = None) -> GraphView:
    """A view of ``graph`` ``size`` pixels large, on screen and fitted to the graph."""
    view = GraphView() if theme is None else GraphView(theme)
    qtbot.addWidget(view)
    view.resize(*size)
    view.set_graph(graph)
    view.show()
    qtbot.waitExposed(view)
    view.fit_all()
    return view


def first_sample_plan(graph: Graph, dataset: Dataset, optimizer: str = "sgd") -> StepPlan:
    """The stepper's plan for the data's first row at weights 0.1, 0.2, ... 0.9."""
    x, y = dataset.row(0)
    trace = evaluate(graph, x, y, [0.1 * (i + 1) for i in range(9)])
    return StepPlan(trace, make_optimizer(optimizer, 9))
