"""Write ``resources/builtin_data.csv``, the dataset the app opens with.

Run ``python resources/make_builtin_data.py`` to rewrite it (``--output PATH`` writes
elsewhere; ``--check`` exits 1 if the shipped file differs from what this script makes).

How it is made
--------------
506 samples, like the course's ``data.pkl``, drawn from numpy's PCG64 generator seeded
with :data:`SEED`. The five features imitate measurements of one phenomenon: a shared
latent factor ``g`` plus per-column noise ``z1..z5`` (all standard normal) makes them
positively correlated, and two columns have the shapes real measurements often have::

    x1 = g + 0.7 z1
    x2 = 0.8 g + 0.8 z2
    x3 = (1.2 + 0.4 g + 0.5 z3)**2      right-skewed, like a size or a price
    x4 = 0.6 g + 0.8 z4
    x5 = round(1.4 g + 1.4 z5)          a coarse count: a handful of integer levels

Each column is then standardized to mean 0 and standard deviation 1 (population std,
ddof=0), as in the course's file.

The target is the seed graph's prediction with the teacher weights ``w1 = ... = w9 = 1.0``
(:data:`TEACHER_WEIGHTS`, the same teacher as the course's file)::

    y = tanh(exp((x1 + x2)**2 + 1) + 1) + sigmoid(sin(x3) * (x4 + x5) + 1)

computed by the app's own engine (``core.autodiff.engine.forward`` on the ``seed`` preset), so the
seed graph fits the data exactly: with the teacher weights every loss is 0.

Reproducibility: the features use only correctly rounded arithmetic (+, -, *, round,
``math.fsum``, ``math.sqrt``), so they are the same bits on every platform; values are
written with ``repr``, which round-trips float64 exactly.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

N_SAMPLES = 506
SEED = 20240917
#: The teacher: the seed graph's weights w1..w9 that produce the targets exactly.
TEACHER_WEIGHTS = (1.0,) * 9
HEADER = ("x1", "x2", "x3", "x4", "x5", "y")
OUTPUT = Path(__file__).resolve().parent / "builtin_data.csv"
ROOT = Path(__file__).resolve().parent.parent


def standardize(column: np.ndarray) -> np.ndarray:
    """``(column - mean) / std`` with exactly rounded sums (``math.fsum``), ddof=0."""
    n = len(column)
    mean = math.fsum(column.tolist()) / n
    centered = column - mean
    std = math.sqrt(math.fsum((centered * centered).tolist()) / n)
    return centered / std


def make_features(n: int = N_SAMPLES, seed: int = SEED) -> np.ndarray:
    """The standardized feature matrix, shape ``(n, 5)``."""
    rng = np.random.default_rng(seed)
    g = rng.standard_normal(n)
    z1, z2, z3, z4, z5 = rng.standard_normal((5, n))
    h = 1.2 + 0.4 * g + 0.5 * z3
    raw = [
        g + 0.7 * z1,
        0.8 * g + 0.8 * z2,
        h * h,
        0.6 * g + 0.8 * z4,
        np.round(1.4 * g + 1.4 * z5),
    ]
    return np.column_stack([standardize(column) for column in raw])


def teacher_targets(X: np.ndarray) -> np.ndarray:
    """The seed graph's prediction y' for every row of ``X`` with :data:`TEACHER_WEIGHTS`."""
    from core.autodiff.engine import forward
    from core.presets import PRESETS

    graph = PRESETS["seed"].build()
    return np.array([forward(graph, row, 0.0, TEACHER_WEIGHTS)[graph.output] for row in X])


def make_table() -> np.ndarray:
    """Features and target side by side, shape ``(N_SAMPLES, 6)``."""
    X = make_features()
    return np.column_stack([X, teacher_targets(X)])


def render_csv(table: np.ndarray) -> str:
    """The CSV text: a header line, then one line per row in ``repr`` precision."""
    lines = [",".join(HEADER)]
    lines.extend(",".join(repr(value) for value in row) for row in table.tolist())
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where to write the CSV")
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the file differs from a fresh build")
    args = parser.parse_args(argv)
    text = render_csv(make_table())
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date; run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8", newline="\n")
    return 0


if __name__ == "__main__":
    # Run as a script, sys.path starts at resources/; the engine lives at the repo root.
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
