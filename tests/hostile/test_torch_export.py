"""python main.py export model.py on every preset and on graphs a hostile user makes (a file
op named torch, weights and steps named like the script's own names, a broken derivative):
each script, run with this Python, prints the loss and gradients ``inspect --json`` gives
for the same model (skipped where torch, optional, is not installed)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.presets import PRESETS
from tests.hostile.test_surface_cli import run

pytestmark = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                reason="torch is not installed (optional)")

SQUARE_NAMED_TORCH = [{"name": "torch", "args": ["a"], "forward": "a*a",
                       "derivatives": ["2*a"]}]
BREAK = [{"name": "sigmoid", "args": ["a"], "derivatives": ["out*(1 + out)"],
          "nodes": ["h2"]}]
TWO_NEURONS = ("h1 = sigmoid(w1*x1 + w2*x2 + b1); h2 = sigmoid(w3*x1 + w4*x2 + b2); "
               "v1*h1 + v2*h2 + c")


def exported(folder: Path, *model: str) -> tuple[dict, dict, str]:
    """The script's output, inspect's output and export's stderr for one model."""
    script = folder / "model.py"
    code, _, err, _ = run("export", str(script), *model)
    assert code == 0, err
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, check=False, cwd=folder)
    assert done.returncode == 0, done.stderr
    code, out, inspect_err, _ = run("inspect", "--sample", "0", *model, "--json")
    assert code == 0, inspect_err
    return json.loads(done.stdout), json.loads(out), err


def agree(torch_side: dict, engine: dict) -> None:
    assert torch_side["loss"] == pytest.approx(engine["loss"], rel=1e-12)
    assert set(torch_side["grads"]) == set(engine["gradients"])
    for name, grad in engine["gradients"].items():
        assert torch_side["grads"][name] == pytest.approx(grad, rel=1e-9, abs=1e-15), name


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_exports_the_engine_s_numbers(tmp_path, preset):
    agree(*exported(tmp_path, "--graph", preset)[:2])


@pytest.mark.parametrize(("formula", "ops"), [
    ("torch(w1*x1) + torch(w2)", SQUARE_NAMED_TORCH),
    ("number*x1 + torch + json", None),
    ("print*x1 + float + grads", None),
    ("number = tanh(a*x1); torch = number*b; torch + c", None),
    ("β*x1 + γ", None),
])
def test_names_the_script_uses_are_the_model_s_own(tmp_path, formula, ops):
    model = ["--graph", formula]
    if ops is not None:
        path = tmp_path / "ops.json"
        path.write_text(json.dumps(ops))
        model += ["--ops", str(path)]
    agree(*exported(tmp_path, *model)[:2])


def test_a_broken_graph_exports_torch_s_true_gradients_and_says_so(tmp_path):
    path = tmp_path / "break.json"
    path.write_text(json.dumps(BREAK))
    torch_side, engine, err = exported(tmp_path, "--break", str(path), "--graph", TWO_NEURONS)
    assert "broken on purpose" in err and "true gradients" in err
    assert torch_side["loss"] == pytest.approx(engine["loss"], rel=1e-12)
    code, out, err, _ = run("inspect", "--sample", "0", "--graph", TWO_NEURONS, "--json")
    assert code == 0, err
    agree(torch_side, json.loads(out))  # the unbroken graph's gradients
    assert torch_side["grads"]["w3"] != pytest.approx(engine["gradients"]["w3"], rel=1e-3)


EXAMPLE_OPS = Path(__file__).resolve().parents[2] / "resources" / "examples" / "ops.json"


def test_each_file_op_is_a_line_of_its_own_in_the_script(tmp_path):
    # Every example op once: the script read one 200-character line for y_pred.
    formula = "swish(a*x1) + leaky_relu(b*x2) + logcosh(c) + xlogx(d*d + 1) + hypot(e, x1)"
    torch_side, engine, _ = exported(tmp_path, "--ops", str(EXAMPLE_OPS), "--graph", formula)
    agree(torch_side, engine)
    lines = (tmp_path / "model.py").read_text().splitlines()
    assert "swish1 = mul1 * torch.sigmoid(mul1)" in lines
    assert "leaky_relu1 = torch.maximum(mul2, 0.01 * mul2)" in lines
    assert "y_pred = swish1 + leaky_relu1 + logcosh1 + xlogx1 + hypot1" in lines
    assert max(len(line) for line in lines) <= 88


def test_a_broken_node_is_a_line_the_script_s_docstring_points_to(tmp_path):
    # σ(c) has no name a script can use: the docstring said "at σ(c)", a node written
    # inside y_pred's line, nowhere to be found.
    path = tmp_path / "break.json"
    path.write_text(json.dumps([{"name": "sigmoid", "args": ["a"],
                                 "derivatives": ["out*(1 + out)"], "nodes": ["σ(c)"]}]))
    torch_side, engine, _ = exported(tmp_path, "--break", str(path),
                                     "--graph", "sigmoid(a*x1)*b + sigmoid(c)")
    assert torch_side["loss"] == pytest.approx(engine["loss"], rel=1e-12)
    source = (tmp_path / "model.py").read_text()
    assert "sigmoid2 = torch.sigmoid(c)\n" in source
    docstring = " ".join(source.split('"""')[1].split())
    assert "at σ(c) (the script's sigmoid2) on purpose (a break-it lab)." in docstring


def test_a_weight_or_column_the_script_renames_keeps_its_name_in_a_comment(tmp_path):
    data = tmp_path / "cols.csv"
    data.write_text("höhe,torch,target\n1.5,2,1\n2,1,0\n", encoding="utf-8")
    torch_side, engine, _ = exported(tmp_path, "--data", str(data),
                                     "--graph", "a*höhe + β*torch")
    agree(torch_side, engine)
    lines = (tmp_path / "model.py").read_text(encoding="utf-8").splitlines()
    assert "x1 = number(1.5)  # höhe" in lines
    assert "torch_ = number(2.0)  # torch" in lines
    assert any(line.endswith("grad=True)  # β") for line in lines)
    assert any(line.startswith("a = number(") and "#" not in line for line in lines)
