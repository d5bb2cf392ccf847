"""Compare what a student's function returned with the reference, in layers.

The layers come in the order a student should fix them: type, dtype, shape,
autograd state, values, side effects. The first layer that fails raises
`Mismatch`, in three parts:

- `summary`: one short line in the grader's own words (what went wrong, never a value,
  an input or an expected result), so it can be shown for any check, graded or not;
- `hint`: what to try;
- `details`: what was called, with what, what came back, what was expected, and where
  the values differ. Shown only when the inputs are public (`autograder.isolation.runner`).
"""
from __future__ import annotations

import math

import torch

from autograder.core.snapshot import Call, TensorInfo, short_text
from autograder.core.student_side import kind_of

ATOL, RTOL = 1e-5, 1e-4


class Mismatch(AssertionError):
    """A check failed: a summary, a hint at the likely cause, the details (all for the student)."""

    background = None  # nothing shown in every mode but the summary and the hint

    def __init__(self, summary: str, hint: str | None = None, details: str | None = None):
        super().__init__(summary)
        self.summary, self.hint, self.details = summary, hint, details


def fail(summary: str, hint: str | None = None, details: str | None = None):
    raise Mismatch(summary, hint, details)


def expect_tensor(
    call: Call,
    expected: torch.Tensor,
    *,
    requires_grad: bool | None = None,
    leaf: bool | None = None,
    atol: float = ATOL,
    rtol: float = RTOL,
    hint: str | None = None,
) -> TensorInfo:
    """Type, dtype, shape, autograd state, then values of `call.value`."""
    t = expect_tensor_like(call, str(expected.dtype), tuple(expected.shape), hint=hint)
    expect_autograd(call, requires_grad=requires_grad, leaf=leaf)
    expect_values(call.name, f"{call.text} returned", t.values, expected, atol=atol, rtol=rtol, hint=hint)
    return t


def expect_tensor_like(call: Call, dtype: str, shape: tuple, *, hint: str | None = None) -> TensorInfo:
    """The first layers only: a tensor, of this dtype ('torch.float32') and shape."""
    got = call.value
    if got.tensor is None:
        fail(f"{call.name} returned {kind_of(got.type)}, not a tensor", hint,
             f"{call.text} returned {got.type} {got.text}; expected a torch.Tensor.")
    t = got.tensor
    if t.dtype != dtype:
        fail(f"{call.name} returned a {_dtype(t.dtype)} tensor; expected {_dtype(dtype)}",
             _dtype_hint(t.dtype) or hint, f"{call.text} returned a tensor of dtype {t.dtype}; expected {dtype}.")
    if t.shape != shape:
        fail(f"{call.name} returned a tensor of the wrong shape", hint,
             f"{call.text} returned a tensor of shape {_shape(t.shape)}; expected shape {_shape(shape)}.")
    return t


def expect_shape(what: str, info: TensorInfo | None, shape: tuple, dtype: str = "torch.float32") -> torch.Tensor:
    """`info` is a tensor of this shape and dtype, with finite values: the values, for the grader
    to compute with. what: 'the trained weights'."""
    if info is None or info.values is None or info.dtype != dtype or info.shape != shape:
        got = "nothing" if info is None else f"a {_dtype(info.dtype)} tensor of shape {_shape(info.shape)}"
        fail(f"{what} are not a {_dtype(dtype)} tensor of shape {_shape(shape)}", None,
             f"{what} are {got}; expected shape {_shape(shape)}.")
    if not torch.isfinite(info.values).all():
        fail(f"{what} hold nan or infinite values", "Look for a division by zero or an overflow.")
    return info.values


def expect_answer(function: str, got, pattern):
    """What a probe sent back has the form of `pattern` (a type or a tuple of types; a list of
    patterns for a list or tuple of that length; a dict of patterns), else a Mismatch: the
    worker is the student's, and a check reads only answers of the form it asked for."""
    if not _matches(got, pattern):
        fail(f"what {function} gave back could not be read",
             "Did your code change the autograder's own functions? Only your functions may run.")
    return got


def _matches(got, pattern) -> bool:
    if isinstance(pattern, list):
        return isinstance(got, (list, tuple)) and len(got) == len(pattern) and all(map(_matches, got, pattern))
    if isinstance(pattern, dict):
        return isinstance(got, dict) and set(got) == set(pattern) and all(_matches(got[k], p) for k, p in pattern.items())
    return isinstance(got, pattern) and not (pattern in (int, float) and isinstance(got, bool))


def expect_autograd(call: Call, *, requires_grad: bool | None = None, leaf: bool | None = None) -> None:
    t = call.value.tensor
    if requires_grad is True and not t.requires_grad:
        fail(f"{call.name} returned a tensor that does not require grad",
             "Did you detach it, use .data, or compute it under torch.no_grad()? Then no gradient can "
             "flow through it.")
    if requires_grad is False and t.requires_grad:
        fail(f"{call.name} returned a tensor that requires grad; expected a plain tensor")
    if leaf is True and not t.is_leaf:
        fail(f"{call.name} returned a tensor that is not a leaf, so an optimizer cannot update it",
             "Call requires_grad_() last, after any arithmetic (such as * std).",
             f"{call.text} returned a tensor computed by {t.grad_fn} from another tensor.")


