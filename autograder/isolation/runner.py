"""Run the checks of an assignment against a student's code, and say what they found.

Every check ends as a `Result`, whatever the student's code does: a mismatch, an
exception in the student's code, a missing function, a worker that hangs or lies is a
failed check with a message; nothing the student wrote crashes the grader.

Two modes, chosen by what this copy of the autograder holds:
- **graded** (the instructor's copy, with the hidden references): every check, public
  ones too, runs on inputs drawn for grading, which no student has seen; a message is its
  summary and the named mistake or hint, never an input, a value or an expected result;
- **practice** (a student's copy): the public checks on the public inputs, each message
  followed by its details (the call, what came back, what was expected); hidden checks
  say "not run".
"""
from __future__ import annotations

import time
import traceback
import warnings
from dataclasses import dataclass

from autograder.core import references
from autograder.core.assignments import FUNCTIONS
from autograder.core.checks import Check, checks_for, stand_ins_for
from autograder.core.compare import Mismatch
from autograder.core.diagnosis import attempt, diagnose
from autograder.core.limits import Deadline, Limits
from autograder.core.messages import say, translations
from autograder.isolation.sandbox import Sandbox, SandboxBroken, SandboxStudent
from autograder.core.student_side import Fatal, LocalStudent, StudentFailed, cells_of


STATUSES = ("passed", "failed", "not written", "timed out", "crashed", "not run")


@dataclass(frozen=True)
class Result:
    """One check's verdict. status: one of STATUSES ("failed": the function ran and was wrong or
    raised; "not written": not defined or not implemented; "timed out" and "crashed": it ran
    out of time or ended its worker; "not run": grading could not reach it). mistake: the id of
    the known mistake the failure is exactly, when it is one."""

    id: str
    points: float
    max_points: float
    passed: bool
    message: str
    hidden: bool
    status: str = "passed"
    mistake: str | None = None


def run_check(check: Check, student_for, cases: dict, graded: bool) -> Result:
    """One check, its failure turned into a message that names the mistake when it is a known
    one. student_for(check, case): the StudentSide to ask. cases: the reference cases of this
    mode (`_cases`)."""
    if check.case not in cases or (check.hidden and not graded):
        return _result(check, False, say("not run: hidden checks run only when your instructor grades\n"
                                         "This copy of the autograder does not have their inputs."), "not run")
    case = cases[check.case]
    student = student_for(check, case)
    try:
        with warnings.catch_warnings():  # the checks decide; a warning on stderr must not
            warnings.simplefilter("ignore")  # (nbgrader zeroes a test cell that writes to stderr)
            outcome = attempt(check, student, case)
            if outcome.failure is None:
                return _result(check, True, "")
            mistake = diagnose(check, student, case, outcome) if _diagnosable(check, outcome.failure) else None
    except SandboxBroken:
        raise
    except Exception as error:  # a bug in the check itself: say so, do not crash
        where = traceback.format_exception_only(type(error), error)[-1].strip()
        return _result(check, False, say("internal error in the check {check}: not your fault\n"
                                         "Please tell your instructor ({where}).", check=check.id, where=where),
                       "not run")
    return _result(check, False, message(outcome.failure, mistake, graded), _status(outcome.failure),
                   mistake.id if mistake is not None else None)


def _status(failure: Mismatch | StudentFailed) -> str:
    if isinstance(failure, Fatal):
        return "timed out" if failure.timed_out else "crashed"
    if isinstance(failure, StudentFailed) and (failure.failure.kind == "not implemented" or
                                               failure.failure.kind == "missing" and not failure.problem):
        return "not written"  # not a function whose cell failed to run: that is "failed"
    if isinstance(failure, StudentFailed) and failure.failure.kind in ("memory", "exit"):
        return "crashed"
    return "failed"


def _diagnosable(check: Check, failure) -> bool:
    """A known mistake is named only from the student's own behaviour: a mismatch, or an
    exception their function raised; never a timeout, a crash, or a function not written."""
    if not check.diagnose or isinstance(failure, Fatal):
        return False
    if isinstance(failure, Mismatch):
        return True
    others = set(FUNCTIONS[check.assignment]) - {check.function}  # raised in another of their functions
    return failure.failure.kind == "raised" and failure.failure.innermost not in others


def message(failure: Mismatch | StudentFailed, mistake, graded: bool) -> str:
    """Top-down: the summary; the named mistake and its fix, or the hint; what the grader saw
    while loading the code; then, in practice mode only, the details."""
    lines = [failure.summary]
    advice = mistake.diagnosis if mistake is not None else failure.hint
    for part in (advice, failure.background, None if graded else failure.details):
        if part:
            lines.append(part)
    return "\n".join(lines)


def _chosen(assignment: str, hidden: bool, function: str | None, ids) -> list[Check]:
    return [c for c in checks_for(assignment)
            if (hidden or not c.hidden)
            and (function is None or c.function == function)
            and (ids is None or c.id in ids)]


