"""Checks of 06_epoch_loop: train_epoch, batch_accuracy, validate_epoch, train_model."""
import contextlib
import math

import torch

from autograder.core.checks import check, known, stands_in
from autograder.core.compare import expect_answer, expect_number, expect_shape, expect_values, fail
from autograder.core.snapshot import TensorInfo, Value, snapshot, tensor_info
from autograder.core.student import Failure, StudentError
from autograder.core.submission import published

TRAIN_EPOCHS, TRAIN_LR, TRAIN_TARGET = 20, 1.0, 0.97
# validate_epoch's accuracies in turn, for the checks of train_model's loop (scaled anew for each case)
EVERY_EPOCH = (0.5, 0.6, 0.6, 0.55, 0.58)
PATIENCE = (0.5, 0.6, 0.6, 0.55, 0.5, 0.45, 0.7, 0.6, 0.9, 0.9)


# Functions that call others of this step are graded with the course's versions of those:
# batch_accuracy is the course's raw_accuracy (a 2 when the raw score is above 0, which is
# when its sigmoid is above 0.5); train_epoch and validate_epoch, at grading only, as the
# next notebook publishes them.
stands_in("batch_accuracy", "def batch_accuracy(preds, yb):\n    return raw_accuracy(preds, yb)", module=__name__)
stands_in("train_epoch", published("train_epoch"), module=__name__)
stands_in("validate_epoch", published("validate_epoch"), module=__name__)


def cases(g: torch.Generator) -> dict:
    import solutions.epoch_loop as reference

    def linear_case(sizes, lr=0.5):
        batches = [(torch.rand(n, 784, generator=g), (torch.rand(n, 1, generator=g) > 0.5).float())
                   for n in sizes]
        weights, bias = torch.randn(784, 1, generator=g) * 0.05, torch.randn(1, generator=g) * 0.1
        params = [weights.clone().requires_grad_(), bias.clone().requires_grad_()]
        model = lambda xb: xb @ params[0] + params[1]  # noqa: E731
        before = reference.validate_epoch(model, batches)
        exact = sum(reference.batch_accuracy(model(x), y) * len(x) for x, y in batches) / sum(sizes)
        reference.train_epoch(model, lr, params, batches)
        return {"inputs": {"xs": [x for x, _ in batches], "ys": [y for _, y in batches], "weights": weights,
                           "bias": bias, "lr": lr},
                "expected": {"accuracies": [before, round(exact, 4)], "params": [p.detach() for p in params]}}

    def accuracy(preds):
        yb = (torch.rand(len(preds), 1, generator=g) > 0.5).float()
        return {"inputs": {"preds": preds, "yb": yb}, "expected": {"accuracy": reference.batch_accuracy(preds, yb)}}

    def scripted(base, epochs, patiences):
        low, span = float(torch.rand((), generator=g)) * 0.05, 0.9 + float(torch.rand((), generator=g)) * 0.1
        script = [round(low + span * a, 4) for a in base]  # the same order and ties, other numbers
        runs = [_scripted_run(reference, reference.train_model, script, epochs, patience) for patience in patiences]
        return {"inputs": {"script": script, "epochs": epochs, "patiences": list(patiences)},
                "expected": {"runs": runs}}

    return {
        "train_epoch": linear_case((8, 8, 5)),
        "train_epoch_other": linear_case((7, 4, 9, 3), lr=0.2),
        "validate_epoch": linear_case((16, 16, 3)),
        "batch_accuracy": accuracy(torch.randn(20, 1, generator=g) * 3),
        "batch_accuracy_near_zero": accuracy((torch.rand(24, 1, generator=g) - 0.5) * 0.9),
        "every_epoch": scripted(EVERY_EPOCH, len(EVERY_EPOCH), [None]),
        "patience": scripted(PATIENCE, len(PATIENCE), [3, 2, 20]),
        "mnist": {"inputs": {"seed": int(torch.randint(0, 2**31, (), generator=g))}, "expected": {}},
    }


def _model_of(inputs):
    weights = inputs["weights"].clone().requires_grad_()
    bias = inputs["bias"].clone().requires_grad_()
    return (lambda xb: xb @ weights + bias), [weights, bias]


def _batches(inputs):
    return [(x.clone(), y.clone()) for x, y in zip(inputs["xs"], inputs["ys"])]


def _probe_train_epoch(student, inputs):
    model, params = _model_of(inputs)
    student.run("train_epoch", model, inputs["lr"], params, _batches(inputs))
    return [tensor_info(p) for p in params]


def _probe_validate_epoch(student, inputs):
    model, _ = _model_of(inputs)
    return snapshot(student.run("validate_epoch", model, _batches(inputs)))


@contextlib.contextmanager
def _replaced(namespace: dict, **stand_ins):
    """Swap names in a namespace (the globals a train_model reads) for stand-ins, and back."""
    saved = {name: namespace[name] for name in stand_ins if name in namespace}
    namespace.update(stand_ins)
    try:
        yield
    finally:
        for name in stand_ins:
            namespace.pop(name, None)
        namespace.update(saved)  # the student's own functions come back, whatever happened


