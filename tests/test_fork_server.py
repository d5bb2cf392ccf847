"""One warm fork server, many graders (autograder/isolation/zygote.py): a command handed a door
forks its workers from the zygote behind it, and takes one only where its workers would get the
very environment it would give them. (The attack that looks for a door from inside a worker is in
attacks.py: "asks the grader's fork server for a worker of its own".)"""
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.isolation import zygote as fork_server
from autograder.isolation.zygote import DOOR_VARIABLE, Zygote, door_variable

SOLUTION = Path(__file__).resolve().parent.parent / "solutions" / "init.py"


def _reaped_seconds(pid: int) -> float:
    """CPU seconds of the children process `pid` has reaped: a zygote reaps every worker it forked."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def _check(env: dict, pass_fds=()) -> int:
    done = subprocess.run([sys.executable, "-m", "autograder", "check", "01_init", str(SOLUTION), "--json"],
                          capture_output=True, text=True, env=env, pass_fds=pass_fds, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return sum(c["points"] for c in json.loads(done.stdout)["checks"])


@pytest.fixture(scope="module")
def zygote():
    started = Zygote(assignments=["01_init"])
    started.confinement  # noqa: B018  (warm)
    yield started
    started.close()


def test_a_command_given_a_door_forks_its_workers_from_the_zygote_behind_it(zygote):
    door = zygote.door()
    try:
        before = _reaped_seconds(zygote.process.pid)
        env = {k: v for k, v in os.environ.items() if k != DOOR_VARIABLE}
        assert _check({**env, **door_variable(door)}, [door.fileno()]) == 10
        assert _reaped_seconds(zygote.process.pid) > before  # its workers ran there
    finally:
        door.close()


@pytest.mark.parametrize("case", ["another environment", "a door not handed over", "no door at all"])
def test_a_command_takes_no_door_it_cannot_use_and_still_grades(zygote, case):
    door = zygote.door()
    env = {k: v for k, v in os.environ.items() if k != DOOR_VARIABLE}
    try:
        before = _reaped_seconds(zygote.process.pid)
        if case == "another environment":  # its workers would read another FASTAI_HOME: refused
            env.update(door_variable(door))
            env["FASTAI_HOME"] = env.get("FASTAI_HOME", "") + "/."
            assert _check(env, [door.fileno()]) == 10
        elif case == "a door not handed over":  # the variable names a descriptor the command does not hold
            assert _check({**env, **door_variable(door)}) == 10
        else:
            assert _check({**env, DOOR_VARIABLE: ""}) == 10  # not even the suite's (tests/conftest.py)
        assert _reaped_seconds(zygote.process.pid) == before  # it forked from a zygote of its own
    finally:
        door.close()


def test_only_a_door_is_taken_for_one(monkeypatch, tmp_path):
    """What the variable may name that is not a door: nothing, a file, a socket of another kind."""
    digest = door_variable(socket.socket())[DOOR_VARIABLE].split(":")[1]
    with open(tmp_path / "file", "w") as file, socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as stream:
        for value in ["", "x", "1:" + digest, f"{file.fileno()}:{digest}", f"{stream.fileno()}:{digest}", "999:" + digest]:
            monkeypatch.setenv(DOOR_VARIABLE, value)
            assert fork_server.inherited_door() is None, value


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def test_a_request_it_cannot_serve_ends_neither_the_zygote_nor_another_grader(zygote):
    """A grader's malformed request gets "no worker"; the zygote goes on serving everyone."""
    from autograder.isolation.runner import grade_isolated

    door = zygote.door()
    clumsy, other = Zygote.through(door), Zygote.through(door)
    assert "files" in clumsy.confinement["held"]  # its greeting read: what follows are answers
    try:
        pipes = [os.pipe(), os.pipe()]
        for message, fds in [(b"W", []), (b"F", []), (b"F" + b"\0" * 8 + b"\xff\xfe", [pipes[0][0], pipes[1][1]]),
                             (b"C", []), (b"?", [])]:
            clumsy._send(message, "ask", fds)
            assert clumsy._receive("answer", 64) == b"\0" * 8, message  # no worker
        results = grade_isolated("01_init", [("answer.py", SOLUTION.read_text())], zygote=other)
        assert zygote.running() and results and all(r.passed for r in results)
    finally:
        for fd in (*pipes[0], *pipes[1]):
            os.close(fd)
        clumsy.close()
        other.close()
        door.close()


