"""The checks of every assignment, one module per assignment.

A check is a small function `(student, case) -> None` that raises `Mismatch`
when the student's code misbehaves. It is registered with `@check(...)`, which
gives it an id named after the behaviour it proves (`mnist_loss_is_differentiable`),
its points, and whether it is public (students may run it) or hidden (grading
only). `case` names the check's entry in the reference tensors: a `Case`, whose
inputs are all the check may send to the student's code (`student` is an
`autograder.core.student_side.StudentSide`) and whose expected values stay with the check.

Each module also has `cases(generator)`, which builds the inputs of its checks
and the expected outputs from `solutions/`; `autograder.core.references` stores them.
A probe is a function `(student, inputs)` of the checks module that runs beside the
student's code (`autograder.core.student.Student`) and returns snapshots: it computes,
the check judges.

And each module lists the known mistakes of its functions with `known(...)`: a
short name of the mistake, the fix, and a small implementation of the mistake.
When a check fails, `autograder.core.diagnosis` looks for the known mistake that
behaves exactly like the student's code.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

from autograder.core.assignments import ASSIGNMENTS, module_name
from autograder.core.messages import say, translations


@dataclass(frozen=True)
class Check:
    id: str
    assignment: str
    function: str  # the student function it is about
    points: float
    hidden: bool
    case: str  # key into the assignment's reference cases
    run: Callable
    diagnose: bool = True  # False for slow checks (training): no known-mistake search
    stand_ins: tuple[str, ...] = ()  # the student's helpers the course's versions replace in this check


@dataclass(frozen=True)
class KnownMistake:
    """A mistake students make, and how it behaves.

    `code` defines `function` the mistaken way; `title` completes "This is exactly what
    ... gives."; `fix` says what to change. Both are messages: the checks module gives their
    translations (`autograder.core.messages.translations`), and `diagnosis` speaks the language
    being spoken.
    """

    id: str
    assignment: str
    function: str
    title: str
    fix: str
    code: str

    @property
    def diagnosis(self) -> str:
        return say("This is exactly what {title} gives. {fix}", title=say(self.title), fix=say(self.fix))


_REGISTRY: dict[str, list[Check]] = {}
_KNOWN: dict[str, list[KnownMistake]] = {}
_STAND_INS: dict[str, dict[str, str]] = {}


def _assignment_of(module: str) -> str:
    name = module.rsplit(".", 1)[1]
    return next(a for a in ASSIGNMENTS if module_name(a) == name)


def check(id: str, *, function: str, points: float, case: str, hidden: bool = False, diagnose: bool = True,
          stand_ins: tuple[str, ...] = ()):
    """Register the decorated `(student, case)` function as a check of its module's assignment.
    stand_ins: other functions of the assignment that `function` calls; the check runs with the
    course's versions of them (`stands_in`), so a broken helper costs only its own points."""

    def register(run: Callable) -> Callable:
        assignment = _assignment_of(run.__module__)
        _REGISTRY.setdefault(assignment, []).append(
            Check(id, assignment, function, points, hidden, case, run, diagnose, stand_ins)
        )
        return run

    return register


def stands_in(name: str, code: str | None, *, module: str) -> None:
    """The course's version of the helper `name`, as code a worker runs in place of the student's
    while a check of a function that calls it runs: public code only (a library call, or the
    earlier steps' functions), or what the next notebook publishes. None: not in this copy."""
    if code is not None:
        _STAND_INS.setdefault(_assignment_of(module), {})[name] = code.strip() + "\n"


def stand_ins_for(check: Check) -> dict[str, str]:
    """{helper: code} for the helpers `check` runs with the course's versions of (those this copy has)."""
    module(check.assignment)
    known = _STAND_INS.get(check.assignment, {})
    return {name: known[name] for name in check.stand_ins if name in known}


def known(id: str, function: str, title: str, fix: str, code: str, *, module: str) -> None:
    """Register a known mistake of `function` (call it from the checks module: module=__name__)."""
    assignment = _assignment_of(module)
    _KNOWN.setdefault(assignment, []).append(
        KnownMistake(id, assignment, function, title, fix, code.strip() + "\n"))


def known_mistakes(assignment: str, function: str | None = None) -> list[KnownMistake]:
    """The known mistakes of `assignment` (of one function if given), in declaration order."""
    module(assignment)
    return [k for k in _KNOWN.get(assignment, []) if function is None or k.function == function]


def module(assignment: str):
    """The checks module of `assignment` (importing it registers its checks)."""
    return importlib.import_module(f"autograder.core.checks.{module_name(assignment)}")


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


translations("zh", {"This is exactly what {title} gives. {fix}": "这正是{title}会得到的结果。{fix}"})
