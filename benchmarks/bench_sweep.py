"""Benchmark: a learning-rate sweep against the single-run trainer, per step of one run.

    python benchmarks/bench_sweep.py [--runs N] [--epochs E] [--repeat R]

A sweep of N learning rates per optimizer for SGD and Adam (2N runs trained at once, one
forward and backward pass over all of them per step) on the seed graph and the built-in
data, timed whole (setup, the final losses and any replays included) and divided by the
run-steps it trains; beside it, in the same process and alternating with it, the
single-run trainer (:class:`core.training.trainer.Trainer`, built before the clock
starts, then run to the end) for SGD and Adam over the same epochs, per step.  Each
figure is the fastest of ``--repeat`` rounds, for the whole run and for its fastest epoch
(shorter, so more often undisturbed on a busy machine).  Target: sweep time per run-step <= 0.15x
the trainer's time per step.  For scale it also times the seed graph's pass written by hand
in numpy over the same runs, without any finiteness check.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks.timing import best_time  # noqa: E402
from core.training.config import TrainingConfig  # noqa: E402
from core.training.sweep import run_sweep  # noqa: E402
from core.training.trainer import Trainer  # noqa: E402

#: The bar: sweep time per run-step over the trainer's time per step.
TARGET = 0.15


def plain_numpy_loop(X: np.ndarray, y: np.ndarray, start: np.ndarray, lr: np.ndarray,
                     epochs: int, adam: tuple[float, float, float] = (0.9, 0.99, 1e-7)
                     ) -> np.ndarray:
    """The seed graph's forward and backward pass written by hand over runs: half the
    columns SGD, half Adam, no finiteness checks, for scale."""
    W = np.repeat(start[:, None], lr.size, axis=1)
    half = lr.size // 2
    m = np.zeros((9, lr.size - half))
    v = np.zeros_like(m)
    b1, b2, eps = adam
    rows, targets = X.tolist(), y.tolist()
    t = 0
    for _ in range(epochs):
        for (x1, x2, x3, x4, x5, *_rest), target in zip(rows, targets, strict=True):
            w1, w2, w3, w4, w5, w6, w7, w8, w9 = W
            s = w1 * x1 + w2 * x2
            e = np.exp(s * s + w6)
            th = np.tanh(e + w7)
            a = np.sin(w3 * x3)
            b = w4 * x4 + w5 * x5
            sg = 1.0 / (1.0 + np.exp(-(a * b + w8)))
            d = -2.0 * (target - (th + sg * w9))
            dt = d * (1.0 - th * th)
            de = dt * e
            dss = de * 2.0 * s
            dz = d * w9 * sg * (1.0 - sg)
            G = np.array([dss * x1, dss * x2, dz * b * np.cos(w3 * x3) * x3, dz * a * x4,
                          dz * a * x5, de, dt, dz, d * sg])
            t += 1
            g = G[:, half:]
            m = b1 * m + (1.0 - b1) * g
            v = b2 * v + (1.0 - b2) * g * g
            step = lr[half:] * (m / (1.0 - b1**t)) / (np.sqrt(v / (1.0 - b2**t)) + eps)
            W = np.concatenate([W[:, :half] - lr[:half] * G[:, :half], W[:, half:] - step],
                               axis=1)
    return W


def timed_sweep(config: TrainingConfig, optimizers: tuple[str, ...], lr_min: float,
                lr_max: float, runs: int) -> tuple[float, float]:
    """Seconds of a whole sweep and of its fastest epoch."""
    marks: list[float] = []

    def started(fraction: float) -> None:
        if fraction == 0.0:
            marks.append(time.perf_counter())

    began = time.perf_counter()
    run_sweep(config, optimizers, lr_min, lr_max, runs, progress=started,
              epoch_finished=lambda _epoch, _losses: marks.append(time.perf_counter()))
    return time.perf_counter() - began, float(np.diff(marks).min())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100, help="learning rates per optimizer")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    config = TrainingConfig(epochs=args.epochs)
    optimizers = ("sgd", "adam")
    lr_min, lr_max = 1e-3, 0.1
    n_samples = len(config.load_data())
    steps = args.epochs * n_samples
    run_steps = steps * args.runs * len(optimizers)
    run_sweep(config, optimizers, lr_min, lr_max, 2, epochs=1)  # generate the code once
    singles = {name: config.replace(optimizer=name, hyperparameters={"lr": 0.01})
               for name in optimizers}
    seconds = dict.fromkeys(("sweep", "numpy", *optimizers), float("inf"))
    # The fastest epoch of each, too: an epoch (a few ms for a trainer, about 0.1 s for
    # the sweep) often runs undisturbed on a busy machine, where a whole run rarely does.
    epoch = dict.fromkeys(("sweep", *optimizers), float("inf"))
    data = config.load_data()
    start = config.start_weights()
    rates = np.concatenate([np.geomspace(lr_min, lr_max, args.runs)] * 2)
    for _ in range(args.repeat):  # rounds alternate, so that all see the same machine
        whole, fastest = timed_sweep(config, optimizers, lr_min, lr_max, args.runs)
        seconds["sweep"] = min(seconds["sweep"], whole)
        epoch["sweep"] = min(epoch["sweep"], fastest)
        seconds["numpy"] = min(seconds["numpy"], best_time(
            lambda: plain_numpy_loop(data.X, data.y, start, rates, args.epochs), 1))
        for name, single in singles.items():
            trainer = Trainer.from_config(single)  # built outside the clock: its steps alone
            began = time.perf_counter()
            while not trainer.finished:
                before = time.perf_counter()
                trainer.step_epoch()
                epoch[name] = min(epoch[name], time.perf_counter() - before)
            seconds[name] = min(seconds[name], time.perf_counter() - began)
    runs_total = args.runs * len(optimizers)
    print(f"seed graph, {n_samples} samples x {args.epochs} epochs = {steps} steps per run; "
          f"best of {args.repeat} rounds")
    print(f"  {'':<36} {'whole run':>12} {'best epoch':>12}")
    trainer = {}
    for name in optimizers:
        trainer[name] = (seconds[name] / steps * 1e6, epoch[name] / n_samples * 1e6)
        print(f"  {'single-run trainer, ' + name + ', us/step':<36} "
              f"{trainer[name][0]:12.3f} {trainer[name][1]:12.3f}")
    sweep = (seconds["sweep"] / run_steps * 1e6,
             epoch["sweep"] / (n_samples * runs_total) * 1e6)
    print(f"  {f'sweep, {runs_total} runs, us/run-step':<36} {sweep[0]:12.3f} {sweep[1]:12.3f}")
    numpy_loop = seconds["numpy"] / run_steps * 1e6
    print(f"  {'hand-written numpy, us/run-step':<36} {numpy_loop:12.3f}   (for scale: the "
          f"seed graph's pass over the same runs, no checks)")
    print(f"  sweep: {seconds['sweep']:.3f} s for {runs_total} runs (setup, final losses and "
          f"replays included)")
    for k, what in enumerate(("whole run", "best epoch")):
        single = sum(times[k] for times in trainer.values()) / len(trainer)
        ratio = sweep[k] / single
        verdict = "within" if ratio <= TARGET else "over"
        print(f"  ratio, {what}: {ratio:.3f}x the trainer's mean per-step time "
              f"(target <= {TARGET}x: {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
