"""The presets that train with another loss: circles and xor-bce (binary cross-entropy)
learn their classes; xor stays as it was."""

import numpy as np
import pytest

from core.autodiff.losses import with_loss
from core.presets import PRESETS
from core.training.compare import train_to_end
from core.training.config import DataSource, TrainingConfig
from core.training.metrics import epoch_accuracy, predictions
from core.training.trainer import Trainer
from resources.make_preset_data import CIRCLE_RADIUS, circles


def preset_run(name: str, **changes) -> Trainer:
    preset = PRESETS[name]
    config = TrainingConfig(graph=name, optimizer=preset.optimizer,
                            hyperparameters=dict(preset.hyperparameters),
                            epochs=preset.epochs, loss=preset.loss, delta=preset.delta)
    trainer = Trainer.from_config(config.replace(**changes) if changes else config)
    train_to_end(trainer)
    return trainer


def test_circles_is_300_points_labelled_by_the_circle():
    data = PRESETS["circles"].dataset()
    assert data.X.shape == (300, 2)
    inside = (data.X ** 2).sum(axis=1) < CIRCLE_RADIUS ** 2
    assert np.array_equal(data.y, inside.astype(float))
    assert 0.4 < data.y.mean() < 0.7  # both classes well represented
    assert circles() == (PRESETS["circles"].folder / "circles.csv").read_text()


def test_circles_reaches_over_90_percent_with_adam_in_a_few_dozen_epochs():
    trainer = preset_run("circles")
    assert PRESETS["circles"].loss == "bce"
    assert trainer.graph["loss"].op == "sub"  # softplus(y') − y·y'
    accuracy = epoch_accuracy(trainer)
    assert len(accuracy) == 50
    assert accuracy[-1] > 0.9, accuracy[-1]
    assert accuracy[19] > 0.9, accuracy[19]  # already after 20 epochs
    assert accuracy[0] < accuracy[-1]


def test_xor_bce_gets_all_four_rows_right_and_xor_is_unchanged():
    assert PRESETS["xor"].loss == "mse"
    assert PRESETS["xor"].formula.splitlines()[-1].startswith("sigmoid(")
    assert PRESETS["xor-bce"].loss == "bce"
    assert PRESETS["xor-bce"].data == PRESETS["xor"].data
    assert dict(PRESETS["xor-bce"].initial_weights) == dict(PRESETS["xor"].initial_weights)
    trainer = preset_run("xor-bce")
    data = trainer.dataset
    logits = predictions(trainer.graph, data.X, trainer.weights)
    assert np.array_equal(logits > 0, data.y == 1.0)
    assert epoch_accuracy(trainer)[-1] == 1.0


def test_prediction_graph_gives_the_trace_value_of_y_pred():
    from core.autodiff.engine import evaluate

    graph = with_loss(PRESETS["circles"].build(), "bce")
    data = PRESETS["circles"].dataset()
    weights = np.linspace(-1.0, 1.0, len(graph.weights))
    got = predictions(graph, data.X[:7], weights)
    expected = [evaluate(graph, x, y, weights).values["y_pred"]
                for x, y in zip(data.X[:7], data.y[:7], strict=True)]
    assert got.tolist() == pytest.approx(expected, rel=1e-15)


def test_a_preset_names_its_loss_and_a_bad_one_is_refused(tmp_path):
    from core.presets import PresetError, read_preset

    text = (PRESETS["xor-bce"].folder / "xor_bce.json").read_text()
    (tmp_path / "xor.csv").write_text("x1,x2,y\n0,0,0\n0,1,1\n")
    (tmp_path / "bad.json").write_text(text.replace('"bce"', '"hinge"'))
    with pytest.raises(PresetError, match=r"bad\.json: unknown loss 'hinge'"):
        read_preset(tmp_path / "bad.json")
    (tmp_path / "huber.json").write_text(
        text.replace('"loss": "bce"', '"loss": "huber", "delta": 0.25'))
    _, preset = read_preset(tmp_path / "huber.json")
    assert (preset.loss, preset.delta) == ("huber", 0.25)


def test_epoch_accuracy_of_a_run_with_a_file_skips_nothing(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("x1,y\n-1,0\n1,1\n2,1\n-3,0\n")
    config = TrainingConfig(graph="w*x1 + b", data=DataSource.file(str(path)), loss="bce",
                            optimizer="adam", hyperparameters={"lr": 0.1}, epochs=5,
                            initial_weights=(0.0, -1.0))
    trainer = Trainer.from_config(config)
    train_to_end(trainer)
    accuracy = epoch_accuracy(trainer)
    assert len(accuracy) == 5 and not np.isnan(accuracy).any()
    # At the start w = -1 gets every row wrong; Adam turns it round within 5 epochs.
    assert accuracy[-1] == 1.0


def test_epoch_accuracy_is_the_same_from_a_thinned_history():
    """A long run keeps every k-th step only: the missing epoch ends are replayed."""
    config = TrainingConfig(graph="xor-bce", optimizer="adam", hyperparameters={"lr": 0.05},
                            epochs=100, loss="bce")
    full = Trainer.from_config(config)
    thinned = Trainer.from_config(config, history_limit=64)
    train_to_end(full)
    train_to_end(thinned)
    assert thinned.history.stride > 1
    assert np.array_equal(epoch_accuracy(thinned), epoch_accuracy(full))
