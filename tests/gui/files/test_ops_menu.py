"""File > Add ops…, Debug > Reveal the broken derivative, and the find-the-bug lab lesson
in the window."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from core.autodiff import user_ops
from core.autodiff.gradcheck import check_graph
from core.presets import resolve_graph
from core.training.config import TrainingConfig
from tests.conftest import ROOT
from tests.user_ops_cases import LAB, SIGMOID_PLUS, SOFTPLUS2

LESSON = ROOT / "resources" / "lessons" / "find-the-bug.json"


def write(tmp_path, document):
    path = tmp_path / "ops.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def verdict(training):
    x, y = training.dataset.row(0)
    return check_graph(training.graph, x, y, training.trainer.weights).verdict


def test_add_ops_is_in_the_file_menu_and_the_formula_may_call_them(window, tmp_path):
    file_menu = window.menuBar().actions()[0].menu()
    assert window.ops_actions.add_ops in file_menu.actions()
    training = window.session.training
    assert window.ops_actions.add_ops_file(write(tmp_path, [SOFTPLUS2]))
    assert "softplus2" in window.statusBar().currentMessage()
    training.set_graph(resolve_graph("softplus2(a*x1) + b")[0])
    assert training.config.ops[0]["name"] == "softplus2"  # embedded: reopens without the file
    training.run_steps(10)
    assert np.isfinite(training.trainer.weights).all()
    assert training.trainer.cursor.step == 10


def test_a_bad_ops_file_is_a_visible_message_and_nothing_changes(window, tmp_path):
    training = window.session.training
    config = training.config
    wrong = {**SOFTPLUS2, "derivatives": ["sigmoid(-z)"]}
    assert not window.ops_actions.add_ops_file(write(tmp_path, [wrong]))
    box = window.findChild(QMessageBox, "problem_box")
    assert box is not None and box.isVisible()
    assert "dsoftplus2/dz is wrong at z = " in box.text()
    assert "finite differences give" in box.text()
    assert "softplus2" not in {d["name"] for d in user_ops.registered()}
    assert training.config == config
    training.run_steps(3)  # the app keeps running
    assert training.trainer.cursor.step == 3


def test_an_op_named_like_a_weight_of_the_graph_is_refused(window, tmp_path):
    assert not window.ops_actions.add_ops_file(write(tmp_path, [{**SOFTPLUS2,
                                                                  "name": "w9"}]))
    box = window.findChild(QMessageBox, "problem_box")
    assert "op 'w9' has the name of the graph's weight w9" in box.text()


def test_an_op_named_like_a_named_step_of_the_graph_is_refused(window, tmp_path):
    training = window.session.training
    training.set_graph(resolve_graph("h = tanh(a*x1); w*h")[0])
    config = training.config
    assert not window.ops_actions.add_ops_file(write(tmp_path, [{**SOFTPLUS2, "name": "h"}]))
    box = window.findChild(QMessageBox, "problem_box")
    assert "op 'h' has the name of the graph's named step h" in box.text()
    assert "h" not in {d["name"] for d in user_ops.registered()}
    assert training.config == config
    training.config.build_graph()  # the formula still reads


def test_reveal_says_what_was_replaced_and_restores_it(window):
    training = window.session.training
    reveal = window.ops_actions.reveal
    assert not reveal.isEnabled()
    training.set_config(TrainingConfig(graph=LAB, breaks=(SIGMOID_PLUS,)))
    assert reveal.isEnabled()
    assert training.graph.breaks
    assert verdict(training) == "wrong"
    reveal.trigger()
    box = window.findChild(QMessageBox, "reveal_box")
    assert box is not None and box.isVisible()
    assert "node h2 (sigmoid): d/da: σ(a)·(1 + σ(a)) instead of σ(a)·(1 − σ(a))" \
        in box.text()
    assert training.config.breaks == ()
    assert not training.graph.breaks
    assert verdict(training) == "correct"
    assert not reveal.isEnabled()
    assert reveal in window.debug_menu.actions()


def test_the_lab_lesson_breaks_h2_until_its_reveal(window):
    training = window.session.training
    assert window.open_lesson("find-the-bug", 2)
    assert [training.graph[n].name for n in training.graph.breaks] == ["h2"]
    assert verdict(training) == "wrong"
    window.lessons.go(4)  # the stepper at h2's chain-rule step shows the broken rule
    position = window.stepping.position
    assert position is not None and training.graph[position.node].name == "h2"
    assert "(1 + σ(" in position.caption
    window.lessons.go(5)
    assert not training.graph.breaks
    assert window.statusBar().currentMessage() == (
        "Revealed: node h2 (sigmoid): d/da: σ(a)·(1 + σ(a)) instead of σ(a)·(1 − σ(a))")
    assert verdict(training) == "correct"
    window.lessons.go(0)  # going back breaks it again
    assert training.graph.breaks


def test_the_window_starts_with_ops_and_a_break_from_its_command_line(qapp, tmp_path,
                                                                      capsys):
    from gui.app import run_gui

    ops = write(tmp_path, [SOFTPLUS2])
    broken = tmp_path / "break.json"
    broken.write_text(json.dumps([{**SIGMOID_PLUS, "nodes": ["h9"]}]), encoding="utf-8")
    shot = str(tmp_path / "x.png")
    assert run_gui(["--screenshot", shot, "--size", "400x300", "--ops", ops,
                    "--graph", "softplus2(a*x1) + b"]) == 0
    assert run_gui(["--screenshot", shot, "--size", "400x300", "--graph", LAB,
                    "--break", str(broken)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "the graph has no node named 'h9' (its sigmoid nodes: h1, h2)" in err


def test_a_corrected_file_redefines_the_op_the_graph_calls(window, tmp_path):
    training = window.session.training
    doubled = {**SOFTPLUS2, "forward": "2*log(1 + exp(z))", "derivatives": ["2*sigmoid(z)"]}
    assert window.ops_actions.add_ops_file(write(tmp_path, [SOFTPLUS2]))
    training.set_graph(resolve_graph("softplus2(a*x1) + b")[0])
    node = next(n.id for n in training.graph if n.op == "softplus2")
    x, y = training.dataset.row(0)
    from core.autodiff.engine import evaluate

    before = evaluate(training.graph, x, y, training.trainer.weights).values[node]
    assert window.ops_actions.add_ops_file(write(tmp_path, [doubled]))
    assert training.config.ops == (user_ops.registered()[0],)
    assert training.config.ops[0]["forward"] == "2*log(1 + exp(z))"
    trace = evaluate(training.graph, x, y, training.trainer.weights)
    assert trace.values[node] == pytest.approx(2 * before, rel=1e-12)
    from core.autodiff.compiled import compiled_graph

    loss, _, _ = compiled_graph(training.graph).sample(list(x), y,
                                                       list(training.trainer.weights))
    assert loss == trace.values[training.graph.loss]  # the fast path has the new one too
    training.set_hyperparameter("lr", 0.02)  # a new config keeps the new definition
    assert user_ops.registered()[0]["forward"] == "2*log(1 + exp(z))"


def test_the_window_refuses_a_break_with_a_session(qapp, tmp_path, capsys):
    from gui.app import run_gui

    broken = tmp_path / "break.json"
    broken.write_text(json.dumps([{**SIGMOID_PLUS, "nodes": ["part_3"]}]), encoding="utf-8")
    session = tmp_path / "s.json"
    session.write_text("{}", encoding="utf-8")
    assert run_gui(["--screenshot", str(tmp_path / "x.png"), "--session", str(session),
                    "--break", str(broken)]) == 2
    assert "--break cannot be given with it" in capsys.readouterr().err


def test_a_broken_run_saved_from_the_window_reopens_broken_at_the_same_weights(window,
                                                                               tmp_path):
    training = window.session.training
    training.set_config(TrainingConfig(graph=LAB, breaks=(SIGMOID_PLUS,)))
    training.run_steps(40)
    weights = training.trainer.weights.tolist()
    path = str(tmp_path / "broken.json")
    assert window.session_files.save_to(path)
    training.set_config(TrainingConfig())
    assert not training.graph.breaks
    assert window.session_files.open_path(path)
    assert [training.graph[n].name for n in training.graph.breaks] == ["h2"]
    assert training.trainer.weights.tolist() == weights
    assert window.ops_actions.reveal.isEnabled()


def test_the_window_refuses_an_op_named_like_a_weight_of_its_graph(qapp, tmp_path, capsys):
    from gui.app import run_gui

    ops = write(tmp_path, [{**SOFTPLUS2, "name": "w9"}])  # the seed's w9
    assert run_gui(["--screenshot", str(tmp_path / "x.png"), "--ops", ops]) == 2
    assert "op 'w9' has the name of the graph's weight w9" in capsys.readouterr().err


def test_a_corrected_file_says_that_training_starts_over(window, tmp_path):
    """The run restarts when a file redefines an op of its graph; the status line said only
    "Added 1 op", and the trained steps were gone without a word.  The same file again
    keeps the run."""
    training = window.session.training
    assert window.ops_actions.add_ops_file(write(tmp_path, [SOFTPLUS2]))
    training.set_graph(resolve_graph("softplus2(a*x1) + b")[0])
    training.run_steps(20)
    assert window.ops_actions.add_ops_file(write(tmp_path, [SOFTPLUS2]))
    assert training.trainer.cursor.step == 20
    assert "starts over" not in window.statusBar().currentMessage()
    doubled = {**SOFTPLUS2, "forward": "2*log(1 + exp(z))", "derivatives": ["2*sigmoid(z)"]}
    assert window.ops_actions.add_ops_file(write(tmp_path, [doubled]))
    assert training.trainer.cursor.step == 0
    assert window.statusBar().currentMessage().endswith(
        "; the run was set up with the earlier softplus2: training starts over")
    user_ops.unregister(["softplus2"])


def test_a_stop_that_breaks_again_what_debug_reveal_put_back_says_so(window):
    """Debug > Reveal in the lab lesson, then the next stop: the lesson's stops set their
    own run, so the break is back, and the status line now says it (it said nothing, and
    the gradient check called the weights wrong again without a word)."""
    training = window.session.training
    assert window.open_lesson("find-the-bug", 2)
    window.ops_actions.reveal.trigger()
    assert not training.graph.breaks
    window.lessons.go(3)
    assert [training.graph[n].name for n in training.graph.breaks] == ["h2"]
    assert window.statusBar().currentMessage() == (
        "The broken derivative is back: this stop of the lesson breaks it (the lesson "
        "reveals it at stop 6)")
    window.lessons.go(5)  # the reveal stop, then back: said again
    window.lessons.go(4)
    assert training.graph.breaks
    assert "The broken derivative is back" in window.statusBar().currentMessage()


def test_the_lab_lesson_opened_on_a_broken_stop_says_nothing_of_a_return(window):
    assert window.open_lesson("find-the-bug", 2)
    assert window.session.training.graph.breaks
    assert "is back" not in window.statusBar().currentMessage()


def test_opening_a_session_closes_the_lesson_so_its_next_stop_keeps_the_run(window,
                                                                           tmp_path):
    """A session opened during a lesson kept the lesson open; the next key (→ is the next
    stop in a lesson) set that stop's run up and threw the opened run away."""
    training = window.session.training
    training.set_config(TrainingConfig(graph=LAB, breaks=(SIGMOID_PLUS,)))
    training.run_steps(40)
    path = str(tmp_path / "run.json")
    assert window.session_files.save_to(path)
    assert window.open_lesson("find-the-bug", 0)
    assert window.session_files.open_path(path)
    assert not window.lessons.active
    window.lessons.next()  # what → would do in a lesson: nothing now
    assert training.trainer.cursor.step == 40
    assert training.graph.breaks


