"""Reference tensors: the inputs of every check and what `solutions/` returns for them.

`python -m autograder references` rebuilds them, byte for byte the same: each
assignment's `cases(generator)` runs twice, with the public seed and with the
hidden seed, and each visibility keeps only the cases its checks use.

    references/public/ASSIGNMENT.pt   shipped to students (public checks)
    references/hidden/ASSIGNMENT.pt   instructors only (excluded from the wheel)
"""
from __future__ import annotations

import io
from pathlib import Path

import torch

from autograder.assignments import ASSIGNMENTS
from autograder.checks import checks_for, module

FOLDER = Path(__file__).resolve().parent / "references"
SEEDS = {"public": 20, "hidden": 90}


class HiddenReferencesMissing(RuntimeError):
    """This copy of the autograder has no hidden references (a student's copy)."""


def path(assignment: str, visibility: str) -> Path:
    return FOLDER / visibility / f"{assignment}.pt"


def build(assignment: str) -> dict[str, bytes]:
    """The bytes of both reference files of `assignment`, from solutions/."""
    files = {}
    for visibility, seed in SEEDS.items():
        used = {c.case for c in checks_for(assignment) if c.case and c.hidden == (visibility == "hidden")}
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


def load(assignment: str, visibility: str) -> dict:
    """The reference cases of one assignment and visibility."""
    file = path(assignment, visibility)
    if not file.exists():
        if visibility == "hidden":
            raise HiddenReferencesMissing(
                "hidden checks run only where the instructor's copy of the autograder is installed"
            )
        raise FileNotFoundError(f"{file} is missing: run `python -m autograder references`")
    return torch.load(file, weights_only=True)
