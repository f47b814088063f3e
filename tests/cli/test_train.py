"""The train and compare commands: JSON contract, tables, bad input, the plot, no Qt."""

import io
import struct
import subprocess
import sys

import numpy as np
import pytest

from cli.app import run
from cli.train_cmd import epoch_rows, progress_reporter
from core.training.initial_weights import initial_weights
from core.training.optimizers import OPTIMIZERS
from tests.cli.helpers import run_fails, run_json
from tests.conftest import COURSE_DATA, ROOT

WEIGHTS = [f"w{i}" for i in range(1, 10)]






def test_train_json_fields(capsys):
    out = run_json(capsys, ["train", "--optimizer", "momentum", "--epochs", "3", "--seed", "2",
                         "--json"])
    assert out["optimizer"] == "momentum"
    assert out["hyperparameters"] == {"lr": 0.01, "gamma": 0.9}
    assert list(out["initial_weights"]) == WEIGHTS == list(out["final_weights"])
    assert list(out["initial_weights"].values()) == initial_weights(9, 2).tolist()
    assert len(out["epoch_loss"]) == 3 == out["epochs"]
    assert out["steps"] == 3 * out["n_samples"] == 3 * 506
    assert out["diverged"] is None
    assert out["epoch_loss"][-1] < out["epoch_loss"][0]
    assert out["last_epoch_loss"] == out["epoch_loss"][-1]
    assert out["final_loss"] > 0 and out["seconds"] > 0
    assert out["graph"] == "seed" and out["data"] == "built-in"


def test_train_json_matches_the_trainer(capsys):
    from core.data.datasets import builtin_dataset
    from core.presets import PRESETS
    from core.training.optimizers import make_optimizer
    from core.training.trainer import Trainer

    out = run_json(capsys, ["train", "--optimizer", "adam", "--lr", "0.02", "--beta1", "0.8",
                         "--epochs", "2", "--shuffle", "--json"])
    assert out["hyperparameters"] == {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-7}
    trainer = Trainer(PRESETS["seed"].build(), builtin_dataset(),
                      make_optimizer("adam", 9, lr=0.02, beta1=0.8), epochs=2, shuffle=True)
    trainer.run_to_end()
    assert out["epoch_loss"] == trainer.history.epoch_loss().tolist()
    assert list(out["final_weights"].values()) == trainer.weights.tolist()


def test_divergence_still_exits_0_and_names_the_node(capsys):
    out = run_json(capsys, ["train", "--lr", "1e6", "--epochs", "2", "--json"])
    diverged = out["diverged"]
    assert {k: diverged[k] for k in ("node", "op", "epoch", "sample", "step")} == {
        "node": "exp1", "op": "exp", "epoch": 0, "sample": 1, "step": 1}
    assert diverged["quantity"] == "value"
    assert out["steps"] == 1 and out["epoch_loss"] == []
    assert all(np.isfinite(list(out["final_weights"].values())))


def test_negative_weights_are_accepted(capsys):
    out = run_json(capsys, ["train", "--weights", "-0.5,1,1,1,1,1,1,1,1", "--epochs", "1",
                         "--json"])
    assert out["initial_weights"]["w1"] == -0.5
    assert out["initial_weights"]["w9"] == 1.0
    out = run_json(capsys, ["train", "--weights", "-0.25", "--epochs", "1", "--json"])
    assert set(out["initial_weights"].values()) == {-0.25}


def test_clipping_and_presets(capsys):
    out = run_json(capsys, ["train", "--graph", "linear", "--optimizer", "sgd", "--clip-norm",
                         "0.5", "--clip-value", "0.1", "--epochs", "1", "--json"])
    assert list(out["final_weights"]) == ["b", "w1", "w2", "w3", "w4", "w5"]
    assert out["clip_norm"] == 0.5 and out["clip_value"] == 0.1
    out = run_json(capsys, ["train", "--graph", "sigmoid(a*x1 + b)", "--optimizer", "adamw",
                         "--weight-decay", "0.1", "--epochs", "1", "--json"])
    assert out["hyperparameters"]["weight_decay"] == 0.1
    assert list(out["final_weights"]) == ["a", "b"]


