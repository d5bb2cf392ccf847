"""Grade a whole class: every submission in an nbgrader course, in parallel, into nbgrader's gradebook.

`python -m autograder grade [ASSIGNMENT] [--jobs N] [--scheduler ADDRESS]`, run in
the course folder (or with --course), does two things at once:

1. It sends one `Job` per submitted notebook to an executor (`autograder.class_grading.executors`):
   local grading processes, or a Dask cluster. Each grades notebooks in sandboxed
   workers forked from a warm zygote (`autograder.class_grading.jobs`), so no notebook pays for
   importing torch and fastai or loading the data.
2. Meanwhile, in this process, it runs nbgrader's own autograde (the course's
   nbgrader_config.py, unchanged) over the same submissions. When nbgrader's
   SandboxedExecute reaches a notebook, it takes the job's results instead of grading
   it again, provided the job ran exactly the cells nbgrader sanitized; otherwise it
   grades the notebook itself, as `nbgrader autograde` does.

So the gradebook, the autograded notebooks, late penalties and everything after
(`nbgrader generate_feedback`, `nbgrader export`, the formgrader) are nbgrader's
own, and the scores are those `nbgrader autograde` gives.
"""
from __future__ import annotations

import logging
import os
import re
import sys
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from autograder.core.assignments import COURSE_ASSIGNMENTS, edition
from autograder.class_grading.jobs import Job
from autograder.integration.nbgrader_speed import faster_nbgrader
from autograder.integration.offline_sanitize import CourseNotebook
from autograder.class_grading.progress import Progress
from autograder.core.limits import Limits

_FAILED = re.compile(r"error processing assignment '([^']*)' for student '([^']*)'")


class CourseError(ValueError):
    """The folder is not an nbgrader course this command can grade."""


@dataclass
class Run:
    """One grading of a class: the jobs' futures by (student, assignment), and what became of them."""

    futures: dict = field(default_factory=dict)
    progress: Progress | None = None
    patience: float = 360.0  # seconds to wait for the job of the notebook nbgrader asks for
    stalled: bool = False  # a job did not finish in time: the pool stopped answering
    used: int = 0  # notebooks whose results nbgrader took from a job
    regraded: list = field(default_factory=list)  # (student, assignment, why) nbgrader graded itself
    job_seconds: float = 0.0  # the jobs' time, summed
    work_seconds: float = 0.0  # of which the workers ran the students' code for the checks
    confinement: dict | None = None  # what the sandbox held in the jobs (`confine.Plan.report`)

    def results_for(self, student: str, assignment: str, cells: list[tuple[str, str]]):
        """The job's results for this notebook, if the job graded exactly these cells; else None.
        Called by SandboxedExecute, in nbgrader's one thread."""
        future = self.futures.get((student, assignment))
        why = "no job graded it"
        if future is not None:
            try:  # jobs run in nbgrader's order: the one asked for runs, or is done, unless the pool died
                if self.stalled and not future.done():
                    raise TimeoutError("an earlier job did not finish either")
                graded = future.result(timeout=self.patience)
            except TimeoutError as error:  # a cluster that lost its workers never finishes: do not wait on it
                self.stalled = True
                why = f"its job did not finish within {self.patience:g} s" + (f" ({error})" if str(error) else "")
                graded = None
            except Exception as error:  # a grading process died: nbgrader grades it itself
                graded, why = None, f"its job failed ({type(error).__name__}: {error})"
            if graded is not None:
                self.confinement = self.confinement or graded.confinement
                self.job_seconds += graded.seconds
                self.work_seconds += graded.work_seconds
                if graded.error:
                    why = graded.error
                elif graded.cells != cells:
                    why = "nbgrader sanitized its cells differently than the job predicted"
                else:
                    self.used += 1
                    return graded.results
        self.regraded.append((student, assignment, why))
        return None

    def recorded(self) -> None:
        if self.progress is not None:
            self.progress.one_recorded()


