"""Known mistakes are caught and named; correct answers in other styles get full marks."""
import ast
import collections
import contextlib
import io
import json
import re
import subprocess
import sys

import pytest

from autograder.core.assignments import ASSIGNMENTS
from autograder.core.checks import known_mistakes
from autograder.core.messages import LANGUAGES, speaking
from catalog import ALTERNATIVES, PAIRS, WRONG, diagnosis_of, grade, misnamed, pair_holds, stubs

ids = lambda entries: [f"{e.assignment}:{e.what}" for e in entries]  # noqa: E731
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_catalog_is_large_enough_on_every_step():
    assert len(WRONG) >= 40 and len(ALTERNATIVES) >= 20
    wrong = collections.Counter(e.assignment for e in WRONG)
    right = collections.Counter(e.assignment for e in ALTERNATIVES)
    for assignment in ASSIGNMENTS:
        assert wrong[assignment] >= 4 and right[assignment] >= 2, assignment


def test_every_known_mistake_is_shown_by_a_catalog_entry():
    shown = {e.known for e in WRONG}
    for assignment in ASSIGNMENTS:
        for mistake in known_mistakes(assignment):
            assert mistake.id in shown, f"{mistake.id} has no catalog entry that proves its diagnosis"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("entry", WRONG, ids=ids(WRONG))
def test_a_wrong_implementation_loses_points_and_hears_its_own_diagnosis(entry, language):
    with speaking(language):  # as the English or the Chinese edition is graded
        results, diagnosis = grade(entry), diagnosis_of(entry)
    failed = [r for r in results if not r.passed]
    assert sum(r.points for r in results) < sum(r.max_points for r in results)
    assert any(diagnosis in r.message for r in failed), [r.message for r in failed]
    assert language == "en" or all(CJK.search(r.message) for r in failed), [r.message for r in failed]


@pytest.mark.parametrize("entry", ALTERNATIVES, ids=ids(ALTERNATIVES))
def test_an_alternative_correct_implementation_gets_full_marks(entry):
    failed = {r.id: r.message for r in grade(entry) if not r.passed}
    assert not failed


@pytest.mark.parametrize("entry", PAIRS, ids=ids(PAIRS))
def test_a_broken_helper_costs_only_its_own_points(entry):
    results = grade(entry)
    assert pair_holds(entry, results), [(r.id, r.message) for r in results if not r.passed]
    if entry.known:
        assert any(diagnosis_of(entry) in r.message for r in results)


@pytest.mark.parametrize("entry", WRONG + ALTERNATIVES + PAIRS + [stubs(a) for a in ASSIGNMENTS],
                         ids=ids(WRONG + ALTERNATIVES + PAIRS) + [f"{a}:stubs" for a in ASSIGNMENTS])
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_mistake_is_named_that_was_not_made(entry, language):
    with speaking(language):
        results = grade(entry)
        assert not misnamed(entry, results), [r.message for r in results if not r.passed]


@pytest.mark.parametrize("entry", WRONG + ALTERNATIVES + PAIRS, ids=ids(WRONG + ALTERNATIVES + PAIRS))
def test_in_this_process_and_in_a_sandbox_the_verdicts_are_the_same(entry):
    """The same code graded by the worker's handler in this process (a student's own notebook)
    and in a confined worker (grading): the same results, message for message."""
    import importlib
    import inspect

    from autograder.core.assignments import FUNCTIONS, module_name
    from autograder.isolation.runner import run_checks
    from autograder.core.submission import provided_source, run_cell

    solutions = importlib.import_module(f"solutions.{module_name(entry.assignment)}")
    cells = [("solutions.py", "\n\n".join(inspect.getsource(getattr(solutions, f))
                                          for f in FUNCTIONS[entry.assignment])), ("answer.py", entry.code)]
    namespace = {"__name__": "__main__"}
    exec(provided_source(entry.assignment), namespace)
    for name, source in cells:
        assert run_cell(name, source, namespace) is None
    assert run_checks(entry.assignment, namespace, cells=cells) == grade(entry)


# What a graded message may not hold: a value of the graded inputs or of what was expected. A
# student who read the feedback of a graded notebook would otherwise learn the hidden references.
SHOWS_A_VALUE = re.compile(r"was expected|largest error|returned (tensor\(|\[|-?\d)|expected -?\d|got -?\d|"
                           r" with \w+ = |holds? (tensor|\[)|shape \(\d")


