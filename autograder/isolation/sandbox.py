"""Grading in isolation: the student's code runs in a confined worker, the comparisons here.

A `Sandbox` is one worker (`autograder.isolation.worker`), forked from a warm `Zygote` and confined
there (`autograder.isolation.confine`), holding one submission. `SandboxStudent` is the checks'
`StudentSide` for it: every call or probe is a request to the worker, bounded in time,
carrying only the case's inputs. A worker that runs out of time is killed (SIGKILL: no
signal handler can stop it; it is PID 1 of its own namespace, so everything it started
dies too) and, for the next check, forked again; one that dies is reported the same way.
A function that ran out of time is not run again in that submission: its other checks
fail at once, so a loop that never ends costs one check's time, not every check's.

A check's seconds are the worker's CPU seconds (`WorkerClock`), not the wall clock's: on a
machine busy grading a class, or beside a neighbour that hogs it, the same function gets the
same verdict; the processes it starts count too. Code that waits instead of computing (a
sleep, a read that never returns) is bounded by the wall clock, at WAIT_FACTOR times a
check's seconds; the submission's seconds bound everything on the wall clock.
"""
from __future__ import annotations

import os
import select
import signal
import time
from functools import cached_property

from autograder.core import source, transport
from autograder.core.limits import Deadline, Limits  # noqa: F401  (the grader's bounds, used with a Sandbox)
from autograder.core.messages import LANGUAGE, say, translations
from autograder.core.references import Case
from autograder.core.student_side import Asker, Fatal
from autograder.core.submission import provided_source

STUDENT_WORK = ("run_cell", "call", "probe")  # requests that run the student's code
SETUP_SECONDS = 30.0  # for a worker to take its setup (it is forked warm: milliseconds)
WAIT_FACTOR = 3.0  # a request may take this many times its CPU seconds on the wall clock
POLL_SECONDS = 0.05  # how often the worker's CPU time is read while it works


class SandboxBroken(RuntimeError):
    """The sandbox itself could not be set up: not the student's doing."""


