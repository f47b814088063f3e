"""The stepper: one training step node by node, with the engine's numbers."""

import math
import re

import numpy as np
import pytest

from core.autodiff.engine import evaluate
from core.autodiff.formula import parse_formula
from core.data.datasets import builtin_dataset
from core.debugger.stepper import Stepper, StepPlan, factor, plan_next_step
from core.debugger.wording import number
from core.presets import PRESETS
from core.training.optimizers import OPTIMIZERS, make_optimizer
from core.training.trainer import Trainer
from tests.seed_reference import seed_gradients

#: Internal ids a person must never read (mul8, add1, tanh1, y_pred, residual).
INTERNAL_ID = re.compile(r"\b(?:add|sub|mul|div|neg|square|pow|exp|log|sqrt|tanh|sin|cos|"
                         r"sigmoid|relu|abs|c)\d+\b|y_pred|residual")


@pytest.fixture(scope="module")
def seed():
    return PRESETS["seed"].build()


@pytest.fixture(scope="module")
def data():
    return builtin_dataset()


def seed_plan(seed, data, optimizer="sgd", steps=0, **values):
    trainer = Trainer(seed, data, make_optimizer(optimizer, 9, **values), epochs=2)
    trainer.run(steps)
    return trainer, plan_next_step(trainer)


def test_stepping_order_is_the_engines_forward_then_backward_then_update(seed, data):
    trainer, plan = seed_plan(seed, data)
    trace = trainer.trace()
    assert plan.forward_nodes() == trace.forward_order
    assert plan.backward_steps() == trace.steps
    updates = [p.node for p in plan.positions if p.phase == "update"]
    assert updates == list(seed.weights)
    phases = [p.phase for p in plan.positions]
    assert phases == sorted(phases, key=["forward", "backward", "update"].index)
    # The backward pass opens with dL/dL = 1, then one position per chain-rule step.
    first = plan.positions[plan.phase_range("backward").start]
    assert first.node == seed.loss and first.edge is None and first.grads == {seed.loss: 1.0}
    assert len(plan) == len(trace.forward_order) + 1 + len(trace.steps) + len(seed.weights)


def test_stepping_back_visits_the_same_positions_in_reverse(seed, data):
    _, plan = seed_plan(seed, data)
    stepper = Stepper(plan)
    ahead = [stepper.position]
    while not stepper.at_end:
        ahead.append(stepper.forward())
    back = [stepper.position]
    while stepper.index > 0:
        back.append(stepper.back())
    assert back == ahead[::-1]
    assert [p.index for p in ahead] == list(range(len(plan)))


def test_forward_positions_show_only_the_nodes_computed_so_far(seed, data):
    trainer, plan = seed_plan(seed, data)
    trace = trainer.trace()
    for i in plan.phase_range("forward"):
        position = plan.positions[i]
        assert list(position.values) == list(trace.forward_order[:i + 1])
        assert all(position.values[n] == trace.values[n] for n in position.values)
        assert position.grads == {}
        assert position.inputs == seed[position.node].inputs


def test_backward_positions_hold_the_gradients_accumulated_so_far(seed, data):
    trainer, plan = seed_plan(seed, data, steps=5)
    trace = trainer.trace()
    for position in plan.positions:
        step = position.backward
        if step is None:
            continue
        assert position.grads[step.operand] == step.accumulated
        assert position.edge == step.edge and position.receiver == step.operand
        # A node receives a gradient only when a step along one of its edges is applied.
        received = {s.operand for s in trace.steps[:step.index + 1]} | {seed.loss}
        assert set(position.grads) == received
    last = plan.positions[plan.phase_range("backward").stop - 1]
    assert dict(last.grads) == {n: trace.grads[n] for n in last.grads}
    for i, w in enumerate(seed.weights):
        assert last.grads[w] == trace.weight_grads[i]


