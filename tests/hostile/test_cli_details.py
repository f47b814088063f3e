"""Command-line details: one seed rule for every command, plot names that say what is
written, empty paths, and a plot of losses near the float maximum."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cli.app import run
from tests.cli.helpers import run_fails

COMMANDS = ("inspect", "gradcheck", "train", "compare")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("seed", ["-1", "-5", "2147483648", "1e3", "one"])
def test_every_command_validates_the_seed_the_same_way(capsys, command, seed):
    run_fails(capsys, [command, "--seed", seed], "--seed")


@pytest.mark.parametrize("name", ["x.jpg", "x.JPEG", "x.pdf", "x", "x.png.txt"])
def test_a_plot_suffix_that_is_not_written_is_refused_before_training(capsys, tmp_path, name):
    # 100,000 epochs would take minutes: the refusal comes first.
    run_fails(capsys, ["compare", "--epochs", "100000", "--plot", str(tmp_path / name)],
              "a picture is .png or .svg")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_plot_name_says_so(capsys, name):
    run_fails(capsys, ["compare", "--plot", name], "--plot: the file name is empty")


def test_an_empty_data_path_says_so_in_every_command(capsys):
    for command in COMMANDS:
        run_fails(capsys, [command, "--data", ""], "no data file given: the path is empty")


@pytest.mark.parametrize("suffix", [".png", ".svg"])
@pytest.mark.parametrize("log", [False, True])
def test_losses_near_the_float_maximum_are_plotted(capsys, tmp_path, suffix, log):
    # One sample whose loss is (0 - 1.3e154)^2 = 1.69e308, finite, every epoch.
    data = tmp_path / "one.csv"
    data.write_text("0.5,0\n")
    plot = tmp_path / f"plot{suffix}"
    argv = ["compare", "--data", str(data), "--epochs", "3", "--graph", "w*x1*0 + 1.3e154",
            "--plot", str(plot)] + (["--log"] if log else [])
    assert run(argv) == 0, capsys.readouterr().err
    assert plot.stat().st_size > 1000
    out = capsys.readouterr().out
    assert f"plot written to {plot}" in out


def test_the_chart_draws_any_finite_losses(qtbot):
    from gui.plots.compare_chart import CompareChart

    chart = CompareChart(y_label="mean loss")
    qtbot.addWidget(chart.plot)
    chart.plot.resize(600, 400)
    chart.plot.show()
    chart.add_curves([("a", "A"), ("b", "B")])
    chart.draw("a", np.array([1.7e308, 1.0e308, np.finfo(float).max]))
    chart.draw("b", np.array([-1.7e308, 5e307, np.inf]))
    for log in (True, False):
        chart.set_log(log)
        (x_low, x_high), (y_low, y_high) = chart.plot.getPlotItem().getViewBox().viewRange()
        assert all(math.isfinite(v) for v in (x_low, x_high, y_low, y_high))
    label = chart.plot.getPlotItem().getAxis("left").labelText
    assert "× 1e308" in label
    chart.draw("a", np.array([3.0, 2.0, 1.0]))
    chart.draw("b", np.array([2.0, 1.0, 0.5]))
    assert chart.plot.getPlotItem().getAxis("left").labelText == "mean loss"
