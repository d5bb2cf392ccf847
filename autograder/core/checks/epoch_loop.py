"""Checks of 06_epoch_loop: train_epoch, batch_accuracy, validate_epoch, train_model."""
import contextlib
import math

import torch

from autograder.core.checks import check, known, stands_in
from autograder.core.compare import expect_answer, expect_number, expect_shape, expect_values, fail
from autograder.core.messages import say, translations
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
        raise StudentError(Failure("train_model", "raised", "TypeError",
                                   say("train_model must be a function defined with def")))
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


def _calls(log):
    """The calls a train_model made, in the student's language (the log itself stays as it is: it is
    compared with the reference's)."""
    words = {"train": say("train"), "validate": say("validate"),
             "train on the validation batches": say("train on the validation batches"),
             ON_TRAINING: say("validate on the training batches")}
    return [words.get(entry, entry) for entry in log]


def _runs(student, case):
    return expect_answer("train_model", student.probe(_probe_scripted_train_model),
                         [[Value, list]] * len(case.inputs["patiences"]))


@check("batch_accuracy_matches_reference", function="batch_accuracy", points=1, case="batch_accuracy")
def _(student, case):
    expect_number(student.call("batch_accuracy", **case.inputs), case.expected["accuracy"], atol=1e-6,
                  hint=say("Squash preds with sigmoid; a value above 0.5 means 'a 2' (yb == 1)."))


@check("batch_accuracy_squashes_before_thresholding", function="batch_accuracy", points=1,
       hidden=True, case="batch_accuracy_near_zero")
def _(student, case):
    expect_number(student.call("batch_accuracy", **case.inputs), case.expected["accuracy"], atol=1e-6,
                  hint=say("These raw scores are all between -0.45 and 0.45: compare sigmoid(preds) "
                           "with 0.5 (or the raw scores with 0.0), not the raw scores with 0.5."))


@check("validate_epoch_matches_reference", function="validate_epoch", points=1, case="validate_epoch",
       stand_ins=("batch_accuracy",))
def _(student, case):
    got = expect_answer("validate_epoch", student.probe(_probe_validate_epoch), Value)
    value = got.as_float()
    accepted = case.expected["accuracies"]  # mean of batch accuracies, and the exact accuracy
    if value is None or not any(math.isclose(value, a, abs_tol=1.01e-4) for a in accepted):
        fail(say("validate_epoch returned a wrong accuracy") if value is not None else
             say("validate_epoch did not return a number"),
             say("Compute batch_accuracy(model(xb), yb) for every batch of dl, not only the last one, "
                 "then average."),
             say("validate_epoch(model, dl) over batches of {sizes} images returned {type} {text}; expected "
                 "{mean} (the mean of the batch accuracies) or {exact} (the accuracy over all images).",
                 sizes=[len(x) for x in case.inputs["xs"]], type=got.type, text=got.text,
                 mean=accepted[0], exact=accepted[1]))


@check("validate_epoch_rounds_to_4_places", function="validate_epoch", points=1, hidden=True, case="validate_epoch",
       stand_ins=("batch_accuracy",))
def _(student, case):
    got = expect_answer("validate_epoch", student.probe(_probe_validate_epoch), Value)
    if got.number is None or round(got.number, 4) != got.number:
        fail(say("validate_epoch did not return a Python float rounded to 4 places"),
             say("Return round(float(accuracy), 4)."),
             say("validate_epoch(model, dl) returned {type} {text}.", type=got.type, text=got.text))


def _expect_trained(student, case, hint):
    got = expect_answer("train_epoch", student.probe(_probe_train_epoch), [TensorInfo, TensorInfo])
    for name, info, expected in zip(("weights", "bias"), got, case.expected["params"]):
        expect_values("train_epoch", say("after train_epoch(model, lr={lr}, params, dl) over {batches} batches, "
                                         "{name} holds", lr=case.inputs["lr"], batches=len(case.inputs["xs"]),
                                         name=name),
                      info.values, expected, hint=hint)


@check("train_epoch_matches_reference", function="train_epoch", points=2, case="train_epoch")
def _(student, case):
    _expect_trained(student, case, say("For every batch: calc_grad(xb, yb, model), then step(params, lr), "
                                       "which zeroes the gradients for the next batch."))


@check("train_epoch_steps_once_per_batch", function="train_epoch", points=1, hidden=True, case="train_epoch_other")
def _(student, case):
    _expect_trained(student, case, say("One calc_grad and one step for each (xb, yb) in dl, in order."))


