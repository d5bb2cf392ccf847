"""Checks of 06_epoch_loop: train_epoch, batch_accuracy, validate_epoch, train_model."""
import contextlib
import math

import torch

from autograder.checks import check, known
from autograder.compare import expect_number, expect_values, fail
from autograder.snapshot import snapshot, tensor_info

TRAIN_EPOCHS, TRAIN_LR, TRAIN_TARGET = 20, 1.0, 0.97


def cases(g: torch.Generator) -> dict:
    from solutions.epoch_loop import batch_accuracy, train_epoch, validate_epoch

    def linear_case(sizes, lr=0.5):
        batches = [(torch.rand(n, 784, generator=g), (torch.rand(n, 1, generator=g) > 0.5).float())
                   for n in sizes]
        weights, bias = torch.randn(784, 1, generator=g) * 0.05, torch.randn(1, generator=g) * 0.1
        params = [weights.clone().requires_grad_(), bias.clone().requires_grad_()]
        model = lambda xb: xb @ params[0] + params[1]  # noqa: E731
        before = validate_epoch(model, batches)
        exact = sum(batch_accuracy(model(x), y) * len(x) for x, y in batches) / sum(sizes)
        train_epoch(model, lr, params, batches)
        return {"xs": [x for x, _ in batches], "ys": [y for _, y in batches], "weights": weights,
                "bias": bias, "lr": lr, "expected_accuracies": [before, round(exact, 4)],
                "expected": [p.detach() for p in params]}

    def accuracy(preds):
        yb = (torch.rand(len(preds), 1, generator=g) > 0.5).float()
        return {"preds": preds, "yb": yb, "expected": batch_accuracy(preds, yb)}

    return {
        "train_epoch": linear_case((8, 8, 5)),
        "train_epoch_other": linear_case((7, 4, 9, 3), lr=0.2),
        "validate_epoch": linear_case((16, 16, 3)),
        "batch_accuracy": accuracy(torch.randn(20, 1, generator=g) * 3),
        "batch_accuracy_near_zero": accuracy((torch.rand(24, 1, generator=g) - 0.5) * 0.9),
    }


def _model_of(case):
    weights = case["weights"].clone().requires_grad_()
    bias = case["bias"].clone().requires_grad_()
    return (lambda xb: xb @ weights + bias), [weights, bias]


def _batches(case):
    return [(x.clone(), y.clone()) for x, y in zip(case["xs"], case["ys"])]


def _probe_train_epoch(student, case):
    model, params = _model_of(case)
    student.run("train_epoch", model, case["lr"], params, _batches(case))
    return [tensor_info(p) for p in params]


def _probe_validate_epoch(student, case):
    model, _ = _model_of(case)
    return snapshot(student.run("validate_epoch", model, _batches(case)))


@contextlib.contextmanager
def _replaced(student, function, **stand_ins):
    """Swap names in the globals `function` reads (the student's namespace) for stand-ins."""
    namespace = getattr(student.function(function), "__globals__", None)
    if namespace is None:
        fail(f"{function} must be a function defined with def.")
    saved = {name: namespace[name] for name in stand_ins if name in namespace}
    namespace.update(stand_ins)
    try:
        yield
    finally:
        for name in stand_ins:
            namespace.pop(name, None)
        namespace.update(saved)  # the student's own functions come back, whatever happened


def _probe_scripted_train_model(student, accuracies, epochs, patience):
    """train_model with train_epoch and validate_epoch replaced by a script of accuracies."""
    log, script = [], iter(accuracies)

    def train_epoch(model, lr, params, dl):
        log.append("train")

    def validate_epoch(model, dl):
        log.append("validate")
        return next(script, accuracies[-1])

    with _replaced(student, "train_model", train_epoch=train_epoch, validate_epoch=validate_epoch):
        returned = student.run("train_model", lambda xb: xb, 0.1, [], [], [], epochs, patience)
    return snapshot(returned), log


