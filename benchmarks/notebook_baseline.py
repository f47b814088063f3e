"""The course notebook's forward and backward propagation, with its bugs fixed.

This is the baseline the benchmarks compare against: the same code style as the notebook
(numpy scalars, dictionaries of intermediates, one expression per gradient), corrected as
DESIGN.md lists (tanh**2 instead of tan(tan), dw3 through the sigmoid, the data slicing).
"""

from __future__ import annotations

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward_propagation(x, y, w):
    val = (w[0] * x[0] + w[1] * x[1]) * (w[0] * x[0] + w[1] * x[1]) + w[5]
    part_1 = np.exp(val)
    part_2 = np.tanh(part_1 + w[6])
    v1 = np.sin(w[2] * x[2])
    v2 = (w[3] * x[3]) + (w[4] * x[4])
    part_3 = sigmoid((v1 * v2) + w[7])
    y_pred = part_2 + (part_3 * w[8])
    loss = (y - y_pred) * (y - y_pred)
    dy_pred = -2 * (y - y_pred)
    forward_dict = {}
    forward_dict["exp"] = part_1
    forward_dict["sigmoid"] = part_3
    forward_dict["tanh"] = part_2
    forward_dict["loss"] = loss
    forward_dict["dy_pred"] = dy_pred
    forward_dict["v1"] = v1
    forward_dict["v2"] = v2
    return forward_dict


def backward_propagation(x, y, w, forward_dict):
    exp = forward_dict["exp"]
    sig = forward_dict["sigmoid"]
    tanh = forward_dict["tanh"]
    dy_pred = forward_dict["dy_pred"]
    v1 = forward_dict["v1"]
    v2 = forward_dict["v2"]
    dw1 = dy_pred * (1 - tanh**2) * exp * (2 * (w[0] * x[0] + w[1] * x[1]) * x[0])
    dw2 = dy_pred * (1 - tanh**2) * exp * (2 * (w[0] * x[0] + w[1] * x[1]) * x[1])
    dw3 = dy_pred * w[8] * sig * (1 - sig) * v2 * np.cos(w[2] * x[2]) * x[2]
    dw4 = dy_pred * w[8] * sig * (1 - sig) * v1 * x[3]
    dw5 = dy_pred * w[8] * sig * (1 - sig) * v1 * x[4]
    dw6 = dy_pred * (1 - tanh**2) * exp
    dw7 = dy_pred * (1 - tanh**2)
    dw8 = dy_pred * w[8] * sig * (1 - sig)
    dw9 = dy_pred * sig
    backward_dict = {}
    backward_dict["dw1"] = dw1
    backward_dict["dw2"] = dw2
    backward_dict["dw3"] = dw3
    backward_dict["dw4"] = dw4
    backward_dict["dw5"] = dw5
    backward_dict["dw6"] = dw6
    backward_dict["dw7"] = dw7
    backward_dict["dw8"] = dw8
    backward_dict["dw9"] = dw9
    return backward_dict


def gradients(x, y, w):
    """dL/dw1..dw9 for one sample, as the notebook's training loop gets them."""
    forward = forward_propagation(x, y, w)
    backward = backward_propagation(x, y, w, forward)
    return forward["loss"], np.array(list(backward.values()))
