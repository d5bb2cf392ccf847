"""Checks of 07_relu_net: simple_net, train_simple_net(dl, valid_dl, n_hidden=30, epochs=3, lr=1.0),
make_simple_net(n_hidden=30), make_learner(dls, model)."""
import contextlib

import torch
from torch import nn

from autograder.core.checks import check, known, stands_in
from autograder.core.compare import expect_answer, expect_grad, expect_shape, expect_tensor, expect_values, fail
from autograder.core.messages import say, translations
from autograder.core.snapshot import TensorInfo, Value, snapshot, tensor_info

FIT_EPOCHS, FIT_LR, FIT_TARGET = 5, 1.0, 0.98  # the notebook trains 40 epochs at 0.1: same accuracy, 8x the time
TRAIN_EPOCHS, TRAIN_LR, TRAIN_TARGET = 3, 1.0, 0.97  # 0.983 from std 0.1; 0.957 from std 1.0
OPTIONAL_BOOL = (bool, type(None))

# train_simple_net is graded with the course's simple_net in place of the student's: a broken
# simple_net costs only the points of simple_net's own checks.
stands_in("simple_net", "def simple_net(xb, w1, b1, w2, b2):\n    return (xb @ w1 + b1).clamp(min=0) @ w2 + b2",
          module=__name__)


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

    def tiny(epochs):
        """Four random images and targets, for the form of what train_simple_net returns."""
        hidden = int(torch.randint(5, 13, (), generator=g))
        return {"inputs": {"xb": torch.rand(4, 784, generator=g), "yb": (torch.rand(4, 1, generator=g) > 0.5).float(),
                           "n_hidden": hidden, "epochs": epochs, "lr": 0.1,
                           "seed": int(torch.randint(0, 2**31, (), generator=g))}, "expected": {}}

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
        "train_tiny": tiny(epochs=1),
        "train_start": tiny(epochs=0),
        "train_mnist": {"inputs": {"xb": None, "yb": None, "n_hidden": 30, "epochs": TRAIN_EPOCHS, "lr": TRAIN_LR,
                                   "seed": int(torch.randint(0, 2**31, (), generator=g))}, "expected": {}},
    }


@check("simple_net_matches_reference", function="simple_net", points=2, case="simple_net")
def _(student, case):
    expect_tensor(student.call("simple_net", **case.inputs), case.expected["scores"], atol=1e-4,
                  hint=say("relu(xb @ w1 + b1) @ w2 + b2, where relu keeps positives and turns "
                           "negatives into 0 (x.clamp(min=0), or F.relu(x))."))


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
        fail(say("make_simple_net did not return an nn.Module"), say("Return nn.Sequential(...)."),
             say("{call} returned {type} {text}; expected an nn.Module such as nn.Sequential(...).",
                 call=what, type=model.type, text=model.text))
    expected_shapes = [(hidden, 784), (hidden,), (1, hidden), (1,)]
    shapes = [p.shape if isinstance(p, TensorInfo) else None for p in params]
    if shapes != expected_shapes:
        fail(say("make_simple_net built layers of the wrong sizes"),
             say("nn.Linear(784, {hidden}), then nn.Linear({hidden}, 1): the hidden layer has n_hidden units "
                 "(default 30).", hidden=hidden),
             say("{call} built a network whose parameters have shapes {shapes}; expected {expected}.",
                 call=what, shapes=shapes, expected=expected_shapes))
    w1, b1, w2, b2 = (expect_shape(say("its parameters"), p, s) for p, s in zip(params, expected_shapes))
    expected = (case.inputs["xb"] @ w1.T + b1).clamp(min=0) @ w2.T + b2
    if out.tensor is None:
        fail(say("the network of make_simple_net did not return a tensor"), None,
             say("{call}, called on (4, 784) images, returned {type}; expected a (4, 1) tensor.",
                 call=what, type=out.type))
    expect_values("make_simple_net", say("{call}, called on (4, 784) images, returned", call=what),
                  out.tensor.values, expected, atol=1e-4, hint=say("Put nn.ReLU() between the two linear layers."))


@check("make_simple_net_is_linear_relu_linear", function="make_simple_net", points=1, case="forward")
def _(student, case):
    _expect_network(student, case)


@check("make_simple_net_uses_n_hidden", function="make_simple_net", points=1, hidden=True, case="forward_n_hidden")
def _(student, case):
    _expect_network(student, case)


