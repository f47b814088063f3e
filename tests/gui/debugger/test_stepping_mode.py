"""Stepping mode in the window: keys, the partial picture, the caption, and finishing the
step exactly as Step sample would."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt

from core.training.optimizers import make_optimizer
from core.training.trainer import Trainer


def enter(window, qtbot):
    window.actions["debug_step"].trigger()
    assert window.stepping.active
    return window.stepping


def test_entering_shows_the_first_node_and_the_caption(window, qtbot):
    stepping = enter(window, qtbot)
    assert window.actions["debug_step"].isChecked()
    assert window.caption_bar.isVisible()
    first = stepping.plan.positions[0]
    assert stepping.position == first
    items = window.graph_view.node_items
    assert items[first.node].value_text != ""
    assert sum(item.value_text != "" for item in items.values()) == 1
    assert window.caption_bar.caption.text() == first.caption
    n_forward = len(stepping.plan.forward_nodes())
    assert window.caption_bar.where.text() == f"Forward pass 1/{n_forward} · step 0, sample 0"
    assert window.session.training.trainer.cursor.step == 0
    # A new snapshot does not overwrite the partial picture.
    window.step_display.show_snapshot(window.session.training.snapshot())
    shown = [n for n, item in window.graph_view.node_items.items() if item.value_text]
    assert shown == [stepping.position.node]


def test_keys_step_forward_back_by_pass_and_by_phase(window, qtbot):
    stepping = enter(window, qtbot)
    plan = stepping.plan
    view = window.graph_view
    view.setFocus()
    for key, expected in [
        (Qt.Key.Key_Right, 1), (Qt.Key.Key_PageDown, 2), (Qt.Key.Key_Left, 1),
        (Qt.Key.Key_PageUp, 0), (Qt.Key.Key_End, plan.phase_range("forward").stop - 1),
        (Qt.Key.Key_End, plan.phase_range("backward").stop - 1),
        (Qt.Key.Key_Home, plan.phase_range("backward").start),
    ]:
        qtbot.keyClick(window, key)
        assert stepping.stepper.index == expected, key
    qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert stepping.stepper.index == plan.phase_range("update").start
    assert window.session.training.trainer.cursor.step == 0  # stepping trains nothing
    position = stepping.position
    assert window.caption_bar.caption.text() == position.caption
    assert window.graph_view.step_note.text == position.text


def test_stepping_through_equals_step_sample_exactly(window, qtbot, seed_graph, dataset):
    training = window.session.training
    for optimizer in ("sgd", "momentum", "adam", "rmsprop"):
        training.set_optimizer(optimizer)
        training.reset()
        training.run_steps(3)
        twin = Trainer(seed_graph, dataset, make_optimizer(optimizer, 9), seed=training.seed)
        twin.run(4)
        stepping = enter(window, qtbot)
        planned = stepping.plan.new_weights.copy()
        for _ in range(len(stepping.plan)):
            window.actions["step_forward"].trigger()
        # Past the last position the step is trained, and the next one planned.
        assert training.trainer.cursor.step == 4
        assert stepping.active and stepping.stepper.index == 0
        assert training.trainer.weights.tolist() == twin.weights.tolist() == planned.tolist()
        assert stepping.plan.trace.values["w1"] == twin.weights[0]
        window.actions["debug_step"].trigger()  # leaving trains the fifth step
        twin.step_sample()
        assert training.trainer.weights.tolist() == twin.weights.tolist(), optimizer


def test_leaving_finishes_the_step_normally(window, qtbot, seed_graph, dataset):
    training = window.session.training
    stepping = enter(window, qtbot)
    window.actions["step_forward"].trigger()
    planned = stepping.plan.new_weights.copy()
    window.actions["debug_step"].trigger()
    assert not stepping.active and not window.caption_bar.isVisible()
    assert training.trainer.cursor.step == 1
    assert training.trainer.weights.tolist() == planned.tolist()
    # The full picture is back: every node has its value and gradient again.
    assert all(item.value_text and item.grad_text
               for item in window.graph_view.node_items.values())
    assert not window.graph_view.step_note.isVisible()


def test_play_leaves_stepping_and_trains_from_the_same_step(window, qtbot):
    play = window.session.play
    stepping = enter(window, qtbot)
    window.actions["step_forward"].trigger()
    play.play()
    assert not stepping.active
    play.pause()


def test_reset_while_stepping_plans_the_first_step_again(window, qtbot):
    training = window.session.training
    stepping = enter(window, qtbot)
    for _ in range(len(stepping.plan) + 3):
        window.actions["step_forward"].trigger()
    assert training.trainer.cursor.step == 1
    training.reset()
    assert stepping.active and stepping.stepper.index == 0
    assert stepping.plan.trace.values["w1"] == training.trainer.initial_weights[0]


def test_lr_1000_pauses_and_opens_the_stepper_on_the_exp_node(window, qtbot):
    training, play = window.session.training, window.session.play
    training.set_hyperparameter("lr", 1000.0)
    with qtbot.waitSignal(training.diverged, timeout=5000):
        play.play()
    assert not play.running
    stepping = window.stepping
    assert stepping.active
    position = stepping.position
    assert (position.phase, position.node) == ("forward", "exp1")
    assert training.trainer.cursor.step == 1  # the second step failed
    exp = window.graph_view.node_items["exp1"]
    assert exp.highlighted and exp.mark == "active"
    assert math.isinf(exp.value)
    assert window.graph_view.node_items["add2"].mark == "input"
    caption = window.caption_bar.caption.text()
    argument = stepping.plan.trace.values["add2"]
    assert "exp of" in caption and "overflows float64" in caption
    assert f"{argument:.4g}"[:3] in caption
    # Right cannot train past it; leaving keeps the weights as they were.
    weights = training.trainer.weights.tolist()
    for _ in range(len(stepping.plan)):
        window.actions["step_forward"].trigger()
    window.actions["debug_step"].trigger()
    assert training.trainer.weights.tolist() == weights


def test_debug_step_screenshot_shows_the_stepper(qapp, tmp_path, capsys):
    from PySide6.QtGui import QImage

    from gui.app import run_gui

    path = tmp_path / "step.png"
    assert run_gui(["--screenshot", str(path), "--debug-step", "50", "--size",
                    "1024x768"]) == 0
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1024, 768)


def test_debug_step_beyond_the_step_is_exit_2(qapp, tmp_path, capsys):
    from gui.app import run_gui

    status = run_gui(["--screenshot", str(tmp_path / "never.png"), "--debug-step", "500"])
    assert status == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: --debug-step") and "80 positions" in error
    assert "\n" not in error
    assert not (tmp_path / "never.png").exists()


def test_a_theme_switch_keeps_the_stepper_picture(window, qtbot):
    from gui.theme import THEMES

    stepping = enter(window, qtbot)
    for _ in range(40):
        window.actions["step_forward"].trigger()
    window.set_theme(THEMES["dark"])
    view = window.graph_view
    assert view.step_note.isVisible() and view.step_note.text == stepping.position.text
    assert view.node_items[stepping.position.node].mark == "active"
    assert view.step_note.theme.name == "dark"


def test_an_update_that_overflows_opens_the_stepper_on_the_update(window, qtbot):
    from core.autodiff.formula import parse_formula

    training = window.session.training
    training.set_graph(parse_formula("10*a*x1 + b"))
    training.set_hyperparameter("lr", 1e308)
    with qtbot.waitSignal(training.diverged, timeout=5000):
        window.session.play.play()
    stepping = window.stepping
    assert stepping.active and stepping.problem is None  # the pass itself is finite
    position = stepping.position
    assert position.phase == "update" and position.update.refused
    assert "refused" in window.caption_bar.caption.text()
