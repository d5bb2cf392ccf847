"""Checks of 01_init: init_params(size, std=1.0)."""
import torch

from autograder.core.checks import check, known
from autograder.core.compare import expect_autograd, expect_tensor, expect_tensor_like, fail
from autograder.core.messages import say, translations


def cases(g: torch.Generator) -> dict:
    from solutions.init import init_params

    def number(low: int, high: int) -> int:
        return int(torch.randint(low, high, (), generator=g))

    def drawn(size, std=None):
        seed = number(0, 2**31)
        torch.manual_seed(seed)
        values = init_params(size) if std is None else init_params(size, std)
        return {"inputs": {"size": size, "std": std, "seed": seed}, "expected": {"values": values.detach()}}

    return {
        "shape": {"inputs": {"size": (number(300, 1000), 1)}, "expected": {}},
        "sizes": {"inputs": {"sizes": [number(2, 12), (number(2, 6), number(2, 6)), 1]}, "expected": {}},
        "normal": {"inputs": {"size": (20_000,), "std": number(30, 200) / 100, "seed": number(0, 2**31)},
                   "expected": {}},
        "default_std": drawn((784, 1)),
        "given_std": drawn((number(20, 60), 3), number(5, 50) / 100),
    }


def _shape(size) -> tuple:
    return (size,) if isinstance(size, int) else tuple(size)


@check("init_params_returns_float32_tensor", function="init_params", points=1, case="shape")
def _(student, case):
    size = case.inputs["size"]
    expect_tensor_like(student.call("init_params", size=size), "torch.float32", _shape(size))


@check("init_params_is_a_leaf_that_requires_grad", function="init_params", points=2, case="shape")
def _(student, case):
    size = case.inputs["size"]
    call = student.call("init_params", size=size)
    expect_tensor_like(call, "torch.float32", _shape(size))
    expect_autograd(call, requires_grad=True, leaf=True)


@check("init_params_takes_an_int_or_a_tuple", function="init_params", points=1, case="sizes")
def _(student, case):
    for size in case.inputs["sizes"]:
        expect_tensor_like(student.call("init_params", size=size), "torch.float32", _shape(size),
                           hint=say("Pass size straight to torch.randn, which takes an int or a tuple."))


@check("init_params_is_normal_with_std", function="init_params", points=2, case="normal")
def _(student, case):
    size, std = case.inputs["size"], case.inputs["std"]
    call = student.call("init_params", seed=case.inputs["seed"], size=size, std=std)
    values = expect_tensor_like(call, "torch.float32", _shape(size)).values
    if values is None:
        fail(say("init_params returned a tensor without values (on the meta device)"))
    mean, spread = values.mean().item(), values.std().item()
    outside = (values.abs() > 2 * std).float().mean().item()  # beyond 2 std: 4.6% for a normal
    if not (abs(mean) < 0.03 * std and abs(spread - std) < 0.05 * std and 0.03 < outside < 0.065):
        hint = say("Draw with torch.randn (a normal distribution) and multiply by std.")
        if values.min() >= 0:
            hint = say("torch.rand draws from [0, 1) uniformly; use torch.randn for a normal distribution.")
        elif abs(spread - 1.0) < 0.05:
            hint = say("The standard deviation is 1: multiply the draw by std.")
        fail(say("init_params does not draw from a normal distribution with the std it is given"), hint,
             say("{call} returned values with mean {mean:.3f} and standard deviation {spread:.3f}, "
                 "{outside:.1%} of them beyond 2 std; a normal distribution with std {std:g} has mean "
                 "about 0, standard deviation about {std:g}, and about 4.6% beyond 2 std.",
                 call=call.text, mean=mean, spread=spread, outside=outside, std=std))


@check("init_params_draws_from_torch_global_generator", function="init_params", points=2,
       hidden=True, case="default_std")
def _(student, case):
    call = student.call("init_params", seed=case.inputs["seed"], size=case.inputs["size"])
    expect_tensor(call, case.expected["values"], atol=1e-6,
                  hint=say("After torch.manual_seed(seed), init_params(size) should return exactly "
                           "torch.randn(size) * std: draw once with torch's global generator, and use "
                           "std=1.0 by default."))


@check("init_params_scales_by_std", function="init_params", points=2, hidden=True, case="given_std")
def _(student, case):
    call = student.call("init_params", seed=case.inputs["seed"], size=case.inputs["size"], std=case.inputs["std"])
    expect_tensor(call, case.expected["values"], atol=1e-6,
                  hint=say("Multiply a standard normal draw by std: torch.randn(size) * std."))


