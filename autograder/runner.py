"""Run the checks of an assignment against a student's namespace.

Every check ends as a `Result`, whatever the student's code does: a mismatch,
an exception in the student's code, or a missing function is a failed check
with a message; nothing the student wrote crashes the grader.
"""
from __future__ import annotations

import time
import traceback
import warnings
from dataclasses import asdict, dataclass

from autograder import references
from autograder.checks import Check, checks_for
from autograder.compare import Mismatch
from autograder.diagnosis import attempt, diagnose
from autograder.sandbox import Deadline, Fatal, Limits, Sandbox, SandboxStudent
from autograder.student import Student


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
    """One check, its failure turned into a message that names the mistake when it is a
    known one. cases: the reference cases of the check's visibility (public checks read
    public cases, hidden checks hidden ones)."""
    if check.case and check.case not in cases:
        return _result(check, False, "not run: its reference tensors are not in this copy of "
                                     "the autograder (hidden checks run only when grading).")
    case = cases[check.case] if check.case else None
    try:
        with warnings.catch_warnings():  # the checks decide; a warning on stderr must not
            warnings.simplefilter("ignore")  # (nbgrader zeroes a test cell that writes to stderr)
            outcome = attempt(check, student, case)
            if outcome.failure is None:
                return _result(check, True, "")
            known = check.diagnose and not isinstance(outcome.failure, Fatal)  # a timeout: no mistake
            mistake = diagnose(check, student, case, outcome) if known else None
    except Exception as error:  # a bug in the check itself: say so, do not crash
        where = traceback.format_exception_only(type(error), error)[-1].strip()
        return _result(check, False, f"internal error in the check {check.id} ({where}); "
                                     "this is not your fault: please tell your instructor.")
    return _result(check, False, _message(outcome.failure, mistake))


def _message(failure, mistake) -> str:
    """What was seen, then the known mistake and its fix (or the check's own hint)."""
    if mistake is None:
        return str(failure)
    seen = failure.seen if isinstance(failure, Mismatch) else str(failure)
    return f"{seen}\n{mistake.diagnosis}"


def _chosen(assignment: str, hidden: bool, function: str | None, ids) -> list[Check]:
    return [c for c in checks_for(assignment)
            if (hidden or not c.hidden)
            and (function is None or c.function == function)
            and (ids is None or c.id in ids)]


def run_checks(assignment: str, namespace: dict, *, hidden: bool = True,
               function: str | None = None, ids: tuple[str, ...] | None = None,
               problem: str | None = None) -> list[Result]:
    """The results of the checks of `assignment` on code that ran in this process, in order.

    For a student's own notebook (their kernel, their checks): nothing here is
    protected from their code. To grade, use `grade_isolated`.
    hidden: include the hidden checks. function: only the checks of that student
    function. ids: only these checks. problem: why the student's code did not run
    to the end, told with every function it left undefined.
    """
    chosen = _chosen(assignment, hidden, function, ids)
    cases = {hidden: _cases(assignment, hidden) for hidden in {c.hidden for c in chosen}}
    student = Student(namespace, problem)
    return [run_check(c, student, cases[c.hidden]) for c in chosen]


def grade_isolated(assignment: str, cells: list[tuple[str, str]], limits: Limits = Limits(), *,
                   hidden: bool = True, ids: tuple[str, ...] | None = None, zygote=None,
                   timing: dict | None = None) -> list[Result]:
    """Every check of `assignment` on the student's code `cells` ((name, source) pairs), the
    code running in a sandboxed worker, each check within limits.check_seconds and all of
    them within limits.submission_seconds. zygote: fork the worker from this warm
    autograder.zygote.Zygote instead of starting a new Python. timing: receives
    "work_seconds", the time the worker spent running the student's code for the checks."""
    chosen = _chosen(assignment, hidden, None, ids)
    cases = {hidden: _cases(assignment, hidden) for hidden in {c.hidden for c in chosen}}
    submission = Deadline.within(limits.submission_seconds)
    results = []
    with Sandbox(assignment, cells, limits, submission, zygote) as sandbox:
        try:
            sandbox.start()  # load the submission before the first check's time starts
        except Fatal:
            pass  # the worker could not even start: each check will say so
        for c in chosen:
            if time.monotonic() >= submission.at:
                results.append(_result(c, False, f"not run: the {limits.submission_seconds:g} s "
                                                 "allowed for grading this submission ran out."))
                continue
            student = SandboxStudent(sandbox, Deadline.within(limits.check_seconds, submission), c.function)
            results.append(run_check(c, student, cases[c.hidden]))
        if timing is not None:
            timing["work_seconds"] = sandbox.work_seconds
    return results


def _cases(assignment: str, hidden: bool) -> dict:
    try:
        return references.load(assignment, "hidden" if hidden else "public")
    except references.HiddenReferencesMissing:
        return {}  # a student's copy: hidden checks with a case then say "not run"


def _result(check: Check, passed: bool, message: str) -> Result:
    return Result(check.id, check.points if passed else 0.0, check.points, passed, message, check.hidden)
