"""The student's side of a check: their functions, called so that nothing escapes.

A `Student` wraps the namespace the student's code ran in (a notebook's
globals, or a submitted file). Checks call student code only through it, so an
exception the student's code raises becomes a `StudentError` carrying the
student's own lines, never a crash of the grader.
"""
from __future__ import annotations

import contextlib
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import torch

from autograder.snapshot import Value, snapshot

_GRADER_DIR = str(Path(__file__).resolve().parent)
_LIBRARY_DIRS = tuple({str(Path(p).resolve()) for p in (sys.prefix, sys.base_prefix)})


class StudentError(Exception):
    """The student's code raised (or was missing): the message is for the student."""


def student_frames(tb) -> list[str]:
    """The traceback lines that are the student's: not the grader's, not a library's."""
    lines = []
    for frame in traceback.extract_tb(tb):
        filename = str(Path(frame.filename).resolve()) if frame.filename[:1] != "<" else frame.filename
        if filename.startswith(_GRADER_DIR) or filename.startswith(_LIBRARY_DIRS):
            continue
        where = f"line {frame.lineno}"
        code = (frame.line or "").strip()
        lines.append(f"  {where}, in {frame.name}: {code}" if code else f"  {where}, in {frame.name}")
    return lines


def describe_exception(function: str, error: BaseException) -> str:
    """'mnist_loss raised ValueError: ... \\n  line 4, in mnist_loss: ...' with the student's frames only."""
    if isinstance(error, NotImplementedError):
        return f"{function} is not implemented yet (it raised NotImplementedError)."
    if isinstance(error, SystemExit):
        return f"{function} called sys.exit({error.code!r}): a function should return its result."
    if isinstance(error, MemoryError) or "can't allocate memory" in str(error):
        return (f"{function} ran out of memory (it asked for more than the grader allows): "
                "is something growing without end?")
    message = str(error).strip().splitlines()
    first = message[0] if message else ""
    frames = student_frames(error.__traceback__)
    text = f"{function} raised {type(error).__name__}" + (f": {first}" if first else "")
    if frames:
        text += "\n" + "\n".join(frames[-3:])
    return text


class Student:
    """Student functions looked up by name in `namespace` and called safely."""

    def __init__(self, namespace: dict, problem: str | None = None):
        self.namespace = namespace
        self.problem = problem  # why the student's code did not run to the end, if it did not
        self.record: list = []  # what every call and probe gave, in order (for the diagnosis)

    def function(self, name: str):
        """The student's `name`, or a StudentError saying it is missing."""
        if name not in self.namespace:
            if self.problem:
                raise StudentError(f"{name} is not defined, because your code did not run to "
                                   f"the end:\n{self.problem}")
            raise StudentError(
                f"{name} is not defined: write a function named {name} "
                "(run its cell before checking it)."
            )
        found = self.namespace[name]
        if not callable(found):
            raise StudentError(
                f"{name} is a {type(found).__name__}, not a function: "
                f"define it with `def {name}(...)`."
            )
        return found

    @contextlib.contextmanager
    def blame(self, name: str):
        """Any exception inside the block is the student's `name` failing."""
        try:
            yield
        except StudentError:
            raise
        except (Exception, SystemExit) as error:
            raise StudentError(describe_exception(name, error)) from None

    def run(self, name: str, *args, **kwargs):
        """Call the student's `name` and return what it returned (a live object)."""
        fn = self.function(name)
        with self.blame(name):
            return fn(*args, **kwargs)

    def call(self, name: str, /, *, seed: int | None = None, grad_wrt: tuple[str, ...] = (),
             **inputs) -> Call:
        """Call the student's `name` with `inputs` in order, on copies; return a Call.

        The inputs are passed by position (students may name their parameters
        as they like); their names only make the messages readable. The
        caller's tensors are never touched. The call runs with torch, NumPy and
        `random` seeded by `seed` (0 by default), so it can be repeated exactly,
        and their state is restored afterwards.
        grad_wrt: inputs that require grad; when the result requires grad too,
        `result.sum().backward()` runs, and the inputs' snapshots carry `.grad`.
        """
        args = tuple(_copy(v, k in grad_wrt) for k, v in inputs.items())
        with seeded(0 if seed is None else seed):
            result = self.run(name, *args)
            if grad_wrt and isinstance(result, torch.Tensor) and result.requires_grad:
                with self.blame(name):
                    result.sum().backward()
        call = Call(
            text=call_text(name, inputs),
            value=snapshot(result),
            inputs=dict(zip(inputs, (snapshot(a) for a in args))),
        )
        self.record.append(call)
        return call

    def with_mistake(self, mistake) -> "Student":
        """A copy of this student's namespace with `mistake` in place of their function."""
        namespace = dict(self.namespace)
        exec(compile(mistake.code, f"<known mistake {mistake.id}>", "exec"), namespace)
        return Student(namespace, self.problem)

    def probe(self, probe, *args):
        """Run `probe(self, *args)`, a function of the check's that drives the student's
        code and returns snapshots only; seeded and restored as `call` is."""
        with seeded(0):
            seen = probe(self, *args)
        self.record.append(seen)
        return seen


@dataclass(frozen=True)
class Call:
    """One call of a student function: how to name it, what came back, the inputs after."""

    text: str
    value: Value
    inputs: dict[str, Value]


def call_text(name: str, inputs: dict) -> str:
    """'mnist_loss(predictions, targets) with predictions a (8, 1) float32 tensor, ...'."""
    if not inputs:
        return f"{name}()"
    shown = ", ".join(f"{k} = {snapshot(v).text}" for k, v in inputs.items())
    return f"{name}({', '.join(inputs)}) with {shown}"


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