def run_checks(assignment: str, namespace: dict, *, hidden: bool = True,
               function: str | None = None, ids: tuple[str, ...] | None = None,
               problem: str | None = None, cells: list[tuple[str, str]] | None = None) -> list[Result]:
    """The results of the checks of `assignment` on code that ran in this process, in order.

    For a student's own notebook (their kernel, their checks): nothing here is protected
    from their code, and the messages go to them. To grade, use `grade_isolated`. The
    checks are answered by the worker's own handler (`LocalStudent`), the same as in a
    sandbox. hidden: include the hidden checks. function: only the checks of that
    student function. ids: only these checks. problem: why the student's code did not
    run to the end, told with every function it left undefined. cells: the code that ran in
    `namespace` (default: what a kernel's history or the functions' files hold), which checks
    that read the source read.
    """
    from autograder.core.source import definitions
    from autograder.isolation.worker import Worker

    graded = references.has_hidden(assignment) and hidden
    worker = Worker(namespace, assignment)
    worker.problem = problem
    cases = _cases(assignment, graded)
    defined = definitions(cells if cells is not None else cells_of(namespace))

    def student_for(check, case):
        return LocalStudent(worker, case, check.function, FUNCTIONS[assignment], defined,
                            stand_ins=stand_ins_for(check))

    return [run_check(c, student_for, cases, graded) for c in _chosen(assignment, hidden, function, ids)]


def grade_isolated(assignment: str, cells: list[tuple[str, str]], limits: Limits = Limits(), *,
                   hidden: bool = True, zygote=None, timing: dict | None = None) -> list[Result]:
    """Every check of `assignment` on the student's code `cells` ((name, source) pairs), the
    code running in a confined worker, each check within limits.check_seconds and all of
    them within limits.submission_seconds. zygote: the warm autograder.isolation.zygote.Zygote to fork
    workers from (else the one this process was given, or one started for this submission). timing: receives
    "work_seconds", the time the worker spent running the student's code for the checks,
    and "confinement", what held for the worker (`confine.Plan.report`)."""
    from autograder.isolation.zygote import Zygote, ZygoteFailed, start

    own = zygote is None
    if own:
        zygote = start([assignment])
    timing = timing if timing is not None else {}
    try:
        try:
            return _grade(assignment, cells, limits, hidden, zygote, timing)
        except ZygoteFailed:
            if not own or zygote.process is not None:
                raise
            zygote.close()  # the zygote this process was given ended under it: once more, on one of its own
            zygote = Zygote(assignments=[assignment])
            return _grade(assignment, cells, limits, hidden, zygote, timing)
    finally:
        if own:
            zygote.close()


def _grade(assignment, cells, limits, hidden, zygote, timing) -> list[Result]:
    graded = references.has_hidden(assignment) and hidden
    chosen = _chosen(assignment, hidden, None, None)
    cases = _cases(assignment, graded)
    submission = Deadline.within(limits.submission_seconds)
    timing["confinement"] = zygote.confinement
    results = []
    with Sandbox(assignment, cells, limits, submission, zygote) as sandbox:
        try:
            try:
                sandbox.start()  # load the submission before the first check's time starts
            except Fatal:
                pass  # it could not even load: each check will say so
            for c in chosen:
                if time.monotonic() >= submission.at:
                    results.append(_result(c, False, say("not run: the {seconds:g} s for grading this submission "
                                                         "ran out", seconds=limits.submission_seconds), "not run"))
                elif sandbox.unloadable:
                    results.append(_result(c, False, say("not run: {why}", why=sandbox.unloadable), "not run"))
                elif c.function in sandbox.timed_out:
                    results.append(_result(c, False, say("not run: {why} in an earlier check\n"
                                                         "It was not run again: a loop costs its time once.",
                                                         why=sandbox.timed_out[c.function]),
                                           "not run"))
                else:
                    def student_for(check, case):
                        return SandboxStudent(sandbox, Deadline.within(limits.check_seconds, submission), case,
                                              check.function, FUNCTIONS[assignment], stand_ins=stand_ins_for(check))

                    results.append(run_check(c, student_for, cases, graded))
        except SandboxBroken as broken:
            done = {r.id for r in results}
            results += [_result(c, False, say("not graded: the sandbox could not be set up: not your fault\n"
                                              "Please tell your instructor ({why}).", why=broken), "not run")
                        for c in chosen if c.id not in done]
        timing["work_seconds"] = sandbox.work_seconds
    return results


def _cases(assignment: str, graded: bool) -> dict:
    """Graded: every check's cases drawn for grading (the hidden file). Practice: the public cases."""
    return references.load(assignment, "hidden" if graded else "public")


def _result(check: Check, passed: bool, message: str, status: str = "failed", mistake: str | None = None) -> Result:
    return Result(check.id, check.points if passed else 0.0, check.points, passed, message, check.hidden,
                  "passed" if passed else status, mistake)


translations("zh", {
    "not run: hidden checks run only when your instructor grades\n"
    "This copy of the autograder does not have their inputs.":
        "没有运行：隐藏检查只在老师评分时运行\n你这份自动评分程序里没有它们的输入。",
    "internal error in the check {check}: not your fault\nPlease tell your instructor ({where}).":
        "检查 {check} 出现内部错误：这不是你的问题\n请告诉老师（{where}）。",
    "not run: the {seconds:g} s for grading this submission ran out":
        "没有运行：评这份作业的 {seconds:g} 秒已经用完",
    "not run: {why}": "没有运行：{why}",
    "not run: {why} in an earlier check\nIt was not run again: a loop costs its time once.":
        "没有运行：在前面的一项检查中，{why}\n没有再运行它：一个不会结束的循环只耗费一次时间。",
    "not graded: the sandbox could not be set up: not your fault\nPlease tell your instructor ({why}).":
        "没有评分：沙箱没能建立起来，这不是你的问题\n请告诉老师（{why}）。",
})
