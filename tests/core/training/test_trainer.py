"""The trainer: trajectories against an independent implementation, divergence, snapshots,
bounded history, and the stepping API the window relies on."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

import core.training.trainer as trainer_module
from core.autodiff.engine import InputError, evaluate
from core.autodiff.formula import parse_formula
from core.presets import PRESETS
from core.training.initial_weights import initial_weights
from core.training.optimizers import HyperparameterError, make_optimizer
from core.training.trainer import Cursor, Trainer, TrainingFinishedError, clip_gradients
from tests.seed_reference import seed_forward, seed_gradients

SEED = PRESETS["seed"].build()
TEACHER = [1.0] * 9


def seed_data(n=60, seed=1, teacher=TEACHER):
    """Standardized features and the seed graph's output for ``teacher`` weights, as the
    course's data is made."""
    X = np.random.default_rng(seed).normal(size=(n, 5))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = np.array([seed_forward(x, 0.0, teacher)["y_pred"] for x in X])
    return SimpleNamespace(X=X, y=y)


DATA = seed_data()


def make(name="sgd", data=DATA, graph=SEED, **kwargs):
    values = {k: kwargs.pop(k) for k in list(kwargs) if k in
              {"lr", "gamma", "beta1", "beta2", "eps", "rho", "weight_decay"}}
    return Trainer(graph, data, make_optimizer(name, len(graph.weights), **values), **kwargs)


# -- an independent implementation, written from the formulas -----------------------------


def reference_run(name, X, y, w0, epochs, lr=0.01, gamma=0.9, beta1=0.9, beta2=0.99,
                  eps=1e-7):
    w = np.array(w0, dtype=float)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    t = 0
    weights, losses, epoch_loss = [], [], []
    for _ in range(epochs):
        epoch = []
        for x, target in zip(X, y, strict=True):
            loss = seed_forward(x, target, w)["loss"]
            g = np.array(seed_gradients(x, target, w))
            if name == "sgd":
                w = w - lr * g
            elif name == "momentum":
                v = gamma * v + lr * g
                w = w - v
            elif name == "adam":
                t += 1
                m = beta1 * m + (1 - beta1) * g
                v = beta2 * v + (1 - beta2) * g * g
                m_hat = m / (1 - beta1**t)
                v_hat = v / (1 - beta2**t)
                w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
            weights.append(w)
            epoch.append(loss)
        losses.extend(epoch)
        epoch_loss.append(np.mean(epoch))
    return np.array(weights), np.array(losses), np.array(epoch_loss)


@pytest.mark.parametrize(("name", "values"), [
    ("sgd", {"lr": 0.05}),
    ("momentum", {"lr": 0.01, "gamma": 0.9}),
    ("adam", {"lr": 0.01, "beta1": 0.9, "beta2": 0.99, "eps": 1e-7}),
])
def test_trajectory_equals_an_independent_implementation(name, values):
    trainer = make(name, epochs=5, seed=3, **values)
    result = trainer.run_to_end()
    weights, losses, epoch_loss = reference_run(name, DATA.X, DATA.y,
                                                initial_weights(9, 3), 5, **values)
    assert trainer.history.n_steps == len(weights) == 300
    np.testing.assert_allclose(trainer.history.weights(), weights, rtol=0, atol=1e-10)
    np.testing.assert_allclose(trainer.history.sample_loss(), losses, rtol=0, atol=1e-10)
    np.testing.assert_allclose(trainer.history.epoch_loss(), epoch_loss, rtol=1e-12)
    np.testing.assert_allclose(result.weights, weights[-1], rtol=0, atol=1e-10)
    assert result.finished and result.epoch_loss == pytest.approx(epoch_loss[-1], rel=1e-12)
    # The weights really moved: the comparison is not trivially true.
    assert np.abs(weights[-1] - weights[0]).max() > 0.01


def test_history_gradients_are_the_samples_gradients_before_each_update():
    trainer = make("momentum", epochs=1)
    trainer.run(10)
    w = trainer.initial_weights
    for k in range(10):
        expected = seed_gradients(DATA.X[k], DATA.y[k], w)
        np.testing.assert_allclose(trainer.history.grads()[k], expected, atol=1e-12)
        w = trainer.history.weights()[k]
    np.testing.assert_array_equal(trainer.history.steps(), np.arange(10))


def test_loss_decreases_on_data_made_by_the_seed_graph():
    trainer = make("momentum", data=seed_data(n=200), epochs=10)
    before = trainer.dataset_loss()
    trainer.run_to_end()
    epoch_loss = trainer.history.epoch_loss()
    assert epoch_loss.shape == (10,)
    assert epoch_loss[-1] < 0.2 * epoch_loss[0]
    assert trainer.dataset_loss() < 0.2 * before