def test_chain_rule_text_shows_the_engines_numbers(seed, data):
    trainer, plan = seed_plan(seed, data, steps=3)
    x, y = data.row(trainer.cursor.sample)
    by_hand = seed_gradients(x, y, trainer.weights)
    for position in plan.positions:
        step = position.backward
        if step is None:
            continue
        first = position.text.splitlines()[0]
        for quantity in (step.upstream, step.local, step.contribution):
            assert number(abs(quantity)) in first
        assert "upstream " + number(step.upstream) in position.caption
        assert "gradient " + number(step.contribution) in position.caption
    # And the engine's numbers are the right ones: the gradients derived on paper.
    final = plan.positions[plan.phase_range("backward").stop - 1].grads
    np.testing.assert_allclose([final[w] for w in seed.weights], by_hand, rtol=1e-9)


def test_tanh_step_caption_reads_the_rule_with_numbers(seed, data):
    trainer, plan = seed_plan(seed, data)
    trace = trainer.trace()
    index = next(i for i, p in enumerate(plan.positions)
                 if p.backward is not None and p.node == "tanh1")
    position = plan.positions[index]
    x = trace.values["add3"]
    local = 1.0 - math.tanh(x) ** 2
    assert position.backward.local == pytest.approx(local, rel=1e-12)
    assert position.caption.startswith(f"part_2: ∂part_2/∂(part_1+w7) = 1 − tanh²({number(x)}) "
                                       f"= {number(local)}; "
                                       f"upstream {number(trace.grads['tanh1'])}")


def test_a_node_used_twice_shows_the_running_sum(seed, data):
    trainer, plan = seed_plan(seed, data)
    trace = trainer.trace()
    # The seed squares the sum w1*x1 + w2*x2 as a product of the one node with itself.
    steps = [p for p in plan.positions if p.backward is not None
             and p.backward.operand == "add1"]
    assert len(steps) == 2
    first, second = (p.backward for p in steps)
    assert steps[1].grads["add1"] == first.contribution + second.contribution
    assert steps[1].grads["add1"] == trace.grads["add1"]
    running = (f"∂L/∂(w1·x1+w2·x2) = {number(first.contribution)} + "
               f"{factor(number(second.contribution))} = {number(trace.grads['add1'])}")
    assert steps[1].text.splitlines()[1] == running
    assert "sum" in steps[1].caption
    assert len(steps[0].text.splitlines()) == 1

@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_the_update_phase_equals_step_sample_exactly(seed, data, optimizer):
    trainer, plan = seed_plan(seed, data, optimizer, steps=7)
    state_before = trainer.optimizer.state()
    result = trainer.step_sample()
    assert plan.new_weights is not None
    assert plan.new_weights.tolist() == result.weights.tolist()
    updates = [p.update for p in plan.positions if p.update is not None]
    for i, update in enumerate(updates):
        assert update.old == result.weights_before[i]
        assert update.new == result.weights[i]
        assert update.grad == result.grads[i]
        for slot, after in update.state_after.items():
            assert after == result.optimizer_state[slot][i]
            assert update.state_before[slot] == state_before[slot][i]
        assert update.step == update.new - update.old
        assert update.lines[-1].endswith(f"= {number(update.new, 6)}")


def test_planning_never_changes_the_optimizer(seed, data):
    trainer, _ = seed_plan(seed, data, "adam", steps=3)
    before = trainer.optimizer.state()
    plan_next_step(trainer)
    after = trainer.optimizer.state()
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_clipped_gradients_are_planned_as_the_trainer_clips_them(seed, data):
    trainer = Trainer(seed, data, make_optimizer("sgd", 9, lr=0.5), clip_norm=0.01)
    plan = plan_next_step(trainer)
    assert plan.new_weights.tolist() == trainer.step_sample().weights.tolist()


def test_update_text_writes_the_rule_with_numbers(seed, data):
    _, plan = seed_plan(seed, data, "momentum", steps=2, lr=0.05, gamma=0.5)
    update = plan.positions[-1].update
    assert update.weight == "w9"
    velocity, step = update.lines
    assert velocity.startswith("velocity[w9] = 0.5·")
    assert "+ 0.05·" in velocity
    assert velocity.endswith(number(update.state_after["velocity"]))
    assert step.startswith(f"w9 = {number(update.old, 6)} − ")


