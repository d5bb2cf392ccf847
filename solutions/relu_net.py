"""Beyond a line: two linear layers with a ReLU between them, trained by fastai."""
import torch
from fastai.learner import Learner
from fastai.optimizer import SGD
from torch import nn

from solutions.epoch_loop import batch_accuracy
from solutions.sigmoid_loss import mnist_loss


def simple_net(xb, w1, b1, w2, b2):
    """relu(xb @ w1 + b1) @ w2 + b2.

    xb: (N, 784); w1: (784, H); b1: (H,); w2: (H, 1); b2: (1,). Returns (N, 1).
    """
    hidden = xb @ w1 + b1
    hidden = hidden.max(torch.tensor(0.0))
    return hidden @ w2 + b2


def make_simple_net(n_hidden=30):
    """The same network as PyTorch modules: 784 -> n_hidden -> ReLU -> 1."""
    return nn.Sequential(nn.Linear(784, n_hidden), nn.ReLU(), nn.Linear(n_hidden, 1))


def make_learner(dls, model):
    """A fastai Learner that trains `model` on `dls` with SGD and mnist_loss."""
    return Learner(dls, model, opt_func=SGD, loss_func=mnist_loss, metrics=batch_accuracy)
