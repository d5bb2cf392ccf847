"""What came back from a student's function, as plain data.

A check never holds the student's objects: it reads a `Value`, a snapshot taken
right after the call (type, dtype, shape, autograd state, values, gradient), or a
`Call`, which adds how to name the call and the inputs after it. Snapshots are plain
data: the worker takes them, `autograder.core.transport` carries and checks them, and the
grader compares them.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import torch

from autograder.core.messages import say, translations

MAX_SENT = 4 * 2**20  # numbers of one tensor sent back: a larger answer is described, not sent


@dataclass(frozen=True)
class TensorInfo:
    """A tensor, frozen: values is a detached CPU copy (None on the meta device)."""

    dtype: str  # 'torch.float32'
    shape: tuple[int, ...]
    device: str
    is_leaf: bool
    requires_grad: bool
    grad_fn: str | None  # 'AddBackward0', or None for a leaf
    values: torch.Tensor | None
    grad: TensorInfo | None


@dataclass(frozen=True)
class Value:
    """Any returned object: `type` is its class name, `text` a short repr.

    tensor is set for tensors, number for Python and NumPy numbers, items for
    lists and tuples.
    """

    type: str
    text: str
    tensor: TensorInfo | None = None
    number: float | None = None
    items: tuple[Value, ...] | None = None

    def as_float(self) -> float | None:
        """The value as a float if it is a number or a one-element tensor, else None."""
        if self.number is not None:
            return self.number
        t = self.tensor
        if t is not None and t.values is not None and t.values.numel() == 1:
            return float(t.values.reshape(()).double())
        return None


@dataclass(frozen=True)
class Call:
    """One call of a student function: which, how to name it, what came back, the inputs after."""

    name: str
    text: str
    value: Value
    inputs: dict[str, Value]


def snapshot(obj, depth: int = 0) -> Value:
    """Freeze `obj` into a Value (nested lists and tuples up to 3 levels)."""
    kind = type(obj).__name__
    if isinstance(obj, torch.Tensor):
        return Value(kind, short_text(obj), tensor=tensor_info(obj))
    if isinstance(obj, numbers.Real):  # bool, int, float and NumPy scalars
        return Value(kind, repr(obj)[:80], number=float(obj))
    if isinstance(obj, (list, tuple)) and depth < 3:
        items = tuple(snapshot(item, depth + 1) for item in obj[:1000])
        return Value(kind, _safe_repr(obj), items=items)
    return Value(kind, _safe_repr(obj))


def tensor_info(t: torch.Tensor, with_grad: bool = True) -> TensorInfo:
    values = None
    if t.device.type != "meta" and t.numel() <= MAX_SENT:
        values = t.detach().to("cpu", copy=True)
    grad = None
    if with_grad and (t.is_leaf or t.retains_grad) and t.grad is not None:
        grad = tensor_info(t.grad, with_grad=False)  # a non-leaf has no .grad (and warns if asked)
    return TensorInfo(
        dtype=str(t.dtype),
        shape=tuple(t.shape),
        device=str(t.device),
        is_leaf=t.is_leaf,
        requires_grad=t.requires_grad,
        grad_fn=type(t.grad_fn).__name__ if t.grad_fn is not None else None,
        values=values,
        grad=grad,
    )


def short_text(t: torch.Tensor) -> str:
    """'tensor([0.5, 0.7])' for a few values, 'a (8, 1) float32 tensor' for more."""
    dtype, shape = str(t.dtype).removeprefix("torch."), tuple(t.shape)
    if t.device.type == "meta":
        return say("a {shape} {dtype} tensor on the meta device (it has no values)", shape=shape, dtype=dtype)
    if t.numel() > MAX_SENT:
        return say("a {shape} {dtype} tensor (too large to compare)", shape=shape, dtype=dtype)
    if t.numel() <= 6:
        shown = ", ".join(_fmt(v) for v in t.detach().cpu().reshape(-1).tolist())
        if t.dim() == 0:
            return f"tensor({shown})"
        if t.dim() == 1:
            return f"tensor([{shown}])"
        return say("{values} of shape {shape}", values=f"tensor([{shown}])", shape=shape)
    return say("a {shape} {dtype} tensor", shape=shape, dtype=dtype)


def _fmt(v) -> str:
    if isinstance(v, float):
        return "nan" if math.isnan(v) else f"{v:.4g}"
    return str(v)


def _safe_repr(obj) -> str:
    try:
        text = repr(obj)
    except Exception:  # a student's class may have a broken __repr__
        text = f"<{type(obj).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


translations("zh", {
    "a {shape} {dtype} tensor on the meta device (it has no values)": "一个 {shape} 的 {dtype} 张量，位于 meta 设备上（没有数值）",
    "a {shape} {dtype} tensor (too large to compare)": "一个 {shape} 的 {dtype} 张量（太大，无法比较）",
    "{values} of shape {shape}": "{values}（形状为 {shape}）",
    "a {shape} {dtype} tensor": "一个 {shape} 的 {dtype} 张量",
})
