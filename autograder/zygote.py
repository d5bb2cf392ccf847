"""A warm fork server for sandboxed workers: torch, fastai and the data loaded once, not per notebook.

Starting a worker (`python -m autograder.worker`) costs 1.5 to 3 s of imports and
loading before a student's first line runs. A `Zygote` pays that once: it is a
process that warms up (`worker.warm_up`) for every assignment, then forks a
worker for each submission on request. A forked worker is the same worker as a
started one: it receives the same setup, finishes preparing (the earlier steps'
reference functions, which the zygote itself never imports, so no submission can
find a solution in memory), locks itself down and answers requests. The zygote
holds nothing secret: no solution, no hidden reference.

Protocol (a SOCK_SEQPACKET socket pair, one message per request):
  b"F" with two file descriptors -> the pid of a worker reading and writing them
  b"W" + pid                     -> that worker's exit code, as subprocess gives it
"""
from __future__ import annotations

import ctypes
import gc
import os
import socket
import struct
import subprocess
import sys
import tempfile

from autograder.assignments import ASSIGNMENTS

_INT = struct.Struct(">q")
START_SECONDS = 300.0  # warming up imports torch and fastai and loads the data: seconds, not minutes


class ZygoteFailed(RuntimeError):
    """The fork server could not start, or stopped answering."""


class Forked:
    """A worker forked by a zygote, with the two things a Sandbox needs of a process."""

    def __init__(self, zygote: "Zygote", pid: int):
        self.zygote, self.pid = zygote, pid

    def wait(self) -> int:
        return self.zygote.wait(self.pid)


class Zygote:
    """The grader's end: start the fork server, ask it for workers, collect their exit codes."""

    def __init__(self, env: dict, assignments=ASSIGNMENTS):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.errors = tempfile.TemporaryFile()  # what the zygote says if it fails to start
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.zygote", str(theirs.fileno()), *assignments],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self.errors, start_new_session=True, cwd="/", env=env)
        theirs.close()
        self.socket = ours
        self.socket.settimeout(START_SECONDS)
        self._reply("start")
        self.socket.settimeout(30.0)  # forking and reaping take milliseconds

    def spawn(self, read_fd: int, write_fd: int) -> Forked:
        """A new worker that reads requests from read_fd and writes replies to write_fd."""
        self._send(b"F" + _INT.pack(0), "fork a worker", [read_fd, write_fd])
        return Forked(self, self._reply("fork a worker"))

    def wait(self, pid: int) -> int:
        """The exit code of worker `pid` once it has ended (negative: the signal that killed it)."""
        self._send(b"W" + _INT.pack(pid), "reap a worker")
        return self._reply("reap a worker")

    def close(self) -> None:
        self.socket.close()  # the zygote reads the end of the socket and exits
        self.errors.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _send(self, message: bytes, what: str, fds=()) -> None:
        try:
            if fds:
                socket.send_fds(self.socket, [message], list(fds))
            else:
                self.socket.sendall(message)
        except OSError as error:
            raise ZygoteFailed(f"the worker fork server did not {what}: {error}") from None

    def _reply(self, what: str) -> int:
        try:
            data = self.socket.recv(_INT.size)
        except OSError as error:
            raise ZygoteFailed(f"the worker fork server did not {what}: {error}") from None
        if len(data) != _INT.size:
            self.errors.seek(0)
            said = self.errors.read().decode(errors="replace").strip().splitlines()[-1:]
            raise ZygoteFailed(f"the worker fork server did not {what}: it exited "
                               f"(status {self.process.wait()}) {' '.join(said)}".strip())
        return _INT.unpack(data)[0]


def serve(channel: socket.socket, assignments: list[str]) -> None:
    """The zygote's end: warm up, then fork workers and reap them until the grader hangs up."""
    from autograder import worker

    worker.warm_up(assignments)
    if "07_relu_net" in assignments:
        try:
            worker.exercise_fastai()
        except Exception:
            pass  # no data: the checks that need it will say so
    leaked = [name for name in sys.modules if name == "solutions" or name.startswith("solutions.")]
    if leaked:  # a forked worker must not find a solution already imported
        raise RuntimeError(f"the zygote imported {leaked}")
    # What the zygote holds stays shared with its workers only while they do not write to it;
    # the garbage collector would (its bookkeeping lives in every object): keep it off of them.
    gc.collect()
    _release_free_memory()  # fewer pages mapped: each fork copies fewer page tables
    gc.freeze()
    channel.sendall(_INT.pack(0))
    while True:
        message, fds, _, _ = socket.recv_fds(channel, 1 + _INT.size, 2)
        if not message:
            return
        if message[:1] == b"F":
            channel.sendall(_INT.pack(_fork(channel, *fds)))
        elif message[:1] == b"W":
            _, status = os.waitpid(_INT.unpack(message[1:])[0], 0)
            channel.sendall(_INT.pack(os.waitstatus_to_exitcode(status)))


def _release_free_memory() -> None:
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to release this way
        pass


def _fork(channel: socket.socket, read_fd: int, write_fd: int) -> int:
    """Fork a worker in a session of its own (so the grader can kill its whole process group),
    and return its pid once that session exists."""
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        code = 1
        try:
            channel.close()
            os.close(ready_r)
            os.setsid()
            os.close(ready_w)
            from autograder import worker

            worker.main(read_fd, write_fd)
            code = 0
        finally:
            os._exit(code)  # never return into the zygote's loop
    for fd in (read_fd, write_fd, ready_w):
        os.close(fd)
    os.read(ready_r, 1)  # returns b"" when the worker closed its end: after setsid
    os.close(ready_r)
    return pid


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])), sys.argv[2:])
