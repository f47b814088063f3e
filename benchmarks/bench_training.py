"""Benchmark: training speed against the course notebook's loops.

    python benchmarks/bench_training.py [--repeat N] [--process-epochs E] [--skip-process]

Three measurements, each against a baseline run the same way:

1. In process, the full notebook run (20 epochs x all samples, per-sample updates) with SGD,
   Momentum and Adam through :class:`core.training.trainer.Trainer`, against the notebook's
   own loops (``benchmarks/notebook_baseline.py`` for forward and backward, numpy updates,
   Adam with bias correction).  Target: <= 0.3x.
2. Whole processes: ``python main.py train --data DATA --epochs 400 --optimizer sgd --json``
   against a process running the notebook-style loop for the same number of steps, both
   timed from start to exit.  Target: <= 0.6x.
3. Scaling: microseconds per step for graphs about 1x, 10x and 100x the seed's node count
   (one-hidden-layer networks from ``core.presets.dense_network_formula``).

Run with ``--notebook-loop DATA EPOCHS`` it is the baseline process of measurement 2 (it
then imports numpy and the notebook functions only).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.notebook_baseline import backward_propagation, forward_propagation  # noqa: E402
from benchmarks.timing import best_time  # noqa: E402

COURSE_DATA = ROOT.parent / "shared" / "data" / "data.pkl"


# -- the notebook's training loops (bugs fixed) -------------------------------------------


def notebook_training(X: np.ndarray, y: np.ndarray, w: np.ndarray, epochs: int, name: str,
                      learning_rate: float = 0.01, gamma: float = 0.9, b1: float = 0.9,
                      b2: float = 0.99, eps: float = 1e-7) -> tuple[np.ndarray, list[Any]]:
    """The notebook's cells In [6]-[8], with its data slicing, momentum bookkeeping and Adam
    bias correction fixed."""
    losses = []
    vt = np.zeros(9)
    mt = np.zeros(9)
    t = 0
    for _epoch in range(epochs):
        for i in range(len(X)):
            forward = forward_propagation(X[i], y[i], w)
            backward = backward_propagation(X[i], y[i], w, forward)
            derivatives = np.array(list(backward.values()))
            if name == "sgd":
                w = w - learning_rate * derivatives
            elif name == "momentum":
                vt = gamma * vt + learning_rate * derivatives
                w = w - vt
            else:
                t += 1
                mt = (b1 * mt) + (1 - b1) * derivatives
                vt = (b2 * vt) + (1 - b2) * derivatives * derivatives
                m_hat = mt / (1 - b1**t)
                v_hat = vt / (1 - b2**t)
                w = w - (learning_rate * m_hat) / (np.sqrt(v_hat) + eps)
            losses.append(forward["loss"])
    return w, losses


def read_array(path: str) -> np.ndarray:
    """The data array as the notebook reads it (the course's own file)."""
    if path.endswith(".npy"):
        return np.load(path)
    import pickle

    with open(path, "rb") as f:
        return pickle.load(f)


def notebook_process(path: str, epochs: int) -> None:
    data = read_array(path)
    X, y = data[:, :5], data[:, -1]
    w = np.random.default_rng(0).normal(loc=0, scale=0.01, size=9)
    w, losses = notebook_training(X, y, w, epochs, "sgd")
    print(json.dumps({"steps": len(losses), "final_weights": w.tolist()}))


# -- measurements --------------------------------------------------------------------------


def data_file(tmp: Path) -> str:
    """The course's data file, or the built-in data written to a .npy file."""
    if COURSE_DATA.exists():
        return str(COURSE_DATA)
    from core.data.datasets import builtin_dataset

    dataset = builtin_dataset()
    path = tmp / "builtin.npy"
    np.save(path, np.column_stack([dataset.X, dataset.y]))
    return str(path)


def in_process(path: str, repeat: int) -> None:
    from types import SimpleNamespace

    from core.presets import PRESETS
    from core.training.optimizers import make_optimizer
    from core.training.trainer import Trainer

    data = read_array(path)
    X, y = data[:, :5], data[:, -1]
    dataset = SimpleNamespace(X=X, y=y)
    graph = PRESETS["seed"].build()
    epochs = 20
    steps = epochs * len(X)
    w0 = np.random.default_rng(0).normal(0.0, 0.01, 9)
    print(f"1. notebook run: {epochs} epochs x {len(X)} samples = {steps} per-sample updates, "
          f"best of {repeat}")
    print(f"   {'optimizer':<10} {'notebook us/step':>17} {'trainer us/step':>16} "
          f"{'ratio':>7} {'max |dw|':>9}")
    for name in ("sgd", "momentum", "adam"):
        w_nb, _ = notebook_training(X, y, w0.copy(), epochs, name)
        trainer = Trainer(graph, dataset, make_optimizer(name, 9), epochs=epochs,
                          initial_weights=w0)
        trainer.run_to_end()
        difference = float(np.max(np.abs(trainer.weights - w_nb)))

        def train(n: str = name) -> None:
            t = Trainer(graph, dataset, make_optimizer(n, 9), epochs=epochs,
                        initial_weights=w0)
            t.run_to_end()

        # Interleaved, so that a busy moment of the machine hits both sides alike.
        baseline = ours = float("inf")
        for _ in range(repeat):
            baseline = min(baseline, best_time(lambda n=name: notebook_training(
                X, y, w0.copy(), epochs, n), 1))
            ours = min(ours, best_time(train, 1))
        print(f"   {name:<10} {baseline / steps * 1e6:>17.2f} {ours / steps * 1e6:>16.2f} "
              f"{ours / baseline:>6.3f}x {difference:>9.1e}")
    print("   target <= 0.3x (trainer time includes building the trainer and its history)")


def whole_process(path: str, epochs: int, repeat: int) -> None:
    ours_cmd = [sys.executable, "main.py", "train", "--data", path, "--epochs", str(epochs),
                "--optimizer", "sgd", "--json"]
    base_cmd = [sys.executable, "benchmarks/bench_training.py", "--notebook-loop", path,
                str(epochs)]

    def timed(cmd: list[str]) -> tuple[float, dict[str, Any]]:
        started = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[1:])} exited {done.returncode}: "
                               f"{done.stderr.strip()}")
        return seconds, json.loads(done.stdout)

    ours_best = base_best = float("inf")
    ours_out: dict[str, Any] = {}
    base_out: dict[str, Any] = {}
    for _ in range(repeat):
        seconds, ours_out = timed(ours_cmd)
        ours_best = min(ours_best, seconds)
        seconds, base_out = timed(base_cmd)
        base_best = min(base_best, seconds)
    assert ours_out["steps"] == base_out["steps"], (ours_out["steps"], base_out["steps"])
    difference = max(abs(a - b) for a, b in zip(ours_out["final_weights"].values(),
                                                base_out["final_weights"], strict=True))
    steps = ours_out["steps"]
    print(f"2. whole process, {steps} SGD steps ({epochs} epochs), best of {repeat}:")
    print(f"   notebook-style loop      {base_best:7.3f} s")
    print(f"   main.py train --json     {ours_best:7.3f} s   {ours_best / base_best:.3f}x "
          f"(target <= 0.6x); final weights differ by {difference:.1e}")


