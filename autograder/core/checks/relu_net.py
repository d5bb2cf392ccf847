"""Checks of 07_relu_net: simple_net, make_simple_net(n_hidden=30), make_learner(dls, model)."""
import contextlib

import torch
from torch import nn

from autograder.core.checks import check, known
from autograder.core.compare import expect_answer, expect_grad, expect_shape, expect_tensor, expect_values, fail
from autograder.core.snapshot import TensorInfo, Value, snapshot, tensor_info

FIT_EPOCHS, FIT_LR, FIT_TARGET = 5, 1.0, 0.98  # the notebook trains 40 epochs at 0.1: same accuracy, 8x the time
OPTIONAL_BOOL = (bool, type(None))


def cases(g: torch.Generator) -> dict:
    from solutions.epoch_loop import batch_accuracy
    from solutions.relu_net import simple_net
    from solutions.sigmoid_loss import mnist_loss

    def net(n, hidden):
        inputs = {"xb": torch.rand(n, 784, generator=g),
                  "w1": torch.randn(784, hidden, generator=g) * 0.05,
                  "b1": torch.randn(hidden, generator=g) * 0.5,
                  "w2": torch.randn(hidden, 1, generator=g),
                  "b2": torch.randn(1, generator=g)}
        w1 = inputs["w1"].clone().requires_grad_()
        out = simple_net(inputs["xb"], w1, *[inputs[k] for k in ("b1", "w2", "b2")])
        out.sum().backward()
        return {"inputs": inputs, "expected": {"scores": out.detach(), "w1_grad": w1.grad}}

    preds = torch.randn(32, 1, generator=g) * 2
    yb = (torch.rand(32, 1, generator=g) > 0.5).float()
    return {
        "simple_net": net(6, int(torch.randint(4, 9, (), generator=g))),
        "simple_net_grad": net(4, 7),
        "forward": {"inputs": {"xb": torch.rand(4, 784, generator=g), "n_hidden": None}, "expected": {}},
        "forward_n_hidden": {"inputs": {"xb": torch.rand(4, 784, generator=g),
                                        "n_hidden": int(torch.randint(5, 13, (), generator=g))}, "expected": {}},
        "learner": {"inputs": {"preds": preds, "yb": yb},
                    "expected": {"loss": mnist_loss(preds, yb), "metric": batch_accuracy(preds, yb)}},
        "fit": {"inputs": {"seed": int(torch.randint(0, 2**31, (), generator=g))}, "expected": {}},
    }


@check("simple_net_matches_reference", function="simple_net", points=2, case="simple_net")
def _(student, case):
    expect_tensor(student.call("simple_net", **case.inputs), case.expected["scores"], atol=1e-4,
                  hint="relu(xb @ w1 + b1) @ w2 + b2, where relu keeps positives and turns "
                       "negatives into 0 (x.clamp(min=0), or F.relu(x)).")


@check("simple_net_is_differentiable", function="simple_net", points=1, hidden=True, case="simple_net_grad")
def _(student, case):
    call = student.call("simple_net", grad_wrt=("w1",), **case.inputs)
    expect_tensor(call, case.expected["scores"], requires_grad=True, atol=1e-4)
    expect_grad(call, "w1", case.expected["w1_grad"], atol=1e-4)


def _probe_module(student, inputs):
    """What make_simple_net builds: its class, its parameters, and its output on xb."""
    n_hidden = inputs["n_hidden"]
    with student.blame("make_simple_net"):
        model = student.run("make_simple_net") if n_hidden is None else student.run("make_simple_net", n_hidden)
        if not isinstance(model, nn.Module):
            return [snapshot(model), [], snapshot(None)]
        params = [tensor_info(p.detach()) for p in model.parameters()][:8]
        out = model(inputs["xb"].clone())
    return [snapshot(model), params, snapshot(out)]


def _expect_network(student, case):
    n_hidden = case.inputs["n_hidden"]
    what = "make_simple_net()" if n_hidden is None else f"make_simple_net({n_hidden})"
    hidden = n_hidden or 30
    model, params, out = expect_answer("make_simple_net", student.probe(_probe_module), [Value, list, Value])
    if not params:
        fail("make_simple_net did not return an nn.Module", "Return nn.Sequential(...).",
             f"{what} returned {model.type} {model.text}; expected an nn.Module such as nn.Sequential(...).")
    expected_shapes = [(hidden, 784), (hidden,), (1, hidden), (1,)]
    shapes = [p.shape if isinstance(p, TensorInfo) else None for p in params]
    if shapes != expected_shapes:
        fail("make_simple_net built layers of the wrong sizes",
             f"nn.Linear(784, {hidden}), then nn.Linear({hidden}, 1): the hidden layer has n_hidden units "
             "(default 30).", f"{what} built a network whose parameters have shapes {shapes}; expected "
                              f"{expected_shapes}.")
    w1, b1, w2, b2 = (expect_shape("its parameters", p, s) for p, s in zip(params, expected_shapes))
    expected = (case.inputs["xb"] @ w1.T + b1).clamp(min=0) @ w2.T + b2
    if out.tensor is None:
        fail("the network of make_simple_net did not return a tensor", None,
             f"{what}, called on (4, 784) images, returned {out.type}; expected a (4, 1) tensor.")
    expect_values("make_simple_net", f"{what}, called on (4, 784) images, returned", out.tensor.values, expected,
                  atol=1e-4, hint="Put nn.ReLU() between the two linear layers.")