def test_the_window_refuses_a_lesson_with_a_session(qapp, tmp_path, capsys):
    from gui.app import run_gui

    session = tmp_path / "s.json"
    session.write_text("{}", encoding="utf-8")
    shot = tmp_path / "x.png"
    assert run_gui(["--screenshot", str(shot), "--session", str(session),
                    "--lesson", "find-the-bug"]) == 2
    assert "--session opens a saved run: --lesson cannot be given with it" in \
        capsys.readouterr().err
    assert not shot.exists()


@pytest.mark.parametrize("option", [["--ops", "OPS"], ["--loss", "mae"], ["--holdout", "0.2"]])
def test_the_window_refuses_ops_a_loss_or_a_holdout_with_a_session(qapp, tmp_path, capsys,
                                                                  option):
    """As the commands do: the window opened the session and dropped them without a word
    (an --ops file's op of the session's name was even replaced by the session's)."""
    from gui.app import run_gui

    session = tmp_path / "s.json"
    session.write_text("{}", encoding="utf-8")
    given = [write(tmp_path, [SOFTPLUS2]) if word == "OPS" else word for word in option]
    shot = tmp_path / "x.png"
    assert run_gui(["--screenshot", str(shot), "--session", str(session), *given]) == 2
    assert f"--session opens a saved run: {option[0]} cannot be given with it" in \
        capsys.readouterr().err
    assert not shot.exists()
    user_ops.unregister(["softplus2"])