def _probe_train(student, inputs):
    """What train_simple_net returns, trained on the case's four images, or on the 2s and 9s."""
    from autograder.core import data

    torch.manual_seed(inputs["seed"])
    if inputs["xb"] is None:
        mnist = data.load()
        dl = data.batches(mnist.train_x, mnist.train_y, bs=256, seed=0)
        valid_dl = data.batches(mnist.valid_x, mnist.valid_y, bs=256)
    else:
        dl = valid_dl = [(inputs["xb"].clone(), inputs["yb"].clone())]
    with student.blame("train_simple_net"):
        return snapshot(student.run("train_simple_net", dl, valid_dl, inputs["n_hidden"], inputs["epochs"],
                                    inputs["lr"]))


def _parameters(student, case) -> list[torch.Tensor]:
    """The four tensors train_simple_net returned, each of its shape, finite: else a Mismatch."""
    got = expect_answer("train_simple_net", student.probe(_probe_train), Value)
    inputs = case.inputs
    hidden = inputs["n_hidden"]
    what = f"train_simple_net(dl, valid_dl, n_hidden={hidden}, epochs={inputs['epochs']}, lr={inputs['lr']})"
    if inputs["xb"] is None:
        what = say("{call} on the 2s and 9s", call=what)
    items = got.items or ()
    if len(items) != 4 or not all(isinstance(item, Value) and item.tensor is not None for item in items):
        fail(say("train_simple_net did not return its four parameters"), say("Return the list [w1, b1, w2, b2]."),
             say("{call} returned {type} {text}; expected a list of four tensors [w1, b1, w2, b2].",
                 call=what, type=got.type, text=got.text))
    shapes = {"w1": (784, hidden), "b1": (hidden,), "w2": (hidden, 1), "b2": (1,)}
    for (name, shape), item in zip(shapes.items(), items):
        if item.tensor.shape != shape:
            fail(say("train_simple_net's {name} has the wrong shape", name=name),
                 say("simple_net computes relu(xb @ w1 + b1) @ w2 + b2 on (N, 784) images: w1 is (784, n_hidden), "
                     "b1 (n_hidden,), w2 (n_hidden, 1) and b2 (1,)."),
                 say("{call} returned {name} of shape {shape}; expected {expected}.",
                     call=what, name=name, shape=tuple(item.tensor.shape), expected=shape))
        if not (item.tensor.is_leaf and item.tensor.requires_grad):
            fail(say("train_simple_net's {name} is not a leaf that requires grad, so it cannot be trained", name=name),
                 say("Draw each parameter with init_params, which returns a leaf with requires_grad=True."))
    return [expect_shape(say("the returned {name}", name=name), item.tensor, shape)
            for (name, shape), item in zip(shapes.items(), items)]


@check("train_simple_net_returns_the_four_parameters", function="train_simple_net", points=1, case="train_tiny",
       stand_ins=("simple_net",))
def _(student, case):
    _parameters(student, case)


@check("train_simple_net_starts_every_unit_differently", function="train_simple_net", points=1, case="train_start",
       stand_ins=("simple_net",))
def _(student, case):
    w1, _, w2, _ = _parameters(student, case)  # epochs=0: the start itself
    if (w1 - w1[:, :1]).abs().max() == 0 or (w2 - w2[:1]).abs().max() == 0:
        fail(say("train_simple_net starts every hidden unit with the same weights, so they would stay equal"),
             say("Draw w1 and w2 at random, with init_params(..., std=0.1), not with zeros or one constant: "
                 "units that start equal get equal gradients and never become different."),
             say("with epochs=0, the {n_hidden} columns of w1 (or the entries of w2) it returned are all equal.",
                 n_hidden=case.inputs["n_hidden"]))


@check("train_simple_net_learns_2_vs_9", function="train_simple_net", points=1, hidden=True, case="train_mnist",
       stand_ins=("simple_net",), diagnose=False)
def _(student, case):
    from autograder.core import data

    w1, b1, w2, b2 = _parameters(student, case)
    mnist = data.load()  # the grader measures the trained network itself, once it knows its shapes
    accuracy = (((mnist.valid_x @ w1 + b1).clamp(min=0) @ w2 + b2 > 0) == (mnist.valid_y == 1)).float().mean().item()
    if accuracy < TRAIN_TARGET:
        fail(say("the network train_simple_net trains does not reach {target} validation accuracy",
                 target=TRAIN_TARGET),
             say("Start from init_params(..., std=0.1) (a larger start saturates the sigmoid), and train with "
                 "train_model(model, lr, params, dl, valid_dl, epochs), where model calls simple_net with your "
                 "four parameters."),
             say("train_simple_net(dl, valid_dl, 30, {epochs}, {lr}) on the 2s and 9s returned parameters "
                 "with a validation accuracy of {accuracy:.4f}; expected {target} or more.",
                 epochs=TRAIN_EPOCHS, lr=TRAIN_LR, accuracy=accuracy, target=TRAIN_TARGET))


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