@check("make_simple_net_is_linear_relu_linear", function="make_simple_net", points=2, case="forward")
def _(student, case):
    _expect_network(student, case)


@check("make_simple_net_uses_n_hidden", function="make_simple_net", points=1, hidden=True, case="forward_n_hidden")
def _(student, case):
    _expect_network(student, case)


def _tiny_dls():
    from fastai.data.core import DataLoaders
    from fastai.data.load import DataLoader

    items = list(zip(torch.rand(8, 784), torch.ones(8, 1)))
    return DataLoaders(DataLoader(items, batch_size=4), DataLoader(items, batch_size=4))


def _probe_learner(student, inputs):
    """The parts of the Learner that make_learner chooses, each as something comparable."""
    from fastai.learner import Learner

    dls, model = _tiny_dls(), nn.Linear(784, 1)
    learn = student.run("make_learner", dls, model)
    got = {"type": snapshot(learn), "same_model": None, "same_dls": None, "opt_func": "", "loss": snapshot(None),
           "metrics": []}
    if not isinstance(learn, Learner):
        return got
    with student.blame("make_learner"):
        opt = learn.opt_func
        got.update(same_model=learn.model is model, same_dls=learn.dls is dls,
                   opt_func=f"{getattr(opt, '__module__', '?')}.{getattr(opt, '__qualname__', repr(opt))}"[:200],
                   loss=snapshot(learn.loss_func(inputs["preds"], inputs["yb"])),
                   metrics=[snapshot(m.func(inputs["preds"], inputs["yb"])) if hasattr(m, "func") else snapshot(m)
                            for m in list(learn.metrics)[:10]])
    return got


@check("make_learner_configures_the_learner", function="make_learner", points=2, case="learner")
def _(student, case):
    got = expect_answer("make_learner", student.probe(_probe_learner),
                        {"type": Value, "same_model": OPTIONAL_BOOL, "same_dls": OPTIONAL_BOOL, "opt_func": str,
                         "loss": Value, "metrics": list})
    what = "make_learner(dls, model)"
    if got["same_model"] is None:
        fail("make_learner did not return a fastai Learner", None,
             f"{what} returned {got['type'].type} {got['type'].text}; expected a fastai Learner.")
    if not (got["same_model"] and got["same_dls"]):
        fail("make_learner built a Learner around other dls or another model than the ones it was given",
             "Pass dls and model straight to Learner(dls, model, ...).")
    if got["opt_func"] != "fastai.optimizer.SGD":
        fail("make_learner does not use fastai's SGD", "Pass opt_func=SGD.",
             f"{what} uses the optimizer {got['opt_func']}; expected fastai's SGD.")
    loss, expected_loss = got["loss"].as_float(), case.expected["loss"].item()
    if loss is None or abs(loss - expected_loss) > 1e-5:
        fail("make_learner's loss_func is not mnist_loss", "Pass loss_func=mnist_loss.",
             f"{what}: its loss_func gives {got['loss'].text} on a test batch, where mnist_loss gives "
             f"{expected_loss:.6g}.")
    metrics = [m.as_float() if isinstance(m, Value) else None for m in got["metrics"]]
    if len(metrics) != 1 or metrics[0] is None or abs(metrics[0] - case.expected["metric"]) > 1e-6:
        fail("make_learner's metrics are not [batch_accuracy]", "Pass metrics=batch_accuracy.",
             f"{what}: its metrics give {[getattr(m, 'text', m) for m in got['metrics']]} on a test batch; "
             f"expected one metric, batch_accuracy, which gives {case.expected['metric']:.4f}.")


def _probe_fit_on_mnist(student, inputs):
    import random

    from autograder.core import data

    torch.manual_seed(inputs["seed"])
    random.seed(inputs["seed"])
    mnist = data.load()
    model = nn.Sequential(nn.Linear(784, 30), nn.ReLU(), nn.Linear(30, 1))
    learn = student.run("make_learner", data.dataloaders(mnist), model)
    with student.blame("make_learner"), contextlib.ExitStack() as quiet:
        quiet.enter_context(learn.no_logging())
        if hasattr(learn, "no_bar"):  # present once fastai's progress bars are imported
            quiet.enter_context(learn.no_bar())
        learn.fit(FIT_EPOCHS, FIT_LR)
    return [tensor_info(p.detach()) for p in model.parameters()]


@check("make_learner_trains_the_relu_net", function="make_learner", points=2, hidden=True, case="fit", diagnose=False)
def _(student, case):
    from autograder.core import data

    params = expect_answer("make_learner", student.probe(_probe_fit_on_mnist), [TensorInfo] * 4)
    w1, b1, w2, b2 = (expect_shape("the trained parameters", p, s)
                      for p, s in zip(params, [(30, 784), (30,), (1, 30), (1,)]))
    mnist = data.load()  # the grader measures the trained network itself, once it knows its shapes
    preds = (mnist.valid_x @ w1.T + b1).clamp(min=0) @ w2.T + b2
    accuracy = ((preds > 0) == (mnist.valid_y == 1)).float().mean().item()
    if accuracy < FIT_TARGET:
        fail(f"the Learner of make_learner does not reach {FIT_TARGET} validation accuracy",
             "Check the optimizer (SGD) and the loss (mnist_loss) you give the Learner.",
             f"make_learner(dls, model) with model = a 784-30-1 ReLU net, after fit({FIT_EPOCHS}, {FIT_LR}) on "
             f"the 2s and 9s, reaches a validation accuracy of {accuracy:.4f}; expected {FIT_TARGET} or more.")


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
