"""Formulas a hostile user types: names that look like internal ids, numbers no float
holds, text that is not text, and formulas whose JSON would grow with their square."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cli.app import run
from core.autodiff.engine import evaluate
from core.autodiff.formula import FormulaError, parse_formula
from tests.cli.helpers import run_fails, run_json
from tests.conftest import ROOT


@pytest.mark.parametrize(("formula", "weights", "expected"), [
    ("w*x1 + mul1", ("mul1", "w"), lambda x, w: w["w"] * x + w["mul1"]),
    ("w*x1 + 2 + c1", ("c1", "w"), lambda x, w: w["w"] * x + 2 + w["c1"]),
    ("add1*mul1 + sub1/c2 + x1*c1", ("add1", "c1", "c2", "mul1", "sub1"),
     lambda x, w: w["add1"] * w["mul1"] + w["sub1"] / w["c2"] + x * w["c1"]),
])
def test_weights_named_like_internal_ids_are_weights(formula, weights, expected):
    graph = parse_formula(formula)
    assert graph.weights == weights
    values = {name: 0.5 + i for i, name in enumerate(weights)}
    trace = evaluate(graph, [3.0], 0.0, [values[name] for name in weights])
    assert trace.y_pred == pytest.approx(expected(3.0, values))
    ids = [node.id for node in graph]
    assert len(ids) == len(set(ids))


def test_colliding_names_through_inspect(capsys):
    out = run_json(capsys, ["inspect", "--graph", "w*x1 + mul1", "--weights", "2,3", "--json"])
    assert out["weights"] == {"mul1": 2.0, "w": 3.0}
    assert out["y_pred"] == pytest.approx(3.0 * out["x"][0] + 2.0)


@pytest.mark.parametrize(("formula", "words", "column"), [
    ("w*x1 + 1" + "0" * 400, "401-digit number is too large for a float", 8),
    ("w*x1 + " + "7" * 5000, "5,000-digit number is too large for a float", 8),
    ("w*x1 + 1" + "0" * 400 + ".0", "number is too large for a float", 8),
    ("w*x1 + 1e400", "number is too large for a float", 8),
    ("w*x1 + \udcff", "the byte 0xff is not UTF-8 text", 8),
    ("w*\ud83d*x1", "lone surrogate (U+D83D)", 3),
    ("w*x1\x00 + v", "NUL byte", 5),
])
def test_unreadable_literals_and_text_name_the_problem_and_its_column(formula, words, column):
    with pytest.raises(FormulaError) as caught:
        parse_formula(formula)
    assert words in str(caught.value)
    assert caught.value.column == column
    assert "ends too early" not in str(caught.value)


@pytest.mark.parametrize(("formula", "words"), [
    ("w*x1 + 1" + "0" * 400, "column 8: the 401-digit number"),
    ("w*x1 + " + "7" * 5000, "column 8: the 5,000-digit number"),
    ("w*x1 + \udcff", "column 8: the byte 0xff"),
    ("w*x1\x00 + v", "column 5: a NUL byte"),
])
def test_the_command_line_refuses_them_with_one_line(capsys, formula, words):
    for command in ("inspect", "gradcheck", "train", "compare"):
        run_fails(capsys, [command, "--graph", formula], words)


def test_an_undecodable_byte_in_argv_reaches_the_message(tmp_path):
    # The real path: the shell passes bytes, Python decodes them with surrogateescape.
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "inspect", "--graph",
                             b"w*x1 + \xff"], capture_output=True, cwd=tmp_path, timeout=60,
                            check=False)
    assert result.returncode == 2
    err = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err
    assert "column 8: the byte 0xff is not UTF-8 text" in err
    assert len(err.strip().splitlines()) == 1


def _inspect_size(capsys, n_terms: int) -> int:
    formula = " + ".join(f"w{i}*x{i % 5 + 1}" for i in range(1, n_terms + 1))
    assert run(["inspect", "--graph", formula, "--json"]) == 0
    out = capsys.readouterr().out
    json.loads(out)
    return len(out)


def test_inspect_json_grows_linearly_with_the_formula(capsys):
    # Before, every node's expr repeated the whole sum below it: 4x the terms gave ~16x
    # the output (a 115 KB formula wrote 220 MB).
    small, large = _inspect_size(capsys, 100), _inspect_size(capsys, 400)
    assert large / small < 4.6, (small, large)
