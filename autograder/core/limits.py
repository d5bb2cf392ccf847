"""What bounds a grading: the instructor's limits, and deadlines (plain data, importable anywhere)."""
from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """What an instructor bounds: seconds per check and per submission, memory, printed text."""

    check_seconds: float = 30.0  # of the worker's CPU time (the wall clock allows three times as much)
    submission_seconds: float = 300.0
    memory_bytes: int = 2**30  # beyond what the worker has loaded (torch, fastai, the data)
    output_chars: int = 100_000


@dataclass(frozen=True)
class Deadline:
    """When a piece of grading must be done (a time.monotonic() value), and the seconds it had."""

    at: float
    seconds: float

    @classmethod
    def within(cls, seconds: float, cap: "Deadline | None" = None) -> "Deadline":
        at = time.monotonic() + seconds
        if cap is not None and cap.at < at:
            return cap
        return cls(at, seconds)
