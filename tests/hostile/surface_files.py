"""Hostile files for the file surfaces other than data tables: sessions, lessons, pickles,
formulas.  Each maker writes its file into a folder and returns the path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

#: A session depth no parser's recursion survives.
DEEP = 100_000
#: The self-referential pickle: a list that holds itself (``l = []; l.append(l)``).
SELF_REFERENTIAL_PICKLE = b"]q\x00h\x00a."
#: A column name whose digits are over Python's int conversion limit (4,300 digits).
LONG_COLUMN = "x" + "1" * 5_000


def base_session(folder: Path) -> dict[str, Any]:
    """A real session: 506 steps of SGD on the built-in data, as the app writes it."""
    path = folder / "base.json"
    if not path.exists():
        subprocess.run([sys.executable, str(ROOT / "main.py"), "train", "--optimizer", "sgd",
                        "--epochs", "1", "--save-session", str(path), "--json"],
                       check=True, capture_output=True, timeout=120, cwd=ROOT)
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def write_json(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document))
    return path


def deep_session(folder: Path, depth: int = DEEP) -> Path:
    """A session object holding arrays nested ``depth`` deep."""
    path = folder / f"deep_{depth}.json"
    body = json.dumps(base_session(folder))[:-1]
    path.write_text(body + ', "deep": ' + "[" * depth + "]" * depth + "}")
    return path


def padded_session(folder: Path, size: int, item: str) -> Path:
    """A valid session of about ``size`` bytes, padded with a list of ``item`` under a key
    the reader ignores: what the most memory an accepted file can take is measured on."""
    path = folder / f"padded_{size}_{len(item)}_{ord(item[0])}.json"
    body = json.dumps(base_session(folder))[:-1]
    count = max(0, (size - len(body) - 20) // (len(item) + 1))
    with path.open("w") as stream:
        stream.write(body + ', "padding": [')
        stream.write((item + ",") * count)
        stream.write(item + "]}")
    return path


def fifo(folder: Path, name: str = "fifo") -> Path:
    """A named pipe nobody writes to: reading it blocks forever."""
    path = folder / name
    os.mkfifo(path)
    return path


def session_with_data(folder: Path, data_path: str, name: str) -> Path:
    """A session whose data file is ``data_path``, with a sha256 to check."""
    document = base_session(folder)
    document["config"]["data"] = {"path": data_path, "sha256": "0" * 64}
    return write_json(folder / name, document)


def wide_session(folder: Path, weights: int = 2_000, step: int = 4_999_000, *,
                 history: bool = True) -> Path:
    """About 49 KB: a formula of 2,000 weights and a checkpoint at step 4,999,000, with
    enough epochs planned to reach it.  Replaying it would take about 50 minutes.  With
    ``history``, an empty one (which does not fit the step); without, none at all."""
    document = base_session(folder)
    formula = "+".join(f"w{i}*x1" for i in range(1, weights + 1))
    epochs = step // 506 + 1
    # A small rate: the run never diverges, so only the replay's length stops it.
    document["config"].update(graph=formula, epochs=epochs, hyperparameters={"lr": 1e-9})
    document["checkpoint"].update(
        step=step, epoch=step // 506, position=step % 506, weights=[0] * weights,
        epoch_loss=[0] * (step // 506))
    if history:
        document["history"] = {"steps": [], "samples": [], "loss": [], "epoch_loss": []}
    else:
        del document["history"]
    return write_json(folder / ("wide.json" if history else "wide_no_history.json"), document)


def empty_arrays_session(folder: Path, size: int) -> Path:
    """A session of about ``size`` bytes, nearly all of it a history of empty arrays
    (``[],`` is 3 bytes of file and a 56-byte list in memory)."""
    path = folder / f"empty_arrays_{size}.json"
    body = json.dumps(base_session(folder))[:-1]
    count = max(0, (size - len(body) - 20) // 3)
    with path.open("w") as stream:
        stream.write(body + ', "padding": [')
        stream.write("[]," * count)
        stream.write("[]]}")
    return path


def self_referential_pickle(folder: Path) -> Path:
    path = folder / "self.pkl"
    path.write_bytes(SELF_REFERENTIAL_PICKLE)
    return path


def long_column_formula() -> str:
    """``w*x111...1``: a column suffix of 5,000 digits."""
    return f"w*{LONG_COLUMN}"