def test_initial_weights_are_the_notebooks_draw():
    trainer = make(seed=7)
    np.testing.assert_array_equal(trainer.initial_weights,
                                  np.random.default_rng(7).normal(0, 0.01, 9))
    np.testing.assert_array_equal(trainer.weights, trainer.initial_weights)


# -- divergence ----------------------------------------------------------------------------


def test_huge_learning_rate_diverges_at_the_exp_node():
    trainer = make("sgd", lr=1e6, epochs=2)
    result = trainer.run_to_end()
    problem = trainer.diverged
    assert problem is not None and result.diverged is problem
    assert (problem.node, problem.op, problem.quantity) == ("exp1", "exp", "value")
    assert math.isinf(problem.value)
    assert problem.step == 1 and problem.epoch == 0 and problem.sample == 1
    # Named by its one name, as the graph shows it (the formula's part_1 = exp(val)).
    assert problem.detail == "the value of part_1 became inf"
    # The trace is of the diverging sample at the weights before its update.
    assert math.isinf(problem.trace.values["exp1"])
    assert problem.trace.first_nonfinite().node == "exp1"
    np.testing.assert_array_equal(result.weights, result.weights_before)
    np.testing.assert_array_equal(trainer.weights, trainer.history.weights()[-1])
    retrace = evaluate(SEED, DATA.X[1], DATA.y[1], trainer.weights)
    assert math.isinf(retrace.values["exp1"])
    assert all(math.isfinite(v) for v in trainer.weights)
    # Training stopped there.
    assert trainer.finished and result.finished
    assert trainer.cursor == Cursor(epoch=0, position=1, sample=1, step=1)
    assert trainer.history.n_steps == 1 and trainer.history.n_epochs == 0
    with pytest.raises(TrainingFinishedError, match="diverged at step 1"):
        trainer.step_sample()
    assert trainer.run(5) is None


def test_weights_that_overflow_exp_diverge_on_the_first_step():
    w = initial_weights(9, 0)
    w[5] = 1000.0  # w6: exp(s^2 + w6) overflows
    trainer = make("adam", initial_weights=w)
    result = trainer.step_sample()
    assert result.diverged is not None
    assert (result.diverged.node, result.diverged.op, result.diverged.step) == ("exp1", "exp",
                                                                                 0)
    assert math.isinf(result.diverged.trace.values["exp1"])
    np.testing.assert_array_equal(trainer.weights, w)


def test_an_infinite_gradient_is_reported_as_a_gradient():
    # d sqrt(u)/du = 0.5 / sqrt(u) is infinite at u = w1 * x1 = 0, while every value is finite.
    graph = parse_formula("sqrt(w1*x1)")
    data = SimpleNamespace(X=np.ones((3, 1)), y=np.ones(3))
    trainer = make("sgd", data=data, graph=graph, initial_weights=[0.0])
    result = trainer.step_sample()
    problem = result.diverged
    assert (problem.node, problem.op, problem.quantity) == ("mul1", "mul", "gradient")
    assert problem.value == -math.inf and problem.step == 0
    assert result.loss == 1.0 and trainer.weights.tolist() == [0.0]


def test_an_update_that_would_overflow_a_weight_is_not_applied():
    graph = parse_formula("w1*x1 + w2")
    data = SimpleNamespace(X=np.ones((4, 1)), y=np.full(4, 3.0))
    trainer = make("sgd", data=data, graph=graph, lr=1e308, initial_weights=[0.0, 0.0])
    result = trainer.step_sample()
    problem = result.diverged
    assert problem is not None
    assert (problem.node, problem.op, problem.quantity) == ("w1", None, "value")
    assert problem.value == math.inf
    assert "not applied" in problem.detail
    assert result.weights.tolist() == [0.0, 0.0] == trainer.weights.tolist()
    assert result.loss == 9.0 and result.grads.tolist() == [-6.0, -6.0]


