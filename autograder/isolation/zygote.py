"""A warm fork server of confined workers: torch, fastai and the data loaded once, not per worker.

Starting Python and importing torch costs seconds before a student's first line runs. A
`Zygote` pays that once: a process that warms up (`worker.warm_up`) for its
assignments, finds out what confinement this kernel offers (`confine.probe`), then forks
a worker on request. Each fork is confined before it reads its first message: its own
namespaces (it is PID 1 of its own PID namespace, so all it starts dies with it), Landlock,
limits, no privilege (`autograder.isolation.confine`). The zygote holds nothing secret: no solution,
no reference; the earlier steps' functions reach a worker as public source code.

Protocol (SOCK_SEQPACKET socket pairs, one message per request, a reply on the channel asked):
  started                          -> b"S" + JSON: what confinement holds (`confine.Plan.report`)
  b"F" + memory bytes + assignment, with two fds
                                   -> the pid of a worker reading and writing them (the zygote
                                      warms up for an assignment it had not, first: once)
  b"W" + pid                       -> its exit code (as subprocess gives it), and 1 if it was
                                      killed for using more memory than allowed, else 0
  b"C", with one fd                -> on that fd, a channel of its own from now on: b"S" + JSON
The zygote ends when the channel it was started with closes; another channel's end is that
client's only.

One fork server, many graders (`Zygote.door`, `Zygote.through`): the grading processes of one
`grade` command, or every command a test suite runs, share a single warm-up. A door is a channel
handed to another process, which buds a channel of its own off it (b"C"), so no two processes
or threads ever read replies off one socket. It is passed as an open descriptor (to a spawned
pool process, or inherited with its number in AUTOGRADER_ZYGOTE_DOOR), never as a path: a
worker closes every descriptor but its own two pipes before it runs a student's line, so no
worker can reach a door. A door is used only where the zygote's workers would get the very
environment the process would give its own (`worker_env`): the variable names it.
"""
from __future__ import annotations

import gc
import hashlib
import itertools
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile

from autograder.isolation import confine
from autograder.core.assignments import ASSIGNMENTS

_INT = struct.Struct(">q")
START_SECONDS = 300.0  # warming up imports torch and fastai and loads the data: seconds, not minutes
SETUP_FAILED = 111  # a worker's exit code when its confinement could not be set up
DOOR_VARIABLE = "AUTOGRADER_ZYGOTE_DOOR"  # "<fd>:<digest of worker_env()>": a zygote this process may share


def worker_env(environ=None) -> dict:
    """The environment of a zygote and its workers, started by a grader whose environment is
    `environ` (this process's by default): nothing of the grader's but paths and locale."""
    environ = os.environ if environ is None else environ
    env = {k: v for k, v in environ.items() if k in ("PATH", "LANG", "LC_ALL", "FASTAI_HOME", "MNIST_PNG_TGZ",
                                                      "HOME")}
    env["PYTHONPATH"] = str(confine.PACKAGE.parent)  # the very autograder the grader runs, wherever it is
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["MPLBACKEND"] = "Agg"
    env["TMPDIR"] = "/tmp"  # its own tmpfs, once confined
    env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = "1"
    return env


class ZygoteFailed(RuntimeError):
    """The fork server could not start, or stopped answering."""


class Forked:
    """A worker forked by a zygote, with the two things a Sandbox needs of a process."""

    def __init__(self, zygote: "Zygote", pid: int):
        self.zygote, self.pid, self.out_of_memory = zygote, pid, False

    def wait(self) -> int:
        code, self.out_of_memory = self.zygote.wait(self.pid)
        return code


