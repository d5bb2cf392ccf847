"""Known mistakes are caught and named; correct answers in other styles get full marks."""
import collections
import contextlib
import io
import json
import subprocess
import sys

import pytest

from autograder.assignments import ASSIGNMENTS
from autograder.checks import known_mistakes
from catalog import ALTERNATIVES, WRONG, diagnosis_of, grade

ids = lambda entries: [f"{e.assignment}:{e.what}" for e in entries]  # noqa: E731


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


@pytest.mark.parametrize("entry", WRONG, ids=ids(WRONG))
def test_a_wrong_implementation_loses_points_and_hears_its_own_diagnosis(entry):
    results = grade(entry)
    failed = [r for r in results if not r.passed]
    assert sum(r.points for r in results) < sum(r.max_points for r in results)
    assert any(diagnosis_of(entry) in r.message for r in failed), [r.message for r in failed]


@pytest.mark.parametrize("entry", ALTERNATIVES, ids=ids(ALTERNATIVES))
def test_an_alternative_correct_implementation_gets_full_marks(entry):
    failed = {r.id: r.message for r in grade(entry) if not r.passed}
    assert not failed


def test_an_unknown_mistake_falls_back_to_the_layered_message():
    from catalog import wrong

    entry = wrong("03_sigmoid_loss", None, "an odd loss", """
        def mnist_loss(predictions, targets):
            return (sigmoid(predictions) - targets).pow(4).mean()
    """)
    (result,) = [r for r in grade(entry) if r.id == "mnist_loss_matches_reference"]
    assert "This is exactly what" not in result.message
    assert "the largest error is" in result.message and "Squash the predictions" in result.message


def test_the_diagnosis_is_in_the_notebook_check_output():
    from autograder import check
    from autograder.submission import provided

    entry = next(e for e in WRONG if e.known == "loss_without_sigmoid")
    namespace = provided("03_sigmoid_loss")
    exec(entry.code, namespace)
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
