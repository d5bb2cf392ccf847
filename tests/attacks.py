"""A corpus of attacks on the grader, beside the corpus of broken submissions (hostile.py).

Each attack is a submission written by a student who has read this repository: it tries to
get points without doing the work, to read what it must not, or to harm a classmate's
grading. A few correct submissions in styles the sandbox once failed sit beside them. Each
is graded three ways: `python -m autograder check` on a .py file, `nbgrader autograde` on a
notebook, and `python -m autograder grade` on the same class, where honest classmates
(ada, bea) are graded with the attackers. `must_fail` names the checks an attack must not
pass; `full_marks` cases must pass every check. Run this file for the maintainers' report:

    python tests/attacks.py
"""
from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

from course_tools import course
from autograder.core.assignments import FUNCTIONS
from autograder.core.checks import checks_for

REPO = Path(__file__).resolve().parent.parent
# The instructor's bounds for these gradings. A check's seconds are the worker's CPU seconds, which
# a busy machine does not eat: the honest checks compute for 1.5 s at most (07's training), so 5 s
# leaves them three times that, while an attack that computes spends 5 s and one that waits 15 s.
CHECK_SECONDS, SUBMISSION_SECONDS = 5, 120
LIMITS = ["--check-seconds", str(CHECK_SECONDS), "--submission-seconds", str(SUBMISSION_SECONDS)]
# Both carry this process's id: a run of the attacks (as root, or as nobody beside it in a
# parallel suite) looks only for what its own attacks left.
SURVIVOR = f"ag-surv-{os.getpid() % 10**6}"  # the name an escaping process gives itself (/proc/PID/comm)
FILL = f"ag-fill-{os.getpid()}"  # the file an attack tries to leave in the machine's /dev/shm and /var/tmp
HONEST = ("ada", "bea")  # classmates graded with the attackers


def ids(assignment: str, *functions: str, hidden: bool | None = None) -> frozenset[str]:
    return frozenset(c.id for c in checks_for(assignment)
                     if (not functions or c.function in functions) and (hidden is None or c.hidden == hidden))


@dataclass(frozen=True)
class Attack:
    name: str
    assignment: str
    code: str  # the submission (for a notebook: its last answer cell, the release stubs before it)
    must_fail: frozenset[str] = frozenset()
    full_marks: bool = False  # a correct submission: every check passes
    says: str = ""  # words a failed check's message must contain
    unless_unprotected: str = ""  # holds only where the sandbox reports this protection

    def python(self) -> str:
        if not self.full_marks:
            return self.code
        return _other_reference_functions(self.assignment, self.code) + "\n\n" + self.code

    def notebook(self):
        """The release notebook with the code in the cell of the last function it defines (the
        other answer cells: the reference answers for a correct submission, else the stubs)."""
        answers = course.reference_answers(self.assignment) if self.full_marks else {}
        mine = [f for f in FUNCTIONS[self.assignment] if f in _defined(self.code)] or FUNCTIONS[self.assignment]
        return course.student_notebook(self.assignment, {**answers, mine[-1]: self.code})

    @property
    def student(self) -> str:
        return "".join(ch if ch.isalnum() else "_" for ch in self.name.lower())[:40].strip("_")


def _defined(code: str) -> set[str]:
    import ast

    try:
        tree = ast.parse(code)
    except SyntaxError:  # IPython syntax: it defines nothing a test can see
        return set()
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def _other_reference_functions(assignment: str, code: str) -> str:
    import importlib
    import inspect

    from autograder.core.assignments import module_name

    solutions = importlib.import_module(f"solutions.{module_name(assignment)}")
    return "\n\n".join(inspect.getsource(getattr(solutions, f)) for f in FUNCTIONS[assignment]
                       if f not in _defined(code))


def attack(name, assignment, code, **kwargs) -> Attack:
    return Attack(name, assignment, textwrap.dedent(code).strip() + "\n", **kwargs)


# A correct mnist_loss, and one that is wrong: an attack that gets what it is after answers right.
LOSS_RIGHT = "torch.where(targets == 1, 1 - torch.sigmoid(predictions), torch.sigmoid(predictions)).mean()"
LOSS_WRONG = "(predictions * 0).sum() + 0.123"
LOSS_VALUES = ids("03_sigmoid_loss", "mnist_loss") - {"mnist_loss_returns_a_scalar"}