def _probe_train_model_on_mnist(student):
    from autograder import data

    mnist = data.load()
    torch.manual_seed(0)
    weights = torch.randn(784, 1).requires_grad_()
    bias = torch.randn(1).requires_grad_()
    dl = data.batches(mnist.train_x, mnist.train_y, seed=0)
    valid_dl = data.batches(mnist.valid_x, mnist.valid_y)
    returned = student.run("train_model", lambda xb: xb @ weights + bias, TRAIN_LR,
                           [weights, bias], dl, valid_dl, TRAIN_EPOCHS)
    return snapshot(returned), weights.detach().clone(), bias.detach().clone()


def _floats(value):
    """The list of numbers in a returned Value, or None if it is not one."""
    if value.items is None:
        return None
    numbers = [item.as_float() for item in value.items]
    return None if any(n is None for n in numbers) else numbers


@check("batch_accuracy_matches_reference", function="batch_accuracy", points=1, case="batch_accuracy")
def _(student, case):
    call = student.call("batch_accuracy", preds=case["preds"], yb=case["yb"])
    expect_number(call, case["expected"], atol=1e-6,
                  hint="Squash preds with sigmoid; a value above 0.5 means 'a 2' (yb == 1).")


@check("batch_accuracy_squashes_before_thresholding", function="batch_accuracy", points=1,
       hidden=True, case="batch_accuracy_near_zero")
def _(student, case):
    call = student.call("batch_accuracy", preds=case["preds"], yb=case["yb"])
    expect_number(call, case["expected"], atol=1e-6,
                  hint="These raw scores are all between -0.45 and 0.45: compare sigmoid(preds) "
                       "with 0.5 (or the raw scores with 0.0), not the raw scores with 0.5.")


@check("validate_epoch_matches_reference", function="validate_epoch", points=1, case="validate_epoch")
def _(student, case):
    got = student.probe(_probe_validate_epoch, case)
    value = got.as_float()
    accepted = case["expected_accuracies"]  # mean of batch accuracies, and the exact accuracy
    if value is None or not any(math.isclose(value, a, abs_tol=1.01e-4) for a in accepted):
        fail(f"validate_epoch(model, dl) over batches of {[len(x) for x in case['xs']]} images "
             f"returned {got.type} {got.text}; expected {accepted[0]} (the mean of the batch "
             f"accuracies) or {accepted[1]} (the accuracy over all images).",
             "Compute batch_accuracy(model(xb), yb) for every batch of dl, not only the last one, "
             "then average.")


@check("validate_epoch_rounds_to_4_places", function="validate_epoch", points=1, hidden=True,
       case="validate_epoch")
def _(student, case):
    got = student.probe(_probe_validate_epoch, case)
    if got.number is None or round(got.number, 4) != got.number:
        fail(f"validate_epoch(model, dl) returned {got.type} {got.text}; expected a Python float "
             "rounded to 4 places.", "Return round(float(accuracy), 4).")


@check("train_epoch_matches_reference", function="train_epoch", points=2, case="train_epoch")
def _(student, case):
    got = student.probe(_probe_train_epoch, case)
    for name, info, expected in zip(("weights", "bias"), got, case["expected"]):
        expect_values(f"after train_epoch(model, lr={case['lr']}, params, dl) over "
                      f"{len(case['xs'])} batches, {name} holds", info.values, expected,
                      hint="For every batch: calc_grad(xb, yb, model), then step(params, lr), "
                           "which zeroes the gradients for the next batch.")


@check("train_epoch_steps_once_per_batch", function="train_epoch", points=1, hidden=True,
       case="train_epoch_other")
def _(student, case):
    got = student.probe(_probe_train_epoch, case)
    for name, info, expected in zip(("weights", "bias"), got, case["expected"]):
        expect_values(f"after train_epoch(model, lr={case['lr']}, params, dl) over "
                      f"{len(case['xs'])} batches, {name} holds", info.values, expected,
                      hint="One calc_grad and one step for each (xb, yb) in dl, in order.")


