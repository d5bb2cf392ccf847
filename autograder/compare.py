"""Compare what a student's function returned with the reference, in layers.

The layers come in the order a student should fix them: type, dtype, shape,
autograd state, values, side effects. The first layer that fails raises
`Mismatch` with one short paragraph: what was called, with what, what came
back, what was expected, and (for values) the largest error and where it is.
"""
from __future__ import annotations

import math

import torch

from autograder.snapshot import TensorInfo, short_text
from autograder.student import Call

ATOL, RTOL = 1e-5, 1e-4


class Mismatch(AssertionError):
    """A check failed: what was seen, and a hint at the likely cause (both for the student)."""

    def __init__(self, seen: str, hint: str | None = None):
        super().__init__(seen + (f" {hint}" if hint else ""))
        self.seen, self.hint = seen, hint


def fail(message: str, hint: str | None = None):
    raise Mismatch(message, hint)


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
    expect_values(f"{call.text} returned", t.values, expected, atol=atol, rtol=rtol, hint=hint)
    return t


def expect_tensor_like(call: Call, dtype: str, shape: tuple, *, hint: str | None = None) -> TensorInfo:
    """The first layers only: a tensor, of this dtype ('torch.float32') and shape."""
    got = call.value
    if got.tensor is None:
        fail(f"{call.text} returned {got.type} {got.text}; expected a torch.Tensor.", hint)
    t = got.tensor
    if t.dtype != dtype:
        fail(f"{call.text} returned a tensor of dtype {t.dtype}; expected {dtype}.",
             _dtype_hint(t.dtype) or hint)
    if t.shape != shape:
        fail(f"{call.text} returned a tensor of shape {_shape(t.shape)}; expected shape "
             f"{_shape(shape)}.", hint)
    return t


def expect_autograd(call: Call, *, requires_grad: bool | None = None, leaf: bool | None = None) -> None:
    t = call.value.tensor
    if requires_grad is True and not t.requires_grad:
        fail(f"{call.text} returned a tensor that does not require grad, so no gradient can "
             "flow through it.",
             "Did you detach it, use .data, or compute it under torch.no_grad()?")
    if requires_grad is False and t.requires_grad:
        fail(f"{call.text} returned a tensor that requires grad; expected a plain tensor.")
    if leaf is True and not t.is_leaf:
        fail(f"{call.text} returned a tensor that is not a leaf: it was computed by "
             f"{t.grad_fn} from another tensor, so an optimizer cannot update it.",
             "Call requires_grad_() last, after any arithmetic (such as * std).")


def expect_values(
    subject: str,
    got: torch.Tensor | None,
    expected: torch.Tensor,
    *,
    atol: float = ATOL,
    rtol: float = RTOL,
    hint: str | None = None,
) -> None:
    """Values within atol + rtol * |expected|, naming the largest error and its place.

    subject says what `got` is: "mnist_loss(...) returned" or "after calc_grad(...), weights.grad is".
    """
    if got is None:
        fail(f"{subject} a tensor without values (on the meta device); expected real numbers.", hint)
    got, expected = got.double(), expected.detach().double()
    if got.shape != expected.shape:
        fail(f"{subject} values of shape {_shape(tuple(got.shape))}; expected shape "
             f"{_shape(tuple(expected.shape))}.", hint)
    if not torch.isfinite(got).all() and torch.isfinite(expected).all():
        index = _index(torch.nonzero(~torch.isfinite(got))[0])
        fail(f"{subject} {got[index].item()} at {index}, where {expected[index].item():.6g} "
             "was expected.", hint or "Look for a division by zero or an overflow.")
    error = (got - expected).abs().nan_to_num(nan=math.inf)
    too_far = error > atol + rtol * expected.abs()
    if too_far.any():
        worst = _index(torch.nonzero(error == error.max())[0])
        place = f" at index {worst}" if got.dim() else ""
        shown = (f"{short_text(got.float())}, but {short_text(expected.float())} was expected"
                 if got.numel() <= 6 else "values that differ from the expected ones")
        fail(f"{subject} {shown}: the largest error is {error[worst].item():.3g}{place} (got "
             f"{got[worst].item():.6g}, expected {expected[worst].item():.6g}; tolerance "
             f"{atol:g} + {rtol:g}*|expected|).", hint)


def expect_grad(call: Call, name: str, expected: torch.Tensor, *, atol: float = ATOL,
                hint: str | None = None) -> None:
    """After `result.sum().backward()`, the input `name` holds the expected gradient."""
    grad = call.inputs[name].tensor.grad
    if grad is None:
        fail(f"{call.text}: no gradient reached {name} through the result.", hint)
    expect_values(f"{call.text} returned a result whose gradient with respect to {name} is",
                  grad.values, expected, atol=atol, hint=hint)


def expect_number(call: Call, expected: float, *, atol: float = 1e-6, hint: str | None = None) -> float:
    """A Python number or a one-element tensor, close to `expected`."""
    got = call.value.as_float()
    if got is None:
        fail(f"{call.text} returned {call.value.type} {call.value.text}; expected a number "
             "(a float, or a tensor with one element).", hint)
    if not math.isclose(got, expected, rel_tol=0, abs_tol=atol):
        fail(f"{call.text} returned {got:.6g}; expected {expected:.6g}.", hint)
    return got


def expect_unchanged(call: Call, before: dict[str, torch.Tensor]) -> None:
    """Side effects: the inputs must be as they were before the call."""
    for name, original in before.items():
        after = call.inputs[name].tensor
        if after is None or after.values is None:
            continue
        if after.shape != tuple(original.shape) or not torch.equal(after.values, original.detach()):
            fail(f"{call.text} changed its input {name} in place; a function that predicts or "
                 "measures must leave its inputs as they were.",
                 "Use out-of-place operations (x = x + 1, not x += 1 or x.add_(1)).")


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
