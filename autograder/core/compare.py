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

from autograder.core.messages import say, translations
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
    expect_values(call.name, say("{call} returned", call=call.text), t.values, expected, atol=atol, rtol=rtol,
                  hint=hint)
    return t


def expect_tensor_like(call: Call, dtype: str, shape: tuple, *, hint: str | None = None) -> TensorInfo:
    """The first layers only: a tensor, of this dtype ('torch.float32') and shape."""
    got = call.value
    if got.tensor is None:
        fail(say("{function} returned {kind}, not a tensor", function=call.name, kind=kind_of(got.type)), hint,
             say("{call} returned {type} {value}; expected a torch.Tensor.", call=call.text, type=got.type,
                 value=got.text))
    t = got.tensor
    if t.dtype != dtype:
        fail(say("{function} returned a {dtype} tensor; expected {expected}", function=call.name,
                 dtype=_dtype(t.dtype), expected=_dtype(dtype)),
             _dtype_hint(t.dtype) or hint,
             say("{call} returned a tensor of dtype {dtype}; expected {expected}.", call=call.text, dtype=t.dtype,
                 expected=dtype))
    if t.shape != shape:
        fail(say("{function} returned a tensor of the wrong shape", function=call.name), hint,
             say("{call} returned a tensor of shape {shape}; expected shape {expected}.", call=call.text,
                 shape=_shape(t.shape), expected=_shape(shape)))
    return t


def expect_shape(what: str, info: TensorInfo | None, shape: tuple, dtype: str = "torch.float32") -> torch.Tensor:
    """`info` is a tensor of this shape and dtype, with finite values: the values, for the grader
    to compute with. what: 'the trained weights'."""
    if info is None or info.values is None or info.dtype != dtype or info.shape != shape:
        if info is None:
            details = say("{what} are nothing; expected shape {expected}.", what=what, expected=_shape(shape))
        else:
            details = say("{what} are a {dtype} tensor of shape {shape}; expected shape {expected}.", what=what,
                          dtype=_dtype(info.dtype), shape=_shape(info.shape), expected=_shape(shape))
        fail(say("{what} are not a {dtype} tensor of shape {shape}", what=what, dtype=_dtype(dtype),
                 shape=_shape(shape)), None, details)
    if not torch.isfinite(info.values).all():
        fail(say("{what} hold nan or infinite values", what=what), say("Look for a division by zero or an overflow."))
    return info.values


def expect_answer(function: str, got, pattern):
    """What a probe sent back has the form of `pattern` (a type or a tuple of types; a list of
    patterns for a list or tuple of that length; a dict of patterns), else a Mismatch: the
    worker is the student's, and a check reads only answers of the form it asked for."""
    if not _matches(got, pattern):
        fail(say("what {function} gave back could not be read", function=function),
             say("Did your code change the autograder's own functions? Only your functions may run."))
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
        fail(say("{function} returned a tensor that does not require grad", function=call.name),
             say("Did you detach it, use .data, or compute it under torch.no_grad()? Then no gradient can "
                 "flow through it."))
    if requires_grad is False and t.requires_grad:
        fail(say("{function} returned a tensor that requires grad; expected a plain tensor", function=call.name))
    if leaf is True and not t.is_leaf:
        fail(say("{function} returned a tensor that is not a leaf, so an optimizer cannot update it",
                 function=call.name),
             say("Call requires_grad_() last, after any arithmetic (such as * std)."),
             say("{call} returned a tensor computed by {grad_fn} from another tensor.", call=call.text,
                 grad_fn=t.grad_fn))


