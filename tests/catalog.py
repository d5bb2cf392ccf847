"""A catalogue of what students really write: wrong implementations, and correct ones in
other styles than the reference. It lives in tests/ only, never in a release.

Each wrong entry names the known mistake (autograder/core/checks/*.py, `known(...)`) whose
diagnosis the student must see. Run this file for the maintainers' report:

    python tests/catalog.py
"""
from __future__ import annotations

import atexit
import functools
import importlib
import inspect
import sys
import textwrap
from dataclasses import dataclass

from autograder.core.assignments import FUNCTIONS, module_name
from autograder.core import messages
from autograder.core.checks import known_mistakes
from autograder.isolation.runner import Result, grade_isolated


@dataclass(frozen=True)
class Entry:
    assignment: str
    what: str  # the mistake, or the style of the alternative
    code: str  # defines one function of the assignment (a pair: a broken helper and a correct caller)
    known: str | None = None  # the known mistake it must be named as; None for an alternative
    passes: str | None = None  # a pair: the function whose checks must all pass, its helper broken


def wrong(assignment, known, what, code):
    return Entry(assignment, what, textwrap.dedent(code).strip() + "\n", known)


def right(assignment, what, code):
    return Entry(assignment, what, textwrap.dedent(code).strip() + "\n")


def pair(assignment, passes, what, code, known=None):
    """A correct `passes` beside a broken helper it calls: the helper's mistake costs only the
    helper's points (and is named, when `known`)."""
    return Entry(assignment, what, textwrap.dedent(code).strip() + "\n", known, passes)