def test_a_refused_session_takes_back_the_ops_and_optimizer_it_registered(window, tmp_path):
    """A session refused after its ops were read (here: its checkpoint does not fit its
    graph) left them registered: its op named w1 made every formula with the weight w1,
    the seed's too, unreadable ("'w1' is a function"), and its lion replaced the lion the
    window had."""
    from core.training.optimizers import FOLDER, OPTIMIZERS, forget_optimizer

    training = window.session.training
    assert window.optimizer_file.add_file(str(FOLDER / "lion.json"))
    lion = OPTIMIZERS["lion"]
    training.run_steps(5)
    path = tmp_path / "s.json"
    assert window.session_files.save_to(str(path))
    document = json.loads(path.read_text(encoding="utf-8"))
    document["config"]["graph"] = "softplus2(a*x1) + b"
    document["config"]["ops"] = [SOFTPLUS2, {"name": "w1", "args": ["a"], "forward": "a",
                                             "derivatives": ["1"]}]
    document["config"]["optimizer_definition"]["update"][1] = \
        "w = w - 2*lr * (sign(c) + weight_decay * w)"
    path.write_text(json.dumps(document), encoding="utf-8")
    try:
        assert not window.session_files.open_path(str(path))
        assert "Cannot open the session" in window.statusBar().currentMessage()
        assert user_ops.registered() == ()
        assert OPTIMIZERS["lion"] is lion
        assert training.trainer.cursor.step == 5
        training.set_graph(resolve_graph("seed")[0])  # raised FormulaError
        training.set_graph(resolve_graph("w1*x1 + w2")[0])
    finally:
        user_ops.unregister(["softplus2", "w1"])
        forget_optimizer("lion")


