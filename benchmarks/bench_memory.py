"""Benchmark: peak memory of compare with 7 optimizers against train, on one large file.

    python benchmarks/bench_memory.py [--rows N] [--epochs E]

Writes a CSV of N rows (default 1,000,000; five features and a target) to a temporary
folder, then runs, each in a fresh process, ``main.py train`` (SGD) and ``main.py compare``
with all seven optimizers on it, and prints each process's peak resident memory
(``resource.getrusage(RUSAGE_SELF).ru_maxrss`` at exit).  The comparison shares one
read-only copy of the data between its optimizers and keeps one trainer alive at a time, so
its peak should stay within 1.5x that of train (before, every optimizer had its own copy:
7 optimizers on a million rows peaked at 3.1 GB).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.training.optimizers import OPTIMIZERS  # noqa: E402

#: Runs ``main.main(argv)`` and prints the process's peak memory in KiB on stderr's last line.
_RUNNER = (
    "import resource, sys\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "from main import main\n"
    "status = main(sys.argv[2:])\n"
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(status)\n"
)


def peak_kib(argv: list[str]) -> int:
    result = subprocess.run([sys.executable, "-c", _RUNNER, str(ROOT), *argv],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:1])} failed: {result.stderr.strip()}")
    return int(result.stderr.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    table = rng.normal(size=(args.rows, 6))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large.csv"
        np.savetxt(path, table, delimiter=",", fmt="%.6f")
        size = path.stat().st_size
        common = ["--data", str(path), "--epochs", str(args.epochs), "--json"]
        train = peak_kib(["train", "--optimizer", "sgd", *common])
        names = ",".join(OPTIMIZERS)
        compare = peak_kib(["compare", "--optimizers", names, *common])
    print(f"data: {args.rows:,} rows x 6 columns, CSV of {size / 2**20:.0f} MiB; "
          f"{args.epochs} epoch(s)")
    print(f"{'command':<36} {'peak MiB':>10} {'vs train':>10}")
    print(f"{'train (sgd)':<36} {train / 1024:>10.0f} {1.0:>9.2f}x")
    print(f"{'compare (' + str(len(OPTIMIZERS)) + ' optimizers)':<36} {compare / 1024:>10.0f} "
          f"{compare / train:>9.2f}x")
    verdict = "meets" if compare <= 1.5 * train else "MISSES"
    print(f"compare peak {compare / train:.2f}x train ({verdict} the 1.5x target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