WRONG = [
    # 01_init
    wrong("01_init", "requires_grad_before_scaling", "requires_grad=True at the draw, then * std", """
        def init_params(size, std=1.0):
            t = torch.randn(size, requires_grad=True)
            return t * std
    """),
    wrong("01_init", "uniform_instead_of_normal", "torch.rand instead of torch.randn", """
        def init_params(size, std=1.0):
            return torch.rand(size).mul(std).requires_grad_()
    """),
    wrong("01_init", "ignores_std", "std never used", """
        def init_params(size, std=1.0):
            w = torch.randn(size)
            w.requires_grad = True
            return w
    """),
    wrong("01_init", "no_requires_grad", "forgot requires_grad", """
        def init_params(size, std=1.0):
            return std * torch.randn(size)
    """),
    wrong("01_init", "numpy_draw", "NumPy's normal draw", """
        import numpy as np

        def init_params(size, std=1.0):
            return torch.from_numpy(np.random.normal(0, std, size)).requires_grad_()
    """),
    # 02_predict
    wrong("02_predict", "no_bias", "no bias", """
        def linear1(xb, weights, bias):
            return torch.matmul(xb, weights)
    """),
    wrong("02_predict", "scalar_sum", "a scalar sum instead of a column", """
        def linear1(xb, weights, bias):
            return (xb @ weights).sum() + bias
    """),
    wrong("02_predict", "sigmoid_in_the_model", "a sigmoid inside the model", """
        def linear1(xb, weights, bias):
            return 1 / (1 + torch.exp(-(xb @ weights + bias)))
    """),
    wrong("02_predict", "flat_scores", "squeezed to a flat vector", """
        def linear1(xb, weights, bias):
            return (xb @ weights + bias).squeeze()
    """),
    wrong("02_predict", "threshold_half_on_raw_scores", "threshold 0.5 on raw scores", """
        def raw_accuracy(preds, targets):
            return float(((preds >= 0.5).float() == targets).float().mean())
    """),
    wrong("02_predict", "count_instead_of_fraction", "a count of right answers", """
        def raw_accuracy(preds, targets):
            return ((preds > 0) == targets.bool()).sum().item()
    """),
    wrong("02_predict", "accuracy_upside_down", "counts the wrong answers", """
        def raw_accuracy(preds, targets):
            wrong = (preds > 0).float() != targets
            return wrong.float().mean().item()
    """),
    # 03_sigmoid_loss
    wrong("03_sigmoid_loss", "sigmoid_sign_error", "sign error in the sigmoid", """
        def sigmoid(x):
            return 1.0 / (1.0 + x.exp())
    """),
    wrong("03_sigmoid_loss", "sigmoid_with_math_exp", "math.exp on a tensor", """
        import math

        def sigmoid(x):
            return 1 / (1 + math.exp(-x))
    """),
    wrong("03_sigmoid_loss", "builtin_sigmoid", "torch's own sigmoid", """
        def sigmoid(x):
            return torch.sigmoid(x)
    """),
    wrong("03_sigmoid_loss", "sigmoid_without_the_one", "the 1 + forgotten", """
        def sigmoid(x):
            return torch.exp(x)
    """),
    wrong("03_sigmoid_loss", "loss_without_sigmoid", "the loss without the sigmoid", """
        def mnist_loss(predictions, targets):
            return (targets * (1 - predictions) + (1 - targets) * predictions).mean()
    """),
    wrong("03_sigmoid_loss", "branches_swapped", "branches swapped", """
        def mnist_loss(predictions, targets):
            p = sigmoid(predictions)
            return torch.where(targets == 0, 1 - p, p).mean()
    """),
    wrong("03_sigmoid_loss", "sum_instead_of_mean", "sum instead of mean", """
        def mnist_loss(predictions, targets):
            p = predictions.sigmoid()
            return torch.where(targets == 1, 1 - p, p).sum()
    """),
    wrong("03_sigmoid_loss", "sigmoid_twice", "sigmoid applied twice", """
        def mnist_loss(predictions, targets):
            p = torch.sigmoid(torch.sigmoid(predictions))
            return torch.where(targets == 1, 1 - p, p).mean()
    """),
    wrong("03_sigmoid_loss", "flattened_targets", "targets squeezed: an (N, N) table", """
        def mnist_loss(predictions, targets):
            targets = targets.squeeze()
            p = sigmoid(predictions)
            return torch.where(targets == 1, 1 - p, p).mean()
    """),
    wrong("03_sigmoid_loss", "loss_as_python_number", "a Python float instead of a tensor", """
        def mnist_loss(predictions, targets):
            p = sigmoid(predictions)
            return float(torch.where(targets == 1, 1 - p, p).mean())
    """),
    # 04_calc_grad
    wrong("04_calc_grad", "squared_error_loss", "MSE as the loss", """
        def calc_grad(xb, yb, model):
            preds = model(xb)
            loss = F.mse_loss(preds, yb)
            loss.backward()
    """),
    wrong("04_calc_grad", "accuracy_as_loss", "accuracy as the loss, requires_grad forced", """
        def calc_grad(xb, yb, model):
            acc = ((model(xb) > 0.0) == (yb == 1)).float().mean()
            acc.requires_grad_()
            acc.backward()
            return acc
    """),
    wrong("04_calc_grad", "no_backward", "no backward()", """
        def calc_grad(xb, yb, model):
            loss = mnist_loss(model(xb), yb)
            return loss
    """),
    wrong("04_calc_grad", "zero_grad_inside_calc_grad", "zeroes the gradients first", """
        def calc_grad(xb, yb, model):
            model.zero_grad()
            mnist_loss(model(xb), yb).backward()
    """),
    wrong("04_calc_grad", "sigmoid_before_the_loss", "a sigmoid before mnist_loss", """
        def calc_grad(xb, yb, model):
            loss = mnist_loss(sigmoid(model(xb)), yb)
            loss.backward()
            return loss
    """),
    wrong("04_calc_grad", "global_training_data", "the global training data instead of the batch", """
        def calc_grad(xb, yb, model):
            loss = mnist_loss(model(train_x), train_y)
            loss.backward()
            return loss
    """),
    # 05_step
    wrong("05_step", "new_tensor_instead_of_update", "replaces the tensors in the list", """
        def step(params, lr):
            for i in range(len(params)):
                params[i] = params[i] - lr * params[i].grad
    """),
    wrong("05_step", "new_tensor_instead_of_update", "rebinds the name p", """
        def step(params, lr):
            for p in params:
                p = (p - lr * p.grad).detach().requires_grad_()
    """),
    wrong("05_step", "no_zeroing", "no zeroing", """
        def step(params, lr):
            with torch.no_grad():
                for p in params:
                    p.sub_(lr * p.grad)
    """),
    wrong("05_step", "zero_before_update", "zeroing before the update", """
        def step(params, lr):
            for p in params:
                p.grad = torch.zeros_like(p)
                p.data -= lr * p.grad
    """),
    wrong("05_step", "gradient_ascent", "gradient ascent", """
        def step(params, lr):
            with torch.no_grad():
                for p in params:
                    p += lr * p.grad
                    p.grad = None
    """),
    wrong("05_step", "ignores_lr", "lr ignored", """
        def step(params, lr):
            for p in params:
                p.data = p.data - p.grad
                p.grad.zero_()
    """),
    wrong("05_step", "update_under_autograd", "in-place update outside no_grad", """
        def step(params, lr):
            for p in params:
                p.sub_(lr * p.grad)
                p.grad = None
    """),
    wrong("05_step", "stores_the_generator", "keeps the generator it was given", """
        class BasicOptim:
            def __init__(self, params, lr):
                self.ps = params
                self.lr = lr

            def step(self):
                for p in self.ps:
                    p.data -= self.lr * p.grad.data

            def zero_grad(self):
                for p in self.ps:
                    p.grad = None
    """),
    wrong("05_step", "optimizer_ignores_lr", "an optimizer that ignores lr", """
        class BasicOptim:
            def __init__(self, params, lr):
                self.params = [p for p in params]
                self.lr = lr

            def step(self):
                with torch.no_grad():
                    for p in self.params:
                        p -= p.grad

            def zero_grad(self):
                for p in self.params:
                    p.grad = None
    """),
    wrong("05_step", "optimizer_zero_grad_does_nothing", "zero_grad that only reads the gradients", """
        class BasicOptim:
            def __init__(self, params, lr):
                self.params, self.lr = list(params), lr

            def step(self):
                for p in self.params:
                    p.data -= self.lr * p.grad

            def zero_grad(self):
                grads = [p.grad for p in self.params]
    """),
    # 06_epoch_loop
    wrong("06_epoch_loop", "no_zeroing_between_batches", "no zeroing between batches", """
        def train_epoch(model, lr, params, dl):
            for xb, yb in dl:
                calc_grad(xb, yb, model)
                with torch.no_grad():
                    for p in params:
                        p -= lr * p.grad
    """),
    wrong("06_epoch_loop", "one_batch_only", "trains on one batch", """
        def train_epoch(model, lr, params, dl):
            xb, yb = next(iter(dl))
            calc_grad(xb, yb, model)
            step(params, lr)
    """),
    wrong("06_epoch_loop", "threshold_half_without_sigmoid", "threshold 0.5 on raw scores", """
        def batch_accuracy(preds, yb):
            return ((preds > 0.5).float() == yb).float().mean().item()
    """),
    wrong("06_epoch_loop", "last_batch_only", "validation on the last batch only", """
        def validate_epoch(model, dl):
            accuracy = [batch_accuracy(model(xb), yb) for xb, yb in dl][-1]
            return round(accuracy, 4)
    """),
    wrong("06_epoch_loop", "not_rounded", "not rounded", """
        def validate_epoch(model, dl):
            accs = [batch_accuracy(model(xb), yb) for xb, yb in dl]
            return sum(accs) / len(accs)
    """),
    wrong("06_epoch_loop", "never_stops", "never stops", """
        def train_model(model, lr, params, dl, valid_dl, epochs, patience=None):
            history = []
            for epoch in range(epochs):
                train_epoch(model, lr, params, dl)
                history.append(validate_epoch(model, valid_dl))
            return history
    """),
    wrong("06_epoch_loop", "stops_at_first_setback", "stops too early", """
        def train_model(model, lr, params, dl, valid_dl, epochs, patience=None):
            history, best = [], 0.0
            for epoch in range(epochs):
                train_epoch(model, lr, params, dl)
                acc = validate_epoch(model, valid_dl)
                history.append(acc)
                if patience and acc <= best:
                    break
                best = max(acc, best)
            return history
    """),
    wrong("06_epoch_loop", "equal_is_an_improvement", "an equal accuracy counts as a new best", """
        def train_model(model, lr, params, dl, valid_dl, epochs, patience=None):
            history, best, waited = [], -1.0, 0
            for epoch in range(epochs):
                train_epoch(model, lr, params, dl)
                acc = validate_epoch(model, valid_dl)
                history.append(acc)
                waited = 0 if acc >= best else waited + 1
                best = max(best, acc)
                if patience is not None and waited == patience:
                    break
            return history
    """),
    wrong("06_epoch_loop", "step_before_gradient", "steps before computing the gradient", """
        def train_epoch(model, lr, params, dl):
            for batch in dl:
                step(params, lr)
                calc_grad(*batch, model)
    """),
    wrong("06_epoch_loop", "mean_of_booleans", "the mean of booleans", """
        def batch_accuracy(preds, yb):
            correct = (sigmoid(preds) > 0.5) == (yb == 1)
            return correct.mean().item()
    """),
    wrong("06_epoch_loop", "sum_of_accuracies", "adds the batch accuracies up", """
        def validate_epoch(model, dl):
            total = 0.0
            for xb, yb in dl:
                total += batch_accuracy(model(xb), yb)
            return round(total, 4)
    """),
    wrong("06_epoch_loop", "patience_off_by_one", "stops one epoch early", """
        def train_model(model, lr, params, dl, valid_dl, epochs, patience=None):
            history, best, bad = [], 0.0, 0
            for epoch in range(epochs):
                train_epoch(model, lr, params, dl)
                history.append(validate_epoch(model, valid_dl))
                if history[-1] > best:
                    best, bad = history[-1], 0
                else:
                    bad += 1
                    if patience is not None and bad + 1 >= patience:
                        break
            return history
    """),
    wrong("06_epoch_loop", "returns_the_last_accuracy", "returns the last accuracy only", """
        def train_model(model, lr, params, dl, valid_dl, epochs, patience=None):
            acc = None
            for epoch in range(epochs):
                train_epoch(model, lr, params, dl)
                acc = validate_epoch(model, valid_dl)
            return acc
    """),
    # 07_relu_net
    wrong("07_relu_net", "no_relu", "no ReLU", """
        def simple_net(xb, w1, b1, w2, b2):
            hidden = torch.matmul(xb, w1) + b1
            return torch.matmul(hidden, w2) + b2
    """),
    wrong("07_relu_net", "min_instead_of_max", "min instead of max", """
        def simple_net(xb, w1, b1, w2, b2):
            res = xb @ w1 + b1
            res = torch.minimum(res, torch.zeros(1))
            return res @ w2 + b2
    """),
    wrong("07_relu_net", "sigmoid_activation", "a sigmoid as the activation", """
        def simple_net(xb, w1, b1, w2, b2):
            return (xb @ w1 + b1).sigmoid() @ w2 + b2
    """),
    wrong("07_relu_net", "relu_on_the_output", "a ReLU on the output too", """
        def simple_net(xb, w1, b1, w2, b2):
            relu = lambda t: t.clamp(min=0)
            return relu(relu(xb @ w1 + b1) @ w2 + b2)
    """),
    wrong("07_relu_net", "first_layer_transposed", "w1 as (n_hidden, 784), like nn.Linear's weight", """
        def train_simple_net(dl, valid_dl, n_hidden=30, epochs=3, lr=1.0):
            w1 = init_params((n_hidden, 28 * 28), std=0.1)
            b1 = init_params(n_hidden, std=0.1)
            w2 = init_params((n_hidden, 1), std=0.1)
            b2 = init_params(1, std=0.1)
            params = [w1, b1, w2, b2]
            train_model(lambda x: simple_net(x, w1, b1, w2, b2), lr, params, dl, valid_dl, epochs)
            return params
    """),
    wrong("07_relu_net", "equal_start", "zeros everywhere", """
        def train_simple_net(dl, valid_dl, n_hidden=30, epochs=3, lr=1.0):
            shapes = [(784, n_hidden), (n_hidden,), (n_hidden, 1), (1,)]
            params = [torch.zeros(shape, requires_grad=True) for shape in shapes]
            model = lambda xb: simple_net(xb, *params)
            train_model(model, lr, params, dl, valid_dl, epochs)
            return params
    """),
    wrong("07_relu_net", "hidden_bias_as_a_column", "a column for each bias", """
        def train_simple_net(dl, valid_dl, n_hidden=30, epochs=3, lr=1.0):
            w1, b1 = init_params((784, n_hidden), 0.1), init_params((n_hidden, 1), 0.1)
            w2, b2 = init_params((n_hidden, 1), 0.1), init_params((1, 1), 0.1)
            for epoch in range(epochs):
                train_epoch(lambda xb: simple_net(xb, w1, b1, w2, b2), lr, [w1, b1, w2, b2], dl)
            return [w1, b1, w2, b2]
    """),
    wrong("07_relu_net", "hidden_size_ignored", "a wrong hidden size", """
        def make_simple_net(n_hidden=30):
            return nn.Sequential(nn.Linear(28 * 28, 30), nn.ReLU(), nn.Linear(30, 1))
    """),
    wrong("07_relu_net", "module_without_relu", "no nn.ReLU()", """
        def make_simple_net(n_hidden=30):
            layers = [nn.Linear(784, n_hidden), nn.Linear(n_hidden, 1)]
            return nn.Sequential(*layers)
    """),
    wrong("07_relu_net", "module_sigmoid_activation", "nn.Sigmoid as the activation", """
        def make_simple_net(n_hidden=30):
            return nn.Sequential(nn.Linear(784, n_hidden), nn.Sigmoid(), nn.Linear(n_hidden, 1))
    """),
    wrong("07_relu_net", "two_outputs", "two outputs", """
        def make_simple_net(n_hidden=30):
            net = nn.Sequential()
            net.append(nn.Linear(784, n_hidden))
            net.append(nn.ReLU())
            net.append(nn.Linear(n_hidden, 2))
            return net
    """),
    wrong("07_relu_net", "mse_loss_in_learner", "the wrong loss in the Learner", """
        def make_learner(dls, model):
            return Learner(dls, model, opt_func=SGD, loss_func=F.mse_loss, metrics=batch_accuracy)
    """),
    wrong("07_relu_net", "adam_instead_of_sgd", "fastai's default optimizer", """
        def make_learner(dls, model):
            return Learner(dls, model, loss_func=mnist_loss, metrics=[batch_accuracy])
    """),
    wrong("07_relu_net", "no_metrics", "no metric", """
        def make_learner(dls, model):
            return Learner(dls, model, opt_func=SGD, loss_func=mnist_loss, metrics=[])
    """),
    wrong("07_relu_net", "arguments_swapped", "model and data swapped", """
        def make_learner(dls, model):
            return Learner(model, dls, loss_func=mnist_loss, opt_func=SGD, metrics=batch_accuracy)
    """),
    wrong("05_step", "optimizer_step_zeroes_too", "step also clears the gradients", """
        class BasicOptim:
            def __init__(self, params, lr):
                self.params, self.lr = list(params), lr

            def step(self):
                with torch.no_grad():
                    for p in self.params:
                        p -= self.lr * p.grad
                        p.grad.zero_()

            def zero_grad(self):
                for p in self.params:
                    p.grad = None
    """),
    wrong("06_epoch_loop", "validates_on_the_training_batches", "validation on the training batches", """
        def train_model(model, lr, params, dl, valid_dl, epochs, patience=None):
            history = []
            for epoch in range(epochs):
                train_epoch(model, lr, params, dl)
                history.append(validate_epoch(model, dl))
            return history
    """),
]