class _Batches(list):
    """A stand-in for a DataLoader, which says which one it is."""


TRAINING, VALIDATION = _Batches(), _Batches()
ON_TRAINING = "validate on the training batches"


def _scripted_run(namespace_owner, train_model, script, epochs, patience):
    """train_model with train_epoch and validate_epoch replaced by a script of accuracies:
    [what it returned, the calls it made]."""
    log, given = [], iter(script)

    def train_epoch(model, lr, params, dl):
        log.append("train" if dl is TRAINING else "train on the validation batches")

    def validate_epoch(model, dl):
        log.append("validate" if dl is VALIDATION else ON_TRAINING)
        return next(given, script[-1])

    namespace = getattr(namespace_owner, "__dict__", namespace_owner)
    with _replaced(namespace, train_epoch=train_epoch, validate_epoch=validate_epoch):
        returned = train_model(lambda xb: xb, 0.1, [], TRAINING, VALIDATION, epochs, patience)
    return [returned, log]


def _probe_scripted_train_model(student, inputs):
    train_model = student.function("train_model")
    namespace = getattr(train_model, "__globals__", None)
    if namespace is None:
        raise StudentError(Failure("train_model", "raised", "TypeError", "train_model must be a function defined with def"))
    runs = []
    for patience in inputs["patiences"]:
        with student.blame("train_model"):
            returned, log = _scripted_run(namespace, train_model, inputs["script"], inputs["epochs"], patience)
        runs.append([snapshot(returned), log])
    return runs


def _probe_train_model_on_mnist(student, inputs):
    from autograder.core import data

    mnist = data.load()
    torch.manual_seed(inputs["seed"])
    weights = torch.randn(784, 1).requires_grad_()
    bias = torch.randn(1).requires_grad_()
    dl = data.batches(mnist.train_x, mnist.train_y, seed=inputs["seed"])
    valid_dl = data.batches(mnist.valid_x, mnist.valid_y)
    returned = student.run("train_model", lambda xb: xb @ weights + bias, TRAIN_LR,
                           [weights, bias], dl, valid_dl, TRAIN_EPOCHS)
    return [snapshot(returned), tensor_info(weights), tensor_info(bias)]


def _floats(value):
    """The list of numbers in a returned Value, or None if it is not one."""
    if value.items is None:
        return None
    numbers = [item.as_float() for item in value.items]
    return None if any(n is None for n in numbers) else numbers


def _runs(student, case):
    return expect_answer("train_model", student.probe(_probe_scripted_train_model),
                         [[Value, list]] * len(case.inputs["patiences"]))


@check("batch_accuracy_matches_reference", function="batch_accuracy", points=1, case="batch_accuracy")
def _(student, case):
    expect_number(student.call("batch_accuracy", **case.inputs), case.expected["accuracy"], atol=1e-6,
                  hint="Squash preds with sigmoid; a value above 0.5 means 'a 2' (yb == 1).")


@check("batch_accuracy_squashes_before_thresholding", function="batch_accuracy", points=1,
       hidden=True, case="batch_accuracy_near_zero")
def _(student, case):
    expect_number(student.call("batch_accuracy", **case.inputs), case.expected["accuracy"], atol=1e-6,
                  hint="These raw scores are all between -0.45 and 0.45: compare sigmoid(preds) "
                       "with 0.5 (or the raw scores with 0.0), not the raw scores with 0.5.")


@check("validate_epoch_matches_reference", function="validate_epoch", points=1, case="validate_epoch",
       stand_ins=("batch_accuracy",))
def _(student, case):
    got = expect_answer("validate_epoch", student.probe(_probe_validate_epoch), Value)
    value = got.as_float()
    accepted = case.expected["accuracies"]  # mean of batch accuracies, and the exact accuracy
    if value is None or not any(math.isclose(value, a, abs_tol=1.01e-4) for a in accepted):
        fail("validate_epoch returned a wrong accuracy" if value is not None else
             "validate_epoch did not return a number",
             "Compute batch_accuracy(model(xb), yb) for every batch of dl, not only the last one, "
             "then average.",
             f"validate_epoch(model, dl) over batches of {[len(x) for x in case.inputs['xs']]} images "
             f"returned {got.type} {got.text}; expected {accepted[0]} (the mean of the batch "
             f"accuracies) or {accepted[1]} (the accuracy over all images).")


@check("validate_epoch_rounds_to_4_places", function="validate_epoch", points=1, hidden=True, case="validate_epoch",
       stand_ins=("batch_accuracy",))
def _(student, case):
    got = expect_answer("validate_epoch", student.probe(_probe_validate_epoch), Value)
    if got.number is None or round(got.number, 4) != got.number:
        fail("validate_epoch did not return a Python float rounded to 4 places", "Return round(float(accuracy), 4).",
             f"validate_epoch(model, dl) returned {got.type} {got.text}.")