def expect_values(name: str, subject: str, got: torch.Tensor | None, expected: torch.Tensor, *,
                  atol: float = ATOL, rtol: float = RTOL, hint: str | None = None) -> None:
    """Values within atol + rtol * |expected|, naming the largest error and its place.

    name: the function ('mnist_loss'); subject: what `got` is, for the details
    ("mnist_loss(...) returned" or "after calc_grad(...), weights.grad is").
    """
    if got is None:
        fail(say("{function} returned a tensor without values (on the meta device, or too large)", function=name),
             hint)
    got, expected = got.double(), expected.detach().double()
    if got.shape != expected.shape:
        fail(say("{function} gives values of the wrong shape", function=name), hint,
             say("{subject} values of shape {shape}; expected shape {expected}.", subject=subject,
                 shape=_shape(tuple(got.shape)), expected=_shape(tuple(expected.shape))))
    if not torch.isfinite(got).all() and torch.isfinite(expected).all():
        index = _index(torch.nonzero(~torch.isfinite(got))[0])
        fail(say("{function} gives nan or infinite values", function=name),
             hint or say("Look for a division by zero or an overflow."),
             say("{subject} {value} at {index}, where {expected:.6g} was expected.", subject=subject,
                 value=got[index].item(), index=index, expected=expected[index].item()))
    error = (got - expected).abs().nan_to_num(nan=math.inf)
    too_far = error > atol + rtol * expected.abs()
    if too_far.any():
        worst = _index(torch.nonzero(error == error.max())[0])
        numbers = dict(subject=subject, error=error[worst].item(), got_at=got[worst].item(),
                       expected_at=expected[worst].item(), atol=atol, rtol=rtol)
        if got.numel() > 6:  # (a 0-dim tensor has one element)
            details = say("{subject} values that differ from the expected ones: the largest error is {error:.3g} at "
                          "index {index} (got {got_at:.6g}, expected {expected_at:.6g}; tolerance {atol:g} + "
                          "{rtol:g}*|expected|).", index=worst, **numbers)
        elif got.dim():
            details = say("{subject} {got}, but {expected} was expected: the largest error is {error:.3g} at index "
                          "{index} (got {got_at:.6g}, expected {expected_at:.6g}; tolerance {atol:g} + "
                          "{rtol:g}*|expected|).", got=short_text(got.float()), expected=short_text(expected.float()),
                          index=worst, **numbers)
        else:
            details = say("{subject} {got}, but {expected} was expected: the largest error is {error:.3g} (got "
                          "{got_at:.6g}, expected {expected_at:.6g}; tolerance {atol:g} + {rtol:g}*|expected|).",
                          got=short_text(got.float()), expected=short_text(expected.float()), **numbers)
        fail(say("{function} gives wrong values", function=name), hint, details)


def expect_grad(call: Call, name: str, expected: torch.Tensor, *, atol: float = ATOL,
                hint: str | None = None) -> None:
    """After `result.sum().backward()`, the input `name` holds the expected gradient."""
    grad = call.inputs[name].tensor.grad if name in call.inputs and call.inputs[name].tensor else None
    if grad is None:
        fail(say("no gradient reached {name} through the result of {function}", name=name, function=call.name), hint)
    expect_values(call.name, say("{call} returned a result whose gradient with respect to {name} is",
                                 call=call.text, name=name),
                  grad.values, expected, atol=atol, hint=hint)


def expect_number(call: Call, expected: float, *, atol: float = 1e-6, hint: str | None = None) -> float:
    """A Python number or a one-element tensor, close to `expected`."""
    got = call.value.as_float()
    if got is None:
        fail(say("{function} returned {kind}, not a number", function=call.name, kind=kind_of(call.value.type)), hint,
             say("{call} returned {type} {value}; expected a number (a float, or a tensor with one element).",
                 call=call.text, type=call.value.type, value=call.value.text))
    if not math.isclose(got, expected, rel_tol=0, abs_tol=atol):
        fail(say("{function} returned a wrong number", function=call.name), hint,
             say("{call} returned {got:.6g}; expected {expected:.6g}.", call=call.text, got=got, expected=expected))
    return got