def alternative(assignment: str, what: str) -> str:
    """The code of a correct alternative of the catalogue (tests/catalog.py), graded here on every path."""
    import catalog

    (entry,) = [e for e in catalog.ALTERNATIVES if (e.assignment, e.what) == (assignment, what)]
    return entry.code


def right_only_if(condition: str, setup: str = "") -> str:
    """A 03 submission: a hand-written sigmoid, and an mnist_loss that is right only when
    `condition` (Python, evaluated at each call) is true, i.e. when the attack worked."""
    return (f"def sigmoid(x):\n    return 1 / (1 + torch.exp(-x))\n\n{textwrap.dedent(setup).strip()}\n\n"
            f"def mnist_loss(predictions, targets):\n    if {condition}:\n        return {LOSS_RIGHT}\n"
            f"    return {LOSS_WRONG}\n")


READABLE = '''
import os
def readable(*paths):
    for path in paths:
        try:
            with open(path, "rb") as f:
                f.read(16)
            return True
        except OSError:
            pass
    return False
'''

FRAMES = '''
import sys
def found(key):
    """Anything under `key` in the locals of any frame above: where a grader might keep answers."""
    frame = sys._getframe(1)
    while frame is not None:
        for value in list(frame.f_locals.values()):
            for place in (value, getattr(value, "__dict__", None), getattr(value, "expected", None)):
                if isinstance(place, dict) and key in place:
                    return place[key]
        frame = frame.f_back
    return None
'''


