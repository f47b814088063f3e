"""The course notebook's forward and backward propagation, made runnable, mistakes kept.

This is an example for "Check my backward": it must be caught.  The notebook's backward
pass writes ``tan(tan)`` where the tanh derivative needs ``tanh**2`` (here read as
``np.tan(tanh)``), so dw1, dw2, dw6 and dw7 are wrong; and its dw3 skips the sigmoid and
reads ``1 - cos(cos)`` (here ``np.cos(np.cos(w[2]*x[2]))``) where the chain rule needs
``w9 * sigmoid * (1 - sigmoid) * v2``.  The forward pass is correct.

    python main.py check-backward resources/examples/notebook_backward.py
"""

# The notebook's signatures and style, kept: y is unused, sig is named before returning.
# ruff: noqa: ARG001, RET504

import numpy as np


def sigmoid(z):
    # We can use this function in forward and backward propagation
    sig = 1 / (1 + np.exp(-z))
    return sig


def forward_propagation(x, y, w):
    val = (w[0]*x[0]+w[1]*x[1]) * (w[0]*x[0]+w[1]*x[1]) + w[5]
    part_1 = np.exp(val)
    part_2 = np.tanh(part_1 + w[6])
    v1 = np.sin(w[2] * x[2])
    v2 = (w[3] * x[3]) + (w[4] * x[4])
    part_3 = sigmoid((v1 * v2) + w[7])

    y_pred = part_2 + (part_3 * w[8])
    loss = (y - y_pred) * (y - y_pred)
    dy_pred = -2 * (y - y_pred)

    forward_dict = {}
    forward_dict['exp'] = part_1
    forward_dict['sigmoid'] = part_3
    forward_dict['tanh'] = part_2
    forward_dict['loss'] = loss
    forward_dict['dy_pred'] = dy_pred
    forward_dict['v1'] = v1
    forward_dict['v2'] = v2
    forward_dict['part_3'] = part_3
    return forward_dict


def backward_propagation(x, y, w, forward_dict):
    exp = forward_dict['exp']
    sig = forward_dict['sigmoid']
    tanh = forward_dict['tanh']
    dy_pred = forward_dict['dy_pred']
    v1 = forward_dict['v1']
    v2 = forward_dict['v2']  # noqa: F841 - read, never used, as in the notebook
    part_3 = forward_dict['part_3']

    # As written in the notebook: tan(tan) and cos(cos), made runnable.
    dw1 = dy_pred * (1 - (np.tan(tanh))) * exp * (2*(w[0]*x[0] + w[1]*x[1])*x[0])
    dw2 = dy_pred * (1 - (np.tan(tanh))) * exp * (2*(w[0]*x[0] + w[1]*x[1])*x[1])
    dw3 = dy_pred * (1 - (np.cos(np.cos(w[2]*x[2])))) * np.cos(w[2]*x[2])*x[2]
    dw4 = dy_pred * w[8] * sig*(1-sig) * v1 * x[3]
    dw5 = dy_pred * w[8] * sig*(1-sig) * v1 * x[4]
    dw6 = dy_pred * (1 - (np.tan(tanh))) * exp
    dw7 = dy_pred * (1 - (np.tan(tanh)))
    dw8 = dy_pred * w[8] * sig*(1-sig)
    dw9 = dy_pred * part_3

    backward_dict = {}
    backward_dict['dw1'] = dw1
    backward_dict['dw2'] = dw2
    backward_dict['dw3'] = dw3
    backward_dict['dw4'] = dw4
    backward_dict['dw5'] = dw5
    backward_dict['dw6'] = dw6
    backward_dict['dw7'] = dw7
    backward_dict['dw8'] = dw8
    backward_dict['dw9'] = dw9
    return backward_dict
