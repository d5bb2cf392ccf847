"""Step 4, gradient: how the loss changes when each weight changes."""
from solutions.sigmoid_loss import mnist_loss


def calc_grad(xb, yb, model):
    """Add this batch's gradient of the loss to every parameter's `.grad`.

    xb: (N, 784) images; yb: (N, 1) targets; model: a callable (N, 784) -> (N, 1)
    whose parameters require grad. Does not zero the gradients first.
    Returns the batch's loss, a 0-dim tensor.
    """
    loss = mnist_loss(model(xb), yb)
    loss.backward()
    return loss
