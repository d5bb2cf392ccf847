"""Checks of 02_predict: linear1(xb, weights, bias) and raw_accuracy(preds, targets)."""
import torch

from autograder.core.checks import check, known
from autograder.core.compare import (expect_autograd, expect_grad, expect_no_change_in_the_code, expect_number,
                                expect_repeatable, expect_tensor, expect_tensor_like, fail)

LINEAR_ATOL = 1e-4  # a sum of 784 float32 products: the order of the sum moves the last digits


def cases(g: torch.Generator) -> dict:
    from solutions.predict import linear1, raw_accuracy

    def linear(n, weights=None):
        xb = torch.rand(n, 784, generator=g)
        weights = torch.randn(784, 1, generator=g) * 0.05 if weights is None else weights
        bias = torch.randn(1, generator=g) * 3
        w = weights.clone().requires_grad_()
        linear1(xb, w, bias).sum().backward()
        return {"inputs": {"xb": xb, "weights": weights, "bias": bias},
                "expected": {"scores": linear1(xb, weights, bias), "weights_grad": w.grad}}

    def accuracy(preds):
        targets = (torch.rand(len(preds), 1, generator=g) > 0.5).float()
        return {"inputs": {"preds": preds, "targets": targets}, "expected": {"accuracy": raw_accuracy(preds, targets)}}

    near_zero = (torch.rand(24, 1, generator=g) - 0.5) * 0.9  # scores in (-0.45, 0.45)
    return {
        "linear1": linear(int(torch.randint(4, 9, (), generator=g))),
        "linear1_bias": linear(5, weights=torch.zeros(784, 1)),
        "raw_accuracy": accuracy(torch.randn(20, 1, generator=g) * 3),
        "raw_accuracy_near_zero": accuracy(near_zero),
    }


def _linear_call(student, case, **extra):
    return student.call("linear1", **extra, **case.inputs)


@check("linear1_returns_a_column_of_scores", function="linear1", points=1, case="linear1")
def _(student, case):
    expect_tensor_like(_linear_call(student, case), "torch.float32", (len(case.inputs["xb"]), 1),
                       hint="One score per image: (N, 784) @ (784, 1) gives (N, 1).")


@check("linear1_matches_reference", function="linear1", points=2, case="linear1")
def _(student, case):
    expect_tensor(_linear_call(student, case), case.expected["scores"], atol=LINEAR_ATOL,
                  hint="The scores are xb @ weights + bias.")


@check("linear1_adds_the_bias", function="linear1", points=1, hidden=True, case="linear1_bias")
def _(student, case):
    expect_tensor(_linear_call(student, case), case.expected["scores"], atol=LINEAR_ATOL,
                  hint="With zero weights every score must equal the bias: add bias after the product.")


@check("linear1_keeps_the_gradient", function="linear1", points=1, hidden=True, case="linear1")
def _(student, case):
    call = _linear_call(student, case, grad_wrt=("weights", "bias"))
    expect_tensor_like(call, "torch.float32", (len(case.inputs["xb"]), 1))
    expect_autograd(call, requires_grad=True)
    expect_grad(call, "weights", case.expected["weights_grad"], atol=1e-3,
                hint="Compute the scores from weights directly, without .data, .detach() or "
                     "torch.no_grad().")


@check("linear1_leaves_its_inputs_unchanged", function="linear1", points=1, hidden=True, case="linear1")
def _(student, case):
    expect_repeatable(*student.call_twice("linear1", **case.inputs), case.expected["scores"], case.inputs,
                      atol=LINEAR_ATOL)
    expect_no_change_in_the_code(student, "linear1")  # read from the code: the worker could hide it


@check("raw_accuracy_returns_a_number", function="raw_accuracy", points=1, case="raw_accuracy")
def _(student, case):
    call = student.call("raw_accuracy", **case.inputs)
    got = call.value.as_float()
    if got is None or not 0.0 <= got <= 1.0:
        fail("raw_accuracy did not return a fraction between 0 and 1",
             "Compare, convert the booleans with .float(), take the .mean(), then .item().",
             f"{call.text} returned {call.value.type} {call.value.text}; expected a float between 0 and 1.")


@check("raw_accuracy_matches_reference", function="raw_accuracy", points=2, case="raw_accuracy")
def _(student, case):
    expect_number(student.call("raw_accuracy", **case.inputs), case.expected["accuracy"],
                  hint="A score above 0.0 means 'a 2' (target 1); count the rows where that agrees.")


@check("raw_accuracy_thresholds_at_zero", function="raw_accuracy", points=1, hidden=True,
       case="raw_accuracy_near_zero")
def _(student, case):
    expect_number(student.call("raw_accuracy", **case.inputs), case.expected["accuracy"],
                  hint="These scores are all between -0.45 and 0.45: the threshold on raw scores "
                       "is 0.0, not 0.5 (0.5 is the threshold after a sigmoid).")


known("no_bias", "linear1", "the scores without the bias",
      "Add the bias after the product: xb @ weights + bias.", '''
def linear1(xb, weights, bias):
    return xb @ weights
''', module=__name__)
known("scalar_sum", "linear1", "one number for the whole batch (everything summed) instead of a score per image",
      "Keep one score per row: xb @ weights gives an (N, 1) column.", '''
def linear1(xb, weights, bias):
    return (xb * weights.T).sum() + bias
''', module=__name__)
known("sigmoid_in_the_model", "linear1", "the scores already squashed by a sigmoid",
      "linear1 returns raw scores; the sigmoid belongs in the loss (step 3), not in the model.", '''
def linear1(xb, weights, bias):
    return torch.sigmoid(xb @ weights + bias)
''', module=__name__)
known("flat_scores", "linear1", "a flat vector of N scores instead of an (N, 1) column",
      "Do not flatten: keep xb @ weights + bias as it is, shape (N, 1).", '''
def linear1(xb, weights, bias):
    return (xb @ weights).view(-1) + bias
''', module=__name__)
known("threshold_half_on_raw_scores", "raw_accuracy", "a threshold of 0.5 on raw scores",
      "Raw scores are split at 0.0 (0.5 is the threshold after a sigmoid): use preds > 0.0.", '''
def raw_accuracy(preds, targets):
    return ((preds > 0.5) == (targets == 1)).float().mean().item()
''', module=__name__)
known("count_instead_of_fraction", "raw_accuracy", "the number of right answers instead of their fraction",
      "Take the .mean() of the agreements, not their .sum().", '''
def raw_accuracy(preds, targets):
    return ((preds > 0.0) == (targets == 1)).float().sum().item()
''', module=__name__)
known("accuracy_upside_down", "raw_accuracy", "the fraction of wrong answers",
      "Count the rows where the verdict agrees with the label: (preds > 0.0) == (targets == 1).", '''
def raw_accuracy(preds, targets):
    return ((preds > 0.0) != (targets == 1)).float().mean().item()
''', module=__name__)
