"""A user op with a long formula: its arithmetic on the stepper's note and its rule in the
derivative legend stay readable at 1024x768, wrapped rather than shrunk or cut off."""

from __future__ import annotations

import html

import pytest

from core.autodiff.engine import evaluate
from core.autodiff.formula import parse_formula
from core.autodiff.user_ops import user_ops
from core.debugger.stepper import StepPlan
from core.training.optimizers import make_optimizer
from gui.debugger.step_note import NOTE_PX
from gui.graph.view import GraphView

LONG = {"name": "longy", "args": ["a"],
        "forward": "a + a*a/2 + a*a*a/6 + a*a*a*a/24 + a*a*a*a*a/120 + a*a*a*a*a*a/720"
                   " + sin(a)*cos(a)*tanh(a)",
        "derivatives": ["1 + a + a*a/2 + a*a*a/6 + a*a*a*a/24 + a*a*a*a*a/120"
                        " + cos(a)*cos(a)*tanh(a) - sin(a)*sin(a)*tanh(a)"
                        " + sin(a)*cos(a)*(1 - tanh(a)**2)"]}


@pytest.fixture
def long_view(qtbot):
    with user_ops([LONG]):
        graph = parse_formula("longy(a*x1) + b")
        view = GraphView()
        qtbot.addWidget(view)
        view.resize(640, 420)  # the graph's share of a 1024x768 window
        view.set_graph(graph)
        view.show()
        qtbot.waitExposed(view)
        view.fit_all()
        trace = evaluate(graph, [-0.3], 1.0, [0.8, 0.1])
        yield view, StepPlan(trace, make_optimizer("sgd", 2))


def test_a_long_formula_on_the_note_wraps_at_its_signs_at_full_size(long_view):
    view, plan = long_view
    position = plan.positions[plan.position_of("forward", "longy1")]
    view.show_step(position, plan.trace)
    note = view.step_note
    assert note.isVisible() and note.text == position.text
    width, _height = note.size()
    assert width <= view.viewport().width()
    # Not shrunk to fit: the text keeps its size, the formula's terms go on new rows.
    assert note._bold.pixelSize() >= round(view.theme.px(NOTE_PX)) - 1
    assert len(note.rows) > 3
    assert any(row.lstrip().startswith(("+ ", "\u2212 ")) for row in note.rows)
    assert "".join(r.strip() for r in note.rows).replace(" ", "") == \
        position.text.replace("\n", "").replace(" ", "")


def test_a_long_rule_in_the_derivative_legend_wraps_inside_the_view(long_view):
    view, _plan = long_view
    legend = view.derivative_legend
    if not legend.isVisible():
        view.resize(640, 600)
    assert legend.isVisible()
    assert "longy: d(x + x²/2" in legend.text()  # named, then written from the formula
    assert legend.geometry().left() >= view.viewport().geometry().left()
    assert legend.geometry().right() <= view.viewport().geometry().right()


HUGE = {"name": "big", "args": ["a"], "forward": " + ".join(["a*0.001"] * 85),
        "derivatives": ["0.085"]}


def test_a_note_of_more_rows_than_the_view_holds_fits_in_smaller_text(qtbot):
    with user_ops([HUGE]):
        graph = parse_formula("big(big(a*x1)) + b")
        view = GraphView()
        qtbot.addWidget(view)
        view.resize(640, 420)
        view.set_graph(graph)
        view.show()
        qtbot.waitExposed(view)
        view.fit_all()
        plan = StepPlan(evaluate(graph, [0.5], 1.0, [0.3, 0.1]), make_optimizer("sgd", 2))
        position = plan.positions[plan.position_of("forward", "big2")]
        view.show_step(position, plan.trace)
        width, height = view.step_note.size()
        assert width <= view.viewport().width() and height <= view.viewport().height()
        # The legend cuts the 85-term rule short rather than fill the view with it.
        rule = next(line for line in view.derivative_legend.text().split("<br>")
                    if "0.001" in line)
        assert rule.endswith("…") and len(rule) <= 240


def test_the_legend_names_a_file_op_as_its_nodes_are_drawn(qtbot):
    swish = {"name": "swish", "args": ["a"], "forward": "a*sigmoid(a)",
             "derivatives": ["sigmoid(a)*(1 + a*(1 - sigmoid(a)))"], "symbol": "sw"}
    with user_ops([swish]):
        view = GraphView()
        qtbot.addWidget(view)
        view.set_graph(parse_formula("swish(a*x1) + b"))
        lines = html.unescape(view.derivative_legend.text()).split("<br>")
    assert "sw: d(x·σ(x))/dx = σ(x)·(1 + x·(1 − σ(x)))" in lines
    assert "d(a·b)/da = b, d(a·b)/db = a" in lines  # a built-in row as before
