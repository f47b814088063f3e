"""Rows of the op table as formulas: built from text, rendered for people, broken on
purpose per node; every numeric path reads the broken row through Graph.op_of."""

import json
import math

import numpy as np
import pytest

from core.autodiff.compiled import CompiledGraph
from core.autodiff.engine import evaluate
from core.autodiff.formula import parse_formula
from core.autodiff.ops import OPS, Op
from core.backward_check.exact import extended_pass, rounding_bounds
from core.expr.parse import ExpressionError, parse_expression
from core.expr.tree import Binary, Call, Num, Var
from core.geometry.landscape import landscape_grid


def test_from_formulas_parses_and_renames_the_operands():
    op = Op.from_formulas("softplus2", ["z"], "log(1 + exp(z))", ["sigmoid(z)"],
                          domain=[-5, 5])
    assert op.args == ("a",)
    assert op.forward == Call("log", (Binary("+", Num(1.0), Call("exp", (Var("a"),))),))
    assert op.derivatives == (Call("sigmoid", (Var("a"),)),)
    assert op.domain == (-5.0, 5.0)
    assert op.symbol == "softplus2"
    assert op.evaluate((0.0,)) == pytest.approx(math.log(2.0))
    assert op.local_derivatives((0.0,), op.evaluate((0.0,))) == (0.5,)
    assert op.words == "log(1 + exp({a}))"
    assert op.derivative_words == ("σ({a})",)


def test_a_file_defined_op_keeps_its_definition_as_json():
    op = Op.from_formulas("gauss", ["u", "v"], "exp(-u*u) * v",
                          ["-2*u*out", "exp(-u*u)"], symbol="g")
    assert json.loads(json.dumps(op.definition)) == {
        "name": "gauss", "args": ["u", "v"], "forward": "exp(-u*u) * v",
        "derivatives": ["-2*u*out", "exp(-u*u)"], "domain": [-2.0, 2.0], "symbol": "g"}
    assert op.args == ("a", "b")
    assert op.local_derivatives((0.5, 2.0), op.evaluate((0.5, 2.0))) == pytest.approx(
        (-2 * 0.5 * math.exp(-0.25) * 2.0, math.exp(-0.25)))


@pytest.mark.parametrize(("args", "forward", "derivatives", "words"), [
    (["a"], "a + q", ["1"], "unknown name 'q'"),
    (["a"], "a", ["out + nope"], "unknown name 'nope'"),
    (["a"], "a", ["1", "1"], "as many derivatives"),
    (["a", "a"], "a", ["1", "1"], "distinct operands"),
    (["a", "b", "c"], "a", ["1", "1", "1"], "one or two"),
    (["a"], "import(a)", ["1"], "cannot read"),
])
def test_from_formulas_refuses_with_a_reason(args, forward, derivatives, words):
    with pytest.raises((ExpressionError, ValueError), match=words):
        Op.from_formulas("bad", args, forward, derivatives)


def test_rule_text_is_rendered_from_the_trees():
    assert OPS["tanh"].derivative_text == "d tanh(x)/dx = 1 − tanh²(x)"
    assert OPS["mul"].derivative_text == "d(a·b)/da = b, d(a·b)/db = a"
    assert OPS["div"].derivative_words == ("1/{b}", "−{a}/{b}²")
    assert OPS["sigmoid"].derivative_words == ("σ({a})·(1 − σ({a}))",)
    assert OPS["pow"].words == "{a}^{p}"


def _seed():
    return parse_formula("sigmoid(w1*x1 + w2) * w3")


def _broken(graph):
    sigmoid = next(n.id for n in graph if n.op == "sigmoid")
    wrong = OPS["sigmoid"].with_derivatives((parse_expression("out * (1.0 + out)"),))
    return graph.with_breaks({sigmoid: wrong}), sigmoid


