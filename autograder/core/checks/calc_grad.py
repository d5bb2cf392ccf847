"""Checks of 04_calc_grad: calc_grad(xb, yb, model)."""
import torch
from torch import nn

from autograder.core.checks import check, known
from autograder.core.compare import expect_answer, expect_no_change_in_the_code, expect_values, fail
from autograder.core.messages import say, translations
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
            fail(say("after calc_grad, {name} is no longer a tensor of its shape", name=name))
    return got[:2]


def _expect_grads(params, case, subject, hint):
    """subject(name): what the grad of the parameter `name` is, for the details."""
    for name, got, expected in zip(NAMES, params, case.expected["grads"]):
        if got.grad is None:
            fail(say("after calc_grad, {name}.grad is None: no gradient was computed", name=name),
                 say("Call .backward() on the loss, mnist_loss(model(xb), yb)."))
        expect_values("calc_grad", subject(name), got.grad.values, expected, atol=GRAD_ATOL, hint=hint)


@check("calc_grad_sets_the_gradients", function="calc_grad", points=2, case="calc_grad")
def _(student, case):
    params = _params(student.probe(_probe_linear), case)
    for name, got, expected in zip(NAMES, params, case.expected["grads"]):
        if got.grad is None:
            fail(say("after calc_grad, {name}.grad is still None: no gradient was computed", name=name),
                 say("Call .backward() on the loss, mnist_loss(model(xb), yb)."))
        if got.grad.shape != tuple(expected.shape):
            fail(say("after calc_grad, {name}.grad does not have the shape of {name}", name=name), None,
                 say("after calc_grad(xb, yb, model), {name}.grad has shape {got}; expected "
                     "{expected}, the shape of {name}.", name=name, got=got.grad.shape,
                     expected=tuple(expected.shape)))


@check("calc_grad_matches_reference", function="calc_grad", points=3, case="calc_grad")
def _(student, case):
    _expect_grads(_params(student.probe(_probe_linear), case), case,
                  lambda name: say("after calc_grad(xb, yb, model) once, on fresh parameters, {name}.grad holds",
                                   name=name),
                  say("The gradient is that of mnist_loss(model(xb), yb): use mnist_loss, on this batch."))


@check("calc_grad_accumulates_gradients", function="calc_grad", points=2, hidden=True, case="calc_grad_twice")
def _(student, case):
    _expect_grads(_params(student.probe(_probe_linear), case), case,
                  lambda name: say("after calc_grad(xb, yb, model) twice on the same batch, {name}.grad holds",
                                   name=name),
                  say("Called twice, calc_grad must double the gradients: PyTorch adds to .grad, and "
                      "zeroing is the optimizer's job (step), not calc_grad's."))


@check("calc_grad_leaves_the_parameters_unchanged", function="calc_grad", points=1, hidden=True, case="calc_grad")
def _(student, case):
    params = _params(student.probe(_probe_linear), case)
    for name, got in zip(NAMES, params):  # only a calc_grad that computed the gradient can pass
        if not torch.equal(got.values, case.inputs[name]):
            fail(say("calc_grad changed {name}: it should only compute gradients", name=name),
                 say("Leave the update to step()."))
    _expect_grads(params, case, lambda name: say("after calc_grad(xb, yb, model) once, {name}.grad holds", name=name),
                  say("The gradient is that of mnist_loss(model(xb), yb)."))
    expect_no_change_in_the_code(student, "calc_grad")  # read from the code: the worker could hide it


@check("calc_grad_works_with_a_module", function="calc_grad", points=2, hidden=True, case="calc_grad_module")
def _(student, case):
    _expect_grads(_params(student.probe(_probe_module), case), case,
                  lambda name: say("after calc_grad(xb, yb, model) with model = nn.Linear(784, 1), "
                                   "{name}.grad holds", name=name),
                  say("Treat model as any callable: model(xb), not a formula with your own weights."))


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


