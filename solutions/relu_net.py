"""Beyond a line: two linear layers with a ReLU between them, trained by fastai."""
import torch
from fastai.learner import Learner
from fastai.optimizer import SGD
from torch import nn

from solutions.epoch_loop import batch_accuracy, train_model
from solutions.init import init_params
from solutions.sigmoid_loss import mnist_loss


def simple_net(xb, w1, b1, w2, b2):
    """relu(xb @ w1 + b1) @ w2 + b2.

    xb: (N, 784); w1: (784, H); b1: (H,); w2: (H, 1); b2: (1,). Returns (N, 1).
    """
    hidden = xb @ w1 + b1
    hidden = hidden.max(torch.tensor(0.0))
    return hidden @ w2 + b2


def train_simple_net(dl, valid_dl, n_hidden=30, epochs=3, lr=1.0):
    """simple_net trained from a random start by the loop of step 6; returns [w1, b1, w2, b2].

    dl, valid_dl: iterables of (xb, yb) batches, xb (N, 784) and yb (N, 1). The parameters,
    of shapes (784, n_hidden), (n_hidden,), (n_hidden, 1) and (1,), are drawn by init_params
    with std=0.1 (each unit its own random start), then trained `epochs` epochs at `lr`.
    """
    params = [init_params((784, n_hidden), std=0.1), init_params(n_hidden, std=0.1),
              init_params((n_hidden, 1), std=0.1), init_params(1, std=0.1)]
    train_model(lambda xb: simple_net(xb, *params), lr, params, dl, valid_dl, epochs)
    return params


def make_simple_net(n_hidden=30):
    """The same network as PyTorch modules: 784 -> n_hidden -> ReLU -> 1."""
    return nn.Sequential(nn.Linear(784, n_hidden), nn.ReLU(), nn.Linear(n_hidden, 1))


def make_learner(dls, model):
    """A fastai Learner that trains `model` on `dls` with SGD and mnist_loss."""
    return Learner(dls, model, opt_func=SGD, loss_func=mnist_loss, metrics=batch_accuracy)
