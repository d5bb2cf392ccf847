"""Checks of 07_relu_net: simple_net, make_simple_net(n_hidden=30), make_learner(dls, model)."""
import contextlib

import torch
from torch import nn

from autograder.checks import check, known
from autograder.compare import expect_grad, expect_tensor, expect_values, fail
from autograder.snapshot import snapshot

FIT_EPOCHS, FIT_LR, FIT_TARGET = 5, 1.0, 0.98  # the notebook trains 40 epochs at 0.1: same accuracy, 8x the time


def cases(g: torch.Generator) -> dict:
    from solutions.relu_net import simple_net
    from solutions.sigmoid_loss import mnist_loss
    from solutions.epoch_loop import batch_accuracy

    def net(n, hidden):
        inputs = {"xb": torch.rand(n, 784, generator=g),
                  "w1": torch.randn(784, hidden, generator=g) * 0.05,
                  "b1": torch.randn(hidden, generator=g) * 0.5,
                  "w2": torch.randn(hidden, 1, generator=g),
                  "b2": torch.randn(1, generator=g)}
        w1 = inputs["w1"].clone().requires_grad_()
        out = simple_net(inputs["xb"], w1, *[inputs[k] for k in ("b1", "w2", "b2")])
        out.sum().backward()
        return {**inputs, "expected": out.detach(), "expected_w1_grad": w1.grad}

    preds = torch.randn(32, 1, generator=g) * 2
    yb = (torch.rand(32, 1, generator=g) > 0.5).float()
    return {
        "simple_net": net(6, 5),
        "simple_net_grad": net(4, 7),
        "forward": {"xb": torch.rand(4, 784, generator=g)},
        "learner": {"preds": preds, "yb": yb, "expected_loss": mnist_loss(preds, yb),
                    "expected_metric": batch_accuracy(preds, yb)},
    }


def _net_inputs(case):
    return {k: case[k] for k in ("xb", "w1", "b1", "w2", "b2")}


@check("simple_net_matches_reference", function="simple_net", points=2, case="simple_net")
def _(student, case):
    expect_tensor(student.call("simple_net", **_net_inputs(case)), case["expected"], atol=1e-4,
                  hint="relu(xb @ w1 + b1) @ w2 + b2, where relu keeps positives and turns "
                       "negatives into 0 (res.max(tensor(0.0))).")


@check("simple_net_is_differentiable", function="simple_net", points=1, hidden=True,
       case="simple_net_grad")
def _(student, case):
    call = student.call("simple_net", grad_wrt=("w1",), **_net_inputs(case))
    expect_tensor(call, case["expected"], requires_grad=True, atol=1e-4)
    expect_grad(call, "w1", case["expected_w1_grad"], atol=1e-4)


def _probe_module(student, n_hidden, xb):
    """What make_simple_net builds: its class, parameter shapes, and output on xb."""
    with student.blame("make_simple_net"):
        model = student.run("make_simple_net") if n_hidden is None else student.run("make_simple_net", n_hidden)
        if not isinstance(model, nn.Module):
            return snapshot(model), None, None, None
        params = [p.detach().clone() for p in model.parameters()]
        out = model(xb.clone())
    return snapshot(model), [tuple(p.shape) for p in params], params, snapshot(out)


def _expect_network(student, case, n_hidden):
    what = "make_simple_net()" if n_hidden is None else f"make_simple_net({n_hidden})"
    hidden = n_hidden or 30
    model, shapes, params, out = student.probe(_probe_module, n_hidden, case["xb"])
    if shapes is None:
        fail(f"{what} returned {model.type} {model.text}; expected an nn.Module such as "
             "nn.Sequential(...).")
    expected_shapes = [(hidden, 784), (hidden,), (1, hidden), (1,)]
    if shapes != expected_shapes:
        fail(f"{what} built a network whose parameters have shapes {shapes}; expected "
             f"{expected_shapes}: nn.Linear(784, {hidden}), then nn.Linear({hidden}, 1).",
             "The hidden layer has n_hidden units (default 30).")
    w1, b1, w2, b2 = params
    expected = (case["xb"] @ w1.T + b1).clamp(min=0) @ w2.T + b2
    if out.tensor is None:
        fail(f"{what}, called on (4, 784) images, returned {out.type}; expected a (4, 1) tensor.")
    expect_values(f"{what}, called on (4, 784) images, returned", out.tensor.values, expected,
                  atol=1e-4, hint="Put nn.ReLU() between the two linear layers.")


