"""A weight named one typo from a data column: a warning on stderr, or with --strict-names
exit 2 with that warning.  The seed and every preset pass --strict-names."""

from __future__ import annotations

import json

import pytest

from cli.app import run
from core.presets import PRESETS
from tests.body_table import body_csv
from tests.cli.helpers import run_fails

WARNING = "heigth: did you mean the column height?"


@pytest.fixture
def body(tmp_path):
    return str(body_csv(tmp_path))


def test_the_warning_is_printed_and_the_command_succeeds(capsys, body):
    assert run(["inspect", "--data", body, "--graph", "tanh(a*heigth + b*mass + c)",
                "--json"]) == 0
    captured = capsys.readouterr()
    (line,) = captured.err.strip().splitlines()
    assert line.startswith("warning: ")
    assert WARNING in line
    assert "--strict-names" in line
    assert "heigth" in json.loads(captured.out)["weights"]


@pytest.mark.parametrize("command", [
    ["inspect"], ["gradcheck"], ["train", "--epochs", "1"],
    ["compare", "--optimizers", "sgd,adam", "--epochs", "1"],
])
def test_strict_names_makes_it_exit_2_with_the_warning(capsys, body, command):
    run_fails(capsys, [*command, "--data", body, "--graph", "tanh(a*heigth + b*mass + c)",
                       "--strict-names", "--json"], WARNING)


@pytest.mark.parametrize("graph", ["tanh(a*Mass + c)", "tanh(a*hieght + c)", "masss*x1"])
def test_case_transpositions_and_insertions_are_caught(capsys, body, graph):
    run_fails(capsys, ["inspect", "--data", body, "--graph", graph, "--strict-names",
                       "--json"], "did you mean the column")


def test_a_correct_formula_passes_strict_names_silently(capsys, body):
    assert run(["inspect", "--data", body, "--graph", "tanh(a*height + b*mass + c)",
                "--strict-names", "--json"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_the_seed_and_every_preset_pass_strict_names(capsys, name):
    assert run(["inspect", "--graph", name, "--strict-names", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert json.loads(captured.out)["loss"] is not None


def test_the_default_graph_passes_strict_names(capsys):
    assert run(["train", "--epochs", "1", "--strict-names", "--json"]) == 0
    assert capsys.readouterr().err == ""


def test_a_session_with_a_typo_warns_and_strict_names_refuses_it(capsys, body, tmp_path):
    path = str(tmp_path / "run.json")
    assert run(["train", "--data", body, "--graph", "tanh(a*heigth + c)", "--epochs", "1",
                "--save-session", path, "--json"]) == 0
    assert WARNING in capsys.readouterr().err
    assert run(["inspect", "--session", path, "--json"]) == 0
    assert WARNING in capsys.readouterr().err
    run_fails(capsys, ["inspect", "--session", path, "--strict-names", "--json"], WARNING)
    run_fails(capsys, ["train", "--session", path, "--strict-names", "--json"], WARNING)