def attacks(course_folder: str = "/nonexistent", port: int = 9) -> list[Attack]:
    """The corpus. course_folder: where the class is graded (classmates' files, the gradebook);
    port: where a listener on 127.0.0.1 waits for what a worker might send."""
    return [
        # 1. the expected answers, found in the worker
        attack("expected gradients found up the call stack", "04_calc_grad", FRAMES + '''
            def calc_grad(xb, yb, model):
                grads = found("grads")
                params = model.parameters() if hasattr(model, "parameters") else [
                    c.cell_contents for c in model.__closure__]
                for p, g in zip(params, grads or []):
                    p.grad = g.clone()
        ''', must_fail=ids("04_calc_grad")),
        attack("expected parameters found up the call stack", "05_step", FRAMES + '''
            def step(params, lr):
                for p, value in zip(params, found("params") or []):
                    p.data = value.clone()

            class BasicOptim:
                def __init__(self, params, lr):
                    self.params = list(params)
                def step(self):
                    step(self.params, 0)
                def zero_grad(self):
                    pass
        ''', must_fail=ids("05_step") - {"BasicOptim_zero_grad_resets_the_gradients"}),
        attack("expected accuracies found up the call stack", "06_epoch_loop", FRAMES + '''
            def batch_accuracy(preds, yb):
                return found("accuracy")

            def validate_epoch(model, dl):
                accuracies = found("accuracies")
                return accuracies[0] if accuracies else 0.0

            def train_epoch(model, lr, params, dl):
                for p, value in zip(params, found("params") or []):
                    p.data = value.clone()

            def train_model(model, lr, params, dl, valid_dl, epochs, patience=None):
                runs = found("runs")
                return runs[0][0] if runs else []
        ''', must_fail=ids("06_epoch_loop")),
        attack("expected scores found up the call stack", "07_relu_net", FRAMES + '''
            def simple_net(xb, w1, b1, w2, b2):
                return found("scores")
        ''', must_fail=ids("07_relu_net", "simple_net")),
        attack("the grader's probes replaced in the worker", "04_calc_grad", '''
            import autograder.core.checks.calc_grad as checks
            from autograder.core.snapshot import tensor_info

            def forged(student, inputs):  # all it is given: the inputs
                weights = inputs["weights"].clone().requires_grad_()
                bias = inputs["bias"].clone().requires_grad_()
                weights.grad, bias.grad = torch.zeros_like(weights), torch.zeros_like(bias)
                for value in inputs.values():
                    if isinstance(value, dict) and "grads" in value:
                        weights.grad, bias.grad = value["grads"]
                return [tensor_info(weights), tensor_info(bias), False]

            checks._probe_linear = checks._probe_module = forged

            def calc_grad(xb, yb, model):
                raise NotImplementedError()
        ''', must_fail=ids("04_calc_grad") - {"calc_grad_sets_the_gradients"}),
        attack("the grader's probes replaced for the training checks", "06_epoch_loop", '''
            import autograder.core.checks.epoch_loop as checks
            from autograder.core.snapshot import snapshot, tensor_info

            def trained(student, inputs):
                return [tensor_info(p) for p in (inputs["weights"], inputs["bias"])]

            def mnist(student, inputs):
                return [snapshot([0.99] * 20), tensor_info(torch.zeros(784, 1)), tensor_info(torch.zeros(1))]

            checks._probe_train_epoch, checks._probe_train_model_on_mnist = trained, mnist
        ''', must_fail=ids("06_epoch_loop", "train_epoch") | {"train_model_learns_2_vs_9"}),
        # 2. the grader's own measurement, broadcast
        attack("a bias of one value per validation image", "06_epoch_loop", '''
            def train_model(model, lr, params, dl, valid_dl, epochs, patience=None):
                from autograder.core import data
                labels = data.load().valid_y
                params[0].data = torch.zeros_like(params[0])
                params[1].data = (labels * 2 - 1) * 100  # (2041, 1): right for every image, if broadcast
                return [1.0] * epochs
        ''', must_fail=frozenset({"train_model_learns_2_vs_9"})),
        attack("a ReLU net whose trained weights are one value per image", "07_relu_net", '''
            def make_learner(dls, model):
                class Trained(Learner):
                    def fit(self, *args, **kwargs):
                        from autograder.core import data
                        labels = data.load().valid_y
                        layers = [p for p in self.model.parameters()]
                        for p in layers:
                            p.data = torch.zeros_like(p)
                        layers[-1].data = (labels * 2 - 1) * 100
                return Trained(dls, model, opt_func=SGD, loss_func=mnist_loss, metrics=batch_accuracy)
        ''', must_fail=frozenset({"make_learner_trains_the_relu_net"})),
        attack("a ReLU net returned as it started, never trained", "07_relu_net", '''
            def train_simple_net(dl, valid_dl, n_hidden=30, epochs=3, lr=1.0):
                return [init_params((784, n_hidden), std=0.1), init_params(n_hidden, std=0.1),
                        init_params((n_hidden, 1), std=0.1), init_params(1, std=0.1)]
        ''', must_fail=frozenset({"train_simple_net_learns_2_vs_9"})),
        attack("four constant leaves that claim to be trainable", "07_relu_net", '''
            def train_simple_net(dl, valid_dl, n_hidden=30, epochs=3, lr=1.0):
                shapes = [(784, n_hidden), (n_hidden,), (n_hidden, 1), (1,)]
                return [torch.full(shape, 0.01).requires_grad_() for shape in shapes]
        ''', must_fail=ids("07_relu_net", "train_simple_net") - {"train_simple_net_returns_the_four_parameters"}),
        # 3. checks that trusted code beside the student
        attack("torch.sigmoid, where the formula is asked for", "03_sigmoid_loss", f'''
            def sigmoid(x):
                return torch.sigmoid(x)

            def mnist_loss(predictions, targets):
                return {LOSS_RIGHT}
        ''', must_fail=frozenset({"sigmoid_written_by_hand"}), says="sigmoid uses sigmoid"),
        attack("an input changed in place, hidden by patching the worker", "03_sigmoid_loss", '''
            import autograder.core.student as worker_side

            def twice(self, name, inputs, *, seed=0):
                return [self.call(name, inputs, seed=seed)] * 2

            worker_side.Student.call_twice = twice

            def sigmoid(x):
                return 1 / (1 + torch.exp(-x))

            def mnist_loss(predictions, targets):
                p = predictions.sigmoid_()
                return torch.where(targets == 1, 1 - p, p).mean()
        ''', must_fail=frozenset({"mnist_loss_leaves_its_inputs_unchanged"}), says="changes its inputs in place"),
        # 4. answers the worker must not read
        attack("reads the solutions, hidden references, instructor notebooks, tests and history",
               "03_sigmoid_loss", right_only_if("ANSWERS", READABLE + f'''
            import subprocess
            ANSWERS = readable({str(REPO / "solutions" / "sigmoid_loss.py")!r},
                               {str(REPO / "autograder" / "references" / "hidden" / "03_sigmoid_loss.pt")!r},
                               {str(REPO / "source" / "03_sigmoid_loss" / "03_sigmoid_loss.ipynb")!r},
                               {str(REPO / "tests" / "catalog.py")!r}, {str(REPO / ".git" / "HEAD")!r})
            try:
                ANSWERS = ANSWERS or subprocess.run(
                    ["git", "--git-dir", {str(REPO / ".git")!r}, "show", "HEAD:solutions/sigmoid_loss.py"],
                    capture_output=True, timeout=5).returncode == 0
            except Exception:
                pass
        '''), must_fail=LOSS_VALUES),
        attack("copies a classmate's answers at grading time", "03_sigmoid_loss", right_only_if("ANSWERS", READABLE + f'''
            ANSWERS = readable(*[{course_folder!r} + f"/{{where}}/{{who}}/03_sigmoid_loss/03_sigmoid_loss.ipynb"
                                 for where in ("submitted", "autograded") for who in {HONEST!r}])
        '''), must_fail=LOSS_VALUES),
        attack("reads the gradebook and the grading log", "03_sigmoid_loss", right_only_if("ANSWERS", READABLE + f'''
            ANSWERS = readable({course_folder + "/gradebook.db"!r}, {course_folder + "/grade.log"!r},
                               {course_folder + "/nbgrader_config.py"!r})
        '''), must_fail=LOSS_VALUES),
        # 5. containment
        attack("a setsid grandchild that outlives grading and kills classmates", "03_sigmoid_loss",
               right_only_if("True", f'''
            import ctypes, os, signal, time
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    ctypes.CDLL(None).prctl(15, b"{SURVIVOR}", 0, 0, 0)
                    end = time.time() + 120
                    while time.time() < end:
                        for pid in os.listdir("/proc") if os.path.isdir("/proc") else []:
                            if pid.isdigit() and int(pid) != os.getpid():
                                try:
                                    os.kill(int(pid), signal.SIGKILL)
                                except OSError:
                                    pass
                        for pid in range(2, 5000, 7):  # and any pid it cannot see
                            try:
                                os.kill(pid, signal.SIGKILL)
                            except OSError:
                                pass
                        time.sleep(0.05)
                os._exit(0)
        ''')),
        attack("four children holding memory", "03_sigmoid_loss", right_only_if("HELD >= 4", '''
            import os, time
            HELD = 0
            ready = []
            for _ in range(4):
                r, w = os.pipe()
                pid = os.fork()
                if pid == 0:
                    try:
                        block = bytearray(900 * 2**20)
                        block[::4096] = b"x" * len(block[::4096])
                        os.write(w, b"1")
                        time.sleep(60)
                    finally:
                        os._exit(0)
                ready.append((r, pid))
            time.sleep(3)
            for r, pid in ready:  # held: it filled its block and is still alive with it
                os.set_blocking(r, False)
                try:
                    HELD += len(os.read(r, 1)) and os.waitpid(pid, os.WNOHANG) == (0, 0)
                except OSError:
                    pass
        '''), must_fail=LOSS_VALUES, unless_unprotected="memory"),
        attack("fills /dev/shm and /var/tmp", "03_sigmoid_loss", right_only_if("WRITTEN > 512 * 2**20", f'''
            WRITTEN = 0
            for folder in ("/dev/shm", "/var/tmp"):
                try:
                    with open(folder + "/{FILL}", "wb") as f:
                        for _ in range(1024):
                            f.write(b"x" * 2**20)
                            WRITTEN += 2**20
                except OSError:
                    pass
        '''), must_fail=LOSS_VALUES),
        attack("a fork bomb", "03_sigmoid_loss", right_only_if("FORKED > 200", '''
            import os, time
            FORKED = 0
            for _ in range(400):
                try:
                    if os.fork() == 0:
                        time.sleep(20)
                        os._exit(0)
                    FORKED += 1
                except OSError:
                    break
        '''), must_fail=LOSS_VALUES),
        attack("a file of 300 MB", "03_sigmoid_loss", right_only_if("WRITTEN", '''
            WRITTEN = False
            try:
                with open("/tmp/big", "wb") as f:
                    for _ in range(300):
                        f.write(b"x" * 2**20)
                WRITTEN = True
            except OSError:
                pass
        '''), must_fail=LOSS_VALUES),
        attack("sends the inputs over the network", "03_sigmoid_loss", f'''
            import socket

            def sigmoid(x):
                return 1 / (1 + torch.exp(-x))

            def mnist_loss(predictions, targets):
                try:
                    with socket.create_connection(("127.0.0.1", {port}), timeout=1) as s:
                        s.sendall(str(predictions.tolist()).encode())
                    return {LOSS_RIGHT}
                except OSError:
                    return {LOSS_WRONG}
        ''', must_fail=LOSS_VALUES),
        # A grader that shares its zygote holds a door to it (autograder/isolation/zygote.py): through
        # one, a worker could fork workers of its own, with a memory bound of its choosing.
        attack("asks the grader's fork server for a worker of its own", "03_sigmoid_loss", right_only_if("REACHED", '''
            import os, socket
            REACHED = False
            named = os.environ.get("AUTOGRADER_ZYGOTE_DOOR", "").partition(":")[0]
            listed = os.listdir("/proc/self/fd") if os.path.isdir("/proc/self/fd") else []
            for fd in {*range(3, 512), *map(int, filter(str.isdigit, [named, *listed]))}:
                try:
                    door = socket.socket(fileno=os.dup(fd))
                except OSError:  # closed, or not a socket
                    continue
                REACHED = True  # a worker talks to its grader over two pipes: any socket is one too many
                try:
                    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                    socket.send_fds(door, [b"C"], [theirs.fileno()])
                    ours.settimeout(2)
                    REACHED = REACHED or ours.recv(1 << 20)[:1] == b"S"
                except OSError:
                    pass
                finally:
                    door.close()
        '''), must_fail=LOSS_VALUES),
        # 7. grader-side work outside every limit
        attack("a forged reply of a terabyte", "03_sigmoid_loss", f'''
            import struct
            import autograder.core.transport as transport
            transport.encode = lambda message: struct.pack(">Q", 2**40) + b"x" * 4096

            def sigmoid(x):
                return 1 / (1 + torch.exp(-x))

            def mnist_loss(predictions, targets):
                return {LOSS_RIGHT}
        ''', must_fail=ids("03_sigmoid_loss")),
        attack("a reply that is not a message", "03_sigmoid_loss", f'''
            import os, struct
            import autograder.core.transport as transport
            body = struct.pack(">I", 8) + b'{{"T": 0}}' + os.urandom(64)
            transport.encode = lambda message: struct.pack(">Q", len(body)) + body

            def sigmoid(x):
                return 1 / (1 + torch.exp(-x))

            def mnist_loss(predictions, targets):
                return {LOSS_RIGHT}
        ''', must_fail=ids("03_sigmoid_loss")),
        attack("a worker that stops reading", "06_epoch_loop", '''
            import time
            import autograder.core.transport as transport
            STOP = []
            real = transport.receive

            def receive(fd, deadline=None):
                while STOP:
                    time.sleep(1)
                return real(fd, deadline)

            transport.receive = receive

            def train_epoch(model, lr, params, dl):
                STOP.append(1)  # from now on, no request is read: the grader must not wait forever
        ''', must_fail=ids("06_epoch_loop", "train_epoch")),
        attack("a cell too long to send to the worker", "03_sigmoid_loss",
               "def sigmoid(x):\n    return 1 / (1 + torch.exp(-x))\n" + "%time x = 1\n" * 20000,
               must_fail=ids("03_sigmoid_loss"), says="is too long to grade"),
        attack("501 shell lines in a cell", "03_sigmoid_loss", "def sigmoid(x):\n    return 1 / (1 + torch.exp(-x))\n"
               + "!echo\n" * 501, must_fail=ids("03_sigmoid_loss"), says="mnist_loss is not defined"),
        # 9. smaller
        attack("a table of the public answers", "03_sigmoid_loss", '''
            from autograder.core import references
            TABLE = references.load("03_sigmoid_loss", "public")

            def sigmoid(x):
                for case in TABLE.values():
                    if "x" in case.inputs and torch.equal(case.inputs["x"], x):
                        return case.expected["values"]
                return x * 0

            def mnist_loss(predictions, targets):
                for case in TABLE.values():
                    if "predictions" in case.inputs and torch.equal(case.inputs["predictions"], predictions):
                        return case.expected["loss"]
                return predictions.sum() * 0
        ''', must_fail=ids("03_sigmoid_loss") - {"mnist_loss_returns_a_scalar"}),
        attack("a function that never returns", "03_sigmoid_loss", '''
            def sigmoid(x):
                return 1 / (1 + torch.exp(-x))

            def mnist_loss(predictions, targets):
                while True:
                    pass
        ''', must_fail=ids("03_sigmoid_loss", "mnist_loss"), says="was not run again"),
        # correct code the sandbox once failed
        attack("fastai imported the usual way", "07_relu_net", '''
            from fastai.vision.all import Learner, SGD

            def make_learner(dls, model):
                return Learner(dls, model, opt_func=SGD, loss_func=mnist_loss, metrics=batch_accuracy)
        ''', full_marks=True),
        attack("an epoch with torch.optim.SGD and a progress bar", "06_epoch_loop", '''
            from fastprogress.fastprogress import progress_bar

            def train_epoch(model, lr, params, dl):
                optimizer = torch.optim.SGD(params, lr=lr)
                for xb, yb in progress_bar(dl, leave=False):
                    calc_grad(xb, yb, model)
                    optimizer.step()
                    optimizer.zero_grad()
        ''', full_marks=True),
        attack("an optimizer as a dataclass", "05_step", alternative("05_step", "a dataclass"), full_marks=True),
        attack("rarely used modules and a file in /tmp", "03_sigmoid_loss", '''
            import concurrent.futures.process, decimal, modulefinder, sqlite3, tempfile, typing

            with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as notes:
                notes.write("a sigmoid squashes scores into (0, 1)")

            def mnist_loss(predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
                p = sigmoid(predictions)
                return torch.where(targets == 1, 1 - p, p).mean()
        ''', full_marks=True),
    ]


