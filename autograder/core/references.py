"""Reference tensors: the inputs of every check and what `solutions/` returns for them.

A case is `{"inputs": {...}, "expected": {...}}`: the inputs are all a check may send to
the student's code, the expected values stay in the grader (`Case`).

`python -m autograder references` rebuilds them, byte for byte the same: each
assignment's `cases(generator)` runs twice, with the public seed and with the
hidden seed.

    references/public/ASSIGNMENT.pt   shipped to students: the cases of the public checks,
                                      for the checks students run themselves
    references/hidden/ASSIGNMENT.pt   instructors only (excluded from the wheel): the cases
                                      of every check, public ones included, drawn anew

Grading uses the hidden file for every check, so no graded check runs on inputs a
student has seen: a table of the public answers earns nothing.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import torch

from autograder.core.assignments import ASSIGNMENTS
from autograder.core.checks import checks_for, module
from autograder.core.paths import REFERENCES

SEEDS = {"public": 20, "hidden": 90}


class HiddenReferencesMissing(RuntimeError):
    """This copy of the autograder has no hidden references (a student's copy)."""


@dataclass(frozen=True)
class Case:
    """The inputs of a check (what the student's code may see) and what the reference returns."""

    inputs: dict
    expected: dict

    def has_input(self, value) -> bool:
        """Whether `value` is one of the inputs (or an item of one), the very object."""
        return any(value is given or (isinstance(given, (list, tuple)) and any(value is i for i in given))
                   for given in self.inputs.values())


def path(assignment: str, visibility: str) -> Path:
    return REFERENCES / visibility / f"{assignment}.pt"


def build(assignment: str) -> dict[str, bytes]:
    """The bytes of both reference files of `assignment`, from solutions/."""
    files = {}
    for visibility, seed in SEEDS.items():
        used = {c.case for c in checks_for(assignment) if visibility == "hidden" or not c.hidden}
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            cases = module(assignment).cases(torch.Generator().manual_seed(seed))
        kept = {name: cases[name] for name in sorted(used)}
        buffer = io.BytesIO()
        torch.save(kept, buffer)
        files[visibility] = buffer.getvalue()
    return files


def write_all() -> list[Path]:
    """Rebuild every reference file; return the paths written."""
    written = []
    for assignment in ASSIGNMENTS:
        for visibility, data in build(assignment).items():
            target = path(assignment, visibility)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            written.append(target)
    return written


def has_hidden(assignment: str) -> bool:
    """Whether this copy of the autograder can grade (it has the hidden references)."""
    return path(assignment, "hidden").exists()


def load(assignment: str, visibility: str) -> dict[str, Case]:
    """The reference cases of one assignment and visibility, by name."""
    file = path(assignment, visibility)
    if not file.exists():
        if visibility == "hidden":
            raise HiddenReferencesMissing(
                "hidden checks run only where the instructor's copy of the autograder is installed"
            )
        raise FileNotFoundError(f"{file} is missing: run `python -m autograder references`")
    stored = torch.load(file, weights_only=True)
    return {name: Case(case["inputs"], case["expected"]) for name, case in stored.items()}
