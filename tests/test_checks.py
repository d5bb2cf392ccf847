"""The catalogue of checks: every function of the contract is checked, ids name behaviours."""
from autograder.assignments import ASSIGNMENTS, FUNCTIONS
from autograder.checks import checks_for


def test_every_function_has_public_checks_and_every_assignment_hidden_ones():
    for assignment in ASSIGNMENTS:
        checks = checks_for(assignment)
        for function in FUNCTIONS[assignment]:
            assert any(c.function == function and not c.hidden for c in checks), function
        assert any(c.hidden for c in checks), assignment


def test_ids_are_unique_and_start_with_the_function_they_check():
    ids = [c.id for a in ASSIGNMENTS for c in checks_for(a)]
    assert len(ids) == len(set(ids))
    for a in ASSIGNMENTS:
        for c in checks_for(a):
            assert c.id.startswith(c.function + "_") and c.points > 0, c