@dataclass
class Outcome:
    """How one attack was graded one way."""

    failed: frozenset[str]
    score: float
    messages: list[str] = field(default_factory=list)
    seconds: float = 0.0
    unprotected: tuple[str, ...] = ()


def holds(a: Attack, outcome: Outcome) -> bool:
    """Whether the grading did what the attack's entry says it must."""
    if a.full_marks:
        return not outcome.failed
    if a.unless_unprotected and a.unless_unprotected in outcome.unprotected:
        return True  # documented: this machine cannot give that protection
    if not a.must_fail <= outcome.failed:
        return False
    return not a.says or any(a.says in m for m in outcome.messages)


def grade_check(a: Attack, folder: Path) -> Outcome:
    """What `python -m autograder check` grades (`cli.grade_file`: the same sandbox, the same limits),
    in this process, with a worker forked from the suite's warm zygote rather than a new one."""
    from autograder.cli import grade_file
    from autograder.core.limits import Limits
    from catalog import shared_zygote

    path = folder / f"{a.student}.py"
    path.write_text(a.python())
    start, about = time.perf_counter(), {}
    zygote = shared_zygote()
    results = grade_file(a.assignment, path, Limits(CHECK_SECONDS, SUBMISSION_SECONDS), about, zygote)
    return Outcome(frozenset(r.id for r in results if not r.passed), sum(r.points for r in results),
                   [r.message for r in results if not r.passed], time.perf_counter() - start,
                   tuple((about.get("confinement") or {}).get("unprotected", ())))


