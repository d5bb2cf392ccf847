"""Checks of 05_step: step(params, lr) and BasicOptim(params, lr)."""
import torch

from autograder.core.checks import check, known
from autograder.core.compare import expect_answer, expect_values, fail
from autograder.core.messages import say, translations
from autograder.core.snapshot import TensorInfo, tensor_info

NAMES = ("weights", "bias")


def cases(g: torch.Generator) -> dict:
    from solutions.step import step

    def update(steps=1, as_generator=False, zero_grad=False):
        lr = round(float(torch.rand((), generator=g)) * 0.45 + 0.05, 2)
        params = [torch.randn(6, 1, generator=g), torch.randn(1, generator=g)]
        grads = [torch.randn(6, 1, generator=g), torch.randn(1, generator=g)]
        trained = [p.clone().requires_grad_() for p in params]
        for _ in range(steps):
            for p, grad in zip(trained, grads):
                p.grad = grad.clone()
            step(trained, lr)
        return {"inputs": {"params": params, "grads": grads, "lr": lr, "steps": steps,
                           "as_generator": as_generator, "zero_grad": zero_grad},
                "expected": {"params": [p.detach() for p in trained]}}

    return {"step": update(), "step_other_lr": update(), "optim": update(), "optim_zero_grad": update(zero_grad=True),
            "optim_twice": update(steps=2, as_generator=True)}


def _fresh(inputs):
    """Leaf parameters requiring grad, with the case's gradients in .grad."""
    params = [p.clone().requires_grad_() for p in inputs["params"]]
    for p, grad in zip(params, inputs["grads"]):
        p.grad = grad.clone()
    return params


def _probe_step(student, inputs):
    params = _fresh(inputs)
    student.run("step", list(params), inputs["lr"])
    return [tensor_info(p) for p in params]


def _probe_optim(student, inputs):
    """BasicOptim over our parameters: `steps` steps (gradients set again before each), then
    zero_grad() if asked."""
    params = _fresh(inputs)
    given = (p for p in params) if inputs["as_generator"] else list(params)
    optimizer = student.run("BasicOptim", given, inputs["lr"])
    for i in range(inputs["steps"]):
        for p, grad in zip(params, inputs["grads"]):
            if i:
                p.grad = grad.clone()
        with student.blame("BasicOptim.step"):
            optimizer.step()
    if inputs["zero_grad"]:
        with student.blame("BasicOptim.zero_grad"):
            optimizer.zero_grad()
    return [tensor_info(p) for p in params]


def _params(student, probe, case, function):
    got = expect_answer(function, student.probe(probe), [TensorInfo, TensorInfo])
    for name, info, before in zip(NAMES, got, case.inputs["params"]):
        if info.values is None or info.shape != tuple(before.shape):
            fail(say("after {function}, {name} is no longer a tensor of its shape", function=function, name=name),
                 say("Update the values in place (p.data -= ...), do not replace them."))
    return got


def _expect_updated(got, case, what, function):
    lr = case.inputs["lr"]
    for name, info, before, grad, expected in zip(NAMES, got, case.inputs["params"], case.inputs["grads"],
                                                  case.expected["params"]):
        if torch.allclose(info.values, before):
            fail(say("after {what}, {name} still holds its old values: nothing was updated", what=what, name=name),
                 say("If you wrote p = p - lr * p.grad, that only gives the name p a new tensor; "
                     "change the tensor itself, e.g. p.data -= lr * p.grad (or p -= ... inside "
                     "torch.no_grad())."))
        expect_values(function, say("after {what} with lr={lr}, {name} holds", what=what, lr=lr, name=name),
                      info.values, expected,
                      hint=_step_hint(info.values, before, grad, lr))


def _step_hint(got, before, grad, lr):
    for hint, value in ((say("Your update gives p + lr * p.grad (a step uphill); the update is p - lr * p.grad, "
                             "once."), before + lr * grad),
                        (say("Your update gives p - p.grad (lr is ignored); the update is p - lr * p.grad, once."),
                         before - grad),
                        (say("Your update gives p - lr * p.grad applied twice; the update is p - lr * p.grad, "
                             "once."), before - 2 * lr * grad)):
        if torch.allclose(got, value, atol=1e-5):
            return hint
    return say("The update is p <- p - lr * p.grad.")


