"""Records the built-in optimizers' trajectories as exact float hex.

``python -m tests.core.training.record_optimizer_trajectories`` rewrites
``data/optimizer_trajectories.json``.  The file in the repository was recorded from the
optimizers as they were before their rules became files (string templates filled with
``re.sub`` and ``str.format``); ``test_optimizer_trajectories.py`` holds today's optimizers
to it bit for bit: the per-weight update, the batched sweep update and whole training runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from core.data.datasets import builtin_dataset
from core.presets import PRESETS
from core.training.optimizers import OPTIMIZERS, make_optimizer
from core.training.trainer import Trainer
from core.training.vectorized import runs_update

PATH = Path(__file__).with_name("data") / "optimizer_trajectories.json"

#: Weights, steps and gradients of the per-weight trajectories.
N_WEIGHTS = 5
STEPS = 25

#: Hyperparameters other than the defaults, so a value put in the wrong place shows.
CUSTOM = {"lr": 0.037, "gamma": 0.7, "beta1": 0.8, "beta2": 0.95, "eps": 3e-6,
          "rho": 0.85, "weight_decay": 0.02}

#: Learning rates of the batched (sweep) update, one run each.
RUN_LRS = (0.003, 0.02, 0.11)

#: Epochs of the whole training runs (seed graph, built-in data).
EPOCHS = 2


def hexes(values: object) -> list[str]:
    return [float(v).hex() for v in np.asarray(values, dtype=float).ravel()]


def gradients() -> np.ndarray:
    rng = np.random.default_rng(19)
    # Several magnitudes, both signs, a zero now and then.
    g = rng.normal(size=(STEPS, N_WEIGHTS)) * 10.0 ** rng.integers(-4, 2, size=(STEPS, N_WEIGHTS))
    g[::7, 2] = 0.0
    return g


def initial() -> list[float]:
    return list(np.random.default_rng(7).normal(size=N_WEIGHTS))


def per_weight(name: str, values: dict[str, float]) -> dict[str, object]:
    optimizer = make_optimizer(name, N_WEIGHTS, **values)
    w = initial()
    steps = []
    for g in gradients():
        optimizer.update(w, list(g))
        steps.append(hexes(w))
    return {"weights": steps,
            "state": {key: hexes(value) for key, value in optimizer.state().items()}}


def batched(name: str) -> list[str]:
    cls = OPTIMIZERS[name]
    update = runs_update(cls, {k: v for k, v in cls.defaults().items() if k != "lr"})
    runs = len(RUN_LRS)
    w = np.repeat(np.array(initial())[:, None], runs, axis=1)
    state = [np.zeros_like(w) for _ in update.slots]
    lr = np.array(RUN_LRS)
    with np.errstate(all="ignore"):
        for t, g in enumerate(gradients(), start=1):
            w, *state = update.apply(w, np.repeat(g[:, None], runs, axis=1), lr, t, *state)
    return hexes(w)


def training(name: str) -> dict[str, object]:
    graph = PRESETS["seed"].build()
    data = builtin_dataset()
    trainer = Trainer(graph, data, make_optimizer(name, len(graph.weights)), epochs=EPOCHS,
                      seed=0)
    trainer.run_to_end()
    return {"final_weights": hexes(trainer.weights),
            "epoch_loss": hexes(trainer.history.epoch_loss())}


def record() -> dict[str, object]:
    result: dict[str, object] = {}
    for name, cls in OPTIMIZERS.items():
        custom = {k: v for k, v in CUSTOM.items() if k in cls.defaults()}
        result[name] = {"defaults": per_weight(name, {}), "custom": per_weight(name, custom),
                        "batched": batched(name), "training": training(name)}
    return result


if __name__ == "__main__":
    PATH.parent.mkdir(exist_ok=True)
    PATH.write_text(json.dumps(record(), indent=1) + "\n")
    print(f"wrote {PATH}")
