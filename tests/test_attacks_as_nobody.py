"""The attacks of tests/test_attacks.py again, graded by a user who is not root (nobody): the
sandbox needs no privilege. Every attack goes through `check` and the class command; the nbgrader
path is left out (`-k "not through-nbgrader"`): it forks the same worker the command forks, and
what the privilege changes is that worker, not the way to it. So are the tests marked
`same_for_any_user`: what they attack (a symbolic link, a notebook nested too deeply, a scheduler
without TLS, which folders count as the course) is decided by the grader's own code, not by the
confinement of a worker. Its own file, so that a parallel
run of the suite (pytest-xdist) grades it in one process while the root run of the attacks goes on
in the other."""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import attacks


def _nobody_can_run_python() -> bool:
    done = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c",
                           "import autograder"], capture_output=True, cwd="/")
    return done.returncode == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="this run is the unprivileged one")
def test_every_attack_holds_for_an_unprivileged_grader():
    if shutil.which("setpriv") is None or not _nobody_can_run_python():
        pytest.skip("Python is not reachable by an unprivileged user here (.ci/run makes it so)")
    from autograder.core import data

    data.load()  # unpacked and cached by root first, where nobody may read but not write
    tmp_path = Path(tempfile.mkdtemp(prefix="attacks-as-nobody-"))  # not under root's pytest folder
    home = tmp_path / "home"
    home.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chown(tmp_path, 65534, 65534)
    os.chown(home, 65534, 65534)
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "FASTAI_HOME", "MNIST_PNG_TGZ")}
    env.update(HOME=str(home), PYTHONDONTWRITEBYTECODE="1")
    tests = Path(__file__).resolve().parent
    done = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m",
                           "pytest", "-q", "-rA", "-p", "no:cacheprovider", "-p", "no:xdist",
                           f"--basetemp={tmp_path / 'run'}", "-k", "not through-nbgrader", "-m", "not same_for_any_user",
                           str(tests / "test_attacks.py")],
                          capture_output=True, text=True, cwd=tests.parent, env=env, timeout=3000)
    shutil.rmtree(tmp_path, ignore_errors=True)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and " failed" not in done.stdout
    for path in ("check_holds[", "graded_class_holds[through-the-command-"):  # the -k kept both paths
        assert sum(line.startswith(f"PASSED tests/test_attacks.py::test_the_{path}") for line in
                   done.stdout.splitlines()) == len(attacks.attacks()), path