def test_divergence_in_the_middle_of_a_fast_run():
    # w <- w - lr * 2 w = -2 w: |w| doubles every step until the square of the residual
    # overflows: (2**512)**2 = 2**1024 is past the largest float, at step 512.
    graph = parse_formula("w1*x1")
    data = SimpleNamespace(X=np.ones((10, 1)), y=np.zeros(10))
    trainer = make("sgd", data=data, graph=graph, lr=1.5, epochs=100, initial_weights=[1.0])
    result = trainer.run_to_end()
    problem = result.diverged
    assert problem is not None and problem is trainer.diverged
    assert (problem.node, problem.op, problem.quantity) == ("loss", "square", "value")
    assert problem.step == 512 and problem.epoch == 51 and problem.sample == 2
    assert trainer.history.n_steps == problem.step == result.cursor.step
    assert trainer.history.epoch_loss().shape == (51,)
    assert trainer.weights.tolist() == [2.0**512]
    assert problem.trace.first_nonfinite().node == "loss"


# -- snapshots -------------------------------------------------------------------------------


def test_step_results_are_read_only_copies():
    trainer = make("adam")
    first = trainer.step_sample()
    saved = {name: getattr(first, name).copy() for name in ("weights_before", "weights",
                                                            "grads")}
    saved_state = {k: v.copy() for k, v in first.optimizer_state.items()}
    for array in (first.weights, first.weights_before, first.grads,
                  *first.optimizer_state.values()):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1.0
    with pytest.raises(TypeError):
        first.optimizer_state["m"] = np.zeros(9)  # type: ignore[index]
    trainer.run(100)
    trainer.reset()
    trainer.run(3)
    for name, value in saved.items():
        np.testing.assert_array_equal(getattr(first, name), value)
    for key, value in saved_state.items():
        np.testing.assert_array_equal(first.optimizer_state[key], value)
    assert first.cursor == Cursor(0, 0, 0, 0)
    assert first.optimizer_state["t"].tolist() == [1]
    # Properties hand out copies too.
    trainer.weights[0] = 99.0
    assert trainer.weights[0] != 99.0
    trainer.history.weights()  # views are read-only
    with pytest.raises(ValueError, match="read-only"):
        trainer.history.sample_loss()[0] = 1.0


def test_step_result_fields():
    trainer = make("momentum", epochs=2)
    first = trainer.step_sample()
    assert first.loss == pytest.approx(seed_forward(DATA.X[0], DATA.y[0],
                                                    first.weights_before)["loss"])
    np.testing.assert_allclose(first.grads, seed_gradients(DATA.X[0], DATA.y[0],
                                                           first.weights_before))
    np.testing.assert_allclose(first.weights, first.weights_before - 0.01 * first.grads)
    np.testing.assert_allclose(first.optimizer_state["velocity"], 0.01 * first.grads)
    assert first.epoch_loss is None and first.diverged is None and not first.finished
    assert trainer.cursor == Cursor(0, 1, 1, 1)
    end = trainer.step_epoch()
    assert end.cursor == Cursor(0, 59, 59, 59)
    assert end.epoch_loss == pytest.approx(float(np.mean(trainer.history.sample_loss())))
    assert trainer.cursor == Cursor(1, 0, 0, 60)
    last = trainer.step_epoch()
    assert last.finished and last.epoch_loss is not None
    assert trainer.cursor == Cursor(2, 0, 0, 120)
    with pytest.raises(TrainingFinishedError, match="finished after 2 epochs"):
        trainer.step_epoch()


# -- stepping API ----------------------------------------------------------------------------


def test_run_variants_agree_with_stepping_one_by_one():
    one = make("adam", epochs=2)
    for _ in range(120):
        one.step_sample()
    fast = make("adam", epochs=2)
    assert fast.run(50).cursor.step == 49
    assert fast.run(0) is None
    last = fast.run(10_000)
    assert last.cursor.step == 119 and last.finished
    timed = make("adam", epochs=2)
    while not timed.finished:
        assert timed.run_for(0.001, max_steps=7) is not None
    assert timed.run_for(1.0) is None
    for other in (fast, timed):
        np.testing.assert_array_equal(other.weights, one.weights)
        np.testing.assert_array_equal(other.history.sample_loss(), one.history.sample_loss())
        np.testing.assert_array_equal(other.history.epoch_loss(), one.history.epoch_loss())


def test_run_for_respects_the_time_budget():
    trainer = make("sgd", epochs=10_000)
    result = trainer.run_for(0.05)
    assert result is not None and not result.finished
    assert result.cursor.step + 1 == trainer.cursor.step > 100
    assert trainer.run_for(0.0).cursor.step == trainer.cursor.step - 1
    with pytest.raises(HyperparameterError):
        trainer.run_for(-1.0)


