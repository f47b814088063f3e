"""Why a value or gradient became nan or infinite, in words.

The first offending position of a :class:`~core.debugger.stepper.StepPlan` is explained
from the numbers that produced it and the IEEE exception the op raised on them (the op
table evaluates it: overflow, division by zero, invalid value), e.g.
``exp of 838 overflows float64 (the largest float64 is 1.8e308)``.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Literal

from core.debugger.stepper import StepPlan, factor
from core.debugger.wording import (
    d,
    forward_numbers,
    name,
    number,
    of_phrase,
    operand_names,
    operand_values,
)

LARGEST = f"the largest float64 is {number(sys.float_info.max, 2)}"


@dataclass(frozen=True)
class NonFiniteReport:
    """The first nan or infinity of a step and why it happened.

    Attributes
    ----------
    node
        The node whose value (or, backward, whose gradient) became non-finite.
    quantity
        ``value`` or ``gradient``.
    position
        Its position in the plan.
    number
        The offending number.
    inputs
        (name as drawn, number) for what produced it: the operands' values, or the
        upstream gradient and local derivative.
    reason
        One line: ``exp of 838 overflows float64 (the largest float64 is 1.8e308)``.
    """

    node: str
    quantity: Literal["value", "gradient"]
    position: int
    number: float
    inputs: tuple[tuple[str, float], ...]
    reason: str

    @property
    def summary(self) -> str:
        """One line naming the node as drawn, for a status bar."""
        return self.reason


def explain_nonfinite(plan: StepPlan) -> NonFiniteReport | None:
    """The first non-finite value or gradient of ``plan`` and why, or ``None``."""
    index = plan.first_nonfinite()
    if index is None:
        return None
    position = plan.positions[index]
    graph, values = plan.graph, plan.trace.values
    if position.phase == "forward":
        node = graph[position.node]
        value = values[node.id]
        label = name(node)
        args = tuple(operand_values(values, node))
        inputs = tuple(zip(operand_names(graph, node), args, strict=True))
        if node.op is None:
            reason = f"{label} is {number(value)} before anything is computed"
        else:
            row = graph.op_of(node.id)
            words = forward_numbers(row, args, node.param)
            problem = row.floating_point_problem(args, node.param)
            if problem == "overflow":
                reason = (f"{of_phrase(row, args[0], node.param) if row.arity == 1 else words}"
                          f" overflows float64 ({LARGEST})")
            elif problem == "divide by zero":
                reason = f"{words} = {number(value)}: a division by zero (a pole of {label})"
            elif problem == "invalid value":
                reason = f"{words} is not a number: {label} is undefined there"
            else:
                reason = f"{words} = {number(value)}"
        return NonFiniteReport(node.id, "value", index, value, inputs, f"{label}: {reason}")
    step = position.backward
    assert step is not None
    u, v = name(graph[step.node]), name(graph[step.operand])
    loss = name(graph[graph.loss])
    inputs = ((f"∂{loss}/∂{d(u)}", step.upstream), (f"∂{d(u)}/∂{d(v)}", step.local))
    up, local = number(step.upstream), number(step.local)
    if not math.isfinite(step.local):
        reason = f"the local derivative ∂{d(u)}/∂{d(v)} is {local}"
        if step.upstream == 0.0:
            reason += f", and 0 · {local} is not a number"
    elif not math.isfinite(step.contribution):
        reason = f"{factor(up)} · {factor(local)} overflows float64 ({LARGEST})"
    else:
        before = step.accumulated - step.contribution
        reason = (f"the running sum {number(before)} + {factor(number(step.contribution))} "
                  f"overflows float64 ({LARGEST})")
    return NonFiniteReport(step.operand, "gradient", index, step.accumulated, inputs,
                           f"∂{loss}/∂{d(v)} = {number(step.accumulated)}: {reason}")