ALTERNATIVES = [
    right("01_init", "torch.normal", """
        def init_params(size, std=1.0):
            shape = (size,) if isinstance(size, int) else size
            return torch.normal(0.0, std, shape).requires_grad_()
    """),
    right("01_init", "nn.Parameter", """
        def init_params(size, std=1.0):
            return nn.Parameter(torch.randn(size) * std)
    """),
    right("01_init", "normal_ on an empty tensor", """
        def init_params(size, std=1.0):
            return torch.empty(size).normal_(0, std).requires_grad_()
    """),
    right("02_predict", "torch.matmul", """
        def linear1(xb, weights, bias):
            return torch.matmul(xb, weights) + bias
    """),
    right("02_predict", "torch.addmm", """
        def linear1(xb, weights, bias):
            return torch.addmm(bias, xb, weights)
    """),
    right("02_predict", "accuracy as a 0-dim tensor", """
        def raw_accuracy(preds, targets):
            return ((preds > 0) == (targets == 1)).float().mean()
    """),
    right("02_predict", "accuracy from signs", """
        def raw_accuracy(preds, targets):
            verdicts = (preds.sign().clamp(min=0) == targets).float()
            return verdicts.sum().item() / len(preds)
    """),
    right("03_sigmoid_loss", "a tanh-based sigmoid", """
        def sigmoid(x):
            return 0.5 * (1 + torch.tanh(x / 2))
    """),
    right("03_sigmoid_loss", "exp(x) / (1 + exp(x))", """
        def sigmoid(x):
            e = torch.exp(x)
            return e / (1 + e)
    """),
    right("03_sigmoid_loss", "arithmetic instead of torch.where", """
        def mnist_loss(predictions, targets):
            p = sigmoid(predictions)
            return (targets * (1 - p) + (1 - targets) * p).mean()
    """),
    right("03_sigmoid_loss", "absolute distance to the target", """
        def mnist_loss(predictions, targets):
            return torch.mean(torch.abs(targets - sigmoid(predictions)))
    """),
    right("04_calc_grad", "one line, no return", """
        def calc_grad(xb, yb, model):
            mnist_loss(model(xb), yb).backward()
    """),
    right("04_calc_grad", "torch.autograd.backward", """
        def calc_grad(xb, yb, model):
            loss = mnist_loss(model(xb), yb)
            torch.autograd.backward(loss)
            return loss
    """),
    right("05_step", "torch.no_grad() and grad = None", """
        def step(params, lr):
            with torch.no_grad():
                for p in params:
                    p -= lr * p.grad
                    p.grad = None
    """),
    right("05_step", "sub_ on .data", """
        def step(params, lr):
            for p in params:
                p.data.sub_(lr * p.grad.data)
                p.grad.data.zero_()
    """),
    right("05_step", "an optimizer with no_grad and zero_()", """
        class BasicOptim:
            def __init__(self, params, lr):
                self.params, self.lr = [*params], lr

            @torch.no_grad()
            def step(self):
                for p in self.params:
                    p.add_(p.grad, alpha=-self.lr)

            def zero_grad(self):
                for p in self.params:
                    if p.grad is not None:
                        p.grad.zero_()
    """),
    right("06_epoch_loop", "the exact, item-weighted accuracy", """
        def validate_epoch(model, dl):
            right_answers = sum(batch_accuracy(model(xb), yb) * len(xb) for xb, yb in dl)
            return round(right_answers / sum(len(xb) for xb, _ in dl), 4)
    """),
    right("06_epoch_loop", "threshold 0.0 on raw scores", """
        def batch_accuracy(preds, yb):
            return ((preds > 0.0) == (yb == 1)).float().mean().item()
    """),
    right("06_epoch_loop", "an epoch with BasicOptim", """
        def train_epoch(model, lr, params, dl):
            opt = BasicOptim(params, lr)
            for xb, yb in dl:
                calc_grad(xb, yb, model)
                opt.step()
                opt.zero_grad()
    """),
    right("06_epoch_loop", "a while loop with a countdown", """
        def train_model(model, lr, params, dl, valid_dl, epochs, patience=None):
            history, best, left = [], None, patience
            while len(history) < epochs and (left is None or left > 0):
                train_epoch(model, lr, params, dl)
                history.append(validate_epoch(model, valid_dl))
                if best is None or history[-1] > best:
                    best, left = history[-1], patience
                elif left is not None:
                    left -= 1
            return history
    """),
    right("07_relu_net", "F.relu", """
        def simple_net(xb, w1, b1, w2, b2):
            return F.relu(xb @ w1 + b1) @ w2 + b2
    """),
    right("07_relu_net", "clamp(min=0)", """
        def simple_net(xb, w1, b1, w2, b2):
            return (xb @ w1 + b1).clamp(min=0) @ w2 + b2
    """),
    right("07_relu_net", "train_epoch in a loop, a tuple, randn by hand", """
        def train_simple_net(dl, valid_dl, n_hidden=30, epochs=3, lr=1.0):
            w1 = (torch.randn(784, n_hidden) * 0.1).requires_grad_()
            b1 = (torch.randn(n_hidden) * 0.1).requires_grad_()
            w2 = (torch.randn(n_hidden, 1) * 0.1).requires_grad_()
            b2 = (torch.randn(1) * 0.1).requires_grad_()
            net = lambda xb: simple_net(xb, w1, b1, w2, b2)
            for _ in range(epochs):
                train_epoch(net, lr, (w1, b1, w2, b2), dl)
                print("accuracy", validate_epoch(net, valid_dl))
            return w1, b1, w2, b2
    """),
    right("07_relu_net", "shapes in a dict, PyTorch's initialiser", """
        def train_simple_net(dl, valid_dl, n_hidden=30, epochs=3, lr=1.0):
            shapes = {"w1": (784, n_hidden), "b1": (n_hidden,), "w2": (n_hidden, 1), "b2": (1,)}
            params = {}
            for name, shape in shapes.items():
                params[name] = nn.init.normal_(torch.empty(shape), std=0.1).requires_grad_()
            p = list(params.values())
            def model(xb):
                return simple_net(xb, *p)
            accuracies = train_model(model, lr, p, dl, valid_dl, epochs, patience=None)
            return p
    """),
    right("07_relu_net", "a named Sequential", """
        from collections import OrderedDict

        def make_simple_net(n_hidden=30):
            return nn.Sequential(OrderedDict(hidden=nn.Linear(784, n_hidden), relu=nn.ReLU(),
                                             out=nn.Linear(n_hidden, 1)))
    """),
    right("07_relu_net", "a module class of its own", """
        class TwoLayers(nn.Module):
            def __init__(self, n_hidden):
                super().__init__()
                self.first, self.second = nn.Linear(784, n_hidden), nn.Linear(n_hidden, 1)

            def forward(self, x):
                return self.second(F.relu(self.first(x)))

        def make_simple_net(n_hidden=30):
            return TwoLayers(n_hidden)
    """),
    right("07_relu_net", "keyword arguments and a list of metrics", """
        def make_learner(dls, model):
            return Learner(dls=dls, model=model, loss_func=mnist_loss, opt_func=SGD,
                           metrics=[batch_accuracy])
    """),
    right("05_step", "a dataclass", """
        from dataclasses import dataclass

        @dataclass
        class BasicOptim:
            params: list
            lr: float

            def __post_init__(self):
                self.params = list(self.params)

            def step(self):
                for p in self.params:
                    p.data -= self.lr * p.grad

            def zero_grad(self):
                for p in self.params:
                    p.grad = None
    """),
]