@check("make_simple_net_is_linear_relu_linear", function="make_simple_net", points=2, case="forward")
def _(student, case):
    _expect_network(student, case, None)


@check("make_simple_net_uses_n_hidden", function="make_simple_net", points=1, hidden=True,
       case="forward")
def _(student, case):
    _expect_network(student, case, 7)


def _tiny_dls(case):
    from fastai.data.core import DataLoaders
    from fastai.data.load import DataLoader

    items = list(zip(torch.rand(8, 784), torch.ones(8, 1)))
    return DataLoaders(DataLoader(items, batch_size=4), DataLoader(items, batch_size=4))


def _probe_learner(student, case):
    """The parts of the Learner that make_learner chooses, each as something comparable."""
    from fastai.learner import Learner

    dls, model = _tiny_dls(case), nn.Linear(784, 1)
    learn = student.run("make_learner", dls, model)
    if not isinstance(learn, Learner):
        return {"type": snapshot(learn)}
    with student.blame("make_learner"):
        opt = learn.opt_func
        metrics = list(learn.metrics)
        return {
            "type": snapshot(learn),
            "same_model": learn.model is model,
            "same_dls": learn.dls is dls,
            "opt_func": f"{getattr(opt, '__module__', '?')}.{getattr(opt, '__qualname__', repr(opt))}",
            "loss": snapshot(learn.loss_func(case["preds"], case["yb"])),
            "metrics": [snapshot(m.func(case["preds"], case["yb"])) if hasattr(m, "func") else
                        snapshot(m) for m in metrics],
        }


@check("make_learner_configures_the_learner", function="make_learner", points=2, case="learner")
def _(student, case):
    got = student.probe(_probe_learner, case)
    what = "make_learner(dls, model)"
    if "same_model" not in got:
        fail(f"{what} returned {got['type'].type} {got['type'].text}; expected a fastai Learner.")
    if not (got["same_model"] and got["same_dls"]):
        fail(f"{what} built a Learner around other dls or another model than the ones it was "
             "given.", "Pass dls and model straight to Learner(dls, model, ...).")
    if got["opt_func"] != "fastai.optimizer.SGD":
        fail(f"{what} uses the optimizer {got['opt_func']}; expected fastai's SGD.",
             "Pass opt_func=SGD.")
    loss = got["loss"].as_float()
    if loss is None or abs(loss - case["expected_loss"].item()) > 1e-5:
        fail(f"{what}: its loss_func gives {got['loss'].text} on a test batch, where mnist_loss "
             f"gives {case['expected_loss'].item():.6g}.", "Pass loss_func=mnist_loss.")
    metrics = [m.as_float() for m in got["metrics"]]
    if len(metrics) != 1 or metrics[0] is None or abs(metrics[0] - case["expected_metric"]) > 1e-6:
        fail(f"{what}: its metrics give {[m.text for m in got['metrics']]} on a test batch; "
             f"expected one metric, batch_accuracy, which gives {case['expected_metric']:.4f}.",
             "Pass metrics=batch_accuracy.")


def _probe_fit_on_mnist(student):
    import random

    from autograder import data

    torch.manual_seed(0)
    random.seed(0)
    mnist = data.load()
    model = nn.Sequential(nn.Linear(784, 30), nn.ReLU(), nn.Linear(30, 1))
    learn = student.run("make_learner", data.dataloaders(mnist), model)
    with student.blame("make_learner"), contextlib.ExitStack() as quiet:
        quiet.enter_context(learn.no_logging())
        if hasattr(learn, "no_bar"):  # present once fastai's progress bars are imported
            quiet.enter_context(learn.no_bar())
        learn.fit(FIT_EPOCHS, FIT_LR)
    return [p.detach().clone() for p in model.parameters()]


@check("make_learner_trains_the_relu_net", function="make_learner", points=2, hidden=True, diagnose=False)
def _(student, case):
    from autograder import data

    w1, b1, w2, b2 = student.probe(_probe_fit_on_mnist)
    mnist = data.load()  # the grader measures the trained network itself
    preds = (mnist.valid_x @ w1.T + b1).clamp(min=0) @ w2.T + b2
    accuracy = ((preds > 0) == (mnist.valid_y == 1)).float().mean().item()
    if accuracy < FIT_TARGET:
        fail(f"make_learner(dls, model) with model = a 784-30-1 ReLU net, after fit({FIT_EPOCHS}, "
             f"{FIT_LR}) on the 2s and 9s, reaches a validation accuracy of {accuracy:.4f}; "
             f"expected {FIT_TARGET} or more.",
             "Check the optimizer (SGD) and the loss (mnist_loss) you give the Learner.")