translations("zh", {
    "after calc_grad, {name} is no longer a tensor of its shape": "调用 calc_grad 之后，{name} 不再是原来形状的张量",
    "after calc_grad, {name}.grad is None: no gradient was computed":
        "调用 calc_grad 之后，{name}.grad 是 None：没有算出任何梯度",
    "Call .backward() on the loss, mnist_loss(model(xb), yb).": "请对损失 mnist_loss(model(xb), yb) 调用 .backward()。",
    "after calc_grad, {name}.grad is still None: no gradient was computed":
        "调用 calc_grad 之后，{name}.grad 仍然是 None：没有算出任何梯度",
    "after calc_grad, {name}.grad does not have the shape of {name}": "调用 calc_grad 之后，{name}.grad 的形状与 {name} 不同",
    "after calc_grad(xb, yb, model), {name}.grad has shape {got}; expected {expected}, the shape of {name}.":
        "调用 calc_grad(xb, yb, model) 之后，{name}.grad 的形状是 {got}；预期是 {expected}，即 {name} 的形状。",
    # subjects of the details of expect_values: "<subject> <values>: the largest error is ..."
    "after calc_grad(xb, yb, model) once, on fresh parameters, {name}.grad holds":
        "在新的参数上调用一次 calc_grad(xb, yb, model) 之后，{name}.grad 中是",
    "after calc_grad(xb, yb, model) twice on the same batch, {name}.grad holds":
        "在同一个批次上调用两次 calc_grad(xb, yb, model) 之后，{name}.grad 中是",
    "after calc_grad(xb, yb, model) once, {name}.grad holds": "调用一次 calc_grad(xb, yb, model) 之后，{name}.grad 中是",
    "after calc_grad(xb, yb, model) with model = nn.Linear(784, 1), {name}.grad holds":
        "取 model = nn.Linear(784, 1) 调用 calc_grad(xb, yb, model) 之后，{name}.grad 中是",
    "The gradient is that of mnist_loss(model(xb), yb): use mnist_loss, on this batch.":
        "梯度应该是 mnist_loss(model(xb), yb) 的梯度：请在这个批次上使用 mnist_loss。",
    "Called twice, calc_grad must double the gradients: PyTorch adds to .grad, and "
    "zeroing is the optimizer's job (step), not calc_grad's.":
        "调用两次时，calc_grad 应该让梯度翻倍：PyTorch 会把梯度累加到 .grad 上，"
        "而清零是优化器的工作（step），不是 calc_grad 的。",
    "calc_grad changed {name}: it should only compute gradients": "calc_grad 修改了 {name}：它只应该计算梯度",
    "Leave the update to step().": "更新参数的事交给 step()。",
    "The gradient is that of mnist_loss(model(xb), yb).": "梯度应该是 mnist_loss(model(xb), yb) 的梯度。",
    "Treat model as any callable: model(xb), not a formula with your own weights.":
        "把 model 当作任意可调用对象：用 model(xb)，不要用你自己的权重写公式。",
    # known mistakes: titles read in "这正是{title}会得到的结果。{fix}"
    "the gradient of a squared error instead of mnist_loss": "用平方误差而不是 mnist_loss 求梯度的写法",
    "Measure the loss with mnist_loss(model(xb), yb): the course's loss, with its sigmoid.":
        "请用 mnist_loss(model(xb), yb) 计算损失：这是课程的损失函数，其中包含 sigmoid。",
    "accuracy used as the loss, with loss.requires_grad = True to silence the error":
        "把准确率当作损失、再用 loss.requires_grad = True 压下报错的写法",
    "Accuracy has no useful gradient (it is flat almost everywhere) and forcing requires_grad "
    "cuts it from the weights: use mnist_loss(model(xb), yb).":
        "准确率没有有用的梯度（它几乎处处平坦），强行设置 requires_grad 又会把它与权重切断："
        "请用 mnist_loss(model(xb), yb)。",
    "computing the loss without calling backward()": "只计算损失、没有调用 backward() 的写法",
    "Call loss.backward(): that is what fills every parameter's .grad.": "请调用 loss.backward()：正是它填好每个参数的 .grad。",
    "zeroing the gradients inside calc_grad with model.zero_grad()": "在 calc_grad 里用 model.zero_grad() 把梯度清零的写法",
    "model may be any function, and zeroing is the optimizer's job (step 5): calc_grad only adds "
    "this batch's gradient.":
        "model 可以是任意函数，而且清零是优化器的工作（第 5 步）：calc_grad 只负责加上这个批次的梯度。",
    "the gradient on the global training set instead of the batch given": "在全局训练集上、而不是在给定批次上求梯度的写法",
    "Use the arguments xb and yb, not train_x and train_y.": "请使用参数 xb 和 yb，而不是 train_x 和 train_y。",
    "a sigmoid applied to the model's output before mnist_loss": "在 mnist_loss 之前先对模型输出应用 sigmoid 的写法",
    "mnist_loss applies the sigmoid itself: pass it the raw scores model(xb).":
        "mnist_loss 自己会应用 sigmoid：把原始得分 model(xb) 直接传给它。",
})