# A correct function beside a broken helper it calls, for every such pair of the course.
PAIRS = [
    pair("03_sigmoid_loss", "mnist_loss", "a correct loss on a sigmoid with math.exp", """
        import math

        def sigmoid(x):
            return 1 / (1 + math.exp(-x))

        def mnist_loss(predictions, targets):
            p = sigmoid(predictions)
            return torch.where(targets == 1, 1 - p, p).mean()
    """, known="sigmoid_with_math_exp"),
    pair("06_epoch_loop", "validate_epoch", "a correct validation on an unfinished batch_accuracy", """
        def batch_accuracy(preds, yb):
            raise NotImplementedError()

        def validate_epoch(model, dl):
            accuracies = [batch_accuracy(model(xb), yb) for xb, yb in dl]
            return round(sum(accuracies) / len(accuracies), 4)
    """),
    pair("06_epoch_loop", "validate_epoch", "a correct validation on a threshold of 0.5 on raw scores", """
        def batch_accuracy(preds, yb):
            return ((preds > 0.5) == (yb == 1)).float().mean().item()

        def validate_epoch(model, dl):
            accuracies = [batch_accuracy(model(xb), yb) for xb, yb in dl]
            return round(sum(accuracies) / len(accuracies), 4)
    """, known="threshold_half_without_sigmoid"),
    pair("06_epoch_loop", "train_model", "a correct training loop around an epoch that never steps", """
        def train_epoch(model, lr, params, dl):
            for xb, yb in dl:
                calc_grad(xb, yb, model)

        def train_model(model, lr, params, dl, valid_dl, epochs, patience=None):
            accuracies, best, stale = [], float("-inf"), 0
            for _ in range(epochs):
                train_epoch(model, lr, params, dl)
                accuracies.append(validate_epoch(model, valid_dl))
                if accuracies[-1] > best:
                    best, stale = accuracies[-1], 0
                else:
                    stale += 1
                if patience is not None and stale >= patience:
                    break
            return accuracies
    """),
    pair("06_epoch_loop", "train_model", "a correct training loop around a validation of the last batch only", """
        def validate_epoch(model, dl):
            for xb, yb in dl:
                accuracy = batch_accuracy(model(xb), yb)
            return round(float(accuracy), 4)

        def train_model(model, lr, params, dl, valid_dl, epochs, patience=None):
            accuracies, best, waited = [], None, 0
            for _ in range(epochs):
                train_epoch(model, lr, params, dl)
                accuracy = validate_epoch(model, valid_dl)
                accuracies.append(accuracy)
                best, waited = (accuracy, 0) if best is None or accuracy > best else (best, waited + 1)
                if patience is not None and waited == patience:
                    break
            return accuracies
    """, known="last_batch_only"),
]


