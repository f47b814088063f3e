"""--loss and --delta on the commands that read a graph, and the accuracy field with bce."""

import pytest

from tests.cli.helpers import run_fails, run_json

XOR_LOGIT = "v*tanh(a*x1 + b*x2 + c) + u*tanh(d*x1 + e*x2 + f) + g"


def test_mse_is_the_default_and_unchanged(capsys):
    plain = run_json(capsys, ["train", "--epochs", "2", "--json"])
    named = run_json(capsys, ["train", "--epochs", "2", "--loss", "mse", "--json"])
    assert plain["epoch_loss"] == named["epoch_loss"]
    assert plain["config"]["loss"] == "mse" and plain["config"]["delta"] == 1.0
    assert "accuracy" not in plain


@pytest.mark.parametrize(("loss", "op"), [("mae", "abs"), ("huber", "huber"), ("bce", "sub")])
def test_inspect_shows_the_loss_node(capsys, loss, op):
    argv = ["inspect", "--graph", XOR_LOGIT, "--data", "resources/presets/xor.csv",
            "--loss", loss, "--sample", "1", "--weights", "0.5", "--json"]
    out = run_json(capsys, argv)
    top = next(node for node in out["nodes"] if node["id"] == "loss")
    assert (top["op"], top["name"]) == (op, "L")
    if loss == "bce":
        ops = {node["op"] for node in out["nodes"]}
        assert "softplus" in ops and "residual" not in {n["id"] for n in out["nodes"]}


def test_huber_delta_changes_the_loss(capsys):
    def loss(delta):
        return run_json(capsys, ["inspect", "--loss", "huber", "--delta", delta,
                                 "--weights", "0", "--json"])["loss"]

    # With every weight 0 the seed's y' is tanh(e^0) = tanh(1); y = 1.78...: |r| ≈ 1.02.
    assert loss("2") == pytest.approx(0.5 * (1.7847 - 0.7616) ** 2, rel=1e-3)
    assert loss("0.5") == pytest.approx(0.5 * (1.0231 - 0.25), rel=1e-3)


def test_gradcheck_passes_with_each_loss(capsys):
    for loss in ("mae", "huber", "bce"):
        data = ["--data", "resources/presets/xor.csv", "--graph", XOR_LOGIT]
        out = run_json(capsys, ["gradcheck", *data, "--loss", loss, "--sample", "2",
                                "--weights", "0.3", "--json"])
        assert out["verdict"] == "correct", loss


def test_train_and_compare_report_accuracy_per_epoch_with_bce(capsys):
    out = run_json(capsys, ["train", "--graph", "xor-bce", "--optimizer", "adam",
                            "--lr", "0.05", "--epochs", "80", "--json"])
    assert out["config"]["loss"] == "bce"  # the preset's own loss
    assert len(out["accuracy"]) == len(out["epoch_loss"]) == 80
    assert out["accuracy"][0] < 1.0 and out["accuracy"][-1] == 1.0
    compared = run_json(capsys, ["compare", "--graph", "xor-bce", "--optimizers",
                                 "sgd,adam", "--epochs", "3", "--json"])
    for run in compared["runs"].values():
        assert len(run["accuracy"]) == 3
        assert all(value in (0.0, 0.25, 0.5, 0.75, 1.0) for value in run["accuracy"])


def test_loss_flag_overrides_the_presets_loss(capsys):
    out = run_json(capsys, ["train", "--graph", "xor-bce", "--loss", "mse", "--epochs", "2",
                            "--json"])
    assert out["config"]["loss"] == "mse" and "accuracy" not in out


@pytest.mark.parametrize(("argv", "words"), [
    (["train", "--loss", "bce"], "sample 0 of the built-in data has y = 1.78474"),
    (["train", "--loss", "hinge"], "invalid choice: 'hinge'"),
    (["train", "--loss", "huber", "--delta", "0"], "'0' is not a finite number > 0"),
    (["train", "--loss", "huber", "--delta", "nan"], "'nan' is not a finite number > 0"),
    (["inspect", "--delta", "2"], "--delta is Huber's δ; the loss here is mse"),
    (["train", "--graph", "xor", "--loss", "bce", "--data", "resources/presets/linear.csv"],
     "sample 0 of resources/presets/linear.csv has y ="),
])
def test_bad_loss_options_exit_2(capsys, argv, words):
    run_fails(capsys, argv, words)


def test_bce_names_the_first_bad_row(capsys, tmp_path):
    path = tmp_path / "half.csv"
    path.write_text("x1,y\n1,0\n2,1\n3,0.5\n4,2\n")
    run_fails(capsys, ["train", "--graph", "w*x1", "--data", str(path), "--loss", "bce"],
              "sample 2 of")
    out = capsys.readouterr()
    assert out.err == ""
