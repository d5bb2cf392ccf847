"""What the grading of a class left behind, read back: nbgrader's gradebook, and the record of
each check in the autograded notebooks (`autograder.integration.cell_record`).

The class report and the exports read only this: no figure is computed again by running a
student's code. Both `nbgrader autograde` and `python -m autograder grade` write the records.

A student works in one edition of each assignment (English, or Chinese: 03_sigmoid_loss_zh), and
both editions have the same checks and points, so the records are by assignment: a submission of
an edition counts as a submission of its assignment, and remembers its edition. (Should a student
submit both editions of one assignment, the better-scored one counts.)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class CourseError(ValueError):
    """The course folder cannot be read as a graded course: said in one line."""


@dataclass(frozen=True)
class CheckRecord:
    """One check of one submission: the grading's record, and the verdict the student reads."""

    check: str
    status: str  # autograder.isolation.runner.STATUSES
    mistake: str | None  # the known mistake's id
    points: float
    max_points: float
    hidden: bool
    summary: str  # the first line of the message ("" when it passed)
    output: str  # what the test cell printed: the verdict and message of the feedback


@dataclass(frozen=True)
class ManualGrade:
    """An answer graded by hand: its points (None until graded) out of max_points."""

    grade_id: str
    points: float | None
    max_points: float
    needs_grading: bool


@dataclass
class SubmissionRecord:
    student: str
    assignment: str  # the assignment (03_sigmoid_loss), whichever edition was submitted
    edition: str  # nbgrader's id of what was submitted: the assignment, or its edition (…_zh)
    score: float  # nbgrader's, late penalty and manual grades included
    max_score: float
    seconds_late: float
    checks: dict[str, CheckRecord] = field(default_factory=dict)  # by check id
    cell_scores: dict[str, float] = field(default_factory=dict)  # the gradebook's, by grade id (overrides kept)
    manual: list[ManualGrade] = field(default_factory=list)


@dataclass
class CourseRecords:
    folder: Path
    assignments: list[str]  # those the gradebook knows, in its order, an edition counted as its assignment
    students: list[str]  # every student of the gradebook
    submissions: dict[tuple[str, str], SubmissionRecord]  # (student, assignment) ->
    unreadable: list[tuple[str, str]]  # (student, assignment) submitted, but nbgrader could not grade it

    def of(self, assignment: str) -> list[SubmissionRecord]:
        return [s for (_, a), s in sorted(self.submissions.items()) if a == assignment]


def read_course(folder: Path, assignment: str | None = None) -> CourseRecords:
    """The graded course in `folder` (all assignments, or one). CourseError: no gradebook, or
    an assignment nobody submitted."""
    database = folder / "gradebook.db"
    if not database.is_file():  # said before importing nbgrader: at once, not after a second of imports
        raise CourseError(f"no gradebook.db in {folder}: grade the class first (python -m autograder grade, "
                          "or nbgrader autograde), or pass --course")
    import nbformat
    from nbgrader.api import Gradebook, MissingEntry

    from autograder.integration.cell_record import RECORD

    with Gradebook(f"sqlite:///{database}") as gradebook:
        names = [a.name for a in gradebook.assignments]
        chosen = [n for n in names if assignment is None or assignment_of(n) == assignment_of(assignment)]
        if not chosen:
            raise CourseError(f"the gradebook of {folder} has no assignment {assignment} (it has "
                              f"{', '.join(names) or 'none'})")
        submitted = {path.parent.name for name in chosen for path in (folder / "submitted").glob(f"*/{name}")}
        students = sorted({s.id for s in gradebook.students} | submitted)  # nbgrader may not have recorded one
        submissions, unreadable = {}, []
        for name in chosen:
            for student in students:
                try:
                    submission = gradebook.find_submission(name, student)
                except MissingEntry:
                    if (folder / "submitted" / student / name).is_dir():
                        unreadable.append((student, assignment_of(name)))
                    continue
                record = SubmissionRecord(student, assignment_of(name), name, float(submission.score),
                                          float(submission.max_score), float(submission.total_seconds_late or 0.0))
                paths = [folder / "autograded" / student / name / f"{n.name}.ipynb" for n in submission.notebooks]
                if not all(path.is_file() for path in paths):  # nbgrader failed on it: nothing to export
                    unreadable.append((student, assignment_of(name)))
                    continue
                for notebook, path in zip(submission.notebooks, paths):
                    for grade in notebook.grades:
                        if grade.cell.cell_type == "markdown":
                            record.manual.append(ManualGrade(grade.name, grade.manual_score, float(grade.max_score),
                                                             bool(grade.needs_manual_grade)))
                        else:
                            record.cell_scores[grade.name] = float(grade.score)
                    for cell in nbformat.read(path, as_version=4).cells:
                        found = cell.metadata.get(RECORD)
                        if cell.cell_type == "code" and isinstance(found, dict):
                            record.checks[found["check"]] = _check(found, cell)
                other = submissions.get((student, record.assignment))
                if other is None or record.score > other.score:
                    submissions[student, record.assignment] = record
    if assignment is not None and not submissions and not unreadable:
        raise CourseError(f"nobody submitted {assignment} in {folder}: there is nothing to report")
    return CourseRecords(folder, list(dict.fromkeys(map(assignment_of, chosen))), students, submissions, unreadable)


def assignment_of(nbgrader_id: str) -> str:
    """The course's assignment an nbgrader id is an edition of; an id the course does not know (an
    assignment graded by hand only) is its own."""
    from autograder.core.assignments import UnknownAssignment, edition

    try:
        return edition(nbgrader_id)[0]
    except UnknownAssignment:
        return nbgrader_id


def _check(found: dict, cell) -> CheckRecord:
    printed = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
    return CheckRecord(str(found["check"]), str(found["status"]), found.get("mistake"), float(found["points"]),
                       float(found["max_points"]), bool(found["hidden"]), str(found.get("summary", "")),
                       printed.strip())