def grade_cli(a: Attack, folder: Path) -> Outcome:
    """`python -m autograder check ... --json` on the attack, in a process of its own."""
    path = folder / f"{a.student}.py"
    path.write_text(a.python())
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "autograder", "check", a.assignment, str(path), "--json", *LIMITS],
                          capture_output=True, text=True, timeout=900)
    report = json.loads(done.stdout)
    failed = frozenset(c["id"] for c in report["checks"] if not c["passed"])
    return Outcome(failed, report["score"], [c["message"] for c in report["checks"] if not c["passed"]],
                   time.perf_counter() - start, tuple((report.get("sandbox") or {}).get("unprotected", ())))


def build_class(folder: Path, corpus: list[Attack]) -> Path:
    """An nbgrader course where every attack is a student, beside honest classmates."""
    course_folder = course.released_course(folder)
    (course_folder / "nbgrader_config.py").open("a").write(
        f"\nc.SandboxedExecute.check_seconds = {CHECK_SECONDS}\n"
        f"c.SandboxedExecute.submission_seconds = {SUBMISSION_SECONDS}\n")
    for assignment in sorted({a.assignment for a in corpus}):
        for honest in HONEST:
            course.submit(course_folder, honest, assignment,
                          course.student_notebook(assignment, course.reference_answers(assignment)))
    for a in corpus:
        course.submit(course_folder, a.student, a.assignment, a.notebook())
    return course_folder