class Zygote:
    """The grader's end: start the fork server, ask it for workers, collect their exit codes.

    confinement: what holds for every worker it forks (`confine.Plan.report`). One object is one
    channel: a thread or process of its own gets its own (`door`, `through`)."""

    def __init__(self, env: dict | None = None, assignments=ASSIGNMENTS):
        """Start the fork server; it warms up while the caller goes on (the first `spawn` or
        `confinement` waits for it)."""
        env = worker_env() if env is None else env
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.errors = tempfile.TemporaryFile()  # what the zygote says if it fails to start
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.isolation.zygote", str(theirs.fileno()), *assignments],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self.errors, start_new_session=True, cwd="/", env=env)
        theirs.close()
        self.socket = ours
        self._confinement: dict | None = None

    @classmethod
    def through(cls, door: socket.socket) -> "Zygote":
        """A grader's end of the fork server behind `door` (another `Zygote`'s `door()`, perhaps
        of another process), on a channel of its own. It does not own the server: closing it
        closes only its channel."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            socket.send_fds(door, [b"C"], [theirs.fileno()])
        except OSError as error:
            ours.close()
            raise ZygoteFailed(f"the worker fork server did not take another grader: {error}") from None
        finally:
            theirs.close()
        client = cls.__new__(cls)
        client.process, client.errors, client.socket, client._confinement = None, None, ours, None
        return client

    def door(self) -> socket.socket:
        """A channel for another process (a pool's, or a command's it runs), which makes graders
        of its own off it with `Zygote.through`: pass it to a spawned process, or let a child
        inherit it with `door_variable`. Closing it never ends the server. It does not wait for the
        server to have started: a server that fails fails its graders' first requests."""
        return Zygote.through(self.socket).socket

    def running(self) -> bool:
        """False once the fork server this grader started has exited; True for a shared one (its
        owner's to watch: a dead one fails the next request with ZygoteFailed)."""
        return self.process is None or self.process.poll() is None

    @property
    def confinement(self) -> dict:
        """What holds for every worker it forks (`confine.Plan.report`), once it has started."""
        if self._confinement is None:
            self.socket.settimeout(START_SECONDS)
            started = self._receive("start", 1 << 20)
            self._confinement = json.loads(started[1:].decode())
            self.socket.settimeout(30.0)  # forking and reaping take milliseconds
        return self._confinement

    def spawn(self, read_fd: int, write_fd: int, memory_bytes: int, assignment: str) -> Forked:
        """A new worker for `assignment` that reads requests from read_fd and writes replies to
        write_fd; its processes together may allocate about `memory_bytes` (where cgroups allow it)."""
        self.confinement  # noqa: B018  (started)
        self._send(b"F" + _INT.pack(memory_bytes) + assignment.encode(), "fork a worker", [read_fd, write_fd])
        pid = _INT.unpack(self._receive("fork a worker", _INT.size))[0]
        if pid <= 0:
            raise ZygoteFailed("the worker fork server could not set up a confined worker (see its log)")
        return Forked(self, pid)

    def wait(self, pid: int) -> tuple[int, bool]:
        """The exit code of worker `pid` once it has ended (negative: the signal that killed it),
        and whether it was killed for its memory."""
        self._send(b"W" + _INT.pack(pid), "reap a worker")
        code, oom = struct.unpack(">qq", self._receive("reap a worker", 2 * _INT.size))
        return code, bool(oom)

    def close(self) -> None:
        self.socket.close()  # the zygote reads the end of the channel (and, the owner's, exits)
        if self.process is None:
            return
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

    def _receive(self, what: str, size: int) -> bytes:
        try:
            data = self.socket.recv(size)
        except OSError as error:
            raise ZygoteFailed(f"the worker fork server did not {what}: {error}") from None
        if not data and self.process is None:
            raise ZygoteFailed(f"the worker fork server did not {what}: it has ended")
        if not data:
            self.errors.seek(0)
            said = self.errors.read().decode(errors="replace").strip().splitlines()[-1:]
            raise ZygoteFailed(f"the worker fork server did not {what}: it exited "
                               f"(status {self.process.wait()}) {' '.join(said)}".strip())
        return data


def start(assignments=ASSIGNMENTS) -> Zygote:
    """A zygote for this process: a grader of the one it was given (`inherited_door`), else a new
    one, warming up for `assignments`."""
    door = inherited_door()
    if door is not None:
        client = None
        try:
            client = Zygote.through(door)
            client.confinement  # noqa: B018  (the server is there and answers)
            return client
        except ZygoteFailed:  # it has ended: one of this process's own
            if client is not None:
                client.close()
        finally:
            door.close()  # a copy: the given one stays open for the next grader
    return Zygote(assignments=assignments)


def door_variable(door: socket.socket) -> dict:
    """The environment that lets a child process share `door` (which it must inherit: pass_fds)."""
    return {DOOR_VARIABLE: f"{door.fileno()}:{_digest(worker_env())}"}


