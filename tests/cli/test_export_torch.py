"""python main.py export model.py: the model as a PyTorch script.

The script's structure is checked everywhere; where torch is installed (it is optional, not
in the test extra) the script is run and its loss and gradients, torch.autograd's, are
compared with the engine's.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest

from cli.app import run
from core.autodiff.engine import evaluate
from core.autodiff.formula import parse_formula
from core.autodiff.ops import Op
from core.presets import resolve_graph
from core.torch_export import TorchExportError, torch_script
from tests.cli.helpers import run_fails, run_json

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed (optional)")

#: Formulas that between them use every function of the op table.
FORMULAS = {
    "seed": None,
    "every_function": ("exp(a*x1)/(2 + cos(b*x2)) - log(1 + sqrt(c*c + x3*x3)) "
                       "+ sin(d*x4) * tanh(e*x5) + sigmoid(f)*relu(g + x1) - abs(h*x2) "
                       "+ softplus(k*x3) + (m*x4)**3 - -n"),
    "named_steps": "h = tanh(a*x1 + b); s = h*h; w*s + c*h",
}


def _run_script(path):
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _imports(source):
    tree = ast.parse(source)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
    return names


def test_the_script_needs_only_torch_and_holds_every_weight(tmp_path, capsys):
    path = tmp_path / "model.py"
    out = run_json(capsys, ["export", str(path), "--steps", "7", "--json"])
    assert out["format"] == "py" and out["steps"] == 7 and out["broken"] == []
    source = path.read_text()
    assert _imports(source) == {"json", "torch"}
    assert "torch.float64" in source
    for k in range(1, 10):
        assert f"w{k} = number({out['weights'][f'w{k}']!r}, grad=True)" in source
    # The seed's named steps are lines of their own, the rest is written where used.
    for step in ("val", "part_1", "part_2", "v1", "v2", "part_3", "y_pred", "loss"):
        assert f"\n{step} = " in source, step
    assert len(source.splitlines()) < 80


def test_a_picture_size_is_refused_for_a_script(tmp_path, capsys):
    run_fails(capsys, ["export", str(tmp_path / "m.py"), "--size", "800x600"],
              "--size sets a picture's size")


def test_non_finite_weights_are_refused():
    graph = parse_formula("a*x1")
    with pytest.raises(TorchExportError, match="finite"):
        torch_script(graph, [float("nan")], [1.0], 0.0)


def test_variable_names_never_clash_with_the_script_s_own():
    graph = parse_formula("torch*x1 + json")
    source = torch_script(graph, [1.0, 2.0], [3.0], 0.0).source
    assert "\ntorch = " not in source and "\njson = " not in source
    compile(source, "model.py", "exec")  # it is Python


@needs_torch
@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_torch_autograd_agrees_with_the_engine(tmp_path, name):
    graph, _ = resolve_graph(FORMULAS[name] or "seed")
    rng = np.random.default_rng(5)
    weights = rng.uniform(0.2, 0.9, len(graph.weights))
    x = rng.uniform(-1.0, 1.0, max(graph.n_inputs, 5))
    y = 0.3
    path = tmp_path / "model.py"
    path.write_text(torch_script(graph, weights, x, y).source)
    result = _run_script(path)
    trace = evaluate(graph, x, y, weights)
    assert result["loss"] == pytest.approx(trace.loss, rel=1e-12)
    for weight in graph.weights:
        assert result["grads"][graph[weight].name] == pytest.approx(
            trace.grads[weight], rel=1e-9, abs=1e-12), weight


def _broken_seed():
    graph, _ = resolve_graph("seed")
    node = graph.by_name("part_3")
    wrong = Op.from_formulas("sigmoid", ("a",), "sigmoid(a)", ("out*(1 + out)",))
    return graph.with_breaks({node.id: wrong})


def test_a_broken_graph_s_script_says_its_gradients_are_torch_s_true_ones():
    graph = _broken_seed()
    source = torch_script(graph, [0.5] * 9, [0.1] * 5, 1.0).source
    assert "part_3 on purpose" in source
    assert "torch's true gradients" in source
    # The forward is the table's: sigmoid, whatever the broken derivative says.
    assert "torch.sigmoid(" in source


@needs_torch
def test_a_broken_graph_s_script_computes_the_true_gradients(tmp_path):
    broken = _broken_seed()
    weights, x, y = [0.5] * 9, [0.3, -0.2, 0.1, 0.7, -0.4], 1.0
    path = tmp_path / "model.py"
    path.write_text(torch_script(broken, weights, x, y).source)
    result = _run_script(path)
    true = evaluate(broken.with_breaks({}), x, y, weights)
    wrong = evaluate(broken, x, y, weights)
    assert result["grads"]["w8"] == pytest.approx(true.grads["w8"], rel=1e-9)
    assert result["grads"]["w8"] != pytest.approx(wrong.grads["w8"], rel=1e-3)


@needs_torch
@pytest.mark.parametrize("loss", ["mae", "huber", "bce"])
def test_every_loss_exports(tmp_path, capsys, loss):
    path = tmp_path / f"{loss}.py"
    argv = ["export", str(path), "--steps", "3", "--loss", loss, "--json"]
    if loss == "bce":
        argv += ["--graph", "xor-bce"]
    out = run_json(capsys, argv)
    result = _run_script(path)
    assert set(result["grads"]) == set(out["weights"])
    assert all(np.isfinite(v) for v in result["grads"].values())


@needs_torch
def test_the_exported_weights_after_training_give_the_engine_s_gradients(tmp_path, capsys):
    path = tmp_path / "model.py"
    run_json(capsys, ["export", str(path), "--steps", "40", "--optimizer", "adam",
                      "--json"])
    result = _run_script(path)
    inspected = run_json(capsys, ["inspect", "--sample", "0", "--weights",
                                  ",".join(repr(v) for v in _weights(path)), "--json"])
    assert result["loss"] == pytest.approx(inspected["loss"], rel=1e-12)
    for weight, grad in inspected["gradients"].items():
        assert result["grads"][weight] == pytest.approx(grad, rel=1e-9, abs=1e-12)


def _weights(path):
    values = []
    for line in path.read_text().splitlines():
        if line.startswith("w") and "grad=True" in line:
            values.append(float(line.split("number(")[1].split(",")[0]))
    return values


def test_without_torch_the_script_says_what_to_install(tmp_path, capsys):
    path = tmp_path / "model.py"
    assert run(["export", str(path)]) == 0
    capsys.readouterr()
    # torch hidden: the import fails as on a machine without it.
    done = subprocess.run(
        [sys.executable, "-c", "import sys; sys.modules['torch'] = None; "
         f"exec(compile(open({str(path)!r}).read(), 'model.py', 'exec'))"],
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert done.stderr.strip() == "this script needs PyTorch: pip install torch"
