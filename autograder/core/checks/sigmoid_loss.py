"""Checks of 03_sigmoid_loss: sigmoid(x) and mnist_loss(predictions, targets)."""
import torch

from autograder.core.checks import check, known, stands_in
from autograder.core.compare import expect_grad, expect_no_change_in_the_code, expect_repeatable, expect_tensor, fail
from autograder.core.source import uses
from autograder.core.student_side import kind_of

# mnist_loss is graded with torch's sigmoid in place of the student's: a broken sigmoid costs
# only the points of sigmoid's own checks.
stands_in("sigmoid", "sigmoid = torch.sigmoid", module=__name__)

BUILTIN_SIGMOIDS = frozenset({"sigmoid", "sigmoid_", "expit", "Sigmoid", "logsigmoid", "LogSigmoid", "softmax",
                              "logistic", "silu", "torch_sigmoid"})


def cases(g: torch.Generator) -> dict:
    from solutions.sigmoid_loss import mnist_loss, sigmoid

    def with_grad(fn, *inputs):
        first = inputs[0].clone().requires_grad_()
        out = fn(first, *inputs[1:])
        out.sum().backward()
        return out.detach(), first.grad

    def loss(n):
        predictions = torch.randn(n, 1, generator=g) * 2
        targets = (torch.rand(n, 1, generator=g) > 0.5).float()
        expected, grad = with_grad(mnist_loss, predictions, targets)
        return {"inputs": {"predictions": predictions, "targets": targets},
                "expected": {"loss": expected, "grad": grad}}

    x = torch.randn(4, 5, generator=g) * 4
    shapes = [torch.randn((), generator=g), torch.randn(3, generator=g), torch.randn(2, 3, 4, generator=g)]
    small = torch.linspace(-6, 6, 7) * (0.5 + torch.rand((), generator=g))
    values, grad = with_grad(sigmoid, small)
    return {
        "sigmoid": {"inputs": {"x": x}, "expected": {"values": sigmoid(x)}},
        "sigmoid_shapes": {"inputs": {"xs": shapes}, "expected": {"values": [sigmoid(s) for s in shapes]}},
        "sigmoid_grad": {"inputs": {"x": small}, "expected": {"values": values, "grad": grad}},
        "mnist_loss": loss(int(torch.randint(6, 12, (), generator=g))),
        "mnist_loss_grad": loss(13),
    }


@check("sigmoid_matches_reference", function="sigmoid", points=2, case="sigmoid")
def _(student, case):
    expect_tensor(student.call("sigmoid", **case.inputs), case.expected["values"],
                  hint="sigmoid(x) = 1 / (1 + exp(-x)), element by element.")


@check("sigmoid_keeps_the_shape", function="sigmoid", points=1, case="sigmoid_shapes")
def _(student, case):
    for x, expected in zip(case.inputs["xs"], case.expected["values"]):
        expect_tensor(student.call("sigmoid", x=x), expected,
                      hint="Work element-wise: no sum, mean, view or squeeze.")


@check("sigmoid_is_differentiable", function="sigmoid", points=1, hidden=True, case="sigmoid_grad")
def _(student, case):
    call = student.call("sigmoid", grad_wrt=("x",), **case.inputs)
    expect_tensor(call, case.expected["values"], requires_grad=True)
    expect_grad(call, "x", case.expected["grad"],
                hint="Use torch operations (torch.exp) on the tensor itself, not math.exp or .item().")


@check("sigmoid_written_by_hand", function="sigmoid", points=1, hidden=True, case="sigmoid")
def _(student, case):
    expect_tensor(student.call("sigmoid", **case.inputs), case.expected["values"],  # a sigmoid, first
                  hint="sigmoid(x) = 1 / (1 + exp(-x)), element by element.")
    used = uses(student, "sigmoid", BUILTIN_SIGMOIDS)  # read from the code, in the grader
    if used is None:
        fail("the code of sigmoid could not be found: define it with `def sigmoid(x):` in its cell")
    if used:
        fail(f"sigmoid uses {used}: this step asks you to write the formula yourself",
             "Use 1 / (1 + torch.exp(-x)).")


@check("mnist_loss_returns_a_scalar", function="mnist_loss", points=1, case="mnist_loss",
       stand_ins=("sigmoid",))
def _(student, case):
    call = student.call("mnist_loss", **case.inputs)
    tensor = call.value.tensor
    if tensor is None or tensor.shape != ():
        fail("mnist_loss did not return a 0-dim tensor (one number)" if tensor else
             f"mnist_loss returned {kind_of(call.value.type)}, not a 0-dim tensor",
             "Take the .mean() of the per-image losses, and keep it a tensor (no .item()), "
             "so that backward() can run through it.",
             f"{call.text} returned {call.value.type} {call.value.text}"
             + (f" of shape {tensor.shape}" if tensor else "") + "; expected a 0-dim tensor (one number).")


