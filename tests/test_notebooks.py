"""The instructor notebooks and their generated student releases."""
import inspect
import importlib

import nbformat
import pytest

from course_tools import course
from autograder.core.assignments import ASSIGNMENTS, FUNCTIONS, earlier, module_name
from autograder.core.checks import checks_for


def read(folder, assignment):
    return nbformat.read(course.notebook_path(folder, assignment), as_version=4)


def nbgrader_cells(notebook):
    return [(c, c.metadata["nbgrader"]) for c in notebook.cells if "nbgrader" in c.metadata]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebook_layout(assignment):
    notebook = read(course.SOURCE, assignment)
    cells = nbgrader_cells(notebook)
    assert notebook.cells[0].source.startswith(f"# {ASSIGNMENTS.index(assignment) + 1} of 7")
    assert "```text" in notebook.cells[0].source and "Points:" in notebook.cells[0].source
    solutions = [m["grade_id"] for c, m in cells if m["solution"] and c.cell_type == "code"]
    assert solutions == list(FUNCTIONS[assignment])
    tests = {m["grade_id"]: m["points"] for c, m in cells if m["grade"] and not m["solution"]}
    assert tests == {c.id: c.points for c in checks_for(assignment)}
    manual = [m for c, m in cells if m["grade"] and m["solution"] and c.cell_type == "markdown"]
    assert 1 <= len(manual) <= 2
    for index, cell in enumerate(notebook.cells):
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            assert "### BEGIN SOLUTION" in cell.source and '"""' in cell.source.split("### BEGIN SOLUTION")[0]
            following = [c.source for c in notebook.cells[index + 1:index + 3]]
            assert f'check("{meta["grade_id"]}", globals())' in following
    for check in checks_for(assignment):
        (cell,) = [c for c, m in cells if m["grade_id"] == check.id]
        hidden = "### BEGIN HIDDEN TESTS" in cell.source
        assert hidden == check.hidden and f'grade("{check.id}", globals())' in cell.source
    for cell in notebook.cells:  # grading runs only the student's cells: every other code cell says why not
        if cell.cell_type == "code" and "nbgrader" not in cell.metadata:
            assert cell.metadata.get("tags") in (["demo"], ["check"]), cell.source[:80]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebooks_are_stored_without_outputs(assignment):
    for cell in read(course.SOURCE, assignment).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("assignment", ASSIGNMENTS[1:])
def test_provided_functions_are_the_reference_solutions(assignment):
    (cell,) = [c for c, m in nbgrader_cells(read(course.SOURCE, assignment))
               if m["grade_id"] == f"provided_{assignment}"]
    assert cell.metadata["nbgrader"]["locked"]
    for step in earlier(assignment):
        module = importlib.import_module(f"solutions.{module_name(step)}")
        for name in FUNCTIONS[step]:
            assert inspect.getsource(getattr(module, name)).rstrip() in cell.source, (
                f"{name} in {assignment}'s provided cell differs from solutions/: copy it again")


def test_the_committed_release_is_what_nbgrader_generates(tmp_path):
    course.write_release(tmp_path)
    for assignment in ASSIGNMENTS:
        generated = course.notebook_path(tmp_path, assignment).read_bytes()
        committed = course.notebook_path(course.RELEASE, assignment).read_bytes()
        assert generated == committed, f"release/{assignment} is stale: run `python3.11 tasks.py release`"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_release_holds_no_solution_and_no_hidden_test(assignment):
    text = course.notebook_path(course.RELEASE, assignment).read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text
    released = read(course.RELEASE, assignment)
    source_text = "\n".join(c.source for c in released.cells)
    for check in checks_for(assignment):
        assert (f'grade("{check.id}"' in source_text) != check.hidden, check.id
    # every solution line that appears nowhere else in the source notebook must be gone
    source = "\n".join(c.source for c in read(course.SOURCE, assignment).cells)
    regions = course.SOLUTION_REGION.findall(source)
    elsewhere = course.SOLUTION_REGION.sub("", source)
    secret = {line.strip() for region in regions for line in region.splitlines()
              if line.strip() and line.strip() not in elsewhere}
    assert secret
    for line in secret:
        assert line not in source_text, f"{line!r} reached the release"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_release_runs_top_to_bottom_reporting_not_implemented(assignment):
    notebook, _ = course.run_notebook(course.notebook_path(course.RELEASE, assignment))
    printed = {}
    for cell in notebook.cells:
        if cell.cell_type == "code":
            printed[cell.source] = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    for function in FUNCTIONS[assignment]:
        assert "not implemented yet" in printed[f'check("{function}", globals())']
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code":
            results = [o["data"]["text/plain"] for o in cell.outputs if o.output_type == "execute_result"]
            assert results in ([], ["0.0"]), (meta["grade_id"], results)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_source_runs_top_to_bottom_with_full_marks(assignment):
    notebook, _ = course.run_notebook(course.notebook_path(course.SOURCE, assignment))
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code":
            results = [o["data"]["text/plain"] for o in cell.outputs if o.output_type == "execute_result"]
            assert results and float(results[0]) == meta["points"], meta["grade_id"]
            assert not [o for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