def scaling(repeat: int) -> None:
    from types import SimpleNamespace

    from core.autodiff.compiled import CompiledGraph
    from core.autodiff.formula import parse_formula
    from core.presets import PRESETS, dense_network_formula
    from core.training.optimizers import make_optimizer
    from core.training.trainer import Trainer

    rng = np.random.default_rng(0)
    X = rng.normal(size=(506, 5))
    dataset = SimpleNamespace(X=X, y=np.tanh(X[:, 0]) - 0.5 * X[:, 1])
    seed = PRESETS["seed"].build()
    graphs = [("seed", seed)]
    for hidden in (1, 17, 100, 175):
        graphs.append((f"dense 5-{hidden}-1", parse_formula(dense_network_formula(5, hidden))))
    print(f"3. scaling: per-sample SGD steps through the trainer, best of {repeat}")
    print(f"   {'graph':<16} {'nodes':>6} {'x seed':>7} {'weights':>8} {'us/step':>10} "
          f"{'ns/node':>8}  path")
    for name, graph in graphs:
        try:
            CompiledGraph(graph)
            path = "compiled"
        except RecursionError:
            path = "trace (too deep for the compiler)"
        trainer = Trainer(graph, dataset, make_optimizer("sgd", len(graph.weights), lr=1e-3),
                          epochs=1000)
        trainer.run(20)
        started = time.perf_counter()
        trainer.run(20)
        per_step = (time.perf_counter() - started) / 20
        steps = max(20, min(20_000, int(0.3 / per_step)))

        def go(t: Trainer = trainer, k: int = steps) -> None:
            t.run(k)

        seconds = best_time(go, repeat) / steps
        print(f"   {name:<16} {len(graph):>6} {len(graph) / len(seed):>6.1f}x "
              f"{len(graph.weights):>8} {seconds * 1e6:>10.2f} "
              f"{seconds * 1e9 / len(graph):>8.1f}  {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--process-epochs", type=int, default=400)
    parser.add_argument("--skip-process", action="store_true")
    parser.add_argument("--data", metavar="PATH",
                        help="data file (.pkl or .npy, 5 features + target; default: the "
                             "course's data.pkl, else the built-in data)")
    parser.add_argument("--notebook-loop", nargs=2, metavar=("DATA", "EPOCHS"))
    args = parser.parse_args(argv)
    if args.notebook_loop:
        notebook_process(args.notebook_loop[0], int(args.notebook_loop[1]))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path = args.data or data_file(Path(tmp))
        print(f"data: {path}")
        in_process(path, args.repeat)
        if not args.skip_process:
            try:
                whole_process(path, args.process_epochs, args.repeat)
            except RuntimeError as error:
                print(f"2. whole process: skipped, {error}")
        scaling(args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