def test_stepper_moves_by_node_by_pass_and_by_phase(seed, data):
    _, plan = seed_plan(seed, data)
    forward, backward, update = (plan.phase_range(p) for p in ("forward", "backward", "update"))
    stepper = Stepper(plan)
    assert stepper.back().index == 0
    assert stepper.forward().index == 1
    assert stepper.end_of_pass().index == forward.stop - 1
    assert stepper.end_of_pass().index == backward.stop - 1  # again: the next pass's end
    assert stepper.start_of_pass().index == backward.start
    assert stepper.start_of_pass().index == forward.start
    assert stepper.finish_phase().index == backward.start
    assert stepper.finish_phase().index == update.start
    assert stepper.finish_phase().index == len(plan) - 1
    assert stepper.at_end
    assert stepper.forward().index == len(plan) - 1
    assert Stepper(plan, 10_000).at_end


def test_what_people_read_never_names_internal_ids(seed, data):
    _, plan = seed_plan(seed, data, "adam")
    for position in plan.positions:
        for text in (position.text, position.caption):
            assert not INTERNAL_ID.search(text), text


def test_forward_text_applies_the_op_to_names_and_numbers(seed, data):
    trainer, plan = seed_plan(seed, data)
    trace = trainer.trace()
    position = plan.positions[plan.position_of("forward", "mul1")]
    w1, x1 = trace.values["w1"], trace.values["x1"]
    # The name is the op on its operands' names: said once.
    assert position.text.startswith(f"w1·x1 = {number(w1)}·")
    val = plan.positions[plan.position_of("forward", "add2")]
    assert val.text.startswith("val = #4 + w6 = ")
    assert position.text.endswith(f"= {number(w1 * x1)}")
    loss = plan.positions[plan.position_of("forward", "loss")]
    assert loss.text.startswith("L = (y−y')² = ")


def test_plans_work_on_any_formula():
    graph = parse_formula("log(a*x1 + 3) / (b - x2) + sqrt(c*c + 1)")
    trace = evaluate(graph, [0.5, -0.25], 1.0, [0.2, 0.3, 0.4])
    plan = StepPlan(trace, make_optimizer("rmsprop", 3))
    assert plan.forward_nodes() == trace.forward_order
    assert plan.new_weights is not None
    for position in plan.positions:
        assert not INTERNAL_ID.search(position.text + position.caption)


# -- names: what every caption and note calls a node ------------------------------------

#: After ∂: a parenthesized name, or a name up to the fraction bar, a space or the end.
_PARTIAL = re.compile(r"∂(\((?:[^()]|\([^()]*\))*\)|[^\s/()·]+(?:\([^()]*\))?)")


def _all_positions():
    data = builtin_dataset()
    for preset in PRESETS:
        graph = PRESETS[preset].build()
        trainer = Trainer(graph, data, make_optimizer("adam", len(graph.weights)), epochs=1)
        yield preset, graph, plan_next_step(trainer)


def _bare(name):
    return name[1:-1] if name.startswith("(") and name.endswith(")") else name


@pytest.fixture(scope="module")
def every_plan():
    return list(_all_positions())


def test_every_plan_covers_the_seed_and_the_presets(every_plan):
    assert {preset for preset, _, _ in every_plan} == set(PRESETS)
    seed_plan_ = next(plan for preset, _, plan in every_plan if preset == "seed")
    assert len(seed_plan_.phase_range("backward")) == 36


def test_every_caption_and_note_names_nodes_by_their_graph_names(every_plan):
    for preset, graph, plan in every_plan:
        names = set(graph.names().values())
        symbols = {node.label for node in graph
                   if node.op is not None and node.label not in names}
        assert symbols, preset  # the check below has something to look for
        for position in plan.positions:
            node_name = graph[position.node].name
            # The caption opens with the active node's name.
            assert position.caption.startswith((f"{node_name}: ", "The backward pass")), \
                (preset, position.caption)
            for text in (position.caption, position.text):
                for term in _PARTIAL.findall(text):
                    assert _bare(term) in names, (preset, term, text)
                # No bare op symbol where a node is meant: as the subject, after ∂, or
                # as an operand of a rule in names (∂×/∂sin = + was the old text).
                for symbol in symbols:
                    quoted = re.escape(symbol)
                    assert not re.search(rf"(^|[∂(]){quoted}([:/)]|$)", text), \
                        (preset, symbol, text)
                    assert not re.search(rf"= {quoted} =", text), (preset, symbol, text)
            if position.phase == "backward" and position.receiver is not None:
                assert graph[position.receiver].name in position.text.splitlines()[0]


