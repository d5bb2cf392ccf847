"""The sandboxed worker: the only process that runs a student's code.

It is forked from a warm zygote (`autograder.isolation.zygote`) and confined before it reads its
first message (`autograder.isolation.confine`). Through its pipe it gets everything: the
assignment, the limits, the code every student starts with (the public functions of
the earlier steps), then the student's cells one at a time, then requests (call a
student function on inputs, run a probe over inputs). It answers with snapshots. It
never sees an expected value, and nothing it sends is believed without a check.

`Worker.answer` is also how a student's own notebook is answered in its kernel
(`autograder.core.student_side.LocalStudent`): the same handler, the same messages.
"""
from __future__ import annotations

import contextlib
import importlib
import io
import resource
import sys
import types

# Imported by the zygote before it forks, so that a student's imports of them are instant.
PRELOADED = """abc argparse array ast base64 bisect builtins calendar cmath collections
collections.abc contextlib copy csv dataclasses datetime decimal difflib enum fractions
functools gc hashlib heapq inspect io itertools json logging math numbers operator os pathlib
pickle pprint random re secrets signal statistics string struct sys tempfile textwrap threading
time timeit traceback types typing unittest uuid warnings weakref ctypes numpy numpy.random
torch torch.nn torch.nn.functional torch.optim torch.autograd matplotlib matplotlib.pyplot
IPython.core.inputtransformer2""".split()


class CappedText(io.TextIOBase):
    """sys.stdout and sys.stderr for student code: keeps the first `limit` characters."""

    def __init__(self, limit: int):
        self.limit, self.kept, self.dropped = limit, [], 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        room = self.limit - sum(map(len, self.kept))
        self.kept.append(text[:max(room, 0)])
        self.dropped += max(len(text) - max(room, 0), 0)
        return len(text)


_WARM: set[str] = set()  # the assignments warm_up has prepared this process for


def warm_up(assignments) -> None:
    """Import and load, once, everything the checks of `assignments` need in a worker: the
    usual modules and the data (once for all), the checks, fastai. Nothing secret: no
    solution, no reference."""
    from autograder.core import checks, data, transport

    todo = [a for a in assignments if a not in _WARM]
    if "" not in _WARM:  # the part every assignment needs
        for name in PRELOADED:
            importlib.import_module(name)
        transport.decode(transport.encode({"warm": [1.0, (None,)]})[8:])
        try:
            data.load()  # read as the current user; kept in memory for the probes and the notebooks
        except data.DataUnavailable:
            pass  # the checks that need the images will say so
        _WARM.add("")
    for assignment in todo:
        checks.module(assignment)  # the probes and known mistakes of this assignment
        if assignment == "07_relu_net":  # and what students import there, the way fastai's book does
            for name in ("fastai.data.load", "fastai.data.core", "fastai.learner", "fastai.optimizer",
                         "fastai.vision.all"):
                importlib.import_module(name)
        _WARM.add(assignment)


def exercise_fastai() -> None:
    """Train a throwaway network for an epoch: fastai and autograd set themselves up on first
    use, and a worker forked afterwards (autograder.isolation.zygote) starts with that done."""
    import torch
    from fastai.learner import Learner
    from fastai.optimizer import SGD
    from torch import nn

    from autograder.core import data

    model = nn.Sequential(nn.Linear(784, 30), nn.ReLU(), nn.Linear(30, 1))
    learn = Learner(data.dataloaders(), model, opt_func=SGD,
                    loss_func=lambda preds, targets: ((torch.sigmoid(preds) - targets) ** 2).mean())
    with learn.no_logging():
        learn.fit(1, 0.1)


def student_module(provided: str) -> dict:
    """The namespace a student's code runs in: a real module, `__main__` as in Jupyter (so
    dataclasses, pickle and typing work), holding `provided` (the code every student starts with)."""
    module = types.ModuleType("__main__", "the student's code")
    sys.modules["__main__"] = module
    exec(compile(provided, "<the course's code>", "exec"), module.__dict__)
    reseed()
    return module.__dict__


def reseed() -> None:
    """The same random state for every submission, however its worker was started: top-level
    randomness in a student's cells then gives the same grade every time."""
    import random

    import numpy as np
    import torch

    torch.manual_seed(0)
    np.random.seed(0)
    random.seed(0)


def lock_down(memory_bytes: int, output_limit: int) -> CappedText:
    """memory_bytes: the bytes the student's code may add to what the worker already maps
    (so a worker forked from a zygote that loaded more leaves the student the same room)."""
    import os

    allowed = _mapped_bytes() + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (allowed, allowed))
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    sys.stdout = sys.stderr = printed = CappedText(output_limit)
    return printed


