"""Name the mistake: which known mistake behaves exactly like the student's code.

When a check fails, the same check runs again once per known mistake of the
function, with the student's function replaced by the mistake's implementation
(in a copy of the student's namespace, in the same worker, so it calls the student's
own helpers and sees the same inputs).
If a mistake gives the very same observations and fails the same way, that is
the student's mistake, and the feedback names it and says how to fix it.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields, is_dataclass

import torch

from autograder.core.checks import Check, KnownMistake, known_mistakes
from autograder.core.compare import Mismatch
from autograder.core.snapshot import TensorInfo, Value
from autograder.core.student_side import StudentFailed, StudentSide

_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")  # "<object at 0x7f...>" differs from run to run


@dataclass
class Outcome:
    """One run of a check: what it observed, in order, and how it failed (None: it passed)."""

    record: list
    failure: Mismatch | StudentFailed | None

    @property
    def signature(self):
        if self.failure is None:
            return None
        if isinstance(self.failure, StudentFailed):
            failure = self.failure.failure  # the same error with the same message: "raised ValueError" is not enough
            said = _ADDRESS.sub("0x", (failure.details or "").split("\n", 1)[0])
            return ("error", failure.kind, failure.error, said)
        return ("mismatch",)


def attempt(check: Check, student: StudentSide, case) -> Outcome:
    """Run `check`; a failure of the student's code is returned, not raised."""
    student.record = []
    try:
        check.run(student, case)
    except (Mismatch, StudentFailed) as failure:
        return Outcome(student.record, failure)
    return Outcome(student.record, None)


def diagnose(check: Check, student: StudentSide, case, outcome: Outcome) -> KnownMistake | None:
    """The known mistake of `check.function` that reproduces `outcome` exactly, if any. A
    failure that observed nothing of the student's function (no call came back, and it raised
    nothing) names nothing: the same failure of a twin would say nothing about the student."""
    if not (outcome.record or isinstance(outcome.failure, StudentFailed)):
        return None
    for mistake in known_mistakes(check.assignment, check.function):
        try:
            twin = attempt(check, student.with_mistake(mistake), case)
        except Exception:  # a mistake that cannot even run this check explains nothing
            continue
        if twin.signature == outcome.signature and same(twin.record, outcome.record):
            return mistake
    return None


def same(a, b) -> bool:
    """Equal observations: tensors within a tolerance, everything else exactly."""
    if isinstance(a, TensorInfo) and isinstance(b, TensorInfo):
        return (a.dtype, a.shape, a.is_leaf, a.requires_grad) == (b.dtype, b.shape, b.is_leaf, b.requires_grad) \
            and _same_values(a.values, b.values) and _same_grad(a.grad, b.grad)
    if isinstance(a, Value) and isinstance(b, Value) and a.number is not None and b.number is not None:
        return same(a.number, b.number)  # 3 and 3.0 are the same answer
    if is_dataclass(a) and type(a) is type(b):
        return all(same(getattr(a, f.name), getattr(b, f.name)) for f in fields(a) if f.name != "text")
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return _same_values(a, b)
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6) or (math.isnan(a) and math.isnan(b))
    return a == b


def _same_grad(a: TensorInfo | None, b: TensorInfo | None) -> bool:
    """Gradients: None and all zeros are the same (both mean "reset")."""
    def zero(g):
        return g is None or (g.values is not None and not g.values.any())
    if zero(a) or zero(b):
        return zero(a) and zero(b)
    return same(a, b)


def _same_values(a, b) -> bool:
    if a is None or b is None:
        return a is b
    if a.shape != b.shape:
        return False
    return bool(torch.allclose(a.double(), b.double(), atol=1e-5, rtol=1e-4, equal_nan=True))