def test_no_note_names_a_node_in_terms_of_itself(every_plan):
    for preset, _, plan in every_plan:
        for i in plan.phase_range("backward"):
            position = plan.positions[i]
            for line in position.text.splitlines():
                left, _, right = line.partition(" = ")
                assert right, line
                # ∂L/∂X = ∂L/∂L · ∂L/∂X (the old note on the loss) or ∂L/∂X = ∂L/∂X · …
                assert left not in right, (preset, line)
                if right.startswith("∂"):  # ∂L/∂X = ∂L/∂U · ∂U/∂X: U is not X
                    upstream = _PARTIAL.findall(right.split(" · ")[0])
                    assert _bare(upstream[-1]) != _bare(_PARTIAL.findall(left)[-1]), line


def test_the_notes_read_like_the_notebook(seed, data):
    _, plan = seed_plan(seed, data)
    start = plan.phase_range("backward").start
    note = plan.positions[start + 11].text
    assert note.startswith("∂L/∂v1 = ∂L/∂(v1·v2) · ∂(v1·v2)/∂v1 = ")
    loss_step = plan.positions[start + 1]
    assert loss_step.text.startswith("∂L/∂(y−y') = 2·(y−y') = 2·")
    assert plan.positions[start + 6].caption.startswith(
        "part_3·w9: ∂(part_3·w9)/∂part_3 = w9 = ")


def test_a_power_s_name_after_the_partial_sign_is_in_parentheses():
    # ∂(b·x2)³ read as (∂(b·x2))³, ∂x1⁻¹ as (∂x1)⁻¹.
    graph = parse_formula("(b*x2)**3 + x1**-1 + c**2")
    plan = StepPlan(evaluate(graph, [0.5, -2.0], 1.0, [0.7, 0.3]), make_optimizer("sgd", 2))
    text = "\n".join(p.text + "\n" + p.caption for p in plan.positions)
    assert "∂((b·x2)³)/∂(b·x2)" in text
    assert "∂(x1⁻¹)/∂x1" in text
    assert "∂(c²)/∂c" in text
    assert not re.search(r"∂[^(\s/]*[²³⁻¹]", text)


def test_the_loss_s_constant_derivatives_are_said_once():
    # Cross-entropy's L = softplus(y') − y·y': the loss's own step read
    # "∂L/∂softplus(y') = 1 = 1 = 1" and "∂L/∂(y·y') = −1 = −1 = −1".
    from core.autodiff.losses import with_loss

    graph = with_loss(parse_formula("a*x1 + b"), "bce")
    plan = StepPlan(evaluate(graph, [0.5], 1.0, [0.7, 0.7]), make_optimizer("sgd", 2))
    texts = [p.text for p in plan.positions if p.backward is not None
             and p.backward.node == graph.loss]
    assert texts == ["∂L/∂softplus(y') = 1", "∂L/∂(y·y') = −1"]


def test_an_op_of_constants_is_written_once_with_its_value():
    # "2·3 = 2·3 = 6", "exp(2) = exp(2) = 7.389": the name is already the arithmetic.
    graph = parse_formula("a*x1 + 2*3 + exp(2)")
    plan = StepPlan(evaluate(graph, [0.5], 1.0, [0.7]), make_optimizer("sgd", 1))
    texts = {p.text for p in plan.positions if p.phase == "forward"}
    assert {"2·3 = 6", "exp(2) = 7.389", "a·x1 = 0.7·0.5 = 0.35"} <= texts
