"""Sessions and configurations keep a formula's named steps, new lines and all."""

from core.training.config import TrainingConfig
from core.training.session_file import capture, open_session, read_session, save_session
from core.training.trainer import Trainer

FORMULA = "h = tanh(a*x1 + b*x2 + c)\nk = sin(d*x3)\n\nw*h + v*k + e"


def test_a_session_round_trips_a_formula_with_named_steps(tmp_path):
    config = TrainingConfig(graph=FORMULA, epochs=2, seed=3)
    trainer = Trainer.from_config(config)
    trainer.run(7)
    path = tmp_path / "named.session.json"
    save_session(path, capture(config, trainer))
    session = read_session(path)
    assert session.config.graph == FORMULA
    opened = open_session(session, str(path))
    assert opened.graph.formula == FORMULA
    assert opened.graph.by_name("h").op == "tanh"
    assert opened.graph.by_name("k").op == "sin"
    assert opened.trainer.cursor.step == 7
    assert list(opened.trainer.weights) == list(trainer.weights)


def test_a_config_with_named_steps_round_trips_through_json():
    config = TrainingConfig(graph=FORMULA)
    again = TrainingConfig.from_dict(config.to_dict())
    assert again.graph == FORMULA
    graph, preset = again.build_graph()
    assert preset is None
    assert graph.weights == ("a", "b", "c", "d", "e", "v", "w")


def test_a_session_saved_with_the_seeds_former_text_opens_as_the_seed(tmp_path):
    from core.presets import FORMER_FORMULAS

    config = TrainingConfig(graph=FORMER_FORMULAS["seed"][0], epochs=1, seed=5)
    trainer = Trainer.from_config(config)
    trainer.run(4)
    path = tmp_path / "old.session.json"
    save_session(path, capture(config, trainer))
    opened = open_session(read_session(path), str(path))
    assert opened.graph.name == "seed"
    assert opened.graph.by_name("part_1").id == "exp1"
    assert list(opened.trainer.weights) == list(trainer.weights)