def test_reset_and_set_optimizer_start_over():
    trainer = make("momentum", epochs=3)
    trainer.run_to_end()
    finished_weights = trainer.weights
    trainer.reset()
    assert trainer.cursor == Cursor(0, 0, 0, 0) and not trainer.finished
    assert len(trainer.history) == 0 and trainer.history.n_epochs == 0
    np.testing.assert_array_equal(trainer.weights, trainer.initial_weights)
    assert np.all(trainer.optimizer.state()["velocity"] == 0)
    trainer.run_to_end()
    np.testing.assert_array_equal(trainer.weights, finished_weights)
    trainer.set_optimizer(make_optimizer("sgd", 9))
    assert trainer.optimizer.name == "sgd" and trainer.cursor.step == 0
    with pytest.raises(InputError):
        trainer.set_optimizer(make_optimizer("sgd", 3))


def test_trace_inspects_any_sample_without_training():
    trainer = make("sgd")
    trainer.run(5)
    weights = trainer.weights
    trace = trainer.trace(12)
    assert trace.loss == pytest.approx(seed_forward(DATA.X[12], DATA.y[12], weights)["loss"])
    assert trainer.trace().loss == pytest.approx(
        seed_forward(DATA.X[5], DATA.y[5], weights)["loss"])
    assert trainer.trace(-1).values["x1"] == DATA.X[-1, 0]
    np.testing.assert_array_equal(trainer.weights, weights)
    assert trainer.cursor.step == 5
    for bad in (60, -61, 1.5):
        with pytest.raises(InputError, match="out of range"):
            trainer.trace(bad)


def test_shuffle_visits_every_sample_once_per_epoch_reproducibly():
    def orders(seed):
        trainer = make("sgd", data=seed_data(n=12), epochs=3, shuffle=True, seed=seed)
        seen = []
        while not trainer.finished:
            seen.append(trainer.step_sample().cursor.sample)
        return [seen[k:k + 12] for k in (0, 12, 24)]

    first = orders(5)
    assert first == orders(5)
    assert first != orders(6)
    assert all(sorted(epoch) == list(range(12)) for epoch in first)
    assert first[0] != first[1] and first[0] != list(range(12))


def test_clipping_feeds_clipped_gradients_to_the_optimizer():
    assert clip_gradients([3.0, -4.0], clip_value=1.0) == [1.0, -1.0]
    assert clip_gradients([3.0, -4.0], clip_norm=1.0) == pytest.approx([0.6, -0.8])
    assert clip_gradients([0.3, -0.4], clip_norm=1.0) == [0.3, -0.4]
    clipped = make("sgd", lr=0.1, clip_value=1e-3, epochs=1)
    result = clipped.step_sample()
    expected = result.weights_before - 0.1 * np.clip(result.grads, -1e-3, 1e-3)
    np.testing.assert_allclose(result.weights, expected, atol=1e-15)
    normed = make("sgd", lr=0.1, clip_norm=1e-3, epochs=1)
    result = normed.step_sample()
    step = result.weights_before - result.weights
    assert np.linalg.norm(step) == pytest.approx(1e-4)


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"initial_weights": [0.0] * 8}, InputError, "9 weights, got 8"),
    ({"initial_weights": [math.nan] * 9}, InputError, "finite"),
    ({"epochs": 0}, HyperparameterError,
     r"epochs must be a whole number in \[1, 100000\], got 0"),
    ({"epochs": 2.5}, HyperparameterError, "epochs"),
    ({"seed": -1}, HyperparameterError, "seed"),
    ({"clip_value": -1.0}, HyperparameterError, "clip_value must be > 0"),
    ({"clip_norm": math.inf}, HyperparameterError, "clip_norm must be a finite number"),
    ({"history_limit": 1}, HyperparameterError, "history_limit"),
    ({"data": SimpleNamespace(X=np.zeros((5, 3)), y=np.zeros(5))}, InputError,
     "uses 5 features, the data has 3"),
    ({"data": SimpleNamespace(X=np.zeros((0, 5)), y=np.zeros(0))}, InputError, "n >= 1"),
])
def test_bad_configuration_is_refused(kwargs, error, words):
    with pytest.raises(error, match=words):
        make("sgd", **kwargs)


def test_optimizer_must_fit_the_graph():
    with pytest.raises(InputError, match="optimizer is for 3 weights"):
        Trainer(SEED, DATA, make_optimizer("sgd", 3))


# -- history -------------------------------------------------------------------------------


