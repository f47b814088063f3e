"""How much floating-point rounding the loss of a trace may carry.

A first-order running error bound: every op rounds its result once, by at most one unit in
the last place (``u |value|``, with ``u`` the machine epsilon), and the errors already in its
operands pass through the op scaled by the local derivatives,

    err(node) = u |node| + sum_i |d node / d input_i| err(input_i).

Features, targets and constants are exact.  A weight carries ``u |w|``: the error of
stepping it to ``w + eps`` in floating point, which moves the weight by a slightly different
amount than ``eps``.  The bound is pessimistic (errors are summed in absolute value, never
cancelled) and it is what a finite difference of the loss cannot see below.
"""

from __future__ import annotations

import math

import numpy as np

from core.autodiff.engine import Trace

#: The machine epsilon of float64, 2.2e-16.
MACHINE_EPSILON = float(np.finfo(np.float64).eps)


def loss_rounding_error(trace: Trace) -> float:
    """A bound on the rounding error of the loss computed by ``trace``'s forward pass.

    Parameters
    ----------
    trace
        One evaluated sample.

    Returns
    -------
    float
        ``err(L)`` from the recurrence above; ``inf`` when a value or local derivative on
        the way is not finite.
    """
    graph = trace.graph
    error: dict[str, float] = {}
    for node_id in trace.forward_order:
        node = graph[node_id]
        value = abs(trace.values[node_id])
        if node.op is None:
            error[node_id] = MACHINE_EPSILON * value if node.kind == "weight" else 0.0
            continue
        total = MACHINE_EPSILON * value
        for position, operand in enumerate(node.inputs):
            local = abs(trace.local[(operand, node_id, position)])
            if error[operand] != 0.0:  # 0 * inf (an exact operand) adds nothing
                total += local * error[operand]
        error[node_id] = total if math.isfinite(total) else math.inf
    return error[graph.loss]
