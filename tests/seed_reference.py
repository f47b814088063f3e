"""An independent, hand-derived implementation of the seed model, for checking the engine.

Derived on paper from y' = tanh(exp(s^2 + w6) + w7) + sigmoid(sin(w3 x3) v2 + w8) w9 with
s = w1 x1 + w2 x2 and v2 = w4 x4 + w5 x5; shares no code with the engine.
"""

import math


def seed_forward(x, y, w):
    s = w[0] * x[0] + w[1] * x[1]
    e = math.exp(s * s + w[5])
    t = math.tanh(e + w[6])
    v1 = math.sin(w[2] * x[2])
    v2 = w[3] * x[3] + w[4] * x[4]
    sig = 1.0 / (1.0 + math.exp(-(v1 * v2 + w[7])))
    y_pred = t + sig * w[8]
    return {"s": s, "exp": e, "tanh": t, "v1": v1, "v2": v2, "sigmoid": sig,
            "y_pred": y_pred, "loss": (y - y_pred) ** 2, "dy_pred": -2.0 * (y - y_pred)}


def seed_gradients(x, y, w):
    f = seed_forward(x, y, w)
    dy = f["dy_pred"]
    da = dy * (1.0 - f["tanh"] ** 2)          # at tanh's input
    de = da * f["exp"]                         # at exp's input (s^2 + w6)
    dz = dy * w[8] * f["sigmoid"] * (1.0 - f["sigmoid"])  # at the sigmoid's input
    return [
        de * 2.0 * f["s"] * x[0],
        de * 2.0 * f["s"] * x[1],
        dz * f["v2"] * math.cos(w[2] * x[2]) * x[2],
        dz * f["v1"] * x[3],
        dz * f["v1"] * x[4],
        de,
        da,
        dz,
        dy * f["sigmoid"],
    ]


def notebook_buggy_gradients(x, y, w):
    """The notebook's backward pass as written: tan(tanh) instead of tanh**2, and a dw3
    that skips the sigmoid and uses 1 - cos(cos(w3 x3))."""
    import numpy as np

    f = seed_forward(x, y, w)
    dy, t, e, sig = f["dy_pred"], f["tanh"], f["exp"], f["sigmoid"]
    s = f["s"]
    c = math.cos(w[2] * x[2])
    return [
        dy * (1 - np.tan(t)) * e * (2 * s * x[0]),
        dy * (1 - np.tan(t)) * e * (2 * s * x[1]),
        dy * (1 - math.cos(c)) * c * x[2],
        dy * w[8] * sig * (1 - sig) * f["v1"] * x[3],
        dy * w[8] * sig * (1 - sig) * f["v1"] * x[4],
        dy * (1 - np.tan(t)) * e,
        dy * (1 - np.tan(t)),
        dy * w[8] * sig * (1 - sig),
        dy * sig,
    ]
