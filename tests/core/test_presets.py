"""Presets are data files: each reads, builds, comes with data it suits and trains on it."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from core.presets import PRESET_FOLDER, PRESETS, PresetError, load_presets, read_preset
from core.training.optimizers import make_optimizer
from core.training.trainer import Trainer

REQUIRED = ("seed", "linear", "sigmoid_neuron", "micrograd", "xor")


def test_the_required_presets_exist_as_files():
    for name in REQUIRED:
        assert (PRESET_FOLDER / f"{name}.json").is_file()
        assert name in PRESETS
    assert next(iter(PRESETS)) == "seed"


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_trains_and_its_loss_falls(name):
    preset = PRESETS[name]
    graph = preset.build()
    dataset = preset.dataset()
    dataset.require_features(graph.n_inputs)
    optimizer = make_optimizer(preset.optimizer, len(graph.weights),
                               **dict(preset.hyperparameters))
    trainer = Trainer(graph, dataset, optimizer, epochs=preset.epochs, seed=0,
                      initial_weights=preset.start_weights(graph))
    trainer.run_to_end()
    assert trainer.diverged is None
    losses = trainer.history.epoch_loss()
    assert len(losses) == preset.epochs
    assert losses[-1] < 0.8 * losses[0], (losses[0], losses[-1])


def test_the_xor_network_learns_xor():
    preset = PRESETS["xor"]
    graph = preset.build()
    trainer = Trainer(graph, preset.dataset(),
                      make_optimizer("adam", len(graph.weights), lr=0.05),
                      epochs=preset.epochs, initial_weights=preset.start_weights(graph))
    trainer.run_to_end()
    from core.autodiff.engine import forward

    for x, y in zip(preset.dataset().X, preset.dataset().y, strict=True):
        prediction = forward(graph, x, y, trainer.weights)[graph.output]
        assert round(prediction) == y


def test_micrograds_neuron_matches_micrograd_and_the_hand_derivation():
    # micrograd's README: x1 = 2, x2 = 0, w1 = -3, w2 = 1, b = 6.8813735870195432,
    # o = tanh(x1*w1 + x2*w2 + b) = 0.7071.
    preset = PRESETS["micrograd"]
    graph = preset.build()
    from core.autodiff.engine import evaluate

    x, y = preset.dataset().row(0)
    trace = evaluate(graph, x, y, preset.start_weights(graph))
    o = trace.y_pred
    assert o == pytest.approx(math.sqrt(0.5), abs=1e-12)
    # L = (y - o)^2, o = tanh(n): dL/dw1 = -2 (y - o) (1 - o^2) x1, dL/dw2 = ... x2 = 0.
    upstream = -2.0 * (y - o) * (1.0 - o * o)
    assert trace.grads["w1"] == pytest.approx(upstream * 2.0, rel=1e-12)
    assert trace.grads["w2"] == 0.0
    assert trace.grads["b"] == pytest.approx(upstream, rel=1e-12)


def test_preset_data_files_are_what_the_generator_makes():
    result = subprocess.run([sys.executable, str(PRESET_FOLDER.parent / "make_preset_data.py"),
                             "--check"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    for path in PRESET_FOLDER.glob("*.csv"):
        assert path.stat().st_size < 16_000


def _write(folder, filename, **changes):
    raw = json.loads((PRESET_FOLDER / "xor.json").read_text(encoding="utf-8"))
    raw.update(changes)
    raw = {k: v for k, v in raw.items() if v is not None}
    path = folder / f"{filename}.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    (folder / "xor.csv").write_bytes((PRESET_FOLDER / "xor.csv").read_bytes())
    return path


@pytest.mark.parametrize(("changes", "words"), [
    ({"version": 2}, "version 2"),
    ({"format": "something"}, "not a backprop-explorer-preset"),
    ({"formula": "w1*x1 +"}, "formula error"),
    ({"initial_weights": {"w1": 1.0}}, "initial_weights must name exactly"),
    ({"data": "missing.csv"}, "missing.csv is missing"),
    ({"training": {"epochs": 0}}, "epochs"),
    ({"name": ""}, "'name'"),
])
def test_a_bad_preset_file_is_refused_with_a_message(tmp_path, changes, words):
    path = _write(tmp_path, "bad", **changes)
    with pytest.raises(PresetError, match=words):
        read_preset(path)


def test_presets_load_from_any_folder_in_their_order(tmp_path):
    _write(tmp_path, "b", name="second", order=2)
    _write(tmp_path, "a", name="first", order=1)
    presets = load_presets(tmp_path)
    assert list(presets) == ["first", "second"]
    assert np.array_equal(presets["first"].dataset().y, [0.0, 1.0, 1.0, 0.0])