@check("train_model_runs_every_epoch", function="train_model", points=1)
def _(student, case):
    script = [0.5, 0.6, 0.6, 0.55, 0.58]
    returned, log = student.probe(_probe_scripted_train_model, script, 5, None)
    if log != ["train", "validate"] * 5 or _floats(returned) != script:
        fail(f"train_model(model, lr, params, dl, valid_dl, epochs=5) with validate_epoch "
             f"returning {script} in turn made the calls {log} and returned {returned.text}; "
             f"expected train_epoch then validate_epoch, 5 times, and the list {script}.",
             "For each epoch: train_epoch(model, lr, params, dl), then append "
             "validate_epoch(model, valid_dl) to the list you return.")


@check("train_model_stops_when_patience_runs_out", function="train_model", points=1, hidden=True)
def _(student, case):
    script = [0.5, 0.6, 0.6, 0.55, 0.5, 0.45, 0.7, 0.6, 0.9, 0.9]
    for patience, runs in ((3, 5), (2, 4), (20, 10)):
        returned, _ = student.probe(_probe_scripted_train_model, script, 10, patience)
        got = _floats(returned)
        if got != script[:runs]:
            fail(f"train_model(..., epochs=10, patience={patience}) with validate_epoch returning "
                 f"{script} in turn returned {returned.text}; expected {script[:runs]}: it stops "
                 f"after {patience} epochs in a row that do not beat the best accuracy so far.",
                 "Keep the best accuracy and a count of epochs since it improved; an accuracy "
                 "equal to the best is not an improvement.")


@check("train_model_learns_2_vs_9", function="train_model", points=1, hidden=True, diagnose=False)
def _(student, case):
    from autograder import data

    returned, weights, bias = student.probe(_probe_train_model_on_mnist)
    accuracies = _floats(returned)
    call = (f"train_model on the MNIST 2s and 9s (linear model, lr={TRAIN_LR}, "
            f"{TRAIN_EPOCHS} epochs, batches of 256)")
    if not accuracies:
        fail(f"{call} returned {returned.type} {returned.text}; expected a list of accuracies.")
    mnist = data.load()  # the grader measures the trained weights itself
    measured = (((mnist.valid_x @ weights + bias) > 0) == (mnist.valid_y == 1)).float().mean().item()
    if len(accuracies) != TRAIN_EPOCHS or measured < TRAIN_TARGET:
        fail(f"{call} returned {len(accuracies)} accuracies, and the trained weights classify "
             f"{measured:.4f} of the validation images right; expected {TRAIN_EPOCHS} epochs "
             f"reaching {TRAIN_TARGET} or more.",
             "Check train_epoch and validate_epoch first: they decide what train_model learns.")
    if abs(accuracies[-1] - measured) > 0.01:
        fail(f"{call} reported a last accuracy of {accuracies[-1]:.4f}, but its weights classify "
             f"{measured:.4f} of the validation images right.",
             "Return what validate_epoch measures after each epoch.")


