"""One training step of one sample, node by node: the debugger's model.

A :class:`StepPlan` lays out every position of a step, computed once from the engine's
:class:`~core.autodiff.engine.Trace` and the optimizer's own update rule, so that every
number it shows is one the engine computed:

1. the forward pass, one node per position in the trace's ``forward_order`` (at position
   *i* nodes 0..*i* have values, the later ones none yet);
2. the backward pass: first ∂L/∂L = 1, then one position per chain-rule step in the order
   the engine applied them (each shows the gradients accumulated so far and the edge
   being applied: upstream × local = contribution, and the running sum where a node
   feeds several consumers);
3. the optimizer's update, one weight per position (old value, gradient, the optimizer's
   state before and after, the step, the new value).

The update is computed by a copy of the trainer's optimizer on the trace's gradients; the
trace computes exactly what a training step computes, so the new weights a plan shows are
the weights :meth:`Trainer.step_sample` produces, to the last bit.

A :class:`Stepper` is a cursor over a plan (step, step back, jump to the start or end of a
pass, finish a phase).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np

from core.autodiff.engine import BackwardStep, Trace
from core.autodiff.graph import Edge, Graph
from core.debugger.wording import (
    MINUS,
    d,
    derivative_numbers,
    derivative_words,
    forward_numbers,
    forward_words,
    kind_words,
    name,
    number,
    operand_names,
    operand_values,
)
from core.expr.evaluate import evaluate
from core.expr.functions import SCALAR_ERRORS
from core.expr.text import words
from core.expr.tree import Expr, Num, Var
from core.training.optimizers import Optimizer
from core.training.trainer import Trainer, clip_gradients

Phase = Literal["forward", "backward", "update"]
PHASES: tuple[Phase, ...] = ("forward", "backward", "update")
PHASE_TITLES: Mapping[Phase, str] = MappingProxyType(
    {"forward": "forward pass", "backward": "backward pass", "update": "update"})


@dataclass(frozen=True)
class WeightUpdate:
    """What the optimizer does to one weight.

    Attributes
    ----------
    weight
        The weight's id.
    old, new
        Its value before and after the update.
    grad
        The gradient the optimizer used (dL/dw, after clipping if the trainer clips).
    state_before, state_after
        The optimizer's per-weight state (velocity, m, v, ...) by slot name.
    lines
        The update rule, one statement a line, with the real numbers.
    refused
        The update would make a value non-finite: the trainer refuses it (and stops).
    """

    weight: str
    old: float
    new: float
    grad: float
    state_before: Mapping[str, float]
    state_after: Mapping[str, float]
    lines: tuple[str, ...]
    refused: bool = False

    @property
    def step(self) -> float:
        """The change ``new - old``."""
        return self.new - self.old


@dataclass(frozen=True)
class StepPosition:
    """One position of a step: the partial picture and what happens at it.

    Attributes
    ----------
    index
        Position in the plan, from 0.
    phase
        ``forward``, ``backward`` or ``update``.
    node
        The active node: the one computed (forward), the consumer whose local derivative
        is applied (backward), the weight updated (update).
    inputs
        The active node's operands (marked on the graph).
    edge
        The edge the chain rule is applied along (backward), else ``None``.
    receiver
        The node whose gradient grows at this position (backward), else ``None``.
    values
        Node id -> value, for the nodes computed so far.
    grads
        Node id -> dL/d(node), for the nodes whose gradient has received something.
    weights
        Weight id -> new value, for the weights updated so far.
    text
        The arithmetic with the real numbers (for the active edge or node), one or more
        lines.
    caption
        One line in plain words.
    backward
        The engine's chain-rule step (backward positions after the first).
    update
        The weight's update (update positions).
    """

    index: int
    phase: Phase
    node: str
    inputs: tuple[str, ...]
    edge: Edge | None
    receiver: str | None
    values: Mapping[str, float]
    grads: Mapping[str, float]
    weights: Mapping[str, float]
    text: str
    caption: str
    backward: BackwardStep | None = None
    update: WeightUpdate | None = None


_EMPTY: Mapping[str, float] = MappingProxyType({})


class _Prefix(Mapping[str, float]):
    """The first ``n`` of ``pairs`` as a read-only mapping, built when first read: a plan
    holds one per position, and copying them all would cost the square of the graph's
    size."""

    def __init__(self, pairs: Sequence[tuple[str, float]], n: int,
                 start: Mapping[str, float] = _EMPTY) -> None:
        self._pairs = pairs
        self._n = n
        self._start = start
        self._built: dict[str, float] | None = None

    def _dict(self) -> dict[str, float]:
        if self._built is None:
            built = dict(self._start)
            # Later pairs overwrite earlier ones: the running sum of a gradient.
            built.update(self._pairs[:self._n])
            self._built = built
        return self._built

    def __getitem__(self, key: str) -> float:
        return self._dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict())

    def __len__(self) -> int:
        return len(self._dict())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._dict()!r})"


class StepPlan:
    """Every position of one training step on one sample.

    Parameters
    ----------
    trace
        The engine's trace of the sample at the weights before the step.
    optimizer
        The trainer's optimizer, in its state before the step (it is copied, never
        changed).
    update_grads
        The gradients the optimizer receives, in ``graph.weights`` order (default: the
        trace's; pass clipped ones when the trainer clips).
    sample
        The dataset row, for captions.

    Attributes
    ----------
    positions
        Every position, in order.
    new_weights
        The weights after the update, in ``graph.weights`` order (``None`` if the
        update is refused).
    """

    def __init__(self, trace: Trace, optimizer: Optimizer, *,
                 update_grads: Sequence[float] | None = None,
                 sample: int | None = None) -> None:
        self.trace = trace
        self.graph: Graph = trace.graph
        self.sample = sample
        self.optimizer_title = optimizer.title
        positions: list[StepPosition] = []
        self._forward(positions)
        self._backward(positions)
        grads = (trace.weight_grads.tolist() if update_grads is None
                 else [float(g) for g in update_grads])
        if len(grads) != len(self.graph.weights):
            raise ValueError(f"{len(self.graph.weights)} weights need as many gradients, "
                             f"got {len(grads)}")
        self.new_weights: np.ndarray | None = self._update(positions, optimizer, grads)
        self.positions: tuple[StepPosition, ...] = tuple(positions)
        self._ranges = {phase: range(min(indices), max(indices) + 1)
                        for phase in PHASES
                        if (indices := [p.index for p in positions if p.phase == phase])}

    # -- building -----------------------------------------------------------------------

    def _forward(self, positions: list[StepPosition]) -> None:
        graph, values = self.graph, self.trace.values
        pairs = [(node_id, values[node_id]) for node_id in self.trace.forward_order]
        for count, node_id in enumerate(self.trace.forward_order, start=1):
            node = graph[node_id]
            value = values[node_id]
            label = name(node)
            if node.op is None:
                role = kind_words(node)
                where = "" if self.sample is None or node.kind not in ("input", "target") \
                    else f" of sample {self.sample}"
                text = f"{label} = {number(value)}"
                caption = f"{label}: {role}{where}, {number(value)}"
            else:
                row = graph.op_of(node_id)
                with_names = forward_words(row, operand_names(graph, node), node.param)
                with_numbers = forward_numbers(row, operand_values(values, node), node.param)
                # An automatic name is the op applied to its operands' names: say it once.
                same = with_names.replace(" ", "") == label.replace(" ", "")
                text = (f"{label} = {with_numbers} = {number(value)}" if same else
                        f"{label} = {with_names} = {with_numbers} = {number(value)}")
                if with_numbers.replace(" ", "") == label.replace(" ", ""):
                    text = f"{label} = {number(value)}"  # of constants: exp(2) = 7.389
                caption = f"{label}: {with_numbers} = {number(value)}"
            positions.append(StepPosition(
                index=len(positions), phase="forward", node=node_id, inputs=node.inputs,
                edge=None, receiver=None, values=_Prefix(pairs, count), grads=_EMPTY,
                weights=_EMPTY, text=text, caption=caption))

    def _backward(self, positions: list[StepPosition]) -> None:
        graph, trace = self.graph, self.trace
        loss = graph.loss
        grads: dict[str, float] = {loss: 1.0}
        seed: Mapping[str, float] = MappingProxyType({loss: 1.0})
        received_pairs = [(s.operand, s.accumulated) for s in trace.steps]
        self._final_grads = _Prefix(received_pairs, len(received_pairs), seed)
        loss_name = name(graph[loss])
        positions.append(StepPosition(
            index=len(positions), phase="backward", node=loss, inputs=graph[loss].inputs,
            edge=None, receiver=loss, values=trace.values, grads=seed,
            weights=_EMPTY, text=f"∂{loss_name}/∂{loss_name} = 1",
            caption=f"The backward pass starts at the loss: ∂{loss_name}/∂{loss_name} = 1"))
        uses = {node_id: len(graph.consumers(node_id)) for node_id in graph.order}
        received: dict[str, int] = {}
        for step in trace.steps:
            consumer, operand = graph[step.node], graph[step.operand]
            u, v = name(consumer), name(operand)
            before = grads.get(step.operand)
            grads[step.operand] = step.accumulated
            received[step.operand] = received.get(step.operand, 0) + 1
            row = graph.op_of(step.node)
            names = operand_names(graph, consumer)
            rule = derivative_numbers(row, step.arg, operand_values(trace.values, consumer),
                                      consumer.param)
            up, local, contribution = (number(step.upstream), number(step.local),
                                       number(step.contribution))
            if step.node == loss:
                # The loss's own derivative: ∂L/∂L = 1 is no factor worth writing, and
                # ∂L/∂X = ∂L/∂L · ∂L/∂X would name X in terms of itself.
                in_names = derivative_words(row, step.arg, names, consumer.param)
                # A constant rule (the 1 and −1 of a difference) is said once, not
                # "= 1 = 1 = 1".
                pieces: list[str] = []
                for piece in (in_names, rule, contribution):
                    if not pieces or pieces[-1].replace(" ", "") != piece.replace(" ", ""):
                        pieces.append(piece)
                lines = [f"∂{loss_name}/∂{d(v)} = {' = '.join(pieces)}"]
            else:
                lines = [f"∂{loss_name}/∂{d(v)} = ∂{loss_name}/∂{d(u)} · ∂{d(u)}/∂{d(v)} = "
                         f"{factor(up)} · {factor(local)} = {contribution}"]
            # A rule that is just an operand (b for a·b) reads better with names,
            # ∂(part_3·w9)/∂w9 = part_3, and a constant (1, p) needs no words before its
            # number; the tree says which it is.
            tree = row.derivative_in_operands(step.arg)
            if isinstance(tree, Var) and tree.name in row.args:
                in_names = derivative_words(row, step.arg, names, consumer.param)
                rule = f"∂{d(u)}/∂{d(v)} = {in_names}"
            elif isinstance(tree, Num | Var):
                rule = f"∂{d(u)}/∂{d(v)}"
            else:
                rule = f"∂{d(u)}/∂{d(v)} = {rule}"
            caption = f"{u}: {rule} = {local}; upstream {up}; gradient {contribution}"
            if before is not None:
                total = (f"{number(before)} + {factor(contribution)} = "
                         f"{number(step.accumulated)}")
                lines.append(f"∂{loss_name}/∂{d(v)} = {total}")
                count = received[step.operand]
                caption += (f"; {v} feeds {uses[step.operand]} places, so its gradient is "
                            f"the sum: {total}" if count == 2 else f"; running sum {total}")
            positions.append(StepPosition(
                index=len(positions), phase="backward", node=step.node,
                inputs=consumer.inputs, edge=step.edge, receiver=step.operand,
                values=trace.values, grads=_Prefix(received_pairs, step.index + 1, seed),
                weights=_EMPTY,
                text="\n".join(lines), caption=caption, backward=step))

    def _update(self, positions: list[StepPosition], optimizer: Optimizer,
                grads: list[float]) -> np.ndarray | None:
        graph, trace = self.graph, self.trace
        weights = [trace.values[w] for w in graph.weights]
        if not graph.weights:
            return np.array([])
        state_before = optimizer.state()
        twin = optimizer.copy()
        new = list(weights)
        applied = twin.try_update(new, grads)
        if applied:
            state_after = twin.state()
        else:
            rejected = twin.rejected_update()
            if rejected is None:  # an exception inside the rule: nothing to show
                return None
            new = rejected["weights"].tolist()
            state_after = {key: value for key, value in rejected.items() if key != "weights"}
        prelude = _prelude_values(optimizer, int(state_before.get("t", np.array([0]))[0]))
        new_pairs = [(weight, float(new[i])) for i, weight in enumerate(graph.weights)]
        for i, weight in enumerate(graph.weights):
            before = {slot: float(state_before[slot][i]) for slot in optimizer.slots}
            after = {slot: float(state_after[slot][i]) for slot in optimizer.slots}
            update = WeightUpdate(
                weight=weight, old=weights[i], new=float(new[i]), grad=grads[i],
                state_before=MappingProxyType(before), state_after=MappingProxyType(after),
                lines=_rule_lines(optimizer, name(graph[weight]), weights[i], float(new[i]),
                                  grads[i], before, after, prelude),
                refused=not applied)
            label = name(graph[weight])
            # Six digits: a small step must show in the new value.
            caption = (f"{label}: {optimizer.title} step {number(update.step)}: "
                       f"{number(update.old, WEIGHT_DIGITS)} → "
                       f"{number(update.new, WEIGHT_DIGITS)}")
            if update.refused:
                caption = (f"{label}: {number(update.old)} would become "
                           f"{number(update.new)}; the {optimizer.title} update is refused "
                           "as a whole, because it is not finite, and training stops")
            positions.append(StepPosition(
                index=len(positions), phase="update", node=weight, inputs=(), edge=None,
                receiver=None, values=trace.values, grads=self._final_grads,
                weights=_Prefix(new_pairs, i + 1), text="\n".join(update.lines),
                caption=caption,
                update=update))
        return np.array(new) if applied else None

    # -- queries ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.positions)

    def __getitem__(self, index: int) -> StepPosition:
        return self.positions[index]

    def phase_range(self, phase: Phase) -> range:
        """The positions of one phase (empty if the plan has none of it)."""
        return self._ranges.get(phase, range(0))

    def forward_nodes(self) -> tuple[str, ...]:
        """The nodes of the forward positions, in order."""
        return tuple(self.positions[i].node for i in self.phase_range("forward"))

    def backward_steps(self) -> tuple[BackwardStep, ...]:
        """The chain-rule steps of the backward positions, in order."""
        return tuple(p.backward for p in self.positions if p.backward is not None)

    def position_of(self, phase: Phase, node: str) -> int | None:
        """The first position of ``phase`` whose active node (or, backward, whose
        receiving node) is ``node``."""
        for i in self.phase_range(phase):
            position = self.positions[i]
            if node in (position.node, position.receiver):
                return i
        return None

    def first_nonfinite(self) -> int | None:
        """The first position where a value or gradient becomes nan or infinite (a
        forward value, else a backward contribution or sum), or ``None``."""
        for position in self.positions:
            if position.phase == "forward":
                if not math.isfinite(position.values[position.node]):
                    return position.index
            elif position.backward is not None:
                step = position.backward
                if not (math.isfinite(step.contribution) and math.isfinite(step.accumulated)):
                    return position.index
        return None


def factor(text: str) -> str:
    """A number as a factor of a product: negative ones in parentheses."""
    return f"({text})" if text.startswith(MINUS) else text


def _value(expr: Expr, values: Mapping[str, float]) -> float:
    """``expr`` on ``values`` as the optimizer's generated code computes it (the tree walk
    is equal to it bit for bit); nan where that code raises (an overflow, a domain error),
    as it then refuses the update."""
    try:
        result = evaluate(expr, values)
    except SCALAR_ERRORS:
        return math.nan
    return result if isinstance(result, float) else math.nan  # a complex power


def _prelude_values(optimizer: Optimizer, count: int) -> dict[str, float]:
    """The values the update's once-per-step statements compute (Adam's bias
    corrections ``bc1``, ``bc2``), with ``t`` the count after this update."""
    values: dict[str, float] = {"t": float(count + 1), **optimizer.values}
    for statement in optimizer.per_step:
        values[statement.target] = _value(statement.expr, values)
    return {key: value for key, value in values.items() if key not in optimizer.values}


#: Significant digits of a weight's value in the update's lines, old and new alike: the
#: old one as coarse as the step (1.235 − 1e−5·(−1.083) = 1.23458) would not add up.
WEIGHT_DIGITS = 6


def _statement_line(label: str, expr: Expr, values: Mapping[str, float], result: float,
                    digits: int = 4) -> str:
    texts = {key: number(value, WEIGHT_DIGITS if key == "w" else 4)
             for key, value in values.items()}
    return f"{label} = {words(expr, texts)} = {number(result, digits)}"


def _rule_lines(optimizer: Optimizer, weight_name: str, old: float, new: float, grad: float,
                before: Mapping[str, float], after: Mapping[str, float],
                prelude: Mapping[str, float]) -> tuple[str, ...]:
    """The optimizer's rule for one weight, a statement a line, with the numbers (its own
    statement trees, every variable's value filled in): each statement reads the values
    the earlier ones set, as the generated code does.  A weight's and a state's new value
    is the optimizer's own; a value the rule only uses on the way (Lion's ``c``) is
    computed from the tree."""
    values: dict[str, float] = {**optimizer.values, **prelude, "w": old, "g": grad, **before}
    results: dict[str, float] = {"w": new, **after}
    lines = []
    if optimizer.per_step:
        shown = {**optimizer.values, "t": prelude["t"]}
        for statement in optimizer.per_step:
            lines.append(_statement_line(statement.target, statement.expr, shown,
                                         prelude[statement.target]))
            shown[statement.target] = prelude[statement.target]
    # A weight's or a state's last assignment is the optimizer's own number.
    last = {statement.target: i for i, statement in enumerate(optimizer.update_rule)}
    for i, statement in enumerate(optimizer.update_rule):
        key = statement.target
        own = key in results and last[key] == i
        result = results[key] if own else _value(statement.expr, values)
        label = weight_name if key == "w" else f"{key}[{weight_name}]"
        lines.append(_statement_line(label, statement.expr, values, result,
                                     WEIGHT_DIGITS if key == "w" else 4))
        values[key] = result
    return tuple(lines)


class Stepper:
    """A cursor over a :class:`StepPlan`.

    Parameters
    ----------
    plan
        The positions to move through.
    index
        Where to start (default: the first position).
    """

    def __init__(self, plan: StepPlan, index: int = 0) -> None:
        self.plan = plan
        self.index = 0
        self.go(index)

    @property
    def position(self) -> StepPosition:
        return self.plan.positions[self.index]

    @property
    def at_end(self) -> bool:
        return self.index == len(self.plan) - 1

    def go(self, index: int) -> StepPosition:
        """Move to ``index`` (clamped to the plan)."""
        self.index = min(max(int(index), 0), len(self.plan) - 1)
        return self.position

    def forward(self) -> StepPosition:
        """One position on."""
        return self.go(self.index + 1)

    def back(self) -> StepPosition:
        """One position back."""
        return self.go(self.index - 1)

    def start_of_pass(self) -> StepPosition:
        """The first position of the current phase; from there, of the previous one."""
        span = self.plan.phase_range(self.position.phase)
        if self.index == span.start and self.index > 0:
            span = self.plan.phase_range(self.plan.positions[self.index - 1].phase)
        return self.go(span.start)

    def end_of_pass(self) -> StepPosition:
        """The last position of the current phase; from there, of the next one."""
        span = self.plan.phase_range(self.position.phase)
        if self.index == span.stop - 1 and not self.at_end:
            span = self.plan.phase_range(self.plan.positions[self.index + 1].phase)
        return self.go(span.stop - 1)

    def finish_phase(self) -> StepPosition:
        """Complete the current phase: the first position of the next one (the last
        position when this is the last phase)."""
        span = self.plan.phase_range(self.position.phase)
        return self.go(span.stop)


def plan_next_step(trainer: Trainer) -> StepPlan:
    """The plan of the step ``trainer`` takes next: its cursor's sample at its current
    weights, its optimizer in its current state, the gradients clipped as it clips them.
    After a divergence, the step that diverged."""
    trace = trainer.trace()
    grads: Sequence[float] = trace.weight_grads.tolist()
    if trainer.clip_value is not None or trainer.clip_norm is not None:
        grads = clip_gradients(grads, trainer.clip_value, trainer.clip_norm)
    return StepPlan(trace, trainer.optimizer, update_grads=grads, sample=trainer.cursor.sample)
