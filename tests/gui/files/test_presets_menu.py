"""Presets > NAME loads the graph with its own data, initial weights and settings."""

from __future__ import annotations

import numpy as np

from core.presets import PRESETS


def test_every_preset_is_in_the_menu(window):
    menu = window.presets_menu
    assert list(menu.entries) == list(PRESETS)
    titles = [action.text() for action in menu.actions()]
    assert "2-2-1 network on XOR" in titles
    assert menu.entries["seed"].isChecked()


def test_choosing_xor_loads_its_data_weights_and_settings(window, session):
    window.presets_menu.entries["xor"].trigger()
    preset = PRESETS["xor"]
    assert session.training.graph.name == "xor"
    assert session.training.dataset.source == "built-in:xor" and len(session.training.dataset) == 4
    training = session.training
    assert training.optimizer_name == "adam" and training.hyperparameters["lr"] == 0.05
    assert session.training.epochs == preset.epochs
    assert np.array_equal(training.trainer.initial_weights, preset.start_weights(training.graph))
    assert set(window.graph_view.node_items) == set(session.training.graph.nodes)
    assert window.presets_menu.entries["xor"].isChecked()
    session.training.run_steps(4 * preset.epochs)
    losses = session.training.trainer.history.epoch_loss()
    assert losses[-1] < 0.1 * losses[0]
    # Back to the seed: a graph needing 5 features again, with its 5-feature data.
    window.presets_menu.entries["seed"].trigger()
    assert session.training.graph.name == "seed" and session.training.dataset.n_features == 5


def test_a_preset_from_the_model_box_loads_its_data_too(window, session):
    combo = window.side_panel.model_box.graph_combo
    combo.setCurrentIndex(combo.findData("sigmoid_neuron"))
    combo.activated.emit(combo.currentIndex())
    assert session.training.dataset.source == "built-in:sigmoid_neuron"
    assert "80 samples" in window.side_panel.model_box.data_label.text()


def test_a_new_seed_after_a_preset_draws_random_weights(window, session):
    window.presets_menu.entries["micrograd"].trigger()
    assert session.training.trainer.initial_weights.tolist()[1] == -3.0  # b, w1, w2
    session.training.set_seed(5)
    assert abs(session.training.trainer.initial_weights).max() < 0.1