known("no_relu", "simple_net", "two linear layers with nothing between them",
      "Apply the ReLU to the hidden layer: (xb @ w1 + b1).max(tensor(0.0)).", '''
def simple_net(xb, w1, b1, w2, b2):
    return (xb @ w1 + b1) @ w2 + b2
''', module=__name__)
known("min_instead_of_max", "simple_net", "min(x, 0) instead of max(x, 0)",
      "The ReLU keeps the positives: use .max(tensor(0.0)) (or .clamp(min=0)).", '''
def simple_net(xb, w1, b1, w2, b2):
    return (xb @ w1 + b1).min(torch.tensor(0.0)) @ w2 + b2
''', module=__name__)
known("sigmoid_activation", "simple_net", "a sigmoid between the layers instead of a ReLU",
      "This step's activation is the ReLU, max(x, 0).", '''
def simple_net(xb, w1, b1, w2, b2):
    return torch.sigmoid(xb @ w1 + b1) @ w2 + b2
''', module=__name__)
known("relu_on_the_output", "simple_net", "a ReLU on the output as well",
      "Only the hidden layer goes through the ReLU; the output is a raw score, negative for a 9.", '''
def simple_net(xb, w1, b1, w2, b2):
    return ((xb @ w1 + b1).max(torch.tensor(0.0)) @ w2 + b2).max(torch.tensor(0.0))
''', module=__name__)
known("hidden_size_ignored", "make_simple_net", "a network whose hidden layer is always 30 wide",
      "Use n_hidden for both layers: nn.Linear(784, n_hidden) and nn.Linear(n_hidden, 1).", '''
def make_simple_net(n_hidden=30):
    return nn.Sequential(nn.Linear(784, 30), nn.ReLU(), nn.Linear(30, 1))
''', module=__name__)
known("module_without_relu", "make_simple_net", "two nn.Linear layers with no nn.ReLU between them",
      "Put nn.ReLU() between the two linear layers.", '''
def make_simple_net(n_hidden=30):
    return nn.Sequential(nn.Linear(784, n_hidden), nn.Linear(n_hidden, 1))
''', module=__name__)
known("module_sigmoid_activation", "make_simple_net", "nn.Sigmoid() between the layers instead of nn.ReLU()",
      "This step's activation is nn.ReLU().", '''
def make_simple_net(n_hidden=30):
    return nn.Sequential(nn.Linear(784, n_hidden), nn.Sigmoid(), nn.Linear(n_hidden, 1))
''', module=__name__)
known("two_outputs", "make_simple_net", "an output layer with 2 units instead of 1",
      "One raw score per image: the last layer is nn.Linear(n_hidden, 1).", '''
def make_simple_net(n_hidden=30):
    return nn.Sequential(nn.Linear(784, n_hidden), nn.ReLU(), nn.Linear(n_hidden, 2))
''', module=__name__)
known("mse_loss_in_learner", "make_learner", "a Learner with a squared-error loss instead of mnist_loss",
      "Pass loss_func=mnist_loss.", '''
def make_learner(dls, model):
    return Learner(dls, model, opt_func=SGD, loss_func=nn.MSELoss(), metrics=batch_accuracy)
''', module=__name__)
known("adam_instead_of_sgd", "make_learner", "a Learner with fastai's default optimizer (Adam) instead of SGD",
      "Pass opt_func=SGD.", '''
def make_learner(dls, model):
    return Learner(dls, model, loss_func=mnist_loss, metrics=batch_accuracy)
''', module=__name__)
known("no_metrics", "make_learner", "a Learner without the batch_accuracy metric",
      "Pass metrics=batch_accuracy.", '''
def make_learner(dls, model):
    return Learner(dls, model, opt_func=SGD, loss_func=mnist_loss)
''', module=__name__)
known("arguments_swapped", "make_learner", "a Learner given the model where the data go",
      "Learner takes the DataLoaders first, then the model: Learner(dls, model, ...).", '''
def make_learner(dls, model):
    return Learner(model, dls, opt_func=SGD, loss_func=mnist_loss, metrics=batch_accuracy)
''', module=__name__)
