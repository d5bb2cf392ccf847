"""Checks of 03_sigmoid_loss: sigmoid(x) and mnist_loss(predictions, targets)."""
import torch

from autograder.core.checks import check, known, stands_in
from autograder.core.compare import expect_grad, expect_no_change_in_the_code, expect_repeatable, expect_tensor, fail
from autograder.core.messages import say, translations
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
                  hint=say("sigmoid(x) = 1 / (1 + exp(-x)), element by element."))


@check("sigmoid_keeps_the_shape", function="sigmoid", points=1, case="sigmoid_shapes")
def _(student, case):
    for x, expected in zip(case.inputs["xs"], case.expected["values"]):
        expect_tensor(student.call("sigmoid", x=x), expected,
                      hint=say("Work element-wise: no sum, mean, view or squeeze."))


@check("sigmoid_is_differentiable", function="sigmoid", points=1, hidden=True, case="sigmoid_grad")
def _(student, case):
    call = student.call("sigmoid", grad_wrt=("x",), **case.inputs)
    expect_tensor(call, case.expected["values"], requires_grad=True)
    expect_grad(call, "x", case.expected["grad"],
                hint=say("Use torch operations (torch.exp) on the tensor itself, not math.exp or .item()."))


@check("sigmoid_written_by_hand", function="sigmoid", points=1, hidden=True, case="sigmoid")
def _(student, case):
    expect_tensor(student.call("sigmoid", **case.inputs), case.expected["values"],  # a sigmoid, first
                  hint=say("sigmoid(x) = 1 / (1 + exp(-x)), element by element."))
    used = uses(student, "sigmoid", BUILTIN_SIGMOIDS)  # read from the code, in the grader
    if used is None:
        fail(say("the code of sigmoid could not be found: define it with `def sigmoid(x):` in its cell"))
    if used:
        fail(say("sigmoid uses {used}: this step asks you to write the formula yourself", used=used),
             say("Use 1 / (1 + torch.exp(-x))."))


@check("mnist_loss_returns_a_scalar", function="mnist_loss", points=1, case="mnist_loss",
       stand_ins=("sigmoid",))
def _(student, case):
    call = student.call("mnist_loss", **case.inputs)
    tensor = call.value.tensor
    if tensor is None or tensor.shape != ():
        if tensor:
            summary = say("mnist_loss did not return a 0-dim tensor (one number)")
            details = say("{call} returned {type} {value} of shape {shape}; expected a 0-dim tensor (one number).",
                          call=call.text, type=call.value.type, value=call.value.text, shape=tensor.shape)
        else:
            summary = say("mnist_loss returned {kind}, not a 0-dim tensor", kind=kind_of(call.value.type))
            details = say("{call} returned {type} {value}; expected a 0-dim tensor (one number).",
                          call=call.text, type=call.value.type, value=call.value.text)
        fail(summary,
             say("Take the .mean() of the per-image losses, and keep it a tensor (no .item()), "
                 "so that backward() can run through it."),
             details)


@check("mnist_loss_matches_reference", function="mnist_loss", points=2, case="mnist_loss",
       stand_ins=("sigmoid",))
def _(student, case):
    expect_tensor(student.call("mnist_loss", **case.inputs), case.expected["loss"],
                  hint=say("Squash the predictions with sigmoid, then take 1 - p where the target is 1 "
                           "and p where it is 0, and average."))


@check("mnist_loss_is_differentiable", function="mnist_loss", points=1, hidden=True, case="mnist_loss_grad",
       stand_ins=("sigmoid",))
def _(student, case):
    call = student.call("mnist_loss", grad_wrt=("predictions",), **case.inputs)
    expect_tensor(call, case.expected["loss"], requires_grad=True)
    expect_grad(call, "predictions", case.expected["grad"],
                hint=say("Keep every operation a torch operation on predictions."))


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


