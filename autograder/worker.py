"""The sandboxed worker: the only process that runs a student's code.

Started by `autograder.sandbox`, it gets everything through a pipe: the
assignment, the student's code and the limits. It prepares what the checks need
(torch, the earlier steps' functions, fastai and the data where needed), then
locks itself down before the student's code runs:

- memory: an address-space limit, so a hog gets MemoryError instead of the machine;
- output: prints go to a capped buffer, raw writes to /dev/null;
- privileges: run as root, it becomes `nobody`, so it cannot read the hidden
  references or the solutions, nor write to the course's files.

Then it answers requests (call a student function, run a probe) with snapshots.
The grader compares; the worker never sees an expected value.
"""
from __future__ import annotations

import importlib
import io
import os
import resource
import sys

NOBODY = 65534


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


# Imported before the lock-down: as `nobody`, the worker may be unable to read Python's own
# library (under /root with pyenv), so what student code may import must already be loaded.
PRELOADED = """abc argparse array ast base64 bisect builtins calendar cmath collections
collections.abc contextlib copy csv dataclasses datetime decimal difflib enum fractions
functools gc hashlib heapq inspect io itertools json logging math numbers operator os pathlib
pickle pprint random re secrets signal statistics string struct sys tempfile textwrap threading
time timeit traceback types typing unittest uuid warnings weakref ctypes numpy numpy.random
torch torch.nn torch.nn.functional torch.optim torch.autograd matplotlib matplotlib.pyplot""".split()


_WARM: set[str] = set()  # the assignments warm_up has prepared this process for


def warm_up(assignments) -> None:
    """Import and load, once, everything the checks of `assignments` need in a worker: the
    usual modules, the checks, the data, fastai. Nothing secret: no solution is imported here."""
    from autograder import checks, data, transport

    assignments = [a for a in assignments if a not in _WARM]
    if not assignments:
        return  # a worker forked from a warm zygote
    _WARM.update(assignments)
    for name in PRELOADED:
        importlib.import_module(name)
    transport.decode(transport.encode({"warm": 1}))
    import torch

    torch.save({"x": torch.zeros(1)}, io.BytesIO())  # its first use imports more of the library
    for assignment in assignments:
        checks.module(assignment)  # the probes and known mistakes of this assignment
        if assignment == "07_relu_net":
            for name in ("fastai.data.load", "fastai.data.core", "fastai.learner", "fastai.optimizer"):
                importlib.import_module(name)
    try:
        data.load()  # read as the current user; kept in memory for the probes and the notebooks
    except data.DataUnavailable:
        pass  # the checks that need the images will say so


def exercise_fastai() -> None:
    """Train a throwaway network for an epoch: fastai and autograd set themselves up on first
    use, and a worker forked afterwards (autograder.zygote) starts with that done."""
    import torch
    from fastai.learner import Learner
    from fastai.optimizer import SGD
    from torch import nn

    from autograder import data

    model = nn.Sequential(nn.Linear(784, 30), nn.ReLU(), nn.Linear(30, 1))
    learn = Learner(data.dataloaders(), model, opt_func=SGD,
                    loss_func=lambda preds, targets: ((torch.sigmoid(preds) - targets) ** 2).mean())
    with learn.no_logging():
        learn.fit(1, 0.1)


def prepare(assignment: str) -> dict:
    """The student's starting namespace, everything it needs loaded (before the lock-down, while
    the solutions of the earlier steps can still be read)."""
    from autograder.submission import provided

    warm_up([assignment])  # instant in a worker forked from a warm zygote
    namespace = provided(assignment)
    reseed()
    return namespace


def reseed() -> None:
    """The same random state for every submission, however its worker was started: top-level
    randomness in a student's cells then gives the same grade every time."""
    import random

    import numpy as np
    import torch

    torch.manual_seed(0)
    np.random.seed(0)
    random.seed(0)


def lock_down(memory_limit: int, output_limit: int) -> CappedText:
    """memory_limit: the bytes the student's code may add to what the worker already maps
    (so a worker forked from a zygote that loaded more leaves the student the same room)."""
    allowed = _mapped_bytes() + memory_limit
    resource.setrlimit(resource.RLIMIT_AS, (allowed, allowed))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    sys.stdout = sys.stderr = printed = CappedText(output_limit)
    return printed


def _mapped_bytes() -> int:
    """The address space this process maps now (VmSize)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


class Worker:
    def __init__(self, namespace: dict, assignment: str):
        self.assignment, self.problem = assignment, None
        self.namespaces = {None: namespace}

    def namespace(self, variant: str | None) -> dict:
        """The student's namespace, or a copy with a known mistake in place of their function."""
        if variant not in self.namespaces:
            from autograder.checks import known_mistakes

            (mistake,) = [k for k in known_mistakes(self.assignment) if k.id == variant]
            copy = dict(self.namespaces[None])
            exec(compile(mistake.code, f"<known mistake {mistake.id}>", "exec"), copy)
            self.namespaces[variant] = copy
        return self.namespaces[variant]

    def answer(self, request: dict):
        from autograder.student import Student, StudentError
        from autograder.submission import run_cell

        if request["op"] == "run_cell":  # one cell of the student's code, into the namespace
            return {"ok": run_cell(request["name"], request["source"], self.namespaces[None])}
        if request["op"] == "problem":  # what went wrong while loading, for "not defined" messages
            self.problem = request["text"]
            return {"ok": None}
        student = Student(self.namespace(request.get("variant")), self.problem)
        try:
            if request["op"] == "call":
                return {"ok": student.call(request["name"], seed=request["seed"],
                                           grad_wrt=tuple(request["grad_wrt"]), **request["inputs"])}
            module_name, qualname = request["probe"].split(":")
            if not module_name.startswith("autograder.checks."):
                raise ValueError(f"not a probe: {request['probe']}")
            probe = importlib.import_module(module_name)
            for part in qualname.split("."):
                probe = getattr(probe, part)
            return {"ok": student.probe(probe, *request["args"])}
        except StudentError as error:
            return {"student_error": str(error)}


def main(read_fd: int, write_fd: int) -> None:
    from autograder import transport

    setup = transport.receive(read_fd)
    worker = Worker(prepare(setup["assignment"]), setup["assignment"])
    lock_down(setup["memory_limit"], setup["output_limit"])
    transport.send(write_fd, {"ready": True})
    while True:
        try:
            request = transport.receive(read_fd)
        except transport.ChannelClosed:
            return
        try:
            reply = worker.answer(request)
        except BaseException as error:  # the worker's own trouble, or student code that broke it
            reply = {"internal": f"{type(error).__name__}: {error}"}
        try:
            transport.send(write_fd, reply)
        except transport.ChannelClosed:
            return
        except Exception as error:  # an answer that cannot be sent (an odd object in it)
            transport.send(write_fd, {"internal": f"{type(error).__name__}: {error}"})


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
