"""The checks of every assignment, one module per assignment.

A check is a small function `(student, case) -> None` that raises `Mismatch`
when the student's code misbehaves. It is registered with `@check(...)`, which
gives it an id named after the behaviour it proves (`mnist_loss_is_differentiable`),
its points, and whether it is public (students may run it) or hidden (grading
only). `case` is the check's entry in the reference tensors, or None.

Each module also has `cases(generator)`, which builds the inputs of its checks
and the expected outputs from `solutions/`; `autograder.references` stores them.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

from autograder.assignments import ASSIGNMENTS, module_name


@dataclass(frozen=True)
class Check:
    id: str
    assignment: str
    function: str  # the student function it is about
    points: float
    hidden: bool
    case: str | None  # key into the assignment's reference cases
    run: Callable


_REGISTRY: dict[str, list[Check]] = {}


def check(id: str, *, function: str, points: float, hidden: bool = False, case: str | None = None):
    """Register the decorated `(student, case)` function as a check of its module's assignment."""

    def register(run: Callable) -> Callable:
        assignment = run.__module__.rsplit(".", 1)[1]
        assignment = next(a for a in ASSIGNMENTS if module_name(a) == assignment)
        _REGISTRY.setdefault(assignment, []).append(
            Check(id, assignment, function, points, hidden, case, run)
        )
        return run

    return register


def module(assignment: str):
    """The checks module of `assignment` (importing it registers its checks)."""
    return importlib.import_module(f"autograder.checks.{module_name(assignment)}")


def checks_for(assignment: str) -> list[Check]:
    """Every check of `assignment`, in the order the module declares them."""
    module(assignment)
    return list(_REGISTRY[assignment])


def find(check_id: str) -> Check:
    """The check with this id, in any assignment."""
    for assignment in ASSIGNMENTS:
        for c in checks_for(assignment):
            if c.id == check_id:
                return c
    raise KeyError(f"no check named {check_id!r}")