def _expect_grads_reset(got, what):
    for name, info in zip(NAMES, got):
        if info.grad is not None and (info.grad.values is None or info.grad.values.abs().max() > 0):
            fail(say("after {what}, {name}.grad still holds the old gradient", what=what, name=name),
                 say("Zero it after the update (p.grad.zero_() or p.grad = None): it must be zero or "
                     "None, or the next batch's gradient is added to it."))


@check("step_updates_the_parameters_in_place", function="step", points=3, case="step")
def _(student, case):
    _expect_updated(_params(student, _probe_step, case, "step"), case, "step(params, lr)", "step")


@check("step_resets_the_gradients", function="step", points=1, case="step")
def _(student, case):
    _expect_grads_reset(_params(student, _probe_step, case, "step"), "step(params, lr)")


@check("step_keeps_the_parameters_trainable", function="step", points=1, hidden=True, case="step")
def _(student, case):
    got = _params(student, _probe_step, case, "step")
    for name, info in zip(NAMES, got):
        if not (info.is_leaf and info.requires_grad):
            fail(say("after step, {name} is no longer a leaf that requires grad, so the next backward() "
                     "cannot reach it", name=name),
                 say("Update the values in place (p.data -= ...), do not replace or detach them."))
    _expect_updated(got, case, "step(params, lr)", "step")  # trainable, and trained


@check("step_uses_the_learning_rate", function="step", points=1, hidden=True, case="step_other_lr")
def _(student, case):
    _expect_updated(_params(student, _probe_step, case, "step"), case, "step(params, lr)", "step")


@check("BasicOptim_step_updates_the_parameters", function="BasicOptim", points=2, case="optim")
def _(student, case):
    got = _params(student, _probe_optim, case, "BasicOptim")
    _expect_updated(got, case, "BasicOptim(params, lr).step()", "BasicOptim")
    for name, info in zip(NAMES, got):
        if info.grad is None or (info.grad.values is not None and not info.grad.values.any()):
            fail(say("BasicOptim.step also reset {name}.grad: step and zero_grad are separate", name=name),
                 say("Leave the gradients to zero_grad(): a loop calls step(), then zero_grad(), as with "
                     "PyTorch's optimizers."))


@check("BasicOptim_zero_grad_resets_the_gradients", function="BasicOptim", points=1, case="optim_zero_grad")
def _(student, case):
    _expect_grads_reset(_params(student, _probe_optim, case, "BasicOptim"), "BasicOptim(params, lr).zero_grad()")


@check("BasicOptim_accepts_a_generator", function="BasicOptim", points=1, hidden=True, case="optim_twice")
def _(student, case):
    got = _params(student, _probe_optim, case, "BasicOptim")
    hint = say("model.parameters() is a generator: it can be iterated once. Keep the parameters "
               "as a list in __init__ (self.params = list(params)).")
    for name, info, expected in zip(NAMES, got, case.expected["params"]):
        expect_values("BasicOptim", say("BasicOptim(a generator of params, lr={lr}), stepped twice: {name} holds",
                                        lr=case.inputs["lr"], name=name), info.values, expected, hint=hint)


