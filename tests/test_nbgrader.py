"""The real nbgrader pipeline on the demo class: generate, autograde, feedback, export.

ada submits the solutions, blank the untouched release, casey one realistic mistake per
step, drew the same mistakes with the test cells that catch them edited or deleted, eve
ada's notebooks with a demonstration cell that would break them if grading ran it.
"""
import html

import pytest

from course_tools import course, demo
from autograder.core.assignments import ASSIGNMENTS, COURSE_ASSIGNMENTS, edition, edition_id
from autograder.core.messages import speaking
from autograder.core.checks import checks_for


@pytest.fixture
def graded(demo_class):
    return demo_class


def points(assignment):
    return {c.id: float(c.points) for c in checks_for(edition(assignment)[0])}


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
def test_a_student_working_in_chinese_is_graded_by_the_same_checks(graded, assignment):
    import nbformat

    folder, _ = graded
    scores = course.cell_scores(folder, "li", edition_id(assignment, "zh"))
    lost = demo.MISTAKE_OF[assignment].fails if assignment == demo.LI_MISTAKE else frozenset()
    assert scores == {k: 0.0 if k in lost else v for k, v in points(assignment).items()}
    if lost:  # and the grading answers in Chinese: the mistake named, and its fix
        notebook = nbformat.read(course.notebook_path(folder / "autograded" / "li", edition_id(assignment, "zh")), 4)
        printed = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs)
        with speaking("zh"):
            assert demo.MISTAKE_OF[assignment].mistake.diagnosis in printed
        assert "这正是" in printed and "This is exactly what" not in printed


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
        page = html.unescape(course.notebook_path(folder / "feedback" / student, demo.submitted_id(student, assignment))
                             .with_suffix(".html").read_text())
        assert "BEGIN HIDDEN TESTS" not in page
        for check_id in hidden:
            assert f'grade("{check_id}"' not in page
        if student in ("casey", "drew") or (student == "li" and assignment == demo.LI_MISTAKE):
            for check_id in demo.MISTAKE_OF[assignment].fails:
                assert f"✗ {check_id}: 0/" in page
            with speaking(demo.LANGUAGE_OF.get(student, "en")):  # li's feedback is in Chinese
                assert demo.MISTAKE_OF[assignment].mistake.diagnosis in page
        if student == "ada":
            assert all(f"✓ {check_id}:" in page for check_id in points(assignment))


def test_grades_csv_has_a_row_per_student_and_assignment_with_the_expected_score(graded):
    folder, scores = graded  # nbgrader's export: every assignment of the gradebook, both editions
    assert set(scores) == {(s, a) for s in demo.STUDENTS for a in COURSE_ASSIGNMENTS}
    for (student, assignment), (score, max_score) in scores.items():
        submitted = assignment == demo.submitted_id(student, edition(assignment)[0])
        assert score == (demo.expected_score(student, assignment) if submitted else 0.0), (student, assignment)
        assert max_score == sum(points(assignment).values()) + 2  # the manually graded answer


def what_validate_shows(path) -> dict[str, str]:
    """What nbgrader's Validate (the button in JupyterLab, through its server handler) shows
    for each failed graded check of the notebook at `path`: grade id -> the text under it."""
    import json
    import subprocess
    import sys

    import nbformat

    done = subprocess.run([sys.executable, "-c", "import json, sys\nfrom nbgrader.validator import Validator\n"
                           "print(json.dumps(Validator().validate(sys.argv[1])))", str(path)],
                          capture_output=True, text=True, timeout=300, cwd=path.parent)
    assert done.returncode == 0, done.stderr
    failed = json.loads(done.stdout.splitlines()[-1])["failed"]
    ids = {cell.source.strip(): cell.metadata["nbgrader"]["grade_id"]
           for cell in nbformat.read(path, as_version=4).cells
           if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")}
    return {ids[cell["source"]]: cell["raw_error"].strip() for cell in failed if ids.get(cell["source"])}


def what_check_says(assignment, path) -> dict[str, str]:
    """`python -m autograder check --json` on the same notebook: each failed public check's verdict."""
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "autograder", "check", assignment, str(path), "--json"],
                          capture_output=True, text=True, timeout=300)
    return {c["id"]: f"✗ {c['id']}: 0/{c['max_points']:g}\n{c['message']}"
            for c in json.loads(done.stdout)["checks"] if not c["passed"] and not c["hidden"]}


@pytest.mark.parametrize("student", ["blank", "casey"])
def test_validate_shows_each_failed_checks_points_and_message_as_the_check_command_does(graded, student,
                                                                                        tmp_path):
    import shutil

    folder, _ = graded
    assignment = "03_sigmoid_loss"
    path = tmp_path / f"{assignment}.ipynb"
    shutil.copy(course.notebook_path(folder / "submitted" / student, assignment), path)
    shown, said = what_validate_shows(path), what_check_says(assignment, path)
    assert said and shown == said  # every failed public check, its points and its message; no other
    assert not any("Partial credit" in text for text in shown.values()), shown
    if student == "blank":
        assert all("not implemented yet" in text for text in shown.values()), shown
    else:
        assert demo.MISTAKE_OF[assignment].mistake.diagnosis in "\n".join(shown.values())


def test_the_chinese_edition_of_the_solutions_gets_full_marks_through_nbgrader(tmp_path):
    """li (the demo class) submits the solutions in the Chinese edition of every step but 03, where she
    makes casey's mistake: here the solutions of 03_sigmoid_loss_zh, graded by nbgrader autograde."""
    folder = course.new_course(tmp_path / "course")
    nbgrader_id = edition_id(demo.LI_MISTAKE, "zh")
    course.nbgrader(folder, "generate_assignment", "--force", f"--assignment={nbgrader_id}")
    course.submit(folder, "mei", nbgrader_id, course.student_notebook(nbgrader_id, course.reference_answers(nbgrader_id)))
    course.autograde(folder, nbgrader_id)
    assert course.cell_scores(folder, "mei", nbgrader_id) == points(nbgrader_id)
