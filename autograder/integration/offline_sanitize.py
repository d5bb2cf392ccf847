"""nbgrader's sanitizing of a submission, where the course's gradebook is out of reach (a grading job).

nbgrader autograde first sanitizes each submitted notebook with the course's
`Autograde.sanitize_preprocessors` (nbgrader_config.py: RepairCells, ClearOutput,
DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata) and grades
what comes out. A parallel job must grade the same cells, but may run on another
machine. So the process that has the course's gradebook copies what those
preprocessors read of one notebook (the notebook, its source, grade, solution and task
cells; no student's data) into a small gradebook of its own, with nbgrader's
`Gradebook` API, and hands the job that file with the preprocessors' classes and the
course's configuration: a `CourseNotebook`. The job runs nbgrader's preprocessors,
unmodified, against it. What comes out is checked against nbgrader's real sanitizing
before any result is used (autograder.class_grading.grade), so a difference costs time,
never a score.
"""
from __future__ import annotations

import atexit
import hashlib
import logging
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

_QUIET = logging.getLogger("autograder.integration.offline_sanitize")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


@dataclass(frozen=True)
class CourseNotebook:
    """What nbgrader's sanitizing reads of one notebook: `gradebook`, the bytes of a sqlite
    gradebook that holds that notebook's rows only; `preprocessors`, the course's
    `Autograde.sanitize_preprocessors`; `config`, the course's configuration (a traitlets
    Config) they are built with."""

    assignment: str
    gradebook: bytes
    preprocessors: tuple[type, ...]
    config: object

    @classmethod
    def read(cls, db_url: str, assignment: str, config) -> "CourseNotebook | None":
        """The snapshot of ASSIGNMENT's notebook (named after it), or None when the course lacks it."""
        from nbgrader.api import Gradebook, MissingEntry
        from nbgrader.converters import Autograde
        from traitlets.config import Config

        config = Config(config or {})
        with Gradebook(db_url) as course:
            try:
                notebook = course.find_notebook(assignment, assignment)
            except MissingEntry:
                return None
            with tempfile.TemporaryDirectory(prefix="autograder-gradebook-") as folder:
                path = Path(folder) / "gradebook.db"
                _create_tables(f"sqlite:///{path}")
                with Gradebook(f"sqlite:///{path}") as small:
                    _copy_notebook(notebook, assignment, small)
                data = path.read_bytes()
        return cls(assignment, data, tuple(Autograde(config=config).sanitize_preprocessors), config)


def _create_tables(url: str) -> None:
    """nbgrader's tables in a new database. `Gradebook` creates them too, but first runs the
    `alembic` command for the schema version only `nbgrader db upgrade` reads: seconds, and a
    command that may not be on PATH."""
    import sqlalchemy
    from nbgrader.api import Base

    engine = sqlalchemy.create_engine(url)
    try:
        Base.metadata.create_all(bind=engine)
    finally:
        engine.dispose()


def _copy_notebook(notebook, assignment: str, into) -> None:
    """NOTEBOOK's rows (an nbgrader.api.Notebook), written into the gradebook INTO in their order."""
    into.add_assignment(assignment)
    into.add_notebook(notebook.name, assignment, kernelspec=notebook.kernelspec)
    for c in notebook.source_cells:
        into.add_source_cell(c.name, notebook.name, assignment, cell_type=c.cell_type, locked=c.locked,
                             checksum=c.checksum, source=c.source)
    for c in notebook.grade_cells:
        into.add_grade_cell(c.name, notebook.name, assignment, cell_type=c.cell_type, max_score=c.max_score)
    for c in notebook.task_cells:
        into.add_task_cell(c.name, notebook.name, assignment, cell_type=c.cell_type, max_score=c.max_score)
    for c in notebook.solution_cells:
        into.add_solution_cell(c.name, notebook.name, assignment)


def sanitize(notebook, course: CourseNotebook):
    """The notebook as nbgrader's sanitizing leaves it: the course's preprocessors, in order,
    against a gradebook that holds this notebook's rows."""
    resources = {"nbgrader": {"assignment": course.assignment, "notebook": course.assignment,
                              "db_url": _gradebooks.url(course)}}
    for cls in course.preprocessors:
        step = cls(config=course.config)
        step.log = _QUIET  # nbgrader logs what it changes in its own run; not twice
        notebook, resources = step(notebook, resources)  # as nbconvert calls it: honours `enabled`
    return notebook


class _Gradebooks:
    """This process's copies of the small gradebooks, one file each, removed at exit."""

    def __init__(self):
        self.lock, self.folder, self.urls = threading.Lock(), None, {}

    def url(self, course: CourseNotebook) -> str:
        key = hashlib.sha256(course.gradebook).hexdigest()
        with self.lock:
            if key not in self.urls:
                if self.folder is None:
                    self.folder = Path(tempfile.mkdtemp(prefix="autograder-gradebooks-"))
                    atexit.register(shutil.rmtree, self.folder, True)
                path = self.folder / f"{key[:16]}.db"
                path.write_bytes(course.gradebook)
                self.urls[key] = f"sqlite:///{path}"
            return self.urls[key]


_gradebooks = _Gradebooks()