def stubs(assignment: str) -> Entry:
    """Every function of `assignment` as released: raising NotImplementedError."""
    lines = []
    for name in FUNCTIONS[assignment]:
        if name[0].isupper():
            lines += [f"class {name}:", "    def __init__(self, *args, **kwargs):", "        raise NotImplementedError()"]
        else:
            lines += [f"def {name}(*args, **kwargs):", "    raise NotImplementedError()"]
        lines.append("")
    return Entry(assignment, "nothing written yet (the release's stubs)", "\n".join(lines))


def named(entry: Entry, results: list[Result]) -> set[str]:
    """The known mistakes the feedback names."""
    return {k.id for k in known_mistakes(entry.assignment) for r in results if k.diagnosis in r.message}


def misnamed(entry: Entry, results: list[Result]) -> set[str]:
    """Known mistakes named in the feedback that the entry does not make: each is a false verdict."""
    return named(entry, results) - ({entry.known} if entry.known else set())


def grade(entry: Entry) -> list[Result]:
    """Every check of the entry's assignment, as an instructor grades it (a confined worker,
    the graded inputs), with the entry's function and the reference solution of every other
    function, as the source code a student would hand in.

    Graded once per entry and language in a test process: several tests read the same verdicts
    (each a frozen Result), and a grading is deterministic, so a second one would only repeat it."""
    return list(_graded(entry, messages.LANGUAGE.get()))