@check("make_learner_configures_the_learner", function="make_learner", points=1, case="learner")
def _(student, case):
    got = expect_answer("make_learner", student.probe(_probe_learner),
                        {"type": Value, "same_model": OPTIONAL_BOOL, "same_dls": OPTIONAL_BOOL, "opt_func": str,
                         "loss": Value, "metrics": list})
    what = "make_learner(dls, model)"
    if got["same_model"] is None:
        fail(say("make_learner did not return a fastai Learner"), None,
             say("{call} returned {type} {text}; expected a fastai Learner.",
                 call=what, type=got["type"].type, text=got["type"].text))
    if not (got["same_model"] and got["same_dls"]):
        fail(say("make_learner built a Learner around other dls or another model than the ones it was given"),
             say("Pass dls and model straight to Learner(dls, model, ...)."))
    if got["opt_func"] != "fastai.optimizer.SGD":
        fail(say("make_learner does not use fastai's SGD"), say("Pass opt_func=SGD."),
             say("{call} uses the optimizer {optimizer}; expected fastai's SGD.", call=what,
                 optimizer=got["opt_func"]))
    loss, expected_loss = got["loss"].as_float(), case.expected["loss"].item()
    if loss is None or abs(loss - expected_loss) > 1e-5:
        fail(say("make_learner's loss_func is not mnist_loss"), say("Pass loss_func=mnist_loss."),
             say("{call}: its loss_func gives {loss} on a test batch, where mnist_loss gives {expected:.6g}.",
                 call=what, loss=got["loss"].text, expected=expected_loss))
    metrics = [m.as_float() if isinstance(m, Value) else None for m in got["metrics"]]
    if len(metrics) != 1 or metrics[0] is None or abs(metrics[0] - case.expected["metric"]) > 1e-6:
        fail(say("make_learner's metrics are not [batch_accuracy]"), say("Pass metrics=batch_accuracy."),
             say("{call}: its metrics give {metrics} on a test batch; expected one metric, batch_accuracy, "
                 "which gives {expected:.4f}.",
                 call=what, metrics=[getattr(m, "text", m) for m in got["metrics"]],
                 expected=case.expected["metric"]))


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


@check("make_learner_trains_the_relu_net", function="make_learner", points=1, hidden=True, case="fit",
       diagnose=False)
def _(student, case):
    from autograder.core import data

    params = expect_answer("make_learner", student.probe(_probe_fit_on_mnist), [TensorInfo] * 4)
    w1, b1, w2, b2 = (expect_shape(say("the trained parameters"), p, s)
                      for p, s in zip(params, [(30, 784), (30,), (1, 30), (1,)]))
    mnist = data.load()  # the grader measures the trained network itself, once it knows its shapes
    preds = (mnist.valid_x @ w1.T + b1).clamp(min=0) @ w2.T + b2
    accuracy = ((preds > 0) == (mnist.valid_y == 1)).float().mean().item()
    if accuracy < FIT_TARGET:
        fail(say("the Learner of make_learner does not reach {target} validation accuracy", target=FIT_TARGET),
             say("Check the optimizer (SGD) and the loss (mnist_loss) you give the Learner."),
             say("make_learner(dls, model) with model = a 784-30-1 ReLU net, after fit({epochs}, {lr}) on "
                 "the 2s and 9s, reaches a validation accuracy of {accuracy:.4f}; expected {target} or more.",
                 epochs=FIT_EPOCHS, lr=FIT_LR, accuracy=accuracy, target=FIT_TARGET))


