"""Optimizers as files: the built-in files, Lion and signSGD by hand, refused files, the
registry, configs that embed a definition, and the sweep's update of a file optimizer."""

import json
import math
import os

import numpy as np
import pytest

from core.training.config import ConfigError, TrainingConfig
from core.training.hyperparameters import BETA1, LR
from core.training.optimizer_files import (
    MAX_BYTES,
    OptimizerFileError,
    check_definition,
    read_optimizer_file,
)
from core.training.optimizers import (
    BUILT_IN,
    FOLDER,
    OPTIMIZERS,
    forget_optimizer,
    load_optimizer_file,
    make_optimizer,
    optimizer_from_definition,
    register_optimizer,
)
from core.training.vectorized import runs_update

ADAM2 = {"name": "adam2", "hyperparameters": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999,
                                              "eps": 1e-8},
         "state": ["m", "v"],
         "per_step": ["bc1 = 1 - beta1**t", "bc2 = 1 - beta2**t"],
         "update": ["m = beta1*m + (1 - beta1)*g", "v = beta2*v + (1 - beta2)*g*g",
                    "w = w - lr*(m/bc1)/(sqrt(v/bc2) + eps)"]}


@pytest.fixture
def registered():
    """Names registered during the test are forgotten after it."""
    before = set(OPTIMIZERS)
    yield
    for name in set(OPTIMIZERS) - before:
        forget_optimizer(name)


def write(tmp_path, document, name="opt.json"):
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


# -- the built-in files --------------------------------------------------------------


@pytest.mark.parametrize("name", BUILT_IN)
def test_each_built_in_optimizer_is_its_file(name):
    definition = read_optimizer_file(FOLDER / f"{name}.json")
    cls = OPTIMIZERS[name]
    assert cls.built_in
    assert dict(cls.definition) == definition.document
    assert cls.update_rule == definition.update
    assert cls.per_step == definition.per_step
    # The same definition given again is the built-in class itself.
    assert optimizer_from_definition(definition.document) is cls


def test_state_names_and_step_counting_are_kept():
    assert {name: OPTIMIZERS[name].slots for name in BUILT_IN} == {
        "sgd": (), "momentum": ("velocity",), "nesterov": ("velocity",),
        "adagrad": ("sum_squares",), "rmsprop": ("mean_square",), "adam": ("m", "v"),
        "adamw": ("m", "v")}
    assert [name for name in BUILT_IN if OPTIMIZERS[name].counts_steps] == ["adam", "adamw"]
    assert OPTIMIZERS["adam"].hyperparameter("beta1") is BETA1


def test_formula_is_written_from_the_statements():
    assert OPTIMIZERS["sgd"].formula == "w ← w − η·g"
    assert OPTIMIZERS["momentum"].formula == "velocity ← γ·velocity + η·g;  w ← w − velocity"
    assert OPTIMIZERS["adam"].formula.startswith("bc1 = 1 − β1^t;  bc2 = 1 − β2^t;  m ← ")


# -- the examples, by hand -------------------------------------------------------------


@pytest.fixture
def lion(registered):
    return load_optimizer_file(FOLDER / "lion.json")


@pytest.fixture
def signsgd(registered):
    return load_optimizer_file(FOLDER / "signsgd.json")


def test_lion_steps_by_the_sign_of_the_interpolated_momentum(lion):
    optimizer = lion(2, lr=0.1, beta1=0.9, beta2=0.99)
    w = [1.0, -2.0]
    # c = 0.9·0 + 0.1·g = (0.05, −0.025): w moves by lr against its sign; m = 0.01·g.
    optimizer.update(w, [0.5, -0.25])
    assert w == [0.9, -1.9]
    assert optimizer.state()["m"].tolist() == pytest.approx([0.005, -0.0025], abs=1e-17)
    # Now g1 = −0.01 but c = 0.9·0.005 + 0.1·(−0.01) = 0.0035 > 0: the momentum wins and
    # w1 keeps going down (signSGD would step it up); m = 0.99·0.005 + 0.01·(−0.01).
    optimizer.update(w, [-0.01, -0.25])
    assert w == pytest.approx([0.8, -1.8], abs=1e-15)
    assert optimizer.state()["m"].tolist() == pytest.approx([0.00485, -0.004975], abs=1e-17)
    assert not optimizer.counts_steps and "t" not in optimizer.state()