@functools.cache
def _graded(entry: Entry, language: str) -> tuple[Result, ...]:
    solutions = importlib.import_module(f"solutions.{module_name(entry.assignment)}")
    others = "\n\n".join(inspect.getsource(getattr(solutions, name)) for name in FUNCTIONS[entry.assignment])
    with messages.speaking(language):
        return tuple(grade_isolated(entry.assignment, [("solutions.py", others), ("answer.py", entry.code)],
                                    zygote=shared_zygote()))


_ZYGOTE = []


def shared_zygote():
    """One warm fork server for every grading in this process: the one this process was given (a
    test's pytest, or a command, run by the suite), else one of its own."""
    if not _ZYGOTE:
        from autograder.isolation.zygote import start

        _ZYGOTE.append(start())
        atexit.register(_ZYGOTE[0].close)
    return _ZYGOTE[0]


def diagnosis_of(entry: Entry) -> str:
    (mistake,) = [k for k in known_mistakes(entry.assignment) if k.id == entry.known]
    return mistake.diagnosis


def pair_holds(entry: Entry, results: list[Result]) -> bool:
    """The correct caller keeps every point; the broken helper loses some."""
    return all(r.passed for r in results if r.id.startswith(entry.passes + "_")) and not all(r.passed for r in results)


def report() -> int:
    """The maintainers' table: one row per entry (stubs and pairs included), then the totals."""
    caught = named_right = accepted = held = wrongly_named = 0
    stubs_of = [stubs(a) for a in FUNCTIONS]
    print(f"{'step':<16}{'entry':<44}{'caught':<8}{'named':<7}{'first failing check':<44}message")
    for entry in WRONG + ALTERNATIVES + PAIRS + stubs_of:
        results = grade(entry)
        failed = [r for r in results if not r.passed]
        wrongly_named += len(misnamed(entry, results))
        if entry.passes:
            held += pair_holds(entry, results)
            verdict, name = ("held" if pair_holds(entry, results) else "BROKEN"), ""
        elif entry in stubs_of:
            verdict, name = ("0 pts" if not any(r.points for r in results) else "POINTS"), ""
        elif entry.known is None:
            accepted += not failed
            verdict, name = ("accepted" if not failed else "REJECTED"), ""
        else:
            is_named = any(diagnosis_of(entry) in r.message for r in failed)
            caught += bool(failed)
            named_right += is_named
            verdict, name = ("yes" if failed else "NO"), ("yes" if is_named else "no")
        first = failed[0] if failed else None
        message = first.message.replace("\n", " | ")[:150] if first else ""
        label = entry.what if entry.known or entry.passes or entry in stubs_of else f"(correct) {entry.what}"
        print(f"{entry.assignment:<16}{label[:43]:<44}{verdict:<8}{name:<7}"
              f"{(first.id if first else '-')[:43]:<44}{message}")
    print(f"\ncaught mistakes: {caught}/{len(WRONG)}, named mistakes: {named_right}/{len(WRONG)}, "
          f"accepted alternatives: {accepted}/{len(ALTERNATIVES)}, broken helpers costing only their own "
          f"points: {held}/{len(PAIRS)}, misnamed: {wrongly_named}")
    return 0 if (caught == named_right == len(WRONG) and accepted == len(ALTERNATIVES) and held == len(PAIRS)
                 and not wrongly_named) else 1


if __name__ == "__main__":
    sys.exit(report())