known("new_tensor_instead_of_update", "step",
      "making a new tensor (p = p - lr * p.grad, or a new one in the list) instead of changing the parameter",
      "That only gives a name or a list slot a new tensor; the model's parameter never moves. Change "
      "it in place: p.data -= lr * p.grad (or p -= lr * p.grad inside torch.no_grad()).", '''
def step(params, lr):
    for p in params:
        p = p - lr * p.grad
''', module=__name__)
known("no_zeroing", "step", "an update that never resets the gradients",
      "After updating, zero each gradient (p.grad.zero_() or p.grad = None), or the next batch's "
      "gradient is added to this one.", '''
def step(params, lr):
    for p in params:
        p.data -= lr * p.grad
''', module=__name__)
known("zero_before_update", "step", "zeroing the gradient before using it",
      "Update first, then zero: a zeroed gradient moves nothing.", '''
def step(params, lr):
    for p in params:
        p.grad.zero_()
        p.data -= lr * p.grad
''', module=__name__)
known("gradient_ascent", "step", "a step uphill (p + lr * p.grad)",
      "Move against the gradient: p - lr * p.grad.", '''
def step(params, lr):
    for p in params:
        p.data += lr * p.grad
        p.grad.zero_()
''', module=__name__)
known("ignores_lr", "step", "a step that ignores the learning rate (p - p.grad)",
      "Scale the gradient by lr: p - lr * p.grad.", '''
def step(params, lr):
    for p in params:
        p.data -= p.grad
        p.grad.zero_()
''', module=__name__)
known("update_under_autograd", "step",
      "an in-place update of a parameter while autograd is recording",
      "Do the update where autograd does not record it: p.data -= lr * p.grad, or inside "
      "with torch.no_grad():.", '''
def step(params, lr):
    for p in params:
        p -= lr * p.grad
        p.grad.zero_()
''', module=__name__)
known("stores_the_generator", "BasicOptim", "keeping params as given, a generator that runs out after one pass",
      "Keep a list: self.params = list(params).", '''
class BasicOptim:
    def __init__(self, params, lr):
        self.params, self.lr = params, lr

    def step(self):
        for p in self.params:
            p.data -= self.lr * p.grad

    def zero_grad(self):
        for p in self.params:
            p.grad = None
''', module=__name__)
known("optimizer_ignores_lr", "BasicOptim", "an optimizer whose step ignores the learning rate",
      "Scale by self.lr: p.data -= self.lr * p.grad.", '''
class BasicOptim:
    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def step(self):
        for p in self.params:
            p.data -= p.grad

    def zero_grad(self):
        for p in self.params:
            p.grad = None
''', module=__name__)
known("optimizer_step_zeroes_too", "BasicOptim", "an optimizer whose step also resets the gradients",
      "Reset them in zero_grad only: step updates, zero_grad resets, and a loop calls both.", '''
class BasicOptim:
    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def step(self):
        for p in self.params:
            p.data -= self.lr * p.grad
            p.grad = None

    def zero_grad(self):
        for p in self.params:
            p.grad = None
''', module=__name__)
known("optimizer_zero_grad_does_nothing", "BasicOptim", "a zero_grad that leaves the gradients as they are",
      "Reset every gradient in zero_grad: p.grad = None, or p.grad.zero_().", '''
class BasicOptim:
    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def step(self):
        for p in self.params:
            p.data -= self.lr * p.grad

    def zero_grad(self):
        for p in self.params:
            p.grad
''', module=__name__)