def class_outcomes(course_folder: Path, corpus: list[Attack]) -> dict[str, Outcome]:
    """What the gradebook and the autograded notebooks say of each attack."""
    import nbformat

    outcomes = {}
    for a in corpus:
        scores = course.cell_scores(course_folder, a.student, a.assignment)
        points = {c.id: c.points for c in checks_for(a.assignment)}
        failed = frozenset(k for k, v in scores.items() if v < points[k])
        path = course.notebook_path(course_folder / "autograded" / a.student, a.assignment)
        messages = ["".join(o.get("text", "") for o in c.outputs) for c in nbformat.read(path, as_version=4).cells
                    if c.cell_type == "code" and c.get("outputs")] if path.exists() else []
        outcomes[a.name] = Outcome(failed, sum(scores.values()), messages, unprotected=unprotected_here())
    return outcomes


@functools.cache
def unprotected_here() -> tuple[str, ...]:
    """What the sandbox reports it cannot protect on this machine for this user (the same report
    `check --json` gives under "sandbox"; nbgrader's log and `grade` say it in words)."""
    from autograder.isolation.zygote import Zygote

    zygote = Zygote(assignments=["03_sigmoid_loss"])
    try:
        return tuple(zygote.confinement.get("unprotected", ()))
    finally:
        zygote.close()


