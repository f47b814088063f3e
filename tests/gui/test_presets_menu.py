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


def test_choosing_xor_loads_its_data_weights_and_settings(window, bridge):
    window.presets_menu.entries["xor"].trigger()
    preset = PRESETS["xor"]
    assert bridge.graph.name == "xor"
    assert bridge.dataset.source == "built-in:xor" and len(bridge.dataset) == 4
    assert bridge.optimizer_name == "adam" and bridge.hyperparameters["lr"] == 0.05
    assert bridge.epochs == preset.epochs
    assert np.array_equal(bridge.trainer.initial_weights, preset.start_weights(bridge.graph))
    assert set(window.graph_view.node_items) == set(bridge.graph.nodes)
    assert window.presets_menu.entries["xor"].isChecked()
    bridge.run_steps(4 * preset.epochs)
    losses = bridge.history.epoch_loss()
    assert losses[-1] < 0.1 * losses[0]
    # Back to the seed: a graph needing 5 features again, with its 5-feature data.
    window.presets_menu.entries["seed"].trigger()
    assert bridge.graph.name == "seed" and bridge.dataset.n_features == 5


def test_a_preset_from_the_model_box_loads_its_data_too(window, bridge):
    combo = window.side_panel.model_box.graph_combo
    combo.setCurrentIndex(combo.findData("sigmoid_neuron"))
    combo.activated.emit(combo.currentIndex())
    assert bridge.dataset.source == "built-in:sigmoid_neuron"
    assert "80 samples" in window.side_panel.model_box.data_label.text()


def test_a_new_seed_after_a_preset_draws_random_weights(window, bridge):
    window.presets_menu.entries["micrograd"].trigger()
    assert bridge.trainer.initial_weights.tolist()[1] == -3.0  # b, w1, w2
    bridge.set_seed(5)
    assert abs(bridge.trainer.initial_weights).max() < 0.1