@dataclass(frozen=True)
class Summary:
    notebooks: int
    students: int
    assignments: int
    seconds: float
    where: str
    used: int
    regraded: list
    job_seconds: float
    work_seconds: float
    jobs: int
    errors: list[str]
    log: Path
    confinement: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def overhead(self) -> float:
        """Seconds per notebook the class took beyond the students' own code, spread over the jobs."""
        if not self.notebooks:
            return 0.0
        return (self.seconds - self.work_seconds / self.jobs) / self.notebooks

    def text(self) -> str:
        rate = 60 * self.notebooks / self.seconds if self.seconds else 0.0
        lines = [f"graded {_many(self.notebooks, 'notebook')} ({_many(self.students, 'student')}, "
                 f"{_many(self.assignments, 'assignment')}) in {self.seconds:.1f} s with {self.where}: {rate:.0f} notebooks/min",
                 f"recorded by nbgrader: {self.used} from the parallel jobs, {len(self.regraded)} graded "
                 "again by nbgrader itself",
                 f"time in the jobs: {self.job_seconds:.1f} s, of which the students' code ran for the "
                 f"checks {self.work_seconds:.1f} s; overhead beyond it: {self.overhead:.3f} s per notebook"]
        lines += [f"  graded again: {s}/{a}: {why}" for s, a, why in self.regraded]
        if self.confinement:
            unprotected = self.confinement["unprotected"]
            lines.append("sandbox: " + ("every protection holds" if not unprotected else
                                        "not protected here: " + "; ".join(
                                            f"{k} ({self.confinement['held'][k]})" for k in unprotected)))
        failed = [f"{s}/{a}" for a, s in (_FAILED.search(e).groups() for e in self.errors if _FAILED.search(e))]
        if failed:
            lines.append(f"nbgrader could not grade {len(failed)} notebook{'s' if len(failed) > 1 else ''}: "
                         f"{', '.join(failed)} (why: its log, {self.log})")
        elif self.errors:
            lines.append(f"nbgrader failed: {self.errors[0]} (its log: {self.log})")
        else:
            lines.append(f"nbgrader: no errors (its log: {self.log})")
        return "\n".join(lines)