def expect_values(name: str, subject: str, got: torch.Tensor | None, expected: torch.Tensor, *,
                  atol: float = ATOL, rtol: float = RTOL, hint: str | None = None) -> None:
    """Values within atol + rtol * |expected|, naming the largest error and its place.

    name: the function ('mnist_loss'); subject: what `got` is, for the details
    ("mnist_loss(...) returned" or "after calc_grad(...), weights.grad is").
    """
    if got is None:
        fail(f"{name} returned a tensor without values (on the meta device, or too large)", hint)
    got, expected = got.double(), expected.detach().double()
    if got.shape != expected.shape:
        fail(f"{name} gives values of the wrong shape", hint,
             f"{subject} values of shape {_shape(tuple(got.shape))}; expected shape {_shape(tuple(expected.shape))}.")
    if not torch.isfinite(got).all() and torch.isfinite(expected).all():
        index = _index(torch.nonzero(~torch.isfinite(got))[0])
        fail(f"{name} gives nan or infinite values", hint or "Look for a division by zero or an overflow.",
             f"{subject} {got[index].item()} at {index}, where {expected[index].item():.6g} was expected.")
    error = (got - expected).abs().nan_to_num(nan=math.inf)
    too_far = error > atol + rtol * expected.abs()
    if too_far.any():
        worst = _index(torch.nonzero(error == error.max())[0])
        place = f" at index {worst}" if got.dim() else ""
        shown = (f"{short_text(got.float())}, but {short_text(expected.float())} was expected"
                 if got.numel() <= 6 else "values that differ from the expected ones")
        fail(f"{name} gives wrong values", hint,
             f"{subject} {shown}: the largest error is {error[worst].item():.3g}{place} (got "
             f"{got[worst].item():.6g}, expected {expected[worst].item():.6g}; tolerance "
             f"{atol:g} + {rtol:g}*|expected|).")


def expect_grad(call: Call, name: str, expected: torch.Tensor, *, atol: float = ATOL,
                hint: str | None = None) -> None:
    """After `result.sum().backward()`, the input `name` holds the expected gradient."""
    grad = call.inputs[name].tensor.grad if name in call.inputs and call.inputs[name].tensor else None
    if grad is None:
        fail(f"no gradient reached {name} through the result of {call.name}", hint)
    expect_values(call.name, f"{call.text} returned a result whose gradient with respect to {name} is",
                  grad.values, expected, atol=atol, hint=hint)


def expect_number(call: Call, expected: float, *, atol: float = 1e-6, hint: str | None = None) -> float:
    """A Python number or a one-element tensor, close to `expected`."""
    got = call.value.as_float()
    if got is None:
        fail(f"{call.name} returned {kind_of(call.value.type)}, not a number", hint,
             f"{call.text} returned {call.value.type} {call.value.text}; expected a number "
             "(a float, or a tensor with one element).")
    if not math.isclose(got, expected, rel_tol=0, abs_tol=atol):
        fail(f"{call.name} returned a wrong number", hint, f"{call.text} returned {got:.6g}; expected {expected:.6g}.")
    return got


def expect_no_change_in_the_code(student, function: str) -> None:
    """Read from the student's source, in the grader: no statement of `function` changes its
    arguments in place. (What the worker reports could hide such a change; the code cannot.)"""
    from autograder.core.source import changes_inputs

    found = changes_inputs(student, function)
    if found is None:
        fail(f"the code of {function} could not be found: define it with `def {function}(...)` in its cell")
    if found:
        fail(f"{function} changes its inputs in place: {found}",
             "Use out-of-place operations (x = x + 1, not x += 1 or x.add_(1)); a function that "
             "predicts or measures must leave its inputs as they were.")


def expect_repeatable(first: Call, second: Call, expected: torch.Tensor, inputs: dict, **tolerance) -> None:
    """Called twice on the very same tensors, the function gives the expected result both times,
    and the tensors it was given hold what they held before (`inputs`, the case's): a function
    that changes its inputs in place gives itself other inputs the second time."""
    expect_tensor(first, expected, **tolerance)
    for name, before in inputs.items():
        after = first.inputs.get(name)
        info = after.tensor if after is not None else None
        if isinstance(before, torch.Tensor) and not (  # (values too many to send back are not compared)
                info is not None and info.shape == tuple(before.shape) and str(before.dtype) == info.dtype
                and (info.values is None or _same(info.values, before.detach()))):
            fail(f"{first.name} changes its inputs in place: {name} holds other values after the call",
                 "Use out-of-place operations (x = x + 1, not x += 1 or x.add_(1)); a function that "
                 "predicts or measures must leave its inputs as they were.")
    try:
        expect_tensor(second, expected, **tolerance)
    except Mismatch as mismatch:
        fail(f"{second.name} gave another result when called again on the same tensors: it changes "
             "its inputs in place", "Use out-of-place operations (x = x + 1, not x += 1 or x.add_(1)); a "
             "function that predicts or measures must leave its inputs as they were.", mismatch.details)


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Exactly the same values, NaN where NaN was."""
    if a.is_floating_point() or a.is_complex():
        return bool(((a == b) | (a.isnan() & b.isnan())).all())
    return torch.equal(a, b)


def _dtype(dtype: str) -> str:
    return dtype.removeprefix("torch.")


def _dtype_hint(dtype: str) -> str | None:
    if dtype == "torch.float64":
        return "Keep everything in float32: torch tensors are float32 unless made from float64 data."
    if dtype in ("torch.bool", "torch.int64"):
        return "Convert with .float() where you need numbers rather than comparisons or counts."
    return None


def _shape(shape: tuple) -> str:
    return "()" if shape == () else str(shape)


def _index(position: torch.Tensor):
    return tuple(position.tolist())