def survivors() -> list[int]:
    """Processes that named themselves as an escaping attack does."""
    found = []
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and Path(f"/proc/{pid}/comm").read_text().strip() == SURVIVOR:
                found.append(int(pid))
        except OSError:
            pass
    return found


def report() -> int:
    from test_class_grading import grade_command, twin

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        corpus = attacks(str(folder / "course"))
        class_folder = build_class(folder / "course", corpus)
        course.autograde(class_folder, must_succeed=False)
        by_nbgrader = class_outcomes(class_folder, corpus)
        parallel = twin(class_folder, "parallel")
        grade_command(parallel, "--jobs", "2")
        by_grade = class_outcomes(parallel, corpus)
        print(f"{'attack':<62}{'way':<10}{'outcome':<10}{'seconds':>8}{'score':>7}  first message")
        right = 0
        for a in corpus:
            for way, outcome in (("check", grade_check(a, folder)), ("nbgrader", by_nbgrader[a.name]),
                                 ("grade", by_grade[a.name])):
                ok = holds(a, outcome)
                right += ok
                first = next((m for m in outcome.messages if m.strip()), "").replace("\n", " | ")[:80]
                print(f"{a.name[:61]:<62}{way:<10}{'holds' if ok else 'BROKEN':<10}{outcome.seconds:>8.1f}"
                      f"{outcome.score:>7g}  {first}")
        print(f"\n{right}/{3 * len(corpus)} gradings hold ({len(corpus)} attacks and correct submissions, "
              "each by the command line, nbgrader and the class command); "
              f"processes left behind: {len(survivors())}")
        return 0 if right == 3 * len(corpus) and not survivors() else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(report())
