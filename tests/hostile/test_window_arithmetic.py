"""In the window, a formula undefined at its weights stops training with the divergence
report, in stepping, playing and comparing; nothing raises."""

from __future__ import annotations

from core.autodiff.formula import parse_formula


def test_stepping_a_division_by_zero_reports_divergence(qtbot, session):
    session.training.set_graph(parse_formula("w*x1 + 1/0"))
    with qtbot.waitSignal(session.training.diverged, timeout=2000) as blocker:
        session.training.step_sample()
    assert blocker.args[0].node == "div1"
    assert session.training.trainer.finished
    assert session.training.trainer.dataset_loss() == float("inf")


def test_comparing_a_division_by_zero_finishes_with_divergences(qtbot, session):
    session.training.set_graph(parse_formula("w*x1/0"))
    with qtbot.waitSignal(session.comparison.finished, timeout=10_000) as blocker:
        session.comparison.start(["sgd", "adam"])
    runs = blocker.args[0]
    assert [run.name for run in runs] == ["sgd", "adam"]
    # The prediction named as the graph shows it (y'), not by its id.
    assert all(run.diverged is not None and "of y' became" in run.diverged for run in runs)
