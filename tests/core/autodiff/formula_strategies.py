"""Hypothesis strategies for random formulas built from the op table."""

from hypothesis import strategies as st

from core.autodiff.ops import FUNCTIONS, OPS
from core.expr.functions import FUNCTIONS as CALLABLE
from core.expr.tree import calls_in

LEAVES = ["w1", "w2", "w3", "x1", "x2", "0.5", "1.5"]
# Ops whose argument must stay positive get one (softplus-like guard keeps them smooth).
POSITIVE = {"log", "sqrt"}
# Ops whose forward formula calls a function with a kink (relu, abs) are kept away from it.
KINKED = {name for name in FUNCTIONS
          if any(CALLABLE[f].kink is not None for f in calls_in(OPS[name].forward))}


def _combine(children):
    binary = st.tuples(st.sampled_from(sorted(op.infix for op in OPS.values() if op.infix)),
                       children, children)
    unary = st.tuples(st.sampled_from(sorted(FUNCTIONS | {"neg", "pow"})), children)

    def render_binary(parts):
        symbol, a, b = parts
        if symbol == "/":
            return f"({a}) / (2 + exp(-({b})))"  # a denominator that never vanishes
        return f"({a}) {symbol} ({b})"

    def render_unary(parts):
        name, a = parts
        if name in POSITIVE:
            return f"{name}(1 + exp({a}))"
        if name in KINKED:
            return f"{name}(1.25 + tanh({a}))"  # bounded away from the kink at 0
        if name == "neg":
            return f"-({a})"
        if name == "pow":
            return f"(1 + exp({a}))**1.5"
        return f"{name}({a})"

    return st.one_of(binary.map(render_binary), unary.map(render_unary))


#: Random prediction formulas using every op of the table, always containing a weight.
formulas = st.recursive(st.sampled_from(LEAVES), _combine, max_leaves=10).map(
    lambda body: f"w1 * ({body})")