@check("train_model_runs_every_epoch", function="train_model", points=1, case="every_epoch")
def _(student, case):
    script, epochs = case.inputs["script"], case.inputs["epochs"]
    (returned, log), = _runs(student, case)
    (_, expected_log), = case.expected["runs"]
    if ON_TRAINING in log:
        fail(say("train_model measures its accuracy on the training batches, not on valid_dl"),
             say("Validate on valid_dl: the model learned from the training images, so its accuracy on them "
                 "flatters it; only images it never learned from measure what it learned."),
             say("train_model made the calls {calls}.", calls=_calls(log)))
    if log != expected_log or _floats(returned) != script:
        fail(say("train_model did not train and validate once per epoch, {epochs} times, returning every "
                 "accuracy", epochs=epochs),
             say("For each epoch: train_epoch(model, lr, params, dl), then append "
                 "validate_epoch(model, valid_dl) to the list you return."),
             say("train_model(model, lr, params, dl, valid_dl, epochs={epochs}) with validate_epoch returning "
                 "{script} in turn made the calls {calls} and returned {returned}; expected train_epoch "
                 "then validate_epoch, {epochs} times, and the list {script}.",
                 epochs=epochs, script=script, calls=_calls(log), returned=returned.text))


@check("train_model_stops_when_patience_runs_out", function="train_model", points=1, hidden=True, case="patience")
def _(student, case):
    script = case.inputs["script"]
    for patience, (returned, _), (expected, _) in zip(case.inputs["patiences"], _runs(student, case),
                                                     case.expected["runs"]):
        if _floats(returned) != expected:
            fail(say("train_model does not stop after {patience} epochs in a row that do not beat the best",
                     patience=patience),
                 say("Keep the best accuracy and a count of epochs since it improved; an accuracy "
                     "equal to the best is not an improvement."),
                 say("train_model(..., epochs={epochs}, patience={patience}) with validate_epoch returning "
                     "{script} in turn returned {returned}; expected {expected}.",
                     epochs=len(script), patience=patience, script=script, returned=returned.text,
                     expected=expected))


@check("train_model_learns_2_vs_9", function="train_model", points=1, hidden=True, case="mnist", diagnose=False,
       stand_ins=("train_epoch", "batch_accuracy", "validate_epoch"))
def _(student, case):
    from autograder.core import data

    returned, weights, bias = expect_answer("train_model", student.probe(_probe_train_model_on_mnist),
                                            [Value, TensorInfo, TensorInfo])
    accuracies = _floats(returned)
    what = say("train_model on the MNIST 2s and 9s (linear model, lr={lr}, {epochs} epochs, batches of 256)",
               lr=TRAIN_LR, epochs=TRAIN_EPOCHS)
    if not accuracies:
        fail(say("train_model did not return a list of accuracies"), None,
             say("{what} returned {type} {text}.", what=what, type=returned.type, text=returned.text))
    mnist = data.load()  # the grader measures the trained weights itself, once it knows their shapes
    w = expect_shape(say("the trained weights"), weights, (784, 1))
    b = expect_shape(say("the trained bias"), bias, (1,))
    measured = (((mnist.valid_x @ w + b) > 0) == (mnist.valid_y == 1)).float().mean().item()
    if len(accuracies) != TRAIN_EPOCHS or measured < TRAIN_TARGET:
        fail(say("train_model did not reach {target} validation accuracy in {epochs} epochs",
                 target=TRAIN_TARGET, epochs=TRAIN_EPOCHS),
             say("Check train_epoch and validate_epoch first: they decide what train_model learns."),
             say("{what} returned {count} accuracies, and the trained weights classify "
                 "{measured:.4f} of the validation images right.",
                 what=what, count=len(accuracies), measured=measured))
    if abs(accuracies[-1] - measured) > 0.01:
        fail(say("train_model reported another accuracy than its weights reach"),
             say("Return what validate_epoch measures after each epoch."),
             say("{what} reported a last accuracy of {last:.4f}, but its weights classify "
                 "{measured:.4f} of the validation images right.",
                 what=what, last=accuracies[-1], measured=measured))


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