def test_train_table(capsys):
    assert run(["train", "--optimizer", "rmsprop", "--epochs", "30"]) == 0
    text = capsys.readouterr().out
    assert "RMSProp: lr=0.01, rho=0.9, eps=1e-07" in text
    assert "mean loss" in text and "weight" in text and "final" in text
    epoch_lines = [line for line in text.splitlines() if line[:1].isdigit()]
    assert len(epoch_lines) == 25 and epoch_lines[-1].split()[0] == "30"


def test_epoch_rows_thin_long_tables():
    assert epoch_rows(3) == [0, 1, 2]
    rows = epoch_rows(400)
    assert rows[0] == 0 and rows[-1] == 399 and len(rows) == 25


@pytest.mark.parametrize(("argv", "words"), [
    (["train", "--optimizer", "adamax"], "unknown optimizer 'adamax'; known: sgd"),
    (["train", "--lr", "-1"], "--lr: lr must be > 0, got -1"),
    (["train", "--lr", "0"], "lr must be > 0"),
    (["train", "--lr", "fast"], "'fast' is not a number"),
    (["train", "--lr", "nan"], "not a finite number"),
    (["train", "--optimizer", "adam", "--beta2", "1"], "beta2 must be in [0, 1), got 1"),
    (["train", "--optimizer", "adam", "--eps", "-1e-8"], "eps must be > 0"),
    (["train", "--optimizer", "sgd", "--gamma", "0.5"], "--gamma does not apply to sgd"),
    (["train", "--weights", "1,2,3"], "--weights takes 1 or 9 numbers"),
    (["train", "--weights", "1,x,3"], "'x' is not a number"),
    (["train", "--graph", "tanh(w1*x1"], "--graph: formula error"),
    (["train", "--graph", "frobnicate(w*x1)"], "--graph"),
    (["train", "--epochs", "0"], "--epochs: epochs must be a whole number in [1, 100000], got 0"),
    (["train", "--epochs", "two"], "--epochs"),
    (["train", "--epochs", "99999999999"], "epochs must be a whole number in [1, 100000]"),
    (["compare", "--epochs", "100001"], "--epochs: epochs must be a whole number in [1,"),
    (["train", "--seed", "-3"], "--seed: seed must be a whole number in [0, 2147483647], got -3"),
    (["train", "--seed", "2147483648"], "--seed: seed must be a whole number in [0, 2147483647]"),
    (["inspect", "--seed", "-1"], "--seed: seed must be a whole number in [0, 2147483647]"),
    (["gradcheck", "--seed", "2147483648"], "--seed: seed must be a whole number in [0,"),
    (["train", "--optimizer", "rmsprop", "--rho", "-0.5"],
     "--rho: rho must be in [0, 1), got -0.5"),
    (["train", "--clip-value", "-1"], "--clip-value: clip_value must be > 0, got -1"),
    (["train", "--clip-norm", "0"], "clip_norm must be > 0"),
    (["train", "--data", "/nonexistent/data.csv"], "data.csv"),
    (["compare", "--optimizers", "sgd,nope"], "unknown optimizer 'nope'"),
    (["compare", "--optimizers", "adam,adam"], "adam is listed twice"),
    (["compare", "--optimizers", "sgd,"], "empty name"),
    (["compare", "--optimizers", "sgd,adam", "--gamma", "0.5"], "does not apply to sgd, adam"),
    (["compare", "--log"], "--log applies to --plot"),
    (["compare", "--plot", "/nonexistent/folder/out.png"], "does not exist"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, words):
    run_fails(capsys, argv, words)


def test_compare_json_runs_share_the_start(capsys):
    out = run_json(capsys, ["compare", "--optimizers", "sgd,momentum,adam", "--epochs", "2",
                         "--gamma", "0.8", "--json"])
    assert out["optimizers"] == ["sgd", "momentum", "adam"] == list(out["runs"])
    for name, fields in out["runs"].items():
        assert fields["optimizer"] == name
        assert fields["initial_weights"] == out["initial_weights"]
        assert len(fields["epoch_loss"]) == 2
        assert fields["steps"] == 2 * 506
        assert fields["diverged"] is None
        assert set(fields) >= {"hyperparameters", "final_weights", "final_loss"}
    assert out["runs"]["momentum"]["hyperparameters"]["gamma"] == 0.8
    assert out["runs"]["sgd"]["hyperparameters"] == {"lr": 0.01}
    assert out["best"] in out["runs"] and out["plot"] is None


def _png_size(path):
    """Width and height from a PNG file's header."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_compare_plot_writes_a_png(capsys, tmp_path):
    from gui.plots.compare_picture import PICTURE_SIZE

    target = tmp_path / "loss.png"
    out = run_json(capsys, ["compare", "--optimizers", "sgd,adam", "--epochs", "3", "--plot",
                         str(target), "--log", "--json"])
    assert out["plot"] == str(target)
    assert _png_size(target) == PICTURE_SIZE
    assert run(["compare", "--optimizers", "momentum", "--epochs", "1", "--plot",
                str(tmp_path / "one.png")]) == 0
    assert "plot written to" in capsys.readouterr().out
    assert _png_size(tmp_path / "one.png") == PICTURE_SIZE


def test_compare_plot_without_qt_exits_2_with_one_line(tmp_path):
    # Qt that cannot load (no PySide6, or its system libraries missing) is an ImportError.
    target = tmp_path / "loss.png"
    code = (
        "import sys; sys.modules['PySide6'] = None; sys.modules['pyqtgraph'] = None\n"
        "from main import main\n"
        f"sys.exit(main(['compare', '--epochs', '1', '--plot', {str(target)!r}]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: --plot: cannot draw without Qt")
    assert "Traceback" not in result.stderr
    assert not target.exists()
    # Refused before training: nothing was printed.
    assert result.stdout == ""


def test_compare_table(capsys):
    assert run(["compare", "--optimizers", "nesterov,adagrad", "--epochs", "2"]) == 0
    text = capsys.readouterr().out
    assert "same initial weights" in text
    header = next(line for line in text.splitlines() if line.startswith("epoch"))
    assert header.split() == ["epoch", "Nesterov", "AdaGrad"]


def test_progress_goes_to_a_terminal_only():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    assert progress_reporter("SGD", io.StringIO()) is None
    stream = Terminal()
    report = progress_reporter("SGD", stream, delay=0.0)
    from core.presets import PRESETS
    from core.training.optimizers import make_optimizer
    from core.training.trainer import Trainer
    from tests.core.training.test_trainer import seed_data

    trainer = Trainer(PRESETS["seed"].build(), seed_data(n=10), make_optimizer("sgd", 9),
                      epochs=4)
    trainer.run(15)
    report(trainer)
    assert stream.getvalue().startswith("\rSGD: epoch 2/4 [########")
    trainer.run_to_end()
    report(trainer)
    assert stream.getvalue().endswith("\r\033[K")


@pytest.mark.skipif(not COURSE_DATA.exists(), reason="the course's data.pkl is absent")
def test_train_on_the_course_data(capsys):
    out = run_json(capsys, ["train", "--data", str(COURSE_DATA), "--optimizer", "adam",
                         "--epochs", "2", "--json"])
    assert out["steps"] == 2 * 506 and out["diverged"] is None


def test_the_commands_import_no_qt(tmp_path):
    csv = tmp_path / "history.csv"
    code = (
        "import sys; import cli.app; from cli.app import run; "
        "assert run(['train', '--epochs', '1', '--json']) == 0; "
        "assert run(['compare', '--optimizers', 'sgd,adam', '--epochs', '1', '--json']) == 0; "
        "assert run(['inspect', '--json']) == 0; "
        "assert run(['gradcheck', '--json']) == 0; "
        f"assert run(['export', {str(csv)!r}, '--steps', '2']) == 0; "
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'pyqtgraph', "
        "'matplotlib', 'gui'))]; "
        "assert not bad, bad"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr


def test_a_formula_undefined_at_the_start_is_not_blamed_on_the_step_size(capsys):
    assert run(["train", "--graph", "log(w1)", "--weights", "-1", "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "not defined at the initial weights" in out
    assert run(["train", "--graph", "linear", "--lr", "5", "--epochs", "3"]) == 0
    out = capsys.readouterr().out
    assert "Lower --lr." in out and "not defined" not in out


OPTIMIZER_HYPERPARAMETERS = [(cls.name, h) for cls in OPTIMIZERS.values()
                             for h in cls.hyperparameters]


@pytest.mark.parametrize(("optimizer", "rule"), OPTIMIZER_HYPERPARAMETERS,
                         ids=[f"{name}-{h.name}" for name, h in OPTIMIZER_HYPERPARAMETERS])
def test_every_declared_hyperparameter_has_a_working_flag(capsys, optimizer, rule):
    # A value in range other than the default reaches the optimizer...
    value = rule.default / 2 if rule.default > 0 else 0.5
    assert rule.contains(value) and value != rule.default
    out = run_json(capsys, ["train", "--graph", "tiny", "--epochs", "1", "--optimizer",
                            optimizer, rule.flag, repr(value), "--json"])
    assert out["hyperparameters"][rule.name] == value
    assert out["config"]["hyperparameters"][rule.name] == value
    # ...and a negative one is read as a value (and refused by its range), not as an option.
    run_fails(capsys, ["train", "--optimizer", optimizer, rule.flag, "-1"],
              f"{rule.flag}: {rule.name} must be {rule.interval}, got -1")


def test_train_json_carries_its_config(capsys):
    from core.training.config import TrainingConfig
    from core.training.trainer import Trainer

    out = run_json(capsys, ["train", "--graph", "tiny", "--epochs", "2", "--seed", "5",
                            "--optimizer", "nesterov", "--shuffle", "--clip-value", "2",
                            "--weights", "-0.5,1", "--json"])
    config = TrainingConfig.from_dict(out["config"])
    assert (config.graph, config.optimizer, config.seed, config.epochs) == \
        ("tiny", "nesterov", 5, 2)
    assert config.shuffle and config.clip_value == 2.0 and config.initial_weights == (-0.5, 1)
    assert config.data.builtin
    trainer = Trainer.from_config(config)
    trainer.run_to_end()
    assert trainer.weights.tolist() == list(out["final_weights"].values())


def test_a_formula_over_csv_column_names_trains_and_compares(capsys, tmp_path):
    data = tmp_path / "ages.csv"
    data.write_text("age,height,y\n" + "".join(f"{a},{h},{2 * a + 0.5 * h}\n"
                                                for a, h in [(1, 2), (2, 1), (3, 5), (4, 3)]))
    out = run_json(capsys, ["train", "--graph", "w*age + v*height", "--data", str(data),
                            "--epochs", "3", "--json"])
    # The header's names are columns, the others weights.
    assert set(out["initial_weights"]) == {"v", "w"}
    assert len(out["epoch_loss"]) == 3
    out = run_json(capsys, ["compare", "--optimizers", "sgd,adam", "--graph",
                            "w*age + v*height", "--data", str(data), "--epochs", "2", "--json"])
    assert set(out["initial_weights"]) == {"v", "w"}
    assert len(out["runs"]) == 2
    run_fails(capsys, ["train", "--graph", "w*age", "--data", str(data), "--weights", "1,2",
                       "--json"], "--weights takes 1 number (w), got 2")