def test_op_of_gives_the_broken_row_on_its_node_only():
    graph = parse_formula("sigmoid(w1*x1) + sigmoid(w2*x2)")
    first = next(n.id for n in graph if n.op == "sigmoid")
    broken = graph.with_breaks({first: OPS["sigmoid"].with_derivatives((Num(0.0),))})
    assert graph.breaks == {} and broken.breaks[first].derivatives == (Num(0.0),)
    others = [n.id for n in broken if n.op is not None and n.id != first]
    assert all(broken.op_of(n) is OPS[broken[n].op] for n in others)
    assert broken.op_of(first).derivatives == (Num(0.0),)
    with pytest.raises(ValueError, match="leaf"):
        broken.op_of("w1")
    with pytest.raises(ValueError, match="op node"):
        graph.with_breaks({"w1": OPS["sigmoid"]})
    assert broken.with_breaks({}).breaks == {}


def test_every_numeric_path_uses_the_broken_derivative():
    graph, sigmoid = _broken(_seed())
    x, y, w = [0.3], 0.7, [0.5, -0.2, 1.5]
    true = evaluate(_seed(), x, y, w)
    trace = evaluate(graph, x, y, w)
    s = trace.values[sigmoid]
    assert trace.loss == true.loss  # the forward pass is the op's own
    edge = next(e for e in trace.local if e[1] == sigmoid)
    assert trace.local[edge] == s * (1.0 + s)
    assert not np.allclose(trace.weight_grads, true.weight_grads)
    compiled = CompiledGraph(graph)
    loss, grads, _ = compiled.sample(x, y, w)
    assert loss == trace.loss and grads == list(trace.weight_grads)
    _, batch = compiled.batch(np.array([x]), np.array([y]), w)
    assert np.allclose(batch[0], trace.weight_grads, rtol=1e-14)
    extended = extended_pass(graph, np.array([x]), np.array([y]), np.array([w]))
    assert np.allclose(extended.grads[0].astype(float), trace.weight_grads, rtol=1e-12)
    assert rounding_bounds(graph, np.array([x]), np.array([y]), np.array([w])).grads.shape \
        == (1, 3)
    # The numeric gradient differentiates the true forward pass: it exposes the break.
    numeric = compiled.numeric_gradient(x, y, w, 1e-6)
    assert np.allclose(numeric, true.weight_grads, rtol=1e-6)
    landscape = landscape_grid(graph, np.array([x]), np.array([y]), w, ("w1", "w2"), grid=3)
    assert landscape.loss[1, 1] == pytest.approx(true.loss)


def test_an_op_of_two_functions_arguments_runs_on_every_path(monkeypatch):
    """A defined op calling max(a, b) whose first operand is a constant: the batch and the
    finite differences take arrays in the second argument."""
    op = Op.from_formulas("hinge", ["a", "b"], "max(a, b)",
                          ["step(a - b)", "1 - step(a - b)"])
    monkeypatch.setitem(OPS, "hinge", op)
    from core.autodiff.graph import Graph, Node

    nodes = [Node("c", "c", "constant", constant=0.25), Node("w1", "w1", "weight"),
             Node("x1", "x1", "input", column=0),
             Node("m", "×", "op", op="mul", inputs=("w1", "x1")),
             Node("y_pred", "y'", "output", op="hinge", inputs=("c", "m")),
             Node("y", "y", "target"),
             Node("r", "r", "op", op="sub", inputs=("y", "y_pred")),
             Node("loss", "L", "loss", op="square", inputs=("r",))]
    graph = Graph(nodes, output="y_pred", loss="loss", formula="hinge(0.25, w1*x1)")
    compiled = CompiledGraph(graph)
    X = np.array([[-1.0], [0.1], [2.0]])
    Y = np.array([1.0, 0.0, -1.0])
    w = [0.5]
    losses, grads = compiled.batch(X, Y, w)
    for i in range(3):
        trace = evaluate(graph, X[i], Y[i], w)
        assert losses[i] == trace.loss and grads[i, 0] == trace.weight_grads[0]
        assert compiled.sample(X[i].tolist(), float(Y[i]), w)[1] == [trace.weight_grads[0]]
    numeric = compiled.numeric_gradient(X[2], Y[2], w, 1e-6)
    assert numeric[0] == pytest.approx(evaluate(graph, X[2], Y[2], w).weight_grads[0])
    assert compiled.mean_loss(X, Y, w) == pytest.approx(float(np.mean(losses)))