# Known mistakes of init_params, each with what it looks like and the fix.
known("requires_grad_before_scaling", "init_params",
      "asking for gradients before scaling by std (the result is computed, not a leaf)",
      "Scale first and call requires_grad_() last: (torch.randn(size) * std).requires_grad_().", '''
def init_params(size, std=1.0):
    return torch.randn(size).requires_grad_() * std
''', module=__name__)
known("uniform_instead_of_normal", "init_params",
      "a uniform draw in [0, 1) (torch.rand) instead of a normal one",
      "Use torch.randn, which draws from a normal distribution with mean 0.", '''
def init_params(size, std=1.0):
    return (torch.rand(size) * std).requires_grad_()
''', module=__name__)
known("ignores_std", "init_params",
      "a draw that ignores std (its standard deviation is always 1)",
      "Multiply the draw by std.", '''
def init_params(size, std=1.0):
    return torch.randn(size).requires_grad_()
''', module=__name__)
known("no_requires_grad", "init_params",
      "a tensor without requires_grad=True (nothing can learn from it)",
      "End with .requires_grad_(), so that backward() computes its gradient.", '''
def init_params(size, std=1.0):
    return torch.randn(size) * std
''', module=__name__)
known("numpy_draw", "init_params",
      "a NumPy draw (float64, and torch.manual_seed does not control it)",
      "Draw with torch.randn, which gives float32 and follows torch.manual_seed.", '''
def init_params(size, std=1.0):
    import numpy as np
    return torch.tensor(np.random.randn(*((size,) if isinstance(size, int) else size)) * std,
                        requires_grad=True)
''', module=__name__)

translations("zh", {
    "Pass size straight to torch.randn, which takes an int or a tuple.":
        "把 size 直接传给 torch.randn，它既接受 int 也接受元组。",
    "init_params returned a tensor without values (on the meta device)":
        "init_params 返回了一个没有数值的张量（在 meta 设备上）",
    "Draw with torch.randn (a normal distribution) and multiply by std.":
        "用 torch.randn（正态分布）抽样，再乘以 std。",
    "torch.rand draws from [0, 1) uniformly; use torch.randn for a normal distribution.":
        "torch.rand 是在 [0, 1) 上均匀抽样；要得到正态分布，请用 torch.randn。",
    "The standard deviation is 1: multiply the draw by std.":
        "标准差是 1：请把抽样结果乘以 std。",
    "init_params does not draw from a normal distribution with the std it is given":
        "init_params 没有从标准差为所给 std 的正态分布中抽样",
    "{call} returned values with mean {mean:.3f} and standard deviation {spread:.3f}, "
    "{outside:.1%} of them beyond 2 std; a normal distribution with std {std:g} has mean "
    "about 0, standard deviation about {std:g}, and about 4.6% beyond 2 std.":
        "{call} 返回的值均值为 {mean:.3f}，标准差为 {spread:.3f}，其中 {outside:.1%} 超出 2 倍 std；"
        "而标准差为 {std:g} 的正态分布，均值约为 0，标准差约为 {std:g}，约 4.6% 的值超出 2 倍 std。",
    "After torch.manual_seed(seed), init_params(size) should return exactly "
    "torch.randn(size) * std: draw once with torch's global generator, and use "
    "std=1.0 by default.":
        "执行 torch.manual_seed(seed) 之后，init_params(size) 应当恰好返回 torch.randn(size) * std："
        "用 torch 的全局随机数生成器只抽样一次，并让 std 默认为 1.0。",
    "Multiply a standard normal draw by std: torch.randn(size) * std.":
        "把标准正态分布的抽样结果乘以 std：torch.randn(size) * std。",
    # Known mistakes: titles read in "这正是{title}会得到的结果。{fix}".
    "asking for gradients before scaling by std (the result is computed, not a leaf)":
        "先要求梯度、再乘以 std 的写法（结果是计算出来的张量，不是叶子张量）",
    "Scale first and call requires_grad_() last: (torch.randn(size) * std).requires_grad_().":
        "先缩放，最后再调用 requires_grad_()：(torch.randn(size) * std).requires_grad_()。",
    "a uniform draw in [0, 1) (torch.rand) instead of a normal one":
        "在 [0, 1) 上均匀抽样（torch.rand）而不是正态抽样的写法",
    "Use torch.randn, which draws from a normal distribution with mean 0.":
        "请用 torch.randn，它从均值为 0 的正态分布中抽样。",
    "a draw that ignores std (its standard deviation is always 1)":
        "忽略了 std 的抽样（标准差总是 1）",
    "Multiply the draw by std.":
        "请把抽样结果乘以 std。",
    "a tensor without requires_grad=True (nothing can learn from it)":
        "没有设置 requires_grad=True 的张量（这样什么也学不到）",
    "End with .requires_grad_(), so that backward() computes its gradient.":
        "最后加上 .requires_grad_()，这样 backward() 才会计算它的梯度。",
    "a NumPy draw (float64, and torch.manual_seed does not control it)":
        "用 NumPy 抽样的写法（得到 float64，而且不受 torch.manual_seed 控制）",
    "Draw with torch.randn, which gives float32 and follows torch.manual_seed.":
        "请用 torch.randn 抽样，它给出 float32，并且受 torch.manual_seed 控制。",
})