translations("zh", {
    "sigmoid(x) = 1 / (1 + exp(-x)), element by element.": "sigmoid(x) = 1 / (1 + exp(-x))，逐个元素计算。",
    "Work element-wise: no sum, mean, view or squeeze.": "逐个元素计算：不要用 sum、mean、view 或 squeeze。",
    "Use torch operations (torch.exp) on the tensor itself, not math.exp or .item().":
        "直接对张量本身使用 torch 运算（torch.exp），不要用 math.exp 或 .item()。",
    "the code of sigmoid could not be found: define it with `def sigmoid(x):` in its cell":
        "找不到 sigmoid 的代码：请在它自己的单元格里用 `def sigmoid(x):` 定义它",
    "sigmoid uses {used}: this step asks you to write the formula yourself":
        "sigmoid 用了 {used}：这一步要求你自己写出公式",
    "Use 1 / (1 + torch.exp(-x)).": "请用 1 / (1 + torch.exp(-x))。",
    "mnist_loss did not return a 0-dim tensor (one number)": "mnist_loss 返回的不是 0 维张量（一个数）",
    "mnist_loss returned {kind}, not a 0-dim tensor": "mnist_loss 返回了{kind}，而不是 0 维张量",
    "Take the .mean() of the per-image losses, and keep it a tensor (no .item()), "
    "so that backward() can run through it.":
        "对每张图像的损失取 .mean()，并让结果保持为张量（不要用 .item()），这样 backward() 才能经过它。",
    "{call} returned {type} {value} of shape {shape}; expected a 0-dim tensor (one number).":
        "{call} 返回了 {type} {value}，形状为 {shape}；预期是 0 维张量（一个数）。",
    "{call} returned {type} {value}; expected a 0-dim tensor (one number).":
        "{call} 返回了 {type} {value}；预期是 0 维张量（一个数）。",
    "Squash the predictions with sigmoid, then take 1 - p where the target is 1 "
    "and p where it is 0, and average.":
        "先用 sigmoid 把 predictions 压缩到 0 和 1 之间，然后在目标为 1 的位置取 1 - p，"
        "在目标为 0 的位置取 p，再求平均。",
    "Keep every operation a torch operation on predictions.": "对 predictions 的每一步运算都要用 torch 运算。",
    # known mistakes: titles read in "这正是{title}会得到的结果。{fix}"
    "1 / (1 + exp(x)), with the sign of x flipped": "1 / (1 + exp(x)) 这种把 x 的符号写反了的写法",
    "The exponent is -x: 1 / (1 + torch.exp(-x)).": "指数应该是 -x：1 / (1 + torch.exp(-x))。",
    "torch's own sigmoid instead of the formula": "直接调用 torch 自带的 sigmoid、而不是自己写公式的做法",
    "This step asks you to write it: 1 / (1 + torch.exp(-x)).": "这一步要求你自己写出公式：1 / (1 + torch.exp(-x))。",
    "math.exp, which takes one number, not a tensor": "使用 math.exp（它只接受一个数，不接受张量）的写法",
    "Use torch.exp, which works element-wise on a whole tensor.": "请用 torch.exp，它会对整个张量逐元素计算。",
    "1 / exp(-x), with the 1 + missing": "1 / exp(-x) 这种漏掉了 1 + 的写法",
    "The denominator is 1 + exp(-x).": "分母应该是 1 + exp(-x)。",
    "the loss computed on raw scores, without the sigmoid": "在原始得分上计算损失、没有经过 sigmoid 的写法",
    "Apply sigmoid to predictions first, so that every prediction is between 0 and 1.":
        "先对 predictions 应用 sigmoid，让每个预测值都落在 0 和 1 之间。",
    "the loss with its two branches swapped": "把两个分支写反了的损失",
    "Where the target is 1 the distance is 1 - p; where it is 0 it is p.":
        "目标为 1 的位置，距离是 1 - p；目标为 0 的位置，距离是 p。",
    "the sum of the distances instead of their mean": "对距离求和而不是求平均的写法",
    "Take the .mean(), so the loss does not grow with the batch size.": "请用 .mean()，这样损失就不会随批次大小而增大。",
    "the sigmoid applied twice": "把 sigmoid 应用了两次的写法",
    "Squash the raw scores once: if your model already applies a sigmoid, do not apply it again here.":
        "原始得分只需压缩一次：如果你的模型已经应用了 sigmoid，这里就不要再用一次。",
    "flattened targets against (N, 1) predictions, which broadcasting turns into an (N, N) table":
        "把展平的 targets 与形状为 (N, 1) 的 predictions 放在一起算、被广播成 (N, N) 表格的写法",
    "Keep targets and predictions the same shape, (N, 1): do not flatten or squeeze one of them.":
        "让 targets 和 predictions 保持相同的形状 (N, 1)：不要把其中一个展平或 squeeze。",
    "a Python number (.item()) instead of a tensor": "返回 Python 数（.item()）而不是张量的写法",
    "Return the 0-dim tensor itself: backward() needs it, and .item() cuts it from the gradients.":
        "直接返回这个 0 维张量本身：backward() 需要它，而 .item() 会把它从梯度计算中切断。",
})