def expect_no_change_in_the_code(student, function: str) -> None:
    """Read from the student's source, in the grader: no statement of `function` changes its
    arguments in place. (What the worker reports could hide such a change; the code cannot.)"""
    from autograder.core.source import changes_inputs

    found = changes_inputs(student, function)
    if found is None:
        fail(say("the code of {function} could not be found: define it with `def {function}(...)` in its cell",
                 function=function))
    if found:
        fail(say("{function} changes its inputs in place: {statement}", function=function, statement=found),
             say("Use out-of-place operations (x = x + 1, not x += 1 or x.add_(1)); a function that "
                 "predicts or measures must leave its inputs as they were."))


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
            fail(say("{function} changes its inputs in place: {name} holds other values after the call",
                     function=first.name, name=name),
                 say("Use out-of-place operations (x = x + 1, not x += 1 or x.add_(1)); a function that "
                     "predicts or measures must leave its inputs as they were."))
    try:
        expect_tensor(second, expected, **tolerance)
    except Mismatch as mismatch:
        fail(say("{function} gave another result when called again on the same tensors: it changes its inputs "
                 "in place", function=second.name),
             say("Use out-of-place operations (x = x + 1, not x += 1 or x.add_(1)); a function that "
                 "predicts or measures must leave its inputs as they were."), mismatch.details)


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Exactly the same values, NaN where NaN was."""
    if a.is_floating_point() or a.is_complex():
        return bool(((a == b) | (a.isnan() & b.isnan())).all())
    return torch.equal(a, b)


def _dtype(dtype: str) -> str:
    return dtype.removeprefix("torch.")


def _dtype_hint(dtype: str) -> str | None:
    if dtype == "torch.float64":
        return say("Keep everything in float32: torch tensors are float32 unless made from float64 data.")
    if dtype in ("torch.bool", "torch.int64"):
        return say("Convert with .float() where you need numbers rather than comparisons or counts.")
    return None


def _shape(shape: tuple) -> str:
    return "()" if shape == () else str(shape)


def _index(position: torch.Tensor):
    return tuple(position.tolist())


translations("zh", {
    "{call} returned": "{call} 返回了",
    "{function} returned {kind}, not a tensor": "{function} 返回了{kind}，而不是张量",
    "{call} returned {type} {value}; expected a torch.Tensor.":
        "{call} 返回了 {type} 类型的 {value}；预期是一个 torch.Tensor。",
    "{function} returned a {dtype} tensor; expected {expected}":
        "{function} 返回了数据类型为 {dtype} 的张量；预期是 {expected}",
    "{call} returned a tensor of dtype {dtype}; expected {expected}.":
        "{call} 返回的张量数据类型（dtype）是 {dtype}；预期是 {expected}。",
    "{function} returned a tensor of the wrong shape": "{function} 返回的张量形状不对",
    "{call} returned a tensor of shape {shape}; expected shape {expected}.":
        "{call} 返回的张量形状是 {shape}；预期形状是 {expected}。",
    "{what} are nothing; expected shape {expected}.": "没有得到{what}；预期是形状为 {expected} 的张量。",
    "{what} are a {dtype} tensor of shape {shape}; expected shape {expected}.":
        "{what}是形状为 {shape} 的 {dtype} 张量；预期形状是 {expected}。",
    "{what} are not a {dtype} tensor of shape {shape}": "{what}不是形状为 {shape} 的 {dtype} 张量",
    "{what} hold nan or infinite values": "{what}中有 nan 或无穷大的值",
    "Look for a division by zero or an overflow.": "检查一下有没有除以零或数值溢出的地方。",
    "what {function} gave back could not be read": "无法读取 {function} 返回的内容",
    "Did your code change the autograder's own functions? Only your functions may run.":
        "你的代码是否改动了 autograder 自己的函数？这里只能运行你自己的函数。",
    "{function} returned a tensor that does not require grad":
        "{function} 返回的张量不需要梯度（requires_grad 为 False）",
    "Did you detach it, use .data, or compute it under torch.no_grad()? Then no gradient can flow through it.":
        "你是否对它调用了 detach、用了 .data，或者在 torch.no_grad() 下计算它？那样梯度就无法从它传回去。",
    "{function} returned a tensor that requires grad; expected a plain tensor":
        "{function} 返回的张量需要梯度；预期是一个普通张量",
    "{function} returned a tensor that is not a leaf, so an optimizer cannot update it":
        "{function} 返回的张量不是叶子张量，优化器无法更新它",
    "Call requires_grad_() last, after any arithmetic (such as * std).":
        "最后再调用 requires_grad_()，放在所有运算（比如 * std）之后。",
    "{call} returned a tensor computed by {grad_fn} from another tensor.":
        "{call} 返回的张量是由 {grad_fn} 从另一个张量计算出来的。",
    "{function} returned a tensor without values (on the meta device, or too large)":
        "{function} 返回的张量没有可读取的值（它在 meta 设备上，或者太大）",
    "{function} gives values of the wrong shape": "{function} 给出的值形状不对",
    "{subject} values of shape {shape}; expected shape {expected}.":
        "{subject}形状为 {shape} 的值；预期形状是 {expected}。",
    "{function} gives nan or infinite values": "{function} 给出了 nan 或无穷大的值",
    "{subject} {value} at {index}, where {expected:.6g} was expected.":
        "{subject} {value}（位置 {index}），而预期是 {expected:.6g}。",
    "{subject} values that differ from the expected ones: the largest error is {error:.3g} at index {index} "
    "(got {got_at:.6g}, expected {expected_at:.6g}; tolerance {atol:g} + {rtol:g}*|expected|).":
        "{subject}与预期不同的值：最大误差为 {error:.3g}，位于下标 {index}（得到 {got_at:.6g}，预期 "
        "{expected_at:.6g}；容差为 {atol:g} + {rtol:g}*|expected|）。",
    "{subject} {got}, but {expected} was expected: the largest error is {error:.3g} at index {index} "
    "(got {got_at:.6g}, expected {expected_at:.6g}; tolerance {atol:g} + {rtol:g}*|expected|).":
        "{subject} {got}，但预期是 {expected}：最大误差为 {error:.3g}，位于下标 {index}（得到 {got_at:.6g}，预期 "
        "{expected_at:.6g}；容差为 {atol:g} + {rtol:g}*|expected|）。",
    "{subject} {got}, but {expected} was expected: the largest error is {error:.3g} "
    "(got {got_at:.6g}, expected {expected_at:.6g}; tolerance {atol:g} + {rtol:g}*|expected|).":
        "{subject} {got}，但预期是 {expected}：最大误差为 {error:.3g}（得到 {got_at:.6g}，预期 "
        "{expected_at:.6g}；容差为 {atol:g} + {rtol:g}*|expected|）。",
    "{function} gives wrong values": "{function} 给出的值不对",
    "no gradient reached {name} through the result of {function}": "梯度没有从 {function} 的结果传到 {name}",
    "{call} returned a result whose gradient with respect to {name} is": "{call} 返回的结果对 {name} 的梯度是",
    "{function} returned {kind}, not a number": "{function} 返回了{kind}，而不是一个数",
    "{call} returned {type} {value}; expected a number (a float, or a tensor with one element).":
        "{call} 返回了 {type} 类型的 {value}；预期是一个数（float，或只有一个元素的张量）。",
    "{function} returned a wrong number": "{function} 返回的数不对",
    "{call} returned {got:.6g}; expected {expected:.6g}.": "{call} 返回了 {got:.6g}；预期是 {expected:.6g}。",
    "the code of {function} could not be found: define it with `def {function}(...)` in its cell":
        "找不到 {function} 的代码：请在它的单元格里用 `def {function}(...)` 定义它",
    "{function} changes its inputs in place: {statement}": "{function} 原地修改了它的输入：{statement}",
    "Use out-of-place operations (x = x + 1, not x += 1 or x.add_(1)); a function that predicts or measures "
    "must leave its inputs as they were.":
        "请使用非原地操作（写 x = x + 1，而不是 x += 1 或 x.add_(1)）；做预测或做度量的函数必须让输入保持原样。",
    "{function} changes its inputs in place: {name} holds other values after the call":
        "{function} 原地修改了它的输入：调用之后 {name} 里的值变了",
    "{function} gave another result when called again on the same tensors: it changes its inputs in place":
        "在同样的张量上再调用一次，{function} 给出了不同的结果：它原地修改了自己的输入",
    "Keep everything in float32: torch tensors are float32 unless made from float64 data.":
        "全部保持为 float32：torch 张量默认是 float32，除非它由 float64 的数据创建。",
    "Convert with .float() where you need numbers rather than comparisons or counts.":
        "在需要数值（而不是比较结果或计数）的地方，用 .float() 转换。",
})
