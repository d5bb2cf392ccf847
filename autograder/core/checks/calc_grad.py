"""Checks of 04_calc_grad: calc_grad(xb, yb, model)."""
import torch
from torch import nn

from autograder.core.checks import check, known
from autograder.core.compare import expect_answer, expect_no_change_in_the_code, expect_values, fail
from autograder.core.snapshot import TensorInfo, tensor_info

GRAD_ATOL = 1e-5
NAMES = ("weights", "bias")


def cases(g: torch.Generator) -> dict:
    from solutions.calc_grad import calc_grad

    def batch(n, times=1, module=False):
        inputs = {"xb": torch.rand(n, 784, generator=g), "yb": (torch.rand(n, 1, generator=g) > 0.5).float(),
                  "weights": torch.randn(784, 1, generator=g) * 0.05, "bias": torch.randn(1, generator=g),
                  "times": times}
        if module:
            inputs["weights"] = inputs["weights"].T.contiguous()  # nn.Linear keeps (out, in)
        params = [inputs["weights"].clone().requires_grad_(), inputs["bias"].clone().requires_grad_()]
        model = (lambda xb: xb @ params[0].T + params[1]) if module else (lambda xb: xb @ params[0] + params[1])
        for _ in range(times):
            calc_grad(inputs["xb"], inputs["yb"], model)
        return {"inputs": inputs, "expected": {"grads": [p.grad for p in params]}}

    return {
        "calc_grad": batch(int(torch.randint(12, 20, (), generator=g))),
        "calc_grad_twice": batch(12, times=2),
        "calc_grad_module": batch(10, module=True),
    }


def _probe_linear(student, inputs):
    """Run calc_grad `times` on a linear model of ours; snapshot its parameters."""
    weights = inputs["weights"].clone().requires_grad_()
    bias = inputs["bias"].clone().requires_grad_()
    for _ in range(inputs["times"]):
        loss = student.run("calc_grad", inputs["xb"].clone(), inputs["yb"].clone(), lambda xb: xb @ weights + bias)
    return [tensor_info(weights), tensor_info(bias), _cut_from_the_model(loss)]


def _cut_from_the_model(loss) -> bool:
    """A returned loss that is a leaf requiring grad was cut from the model (loss.requires_grad = True)."""
    return isinstance(loss, torch.Tensor) and loss.is_leaf and loss.requires_grad


def _probe_module(student, inputs):
    """The same with an nn.Linear(784, 1) as the model."""
    model = nn.Linear(784, 1)
    with torch.no_grad():
        model.weight.copy_(inputs["weights"])
        model.bias.copy_(inputs["bias"])
    loss = student.run("calc_grad", inputs["xb"].clone(), inputs["yb"].clone(), model)
    return [tensor_info(model.weight), tensor_info(model.bias), _cut_from_the_model(loss)]


def _params(got, case):
    """The probe's [weights, bias, cut] with each parameter of its input's shape and dtype."""
    expect_answer("calc_grad", got, [TensorInfo, TensorInfo, bool])
    for name, info in zip(NAMES, got):
        if info.values is None or info.shape != tuple(case.inputs[name].shape):
            fail(f"after calc_grad, {name} is no longer a tensor of its shape")
    return got[:2]


def _expect_grads(params, case, what, hint):
    for name, got, expected in zip(NAMES, params, case.expected["grads"]):
        if got.grad is None:
            fail(f"after calc_grad, {name}.grad is None: no gradient was computed",
                 "Call .backward() on the loss, mnist_loss(model(xb), yb).")
        expect_values("calc_grad", f"after calc_grad(xb, yb, model) {what}, {name}.grad holds", got.grad.values,
                      expected, atol=GRAD_ATOL, hint=hint)


@check("calc_grad_sets_the_gradients", function="calc_grad", points=2, case="calc_grad")
def _(student, case):
    params = _params(student.probe(_probe_linear), case)
    for name, got, expected in zip(NAMES, params, case.expected["grads"]):
        if got.grad is None:
            fail(f"after calc_grad, {name}.grad is still None: no gradient was computed",
                 "Call .backward() on the loss, mnist_loss(model(xb), yb).")
        if got.grad.shape != tuple(expected.shape):
            fail(f"after calc_grad, {name}.grad does not have the shape of {name}", None,
                 f"after calc_grad(xb, yb, model), {name}.grad has shape {got.grad.shape}; expected "
                 f"{tuple(expected.shape)}, the shape of {name}.")