def _expect_trained(student, case, hint):
    got = expect_answer("train_epoch", student.probe(_probe_train_epoch), [TensorInfo, TensorInfo])
    for name, info, expected in zip(("weights", "bias"), got, case.expected["params"]):
        expect_values("train_epoch", f"after train_epoch(model, lr={case.inputs['lr']}, params, dl) over "
                      f"{len(case.inputs['xs'])} batches, {name} holds", info.values, expected, hint=hint)


@check("train_epoch_matches_reference", function="train_epoch", points=2, case="train_epoch")
def _(student, case):
    _expect_trained(student, case, "For every batch: calc_grad(xb, yb, model), then step(params, lr), "
                                   "which zeroes the gradients for the next batch.")


@check("train_epoch_steps_once_per_batch", function="train_epoch", points=1, hidden=True, case="train_epoch_other")
def _(student, case):
    _expect_trained(student, case, "One calc_grad and one step for each (xb, yb) in dl, in order.")


@check("train_model_runs_every_epoch", function="train_model", points=1, case="every_epoch")
def _(student, case):
    script, epochs = case.inputs["script"], case.inputs["epochs"]
    (returned, log), = _runs(student, case)
    (_, expected_log), = case.expected["runs"]
    if ON_TRAINING in log:
        fail("train_model measures its accuracy on the training batches, not on valid_dl",
             "Validate on valid_dl: the model learned from the training images, so its accuracy on them "
             "flatters it; only images it never learned from measure what it learned.",
             f"train_model made the calls {log}.")
    if log != expected_log or _floats(returned) != script:
        fail(f"train_model did not train and validate once per epoch, {epochs} times, returning every accuracy",
             "For each epoch: train_epoch(model, lr, params, dl), then append "
             "validate_epoch(model, valid_dl) to the list you return.",
             f"train_model(model, lr, params, dl, valid_dl, epochs={epochs}) with validate_epoch returning "
             f"{script} in turn made the calls {log} and returned {returned.text}; expected train_epoch "
             f"then validate_epoch, {epochs} times, and the list {script}.")


@check("train_model_stops_when_patience_runs_out", function="train_model", points=1, hidden=True, case="patience")
def _(student, case):
    script = case.inputs["script"]
    for patience, (returned, _), (expected, _) in zip(case.inputs["patiences"], _runs(student, case),
                                                     case.expected["runs"]):
        if _floats(returned) != expected:
            fail(f"train_model does not stop after {patience} epochs in a row that do not beat the best",
                 "Keep the best accuracy and a count of epochs since it improved; an accuracy "
                 "equal to the best is not an improvement.",
                 f"train_model(..., epochs={len(script)}, patience={patience}) with validate_epoch returning "
                 f"{script} in turn returned {returned.text}; expected {expected}.")


@check("train_model_learns_2_vs_9", function="train_model", points=1, hidden=True, case="mnist", diagnose=False,
       stand_ins=("train_epoch", "batch_accuracy", "validate_epoch"))
def _(student, case):
    from autograder.core import data

    returned, weights, bias = expect_answer("train_model", student.probe(_probe_train_model_on_mnist),
                                            [Value, TensorInfo, TensorInfo])
    accuracies = _floats(returned)
    what = (f"train_model on the MNIST 2s and 9s (linear model, lr={TRAIN_LR}, "
            f"{TRAIN_EPOCHS} epochs, batches of 256)")
    if not accuracies:
        fail("train_model did not return a list of accuracies", None, f"{what} returned {returned.type} {returned.text}.")
    mnist = data.load()  # the grader measures the trained weights itself, once it knows their shapes
    w = expect_shape("the trained weights", weights, (784, 1))
    b = expect_shape("the trained bias", bias, (1,))
    measured = (((mnist.valid_x @ w + b) > 0) == (mnist.valid_y == 1)).float().mean().item()
    if len(accuracies) != TRAIN_EPOCHS or measured < TRAIN_TARGET:
        fail(f"train_model did not reach {TRAIN_TARGET} validation accuracy in {TRAIN_EPOCHS} epochs",
             "Check train_epoch and validate_epoch first: they decide what train_model learns.",
             f"{what} returned {len(accuracies)} accuracies, and the trained weights classify "
             f"{measured:.4f} of the validation images right.")
    if abs(accuracies[-1] - measured) > 0.01:
        fail("train_model reported another accuracy than its weights reach",
             "Return what validate_epoch measures after each epoch.",
             f"{what} reported a last accuracy of {accuracies[-1]:.4f}, but its weights classify "
             f"{measured:.4f} of the validation images right.")


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
known("validates_on_the_training_batches", "train_model",
      "measuring each epoch's accuracy on the training batches (dl) instead of valid_dl",
      "Pass valid_dl to validate_epoch: the training images are the ones the model learned from, so "
      "their accuracy flatters it; the validation images are the honest measure.", '''
def train_model(model, lr, params, dl, valid_dl, epochs, patience=None):
    accuracies = []
    for _ in range(epochs):
        train_epoch(model, lr, params, dl)
        accuracies.append(validate_epoch(model, dl))
    return accuracies
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
