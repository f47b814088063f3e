"""Write the presets' own small datasets, ``resources/presets/*.csv``.

Run ``python resources/make_preset_data.py`` to rewrite them (``--check`` exits 1 if a
shipped file differs from what this script makes).  Every file is generated
deterministically: numpy's PCG64 generator from a fixed seed, values rounded to 6 decimals
(so the files stay small and read back as exactly the numbers written).

linear.csv          100 rows, 5 standard-normal features,
                    y = 1.5 x1 - 2 x2 + 0.5 x3 + x5 + 0.7 + 0.1 noise
sigmoid_neuron.csv  80 rows, 2 features uniform in [-2, 2], y = sigmoid(2 x1 - 3 x2 + 0.5)
micrograd.csv       the one sample of micrograd's classic neuron: x1 = 2, x2 = 0, y = 1
xor.csv             the four rows of XOR: y = x1 xor x2
circles.csv         300 rows, 2 features uniform in [-2, 2], y = 1 inside the circle of
                    radius 1.6 around the origin (about half the square), else 0
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

FOLDER = Path(__file__).resolve().parent / "presets"
DECIMALS = 6


def _render(header: Sequence[str], rows: np.ndarray) -> str:
    lines = [",".join(header)]
    lines.extend(",".join(repr(round(float(v), DECIMALS) + 0.0) for v in row)
                 for row in rows)
    return "\n".join(lines) + "\n"


def linear() -> str:
    rng = np.random.default_rng(20250101)
    X = np.round(rng.standard_normal((100, 5)), DECIMALS)
    noise = rng.standard_normal(100)
    y = 1.5 * X[:, 0] - 2.0 * X[:, 1] + 0.5 * X[:, 2] + X[:, 4] + 0.7 + 0.1 * noise
    return _render(("x1", "x2", "x3", "x4", "x5", "y"), np.column_stack([X, y]))


def sigmoid_neuron() -> str:
    rng = np.random.default_rng(20250102)
    X = np.round(rng.uniform(-2.0, 2.0, (80, 2)), DECIMALS)
    y = [1.0 / (1.0 + math.exp(-(2.0 * a - 3.0 * b + 0.5))) for a, b in X.tolist()]
    return _render(("x1", "x2", "y"), np.column_stack([X, y]))


def micrograd() -> str:
    return _render(("x1", "x2", "y"), np.array([[2.0, 0.0, 1.0]]))


def xor() -> str:
    rows = [[a, b, float(int(a) ^ int(b))] for a in (0.0, 1.0) for b in (0.0, 1.0)]
    return _render(("x1", "x2", "y"), np.array(rows))


def circles() -> str:
    rng = np.random.default_rng(20250103)
    X = np.round(rng.uniform(-2.0, 2.0, (300, 2)), DECIMALS)
    y = (X[:, 0] ** 2 + X[:, 1] ** 2 < CIRCLE_RADIUS**2).astype(float)
    return _render(("x1", "x2", "y"), np.column_stack([X, y]))


#: The circle of circles.csv: pi 1.6² is 8.04, half of the 4 x 4 square.
CIRCLE_RADIUS = 1.6


FILES: dict[str, Callable[[], str]] = {
    "linear.csv": linear,
    "sigmoid_neuron.csv": sigmoid_neuron,
    "micrograd.csv": micrograd,
    "xor.csv": xor,
    "circles.csv": circles,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if a file differs from a fresh build")
    args = parser.parse_args(argv)
    stale = []
    for name, make in FILES.items():
        path = FOLDER / name
        text = make()
        if args.check:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8", newline="\n")
    if stale:
        print(f"out of date: {', '.join(stale)}; run {Path(__file__).name}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
