"""What a student sees in a notebook: `check` for the public checks, `grade` for test cells."""
from __future__ import annotations

from autograder.assignments import FUNCTIONS
from autograder.checks import find
from autograder.runner import Result, run_checks

ASSIGNMENT_OF = {name: a for a, names in FUNCTIONS.items() for name in names}


class CheckFailed(AssertionError):
    """A graded check failed; its message is the feedback."""


def check(function: str, namespace: dict) -> None:
    """Run the public checks of `function` on `namespace` (pass globals()) and print the verdict:
    one line when every public check passes, else the feedback of each failed check."""
    if function not in ASSIGNMENT_OF:
        print(f"There is no function {function!r} to check: choose one of {', '.join(ASSIGNMENT_OF)}.")
        return
    results = run_checks(ASSIGNMENT_OF[function], namespace, hidden=False, function=function)
    print(format_verdict(function, results))


def format_verdict(function: str, results: list[Result]) -> str:
    failed = [r for r in results if not r.passed]
    if not failed:
        return f"✓ {function} passes its {len(results)} public checks."
    if len({r.message for r in failed}) == 1:  # one cause (not written yet, not defined): say it once
        return f"✗ {failed[0].message}"
    lines = [f"✗ {function} fails {len(failed)} of its {len(results)} public checks:"]
    lines += [f"- {r.id}: {r.message}" for r in failed]
    return "\n".join(lines)


def grade(check_id: str, namespace: dict) -> None:
    """Run one check (public or hidden) for an nbgrader test cell; raise CheckFailed if it fails."""
    found = find(check_id)
    (result,) = run_checks(found.assignment, namespace, ids=(check_id,))
    if not result.passed:
        raise CheckFailed(f"{check_id}: {result.message}")
