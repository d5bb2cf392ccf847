"""Run the checks of an assignment against a student's namespace.

Every check ends as a `Result`, whatever the student's code does: a mismatch,
an exception in the student's code, or a missing function is a failed check
with a message; nothing the student wrote crashes the grader.
"""
from __future__ import annotations

import traceback
from dataclasses import asdict, dataclass

from autograder import references
from autograder.checks import Check, checks_for
from autograder.compare import Mismatch
from autograder.student import Student, StudentError


@dataclass(frozen=True)
class Result:
    id: str
    points: float
    max_points: float
    passed: bool
    message: str
    hidden: bool

    def as_dict(self) -> dict:
        return asdict(self)


def run_check(check: Check, student: Student, cases: dict) -> Result:
    """One check, its failure turned into a message. cases: the reference cases of
    the check's visibility (public checks read public cases, hidden checks hidden ones)."""
    if check.case and check.case not in cases:
        return _result(check, False, "not run: its reference tensors are not in this copy of "
                                     "the autograder (hidden checks run only when grading).")
    try:
        check.run(student, cases[check.case] if check.case else None)
    except (Mismatch, StudentError) as failure:
        return _result(check, False, str(failure))
    except Exception as error:  # a bug in the check itself: say so, do not crash
        where = traceback.format_exception_only(type(error), error)[-1].strip()
        return _result(check, False, f"internal error in the check {check.id} ({where}); "
                                     "this is not your fault: please tell your instructor.")
    return _result(check, True, "")


def run_checks(assignment: str, namespace: dict, *, hidden: bool = True,
               function: str | None = None, ids: tuple[str, ...] | None = None,
               problem: str | None = None) -> list[Result]:
    """The results of the checks of `assignment`, in order.

    hidden: include the hidden checks. function: only the checks of that student
    function. ids: only these checks. problem: why the student's code did not run
    to the end, told with every function it left undefined.
    """
    chosen = [
        c for c in checks_for(assignment)
        if (hidden or not c.hidden)
        and (function is None or c.function == function)
        and (ids is None or c.id in ids)
    ]
    cases = {hidden: _cases(assignment, hidden) for hidden in {c.hidden for c in chosen}}
    student = Student(namespace, problem)
    return [run_check(c, student, cases[c.hidden]) for c in chosen]


def _cases(assignment: str, hidden: bool) -> dict:
    try:
        return references.load(assignment, "hidden" if hidden else "public")
    except references.HiddenReferencesMissing:
        return {}  # a student's copy: hidden checks with a case then say "not run"


def _result(check: Check, passed: bool, message: str) -> Result:
    return Result(check.id, check.points if passed else 0.0, check.points, passed, message, check.hidden)