def test_lion_decays_the_weights(lion):
    optimizer = lion(2, lr=0.1, weight_decay=0.5)
    w = [1.0, -2.0]
    optimizer.update(w, [0.5, -0.25])
    # w − lr·(sign(c) + λ·w): 1 − 0.1·(1 + 0.5) and −2 − 0.1·(−1 − 1).
    assert w == pytest.approx([0.85, -1.8], abs=1e-15)


def test_signsgd_steps_by_the_sign_of_the_gradient(signsgd):
    optimizer = signsgd(3, lr=0.25)
    w = [1.0, -2.0, 0.5]
    optimizer.update(w, [1e-9, -300.0, 0.0])
    assert w == [0.75, -1.75, 0.5]
    assert optimizer.state() == {}
    assert signsgd.formula == "w ← w − η·sign(g)"


def test_the_examples_are_not_built_in_and_their_files_define_them(lion, signsgd):
    assert list(OPTIMIZERS)[:7] == list(BUILT_IN)
    assert not lion.built_in and not signsgd.built_in
    assert OPTIMIZERS["lion"] is lion
    assert lion.hyperparameters[0] is not LR and lion.hyperparameters[0].default == 0.001
    assert lion.hyperparameter("lr").interval == "> 0"


@pytest.mark.parametrize("name", ["lion", "signsgd"])
def test_the_sweeps_update_of_a_file_optimizer_equals_the_trainers(name, registered):
    cls = load_optimizer_file(FOLDER / f"{name}.json")
    lrs = [0.003, 0.05]
    rng = np.random.default_rng(3)
    w0 = rng.normal(size=4)
    values = {k: v for k, v in cls.defaults().items() if k != "lr"}
    update = runs_update(cls, values)
    w = np.repeat(w0[:, None], 2, axis=1)
    state = [np.zeros_like(w) for _ in update.slots]
    singles = [(cls(4, lr=lr), list(w0)) for lr in lrs]
    for t in range(1, 30):
        g = rng.normal(size=4) * 0.1
        with np.errstate(all="ignore"):
            w, *state = update.apply(w, np.repeat(g[:, None], 2, axis=1), np.array(lrs), t,
                                     *state)
        for optimizer, weights in singles:
            optimizer.update(weights, list(g))
    for column, (_, weights) in enumerate(singles):
        assert w[:, column].tolist() == weights


# -- refused files ---------------------------------------------------------------------


def _with(**changes):
    document = {**ADAM2, **changes}
    return {k: v for k, v in document.items() if v is not None}