known("first_layer_transposed", "train_simple_net", "w1 drawn as (n_hidden, 784) instead of (784, n_hidden)",
      "xb @ w1 multiplies (N, 784) by w1: its first dimension is 784. Draw w1 as (784, n_hidden).", '''
def train_simple_net(dl, valid_dl, n_hidden=30, epochs=3, lr=1.0):
    params = [init_params((n_hidden, 784), std=0.1), init_params(n_hidden, std=0.1),
              init_params((n_hidden, 1), std=0.1), init_params(1, std=0.1)]
    train_model(lambda xb: simple_net(xb, *params), lr, params, dl, valid_dl, epochs)
    return params
''', module=__name__)
known("equal_start", "train_simple_net", "every weight starting at zero",
      "Draw the weights at random with init_params: units that start equal stay equal.", '''
def train_simple_net(dl, valid_dl, n_hidden=30, epochs=3, lr=1.0):
    params = [torch.zeros(784, n_hidden).requires_grad_(), torch.zeros(n_hidden).requires_grad_(),
              torch.zeros(n_hidden, 1).requires_grad_(), torch.zeros(1).requires_grad_()]
    train_model(lambda xb: simple_net(xb, *params), lr, params, dl, valid_dl, epochs)
    return params
''', module=__name__)
known("hidden_bias_as_a_column", "train_simple_net", "b1 drawn as a column (n_hidden, 1)",
      "b1 adds one number to each hidden unit: draw it with shape (n_hidden,), like init_params(n_hidden).", '''
def train_simple_net(dl, valid_dl, n_hidden=30, epochs=3, lr=1.0):
    params = [init_params((784, n_hidden), std=0.1), init_params((n_hidden, 1), std=0.1),
              init_params((n_hidden, 1), std=0.1), init_params(1, std=0.1)]
    train_model(lambda xb: simple_net(xb, *params), lr, params, dl, valid_dl, epochs)
    return params
''', module=__name__)
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

