"""Reference tensors: the inputs of every check and what `solutions/` returns for them.

A case is `{"inputs": {...}, "expected": {...}}`: the inputs are all a check may send to
the student's code, the expected values stay in the grader (`Case`).

`python -m autograder references` rebuilds them: each assignment's
`cases(generator)` runs twice, with the public seed and with the hidden seed. On
one processor a rebuild gives the same bytes. Another processor may round the
expected values differently in their last bits (`same`), and then a rebuild
leaves the committed files as they are.

    references/public/ASSIGNMENT.pt   shipped to students: the cases of the public checks,
                                      for the checks students run themselves
    references/hidden/ASSIGNMENT.pt   instructors only (excluded from the wheel): the cases
                                      of every check, public ones included, drawn anew

Grading uses the hidden file for every check, so no graded check runs on inputs a
student has seen: a table of the public answers earns nothing.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import torch

from autograder.core.assignments import ASSIGNMENTS
from autograder.core.checks import checks_for, module
from autograder.core.paths import REFERENCES

SEEDS = {"public": 20, "hidden": 90}
# How far two builds of one reference may differ and still be the same reference, as a share of a
# tensor's largest value. A matrix product is summed in an order that depends on the processor's
# vector instructions: the files built with AVX2 and rebuilt with AVX-512 differed by up to 7e-7 of
# a tensor's largest value (6 float32 roundings), in 23 expected tensors and no input. A change to
# a solution moves values by far more than this.
ROUNDING = 1e-5


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


def stale() -> dict[Path, bytes]:
    """The reference files a rebuild does not match (missing ones included): path -> rebuilt bytes."""
    return {path(assignment, visibility): data for assignment in ASSIGNMENTS
            for visibility, data in build(assignment).items() if not current(path(assignment, visibility), data)}


def write_all() -> list[Path]:
    """Rebuild every reference file and write those that are stale; return the paths written."""
    written = []
    for target, data in stale().items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(target)
    return written


def current(file: Path, data: bytes) -> bool:
    """Whether the reference file holds what `data` (a rebuild of it) holds, up to rounding."""
    if not file.exists():
        return False
    committed = file.read_bytes()
    return committed == data or same(torch.load(io.BytesIO(committed), weights_only=True),
                                     torch.load(io.BytesIO(data), weights_only=True))


def same(stored, rebuilt) -> bool:
    """Whether two loaded reference files hold the same cases: the same keys, shapes, dtypes and
    every value but floating-point ones equal; floats within ROUNDING of the largest value of their
    tensor (a Python float: of itself), nan where the other has nan."""
    if isinstance(stored, torch.Tensor) or isinstance(rebuilt, torch.Tensor):
        if not (isinstance(stored, torch.Tensor) and isinstance(rebuilt, torch.Tensor)
                and stored.dtype == rebuilt.dtype and stored.shape == rebuilt.shape):
            return False
        if not stored.is_floating_point():
            return torch.equal(stored, rebuilt)
        finite = rebuilt[rebuilt.isfinite()]
        scale = finite.abs().max().item() if finite.numel() else 0.0
        return torch.allclose(stored, rebuilt, rtol=0.0, atol=ROUNDING * scale, equal_nan=True)
    if type(stored) is not type(rebuilt):
        return False
    if isinstance(stored, dict):
        return stored.keys() == rebuilt.keys() and all(same(stored[k], rebuilt[k]) for k in stored)
    if isinstance(stored, (list, tuple)):
        return len(stored) == len(rebuilt) and all(same(a, b) for a, b in zip(stored, rebuilt))
    if isinstance(stored, float):
        return (math.isnan(stored) and math.isnan(rebuilt)) or math.isclose(stored, rebuilt, rel_tol=ROUNDING)
    return stored == rebuilt


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