def _mapped_bytes() -> int:
    """The address space this process maps now (VmSize)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 * 4


def with_code(namespace: dict, codes: dict[str, str]) -> dict:
    """A copy of `namespace` with each code run in it ({label: source}: a known mistake, or the
    course's versions of helpers, in place of the student's functions); `namespace` is unchanged."""
    copy = dict(namespace)
    for label, code in codes.items():
        exec(compile(code, label, "exec"), copy)
    return copy


class Worker:
    """Answers the grader's requests on the student's namespace (and its variants, each with a
    known mistake in place of the student's function)."""

    def __init__(self, namespace: dict, assignment: str):
        self.assignment, self.problem = assignment, None
        self.namespaces = {None: namespace}

    def namespace(self, variant: str | None) -> dict:
        """The student's namespace, or a copy with a known mistake in place of their function."""
        if variant not in self.namespaces:
            from autograder.core.checks import known_mistakes

            (mistake,) = [k for k in known_mistakes(self.assignment) if k.id == variant]
            label = f"<known mistake {mistake.id}>"
            self.namespaces[variant] = with_code(self.namespaces[None], {label: mistake.code})
        return self.namespaces[variant]

    @contextlib.contextmanager
    def standing_in(self, codes: dict, variant: str | None):
        """For the block, the course's versions of some helpers in place of the student's: in the
        namespace their functions read (and in the variant's), put back afterwards."""
        if not codes:
            yield
            return
        course = with_code(self.namespaces[None], {f"<the course's {name}>": code for name, code in codes.items()})
        spaces = [self.namespaces[None]] + ([self.namespace(variant)] if variant else [])
        saved = [(space, {n: space[n] for n in codes if n in space}) for space in spaces]
        for space in spaces:
            space.update({n: course[n] for n in codes})
        try:
            yield
        finally:
            for space, old in saved:
                for name in codes:
                    space.pop(name, None)
                space.update(old)

    def answer(self, request: dict):
        from autograder.core.submission import run_cell

        op = request["op"]
        if op == "run_cell":  # one cell of the student's code, into the namespace
            return {"ok": run_cell(request["name"], request["source"], self.namespaces[None])}
        if op == "problem":  # what went wrong while loading, for "not defined" messages
            self.problem = request["text"]
            return {"ok": None}
        with self.standing_in(request.get("stand_ins") or {}, request.get("variant")):
            return self._run(request, op)

    def _run(self, request: dict, op: str):
        from autograder.core.student import Student, StudentError

        student = Student(self.namespace(request.get("variant")), self.problem)
        try:
            if op == "call" and request["twice"]:  # on the same tensors: did the first call change them?
                return {"ok": student.call_twice(request["name"], request["inputs"], seed=request["seed"])}
            if op == "call":
                return {"ok": student.call(request["name"], request["inputs"], seed=request["seed"],
                                           grad_wrt=tuple(request["grad_wrt"]))}
            return {"ok": student.probe(_probe(request["probe"]), request["inputs"])}
        except StudentError as error:
            return {"error": error.failure.as_dict()}


def _probe(name: str):
    """A probe of the checks, by "module:qualname"; nothing else can be named."""
    module_name, qualname = name.split(":")
    if not module_name.startswith("autograder.core.checks."):
        raise ValueError(f"not a probe: {name}")
    probe = importlib.import_module(module_name)
    for part in qualname.split("."):
        probe = getattr(probe, part)
    return probe


def main(read_fd: int, write_fd: int) -> None:
    """A worker's life: its setup, the student's code, then requests until the grader hangs up."""
    from autograder.core import transport
    from autograder.core.messages import LANGUAGE

    setup = transport.receive(read_fd)
    LANGUAGE.set(str(setup.get("language", "en")))  # what the worker writes of a failure, in the grading's language
    warm_up([setup["assignment"]])  # instant in a worker forked from a zygote warmed for it
    worker = Worker(student_module(setup["provided"]), setup["assignment"])
    lock_down(setup["memory_bytes"], setup["output_limit"])
    transport.send(write_fd, {"ready": True})
    while True:
        try:
            request = transport.receive(read_fd)
        except transport.ChannelClosed:
            return
        try:
            reply = worker.answer(request)
        except BaseException as error:  # the worker's own trouble, or student code that broke it
            reply = {"internal": f"{type(error).__name__}: {error}"[:2000]}
        try:
            transport.send(write_fd, reply)
        except transport.ChannelClosed:
            return
        except Exception as error:  # an answer that cannot be sent (an odd object in it)
            transport.send(write_fd, {"internal": f"{type(error).__name__}: {error}"[:2000]})