translations("zh", {
    # checks of simple_net
    "relu(xb @ w1 + b1) @ w2 + b2, where relu keeps positives and turns negatives into 0 (x.clamp(min=0), or "
    "F.relu(x)).":
        "relu(xb @ w1 + b1) @ w2 + b2，其中 relu 保留正数、把负数变成 0（x.clamp(min=0)，或 F.relu(x)）。",
    # checks of make_simple_net
    "make_simple_net did not return an nn.Module": "make_simple_net 返回的不是 nn.Module",
    "Return nn.Sequential(...).": "返回一个 nn.Sequential(...)。",
    "{call} returned {type} {text}; expected an nn.Module such as nn.Sequential(...).":
        "{call} 返回了 {type} {text}；预期是一个 nn.Module，例如 nn.Sequential(...)。",
    "make_simple_net built layers of the wrong sizes": "make_simple_net 构建的层大小不对",
    "nn.Linear(784, {hidden}), then nn.Linear({hidden}, 1): the hidden layer has n_hidden units (default 30).":
        "先是 nn.Linear(784, {hidden})，再是 nn.Linear({hidden}, 1)：隐藏层有 n_hidden 个隐藏单元（默认 30）。",
    "{call} built a network whose parameters have shapes {shapes}; expected {expected}.":
        "{call} 构建的网络，参数的形状是 {shapes}；预期是 {expected}。",
    "its parameters": "它的参数",
    "the network of make_simple_net did not return a tensor": "make_simple_net 构建的网络没有返回张量",
    "{call}, called on (4, 784) images, returned {type}; expected a (4, 1) tensor.":
        "用 {call} 构建的网络处理 (4, 784) 的图像，返回了 {type}；预期是一个 (4, 1) 的张量。",
    "{call}, called on (4, 784) images, returned": "用 {call} 构建的网络处理 (4, 784) 的图像，返回了",
    "Put nn.ReLU() between the two linear layers.": "在两个线性层之间加上 nn.ReLU()。",
    # checks of train_simple_net
    "{call} on the 2s and 9s": "{call}（在数字 2 和 9 的图像上训练）",
    "train_simple_net did not return its four parameters": "train_simple_net 没有返回它的四个参数",
    "Return the list [w1, b1, w2, b2].": "返回列表 [w1, b1, w2, b2]。",
    "{call} returned {type} {text}; expected a list of four tensors [w1, b1, w2, b2].":
        "{call} 返回了 {type} {text}；预期是由四个张量组成的列表 [w1, b1, w2, b2]。",
    "train_simple_net's {name} has the wrong shape": "train_simple_net 返回的 {name} 形状不对",
    "simple_net computes relu(xb @ w1 + b1) @ w2 + b2 on (N, 784) images: w1 is (784, n_hidden), b1 (n_hidden,), "
    "w2 (n_hidden, 1) and b2 (1,).":
        "simple_net 对 (N, 784) 的图像计算 relu(xb @ w1 + b1) @ w2 + b2：w1 的形状是 (784, n_hidden)，"
        "b1 是 (n_hidden,)，w2 是 (n_hidden, 1)，b2 是 (1,)。",
    "{call} returned {name} of shape {shape}; expected {expected}.":
        "{call} 返回的 {name} 形状是 {shape}；预期是 {expected}。",
    "train_simple_net's {name} is not a leaf that requires grad, so it cannot be trained":
        "train_simple_net 返回的 {name} 不是 requires_grad 的叶子张量，所以无法训练",
    "Draw each parameter with init_params, which returns a leaf with requires_grad=True.":
        "用 init_params 生成每个参数，它返回的是 requires_grad=True 的叶子张量。",
    "the returned {name}": "返回的 {name}",
    "train_simple_net starts every hidden unit with the same weights, so they would stay equal":
        "train_simple_net 让每个隐藏单元都从相同的权重开始，它们会一直保持相同",
    "Draw w1 and w2 at random, with init_params(..., std=0.1), not with zeros or one constant: units that start "
    "equal get equal gradients and never become different.":
        "用 init_params(..., std=0.1) 随机生成 w1 和 w2，不要用全零或同一个常数：初始相同的单元得到相同的梯度，"
        "永远不会变得不同。",
    "with epochs=0, the {n_hidden} columns of w1 (or the entries of w2) it returned are all equal.":
        "epochs=0 时，它返回的 w1 的 {n_hidden} 列（或 w2 的各个元素）全都相等。",
    "the network train_simple_net trains does not reach {target} validation accuracy":
        "train_simple_net 训练出的网络在验证集上的准确率没有达到 {target}",
    "Start from init_params(..., std=0.1) (a larger start saturates the sigmoid), and train with "
    "train_model(model, lr, params, dl, valid_dl, epochs), where model calls simple_net with your four parameters.":
        "用 init_params(..., std=0.1) 初始化（初始值更大会让 sigmoid 饱和），再用 "
        "train_model(model, lr, params, dl, valid_dl, epochs) 训练，其中 model 用你的四个参数调用 simple_net。",
    "train_simple_net(dl, valid_dl, 30, {epochs}, {lr}) on the 2s and 9s returned parameters with a validation "
    "accuracy of {accuracy:.4f}; expected {target} or more.":
        "train_simple_net(dl, valid_dl, 30, {epochs}, {lr}) 在数字 2 和 9 的图像上训练后返回的参数，"
        "验证集准确率为 {accuracy:.4f}；预期至少为 {target}。",
    # checks of make_learner
    "make_learner did not return a fastai Learner": "make_learner 返回的不是 fastai 的 Learner",
    "{call} returned {type} {text}; expected a fastai Learner.":
        "{call} 返回了 {type} {text}；预期是一个 fastai 的 Learner。",
    "make_learner built a Learner around other dls or another model than the ones it was given":
        "make_learner 构建的 Learner 用的不是传给它的 dls 或 model",
    "Pass dls and model straight to Learner(dls, model, ...).": "把 dls 和 model 直接传给 Learner(dls, model, ...)。",
    "make_learner does not use fastai's SGD": "make_learner 没有使用 fastai 的 SGD",
    "Pass opt_func=SGD.": "传入 opt_func=SGD。",
    "{call} uses the optimizer {optimizer}; expected fastai's SGD.":
        "{call} 使用的优化器是 {optimizer}；预期是 fastai 的 SGD。",
    "make_learner's loss_func is not mnist_loss": "make_learner 的 loss_func 不是 mnist_loss",
    "Pass loss_func=mnist_loss.": "传入 loss_func=mnist_loss。",
    "{call}: its loss_func gives {loss} on a test batch, where mnist_loss gives {expected:.6g}.":
        "{call}：它的 loss_func 在一个测试批次上得到 {loss}，而 mnist_loss 得到 {expected:.6g}。",
    "make_learner's metrics are not [batch_accuracy]": "make_learner 的 metrics 不是 [batch_accuracy]",
    "Pass metrics=batch_accuracy.": "传入 metrics=batch_accuracy。",
    "{call}: its metrics give {metrics} on a test batch; expected one metric, batch_accuracy, which gives "
    "{expected:.4f}.":
        "{call}：它的 metrics 在一个测试批次上得到 {metrics}；预期只有一个指标 batch_accuracy，它得到 {expected:.4f}。",
    "the trained parameters": "训练后的参数",
    "the Learner of make_learner does not reach {target} validation accuracy":
        "make_learner 的 Learner 在验证集上的准确率没有达到 {target}",
    "Check the optimizer (SGD) and the loss (mnist_loss) you give the Learner.":
        "检查你传给 Learner 的优化器（SGD）和损失函数（mnist_loss）。",
    "make_learner(dls, model) with model = a 784-30-1 ReLU net, after fit({epochs}, {lr}) on the 2s and 9s, "
    "reaches a validation accuracy of {accuracy:.4f}; expected {target} or more.":
        "make_learner(dls, model)（model 是一个 784-30-1 的 ReLU 网络）在数字 2 和 9 的图像上 fit({epochs}, {lr}) "
        "之后，验证集准确率为 {accuracy:.4f}；预期至少为 {target}。",
    # known mistakes: titles (read in "这正是{title}会得到的结果。") and fixes
    "w1 drawn as (n_hidden, 784) instead of (784, n_hidden)":
        "把 w1 生成为 (n_hidden, 784) 而不是 (784, n_hidden) 的写法",
    "xb @ w1 multiplies (N, 784) by w1: its first dimension is 784. Draw w1 as (784, n_hidden).":
        "xb @ w1 是用 (N, 784) 乘以 w1：w1 的第一维是 784。把 w1 生成为 (784, n_hidden)。",
    "every weight starting at zero": "所有权重都从零开始的写法",
    "Draw the weights at random with init_params: units that start equal stay equal.":
        "用 init_params 随机生成权重：初始相同的单元会一直相同。",
    "b1 drawn as a column (n_hidden, 1)": "把 b1 生成为一列 (n_hidden, 1) 的写法",
    "b1 adds one number to each hidden unit: draw it with shape (n_hidden,), like init_params(n_hidden).":
        "b1 给每个隐藏单元加上一个数：把它生成为形状 (n_hidden,)，例如 init_params(n_hidden)。",
    "two linear layers with nothing between them": "两个线性层之间什么都没有的写法",
    "Apply the ReLU to the hidden layer: (xb @ w1 + b1).max(tensor(0.0)).":
        "对隐藏层应用 ReLU：(xb @ w1 + b1).max(tensor(0.0))。",
    "min(x, 0) instead of max(x, 0)": "用 min(x, 0) 代替 max(x, 0) 的写法",
    "The ReLU keeps the positives: use .max(tensor(0.0)) (or .clamp(min=0)).":
        "ReLU 保留的是正数：用 .max(tensor(0.0))（或 .clamp(min=0)）。",
    "a sigmoid between the layers instead of a ReLU": "在两层之间用 sigmoid 而不是 ReLU 的写法",
    "This step's activation is the ReLU, max(x, 0).": "这一步的激活函数是 ReLU，即 max(x, 0)。",
    "a ReLU on the output as well": "在输出上也加了 ReLU 的写法",
    "Only the hidden layer goes through the ReLU; the output is a raw score, negative for a 9.":
        "只有隐藏层经过 ReLU；输出是原始得分，对 9 应该是负数。",
    "a network whose hidden layer is always 30 wide": "隐藏层总是 30 个单元的网络",
    "Use n_hidden for both layers: nn.Linear(784, n_hidden) and nn.Linear(n_hidden, 1).":
        "两个层都要用 n_hidden：nn.Linear(784, n_hidden) 和 nn.Linear(n_hidden, 1)。",
    "two nn.Linear layers with no nn.ReLU between them": "两个 nn.Linear 层之间没有 nn.ReLU 的写法",
    "nn.Sigmoid() between the layers instead of nn.ReLU()": "在两层之间用 nn.Sigmoid() 而不是 nn.ReLU() 的写法",
    "This step's activation is nn.ReLU().": "这一步的激活函数是 nn.ReLU()。",
    "an output layer with 2 units instead of 1": "输出层有 2 个单元而不是 1 个的写法",
    "One raw score per image: the last layer is nn.Linear(n_hidden, 1).":
        "每张图像一个原始得分：最后一层是 nn.Linear(n_hidden, 1)。",
    "a Learner with a squared-error loss instead of mnist_loss": "在 Learner 里用平方误差损失而不是 mnist_loss 的写法",
    "a Learner with fastai's default optimizer (Adam) instead of SGD":
        "让 Learner 用 fastai 的默认优化器（Adam）而不是 SGD 的写法",
    "a Learner without the batch_accuracy metric": "没给 Learner 加上 batch_accuracy 指标的写法",
    "a Learner given the model where the data go": "把模型放在数据的位置上传给 Learner 的写法",
    "Learner takes the DataLoaders first, then the model: Learner(dls, model, ...).":
        "Learner 先接收 DataLoaders，再接收模型：Learner(dls, model, ...)。",
})
