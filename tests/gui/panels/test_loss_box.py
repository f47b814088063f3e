"""The Loss box: the combo puts the chosen loss node on top of the graph the window shows,
δ is shown for Huber only, the accuracy for cross-entropy only, and data that cannot train
cross-entropy is refused with a visible message, the previous graph and data kept."""

from __future__ import annotations

from core.presets import PRESETS
from gui.files.presets_menu import apply_preset


def choose(box, loss):
    box.combo.setCurrentIndex(box.combo.findData(loss))
    box.combo.activated.emit(box.combo.currentIndex())


def test_the_combo_changes_the_graphs_loss_node(window, training):
    box = window.side_panel.loss_box
    assert box.combo.currentData() == "mse"
    assert training.graph["loss"].op == "square"
    shown = []
    training.graph_changed.connect(shown.append)
    training.run_steps(10)
    choose(box, "mae")
    assert training.config.loss == "mae"
    assert training.graph["loss"].op == "abs"
    assert shown and shown[-1]["loss"].op == "abs"  # the graph view is told
    assert training.trainer.cursor.step == 0  # training starts over
    drawn = window.graph_view.node_items  # the view draws the new top
    assert drawn["loss"].node.op == "abs" and drawn["residual"].node.op == "sub"
    choose(box, "huber")
    assert (training.graph["loss"].op, training.graph["loss"].param) == ("huber", 1.0)
    box.delta.setValue(0.25)
    assert training.config.delta == 0.25
    assert training.graph["loss"].param == 0.25
    choose(box, "mse")
    assert training.graph["loss"].op == "square"


def test_delta_shows_for_huber_only_and_accuracy_for_bce_only(window, training):
    box = window.side_panel.loss_box
    layout = box._layout
    assert not layout.isRowVisible(box.delta)
    assert not layout.isRowVisible(box.accuracy)
    choose(box, "huber")
    assert layout.isRowVisible(box.delta)
    assert not layout.isRowVisible(box.accuracy)
    apply_preset(training, PRESETS["circles"])  # a preset sets its own loss
    assert box.combo.currentData() == "bce"
    assert not layout.isRowVisible(box.delta)
    assert layout.isRowVisible(box.accuracy)
    training.run_steps(300)
    training.publish()
    assert box.accuracy.text().endswith("% of 300 rows")
    assert training.graph["loss"].op == "sub"
    assert "softplus" in {node.op for node in training.graph}


def test_bce_on_targets_not_0_or_1_is_refused_and_the_run_kept(window, training):
    box = window.side_panel.loss_box
    messages = []
    training.status_reported.connect(messages.append)
    graph = training.graph
    dataset = training.dataset
    choose(box, "bce")
    assert "sample 0 of the built-in data has y = 1.78474" in messages[-1]
    assert "the loss stays mse" in messages[-1]
    assert training.config.loss == "mse"
    assert training.graph is graph and training.dataset is dataset
    assert box.combo.currentData() == "mse"  # the choice goes back
    assert window.statusBar().currentMessage() == messages[-1]


def test_the_windows_options_choose_the_loss():
    import pytest

    from core.inputs import UsageError
    from gui.app import _config, build_parser

    def config(*argv):
        return _config(build_parser().parse_args(list(argv)), None)

    assert (config().loss, config().delta) == ("mse", 1.0)
    assert config("--graph", "circles").loss == "bce"  # the preset's own
    assert config("--graph", "circles", "--loss", "mae").loss == "mae"
    assert (config("--loss", "huber", "--delta", "0.5").loss,
            config("--loss", "huber", "--delta", "0.5").delta) == ("huber", 0.5)
    with pytest.raises(UsageError, match="--delta is Huber's δ"):
        config("--delta", "2")
