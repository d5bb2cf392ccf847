"""Checks of 01_init: init_params(size, std=1.0)."""
import torch

from autograder.core.checks import check, known
from autograder.core.compare import expect_autograd, expect_tensor, expect_tensor_like, fail


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
                           hint="Pass size straight to torch.randn, which takes an int or a tuple.")


@check("init_params_is_normal_with_std", function="init_params", points=2, case="normal")
def _(student, case):
    size, std = case.inputs["size"], case.inputs["std"]
    call = student.call("init_params", seed=case.inputs["seed"], size=size, std=std)
    values = expect_tensor_like(call, "torch.float32", _shape(size)).values
    if values is None:
        fail("init_params returned a tensor without values (on the meta device)")
    mean, spread = values.mean().item(), values.std().item()
    outside = (values.abs() > 2 * std).float().mean().item()  # beyond 2 std: 4.6% for a normal
    if not (abs(mean) < 0.03 * std and abs(spread - std) < 0.05 * std and 0.03 < outside < 0.065):
        hint = "Draw with torch.randn (a normal distribution) and multiply by std."
        if values.min() >= 0:
            hint = "torch.rand draws from [0, 1) uniformly; use torch.randn for a normal distribution."
        elif abs(spread - 1.0) < 0.05:
            hint = "The standard deviation is 1: multiply the draw by std."
        fail("init_params does not draw from a normal distribution with the std it is given", hint,
             f"{call.text} returned values with mean {mean:.3f} and standard deviation {spread:.3f}, "
             f"{outside:.1%} of them beyond 2 std; a normal distribution with std {std:g} has mean "
             f"about 0, standard deviation about {std:g}, and about 4.6% beyond 2 std.")


@check("init_params_draws_from_torch_global_generator", function="init_params", points=2,
       hidden=True, case="default_std")
def _(student, case):
    call = student.call("init_params", seed=case.inputs["seed"], size=case.inputs["size"])
    expect_tensor(call, case.expected["values"], atol=1e-6,
                  hint="After torch.manual_seed(seed), init_params(size) should return exactly "
                       "torch.randn(size) * std: draw once with torch's global generator, and use "
                       "std=1.0 by default.")


@check("init_params_scales_by_std", function="init_params", points=2, hidden=True, case="given_std")
def _(student, case):
    call = student.call("init_params", seed=case.inputs["seed"], size=case.inputs["size"], std=case.inputs["std"])
    expect_tensor(call, case.expected["values"], atol=1e-6,
                  hint="Multiply a standard normal draw by std: torch.randn(size) * std.")


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