def inherited_door() -> socket.socket | None:
    """A copy of the door this process was given (DOOR_VARIABLE), the caller's to close, if it is
    one and the workers behind it get the very environment this process would give its own
    (`worker_env`); else None. Read at each call: a descriptor's number may name another file later."""
    fd, _, digest = os.environ.get(DOOR_VARIABLE, "").partition(":")
    if not fd.isdigit() or int(fd) < 3 or digest != _digest(worker_env()):
        return None
    try:
        door = socket.socket(fileno=os.dup(int(fd)))  # a copy: the descriptor stays its owner's
    except OSError:  # closed, or not a socket
        return None
    if door.family != socket.AF_UNIX or door.type != socket.SOCK_SEQPACKET:
        door.close()
        return None
    return door


def _digest(env: dict) -> str:
    return hashlib.sha256(json.dumps(sorted(env.items())).encode()).hexdigest()[:16]


def serve(owner: socket.socket, assignments: list[str]) -> None:
    """The zygote's end: warm up, find out how to confine, then fork workers and reap them for
    every grader's channel until the one it was started with hangs up. It serves one request at a
    time (a warm-up for a new assignment holds the others up for its seconds), and no grader's
    request can end it: one it cannot serve gets "no worker", a worker ends when the grader that
    asked for it hangs up, and ended workers are reaped as they end."""
    warm(assignments)
    plan = confine.probe()
    confine.become_subreaper()  # a worker whose first parent exits is ours to reap
    started = b"S" + json.dumps(plan.report()).encode()
    owner.sendall(started)
    state = _Served(plan, started)
    state.add(owner)
    while True:
        for fd, _ in state.poller.poll(1000):  # at least once a second: ended workers are reaped
            channel = state.channels[fd]
            try:
                message, fds, _, _ = socket.recv_fds(channel, 1024, 2)
            except OSError:
                message, fds = b"", []
            if not message:  # the grader hung up
                if channel is owner:
                    return
                state.drop(channel)
            else:
                try:
                    reply = state.answer(channel, message, fds)
                except Exception:  # not a request it can serve: no worker, and the others go on
                    reply = struct.pack(">qq", SETUP_FAILED, 0) if message[:1] == b"W" else _INT.pack(0)
                try:
                    if reply:
                        channel.sendall(reply)
                except OSError:  # a grader gone mid-reply: its channel ends at its next poll
                    pass
            for stray in fds:  # sent along with what was not a request for them
                os.close(stray)  # received here, so open: closing cannot fail
        state.reap()