@pytest.mark.parametrize(("document", "words"), [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "an optimizer must be a JSON object, got a list"),
    ('{"name": "x", "hyperparameters": {"lr": NaN}, "update": ["w = w"]}',
     "NaN is not a number JSON allows"),
    (_with(update=["w = w - lr*softsign(g)"]), "unknown function 'softsign'"),
    (_with(update=["w = w - lr*c", "c = g"]), "unknown name 'c'"),
    (_with(per_step=["bc1 = 1 - beta1**t", "bc2 = bc3"]), "unknown name 'bc3'"),
    (_with(per_step=["bc = g"]), "unknown name 'g'"),
    (_with(update=["g = 2*g", "m = g", "v = g", "w = w - lr*g"]),
     "update statement 1 sets g, the gradient, which is read-only"),
    (_with(update=["m = g", "v = g", "t = 2", "w = w - lr*g"]),
     "update statement 3 sets t, the step count, which is read-only"),
    (_with(update=["m = g", "v = g", "w = w - lr*g", "beta1 = 0"]),
     "update statement 4 sets 'beta1', a hyperparameter, which is read-only here"),
    (_with(update=["m = g", "v = g", "bc1 = 2", "w = w - lr*g"]),
     "update statement 3 sets 'bc1', a per-step value, which is read-only here"),
    (_with(state=["m", "lr"]), "state: 'lr' is already a hyperparameter"),
    (_with(state=["m", "m"]), "state: 'm' is already"),
    (_with(state=["m", "v", "g"]), "'g' is the gradient"),
    (_with(state=["m", "v", "sqrt"]), "'sqrt' is a function"),
    (_with(per_step=["m = 1"]), "per_step statement 1 sets 'm', a state (set by update)"),
    (_with(per_step=["lr = 1"]), "per_step statement 1 sets 'lr', a hyperparameter"),
    (_with(per_step=["a = 1", "a = 2"]), "per_step statement 2 sets 'a' again"),
    (_with(update=["m = g; v = g", "w = w"]), "write one statement 'name = expression' per"),
    (_with(update=["m + 1", "v = g", "w = w"]), "each statement must be 'name = expression'"),
    (_with(update=["m = g", "v = g", "w == w"]), "each statement must be 'name = expression'"),
    (_with(update=["m = g", "v = g", "w = __import__('os')"]), "unknown function"),
    (_with(update=["m = g", "v = g", "w = w.real"]), "an attribute is not allowed"),
    (_with(update=["m = g", "v = g"]), "update never sets w"),
    (_with(update=["m = g", "w = w"]), "update never sets the state 'v'"),
    (_with(update=[]), "update has no statements"),
    (_with(update=[3]), "update statement 1 must be text"),
    (_with(hyperparameters={"beta1": 0.9}), "hyperparameters must include lr"),
    (_with(hyperparameters={"lr": -1}), "the default lr must be > 0, got -1"),
    (_with(hyperparameters={"lr": 0.1, "beta1": 1.5}), "beta1 must be in [0, 1), got 1.5"),
    (_with(hyperparameters={"lr": 0.1, "k": "big"}), "k must be a number"),
    (_with(hyperparameters={"lr": 0.1, "_k": 1}), "'_k' is not a name"),
    (_with(hyperparameters=[]), "hyperparameters must be an object"),
    (_with(name="Adam 2"), "name must be lower-case letters"),
    (_with(name=None), "missing 'name'"),
    (_with(title="two\nlines"), "title must be one line"),
    (_with(updates=["w = w"]), "unknown key 'updates'"),
    ('{"a": [[[[[[1]]]]]]}', "nested more than"),
])
def test_bad_files_are_refused_in_one_line_naming_the_problem(tmp_path, document, words):
    path = write(tmp_path, document)
    with pytest.raises(OptimizerFileError) as info:
        read_optimizer_file(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert words in message
    assert "\n" not in message


def test_huge_folders_and_fifos_are_refused_without_reading_them(tmp_path):
    big = tmp_path / "big.json"
    big.write_text(" " * (MAX_BYTES + 1))
    with pytest.raises(OptimizerFileError,
                       match="65,537 bytes; optimizer files are limited to 65,536 bytes"):
        read_optimizer_file(big)
    with pytest.raises(OptimizerFileError, match=r"is a directory, not an? optimizer file"):
        read_optimizer_file(tmp_path)
    with pytest.raises(OptimizerFileError, match=r"missing\.json: no such file"):
        read_optimizer_file(tmp_path / "missing.json")
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        with pytest.raises(OptimizerFileError, match="FIFO"):
            read_optimizer_file(fifo)
    binary = write(tmp_path, "", "binary.json")
    binary.write_bytes(b"\xff\xfe{}")
    with pytest.raises(OptimizerFileError, match="not UTF-8"):
        read_optimizer_file(binary)


def test_a_built_in_name_is_refused_when_registered(tmp_path, registered):
    path = write(tmp_path, _with(name="adam"))
    with pytest.raises(OptimizerFileError, match="'adam' is a built-in optimizer"):
        load_optimizer_file(path)
    assert OPTIMIZERS["adam"].built_in


# -- hyperparameters of a file ---------------------------------------------------------


def test_an_unknown_hyperparameter_is_any_finite_number_and_says_so(registered):
    cls = register_optimizer(optimizer_from_definition(
        {"name": "shift", "hyperparameters": {"lr": 0.1, "offset": -0.5},
         "update": ["w = w - lr*(g + offset)"]}))
    rule = cls.hyperparameter("offset")
    assert rule.interval == "finite"
    assert "shift" in rule.doc and "any finite number" in rule.doc
    optimizer = cls(1, offset=-3.0)
    w = [1.0]
    optimizer.update(w, [1.0])
    assert w == [1.0 - 0.1 * (1.0 + -3.0)]
    with pytest.raises(ValueError, match="offset must be a finite number"):
        cls(1, offset=math.inf)
    assert [h.name for h in cls.hyperparameters] == ["lr", "offset"]


def test_lr_comes_first_whatever_the_files_order():
    cls = optimizer_from_definition({"name": "later", "hyperparameters": {"k": 2, "lr": 0.5},
                                     "update": ["w = w - lr*k*g"]})
    assert [h.name for h in cls.hyperparameters] == ["lr", "k"]
    assert cls.defaults() == {"lr": 0.5, "k": 2.0}


def test_a_complex_power_is_refused_like_an_overflow():
    cls = optimizer_from_definition({"name": "root", "hyperparameters": {"lr": 0.1},
                                     "update": ["w = w - lr*g**0.5"]})
    optimizer = cls(2)
    w = [1.0, 1.0]
    assert not optimizer.try_update(w, [4.0, -4.0])  # (−4)**0.5 is not a real number
    assert w == [1.0, 1.0]
    rejected = optimizer.rejected_update()
    assert rejected is not None and math.isnan(rejected["weights"][1])
    assert optimizer.try_update(w, [4.0, 0.25])
    assert w == [1.0 - 0.1 * 2.0, 1.0 - 0.1 * 0.5]


def test_a_domain_error_is_refused_too():
    cls = optimizer_from_definition({"name": "logs", "hyperparameters": {"lr": 0.1},
                                     "update": ["w = w - lr*log(g)"]})
    optimizer = cls(1)
    w = [1.0]
    assert not optimizer.try_update(w, [-1.0])  # math.log raises; nothing changes
    assert w == [1.0]


# -- configs ---------------------------------------------------------------------------


def test_a_config_embeds_a_file_optimizer_and_works_without_the_file(tmp_path, registered):
    load_optimizer_file(write(tmp_path, ADAM2))
    config = TrainingConfig(optimizer="adam2", hyperparameters={"beta2": 0.99}, epochs=1)
    assert config.optimizer_definition == check_definition(ADAM2).document
    text = config.to_json()
    forget_optimizer("adam2")
    assert "adam2" not in OPTIMIZERS
    again = TrainingConfig.from_json(text)
    assert again == config
    assert "adam2" in OPTIMIZERS  # known again: the window lists it
    optimizer = again.make_optimizer()
    assert optimizer.values["beta2"] == 0.99 and optimizer.values["lr"] == 0.001
    # Changing the optimizer drops the definition; a built-in one embeds none.
    assert config.replace(optimizer="adam").optimizer_definition is None
    assert "optimizer_definition" not in TrainingConfig().to_dict()


def test_a_config_refuses_a_definition_of_another_name_or_a_bad_one(registered):
    with pytest.raises(ConfigError, match="is named 'adam2'"):
        TrainingConfig(optimizer="lion", optimizer_definition=ADAM2)
    with pytest.raises(ConfigError, match="update never sets w"):
        TrainingConfig(optimizer="adam2", optimizer_definition=_with(
            update=["m = g", "v = g"]))


def test_an_unknown_optimizer_without_definition_is_refused():
    with pytest.raises(ConfigError, match="unknown optimizer 'adam3'"):
        TrainingConfig(optimizer="adam3")


def test_make_optimizer_by_name_after_loading(tmp_path, registered):
    load_optimizer_file(write(tmp_path, ADAM2))
    optimizer = make_optimizer("ADAM2", 3)
    assert optimizer.name == "adam2" and optimizer.slots == ("m", "v")
    assert optimizer.counts_steps


# -- presets ---------------------------------------------------------------------------


def _preset(tmp_path, training):
    from core.presets import PRESET_FOLDER

    raw = json.loads((PRESET_FOLDER / "xor.json").read_text(encoding="utf-8"))
    raw.update(name="xor_lion", training=training)
    path = tmp_path / "xor_lion.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    (tmp_path / "xor.csv").write_bytes((PRESET_FOLDER / "xor.csv").read_bytes())
    return path


def test_a_preset_with_a_file_optimizer_embeds_its_definition(tmp_path, registered):
    from core.presets import read_preset

    lion = json.loads((FOLDER / "lion.json").read_text())
    path = _preset(tmp_path, {"optimizer": "lion", "optimizer_definition": lion,
                              "hyperparameters": {"lr": 0.01}, "epochs": 3})
    assert "lion" not in OPTIMIZERS
    _, preset = read_preset(path)
    assert preset.optimizer == "lion" and "lion" in OPTIMIZERS
    config = TrainingConfig(optimizer=preset.optimizer, hyperparameters=preset.hyperparameters)
    assert config.optimizer_definition == check_definition(lion).document


def test_a_preset_with_a_bad_definition_is_refused(tmp_path, registered):
    from core.presets import PresetError, read_preset

    bad = {"name": "lion", "hyperparameters": {"lr": 0.01}, "update": ["w = w - lr*q"]}
    path = _preset(tmp_path, {"optimizer": "lion", "optimizer_definition": bad})
    with pytest.raises(PresetError, match=r"xor_lion.json: .*unknown name 'q'"):
        read_preset(path)
    assert "lion" not in OPTIMIZERS


# -- lessons ---------------------------------------------------------------------------


def _lesson(optimizers, optimizer="lion"):
    return {"format": "backprop-explorer-lesson", "version": 1, "title": "Lion",
            "optimizers": optimizers,
            "stops": [{"caption": "Lion steps by a sign.", "optimizer": optimizer}]}


def test_a_lesson_embeds_the_optimizers_its_stops_name(registered):
    from core.lessons import parse_lesson

    lion = json.loads((FOLDER / "lion.json").read_text())
    lesson = parse_lesson(_lesson([lion]), "lion-lesson.json", optimizers=list(BUILT_IN))
    assert lesson.stops[0].optimizer == "lion"
    assert OPTIMIZERS["lion"].definition["update"] == lion["update"]


@pytest.mark.parametrize(("optimizers", "words"), [
    ({"name": "lion"}, "lion-lesson.json: \"optimizers\" must be a list"),
    ([{"name": "lion", "hyperparameters": {"lr": 1}, "update": ["w = g(w)"]}],
     "lion-lesson.json: \"optimizers\" 1: update: unknown function 'g'"),
    ([], "unknown optimizer 'lion'"),
])
def test_a_lessons_bad_optimizers_are_one_line(registered, optimizers, words):
    from core.lessons import LessonError, parse_lesson

    with pytest.raises(LessonError) as info:
        parse_lesson(_lesson(optimizers), "lion-lesson.json", optimizers=list(BUILT_IN))
    assert words in str(info.value) and "\n" not in str(info.value)


def test_a_lessons_optimizer_named_like_a_built_in_names_the_lesson_and_entry(registered):
    from core.lessons import LessonError, parse_lesson

    lion = json.loads((FOLDER / "lion.json").read_text())
    with pytest.raises(LessonError) as info:
        parse_lesson(_lesson([lion, {**lion, "name": "adam"}]), "lion-lesson.json",
                     optimizers=list(BUILT_IN))
    assert str(info.value) == ("lion-lesson.json: \"optimizers\" 2: 'adam' is a built-in "
                               "optimizer; give this optimizer another name")
    assert "lion" not in OPTIMIZERS  # nothing of the lesson is registered
    assert OPTIMIZERS["adam"].built_in


# -- sessions --------------------------------------------------------------------------


def test_a_mid_run_change_to_a_file_optimizer_reopens_without_the_file(tmp_path, registered):
    from core.training.session_file import (
        Change,
        capture,
        open_session,
        read_session,
        save_session,
    )
    from core.training.trainer import Trainer

    config = TrainingConfig(graph="w1*x1 + w2*x2 + w3", optimizer="adam", epochs=2)
    trainer = Trainer.from_config(config)
    trainer.run(40)
    lion = load_optimizer_file(FOLDER / "lion.json")
    optimizer = lion(3, lr=0.002)
    trainer = trainer.fork(40, optimizer)
    trainer.run(25)
    path = tmp_path / "s.json"
    save_session(path, capture(config, trainer, [Change(40, "lion", optimizer.values)]))
    change = json.loads(path.read_text())["changes"][0]
    assert change["optimizer_definition"]["update"] == lion.definition["update"]
    forget_optimizer("lion")
    opened = open_session(read_session(path), str(path))
    assert opened.trainer.optimizer.name == "lion"
    assert opened.trainer.checkpoint().identical(trainer.checkpoint())


# -- an update that cannot be computed ----------------------------------------------------


def test_a_refused_first_update_blames_the_update_not_the_formula():
    from types import SimpleNamespace

    from core.autodiff.formula import parse_formula
    from core.training.divergence import COMMAND_LINE, WINDOW, describe_divergence
    from core.training.trainer import Trainer

    boom = optimizer_from_definition({"name": "boom", "hyperparameters": {"lr": 0.01},
                                      "update": ["w = w - lr*g/0"]}, "boom.json")
    data = SimpleNamespace(X=np.array([[1.0]]), y=np.array([0.0]))
    trainer = Trainer(parse_formula("w1*x1 + w2"), data, boom(2), initial_weights=[1.0, 0.5])
    trainer.run(1)
    problem = trainer.diverged
    assert problem is not None and problem.step == 0 and problem.node == "w1"
    assert describe_divergence(problem, advice=COMMAND_LINE) == (
        "Diverged at step 0 (epoch 1, sample 0): the boom update would divide by zero "
        "computing w1; it was not applied. The graph's values and gradients for this sample "
        "are finite: the optimizer's update fails on them.")
    assert "not defined at the initial weights" not in describe_divergence(problem,
                                                                           advice=WINDOW)
