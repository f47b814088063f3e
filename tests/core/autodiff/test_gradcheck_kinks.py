"""The gradient check knows where an op has a kink from the op's own forward formula
(any call of a function with a kink), for built-in and user ops alike, and lists a node
only where its slope or value does jump within the finite difference's reach."""

import pytest

from core.autodiff.formula import parse_formula
from core.autodiff.gradcheck import check_graph, kinks
from core.autodiff.graph import Graph, Node
from core.autodiff.ops import OPS, Op


def _graph_of(op: str, arity: int) -> Graph:
    """y' = op(a·x1[, b]) with the squared-error loss, built by hand (a user op need not
    be callable in formulas for the check to know it)."""
    operands = ("mul1", "b")[:arity]
    nodes = [
        Node("a", "a", "weight"), Node("x1", "x1", "input", column=0),
        Node("mul1", "×", "op", op="mul", inputs=("a", "x1")),
        *([Node("b", "b", "weight")] if arity == 2 else []),
        Node("y_pred", "y'", "output", op=op, inputs=operands),
        Node("y", "y", "target"),
        Node("residual", "y − y'", "op", op="sub", inputs=("y", "y_pred")),
        Node("loss", "L", "loss", op="square", inputs=("residual",)),
    ]
    return Graph(nodes, output="y_pred", loss="loss", formula=f"{op}(...)")


@pytest.fixture
def user_op(monkeypatch):
    def add(name, args, forward, derivatives):
        op = Op.from_formulas(name, args, forward, derivatives)
        monkeypatch.setitem(OPS, name, op)
        return op
    return add


def test_relu_and_abs_at_zero_are_kinks_away_from_it_not():
    for text in ("relu(a*x1) + b", "abs(a*x1) + b"):
        graph = parse_formula(text)
        (node, op), = kinks(graph, [1.0], 0.5, [0.0, 0.0])
        assert graph[node].op == op and op in text
        assert kinks(graph, [1.0], 0.5, [1e-3, 0.0]) == []  # 100 steps away: no note


def test_a_user_op_calling_max_is_at_its_kink_where_the_operands_meet(user_op):
    user_op("mymax", ("u", "v"), "max(u, v)", ("step(u - v)", "step(v - u)"))
    graph = _graph_of("mymax", 2)
    assert kinks(graph, [2.0], 0.0, [0.5, 1.0]) == [("y_pred", "mymax")]
    assert kinks(graph, [2.0], 0.0, [0.5, 1.5]) == []
    # Within the band too: 1e-6 from the kink, a step of 1e-7 (or 2e-7) may cross it.
    assert kinks(graph, [2.0], 0.0, [0.5, 1.0 + 1e-6]) == [("y_pred", "mymax")]


def test_a_user_op_with_a_step_in_its_value_is_a_kink_though_its_slope_is_flat(user_op):
    user_op("jump", ("a",), "step(a) + a", ("1.0",))
    graph = _graph_of("jump", 1)
    assert kinks(graph, [1.0], 0.0, [0.0]) == [("y_pred", "jump")]
    assert kinks(graph, [1.0], 0.0, [0.5]) == []


def test_a_function_whose_slope_is_continuous_at_its_kink_needs_no_note(user_op):
    # Huber's slope (a clipped to [−δ, δ]) meets itself at |a| = δ: no jump, and central
    # differences agree there.
    user_op("smooth", ("a",), "huber(a, 1.0)",
            ("a * (1.0 - step(abs(a) - 1.0)) + sign(a) * step(abs(a) - 1.0)",))
    graph = _graph_of("smooth", 1)
    assert kinks(graph, [1.0], 0.0, [1.0]) == []
    assert check_graph(graph, [1.0], 0.0, [1.0]).verdict == "correct"
    # Twice abs is a kink at 0 wherever it comes from.
    user_op("twice", ("a",), "2 * abs(a)", ("2 * sign(a)",))
    assert kinks(_graph_of("twice", 1), [1.0], 0.0, [0.0]) == [("y_pred", "twice")]


def test_smooth_ops_are_never_listed():
    graph = parse_formula("tanh(a*x1) + sigmoid(b) + exp(c*x1)")
    assert kinks(graph, [0.0], 0.0, [0.0, 0.0, 0.0]) == []


def test_a_kink_a_large_feature_carries_a_step_across_is_found(user_op):
    # y' = leaky(a·x1) with x1 = 1000: a step of 1e-7 in a moves a·x1 by 1e-4, so at
    # a = 5e-8 (a·x1 = 5e-5) the finite difference straddles the kink at 0 and disagrees;
    # the check must say the node is at its kink, not leave "wrong" unexplained.
    user_op("leaky", ("a",), "max(a, 0.01*a)", ("0.01 + 0.99*step(a)",))
    graph = _graph_of("leaky", 1)
    report = check_graph(graph, [1000.0], 1.0, [5e-8])
    assert report.verdict == "wrong"
    assert kinks(graph, [1000.0], 1.0, [5e-8]) == [("y_pred", "leaky")]
    assert kinks(graph, [1000.0], 1.0, [1e-8]) == [("y_pred", "leaky")]
    # Ten steps' reach away the finite difference does not cross it: correct, no note.
    assert check_graph(graph, [1000.0], 1.0, [1e-6]).verdict == "correct"
    assert kinks(graph, [1000.0], 1.0, [1e-6]) == []


def test_a_derivative_wrong_away_from_any_kink_gets_no_kink_note(user_op):
    user_op("leaky", ("a",), "max(a, 0.01*a)", ("0.02 + 0.99*step(a)",))
    graph = _graph_of("leaky", 1)
    assert check_graph(graph, [1000.0], 1.0, [-1e-3]).verdict == "wrong"
    assert kinks(graph, [1000.0], 1.0, [-1e-3]) == []


def test_only_the_weights_whose_step_crosses_the_kink_are_kinked(user_op):
    from core.autodiff.gradcheck import kinked_weights, shown_verdict

    graph = parse_formula("relu(a*x1) + relu(b*x1) + c")
    # a at relu's kink, b far from its own: only a's disagreement is the kink's.
    weights = [0.0, 0.5, 0.0]
    kinked = kinked_weights(graph, [1.0], 2.0, weights)
    assert kinked == {"a": ("relu1",)}
    report = check_graph(graph, [1.0], 2.0, weights)
    assert [shown_verdict(c, kinked) for c in report.weights] == ["kinked", "correct",
                                                                  "correct"]
    # A derivative wrong away from any kink stays wrong though another weight is kinked.
    user_op("leaky", ("a",), "max(a, 0.01*a)", ("0.02 + 0.99*step(a)",))
    graph2 = _graph_of("leaky", 1)
    kinked2 = kinked_weights(graph2, [1.0], 1.0, [-0.5])
    assert kinked2 == {}
    (check,) = check_graph(graph2, [1.0], 1.0, [-0.5]).weights
    assert shown_verdict(check, kinked2) == "wrong"
