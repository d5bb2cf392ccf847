"""The instructor notebooks and their generated student releases."""
import functools
import inspect
import importlib
import re

import nbformat
import pytest

from course_tools import course
from autograder.core.assignments import ASSIGNMENTS, COURSE_ASSIGNMENTS, FUNCTIONS, earlier, edition, module_name
from autograder.core.checks import checks_for
from autograder.core.messages import say, speaking


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
    for index, cell in enumerate(notebook.cells):  # each manual question: predict, run, explain; a rubric
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "markdown":
            question = notebook.cells[index - 1].source
            assert question.startswith("**Question") and "Predict first" in question, question[:80]
            assert "Rubric" in cell.source.split("### END SOLUTION")[0], meta["grade_id"]
    assert notebook.cells[-1].source.startswith("## Going further (not graded)")
    provided = [c for c, m in cells if m["grade_id"] == f"provided_{assignment}"]
    assert all(c.metadata["jupyter"]["source_hidden"] for c in provided)  # folded, readable on a click
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
    for assignment in COURSE_ASSIGNMENTS:
        generated = course.notebook_path(tmp_path, assignment).read_bytes()
        committed = course.notebook_path(course.RELEASE, assignment).read_bytes()
        assert generated == committed, f"release/{assignment} is stale: run `python3.11 tasks.py release`"


@pytest.mark.parametrize("assignment", COURSE_ASSIGNMENTS)
def test_the_release_holds_no_solution_and_no_hidden_test(assignment):
    text = course.notebook_path(course.RELEASE, assignment).read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text
    released = read(course.RELEASE, assignment)
    source_text = "\n".join(c.source for c in released.cells)
    for check in checks_for(edition(assignment)[0]):
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


@pytest.mark.parametrize("assignment", COURSE_ASSIGNMENTS)
def test_the_release_runs_top_to_bottom_reporting_not_implemented(assignment):
    notebook, _ = course.run_notebook(course.notebook_path(course.RELEASE, assignment))
    printed = {}
    for cell in notebook.cells:
        if cell.cell_type == "code":
            printed[cell.source] = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    assignment, language = edition(assignment)
    for function in FUNCTIONS[assignment]:
        with speaking(language):  # a Chinese notebook's checks answer in Chinese
            said = say("{function} is not implemented yet", function=function)
        assert said in printed[f'check("{function}", globals())']
        assert language == "en" or re.search("[\u4e00-\u9fff]", said), said
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code":
            results = [o["data"]["text/plain"] for o in cell.outputs if o.output_type == "execute_result"]
            assert results in ([], ["0.0"]), (meta["grade_id"], results)


@functools.cache
def executed_source(assignment):
    """The instructor notebook run top to bottom, once per test process (a file runs in one)."""
    return course.run_notebook(course.notebook_path(course.SOURCE, assignment))[0]


@pytest.mark.parametrize("assignment", COURSE_ASSIGNMENTS)
def test_the_source_runs_top_to_bottom_with_full_marks(assignment):
    notebook = executed_source(assignment)
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code":
            results = [o["data"]["text/plain"] for o in cell.outputs if o.output_type == "execute_result"]
            assert results and float(results[0]) == meta["points"], meta["grade_id"]
            assert not [o for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
        warned = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stderr")
        assert "missing from font" not in warned, warned  # a Chinese label drawn as boxes


# What each notebook's text tells the student to expect, and what its experiment must print for
# that to be true: (words of the text, words of the output). A change of seed, data or code that
# moves a figure fails here, not in front of a student comparing the two.
EXPECTED = {
    "01_init": [("Expect about 6.9 and 68% for std = 1, and 0.69 and 0% for std = 0.1",
                 "std = 1.0: the scores spread with std 6.88; 68% of images"),
                ("", "std = 0.1: the scores spread with std 0.69; 0% of images")],
    "02_predict": [("0.4953 with this seed", "accuracy of random weights: 0.4953")],
    "03_sigmoid_loss": [("Expect `nan` at −100 for the formula", "the formula: gradient nan,"),
                        ("the gradient there is exactly 0", "your sigmoid: gradient 0, 0, 0.25, 0, 0"),
                        ("expect about 3.5e-06", "change 3.5e-06")],
    "05_step": [("accuracies of about 0.961, 0.980, 0.983 and 0.97, with 0%, 0%, 1% and 95%",
                 "lr = 0.1   accuracy 0.9608, scores beyond ±30: 0%"),
                ("", "lr = 1     accuracy 0.9799, scores beyond ±30: 0%"),
                ("", "lr = 10    accuracy 0.9829, scores beyond ±30: 1%"),
                ("The last digits at lr = 100 depend on your processor (0.972 on one, 0.977 on another)",
                 "lr = 100   accuracy 0.97"),  # 0.9716 with AVX2, 0.9770 with AVX-512
                ("", ", scores beyond ±30: 95%"),
                ("0.587 and 0.701 at the two small", "lr = 0.001 accuracy 0.5875"),
                ("", "lr = 0.01  accuracy 0.7006"),
                ("ends as `nan`", "lr = 0.1   accuracy 0.4944, last loss nan")],
    "06_epoch_loop": [("stop after 16 of the 40 epochs, with a best of 0.9868 and a last of 0.9863",
                       "stopped after 16 of 40 epochs; best 0.9868, last 0.9863"),
                      ("Expect 28 of the 2,041 images", "on the wrong side of 0.5: 28 of 2041"),
                      ("Expect 0.8911 rising to 0.9609 from `std=1.0`, against 0.98 rising to 0.9849",
                       "std = 1.0: validation accuracy after each epoch [0.8911, 0.935, 0.9507, 0.9575, 0.9609]"),
                      ("", "std = 0.1: validation accuracy after each epoch [0.98, 0.981, 0.9829, 0.9844, 0.9849]")],
    "07_relu_net": [("Expect about 0.9883 for the network and 0.9863 for the linear model",
                     "two layers: 0.9883 after 20 epochs"),
                    ("", "linear, as in step 6: 0.9863"),
                    ("Expect 0.50 for the line and 1.00 for the network",
                     "accuracy on the rings: linear 0.50 | 8 ReLU units 1.00"),
                    ("yet the largest difference between two units to be 0.000000",
                     "largest difference between two units: 0.000000\n")],
}


@pytest.mark.parametrize("assignment", [a for a in ASSIGNMENTS if a in EXPECTED])
def test_the_figures_the_text_tells_students_to_expect_are_what_the_notebook_prints(assignment):
    notebook = executed_source(assignment)
    text = " ".join(" ".join(c.source for c in notebook.cells if c.cell_type == "markdown").split())
    printed = "\n".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code"
                        for o in c.outputs if o.output_type == "stream")
    for said, shown in EXPECTED[assignment]:
        assert " ".join(said.split()) in text, f"{assignment}'s text no longer says {said!r}: update EXPECTED with it"
        assert shown in printed, f"{assignment} no longer prints {shown!r}, which its text promises"


def test_the_gradient_check_agrees_to_about_nine_digits_as_04_says():
    printed = "".join(o.get("text", "") for c in executed_source("04_calc_grad").cells if c.cell_type == "code"
                      for o in c.outputs if o.output_type == "stream")
    errors = [float(e) for e in re.findall(r"relative error (\S+)", printed)]
    assert len(errors) == 5 and all(e < 1e-8 for e in errors), errors
