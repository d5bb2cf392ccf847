"""The catalogue of checks: every function of the contract is checked, ids name behaviours."""
from autograder.core.assignments import ASSIGNMENTS, FUNCTIONS
from autograder.core.checks import checks_for


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


def test_a_check_only_asks_the_student_side():
    """A check's body computes and compares: it patches nothing, spies on nothing and runs no code
    of its own beside the student's (what runs there is a probe, in the worker)."""
    import ast
    import inspect
    import textwrap

    for assignment in ASSIGNMENTS:
        for c in checks_for(assignment):
            tree = ast.parse(textwrap.dedent(inspect.getsource(c.run)))
            for node in ast.walk(tree):
                assert not isinstance(node, (ast.With, ast.Global, ast.Nonlocal)), c.id
                targets = node.targets if isinstance(node, ast.Assign) else \
                    [node.target] if isinstance(node, ast.AugAssign) else []
                assert all(isinstance(t, (ast.Name, ast.Tuple)) for t in targets), (c.id, ast.unparse(node))
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                    assert node.func.id not in ("setattr", "exec", "eval", "__import__", "compile"), c.id