@pytest.mark.parametrize("entry", WRONG, ids=ids(WRONG))
def test_graded_feedback_shows_no_value_of_the_graded_inputs(entry):
    for r in grade(entry):
        assert not SHOWS_A_VALUE.search(r.message), (r.id, r.message)


@pytest.mark.parametrize("entry", WRONG + PAIRS + [stubs(a) for a in ASSIGNMENTS],
                         ids=ids(WRONG + PAIRS) + [f"{a}:stubs" for a in ASSIGNMENTS])
def test_a_message_reads_top_down(entry):
    """A first line of at most 100 characters says what went wrong; the fix comes on its own line."""
    for r in grade(entry):
        if not r.passed:
            first, *rest = r.message.splitlines()
            assert len(first) <= 100 and first[-1:] not in (".", ":"), r.message
            if entry.known and diagnosis_of(entry) in r.message:
                assert rest[0] == diagnosis_of(entry), r.message


def test_an_unknown_mistake_falls_back_to_the_layered_message():
    from catalog import wrong

    entry = wrong("03_sigmoid_loss", None, "an odd loss", """
        def mnist_loss(predictions, targets):
            return (sigmoid(predictions) - targets).pow(4).mean()
    """)
    (result,) = [r for r in grade(entry) if r.id == "mnist_loss_matches_reference"]
    assert "This is exactly what" not in result.message
    assert result.message == ("mnist_loss gives wrong values\nSquash the predictions with sigmoid, then take "
                              "1 - p where the target is 1 and p where it is 0, and average.")


def test_the_diagnosis_is_in_the_notebook_check_output():
    from autograder import check
    from autograder.core.submission import provided_source, run_cell

    entry = next(e for e in WRONG if e.known == "loss_without_sigmoid")
    namespace = {}
    exec(provided_source("03_sigmoid_loss"), namespace)
    assert run_cell("answer", entry.code, namespace) is None
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        check("mnist_loss", namespace)
    assert diagnosis_of(entry) in printed.getvalue()


def test_the_diagnosis_is_in_the_command_line_output(tmp_path):
    entry = next(e for e in WRONG if e.known == "new_tensor_instead_of_update")
    path = tmp_path / "answer.py"
    path.write_text(entry.code)
    done = subprocess.run([sys.executable, "-m", "autograder", "check", "05_step", str(path), "--json"],
                          capture_output=True, text=True, timeout=300)
    report = json.loads(done.stdout)
    assert any(diagnosis_of(entry) in c["message"] for c in report["checks"])


def notebook_of(entry):
    """The notebook a student who writes this entry submits: the solutions, and the entry in its place."""
    from course_tools import course
    from autograder.core.assignments import FUNCTIONS

    defined = {node.name for node in ast.parse(entry.code).body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    # in the cell of the last function it defines, so it runs after every reference it replaces
    last = [f for f in FUNCTIONS[entry.assignment] if f in defined][-1]
    return course.student_notebook(entry.assignment, {**course.reference_answers(entry.assignment),
                                                      last: entry.code})


@pytest.fixture(scope="module")
def catalog_class(tmp_path_factory):
    """Every catalogue entry submitted as a notebook by a student of its own, graded by nbgrader autograde."""
    from course_tools import course

    folder = course.released_course(tmp_path_factory.mktemp("catalog") / "nbgrader")
    for number, entry in enumerate(WRONG + ALTERNATIVES):
        course.submit(folder, f"entry{number:03d}", entry.assignment, notebook_of(entry))
    course.autograde(folder)
    return folder


def test_the_parallel_command_gives_nbgraders_scores_on_the_whole_catalog(catalog_class):
    from course_tools import course
    from test_class_grading import assert_same_grading, grade_command, twin

    folder = twin(catalog_class, "parallel")
    done = grade_command(folder, "--jobs", "2")
    entries = WRONG + ALTERNATIVES
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(entries)} from the parallel jobs, 0 graded again" in done.stdout, done.stdout
    assert_same_grading(catalog_class, folder)
    # a mistake loses points in its notebook too (there, the later functions use the mistaken one)
    scores = course.gradebook_scores(folder)
    for number, entry in enumerate(entries):
        lost = sum(v for (s, _, _), v in scores.items() if s == f"entry{number:03d}") < 10
        assert lost == (entry.known is not None), entry.what
