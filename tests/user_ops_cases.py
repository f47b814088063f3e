"""Ops and breaks the user-ops tests share: the lab's two-neuron net, the broken sigmoid
rule it carries, and a softplus written as a formula."""

LAB = ("h1 = sigmoid(w1*x1 + w2*x2 + b1); h2 = sigmoid(w3*x1 + w4*x2 + b2); "
       "v1*h1 + v2*h2 + c")
SIGMOID_PLUS = {"name": "sigmoid", "args": ["a"], "derivatives": ["out*(1 + out)"],
                "nodes": ["h2"]}
SOFTPLUS2 = {"name": "softplus2", "args": ["z"], "forward": "log(1 + exp(z))",
             "derivatives": ["sigmoid(z)"], "domain": [-5, 5]}