def _many(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def submissions(course: Path, assignment: str | None) -> list[tuple[str, str, Path]]:
    """(student, assignment, notebook) of every submission nbgrader would autograde, in its order
    (by student, then assignment). assignment: one assignment, or None for all."""
    from autograder.integration.links import linked

    wanted = [assignment] if assignment else COURSE_ASSIGNMENTS
    found = []
    for folder in sorted((course / "submitted").glob("*/*")):
        student, name = folder.parent.name, folder.name
        notebook = folder / f"{name}.ipynb"
        if name in wanted and notebook.is_file() and not linked(folder, course / "submitted"):
            found.append((student, name, notebook))  # a link: nbgrader's hook refuses it, and says so
    return found


def grade_class(course: Path, assignment: str | None = None, *, jobs: int = 2, scheduler: str | None = None,
                tls: Path | None = None, force: bool = False, out=None) -> Summary:
    """Grade every submission of `assignment` (None: all) in the nbgrader course folder `course`."""
    from autograder.class_grading import executors
    from autograder.integration.sandboxed_execute import SandboxedExecute

    course = course.resolve()
    if not (course / "nbgrader_config.py").is_file():
        raise CourseError(f"{course}: not an nbgrader course folder (no nbgrader_config.py)")
    if assignment is not None and assignment not in COURSE_ASSIGNMENTS:
        raise CourseError(f"unknown assignment {assignment!r}: expected one of {', '.join(COURSE_ASSIGNMENTS)}")
    todo = [s for s in submissions(course, assignment) if force or _not_yet_graded(course, *s[:2])]
    start = time.perf_counter()
    log = course / "grade.log"
    from autograder.class_grading.cluster_tls import TlsError

    try:
        # its processes warm up, for the assignments to grade, while nbgrader starts
        pool = executors.executor(jobs, scheduler, tls, sorted({edition(name)[0] for _, name, _ in todo}))
    except TlsError as error:
        raise CourseError(str(error)) from None
    except (OSError, TimeoutError) as error:
        raise CourseError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
    run = Run(progress=Progress(len(todo), out))
    with _in_folder(course):
        try:
            app, errors = _autograde_app(course, assignment, force, log)
            limits = _limits(app.config)
            run.patience = limits.submission_seconds + 60  # a job's own bound, and its start
            notebooks = {a: CourseNotebook.read(app.coursedir.db_url, a, app.config) for a in {a for _, a, _ in todo}}
            for student, name, path in todo:
                if notebooks[name] is None:
                    continue  # not released in this course: nbgrader says so in its log
                text = path.read_text(encoding="utf-8", errors="replace")
                try:
                    future = pool.submit(Job(student, name, text, notebooks[name], limits))
                except Exception as error:  # the pool broke: nbgrader grades the rest itself
                    errors.append(f"the grading processes stopped ({type(error).__name__}: {error}); "
                                  "nbgrader graded the remaining notebooks itself")
                    break
                future.add_done_callback(run.progress.one_graded)
                run.futures[student, name] = future
            SandboxedExecute.precomputed = run
            try:
                with warnings.catch_warnings(), faster_nbgrader():
                    warnings.simplefilter("ignore")  # nbformat's notes on cell ids: nbgrader's business
                    app.start()
            except SystemExit:  # nbgrader could not process some notebook: its log says which
                errors.append("nbgrader autograde failed for some notebooks")
        finally:
            SandboxedExecute.precomputed = None
            pool.close()
            run.progress.finish()
    return Summary(len(todo), len({s for s, _, _ in todo}), len({a for _, a, _ in todo}),
                   time.perf_counter() - start, pool.where, run.used, run.regraded,
                   run.job_seconds, run.work_seconds, pool.jobs, errors, log, run.confinement)


def _autograde_app(course: Path, assignment: str | None, force: bool, log: Path):
    """nbgrader's AutogradeApp, configured from the course's nbgrader_config.py, logging to `log`;
    and the list its error messages go to."""
    from nbgrader.apps.autogradeapp import AutogradeApp

    app = AutogradeApp()
    app.initialize([f"--assignment={assignment or '*'}", *(["--force"] if force else [])])
    errors: list[str] = []
    collect = _Collect(errors)
    collect.setLevel(logging.ERROR)
    to_file = logging.FileHandler(log, mode="w")
    to_file.setFormatter(logging.Formatter("[%(name)s | %(levelname)s] %(message)s"))
    app.log.handlers = [collect, to_file]
    app.log.setLevel(logging.INFO)
    return app, errors


class _Collect(logging.Handler):
    def __init__(self, into: list[str]):
        super().__init__()
        self.into = into

    def emit(self, record):
        self.into.append(record.getMessage().splitlines()[0][:300])


def _limits(config) -> Limits:
    """The limits the course's nbgrader_config.py sets for SandboxedExecute."""
    from autograder.integration.sandboxed_execute import SandboxedExecute

    return SandboxedExecute(config=config).limits


def _not_yet_graded(course: Path, student: str, assignment: str) -> bool:
    """What nbgrader autograde without --force processes: new submissions, and resubmissions."""
    done = course / "autograded" / student / assignment
    if not done.exists():
        return True
    new, old = _timestamp(course / "submitted" / student / assignment), _timestamp(done)
    return new is not None and old is not None and new > old


def _timestamp(folder: Path):
    """A submission's timestamp.txt as nbgrader reads it, or None (missing, empty or unreadable)."""
    from nbgrader.utils import parse_utc

    try:
        return parse_utc((folder / "timestamp.txt").read_text().strip())
    except (OSError, ValueError):
        return None


@contextmanager
def _in_folder(folder: Path):
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def main(args) -> int:
    """The `grade` command of `python -m autograder`."""
    try:
        summary = grade_class(Path(args.course), args.assignment, jobs=args.jobs, scheduler=args.scheduler,
                              tls=Path(args.tls) if args.tls else None, force=args.force)
    except CourseError as error:
        print(f"autograder: error: {error}", file=sys.stderr)
        return 2
    print(summary.text())
    return 0 if summary.ok else 1
