"""Benchmark: rebuilding any past step of a long run, and what its checkpoints cost.

    python benchmarks/bench_replay.py [--steps N] [--samples K] [--seed S]

1. A 100,000-step run of the seed graph on the built-in data (Adam and SGD, shuffled) is
   trained once; then ``Trainer.rebuild(step)`` (weights, optimizer state and the trace of
   the next sample, bit for bit) is timed for K random past steps.  Target: < 20 ms each.
   The baseline, run in the same process, is what rebuilding costs without the kept
   checkpoints: training a fresh trainer from step 0 up to the same steps.
2. The memory of the kept checkpoints: measured for the 100,000-step run, and for 10
   million steps computed from the real structure (``CheckpointLog``'s arrays for that run
   length, every row filled) for each optimizer of the seed graph.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.timing import best_time  # noqa: E402
from core.data.datasets import builtin_dataset  # noqa: E402
from core.presets import PRESETS  # noqa: E402
from core.training.checkpoint_log import CheckpointLog  # noqa: E402
from core.training.optimizers import OPTIMIZERS, make_optimizer  # noqa: E402
from core.training.trainer import Trainer  # noqa: E402

TARGET_MS = 20.0


def trained(name: str, steps: int, seed: int) -> Trainer:
    graph = PRESETS["seed"].build()
    data = builtin_dataset()
    epochs = -(-steps // len(data))
    trainer = Trainer(graph, data, make_optimizer(name, len(graph.weights)), epochs=epochs,
                      seed=seed, shuffle=True)
    trainer.run(steps)
    return trainer


def rebuild_times(trainer: Trainer, picks: np.ndarray) -> list[float]:
    """Milliseconds per rebuild, each the best of 3 (the first call builds the replayer)."""
    trainer.rebuild(int(picks[0]))
    return [1000 * best_time(lambda s=int(step): trainer.rebuild(s), 3) for step in picks]


def from_scratch_ms(trainer: Trainer, picks: np.ndarray) -> float:
    """Mean milliseconds to reach the same steps by training a fresh trainer from 0."""
    total = 0.0
    for step in picks:
        fresh = Trainer(trainer.graph, trainer.dataset, trainer.optimizer.with_values(),
                        epochs=trainer.epochs, seed=trainer.seed, shuffle=trainer.shuffle)
        started = time.perf_counter()
        fresh.run(int(step))
        total += time.perf_counter() - started
    return 1000 * total / len(picks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200, help="random steps rebuilt")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    print(f"1. Rebuilding a random past step of a {args.steps:,}-step seed run "
          f"(shuffled), target < {TARGET_MS:g} ms")
    worst = 0.0
    for name in ("adam", "sgd"):
        trainer = trained(name, args.steps, args.seed)
        picks = rng.integers(0, args.steps, size=args.samples)
        times = rebuild_times(trainer, picks)
        baseline = from_scratch_ms(trainer, picks[:5])
        median = statistics.median(times)
        worst = max(worst, *times)
        log = trainer.checkpoints
        print(f"   {trainer.optimizer.title:<5} K = {log.interval}: median {median:.2f} ms, "
              f"max {max(times):.2f} ms over {len(times)} steps; training from step 0 "
              f"instead: {baseline:.0f} ms ({median / baseline:.4f}x); "
              f"{len(log):,} checkpoints, {log.nbytes / 1e6:.2f} MB")
    print(f"   {'PASS' if worst < TARGET_MS else 'FAIL'}: slowest rebuild {worst:.2f} ms")

    print("2. Checkpoint memory for 10,000,000 steps of the seed graph (9 weights), "
          "every row filled")
    for cls in OPTIMIZERS.values():
        log = CheckpointLog(10_000_000, 9, cls.slots)
        rows = 10_000_000 // log.interval + 1
        print(f"   {cls.title:<8} K = {log.interval}, {rows:,} checkpoints of "
              f"{log.row_values + 1} numbers: {rows * (log.row_values + 1) * 8 / 1e6:.2f} MB "
              f"(arrays reserved: {log.capacity_nbytes / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
