"""Checks of 02_predict: linear1(xb, weights, bias) and raw_accuracy(preds, targets)."""
import torch

from autograder.core.checks import check, known
from autograder.core.compare import (expect_autograd, expect_grad, expect_no_change_in_the_code, expect_number,
                                expect_repeatable, expect_tensor, expect_tensor_like, fail)
from autograder.core.messages import say, translations

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
                       hint=say("One score per image: (N, 784) @ (784, 1) gives (N, 1)."))


@check("linear1_matches_reference", function="linear1", points=2, case="linear1")
def _(student, case):
    expect_tensor(_linear_call(student, case), case.expected["scores"], atol=LINEAR_ATOL,
                  hint=say("The scores are xb @ weights + bias."))


@check("linear1_adds_the_bias", function="linear1", points=1, hidden=True, case="linear1_bias")
def _(student, case):
    expect_tensor(_linear_call(student, case), case.expected["scores"], atol=LINEAR_ATOL,
                  hint=say("With zero weights every score must equal the bias: add bias after the product."))


@check("linear1_keeps_the_gradient", function="linear1", points=1, hidden=True, case="linear1")
def _(student, case):
    call = _linear_call(student, case, grad_wrt=("weights", "bias"))
    expect_tensor_like(call, "torch.float32", (len(case.inputs["xb"]), 1))
    expect_autograd(call, requires_grad=True)
    expect_grad(call, "weights", case.expected["weights_grad"], atol=1e-3,
                hint=say("Compute the scores from weights directly, without .data, .detach() or "
                         "torch.no_grad()."))


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
        fail(say("raw_accuracy did not return a fraction between 0 and 1"),
             say("Compare, convert the booleans with .float(), take the .mean(), then .item()."),
             say("{call} returned {type} {value}; expected a float between 0 and 1.",
                 call=call.text, type=call.value.type, value=call.value.text))


@check("raw_accuracy_matches_reference", function="raw_accuracy", points=2, case="raw_accuracy")
def _(student, case):
    expect_number(student.call("raw_accuracy", **case.inputs), case.expected["accuracy"],
                  hint=say("A score above 0.0 means 'a 2' (target 1); count the rows where that agrees."))


@check("raw_accuracy_thresholds_at_zero", function="raw_accuracy", points=1, hidden=True,
       case="raw_accuracy_near_zero")
def _(student, case):
    expect_number(student.call("raw_accuracy", **case.inputs), case.expected["accuracy"],
                  hint=say("These scores are all between -0.45 and 0.45: the threshold on raw scores "
                           "is 0.0, not 0.5 (0.5 is the threshold after a sigmoid)."))


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

translations("zh", {
    "One score per image: (N, 784) @ (784, 1) gives (N, 1).":
        "每张图像一个得分：(N, 784) @ (784, 1) 得到 (N, 1)。",
    "The scores are xb @ weights + bias.":
        "得分就是 xb @ weights + bias。",
    "With zero weights every score must equal the bias: add bias after the product.":
        "权重全为零时，每个得分都应等于偏置：在矩阵乘积之后加上 bias。",
    "Compute the scores from weights directly, without .data, .detach() or "
    "torch.no_grad().":
        "直接用 weights 计算得分，不要用 .data、.detach() 或 torch.no_grad()。",
    "raw_accuracy did not return a fraction between 0 and 1":
        "raw_accuracy 返回的不是 0 到 1 之间的比例",
    "Compare, convert the booleans with .float(), take the .mean(), then .item().":
        "先比较，再用 .float() 把布尔值转成浮点数，取 .mean()，最后调用 .item()。",
    "{call} returned {type} {value}; expected a float between 0 and 1.":
        "{call} 返回了 {type} {value}；预期是 0 到 1 之间的浮点数。",
    "A score above 0.0 means 'a 2' (target 1); count the rows where that agrees.":
        "得分大于 0.0 表示“是 2”（目标为 1）；统计判断与目标一致的行。",
    "These scores are all between -0.45 and 0.45: the threshold on raw scores "
    "is 0.0, not 0.5 (0.5 is the threshold after a sigmoid).":
        "这些得分都在 -0.45 到 0.45 之间：原始得分的阈值是 0.0，不是 0.5（0.5 是经过 sigmoid 之后的阈值）。",
    # Known mistakes: titles read in "这正是{title}会得到的结果。{fix}".
    "the scores without the bias":
        "没有加偏置的得分",
    "Add the bias after the product: xb @ weights + bias.":
        "在矩阵乘积之后加上偏置：xb @ weights + bias。",
    "one number for the whole batch (everything summed) instead of a score per image":
        "整个批次只得到一个数（全部加在一起）、而不是每张图像一个得分的写法",
    "Keep one score per row: xb @ weights gives an (N, 1) column.":
        "每行保留一个得分：xb @ weights 得到一个 (N, 1) 的列。",
    "the scores already squashed by a sigmoid":
        "已经经过 sigmoid 压缩的得分",
    "linear1 returns raw scores; the sigmoid belongs in the loss (step 3), not in the model.":
        "linear1 返回的是原始得分；sigmoid 应该放在损失里（第 3 步），而不是模型里。",
    "a flat vector of N scores instead of an (N, 1) column":
        "由 N 个得分组成的一维向量、而不是 (N, 1) 列的写法",
    "Do not flatten: keep xb @ weights + bias as it is, shape (N, 1).":
        "不要展平：保持 xb @ weights + bias 原样，形状为 (N, 1)。",
    "a threshold of 0.5 on raw scores":
        "在原始得分上使用 0.5 作为阈值的写法",
    "Raw scores are split at 0.0 (0.5 is the threshold after a sigmoid): use preds > 0.0.":
        "原始得分以 0.0 为界（0.5 是经过 sigmoid 之后的阈值）：请用 preds > 0.0。",
    "the number of right answers instead of their fraction":
        "统计答对的个数、而不是答对比例的写法",
    "Take the .mean() of the agreements, not their .sum().":
        "对判断一致的结果取 .mean()，而不是 .sum()。",
    "the fraction of wrong answers":
        "计算答错比例的写法",
    "Count the rows where the verdict agrees with the label: (preds > 0.0) == (targets == 1).":
        "统计判断与标签一致的行：(preds > 0.0) == (targets == 1)。",
})
