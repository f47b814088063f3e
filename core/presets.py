"""Built-in graphs.  ``seed`` is the course notebook's 9-weight model.

A preset is a formula with a description and, for the seed, the notebook's names for its
intermediates (``exp``, ``tanh``, ``sigmoid``, ``v1``, ``v2``) so that views and the JSON
output speak the notebook's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from core.autodiff.formula import FormulaError, parse_formula
from core.autodiff.graph import Graph

#: The seed model as the course writes it; ``s**2`` is the square of the first sum.
SEED_DISPLAY_FORMULA = (
    "tanh(exp((w1*x1 + w2*x2)**2 + w6) + w7) + sigmoid(sin(w3*x3)*(w4*x4 + w5*x5) + w8)*w9"
)


@dataclass(frozen=True)
class Preset:
    """A named, described formula."""

    name: str
    formula: str
    description: str
    display_formula: str = ""
    #: Notebook names of intermediates -> node ids.
    aliases: Mapping[str, str] = field(default_factory=dict)

    def build(self) -> Graph:
        return parse_formula(self.formula, name=self.name)


def dense_network_formula(n_inputs: int, hidden: int, activation: str = "tanh") -> str:
    """A one-hidden-layer network written as a formula (for larger graphs)."""
    units = []
    for j in range(1, hidden + 1):
        terms = " + ".join(f"a{j}_{i}*x{i}" for i in range(1, n_inputs + 1))
        units.append(f"v{j}*{activation}({terms} + b{j})")
    return " + ".join(units) + " + c"


PRESETS: Mapping[str, Preset] = MappingProxyType({
    preset.name: preset for preset in (
        Preset(
            "seed",
            # The square is written as a product so the sum is one node used twice, as in
            # the course figure: its two gradient contributions are visibly accumulated.
            "tanh(exp((w1*x1 + w2*x2)*(w1*x1 + w2*x2) + w6) + w7)"
            " + sigmoid(sin(w3*x3)*(w4*x4 + w5*x5) + w8)*w9",
            "The course notebook's 9-weight graph",
            display_formula=SEED_DISPLAY_FORMULA,
            aliases=MappingProxyType({"exp": "exp1", "tanh": "tanh1", "sigmoid": "sigmoid1",
                                      "v1": "sin1", "v2": "add4", "loss": "loss",
                                      "y_pred": "y_pred"}),
        ),
        Preset("linear", "w1*x1 + w2*x2 + w3*x3 + w4*x4 + w5*x5 + b",
               "Linear regression on the five features"),
        Preset("neuron", "tanh(w1*x1 + w2*x2 + w3*x3 + w4*x4 + w5*x5 + b)",
               "A single tanh neuron"),
        Preset("tiny", "w1*x1 + w2", "The smallest graph worth drawing: y' = w1·x1 + w2"),
        Preset("mlp", dense_network_formula(5, 3),
               "A 5-3-1 network with tanh hidden units"),
    )
})


def resolve_graph(spec: str) -> tuple[Graph, Preset | None]:
    """A preset name or a prediction formula -> graph (and the preset, if it was one).

    Raises
    ------
    core.autodiff.formula.FormulaError
        If ``spec`` is neither a preset nor a valid formula.
    """
    key = spec.strip()
    preset = PRESETS.get(key)
    if preset is not None:
        return preset.build(), preset
    if key.isidentifier():
        # A lone name is no formula (it has no operation): most likely a mistyped preset.
        raise FormulaError(f"unknown graph {key!r}: the presets are {', '.join(PRESETS)}; "
                           "a formula needs at least one operation (e.g. w1*x1 + b)")
    return parse_formula(key), None
