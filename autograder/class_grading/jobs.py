"""One job of a class's grading: one submitted notebook, graded where a worker pool runs it.

`grade_job` runs in a grading process (a local pool process or a Dask worker), never
in the process that writes the gradebook. Each grading thread has one grader's end of a
warm `Zygote` (a local pool's processes share the pool's one; a Dask worker's thread starts its
own on its first job), and forks a sandboxed worker from it for every notebook: the isolation
and limits of `grade_isolated`, without paying for the imports and the data each time.

The job grades the cells nbgrader will grade: it sanitizes the submitted notebook
with the course's own nbgrader preprocessors (`autograder.integration.offline_sanitize`). nbgrader then
checks that prediction cell for cell before it uses the results
(`autograder.class_grading.grade`): a wrong prediction costs time, never a wrong score.
"""
from __future__ import annotations

import atexit
import threading
import time
from dataclasses import dataclass, field

from autograder.integration.nbgrader_speed import faster_nbgrader
from autograder.integration.offline_sanitize import CourseNotebook, sanitize
from autograder.core.assignments import edition
from autograder.core.messages import speaking
from autograder.isolation.runner import Result, grade_isolated
from autograder.core.limits import Limits
from autograder.isolation.zygote import Zygote, ZygoteFailed, start

_local = threading.local()
_CACHES: list = []  # nbgrader's caches, entered once by a local grading process (`warm`)


@dataclass(frozen=True)
class Job:
    """One submission to grade: whose, of which assignment, the notebook's text (as submitted),
    what the course's gradebook says of that notebook, and the limits."""

    student: str
    assignment: str  # nbgrader's id: an assignment, or its edition in another language (01_init_zh)
    notebook: str
    course: CourseNotebook  # what nbgrader's sanitizing reads from the course's gradebook
    limits: Limits = Limits()

    @property
    def key(self) -> tuple[str, str]:
        return self.student, self.assignment


@dataclass(frozen=True)
class Graded:
    """What a job found: the cells it ran and their results, or why it could not grade."""

    key: tuple[str, str]
    cells: list[tuple[str, str]] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    seconds: float = 0.0  # from the notebook read to the last check's result
    work_seconds: float = 0.0  # of which the worker ran the student's code for the checks
    error: str | None = None
    confinement: dict | None = None  # what the sandbox held (`confine.Plan.report`)


def grade_job(job: Job) -> Graded:
    """Grade one submitted notebook in a worker forked from this process's warm zygote."""
    start = time.perf_counter()
    try:
        cells = sanitized_cells(job.notebook, job.course)
    except Exception as error:  # nbgrader will refuse the notebook too, and record why
        return Graded(job.key, error=f"cannot read the notebook: {type(error).__name__}: {error}")
    timing: dict = {}
    assignment, language = edition(job.assignment)
    with speaking(language):
        for _ in range(2):
            try:
                results = grade_isolated(assignment, cells, job.limits, zygote=_zygote(), timing=timing)
                break
            except ZygoteFailed:  # it died (or was killed): a new one, once; then a cold worker
                _drop_zygote()
        else:
            results = grade_isolated(assignment, cells, job.limits, timing=timing)
    return Graded(job.key, cells, results, time.perf_counter() - start, timing.get("work_seconds", 0.0),
                  confinement=timing.get("confinement"))


def sanitized_cells(text: str, course: CourseNotebook) -> list[tuple[str, str]]:
    """The student's code cells of a submitted notebook as nbgrader's autograde will run them."""
    import nbformat

    from autograder.core.submission import notebook_cells

    notebook = sanitize(nbformat.reads(text, as_version=4), course)
    return notebook_cells(notebook, "your notebook")


def warm(assignments=(), door=None) -> None:
    """A local pool's initializer, in a grading process of its own: become a grader of the pool's
    zygote (through `door`, `Zygote.door`), else start one now rather than on its first job, warm
    for `assignments` (those of the class); and keep nbgrader's two caches (`faster_nbgrader`) for
    the process's life, for the sanitizing of every job (about 20 ms less a notebook: nbgrader's
    cell-metadata schema checked once, one database engine per snapshot)."""
    if not _CACHES:  # kept referenced: a collected block would restore nbgrader as it left it
        _CACHES.append(faster_nbgrader())
        _CACHES[0].__enter__()  # left when the process ends: it grades and does nothing else
    if door is not None and getattr(_local, "zygote", None) is None:
        try:
            _local.zygote = Zygote.through(door)
            atexit.register(_local.zygote.close)
        except ZygoteFailed:  # the pool's has ended: one of this process's own
            pass
    _zygote(assignments)


def _zygote(assignments=()) -> Zygote:
    """This thread's zygote: the one the process was given, else one of its own, which warms up for
    `assignments` at once and for any other assignment at its first job (fastai, for 07 only, is
    most of a warm-up: 3.7 of 7.3 s)."""
    if getattr(_local, "zygote", None) is None:
        _local.zygote = start(list(assignments))
        atexit.register(_local.zygote.close)
    return _local.zygote


def _drop_zygote() -> None:
    zygote, _local.zygote = getattr(_local, "zygote", None), None
    if zygote is not None:
        try:
            zygote.close()
        except OSError:
            pass
