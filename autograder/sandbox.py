"""Grading in isolation: the student's code runs in a worker process, the comparisons here.

A `Sandbox` is one worker process (`autograder.worker`) holding one submission.
`SandboxStudent` gives the checks the same interface as an in-process `Student`
(`call`, `probe`), but every call is a request to the worker, bounded in time.
A worker that runs out of time is killed (SIGKILL: no signal handler can stop
it) and, for the next check, started again; one that dies is reported the same
way. Nothing the student's code does can reach the objects compared here.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from autograder import transport
from autograder.student import Call, StudentError, call_text

REPO = Path(__file__).resolve().parent.parent
STUDENT_WORK = ("run_cell", "call", "probe")  # requests that run the student's code
PRIVATE = (REPO / "solutions", REPO / "autograder" / "references" / "hidden")


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


@dataclass(frozen=True)
class Limits:
    """What an instructor bounds: seconds per check and per submission, memory, printed text."""

    check_seconds: float = 30.0
    submission_seconds: float = 300.0
    memory_bytes: int = 2**30  # beyond what the worker has loaded (torch, fastai, the data)
    output_chars: int = 100_000


class Fatal(StudentError):
    """The student's code ran out of time or ended the worker: no known mistake explains it."""


def protect_private_files() -> None:
    """Make the solutions and hidden references readable by their owner only (when root,
    workers run as `nobody`, who then cannot read them)."""
    for folder in PRIVATE:
        if folder.exists() and os.geteuid() == 0:
            folder.chmod(0o700)


class Sandbox:
    """One worker process for one submission, started again after a timeout or a crash.

    The submission's cells run one at a time, each within limits.check_seconds: a cell
    that does not finish (a loop at the top level) or ends the worker is skipped, and
    the rest still load. `deadline` bounds everything this submission may take.
    """

    def __init__(self, assignment: str, cells: list[tuple[str, str]], limits: Limits, deadline: Deadline,
                 zygote=None):
        self.assignment, self.cells, self.limits, self.deadline = assignment, cells, limits, deadline
        self.zygote = zygote  # an autograder.zygote.Zygote to fork warm workers from, or None
        self.process = None  # subprocess.Popen, or zygote.Forked: a .pid and a .wait()
        self.problems: dict[int, str] = {}  # cell index -> what went wrong in it
        self.skipped: set[int] = set()  # cells that timed out or ended the worker
        self.work_seconds = 0.0  # spent running the student's cells and answering the checks

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def problem(self) -> str | None:
        return "\n".join(self.problems[i] for i in sorted(self.problems)) or None

    def start(self) -> None:
        """Start a worker, then run the submission's cells in it (all but the skipped ones)."""
        protect_private_files()
        from_grader, to_worker = os.pipe()  # (read end, write end)
        from_worker, to_grader = os.pipe()
        if self.zygote is not None:
            self.process = self.zygote.spawn(from_grader, to_grader)
        else:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "autograder.worker", str(from_grader), str(to_grader)],
                pass_fds=(from_grader, to_grader), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True, cwd="/", env=worker_env())
        os.close(from_grader)
        os.close(to_grader)
        self.write, self.read = to_worker, from_worker
        self._exchange({"assignment": self.assignment, "memory_limit": self.limits.memory_bytes,
                        "output_limit": self.limits.output_chars}, "the grading process", self.deadline)
        for index, (name, source) in enumerate(self.cells):
            if index in self.skipped:
                continue
            try:
                problem = self._exchange({"op": "run_cell", "name": name, "source": source}, name,
                                         Deadline.within(self.limits.check_seconds, self.deadline))["ok"]
            except Fatal as fatal:
                self.skipped.add(index)
                self.problems[index] = f"{fatal} It was skipped."
                self.start()  # again, without it
                return
            if problem:
                self.problems[index] = problem
        self._exchange({"op": "problem", "text": self.problem}, "the grading process", self.deadline)

    def request(self, message: dict, what: str, deadline: Deadline):
        """Send one request; its answer, or StudentError/Fatal saying what went wrong."""
        if self.process is None:  # killed by an earlier check: starting again is not this one's time
            started = time.monotonic()
            self.start()
            deadline = Deadline(min(deadline.at + time.monotonic() - started, self.deadline.at), deadline.seconds)
        reply = self._exchange(message, what, deadline)
        if "student_error" in reply:
            raise StudentError(reply["student_error"])
        return reply["ok"]

    def _exchange(self, message: dict, what: str, deadline: Deadline) -> dict:
        """Send `message` and return the worker's reply; Fatal if it times out, dies or breaks."""
        sent = time.perf_counter()
        try:
            transport.send(self.write, message)
            reply = transport.receive(self.read, deadline.at)
        except transport.ChannelTimeout:
            self.stop()
            raise Fatal(f"{what} did not finish within {_seconds(deadline)}: is there a loop that "
                        "never ends?") from None
        except (transport.ChannelClosed, OSError, RuntimeError, ValueError):
            how = self.stop()
            raise Fatal(f"{what} ended the grading process ({how}): does it call os._exit, crash "
                        "Python, or use more memory than allowed?") from None
        finally:
            if message.get("op") in STUDENT_WORK:
                self.work_seconds += time.perf_counter() - sent
        if "internal" in reply:
            self.stop()
            raise Fatal(f"{what} broke the grading process ({reply['internal']}).")
        return reply

    def stop(self) -> str:
        """Kill the worker and its process group; say how it ended."""
        if self.process is None:
            return "it was not running"
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        code = self.process.wait()
        for fd in (self.write, self.read):
            os.close(fd)
        self.process = None
        if code < 0:
            return f"killed by {signal.Signals(-code).name}"
        return f"exit status {code}"


def _seconds(deadline: "Deadline") -> str:
    return f"{deadline.seconds:g} s"


def worker_env() -> dict:
    """The environment of a worker (and of a zygote): nothing of the grader's but paths and locale."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "FASTAI_HOME",
                                                          "MNIST_PNG_TGZ", "HOME")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["MPLBACKEND"] = "Agg"
    env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = "1"
    return env


class SandboxStudent:
    """The Student interface of the checks, answered by a Sandbox by a deadline.

    function: the student function the check is about, named when a probe fails.
    """

    def __init__(self, sandbox: Sandbox, deadline: Deadline, function: str, variant: str | None = None):
        self.sandbox, self.deadline, self.function, self.variant = sandbox, deadline, function, variant
        self.record: list = []

    def call(self, name: str, /, *, seed: int | None = None, grad_wrt: tuple[str, ...] = (),
             **inputs) -> Call:
        call = self.sandbox.request(
            {"op": "call", "name": name, "inputs": inputs, "seed": seed, "grad_wrt": list(grad_wrt),
             "variant": self.variant}, name, self.deadline)
        call = Call(call_text(name, inputs), call.value, call.inputs)  # the text is ours, not theirs
        self.record.append(call)
        return call

    def probe(self, probe, *args):
        seen = self.sandbox.request(
            {"op": "probe", "probe": f"{probe.__module__}:{probe.__qualname__}", "args": list(args),
             "variant": self.variant}, self.function, self.deadline)
        self.record.append(seen)
        return seen

    def with_mistake(self, mistake) -> SandboxStudent:
        """The same submission with `mistake` in place of the student's function (in the worker)."""
        return SandboxStudent(self.sandbox, self.deadline, self.function, variant=mistake.id)