translations("zh", {
    # the calls a train_model made
    "train": "训练",
    "validate": "验证",
    "train on the validation batches": "在验证批次上训练",
    "validate on the training batches": "在训练批次上验证",
    # batch_accuracy
    "Squash preds with sigmoid; a value above 0.5 means 'a 2' (yb == 1).":
        "先用 sigmoid 压缩 preds；大于 0.5 的值表示“是 2”（yb == 1）。",
    "These raw scores are all between -0.45 and 0.45: compare sigmoid(preds) "
    "with 0.5 (or the raw scores with 0.0), not the raw scores with 0.5.":
        "这些原始得分都在 -0.45 到 0.45 之间：应该把 sigmoid(preds) 与 0.5 比较（或者把原始得分与 0.0 比较），"
        "而不是把原始得分与 0.5 比较。",
    # validate_epoch
    "validate_epoch returned a wrong accuracy": "validate_epoch 返回了错误的准确率",
    "validate_epoch did not return a number": "validate_epoch 没有返回一个数",
    "Compute batch_accuracy(model(xb), yb) for every batch of dl, not only the last one, then average.":
        "对 dl 的每一个批次（而不只是最后一个）计算 batch_accuracy(model(xb), yb)，再求平均。",
    "validate_epoch(model, dl) over batches of {sizes} images returned {type} {text}; expected "
    "{mean} (the mean of the batch accuracies) or {exact} (the accuracy over all images).":
        "validate_epoch(model, dl) 在图像数分别为 {sizes} 的批次上返回了 {type} {text}；"
        "预期是 {mean}（各批次准确率的平均值）或 {exact}（全部图像上的准确率）。",
    "validate_epoch did not return a Python float rounded to 4 places":
        "validate_epoch 没有返回保留 4 位小数的 Python float",
    "Return round(float(accuracy), 4).": "返回 round(float(accuracy), 4)。",
    "validate_epoch(model, dl) returned {type} {text}.": "validate_epoch(model, dl) 返回了 {type} {text}。",
    # train_epoch
    "after train_epoch(model, lr={lr}, params, dl) over {batches} batches, {name} holds":
        "train_epoch(model, lr={lr}, params, dl) 跑完 {batches} 个批次后，{name} 中存放的是",
    "For every batch: calc_grad(xb, yb, model), then step(params, lr), "
    "which zeroes the gradients for the next batch.":
        "对每个批次：先 calc_grad(xb, yb, model)，再 step(params, lr)；step 会把梯度清零，留给下一个批次。",
    "One calc_grad and one step for each (xb, yb) in dl, in order.":
        "按顺序对 dl 中的每个 (xb, yb) 各做一次 calc_grad 和一次 step。",
    # train_model
    "train_model measures its accuracy on the training batches, not on valid_dl":
        "train_model 在训练批次上测量准确率，而不是在 valid_dl 上",
    "Validate on valid_dl: the model learned from the training images, so its accuracy on them "
    "flatters it; only images it never learned from measure what it learned.":
        "请在 valid_dl 上验证：模型正是从训练图像中学习的，它在这些图像上的准确率会偏高；"
        "只有它从没学过的图像，才能衡量它真正学到了什么。",
    "train_model made the calls {calls}.": "train_model 依次做了这些调用：{calls}。",
    "train_model did not train and validate once per epoch, {epochs} times, returning every accuracy":
        "train_model 没有做到每轮训练一次、验证一次，共 {epochs} 轮，并返回每一轮的准确率",
    "For each epoch: train_epoch(model, lr, params, dl), then append "
    "validate_epoch(model, valid_dl) to the list you return.":
        "每一轮：先 train_epoch(model, lr, params, dl)，再把 validate_epoch(model, valid_dl) 追加到要返回的列表中。",
    "train_model(model, lr, params, dl, valid_dl, epochs={epochs}) with validate_epoch returning "
    "{script} in turn made the calls {calls} and returned {returned}; expected train_epoch "
    "then validate_epoch, {epochs} times, and the list {script}.":
        "当 validate_epoch 依次返回 {script} 时，train_model(model, lr, params, dl, valid_dl, epochs={epochs}) "
        "依次做了这些调用：{calls}，并返回了 {returned}；预期是先 train_epoch 再 validate_epoch，"
        "重复 {epochs} 次，并返回列表 {script}。",
    "train_model does not stop after {patience} epochs in a row that do not beat the best":
        "连续 {patience} 轮都没有超过最佳准确率之后，train_model 没有停止",
    "Keep the best accuracy and a count of epochs since it improved; an accuracy "
    "equal to the best is not an improvement.":
        "记下最佳准确率，以及它上次提升以来经过的轮数；与最佳值相等的准确率不算提升。",
    "train_model(..., epochs={epochs}, patience={patience}) with validate_epoch returning "
    "{script} in turn returned {returned}; expected {expected}.":
        "当 validate_epoch 依次返回 {script} 时，train_model(..., epochs={epochs}, patience={patience}) "
        "返回了 {returned}；预期是 {expected}。",
    "train_model on the MNIST 2s and 9s (linear model, lr={lr}, {epochs} epochs, batches of 256)":
        "在 MNIST 的 2 和 9 上运行的 train_model（线性模型，lr={lr}，{epochs} 轮，每批 256 张图像）",
    "train_model did not return a list of accuracies": "train_model 没有返回准确率的列表",
    "{what} returned {type} {text}.": "{what}返回了 {type} {text}。",
    "the trained weights": "训练后的权重",
    "the trained bias": "训练后的偏置",
    "train_model did not reach {target} validation accuracy in {epochs} epochs":
        "train_model 在 {epochs} 轮内没有达到 {target} 的验证集准确率",
    "Check train_epoch and validate_epoch first: they decide what train_model learns.":
        "先检查 train_epoch 和 validate_epoch：train_model 学到什么，由它们决定。",
    "{what} returned {count} accuracies, and the trained weights classify "
    "{measured:.4f} of the validation images right.":
        "{what}返回了 {count} 个准确率，训练后的权重在验证图像上的正确率为 {measured:.4f}。",
    "train_model reported another accuracy than its weights reach":
        "train_model 报告的准确率与它的权重实际达到的不一致",
    "Return what validate_epoch measures after each epoch.": "返回每轮之后 validate_epoch 测得的准确率。",
    "{what} reported a last accuracy of {last:.4f}, but its weights classify "
    "{measured:.4f} of the validation images right.":
        "{what}报告的最后一个准确率是 {last:.4f}，但它的权重在验证图像上的正确率为 {measured:.4f}。",
    "train_model must be a function defined with def": "train_model 必须是用 def 定义的函数",
    # known mistakes: titles (read in "这正是{title}会得到的结果。") and fixes
    "an epoch that never zeroes the gradients, so every step uses the sum of all gradients so far":
        "一轮中从不把梯度清零、因而每一步都用上至今所有梯度之和的写法",
    "Use step(params, lr), which zeroes them, or zero them yourself after each update.":
        "使用会把梯度清零的 step(params, lr)，或者在每次更新之后自己把梯度清零。",
    "an epoch that trains on the first batch only": "一轮只在第一个批次上训练的写法",
    "Loop over every (xb, yb) in dl, and do not return from inside the loop.":
        "遍历 dl 中的每个 (xb, yb)，并且不要在循环内部 return。",
    "a step taken before the gradient is computed": "在计算梯度之前就执行 step 的写法",
    "For each batch: calc_grad first, then step.": "对每个批次：先 calc_grad，再 step。",
    "a threshold of 0.5 on the raw scores": "直接对原始得分用 0.5 作阈值的写法",
    "Apply the sigmoid before comparing with 0.5 (or compare the raw scores with 0.0).":
        "先应用 sigmoid，再与 0.5 比较（或者把原始得分与 0.0 比较）。",
    "the mean of a boolean tensor, which torch refuses": "对布尔张量求平均（torch 不允许这样做）的写法",
    "Convert the agreements to numbers first: (...).float().mean().":
        "先把比较结果转换成数字：(...).float().mean()。",
    "the accuracy of the last batch only": "只取最后一个批次准确率的写法",
    "Collect batch_accuracy for every batch of dl, then average them all.":
        "收集 dl 中每个批次的 batch_accuracy，再对它们全部求平均。",
    "an accuracy that is not rounded": "没有对准确率四舍五入的写法",
    "Return round(accuracy, 4).": "返回 round(accuracy, 4)。",
    "the sum of the batch accuracies instead of their mean": "把各批次准确率求和而不是求平均的写法",
    "Divide by the number of batches.": "再除以批次数。",
    "measuring each epoch's accuracy on the training batches (dl) instead of valid_dl":
        "在训练批次（dl）而不是 valid_dl 上测量每轮准确率的写法",
    "Pass valid_dl to validate_epoch: the training images are the ones the model learned from, so "
    "their accuracy flatters it; the validation images are the honest measure.":
        "把 valid_dl 传给 validate_epoch：训练图像正是模型学习所用的图像，在它们上面的准确率会偏高；"
        "验证图像才是如实的衡量标准。",
    "a training loop that ignores patience": "忽略 patience 的训练循环",
    "Count the epochs since the best accuracy improved, and stop when the count reaches patience.":
        "统计最佳准确率上次提升以来的轮数，当这个数达到 patience 时停止。",
    "stopping at the first epoch that does not improve": "在第一个没有提升的轮次就停止的写法",
    "Wait for patience epochs in a row without a new best before stopping.":
        "要等到连续 patience 轮都没有出现新的最佳值，才停止。",
    "counting an accuracy equal to the best as an improvement": "把与最佳值相等的准确率也算作提升的写法",
    "Only a strictly higher accuracy is a new best (use >, not >=).":
        "只有严格更高的准确率才是新的最佳值（用 >，不要用 >=）。",
    "stopping one epoch too early (after patience - 1 setbacks)":
        "提前一轮停止（在 patience - 1 轮没有提升后就停止）的写法",
    "Stop when the count of epochs without a new best reaches patience, not patience - 1.":
        "当没有新最佳值的轮数达到 patience 时才停止，而不是 patience - 1。",
    "returning only the last accuracy instead of the list": "只返回最后一个准确率、而不是整个列表的写法",
    "Return the list with one accuracy per epoch.": "返回一个列表，每轮一个准确率。",
})