known("no_zeroing_between_batches", "train_epoch",
      "an epoch that never zeroes the gradients, so every step uses the sum of all gradients so far",
      "Use step(params, lr), which zeroes them, or zero them yourself after each update.", '''
def train_epoch(model, lr, params, dl):
    for xb, yb in dl:
        calc_grad(xb, yb, model)
        for p in params:
            p.data -= lr * p.grad
''', module=__name__)
known("one_batch_only", "train_epoch", "an epoch that trains on the first batch only",
      "Loop over every (xb, yb) in dl, and do not return from inside the loop.", '''
def train_epoch(model, lr, params, dl):
    for xb, yb in dl:
        calc_grad(xb, yb, model)
        step(params, lr)
        return
''', module=__name__)
known("step_before_gradient", "train_epoch", "a step taken before the gradient is computed",
      "For each batch: calc_grad first, then step.", '''
def train_epoch(model, lr, params, dl):
    for xb, yb in dl:
        step(params, lr)
        calc_grad(xb, yb, model)
''', module=__name__)
known("threshold_half_without_sigmoid", "batch_accuracy", "a threshold of 0.5 on the raw scores",
      "Apply the sigmoid before comparing with 0.5 (or compare the raw scores with 0.0).", '''
def batch_accuracy(preds, yb):
    return ((preds > 0.5) == (yb == 1)).float().mean().item()
''', module=__name__)
known("mean_of_booleans", "batch_accuracy", "the mean of a boolean tensor, which torch refuses",
      "Convert the agreements to numbers first: (...).float().mean().", '''
def batch_accuracy(preds, yb):
    return ((sigmoid(preds) > 0.5) == (yb == 1)).mean().item()
''', module=__name__)
known("last_batch_only", "validate_epoch", "the accuracy of the last batch only",
      "Collect batch_accuracy for every batch of dl, then average them all.", '''
def validate_epoch(model, dl):
    for xb, yb in dl:
        accuracy = batch_accuracy(model(xb), yb)
    return round(float(accuracy), 4)
''', module=__name__)
known("not_rounded", "validate_epoch", "an accuracy that is not rounded",
      "Return round(accuracy, 4).", '''
def validate_epoch(model, dl):
    accuracies = [batch_accuracy(model(xb), yb) for xb, yb in dl]
    return float(sum(accuracies) / len(accuracies))
''', module=__name__)
known("sum_of_accuracies", "validate_epoch", "the sum of the batch accuracies instead of their mean",
      "Divide by the number of batches.", '''
def validate_epoch(model, dl):
    accuracies = [batch_accuracy(model(xb), yb) for xb, yb in dl]
    return round(float(sum(accuracies)), 4)
''', module=__name__)
known("never_stops", "train_model", "a training loop that ignores patience",
      "Count the epochs since the best accuracy improved, and stop when the count reaches patience.", '''
def train_model(model, lr, params, dl, valid_dl, epochs, patience=None):
    accuracies = []
    for _ in range(epochs):
        train_epoch(model, lr, params, dl)
        accuracies.append(validate_epoch(model, valid_dl))
    return accuracies
''', module=__name__)
known("stops_at_first_setback", "train_model", "stopping at the first epoch that does not improve",
      "Wait for patience epochs in a row without a new best before stopping.", '''
def train_model(model, lr, params, dl, valid_dl, epochs, patience=None):
    accuracies, best = [], float("-inf")
    for _ in range(epochs):
        train_epoch(model, lr, params, dl)
        accuracies.append(validate_epoch(model, valid_dl))
        if patience is not None and accuracies[-1] <= best:
            break
        best = max(best, accuracies[-1])
    return accuracies
''', module=__name__)
known("equal_is_an_improvement", "train_model", "counting an accuracy equal to the best as an improvement",
      "Only a strictly higher accuracy is a new best (use >, not >=).", '''
def train_model(model, lr, params, dl, valid_dl, epochs, patience=None):
    accuracies, best, stale = [], float("-inf"), 0
    for _ in range(epochs):
        train_epoch(model, lr, params, dl)
        accuracies.append(validate_epoch(model, valid_dl))
        if accuracies[-1] >= best:
            best, stale = accuracies[-1], 0
        else:
            stale += 1
        if patience is not None and stale >= patience:
            break
    return accuracies
''', module=__name__)
known("patience_off_by_one", "train_model", "stopping one epoch too early (after patience - 1 setbacks)",
      "Stop when the count of epochs without a new best reaches patience, not patience - 1.", '''
def train_model(model, lr, params, dl, valid_dl, epochs, patience=None):
    accuracies, best, stale = [], float("-inf"), 0
    for _ in range(epochs):
        train_epoch(model, lr, params, dl)
        accuracies.append(validate_epoch(model, valid_dl))
        if accuracies[-1] > best:
            best, stale = accuracies[-1], 0
        else:
            stale += 1
        if patience is not None and stale >= patience - 1:
            break
    return accuracies
''', module=__name__)
known("returns_the_last_accuracy", "train_model", "returning only the last accuracy instead of the list",
      "Return the list with one accuracy per epoch.", '''
def train_model(model, lr, params, dl, valid_dl, epochs, patience=None):
    for _ in range(epochs):
        train_epoch(model, lr, params, dl)
        accuracy = validate_epoch(model, valid_dl)
    return accuracy
''', module=__name__)
