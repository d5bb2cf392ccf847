"""Step 2, predict: a linear model scores every image."""


def linear1(xb, weights, bias):
    """Raw scores of a linear model.

    xb: (N, 784) images, one per row; weights: (784, 1); bias: (1,).
    Returns (N, 1): one score per image, positive means "a 2".
    """
    return xb @ weights + bias


def raw_accuracy(preds, targets):
    """Fraction of images whose raw score is on the right side of 0.

    preds: (N, 1) raw scores; targets: (N, 1), 1 for a 2 and 0 for a 9.
    Returns a Python float in [0, 1] (a one-element tensor is accepted too).
    """
    return ((preds > 0.0) == (targets == 1)).float().mean().item()