def test_a_worker_ends_when_the_grader_that_asked_for_it_hangs_up(zygote):
    door = zygote.door()
    grader = Zygote.through(door)
    requests, replies = os.pipe(), os.pipe()
    try:
        pid = grader.spawn(requests[0], replies[1], 2**30, "01_init").pid
        assert _state(pid) not in ("Z", "gone")  # waiting for a request that never comes
        grader.close()  # a grader killed mid-grading: no b"W", no kill of its own
        for _ in range(100):
            if _state(pid) == "gone":
                break
            time.sleep(0.1)
        assert _state(pid) == "gone"  # killed, and reaped
    finally:
        for fd in (*requests, *replies):
            os.close(fd)
        door.close()


@pytest.mark.parametrize("way", ["grade_isolated", "the check command"])
def test_a_grading_whose_shared_zygote_ends_under_it_goes_on_with_one_of_its_own(monkeypatch, capsys, way):
    """The zygote a process was given answers when the grading starts, then ends (its owner
    was killed) before the first worker: the grade is still given, by a zygote of the process's own."""
    from autograder import cli
    from autograder.core.limits import Limits
    from autograder.isolation.runner import grade_isolated

    doomed = Zygote(assignments=["01_init"])
    door = doomed.door()
    monkeypatch.setenv(DOOR_VARIABLE, door_variable(door)[DOOR_VARIABLE])
    real_start = fork_server.start

    def start_then_lose_it(*args, **kwargs):
        zygote = real_start(*args, **kwargs)
        doomed.process.kill()
        doomed.process.wait()
        return zygote

    monkeypatch.setattr(fork_server, "start", start_then_lose_it)
    try:
        if way == "grade_isolated":
            results = grade_isolated("01_init", [("answer.py", SOLUTION.read_text())])
            assert results and all(r.passed for r in results)
        else:
            assert cli.report_submission("01_init", str(SOLUTION), Limits(), as_json=True) == 0
            assert json.loads(capsys.readouterr().out)["score"] == 10
    finally:
        door.close()
        doomed.close()


def _grades_with_a_zygote_it_did_not_start() -> bool:
    from autograder.class_grading import jobs

    zygote = jobs._zygote()
    return zygote.process is None and "files" in zygote.confinement["held"]


def _zygotes_under(ancestor: int) -> set[int]:
    """The pids of the zygotes running below process `ancestor`."""
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            parent = pid
            while parent not in ("0", "1", str(ancestor)):
                parent = Path(f"/proc/{parent}/stat").read_text().rsplit(")", 1)[1].split()[1]
        except OSError:  # ended meanwhile
            continue
        if parent == str(ancestor) and b"autograder.isolation.zygote" in command:
            found.add(int(pid))
    return found


def test_a_local_pools_processes_share_one_zygote_warm_for_the_classes_assignments_only(monkeypatch):
    """Two grading processes, one warm-up: the pool's zygote, started for the class's assignments
    (a class of 03 alone does not wait for fastai, 07's; a job of another assignment still gets a
    worker: the zygote warms up for it then)."""
    from autograder.class_grading.executors import LocalPool

    monkeypatch.delenv(DOOR_VARIABLE, raising=False)  # a pool on its own, as `grade` has it (not the suite's zygote)
    before = _zygotes_under(os.getpid())
    pool = LocalPool(2, ["03_sigmoid_loss"])
    try:
        shared = [pool.pool.submit(_grades_with_a_zygote_it_did_not_start) for _ in range(4)]
        assert all(future.result(timeout=300) for future in shared)
        started = _zygotes_under(os.getpid()) - before
        assert started == {pool.zygote.process.pid}, started
        command = list(pool.zygote.process.args)
    finally:
        pool.close()
    assert command[-2:] == [command[-2], "03_sigmoid_loss"] and command[-2].isdigit(), command
