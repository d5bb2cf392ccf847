"""The nbgrader side of the course: course folders, releases, submissions, grading.

Everything here drives the real `nbgrader` commands, in a course folder made for
the purpose (a copy of `source/` and `nbgrader_config.py`), so the repository
never holds a gradebook or student files.
"""
from __future__ import annotations

import csv
import functools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from autograder.core.assignments import COURSE_ASSIGNMENTS
from autograder.core.paths import NBGRADER_CONFIG, RELEASE, SOURCE, notebook_path

SOLUTION_REGION = re.compile(r"^[ \t]*### BEGIN SOLUTION\n(.*?)^[ \t]*### END SOLUTION\n?", re.M | re.S)


class NbgraderFailed(RuntimeError):
    """An nbgrader command exited with an error."""


def new_course(folder: Path) -> Path:
    """A fresh nbgrader course folder holding the course's source notebooks and settings."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(NBGRADER_CONFIG, folder / "nbgrader_config.py")
    shutil.copytree(SOURCE, folder / "source", dirs_exist_ok=True)
    return folder


def nbgrader(course: Path, *args: str, timeout: float = 1800, must_succeed: bool = True) -> str:
    """Run `nbgrader ARGS` in `course`; return its log. With must_succeed, raise NbgraderFailed when
    it fails (nbgrader fails when any one notebook could not be processed)."""
    bin_dir = str(Path(sys.executable).parent)  # a new gradebook runs `alembic` from here
    path = os.environ.get("PATH", "")
    env = dict(os.environ, PATH=path if path.split(os.pathsep)[0] == bin_dir else bin_dir + os.pathsep + path)
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode and must_succeed:
        raise NbgraderFailed(f"nbgrader {' '.join(args)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done.stdout + done.stderr


def generate_release(course: Path) -> None:
    """nbgrader generate_assignment --force for all seven assignments."""
    nbgrader(course, "generate_assignment", "--force", "--assignment=*")


def released_course(folder: Path) -> Path:
    """new_course(folder) with every assignment released by nbgrader (generate_release): a copy of
    this process's first released course, which holds what nbgrader would write again (the same
    release, the same gradebook rows) in 0.01 s instead of about 12 s."""
    shutil.copytree(_released_template(), folder, dirs_exist_ok=True)
    return folder


@functools.cache
def _released_template() -> Path:
    import atexit
    import tempfile

    template = Path(tempfile.mkdtemp(prefix="released-course-")) / "course"
    atexit.register(shutil.rmtree, template.parent, True)
    generate_release(new_course(template))
    return template


def write_release(target: Path = RELEASE) -> None:
    """Regenerate release/ from source/ (in a scratch course folder) and write it to `target`."""
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        course = new_course(Path(scratch) / "course")
        generate_release(course)
        for assignment in COURSE_ASSIGNMENTS:
            shutil.rmtree(target / assignment, ignore_errors=True)
            shutil.copytree(course / "release" / assignment, target / assignment)


def rebuild() -> list[Path]:
    """What `python -m autograder release` does: the translated editions into source/, from
    translations/ and the English source notebooks, then release/ from source/. Returns the
    translated notebooks' paths; raises translation.TranslationError when one is stale."""
    from course_tools.translation import write_sources

    written = write_sources()
    write_release()
    return written


def answers_of(notebook) -> dict[str, str]:
    """The solution cells' code without the solution markers, by grade id."""
    answers = {}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            answers[meta["grade_id"]] = SOLUTION_REGION.sub(lambda m: m.group(1), cell.source)
    return answers


def student_notebook(assignment: str, answers: dict[str, str] | None = None):
    """The release notebook of `assignment` with some solution cells filled in (by grade id)."""
    notebook = nbformat.read(notebook_path(RELEASE, assignment), as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if answers and grade_id in answers:
            cell.source = answers[grade_id]
    return notebook


def reference_answers(assignment: str) -> dict[str, str]:
    """What a student who writes the course's solutions submits, by grade id."""
    return answers_of(nbformat.read(notebook_path(SOURCE, assignment), as_version=4))


def submit(course: Path, student: str, assignment: str, notebook) -> Path:
    """Put `notebook` where nbgrader looks for STUDENT's submission of ASSIGNMENT."""
    path = notebook_path(course / "submitted" / student, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def autograde(course: Path, assignment: str = "*", must_succeed: bool = True) -> str:
    return nbgrader(course, "autograde", "--force", f"--assignment={assignment}", must_succeed=must_succeed)


def generate_feedback(course: Path, assignment: str = "*", must_succeed: bool = True) -> str:
    return nbgrader(course, "generate_feedback", "--force", f"--assignment={assignment}", must_succeed=must_succeed)


def export_grades(course: Path) -> list[dict]:
    """nbgrader export: grades.csv in the course folder, also returned as rows. Not exported again
    while what the export reads, the gradebook and the course's config, is as this process left it."""
    exported = _EXPORTED.get(course)
    if exported is None or exported[0] != _export_inputs(course) or not (course / "grades.csv").is_file():
        nbgrader(course, "export")
        with open(course / "grades.csv", newline="") as f:
            _EXPORTED[course] = _export_inputs(course), list(csv.DictReader(f))
    return [dict(row) for row in _EXPORTED[course][1]]


_EXPORTED: dict[Path, tuple[tuple, list[dict]]] = {}


def _export_inputs(course: Path) -> tuple:
    """What changes whenever gradebook.db or nbgrader_config.py is written or replaced: inode, size,
    mtime and ctime (a copy keeps the mtime, not the ctime); None for a file that is not there."""
    def state(path: Path):
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        return stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns

    return state(course / "gradebook.db"), state(course / "nbgrader_config.py")


def cell_scores(course: Path, student: str, assignment: str) -> dict[str, float]:
    """The score of every autograded test cell of one submission, by grade id, from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook(assignment, assignment, student)
        return {grade.name: grade.score for grade in submission.grades
                if grade.cell.cell_type == "code"}


def gradebook_scores(course: Path) -> dict[tuple[str, str, str], float]:
    """Every autograded score in the course's gradebook: (student, assignment, grade id) -> score."""
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for assignment in gradebook.assignments:
            for submission in assignment.submissions:
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        if grade.cell.cell_type == "code":
                            scores[submission.student.id, assignment.name, grade.name] = grade.score
    return scores


def autograded_outputs(course: Path) -> dict[tuple[str, str, str], str]:
    """What each test cell of each autograded notebook shows, and the grading's record of its check
    (its cell metadata, which the class report reads): (student, assignment, grade id) -> text."""
    shown = {}
    for path in sorted((course / "autograded").glob("*/*/*.ipynb")):
        student, assignment = path.parent.parent.name, path.parent.name
        for cell in nbformat.read(path, as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.cell_type == "code" and grade_id:
                shown[student, assignment, grade_id] = "".join(
                    o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in cell.get("outputs", [])
                ) + (json.dumps(cell.metadata["autograder"], sort_keys=True) if "autograder" in cell.metadata else "")
    return shown


def run_notebook(path: Path, timeout: float = 300):
    """Execute a notebook top to bottom, as a student's Run All would; stop at an error.

    Returns the executed notebook and the seconds it took.
    """
    import time

    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return notebook, time.perf_counter() - start
