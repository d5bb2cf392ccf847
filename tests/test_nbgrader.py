"""The real nbgrader pipeline on the demo class: generate, autograde, feedback, export.

ada submits the solutions, blank the untouched release, casey one realistic mistake per
step, drew the same mistakes with the test cells that catch them edited or deleted, eve
ada's notebooks with a demonstration cell that would break them if grading ran it.
"""
import html

import pytest

from course_tools import course, demo
from autograder.core.assignments import ASSIGNMENTS
from autograder.core.checks import checks_for


@pytest.fixture
def graded(demo_class):
    return demo_class


def points(assignment):
    return {c.id: float(c.points) for c in checks_for(assignment)}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_solutions_get_full_marks_on_every_autograded_cell(graded, assignment):
    folder, _ = graded
    assert course.cell_scores(folder, "ada", assignment) == points(assignment)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_untouched_release_gets_zero(graded, assignment):
    folder, _ = graded
    scores = course.cell_scores(folder, "blank", assignment)
    assert set(scores) == set(points(assignment)) and not any(scores.values())


@pytest.mark.parametrize("student", ["casey", "drew"])
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_mistake_loses_exactly_its_checks_even_with_test_cells_edited(graded, student, assignment):
    folder, _ = graded
    scores = course.cell_scores(folder, student, assignment)
    lost = {grade_id for grade_id, score in scores.items() if score == 0}
    assert lost == demo.MISTAKE_OF[assignment].fails
    kept = {grade_id: score for grade_id, score in scores.items() if grade_id not in lost}
    assert kept == {k: v for k, v in points(assignment).items() if k not in lost}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_autograded_notebook_names_the_mistake(graded, assignment):
    import nbformat

    folder, _ = graded
    notebook = nbformat.read(course.notebook_path(folder / "autograded" / "casey", assignment), 4)
    printed = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs)
    assert demo.MISTAKE_OF[assignment].mistake.diagnosis in printed


def test_deleted_test_cells_come_back_and_edited_ones_run_as_written(graded):
    import nbformat

    folder, _ = graded
    notebook = nbformat.read(course.notebook_path(folder / "autograded" / "drew", "03_sigmoid_loss"), 4)
    sources = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in notebook.cells}
    assert 'grade("mnist_loss_matches_reference", globals())' in sources["mnist_loss_matches_reference"]
    assert not any("trust me" in s for s in sources.values() if s)
    assert 'grade("mnist_loss_is_differentiable", globals())' in sources["mnist_loss_is_differentiable"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_shows_results_and_messages_but_no_hidden_test_code(graded, assignment):
    folder, _ = graded
    hidden = [c.id for c in checks_for(assignment) if c.hidden]
    for student in demo.STUDENTS:
        page = html.unescape(course.notebook_path(folder / "feedback" / student, assignment)
                             .with_suffix(".html").read_text())
        assert "BEGIN HIDDEN TESTS" not in page
        for check_id in hidden:
            assert f'grade("{check_id}"' not in page
        if student in ("casey", "drew"):
            for check_id in demo.MISTAKE_OF[assignment].fails:
                assert f"✗ {check_id}: 0/" in page
            assert demo.MISTAKE_OF[assignment].mistake.diagnosis in page
        if student == "ada":
            assert all(f"✓ {check_id}:" in page for check_id in points(assignment))


def test_grades_csv_has_a_row_per_student_and_assignment_with_the_expected_score(graded):
    folder, scores = graded
    assert set(scores) == {(s, a) for s in demo.STUDENTS for a in ASSIGNMENTS}
    for (student, assignment), (score, max_score) in scores.items():
        assert score == demo.expected_score(student, assignment), (student, assignment)
        assert max_score == sum(points(assignment).values()) + 2  # the manually graded answer
