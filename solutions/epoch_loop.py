"""Steps 6 and 7, repeat and stop: epochs of training, and knowing when to quit."""
from solutions.calc_grad import calc_grad
from solutions.sigmoid_loss import sigmoid
from solutions.step import step


def train_epoch(model, lr, params, dl):
    """One pass over `dl`: for each batch, its gradient, then a step.

    model: a callable (N, 784) -> (N, 1); lr: a float; params: the model's
    parameters (a list of leaf tensors); dl: an iterable of (xb, yb) batches.
    """
    for xb, yb in dl:
        calc_grad(xb, yb, model)
        step(params, lr)


def batch_accuracy(preds, yb):
    """Fraction of rows where sigmoid(preds) > 0.5 agrees with yb == 1.

    preds: (N, 1) raw scores; yb: (N, 1) targets. Returns a Python float
    (a one-element tensor is accepted too).
    """
    return ((sigmoid(preds) > 0.5) == (yb == 1)).float().mean().item()


def validate_epoch(model, dl):
    """Mean of the per-batch accuracies over `dl`, rounded to 4 places (a float)."""
    accuracies = [batch_accuracy(model(xb), yb) for xb, yb in dl]
    return round(sum(accuracies) / len(accuracies), 4)


def train_model(model, lr, params, dl, valid_dl, epochs, patience=None):
    """Train for up to `epochs` epochs; return the validation accuracy of each.

    With an int `patience`, stop after `patience` epochs in a row that did not
    beat the best accuracy so far.
    """
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
