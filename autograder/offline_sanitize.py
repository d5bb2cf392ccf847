"""nbgrader's sanitizing of a submission, where its gradebook is out of reach (a grading job).

nbgrader autograde first sanitizes each submitted notebook (nbgrader_config.py:
RepairCells, ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells,
CheckCellMetadata) and grades what comes out. A parallel job must grade the same
cells, but may run on another machine. So the process that has the gradebook
takes a `CourseNotebook` from it, a plain snapshot of what OverwriteCells reads, and
the job runs nbgrader's own preprocessors with that snapshot in place of the
database. What comes out is checked against nbgrader's real sanitizing before any
result is used (autograder.class_grading).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from types import SimpleNamespace

from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearOutput, DeduplicateIds, OverwriteCells


_QUIET = logging.getLogger("autograder.offline_sanitize")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


@dataclass(frozen=True)
class CourseNotebook:
    """What OverwriteCells reads of one notebook in the gradebook, as plain data.

    source_cells: (name, cell_type, locked, checksum, source) in notebook order;
    grade_cells, task_cells: max score by name; solution_cells: names;
    settings: OverwriteCells' configured traits (add_missing_cells, ...).
    """

    source_cells: tuple[tuple, ...]
    grade_cells: dict
    task_cells: dict
    solution_cells: frozenset
    settings: dict

    @classmethod
    def read(cls, db_url: str, assignment: str, config) -> "CourseNotebook | None":
        """The snapshot of ASSIGNMENT's notebook (named after it), or None when the course lacks it."""
        from nbgrader.api import Gradebook

        configured = OverwriteCells(config=config)
        settings = {k: getattr(configured, k) for k in ("add_missing_cells", "missing_cell_notification")}
        with Gradebook(db_url) as gradebook:
            try:
                notebook = gradebook.find_notebook(assignment, assignment)
            except MissingEntry:
                return None
            return cls(tuple((c.name, c.cell_type, c.locked, c.checksum, c.source) for c in notebook.source_cells),
                       {c.name: c.max_score for c in notebook.grade_cells},
                       {c.name: c.max_score for c in notebook.task_cells},
                       frozenset(c.name for c in notebook.solution_cells), settings)


class _Snapshot:
    """The few Gradebook queries OverwriteCells makes, answered from a CourseNotebook."""

    def __init__(self, course: CourseNotebook):
        self.cells = {name: SimpleNamespace(name=name, cell_type=kind, locked=locked, checksum=checksum,
                                            source=source)
                      for name, kind, locked, checksum, source in course.source_cells}
        self.course = course

    def find_source_cell(self, name, notebook, assignment):
        if name not in self.cells:
            raise MissingEntry()
        return self.cells[name]

    def find_graded_cell(self, name, notebook, assignment):
        scores = {**self.course.grade_cells, **self.course.task_cells}
        if name not in scores:
            raise MissingEntry()
        return SimpleNamespace(name=name, max_score=scores[name])

    def find_notebook(self, notebook, assignment):
        def scored(names):
            return [SimpleNamespace(name=n, max_score=s) for n, s in names.items()]

        return SimpleNamespace(source_cells=list(self.cells.values()), grade_cells=scored(self.course.grade_cells),
                               task_cells=scored(self.course.task_cells),
                               solution_cells=[SimpleNamespace(name=n) for n in self.course.solution_cells])


class _OverwriteCellsOffline(OverwriteCells):
    """nbgrader's OverwriteCells, reading a CourseNotebook instead of the gradebook."""

    def __init__(self, course: CourseNotebook):
        super().__init__(**course.settings)
        self.snapshot = _Snapshot(course)

    def preprocess(self, nb, resources):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.gradebook = self.snapshot
        nb, resources = super(OverwriteCells, self).preprocess(nb, resources)  # cell by cell, as nbgrader
        if self.add_missing_cells:
            nb, resources = self.add_missing_grade_cells(nb, resources)
            nb, resources = self.add_missing_task_cells(nb, resources)
        return nb, resources


def sanitize(notebook, assignment: str, course: CourseNotebook):
    """The notebook as nbgrader's sanitizing leaves it, for the cells that run."""
    from autograder.repair_cells import RepairCells

    resources = {"nbgrader": {"assignment": assignment, "notebook": assignment}}
    for step in (RepairCells(), ClearOutput(), DeduplicateIds(), _OverwriteCellsOffline(course)):
        step.log = _QUIET  # nbgrader logs what it changes in its own run; not twice
        notebook, resources = step.preprocess(notebook, resources)
    return notebook
