"""Step 5, step: move every weight a little against its gradient."""
import torch


def step(params, lr):
    """p <- p - lr * p.grad for each parameter, in place, then zero p.grad.

    params: a list of leaf tensors whose `.grad` is set; lr: a float.
    """
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad.zero_()


class BasicOptim:
    """The same update as `step`, kept as an optimizer object.

    params: any iterable of leaf tensors (a generator too); lr: a float.
    """

    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def step(self):
        with torch.no_grad():
            for p in self.params:
                p -= self.lr * p.grad

    def zero_grad(self):
        for p in self.params:
            p.grad = None