@check("calc_grad_matches_reference", function="calc_grad", points=3, case="calc_grad")
def _(student, case):
    _expect_grads(_params(student.probe(_probe_linear), case), case, "once, on fresh parameters",
                  "The gradient is that of mnist_loss(model(xb), yb): use mnist_loss, on this batch.")


@check("calc_grad_accumulates_gradients", function="calc_grad", points=2, hidden=True, case="calc_grad_twice")
def _(student, case):
    _expect_grads(_params(student.probe(_probe_linear), case), case, "twice on the same batch",
                  "Called twice, calc_grad must double the gradients: PyTorch adds to .grad, and "
                  "zeroing is the optimizer's job (step), not calc_grad's.")


@check("calc_grad_leaves_the_parameters_unchanged", function="calc_grad", points=1, hidden=True, case="calc_grad")
def _(student, case):
    params = _params(student.probe(_probe_linear), case)
    for name, got in zip(NAMES, params):  # only a calc_grad that computed the gradient can pass
        if not torch.equal(got.values, case.inputs[name]):
            fail(f"calc_grad changed {name}: it should only compute gradients", "Leave the update to step().")
    _expect_grads(params, case, "once", "The gradient is that of mnist_loss(model(xb), yb).")
    expect_no_change_in_the_code(student, "calc_grad")  # read from the code: the worker could hide it


@check("calc_grad_works_with_a_module", function="calc_grad", points=2, hidden=True, case="calc_grad_module")
def _(student, case):
    _expect_grads(_params(student.probe(_probe_module), case), case, "with model = nn.Linear(784, 1)",
                  "Treat model as any callable: model(xb), not a formula with your own weights.")


known("squared_error_loss", "calc_grad", "the gradient of a squared error instead of mnist_loss",
      "Measure the loss with mnist_loss(model(xb), yb): the course's loss, with its sigmoid.", '''
def calc_grad(xb, yb, model):
    loss = ((model(xb) - yb) ** 2).mean()
    loss.backward()
    return loss
''', module=__name__)
known("accuracy_as_loss", "calc_grad",
      "accuracy used as the loss, with loss.requires_grad = True to silence the error",
      "Accuracy has no useful gradient (it is flat almost everywhere) and forcing requires_grad "
      "cuts it from the weights: use mnist_loss(model(xb), yb).", '''
def calc_grad(xb, yb, model):
    loss = ((model(xb) > 0).float() == yb).float().mean()
    loss.requires_grad = True
    loss.backward()
    return loss
''', module=__name__)
known("no_backward", "calc_grad", "computing the loss without calling backward()",
      "Call loss.backward(): that is what fills every parameter's .grad.", '''
def calc_grad(xb, yb, model):
    return mnist_loss(model(xb), yb)
''', module=__name__)
known("zero_grad_inside_calc_grad", "calc_grad", "zeroing the gradients inside calc_grad with model.zero_grad()",
      "model may be any function, and zeroing is the optimizer's job (step 5): calc_grad only adds "
      "this batch's gradient.", '''
def calc_grad(xb, yb, model):
    model.zero_grad()
    loss = mnist_loss(model(xb), yb)
    loss.backward()
    return loss
''', module=__name__)
known("global_training_data", "calc_grad", "the gradient on the global training set instead of the batch given",
      "Use the arguments xb and yb, not train_x and train_y.", '''
def calc_grad(xb, yb, model):
    loss = mnist_loss(model(train_x), train_y)
    loss.backward()
    return loss
''', module=__name__)
known("sigmoid_before_the_loss", "calc_grad", "a sigmoid applied to the model's output before mnist_loss",
      "mnist_loss applies the sigmoid itself: pass it the raw scores model(xb).", '''
def calc_grad(xb, yb, model):
    loss = mnist_loss(torch.sigmoid(model(xb)), yb)
    loss.backward()
    return loss
''', module=__name__)