def test_a_refused_lesson_takes_back_the_ops_it_registered(window, tmp_path):
    lesson = json.loads(LESSON.read_text(encoding="utf-8"))
    lesson["ops"] = [{**SOFTPLUS2, "name": "w1"}]
    lesson["stops"][0]["reveal"] = "yes"  # refused after the ops were read
    path = tmp_path / "lesson.json"
    path.write_text(json.dumps(lesson), encoding="utf-8")
    try:
        assert not window.open_lesson(str(path))
        assert "w1" not in {d["name"] for d in user_ops.registered()}
        window.session.training.set_graph(resolve_graph("w1*x1 + w2")[0])
    finally:
        user_ops.unregister(["w1"])


def _lesson_with_its_own(tmp_path, **fields):
    lesson = {"format": "backprop-explorer-lesson", "version": 1, "title": "Own",
              "graph": "softplus2(a*x1) + b", "ops": [SOFTPLUS2],
              "stops": [{"caption": "one", "steps": 30}], **fields}
    path = tmp_path / "own.json"
    path.write_text(json.dumps(lesson), encoding="utf-8")
    return str(path)


def test_a_lesson_s_op_is_used_over_one_of_its_name_added_before(window, tmp_path):
    """softplus2 added from a file as 2z, then a lesson defining softplus2 itself: the
    stop trained with the file's (the run's config embedded it, and registered it again on
    each rebuild), and the session saved there did not reopen."""
    training = window.session.training
    doubled = {**SOFTPLUS2, "forward": "2*z", "derivatives": ["2"]}
    try:
        assert window.ops_actions.add_ops_file(write(tmp_path, [doubled]))
        training.set_graph(resolve_graph("softplus2(a*x1) + b")[0])
        assert window.open_lesson(_lesson_with_its_own(tmp_path), 0)
        assert [d["forward"] for d in training.config.ops] == ["log(1 + exp(z))"]
        assert user_ops.registered()[0]["forward"] == "log(1 + exp(z))"
        saved = str(tmp_path / "s.json")
        assert window.session_files.save_to(saved)
        weights = training.trainer.weights.tolist()
        window.lessons.close()
        training.set_config(TrainingConfig())
        assert window.session_files.open_path(saved), window.statusBar().currentMessage()
        assert training.trainer.weights.tolist() == weights
    finally:
        user_ops.unregister(["softplus2"])


