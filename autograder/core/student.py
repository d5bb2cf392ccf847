"""The student's functions, called in the worker so that nothing escapes.

A `Student` wraps the namespace the student's code ran in. The worker answers the
grader's requests through it: `call` one function on inputs and snapshot what came
back, or run a check's `probe` (a function of the checks module that drives the
student's code and returns snapshots). An exception of the student's code becomes a
`StudentError`, a plain description of what failed (`Failure`), which the grader turns
into feedback. Everything here runs beside the student's code: it computes, it never
judges.
"""
from __future__ import annotations

import contextlib
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import torch

from autograder.core.messages import say, translations
from autograder.core.snapshot import Call, snapshot
from autograder.core.paths import PACKAGE

_GRADER_DIR = str(PACKAGE)
_LIBRARY_DIRS = tuple({str(Path(p).resolve()) for p in (sys.prefix, sys.base_prefix)})
KINDS = ("missing", "not callable", "not implemented", "exit", "memory", "raised")


@dataclass(frozen=True)
class Failure:
    """What went wrong in the student's code, as plain data.

    function: which function failed ('mnist_loss', 'BasicOptim.step');
    kind: one of KINDS; error: the exception's class name ('TypeError');
    details: the student's own words: the exception's message and their lines.
    """

    function: str
    kind: str
    error: str = ""
    details: str = ""
    innermost: str = ""  # the function of the student's in which it was raised ('' if none of theirs)

    def as_dict(self) -> dict:
        return {"function": self.function, "kind": self.kind, "error": self.error, "details": self.details,
                "innermost": self.innermost}


class StudentError(Exception):
    """The student's code raised (or is missing): `failure` says how."""

    def __init__(self, failure: Failure):
        super().__init__(failure.details or f"{failure.function}: {failure.kind}")
        self.failure = failure


def _theirs(frame) -> bool:
    """A frame of the student's code: not the grader's, the course's, Python's or a library's."""
    if frame.filename.startswith(("<frozen ", "<the course's")):
        return False
    filename = str(Path(frame.filename).resolve()) if frame.filename[:1] != "<" else frame.filename
    return not filename.startswith((_GRADER_DIR, *_LIBRARY_DIRS))


def student_frames(tb) -> list[str]:
    """The traceback lines that are the student's: not the grader's, not a library's."""
    lines = []
    for frame in traceback.extract_tb(tb):
        if not _theirs(frame):
            continue
        code = (frame.line or "").strip()
        if code:
            lines.append(say("  line {line}, in {function}: {code}", line=frame.lineno, function=frame.name, code=code))
        else:
            lines.append(say("  line {line}, in {function}", line=frame.lineno, function=frame.name))
    return lines


def failure_of(function: str, error: BaseException) -> Failure:
    """How `function` failed with `error`, with the student's frames only."""
    if isinstance(error, NotImplementedError):
        return Failure(function, "not implemented", "NotImplementedError")
    if isinstance(error, SystemExit):
        return Failure(function, "exit", "SystemExit", say("called sys.exit({code!r})", code=error.code))
    if isinstance(error, MemoryError) or "can't allocate memory" in str(error):
        return Failure(function, "memory", type(error).__name__)
    message = str(error).strip().splitlines()
    first = message[0][:300] if message else ""
    frames = student_frames(error.__traceback__)
    details = f"{type(error).__name__}" + (f": {first}" if first else "")
    if frames:
        details += "\n" + "\n".join(frames[-3:])
    theirs = [f for f in traceback.extract_tb(error.__traceback__) if _theirs(f)]
    return Failure(function, "raised", type(error).__name__, details, theirs[-1].name if theirs else "")


class Student:
    """Student functions looked up by name in `namespace` and called safely."""

    def __init__(self, namespace: dict, problem: str | None = None):
        self.namespace = namespace
        self.problem = problem  # why the student's code did not run to the end, if it did not

    def function(self, name: str):
        """The student's `name`, or a StudentError saying it is missing."""
        if name not in self.namespace:
            raise StudentError(Failure(name, "missing", "", self.problem or ""))
        found = self.namespace[name]
        if not callable(found):
            raise StudentError(Failure(name, "not callable", type(found).__name__))
        return found

    @contextlib.contextmanager
    def blame(self, name: str):
        """Any exception inside the block is the student's `name` failing."""
        try:
            yield
        except StudentError:
            raise
        except (Exception, SystemExit) as error:
            raise StudentError(failure_of(name, error)) from None

    def run(self, name: str, *args, **kwargs):
        """Call the student's `name` and return what it returned (a live object)."""
        fn = self.function(name)
        with self.blame(name):
            return fn(*args, **kwargs)

    def call(self, name: str, inputs: dict, *, seed: int = 0, grad_wrt: tuple[str, ...] = ()) -> Call:
        """Call the student's `name` with `inputs` in order, on copies; return a Call.

        The inputs are passed by position (students may name their parameters as they
        like). The call runs with torch, NumPy and `random` seeded by `seed`, so it can be
        repeated exactly, and their state is restored afterwards.
        grad_wrt: inputs that require grad; when the result requires grad too,
        `result.sum().backward()` runs, and the inputs' snapshots carry `.grad`.
        """
        args = tuple(_copy(v, k in grad_wrt) for k, v in inputs.items())
        with seeded(seed):
            result = self.run(name, *args)
            if grad_wrt and isinstance(result, torch.Tensor) and result.requires_grad:
                with self.blame(name):
                    result.sum().backward()
            value = snapshot(result)
        return Call(name, "", value, dict(zip(inputs, (snapshot(a) for a in args))))

    def call_twice(self, name: str, inputs: dict, *, seed: int = 0) -> list[Call]:
        """Call `name` twice on the very same copies of the inputs: a function that changes them
        in place gives itself other inputs the second time."""
        args = tuple(_copy(v) for v in inputs.values())
        calls = []
        for _ in range(2):
            with seeded(seed):
                value = snapshot(self.run(name, *args))
            calls.append(Call(name, "", value, dict(zip(inputs, (snapshot(a) for a in args)))))
        return calls

    def probe(self, probe, inputs: dict):
        """Run `probe(self, inputs)`, a function of the checks that drives the student's code and
        returns snapshots only; seeded and restored as `call` is."""
        with seeded(0):
            return probe(self, inputs)


@contextlib.contextmanager
def seeded(seed: int):
    """Seed torch, NumPy and `random` for the block; put their states back afterwards."""
    import random

    import numpy as np

    numpy_state, python_state = np.random.get_state(), random.getstate()
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        np.random.seed(seed)
        random.seed(seed)
        try:
            yield
        finally:
            np.random.set_state(numpy_state)
            random.setstate(python_state)


def _copy(x, requires_grad: bool = False):
    """A fresh copy of the tensors in x (lists and tuples too), so the student gets its own."""
    if isinstance(x, torch.Tensor):
        return x.detach().clone().requires_grad_(requires_grad or x.requires_grad)
    if isinstance(x, (list, tuple)):
        return type(x)(_copy(i) for i in x)
    return x


translations("zh", {
    "  line {line}, in {function}: {code}": "  第 {line} 行，在 {function} 中：{code}",
    "  line {line}, in {function}": "  第 {line} 行，在 {function} 中",
    "called sys.exit({code!r})": "调用了 sys.exit({code!r})",
})