translations("zh", {
    "after {function}, {name} is no longer a tensor of its shape":
        "{function} 运行之后，{name} 不再是原来形状的张量",
    "Update the values in place (p.data -= ...), do not replace them.":
        "原地更新它的值（p.data -= ...），不要换成新的张量。",
    "after {what}, {name} still holds its old values: nothing was updated":
        "{what} 之后，{name} 仍是原来的值：什么都没有更新",
    "If you wrote p = p - lr * p.grad, that only gives the name p a new tensor; "
    "change the tensor itself, e.g. p.data -= lr * p.grad (or p -= ... inside "
    "torch.no_grad()).":
        "如果你写的是 p = p - lr * p.grad，那只是让名字 p 指向一个新张量；要修改的是张量本身，"
        "例如 p.data -= lr * p.grad（或在 torch.no_grad() 中写 p -= ...）。",
    "after {what} with lr={lr}, {name} holds":
        "以 lr={lr} 执行 {what} 之后，{name} 中是",
    "Your update gives p + lr * p.grad (a step uphill); the update is p - lr * p.grad, once.":
        "你的更新得到的是 p + lr * p.grad（朝上坡走了一步）；正确的更新是 p - lr * p.grad，只做一次。",
    "Your update gives p - p.grad (lr is ignored); the update is p - lr * p.grad, once.":
        "你的更新得到的是 p - p.grad（忽略了 lr）；正确的更新是 p - lr * p.grad，只做一次。",
    "Your update gives p - lr * p.grad applied twice; the update is p - lr * p.grad, once.":
        "你的更新相当于把 p - lr * p.grad 做了两次；正确的更新是 p - lr * p.grad，只做一次。",
    "The update is p <- p - lr * p.grad.":
        "更新公式是 p <- p - lr * p.grad。",
    "after {what}, {name}.grad still holds the old gradient":
        "{what} 之后，{name}.grad 仍保留着旧的梯度",
    "Zero it after the update (p.grad.zero_() or p.grad = None): it must be zero or "
    "None, or the next batch's gradient is added to it.":
        "更新之后把它清零（p.grad.zero_() 或 p.grad = None）：它必须是零或 None，"
        "否则下一个批次的梯度会累加到它上面。",
    "after step, {name} is no longer a leaf that requires grad, so the next backward() "
    "cannot reach it":
        "step 之后，{name} 不再是 requires_grad 的叶子张量，下一次 backward() 就传不到它了",
    "Update the values in place (p.data -= ...), do not replace or detach them.":
        "原地更新它们的值（p.data -= ...），不要替换它们，也不要 detach。",
    "BasicOptim.step also reset {name}.grad: step and zero_grad are separate":
        "BasicOptim.step 把 {name}.grad 也清零了：step 和 zero_grad 应该各管各的",
    "Leave the gradients to zero_grad(): a loop calls step(), then zero_grad(), as with "
    "PyTorch's optimizers.":
        "把梯度交给 zero_grad() 处理：和 PyTorch 的优化器一样，训练循环先调用 step()，再调用 zero_grad()。",
    "model.parameters() is a generator: it can be iterated once. Keep the parameters "
    "as a list in __init__ (self.params = list(params)).":
        "model.parameters() 是一个生成器，只能遍历一次。请在 __init__ 中把参数存成列表"
        "（self.params = list(params)）。",
    "BasicOptim(a generator of params, lr={lr}), stepped twice: {name} holds":
        "用参数的生成器和 lr={lr} 创建 BasicOptim 并执行两次 step 之后，{name} 中是",
    # known mistakes: titles (read in "这正是{title}会得到的结果。") and fixes
    "making a new tensor (p = p - lr * p.grad, or a new one in the list) instead of changing the parameter":
        "新建一个张量（p = p - lr * p.grad，或在列表里换上新张量）、而不去修改参数本身的写法",
    "That only gives a name or a list slot a new tensor; the model's parameter never moves. Change "
    "it in place: p.data -= lr * p.grad (or p -= lr * p.grad inside torch.no_grad()).":
        "这只是让一个名字或列表中的一个位置指向新张量，模型的参数根本没有动。要原地修改它："
        "p.data -= lr * p.grad（或在 torch.no_grad() 中写 p -= lr * p.grad）。",
    "an update that never resets the gradients":
        "从不清零梯度的更新",
    "After updating, zero each gradient (p.grad.zero_() or p.grad = None), or the next batch's "
    "gradient is added to this one.":
        "更新之后把每个梯度清零（p.grad.zero_() 或 p.grad = None），否则下一个批次的梯度会累加到这次的梯度上。",
    "zeroing the gradient before using it":
        "还没用梯度就先把它清零的写法",
    "Update first, then zero: a zeroed gradient moves nothing.":
        "先更新，再清零：清零后的梯度什么也移动不了。",
    "a step uphill (p + lr * p.grad)":
        "朝上坡走一步的更新（p + lr * p.grad）",
    "Move against the gradient: p - lr * p.grad.":
        "要沿梯度的反方向走：p - lr * p.grad。",
    "a step that ignores the learning rate (p - p.grad)":
        "忽略学习率的更新（p - p.grad）",
    "Scale the gradient by lr: p - lr * p.grad.":
        "用 lr 缩放梯度：p - lr * p.grad。",
    "an in-place update of a parameter while autograd is recording":
        "在 autograd 记录计算时原地更新参数的写法",
    "Do the update where autograd does not record it: p.data -= lr * p.grad, or inside "
    "with torch.no_grad():.":
        "在 autograd 不记录的地方做更新：p.data -= lr * p.grad，或放在 with torch.no_grad(): 之中。",
    "keeping params as given, a generator that runs out after one pass":
        "直接保存传入的 params（一个遍历一次就耗尽的生成器）的写法",
    "Keep a list: self.params = list(params).":
        "保存成列表：self.params = list(params)。",
    "an optimizer whose step ignores the learning rate":
        "一个 step 忽略学习率的优化器",
    "Scale by self.lr: p.data -= self.lr * p.grad.":
        "用 self.lr 缩放：p.data -= self.lr * p.grad。",
    "an optimizer whose step also resets the gradients":
        "一个 step 还顺带清零梯度的优化器",
    "Reset them in zero_grad only: step updates, zero_grad resets, and a loop calls both.":
        "只在 zero_grad 中清零梯度：step 负责更新，zero_grad 负责清零，训练循环两个都会调用。",
    "a zero_grad that leaves the gradients as they are":
        "一个不改动梯度的 zero_grad 方法",
    "Reset every gradient in zero_grad: p.grad = None, or p.grad.zero_().":
        "在 zero_grad 中重置每个梯度：p.grad = None，或 p.grad.zero_()。",
})