def test_history_decimates_to_stay_bounded():
    data = seed_data(n=10)
    full = make("sgd", data=data, epochs=100)
    full.run_to_end()
    small = make("sgd", data=data, epochs=100, history_limit=64)
    small.run_to_end()
    history = small.history
    assert len(history) <= 64 and history.decimated
    stride = history.stride
    assert stride & (stride - 1) == 0 and stride > 1
    steps = history.steps()
    np.testing.assert_array_equal(steps, np.arange(0, 1000, stride))
    np.testing.assert_array_equal(history.sample_loss(), full.history.sample_loss()[steps])
    np.testing.assert_array_equal(history.weights(), full.history.weights()[steps])
    np.testing.assert_array_equal(history.grads(), full.history.grads()[steps])
    np.testing.assert_array_equal(history.epoch_loss(), full.history.epoch_loss())
    assert history.n_steps == 1000 and history.n_epochs == 100
    np.testing.assert_array_equal(history.epoch_numbers(), np.arange(1, 101))
    assert history.sample_epochs()[-1] == pytest.approx((steps[-1] + 1) / 10)


def test_history_views_never_change_afterwards():
    # The window's snapshots hold views, not copies: thinning and reset must not rewrite
    # what a view shows.
    trainer = make("sgd", data=seed_data(n=10), epochs=100, history_limit=64)
    trainer.run(60)
    views = (trainer.history.steps(), trainer.history.sample_loss(),
             trainer.history.weights(), trainer.history.epoch_loss())
    copies = [view.copy() for view in views]
    trainer.run(500)  # thinned several times
    assert trainer.history.stride > 1
    trainer.reset()
    trainer.run(30)
    for view, copy in zip(views, copies, strict=True):
        np.testing.assert_array_equal(view, copy)
        assert not view.flags.writeable


def test_history_memory_is_bounded_on_a_long_run():
    graph = parse_formula("w1*x1 + w2")
    rng = np.random.default_rng(0)
    data = SimpleNamespace(X=rng.normal(size=(100, 1)), y=rng.normal(size=100))
    trainer = make("sgd", data=data, graph=graph, epochs=2000, history_limit=1000)
    trainer.run_to_end()
    history = trainer.history
    assert history.n_steps == 200_000
    assert 500 <= len(history) <= 1000
    assert history.stride == 256
    # Per point: step, sample, loss, two weights and two gradients; at most half of them
    # again in the spare arrays that thinning swaps in.
    assert history.nbytes < 1500 * 8 * 7 + 2000 * 8 + 1024
    np.testing.assert_array_equal(np.diff(history.steps()), history.stride)


def test_trace_fallback_for_graphs_the_compiler_cannot_take(monkeypatch):
    def refuse(graph):
        raise RecursionError("too deep")

    monkeypatch.setattr(trainer_module, "CompiledGraph", refuse)
    slow = make("adam", epochs=1)
    slow.run(30)
    monkeypatch.undo()
    fast = make("adam", epochs=1)
    fast.run(30)
    np.testing.assert_allclose(slow.weights, fast.weights, rtol=0, atol=1e-12)
    assert slow.dataset_loss() == pytest.approx(fast.dataset_loss(), rel=1e-12)


def test_a_divergence_is_told_once_for_every_front_end():
    from core.autodiff.formula import parse_formula
    from core.training.divergence import COMMAND_LINE, WINDOW, describe_divergence, node_name

    trainer = make("sgd", lr=1e6, epochs=2)
    trainer.run_to_end()
    problem = trainer.diverged
    line = describe_divergence(problem, epochs=2, advice=COMMAND_LINE)
    assert line == ("Diverged at step 1 (epoch 1 of 2, sample 1): the value of part_1 "
                    "became inf. Lower --lr.")
    window = describe_divergence(problem, advice=WINDOW)
    assert window.startswith("Diverged at step 1 (epoch 1, sample 1): the value of part_1")
    assert window.endswith("Lower the learning rate, then Reset (R).")
    # Each node by its one unique name, never its id nor an op symbol several nodes share.
    assert node_name(SEED, "mul1") == "w1·x1" and node_name(SEED, "mul3") == "#4"
    assert node_name(SEED, "sigmoid1") == "part_3" and node_name(SEED, "y_pred") == "y'"
    names = [node_name(SEED, node.id) for node in SEED]
    assert len(set(names)) == len(names)
    graph = parse_formula("log(w1*x1)")
    data = SimpleNamespace(X=np.array([[1.0]]), y=np.array([0.0]))
    at_start = Trainer(graph, data, make_optimizer("sgd", 1), initial_weights=[-1.0])
    at_start.run(1)
    assert describe_divergence(at_start.diverged, advice=COMMAND_LINE).endswith(
        "The formula is not defined at the initial weights for this sample: try other "
        "--weights or --seed.")