def test_a_lesson_s_optimizer_is_used_over_one_of_its_name_added_before(window, tmp_path):
    from core.training.optimizers import FOLDER, forget_optimizer

    training = window.session.training
    lion = json.loads((FOLDER / "lion.json").read_text(encoding="utf-8"))
    lion["update"][1] = "w = w - 5*lr * (sign(c) + weight_decay * w)"
    path = _lesson_with_its_own(tmp_path, optimizers=[lion],
                                stops=[{"caption": "one", "optimizer": "lion", "steps": 30}])
    try:
        assert window.optimizer_file.add_file(str(FOLDER / "lion.json"))
        training.set_graph(resolve_graph("a*x1 + b")[0])
        assert window.open_lesson(path, 0)
        assert training.trainer.cursor.step == 30
        assert training.base_config.optimizer_definition["update"][1] == lion["update"][1]
        assert type(training.trainer.optimizer).definition["update"][1] == lion["update"][1]
    finally:
        user_ops.unregister(["softplus2"])
        forget_optimizer("lion")


def test_another_graph_leaves_behind_a_break_it_has_no_node_for(window):
    """A broken run (here the lab's, h2) refused every other graph ("the graph has no node
    named 'h2'"): no preset, no typed formula, until Debug > Reveal."""
    from core.presets import PRESETS
    from gui.files.presets_menu import apply_preset

    training = window.session.training
    training.set_config(TrainingConfig(graph=LAB, breaks=(SIGMOID_PLUS,)))
    training.set_graph(resolve_graph(LAB.replace("v1*h1", "2*v1*h1"))[0])
    assert training.config.breaks  # h2 is still there: the break stays
    training.set_graph(resolve_graph("a*x1 + b")[0])
    assert training.config.breaks == () and not training.graph.breaks
    assert window.statusBar().currentMessage().startswith(
        "The derivative broken on purpose stayed with the graph before")
    training.set_config(TrainingConfig(graph=LAB, breaks=(SIGMOID_PLUS,)))
    apply_preset(training, PRESETS["xor"])  # h2 is a tanh node there
    assert training.graph.name == "xor" and training.config.breaks == ()


def test_a_lesson_opened_after_the_lab_starts_without_its_break(window):
    """The seed lesson after the lab's stop 3: its first stop raised ConfigError (the
    lab's break on h2 was carried to the seed graph)."""
    training = window.session.training
    assert window.open_lesson("find-the-bug", 2)
    assert window.open_lesson("seed", 0)
    assert training.graph.name == "seed" and training.config.breaks == ()
    training.set_config(TrainingConfig(breaks=({**SIGMOID_PLUS, "nodes": ["part_3"]},)))
    assert window.open_lesson("seed", 0)  # a lesson without a break sets up unbroken runs
    assert training.config.breaks == ()