@check("mnist_loss_matches_reference", function="mnist_loss", points=2, case="mnist_loss",
       stand_ins=("sigmoid",))
def _(student, case):
    expect_tensor(student.call("mnist_loss", **case.inputs), case.expected["loss"],
                  hint="Squash the predictions with sigmoid, then take 1 - p where the target is 1 "
                       "and p where it is 0, and average.")


@check("mnist_loss_is_differentiable", function="mnist_loss", points=1, hidden=True, case="mnist_loss_grad",
       stand_ins=("sigmoid",))
def _(student, case):
    call = student.call("mnist_loss", grad_wrt=("predictions",), **case.inputs)
    expect_tensor(call, case.expected["loss"], requires_grad=True)
    expect_grad(call, "predictions", case.expected["grad"],
                hint="Keep every operation a torch operation on predictions.")


@check("mnist_loss_leaves_its_inputs_unchanged", function="mnist_loss", points=1, hidden=True,
       case="mnist_loss_grad", stand_ins=("sigmoid",))
def _(student, case):
    expect_repeatable(*student.call_twice("mnist_loss", **case.inputs), case.expected["loss"], case.inputs)
    expect_no_change_in_the_code(student, "mnist_loss")  # read from the code: the worker could hide it


known("sigmoid_sign_error", "sigmoid", "1 / (1 + exp(x)), with the sign of x flipped",
      "The exponent is -x: 1 / (1 + torch.exp(-x)).", '''
def sigmoid(x):
    return 1 / (1 + torch.exp(x))
''', module=__name__)
known("builtin_sigmoid", "sigmoid", "torch's own sigmoid instead of the formula",
      "This step asks you to write it: 1 / (1 + torch.exp(-x)).", '''
def sigmoid(x):
    return torch.sigmoid(x)
''', module=__name__)
known("sigmoid_with_math_exp", "sigmoid", "math.exp, which takes one number, not a tensor",
      "Use torch.exp, which works element-wise on a whole tensor.", '''
def sigmoid(x):
    import math
    return 1 / (1 + math.exp(-x))
''', module=__name__)
known("sigmoid_without_the_one", "sigmoid", "1 / exp(-x), with the 1 + missing",
      "The denominator is 1 + exp(-x).", '''
def sigmoid(x):
    return 1 / torch.exp(-x)
''', module=__name__)
known("loss_without_sigmoid", "mnist_loss", "the loss computed on raw scores, without the sigmoid",
      "Apply sigmoid to predictions first, so that every prediction is between 0 and 1.", '''
def mnist_loss(predictions, targets):
    return torch.where(targets == 1, 1 - predictions, predictions).mean()
''', module=__name__)
known("branches_swapped", "mnist_loss", "the loss with its two branches swapped",
      "Where the target is 1 the distance is 1 - p; where it is 0 it is p.", '''
def mnist_loss(predictions, targets):
    predictions = sigmoid(predictions)
    return torch.where(targets == 1, predictions, 1 - predictions).mean()
''', module=__name__)
known("sum_instead_of_mean", "mnist_loss", "the sum of the distances instead of their mean",
      "Take the .mean(), so the loss does not grow with the batch size.", '''
def mnist_loss(predictions, targets):
    predictions = sigmoid(predictions)
    return torch.where(targets == 1, 1 - predictions, predictions).sum()
''', module=__name__)
known("sigmoid_twice", "mnist_loss", "the sigmoid applied twice",
      "Squash the raw scores once: if your model already applies a sigmoid, do not apply it again here.", '''
def mnist_loss(predictions, targets):
    predictions = sigmoid(sigmoid(predictions))
    return torch.where(targets == 1, 1 - predictions, predictions).mean()
''', module=__name__)
known("flattened_targets", "mnist_loss",
      "flattened targets against (N, 1) predictions, which broadcasting turns into an (N, N) table",
      "Keep targets and predictions the same shape, (N, 1): do not flatten or squeeze one of them.", '''
def mnist_loss(predictions, targets):
    predictions = sigmoid(predictions)
    return torch.where(targets.view(-1) == 1, 1 - predictions, predictions).mean()
''', module=__name__)
known("loss_as_python_number", "mnist_loss", "a Python number (.item()) instead of a tensor",
      "Return the 0-dim tensor itself: backward() needs it, and .item() cuts it from the gradients.", '''
def mnist_loss(predictions, targets):
    predictions = sigmoid(predictions)
    return torch.where(targets == 1, 1 - predictions, predictions).mean().item()
''', module=__name__)
