"""Step 1, initialize: random starting weights."""
import torch


def init_params(size, std=1.0):
    """Random parameters to start learning from.

    size: an int or a tuple, the shape of the result (e.g. (784, 1) or 1).
    std:  the standard deviation of the normal distribution they are drawn from.
    Returns a float32 leaf tensor of shape `size` with requires_grad=True, drawn
    with torch's global generator (so `torch.manual_seed` makes it repeatable).
    """
    # Scale first, then ask for gradients: the result stays a leaf.
    return (torch.randn(size) * std).requires_grad_()