class Sandbox:
    """One worker for one submission, forked again after a timeout or a crash.

    The submission's cells run one at a time, each within limits.check_seconds: a cell
    that does not finish (a loop at the top level) or ends the worker is skipped, and
    the rest still load. `deadline` bounds everything this submission may take.
    """

    def __init__(self, assignment: str, cells: list[tuple[str, str]], limits: Limits, deadline: Deadline,
                 zygote):
        self.assignment, self.cells, self.limits, self.deadline = assignment, cells, limits, deadline
        self.zygote = zygote  # an autograder.isolation.zygote.Zygote that forks the workers
        self.process = None  # a zygote.Forked: a .pid and a .wait()
        self.problems: dict[int, str] = {}  # cell index -> what went wrong in it
        self.skipped: set[int] = set()  # cells that timed out or ended the worker
        self.timed_out: dict[str, str] = {}  # function -> why it is not run again
        self.unloadable: str | None = None  # why the submission's code could not even be loaded
        self.work_seconds = 0.0  # spent running the student's cells and answering the checks
        self.computed: dict[Deadline, float] = {}  # CPU seconds the worker spent under each deadline

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def problem(self) -> str | None:
        return "\n".join(self.problems[i] for i in sorted(self.problems)) or None

    @cached_property
    def definitions(self) -> dict[str, str]:
        """What the submission's cells define, read here (`autograder.core.source`), never asked of the worker."""
        return source.definitions(self.cells)

    def start(self) -> None:
        """Fork a worker, then run the submission's cells in it (all but the skipped ones)."""
        from_grader, to_worker = os.pipe()  # (read end, write end)
        from_worker, to_grader = os.pipe()
        try:
            self.process = self.zygote.spawn(from_grader, to_grader, self.limits.memory_bytes, self.assignment)
        finally:
            os.close(from_grader)
            os.close(to_grader)
        self.write, self.read = to_worker, from_worker
        try:
            self._exchange({"assignment": self.assignment, "memory_bytes": self.limits.memory_bytes,
                            "output_limit": self.limits.output_chars, "language": LANGUAGE.get(),
                            "provided": provided_source(self.assignment)},
                           say("the grading process"), Deadline.within(SETUP_SECONDS, self.deadline))
        except Fatal as fatal:
            raise SandboxBroken(say("the sandbox could not be set up ({why})", why=fatal.summary)) from None
        for index, (name, text) in enumerate(self.cells):
            if index in self.skipped:
                continue
            if len(text) > transport.MAX_TEXT:  # the worker would refuse the message: say why instead
                self.problems[index] = say("{name} is too long to grade ({length} characters; "
                                           "a cell may have at most {limit}). It was skipped.",
                                           name=name, length=len(text), limit=transport.MAX_TEXT)
                continue
            try:
                reply = self._exchange({"op": "run_cell", "name": name, "source": text}, name,
                                       Deadline.within(self.limits.check_seconds, self.deadline))
                if not (reply.keys() == {"ok"} and isinstance(reply["ok"], (str, type(None)))):
                    self.stop()
                    raise Fatal(say("{what} broke the grading process: it sent back something that is not an answer",
                                    what=name), say("Does your code change the autograder or Python itself?"))
                problem = reply["ok"]
            except Fatal as fatal:
                self.skipped.add(index)
                self.problems[index] = say("{summary}. It was skipped.", summary=fatal.summary)
                self.start()  # again, without it
                return
            if problem:
                self.problems[index] = str(problem)[:4000]
        try:
            self._exchange({"op": "problem", "text": self.problem}, say("your code"),
                           Deadline.within(SETUP_SECONDS, self.deadline))
        except Fatal as fatal:  # every cell ran, then the worker stopped answering: nothing to grade
            self.unloadable = say("{summary} once it was loaded", summary=fatal.summary)
            raise

    def request(self, message: dict, what: str, deadline: Deadline):
        """Send one request; the worker's reply, or Fatal saying what went wrong."""
        if self.process is None:  # killed by an earlier check: starting again is not this one's time
            started = time.monotonic()
            self.start()
            deadline = Deadline(min(deadline.at + time.monotonic() - started, self.deadline.at), deadline.seconds)
        return self._exchange(message, what, deadline)

    def _exchange(self, message: dict, what: str, deadline: Deadline) -> dict:
        """Send `message` and return the worker's reply; Fatal if it times out, dies or breaks.

        All the requests under one deadline (a check's) may compute for deadline.seconds of CPU
        time together, and wait until WAIT_FACTOR times as long on the wall clock; the
        submission's deadline bounds both."""
        sent = time.perf_counter()
        clock, before = WorkerClock(self.process.pid), self.computed.get(deadline, 0.0)
        waits = (WAIT_FACTOR - 1) * deadline.seconds if clock.readable else 0.0  # else: the wall clock alone
        waiting_until = min(deadline.at + waits, self.deadline.at)
        try:
            transport.send(self.write, message, waiting_until)
            self._await_reply(clock, deadline.seconds - before, waiting_until)
            # a reply streams in at once: the rest of it gets what is left of the CPU time, on the wall clock
            left = max(1.0, deadline.seconds - before - clock.seconds())
            reply = transport.receive(self.read, min(waiting_until, time.monotonic() + left))
        except transport.ChannelTimeout:
            clock.seconds()  # what it computed, read before it is killed
            self.stop()
            if clock.readable and before + clock.used < deadline.seconds / 2 and waiting_until < self.deadline.at:
                raise Fatal(say("{what} waited {seconds:g} s without finishing",
                                what=what, seconds=WAIT_FACTOR * deadline.seconds),
                            say("Does it sleep, or wait for something that never comes?"), timed_out=True) from None
            raise Fatal(say("{what} did not finish within {seconds:g} s", what=what, seconds=deadline.seconds),
                        say("Is there a loop that never ends?"), timed_out=True) from None
        except transport.Garbage:
            self.stop()
            raise Fatal(say("{what} broke the grading process: it sent back something that is not an answer",
                            what=what), say("Does your code change the autograder or Python itself?")) from None
        except (transport.ChannelClosed, OSError):
            how, out_of_memory = self.stop()
            if out_of_memory:
                raise Fatal(say("{what} ran out of memory", what=what),
                            say("Is something growing without end?")) from None
            raise Fatal(say("{what} ended the grading process ({how})", what=what, how=how),
                        say("Does it call os._exit, crash Python, or use more memory than allowed?")) from None
        finally:
            self.computed[deadline] = before + clock.used  # read last just before the reply, or at the timeout
            if message.get("op") in STUDENT_WORK:
                self.work_seconds += time.perf_counter() - sent
        if not isinstance(reply, dict) or "internal" in reply:
            self.stop()
            raise Fatal(say("{what} broke the grading process", what=what),
                        say("Does your code change the autograder or Python itself?")) from None
        return reply

    def _await_reply(self, clock: "WorkerClock", cpu_seconds: float, waiting_until: float) -> None:
        """Return once the worker has begun to answer; ChannelTimeout once it has computed for
        more than cpu_seconds, or the wall clock passes waiting_until."""
        while True:
            left = waiting_until - time.monotonic()
            if left <= 0 or clock.seconds() > cpu_seconds:
                raise transport.ChannelTimeout()
            if select.select([self.read], [], [], min(left, POLL_SECONDS))[0]:
                return

    def stop(self) -> tuple[str, bool]:
        """Kill the worker (and with it, everything it started); say how it ended, and whether
        it was killed for its memory."""
        if self.process is None:
            return say("it was not running"), False
        for kill in (os.kill, os.killpg):  # PID 1 of its namespace: all of it goes (else its group)
            try:
                kill(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        code = self.process.wait()
        out_of_memory = self.process.out_of_memory
        for fd in (self.write, self.read):
            os.close(fd)
        self.process = None
        if code < 0:
            return say("killed by {signal}", signal=signal.Signals(-code).name), out_of_memory
        return say("exit status {code}", code=code), out_of_memory


class SandboxStudent(Asker):
    """The checks' StudentSide, answered by a Sandbox by a deadline."""

    def __init__(self, sandbox: Sandbox, deadline: Deadline, case: Case, function: str, names: tuple[str, ...],
                 mistake=None, stand_ins: dict[str, str] | None = None):
        super().__init__(case, function, names, mistake, stand_ins)
        self.sandbox, self.deadline = sandbox, deadline

    def _answer(self, request: dict, what: str):
        try:
            return self.sandbox.request(request, what, self.deadline)
        except Fatal as fatal:
            if fatal.timed_out and self.variant is None:
                self.sandbox.timed_out.setdefault(self.function, fatal.summary)
            raise

    def _problem(self) -> str | None:
        return self.sandbox.problem

    def _student_source(self, name: str) -> str | None:
        return self.sandbox.definitions.get(name)

    def with_mistake(self, mistake) -> "SandboxStudent":
        return SandboxStudent(self.sandbox, self.deadline, self.case, self.function, self.names, mistake,
                              self.stand_ins)


class WorkerClock:
    """The CPU seconds a worker has spent since this clock was made, read from /proc (10 ms
    steps): its own threads', those of the children it has waited for, and those of every live
    process it started (they are its descendants, orphans included: it is PID 1 of its
    namespace). A child that ends unwaited for between two readings (SIGCHLD ignored) escapes
    the count: the wall clock still bounds it. A process the grader cannot read (/proc mounted
    with hidepid) is not `readable`: its checks' seconds are then counted on the wall clock."""

    MAX_PROCESSES = 256  # of a worker's tree read at each poll (its pids cgroup allows 64)

    TICK = 1 / os.sysconf("SC_CLK_TCK")

    def __init__(self, pid: int):
        self.pid, self.used = pid, 0.0
        self.start = self._ticks()
        self.readable = self.start is not None

    def seconds(self) -> float:
        now = self._ticks()
        if self.start is not None and now is not None:
            self.used = max(self.used, (now - self.start) * self.TICK)
        return self.used

    def _ticks(self) -> int | None:
        total = _process_ticks(self.pid)  # read first: a child reaped meanwhile is missed, never counted twice
        if total is None:
            return None
        seen, waiting = {self.pid}, [self.pid]
        while waiting and len(seen) < self.MAX_PROCESSES:
            for child in _children(waiting.pop()):
                if child not in seen:
                    seen.add(child)
                    waiting.append(child)
                    total += _process_ticks(child) or 0
        return total


def _process_ticks(pid: int) -> int | None:
    """utime, stime, cutime and cstime of a process (all its threads), in clock ticks."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return sum(int(f) for f in fields[11:15])
    except (OSError, IndexError, ValueError):
        return None


def _children(pid: int) -> list[int]:
    """The live children of every thread of a process."""
    found = []
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for thread in threads:
        try:
            with open(f"/proc/{pid}/task/{thread}/children", "rb") as children:
                found += [int(c) for c in children.read().split()]
        except (OSError, ValueError):
            pass
    return found


translations("zh", {
    "the grading process": "评分进程",
    "your code": "你的代码",
    "the sandbox could not be set up ({why})": "沙箱没能建立起来（{why}）",
    "{name} is too long to grade ({length} characters; a cell may have at most {limit}). It was skipped.":
        "{name} 太长，无法评分（{length} 个字符；一个单元格最多 {limit} 个字符）。它被跳过了。",
    "{what} broke the grading process: it sent back something that is not an answer":
        "{what} 破坏了评分进程：它送回的东西不是一个回答",
    "{summary}. It was skipped.": "{summary}。它被跳过了。",
    "{summary} once it was loaded": "代码加载完成后，{summary}",
    "{what} waited {seconds:g} s without finishing": "{what} 等了 {seconds:g} 秒也没有完成",
    "Does it sleep, or wait for something that never comes?": "它是不是在 sleep，或者在等一个永远不会来的东西？",
    "{what} did not finish within {seconds:g} s": "{what} 没有在 {seconds:g} 秒内完成",
    "Is there a loop that never ends?": "是不是有一个永远不会结束的循环？",
    "{what} ran out of memory": "{what} 用完了内存",
    "Is something growing without end?": "是不是有什么东西在无止境地增长？",
    "{what} ended the grading process ({how})": "{what} 让评分进程结束了（{how}）",
    "Does it call os._exit, crash Python, or use more memory than allowed?":
        "它是否调用了 os._exit、让 Python 崩溃，或者用了超过允许的内存？",
    "{what} broke the grading process": "{what} 破坏了评分进程",
    "it was not running": "它本来就没有在运行",
    "killed by {signal}": "被 {signal} 终止",
    "exit status {code}": "退出状态 {code}",
})
# "Does your code change the autograder or Python itself?" is student_side's too: its Chinese is given there.