class _Served:
    """What the zygote's loop keeps: its graders' channels, and the workers each asked for."""

    def __init__(self, plan: confine.Plan, started: bytes):
        self.plan, self.started = plan, started
        self.poller = select.poll()
        self.channels: dict[int, socket.socket] = {}  # fd -> a grader's channel
        self.workers: dict[int, tuple[str, socket.socket]] = {}  # pid -> (its cgroup name, who asked)
        self.ended: dict[int, tuple[int, bool]] = {}  # pid -> (exit code, killed for memory), not yet asked
        self.counter = itertools.count()

    def add(self, channel: socket.socket) -> None:
        self.channels[channel.fileno()] = channel
        self.poller.register(channel, select.POLLIN)

    def drop(self, channel: socket.socket) -> None:
        """A grader hung up: its channel goes, and so do the workers it left running."""
        self.poller.unregister(channel)
        del self.channels[channel.fileno()]
        channel.close()
        for pid, (_, asked) in list(self.workers.items()):
            if asked is channel:
                for kill in (os.kill, os.killpg):  # PID 1 of its namespace: all of it goes
                    try:
                        kill(pid, signal.SIGKILL)
                    except OSError:
                        pass

    def answer(self, channel: socket.socket, message: bytes, fds: list[int]) -> bytes:
        """The reply to one request (fds: those it came with; what it takes, it removes)."""
        kind = message[:1]
        if kind == b"F" and len(fds) == 2 and len(message) > 1 + _INT.size:
            memory_bytes, assignment = _INT.unpack(message[1:1 + _INT.size])[0], message[1 + _INT.size:].decode()
            warm([assignment])
            name = f"autograder-{os.getpid()}-{next(self.counter)}"
            read_fd, write_fd = fds.pop(0), fds.pop(0)  # the fork's now: it closes them
            pid = _fork(self.plan, read_fd, write_fd, memory_bytes, name)
            if pid > 0:
                self.workers[pid] = (name, channel)
            return _INT.pack(pid)
        if kind == b"W" and len(message) == 1 + _INT.size:
            pid = _INT.unpack(message[1:])[0]
            if pid in self.workers:
                try:  # killed already by the grader (Sandbox.stop): it ends at once
                    self._ended(pid, os.waitpid(pid, 0)[1])
                except ChildProcessError:
                    self._ended(pid, None)
            code, oom = self.ended.pop(pid, (SETUP_FAILED, False))  # never ours: as a failed setup
            return struct.pack(">qq", code, oom)
        if kind == b"C" and len(fds) == 1:
            client = socket.socket(fileno=fds.pop())
            self.add(client)
            try:
                client.sendall(self.started)
            except OSError:  # gone already: its channel ends at its next poll
                pass
            return b""  # nothing on the channel that asked
        return _INT.pack(0)  # not a request: no worker

    def reap(self) -> None:
        """Reap every worker that has ended (its status kept for its grader's b"W")."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid in self.workers:
                self._ended(pid, status)

    def _ended(self, pid: int, status: int | None) -> None:
        name, asked = self.workers.pop(pid)
        code = SETUP_FAILED if status is None else os.waitstatus_to_exitcode(status)
        oom = confine.remove_cgroups(self.plan, name)
        if asked.fileno() != -1:  # its grader is still there to ask
            self.ended[pid] = (code, oom)


def warm(assignments) -> None:
    """Warm up for `assignments` (once each): what every fork then finds already done."""
    from autograder.isolation import worker

    todo = [a for a in assignments if a in ASSIGNMENTS and a not in worker._WARM]
    if not todo and "" in worker._WARM:
        return
    gc.unfreeze()
    worker.warm_up(todo)
    if "07_relu_net" in todo:
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


def _fork(plan: confine.Plan, read_fd: int, write_fd: int, memory_bytes: int, name: str) -> int:
    """Fork a confined worker; return its pid once it exists. With namespaces, the first child
    enters them and forks the worker, PID 1 of its new PID namespace, then exits. read_fd and
    write_fd are closed here, whatever happens."""
    ready = []
    try:
        ready = os.pipe()
        first = os.fork()
    except OSError:
        for fd in (read_fd, write_fd, *ready):
            os.close(fd)
        raise
    ready_r, ready_w = ready
    if first == 0:
        code = SETUP_FAILED
        try:
            os.close(ready_r)
            os.setsid()
            _close_all_but(read_fd, write_fd, ready_w)
            confine.enter_namespaces(plan)
            pid = os.fork() if plan.namespaces else 0
            if pid:  # the first child: say who the worker is, and leave it to the zygote
                os.write(ready_w, _INT.pack(pid))
                code = 0
            else:  # the worker
                if not plan.namespaces:
                    os.write(ready_w, _INT.pack(os.getpid()))
                os.close(ready_w)
                confine.confine(plan, memory_bytes, name)
                code = SETUP_FAILED + 1  # from here on, any ending is the student's code's
                from autograder.isolation import worker

                worker.main(read_fd, write_fd)
                code = 0
        except BaseException as error:
            if code == SETUP_FAILED:
                os.write(2, f"autograder worker setup: {type(error).__name__}: {error}\n".encode())
                code = SETUP_FAILED
            else:
                code = 1
        finally:
            os._exit(code)  # never return into the zygote's loop
    for fd in (read_fd, write_fd, ready_w):
        os.close(fd)
    said = os.read(ready_r, _INT.size)
    os.close(ready_r)
    if plan.namespaces:
        os.waitpid(first, 0)  # the first child has done its part
    if len(said) != _INT.size:  # no worker: it failed before there was one
        if not plan.namespaces:
            os.waitpid(first, 0)
        return 0
    return _INT.unpack(said)[0]


def _release_free_memory() -> None:
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to release this way
        pass


def _close_all_but(*keep: int) -> None:
    """Close every inherited descriptor but the standard ones and `keep`."""
    keep = sorted({0, 1, 2, *keep})
    for low, high in zip(keep, keep[1:] + [65536]):
        os.closerange(low + 1, high)


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])), sys.argv[2:])
