"""The course notebook's forward and backward propagation with its two mistakes fixed.

An example for "Check my backward" that passes.  The tanh derivative is ``1 - tanh**2``;
dw3 follows the chain rule through the sigmoid: with ``dz = dy_pred * w9 * s * (1 - s)``
the gradient at the sigmoid's input, ``dw3 = dz * v2 * cos(w3 * x3) * x3``.

    python main.py check-backward resources/examples/correct_backward.py
"""

# The notebook's signatures and style, kept: y is unused, sig is named before returning.
# ruff: noqa: ARG001

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


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
    return {'exp': part_1, 'sigmoid': part_3, 'tanh': part_2, 'loss': loss,
            'dy_pred': dy_pred, 'v1': v1, 'v2': v2, 'part_3': part_3}


def backward_propagation(x, y, w, forward_dict):
    exp = forward_dict['exp']
    sig = forward_dict['sigmoid']
    tanh = forward_dict['tanh']
    dy_pred = forward_dict['dy_pred']
    v1 = forward_dict['v1']
    v2 = forward_dict['v2']

    dtanh = dy_pred * (1 - tanh**2)   # at tanh's input
    dexp = dtanh * exp                # at exp's input: (w1 x1 + w2 x2)^2 + w6
    s = w[0]*x[0] + w[1]*x[1]
    dz = dy_pred * w[8] * sig * (1 - sig)  # at the sigmoid's input

    return {
        'dw1': dexp * 2 * s * x[0],
        'dw2': dexp * 2 * s * x[1],
        'dw3': dz * v2 * np.cos(w[2]*x[2]) * x[2],
        'dw4': dz * v1 * x[3],
        'dw5': dz * v1 * x[4],
        'dw6': dexp,
        'dw7': dtanh,
        'dw8': dz,
        'dw9': dy_pred * sig,
    }
