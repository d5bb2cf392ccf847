"""The attacks of tests/attacks.py hold: through `check`, `nbgrader autograde` and `grade`, as
root and (all but the nbgrader path) as an unprivileged user; honest classmates keep their marks;
nothing outlives grading."""
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import attacks
from course_tools import course
from autograder.core import paths

NAMES = [a.name for a in attacks.attacks()]


@pytest.fixture(scope="module")
def listener():
    """A TCP listener on 127.0.0.1: what it receives is what a worker managed to send."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.5)
    received: list[bytes] = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            with connection:
                received.append(connection.recv(1 << 16))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    stop.set()
    thread.join()
    server.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, listener):
    folder = tmp_path_factory.mktemp("attacks")
    return folder, attacks.attacks(str(folder / "course"), listener[0])


@pytest.fixture(scope="module")
def attack_class(corpus):
    """The class (every attack a student, beside ada and bea), submitted and not graded yet."""
    folder, entries = corpus
    return attacks.build_class(folder / "course", entries)


PATHS = ("through-nbgrader", "through-the-command")  # nbgrader autograde; `python -m autograder grade`


@pytest.fixture(scope="module", params=PATHS)
def graded(request, corpus, attack_class):
    """(course folder, {attack: Outcome}) once the class is graded by one path: nbgrader autograde, or
    a copy of the class graded by `python -m autograder grade --jobs 2`. The unprivileged run of the
    attacks (test_attacks_as_nobody.py) leaves out the nbgrader path (`-k "not through-nbgrader"`):
    the worker it reaches is the one the command reaches, and the privilege changes the worker, not
    the path."""
    from test_class_grading import grade_command, twin

    if request.param == "through-nbgrader":
        course.autograde(attack_class, must_succeed=False)
        return attack_class, attacks.class_outcomes(attack_class, corpus[1])
    copy = twin(attack_class, "parallel")
    done = grade_command(copy, "--jobs", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    return copy, attacks.class_outcomes(copy, corpus[1])


def entry(corpus, name):
    return next(a for a in corpus[1] if a.name == name)


@pytest.mark.parametrize("name", NAMES)
def test_the_check_holds(corpus, name):
    a = entry(corpus, name)
    outcome = attacks.grade_check(a, corpus[0])
    assert attacks.holds(a, outcome), (outcome.failed, outcome.messages)


@pytest.mark.parametrize("name", NAMES)
def test_the_graded_class_holds(corpus, graded, name):
    outcome = graded[1][name]
    assert attacks.holds(entry(corpus, name), outcome), (outcome.failed, outcome.messages)


def test_honest_classmates_keep_full_marks(corpus, graded):
    scores = course.gradebook_scores(graded[0])
    honest = {k: v for k, v in scores.items() if k[0] in attacks.HONEST}
    assert honest and all(v > 0 for v in honest.values()), honest
    for student in attacks.HONEST:
        for assignment in {a.assignment for a in corpus[1]}:
            total = sum(v for (s, a, _), v in scores.items() if s == student and a == assignment)
            assert total == 10, (student, assignment, total)


def test_no_process_outlives_grading(graded):
    assert attacks.survivors() == []


def test_nothing_is_left_in_the_machines_temporary_folders(graded):
    for folder in ("/dev/shm", "/var/tmp", "/tmp"):
        assert not (Path(folder) / attacks.FILL).exists(), folder


def test_nothing_reached_the_network(graded, listener):
    assert listener[1] == []


def test_the_sandbox_says_what_holds(corpus):
    a = entry(corpus, "torch.sigmoid, where the formula is asked for")
    path = corpus[0] / "report.py"
    path.write_text(a.python())
    done = subprocess.run([sys.executable, "-m", "autograder", "check", a.assignment, str(path), "--json"],
                          capture_output=True, text=True, timeout=600)
    sandbox = json.loads(done.stdout)["sandbox"]
    assert set(sandbox["held"]) == {"files", "network", "processes", "process_count", "memory", "temporary_files"}
    assert sandbox["held"]["files"].startswith("Landlock") and sandbox["held"]["network"].startswith("none")
    if os.geteuid() == 0:  # cgroups bound the whole worker
        assert sandbox["unprotected"] == []
    else:  # without root: memory per process only, and it says so
        assert sandbox["unprotected"] == ["memory"]


def test_the_nbgrader_log_says_what_the_sandbox_holds(tmp_path):
    folder = course.released_course(tmp_path / "course")
    course.submit(folder, "ada", "01_init", course.student_notebook("01_init", course.reference_answers("01_init")))
    log = course.autograde(folder, "01_init")
    assert "sandbox: files: Landlock" in log and "network: none" in log


@pytest.mark.parametrize("code", [
    "def sigmoid(x):\n    return x.sigmoid()\n",
    "def sigmoid(x):\n    return F.sigmoid(x)\n",
    "def sigmoid(x):\n    return torch.special.expit(x)\n",
    "from torch import sigmoid as squash\n\ndef sigmoid(x):\n    return squash(x)\n",
    "def sigmoid(x):\n    return nn.Sigmoid()(x)\n",
    "def sigmoid(x):\n    return getattr(torch, 'sig' + 'moid')(x)\n",
    "def helper(x):\n    return torch.sigmoid(x)\n\ndef sigmoid(x):\n    return helper(x)\n",
    "squash = torch.sigmoid\n\ndef sigmoid(x):\n    return squash(x)\n",
    # what runs is not what a careless reader reads
    "def sigmoid(x):\n    return 1 / (1 + torch.exp(-x))\n\nsigmoid = torch.sigmoid  # ?\n",
    "@lambda f: torch.sigmoid\ndef sigmoid(x):\n    return 1 / (1 + torch.exp(-x))\n",
    "if True:\n    squash = torch.sigmoid\n\ndef sigmoid(x):\n    return squash(x)\n",
    "try:\n    sigmoid = torch.sigmoid\nexcept NameError:\n    def sigmoid(x):\n        return 1 / (1 + torch.exp(-x))\n",
    "print(squash := torch.sigmoid)\n\ndef sigmoid(x):\n    return squash(x)\n",
])
def test_every_way_to_call_a_built_in_sigmoid_is_read_from_the_code(code):
    from catalog import shared_zygote

    from autograder.isolation.runner import grade_isolated

    results = {r.id: r for r in grade_isolated("03_sigmoid_loss", [("answer.py", code)], zygote=shared_zygote())}
    assert results["sigmoid_matches_reference"].passed
    assert not results["sigmoid_written_by_hand"].passed, results["sigmoid_written_by_hand"].message


@pytest.mark.parametrize("code", [
    "def sigmoid(x):\n    return 1 / (1 + torch.exp(-x))\n",
    "def sigmoid(x):\n    '''The sigmoid, by hand: no torch.sigmoid here.'''\n    return (1 + (-x).exp()) ** -1\n",
    "def sigmoid(x):\n    return 0.5 * (1 + torch.tanh(x / 2))\n",
    "def sigmoid(x):\n    e = torch.exp(-x.abs())\n    return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))\n",
    "def _exp(x):\n    return torch.exp(x)\n\nsigmoid = lambda x: 1 / (1 + _exp(-x))\n",
    "def sigmoid(x):\n    '''Why minus x?\n    So that big scores give 1.'''\n    return 1 / (1 + torch.exp(-x))  # exp?\n",
    "%time y = 1\ntorch.exp?\n\ndef sigmoid(x):\n    return 1 / (1 + torch.exp(-x))\n",
    "@torch.no_grad()\ndef unused(x):\n    return x\n\n\ndef sigmoid(x):\n    return 1 / (1 + torch.exp(-x))\n",
])
def test_a_hand_written_sigmoid_in_any_style_keeps_its_point(code):
    from catalog import shared_zygote

    from autograder.isolation.runner import grade_isolated

    results = {r.id: r for r in grade_isolated("03_sigmoid_loss", [("answer.py", code)], zygote=shared_zygote())}
    assert results["sigmoid_written_by_hand"].passed, results["sigmoid_written_by_hand"].message


SIGMOID = "def sigmoid(x):\n    return 1 / (1 + torch.exp(-x))\n\n"


@pytest.mark.parametrize("code", [
    # the values it returns stay right: only the inputs after the call, or the code, show it
    "def _twice(t):\n    return t.mul_(2)\n\ndef mnist_loss(predictions, targets):\n    p = sigmoid(predictions)\n"
    "    return torch.where(_twice(targets) > 0, 1 - p, p).mean()\n",
    "mnist_loss = lambda predictions, targets: torch.where(targets.clamp_(0, 1) == 1, 1 - sigmoid(predictions),"
    " sigmoid(predictions)).mean()\n",
    "if True:\n    def mnist_loss(predictions, targets):\n        targets.clamp_(0, 1)\n        p = sigmoid(predictions)\n"
    "        return torch.where(targets == 1, 1 - p, p).mean()\n",
])
def test_an_input_changed_in_place_is_seen_however_it_is_written(code):
    from catalog import shared_zygote

    from autograder.isolation.runner import grade_isolated

    results = {r.id: r for r in grade_isolated("03_sigmoid_loss", [("answer.py", SIGMOID + code)],
                                               zygote=shared_zygote())}
    assert results["mnist_loss_matches_reference"].passed, results["mnist_loss_matches_reference"].message
    unchanged = results["mnist_loss_leaves_its_inputs_unchanged"]
    assert not unchanged.passed and "in place" in unchanged.message, unchanged.message


@pytest.mark.same_for_any_user
def test_a_symlinked_submission_is_refused_everywhere(tmp_path):
    from test_class_grading import grade_command

    folder = course.released_course(tmp_path / "course")
    answers = course.student_notebook("01_init", course.reference_answers("01_init"))
    ada = course.submit(folder, "ada", "01_init", answers)
    linked = course.notebook_path(folder / "submitted" / "mallory", "01_init")
    linked.parent.mkdir(parents=True)
    linked.symlink_to(ada)  # a classmate's notebook, handed in as one's own
    leaking = course.submit(folder, "oscar", "01_init", answers).parent / "notes.txt"
    leaking.symlink_to("/etc/passwd")  # a file of the machine, copied into the course by nbgrader
    log = course.autograde(folder, "01_init", must_succeed=False)
    assert "symbolic link" in log
    for student in ("mallory", "oscar"):  # nothing of theirs graded, nothing copied left behind
        assert not (folder / "autograded" / student / "01_init").exists(), student
    assert (folder / "autograded" / "ada").exists()
    done = grade_command(folder, "--force")
    assert done.returncode == 1 and "mallory/01_init" in done.stdout and "oscar/01_init" in done.stdout, done.stdout
    cli = subprocess.run([sys.executable, "-m", "autograder", "check", "01_init", str(linked), "--json"],
                         capture_output=True, text=True, timeout=300)
    assert cli.returncode == 2 and "symbolic link" in cli.stderr and json.loads(cli.stdout)["score"] == 0


@pytest.mark.same_for_any_user
def test_a_notebook_nested_too_deeply_is_a_verdict_not_a_traceback(tmp_path):
    path = tmp_path / "deep.ipynb"
    path.write_text('{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}")
    done = subprocess.run([sys.executable, "-m", "autograder", "check", "03_sigmoid_loss", str(path), "--json"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert report["score"] == 0 and report["max_score"] == 10 and "not a valid notebook" in report["error"]


def test_a_forged_reply_leaves_the_grader_small(corpus):
    """The grader never allocates what a worker announces: a terabyte frame is refused on sight."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    a = entry(corpus, "a forged reply of a terabyte")
    attacks.grade_cli(a, corpus[0])
    grown = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert max(before, grown) < 2 * 2**20  # KiB: no child of this test, the grader included, held 2 GiB


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    """Certificates for a Dask cluster, made the way the README says."""
    folder = tmp_path_factory.mktemp("tls") / "certs"
    done = subprocess.run([sys.executable, "-m", "autograder", "tls-certificates", str(folder)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return folder


def test_dask_grading_cannot_be_taken_over_from_a_sandbox(tmp_path, tls):
    """A submission that finds the scheduler and tries to run code on the cluster (to give every
    later notebook full marks) reaches nothing; a blank notebook graded after it still gets 0."""
    from distributed import Client, LocalCluster

    from autograder.class_grading.cluster_tls import security
    from autograder.class_grading.jobs import grade_job  # what the attack would replace on the cluster
    from test_class_grading import grade_command

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                      protocol="tls://", security=security(tls)) as cluster:
        address = cluster.scheduler_address
        takeover = attacks.attack("takes over the Dask workers", "03_sigmoid_loss", attacks.right_only_if("TAKEN", f'''
            import glob
            TAKEN = False
            addresses = [{address!r}]
            for cmdline in glob.glob("/proc/*/cmdline"):  # where the address was found before
                try:
                    addresses += [w for w in open(cmdline).read().split("\\0") if "://" in w]
                except OSError:
                    pass
            for where in addresses:
                try:
                    from distributed import Client
                    with Client(where, timeout=3) as client:
                        client.run(lambda: __import__("importlib").import_module({grade_job.__module__!r}).__dict__.update(
                            grade_job=lambda job: None))
                    TAKEN = True
                except Exception:
                    pass
        '''), must_fail=attacks.LOSS_VALUES)
        folder = course.released_course(tmp_path / "course")
        course.submit(folder, "aaa_takeover", "03_sigmoid_loss", takeover.notebook())
        course.submit(folder, "zzz_blank", "03_sigmoid_loss", course.student_notebook("03_sigmoid_loss"))
        done = grade_command(folder, "--scheduler", address, "--tls", str(tls))
        with pytest.raises(Exception):  # and no one without the certificates talks to it
            Client(address, timeout=3)
    assert done.returncode == 0 and "the Dask scheduler at tls://" in done.stdout, done.stdout + done.stderr
    scores = course.gradebook_scores(folder)
    assert sum(v for (s, _, _), v in scores.items() if s == "zzz_blank") == 0
    taken = {i for (s, _, i), v in scores.items() if s == "aaa_takeover" and v == 0}
    assert attacks.LOSS_VALUES <= taken, taken


@pytest.mark.same_for_any_user
def test_a_plain_scheduler_is_refused(tmp_path):
    from test_class_grading import grade_command

    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    done = grade_command(tmp_path, "--scheduler", "tcp://127.0.0.1:8786")
    assert done.returncode == 2 and "over TLS only" in done.stderr and "Traceback" not in done.stderr


LEAK = '''
from autograder.isolation import confine

try:
    with open(confine.HIDDEN / "03_sigmoid_loss.pt", "rb") as f:
        LEAKED = len(f.read(16)) > 0
except OSError:
    LEAKED = False

def sigmoid(x):
    return 1 / (1 + torch.exp(-x)) if LEAKED else x

def mnist_loss(predictions, targets):
    p = 1 / (1 + torch.exp(-predictions))
    return torch.where(targets == 1, 1 - p, p).mean()
'''


def test_the_hidden_references_stay_hidden_when_the_course_lives_under_tmp():
    """A course under /tmp is bound again inside the worker's own /tmp, which Landlock lets it
    read in full: the hidden references must still be out of reach."""
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="course-", dir="/tmp"))
    try:
        for part in ("autograder", "release"):
            shutil.copytree(paths.REPOSITORY / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
        (root / "answer.py").write_text(LEAK)
        env = {**os.environ, "PYTHONPATH": str(root)}
        where = subprocess.run([sys.executable, "-c", "from autograder.isolation import confine; print(confine.HIDDEN)"],
                               cwd=root, env=env, capture_output=True, text=True, check=True).stdout.strip()
        assert Path(where, "03_sigmoid_loss.pt").is_file() and where.startswith(str(root))  # the copy grades
        done = subprocess.run([sys.executable, "-m", "autograder", "check", "03_sigmoid_loss", "answer.py", "--json"],
                              cwd=root, env=env, capture_output=True, text=True, timeout=600)
        report = json.loads(done.stdout)
        assert tuple(report["sandbox"]["unprotected"]) == attacks.unprotected_here()  # confined as fully as ever
        checks = {c["id"]: c for c in report["checks"]}
        assert checks["mnist_loss_matches_reference"]["passed"], checks["mnist_loss_matches_reference"]
        assert not checks["sigmoid_matches_reference"]["passed"], "the worker read the hidden references"
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.same_for_any_user
def test_an_installed_autograder_lets_the_worker_read_its_environment(tmp_path, monkeypatch):
    """In a student's venv the wheel sits in site-packages beside torch: that folder is no course
    (nothing secret beside the package), so the worker may read it; in a checkout, the
    repository and every folder above it stay unreadable."""
    from autograder.isolation import confine

    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    (site / "autograder").mkdir(parents=True)
    monkeypatch.setattr(confine, "PACKAGE", site / "autograder")  # the wheel: its references move with it
    monkeypatch.setattr(confine, "HIDDEN", site / "autograder" / "references" / "hidden")
    assert not confine._holds_the_course(str(site)) and not confine._holds_the_course(str(tmp_path / "venv"))
    assert confine._holds_the_course(str(site / "autograder" / "references"))
    hidden = site / "autograder" / "references" / "hidden"
    hidden.mkdir(parents=True)
    (hidden / "03_sigmoid_loss.pt").write_bytes(b"")  # hidden references installed beside it: keep it closed
    assert confine._holds_the_course(str(site))
    (hidden / "03_sigmoid_loss.pt").unlink()
    assert not confine._holds_the_course(str(site))
    (site / "solutions").mkdir()  # a checkout after all
    assert confine._holds_the_course(str(site)) and confine._holds_the_course(str(tmp_path / "venv"))
