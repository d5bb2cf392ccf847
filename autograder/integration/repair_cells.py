"""Before nbgrader reads a submission: give every graded cell back the metadata it was released with.

Students duplicate cells, rename grade ids, unlock test cells or turn them into answer
cells; nbgrader then refuses the whole notebook ("Inconsistent checksums", KeyError
'grade_id') and the student gets no grade at all. `RepairCells` runs first in
nbgrader's sanitize step: a cell whose grade id is one of the release's gets the
release's nbgrader metadata again (a test cell, its code too); a second cell with the
same grade id, or one with a grade id the release does not have, loses its nbgrader
metadata and is graded as what it is, the student's own code. nbgrader's
OverwriteCells then restores deleted test cells as usual.
"""
from __future__ import annotations

import copy
from functools import lru_cache

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.core.paths import RELEASE, notebook_path


class RepairCells(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        released = released_cells(resources["nbgrader"]["assignment"])
        seen = set()
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader")
            if meta is None:
                continue
            grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
            if grade_id not in released or grade_id in seen:
                del cell.metadata["nbgrader"]  # the student's own cell now
                continue
            seen.add(grade_id)
            original = released[grade_id]
            cell.metadata["nbgrader"] = copy.deepcopy(original.metadata["nbgrader"])
            cell.cell_type = original.cell_type
            if original.metadata["nbgrader"].get("grade") and not original.metadata["nbgrader"].get("solution"):
                cell.source = original.source  # a test cell runs as written
            if cell.cell_type == "code":
                cell.setdefault("outputs", [])
                cell.setdefault("execution_count", None)
            else:
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
        return nb, resources


@lru_cache(maxsize=None)
def released_cells(assignment: str) -> dict:
    """The release notebook's graded and locked cells, by grade id (read once per process)."""
    notebook = nbformat.read(notebook_path(RELEASE, assignment), as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c for c in notebook.cells if "nbgrader" in c.metadata}
