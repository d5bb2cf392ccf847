"""A corpus of broken and hostile submissions, all to 03_sigmoid_loss (sigmoid and mnist_loss).

Each case is graded twice: as a .py file by `python -m autograder check`, and as a
notebook (the release with its cells filled in, or tampered with) by `nbgrader
autograde`. It names the checks it must fail in each; all the others must pass. Run
this file for the maintainers' report (it goes on with the attacks of tests/attacks.py):

    python tests/hostile.py
"""
from __future__ import annotations

import copy
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

from course_tools import course
from autograder.core import compare  # a file of the autograder a submission tries to write over
from autograder.core.checks import checks_for

ASSIGNMENT = "03_sigmoid_loss"
CHECK_SECONDS, SUBMISSION_SECONDS = 4, 90  # the instructor's bounds here
LIMITS = ["--check-seconds", str(CHECK_SECONDS), "--submission-seconds", str(SUBMISSION_SECONDS)]
SIGMOID = "def sigmoid(x):\n    return 1 / (1 + torch.exp(-x))\n"
LOSS = ("def mnist_loss(predictions, targets):\n    p = sigmoid(predictions)\n"
        "    return torch.where(targets == 1, 1 - p, p).mean()\n")
REFS = Path(__file__).resolve().parent.parent / "autograder" / "references"


def checks_of(*functions: str) -> frozenset[str]:
    return frozenset(c.id for c in checks_for(ASSIGNMENT) if c.function in functions)


ALL = checks_of("sigmoid", "mnist_loss")
LOSS_CHECKS = checks_of("mnist_loss")
VALUES = frozenset({"mnist_loss_matches_reference", "mnist_loss_is_differentiable",
                    "mnist_loss_leaves_its_inputs_unchanged"})


@dataclass(frozen=True)
class Case:
    name: str
    loss: str = LOSS  # the mnist_loss cell
    extra: str = ""  # a cell of its own before the sigmoid cell (top-level code)
    fails_py: frozenset[str] = frozenset()  # the checks the .py file must fail
    fails_nb: frozenset[str] | None = None  # the same for the notebook, when different
    says: str = ""  # words the student must read in some failed check's message
    tamper: object = None  # notebook cells -> notebook cells, for notebook-only cases
    raw_notebook: str | None = None  # the notebook file's text, for an unreadable one
    notebook_only: bool = False
    needs_root: bool = False  # file protection: the grader becomes `nobody` only when run as root

    @property
    def expected_nb(self) -> frozenset[str]:
        return self.fails_py if self.fails_nb is None else self.fails_nb

    def python(self) -> str:
        return f"{self.extra}\n{SIGMOID}\n{self.loss}" if self.extra else f"{SIGMOID}\n{self.loss}"

    def notebook(self):
        answers = {"sigmoid": SIGMOID, "mnist_loss": textwrap.dedent(self.loss)}
        notebook = course.student_notebook(ASSIGNMENT, answers)
        if self.extra:
            import nbformat

            index = next(i for i, c in enumerate(notebook.cells)
                         if c.metadata.get("nbgrader", {}).get("grade_id") == "sigmoid")
            notebook.cells.insert(index, nbformat.v4.new_code_cell(self.extra))
        if self.tamper:
            notebook.cells = self.tamper(notebook.cells)
        return notebook


def loss(body: str) -> str:
    return "def mnist_loss(predictions, targets):\n" + textwrap.indent(textwrap.dedent(body).strip(), "    ") + "\n"


def _test_cell(cells, grade_id):
    return next(i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _delete_tests(cells):
    return [c for c in cells if not c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("mnist_loss_")]


def _duplicate_tests(cells):
    i = _test_cell(cells, "mnist_loss_matches_reference")
    return cells[:i + 1] + [copy.deepcopy(cells[i]) for _ in range(3)] + cells[i + 1:]


def _reorder(cells):
    return list(reversed(cells))


def _edit_test(cells):
    i = _test_cell(cells, "mnist_loss_matches_reference")
    cells[i].source = "2"
    return cells


def _inflate_points(cells):
    i = _test_cell(cells, "mnist_loss_matches_reference")
    cells[i].metadata["nbgrader"]["points"] = 100
    return cells


def _rename_grade_id(cells):
    i = _test_cell(cells, "mnist_loss_is_differentiable")
    cells[i].metadata["nbgrader"]["grade_id"] = "free_points"
    return cells


def _unlock_and_mark_solution(cells):
    i = _test_cell(cells, "mnist_loss_matches_reference")
    cells[i].metadata["nbgrader"].update(locked=False, solution=True, grade=False)
    cells[i].source = "pass"
    return cells


WRONG_LOSS = "return torch.where(targets == 1, 1 - predictions, predictions).mean()"

CASES = [
    Case("syntax error", loss=loss("p = sigmoid(predictions\nreturn p.mean()"), fails_py=ALL,
         fails_nb=LOSS_CHECKS, says="SyntaxError"),
    Case("function misnamed", loss=LOSS.replace("def mnist_loss", "def mnist_los"),
         fails_py=LOSS_CHECKS, says="mnist_loss is not defined"),
    Case("wrong signature", loss=loss("return predictions.mean()").replace("(predictions, targets)", "(predictions)"),
         fails_py=LOSS_CHECKS, says="TypeError"),
    Case("infinite loop in the function", loss=loss("while True:\n    pass"), fails_py=LOSS_CHECKS,
         says="did not finish within 4 s"),
    Case("infinite loop at the top level", extra="while True:\n    pass\n", fails_py=ALL, fails_nb=frozenset(),
         says="did not finish within 4 s"),
    Case("loop that ignores SIGALRM, SIGTERM and SIGINT", loss=loss("""
        import signal
        for s in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT):
            signal.signal(s, signal.SIG_IGN)
        while True:
            pass
    """), fails_py=LOSS_CHECKS, says="did not finish within 4 s"),
    Case("sys.exit(0) in the function", loss=loss("import sys\nsys.exit(0)"), fails_py=LOSS_CHECKS,
         says="called sys.exit()"),
    Case("sys.exit(0) at the top level", extra="import sys\nsys.exit(0)\n", fails_py=ALL,
         fails_nb=frozenset(), says="sys.exit"),
    Case("os._exit(0) in the function", loss=loss("import os\nos._exit(0)"), fails_py=LOSS_CHECKS,
         says="ended the grading process (exit status 0)"),
    Case("os._exit(0) at the top level", extra="import os\nos._exit(0)\n", fails_py=ALL,
         fails_nb=frozenset(), says="ended the grading process"),
    Case("segfault through ctypes", loss=loss("import ctypes\nctypes.string_at(0)"), fails_py=LOSS_CHECKS,
         says="killed by SIGSEGV"),
    Case("a correct loss the machine stalls for 1.5 checks' seconds", loss=loss(f"""
        import time
        if not getattr(mnist_loss, "stalled", False):  # once: a stall as a busy machine gives it
            mnist_loss.stalled = True
            time.sleep({1.5 * CHECK_SECONDS})
        p = sigmoid(predictions)
        return torch.where(targets == 1, 1 - p, p).mean()
    """)),
    Case("a loss that sleeps for ever", loss=loss("import time\ntime.sleep(10_000)"), fails_py=LOSS_CHECKS,
         says=f"waited {3 * CHECK_SECONDS} s without finishing"),
    Case("a loss that leaves its work to two busy children", loss=loss("""
        import os, time
        for _ in range(2):
            if os.fork() == 0:
                while True:
                    pass
        time.sleep(10_000)
    """), fails_py=LOSS_CHECKS, says=f"did not finish within {CHECK_SECONDS} s"),
    Case("memory hog", loss=loss("hog = []\nwhile True:\n    hog.append(torch.ones(50_000_000))"),
         fails_py=LOSS_CHECKS, says="ran out of memory"),
    Case("100 MB printed to stdout and stderr", loss=loss("""
        import os, sys
        print("x" * 50_000_000)
        sys.stderr.write("y" * 50_000_000)
        os.write(1, b"z" * 10_000_000)
        p = sigmoid(predictions)
        return torch.where(targets == 1, 1 - p, p).mean()
    """)),
    Case("returns numpy", loss=loss("p = sigmoid(predictions)\nreturn torch.where(targets == 1, 1 - p, p).mean().detach().numpy()"),
         fails_py=LOSS_CHECKS, says="returned a NumPy array, not a 0-dim tensor"),
    Case("returns a list", loss=loss("return [0.5]"), fails_py=LOSS_CHECKS, says="returned a list"),
    Case("returns a string", loss=loss("return 'the loss'"), fails_py=LOSS_CHECKS, says="returned a string"),
    Case("returns NaN", loss=loss("return torch.tensor(float('nan'))"), fails_py=VALUES, says="nan"),
    Case("returns inf", loss=loss("return torch.tensor(float('inf'))"), fails_py=VALUES, says="inf"),
    Case("returns float64", loss=loss("p = sigmoid(predictions.double())\nreturn torch.where(targets == 1, 1 - p, p).mean()"),
         fails_py=VALUES, says="returned a float64 tensor"),
    Case("a tensor on the meta device", loss=loss("return torch.empty((), device='meta')"),
         fails_py=VALUES, says="meta device"),
    Case("a detached result", loss=loss("p = sigmoid(predictions)\nreturn torch.where(targets == 1, 1 - p, p).mean().detach()"),
         fails_py=frozenset({"mnist_loss_is_differentiable"}), says="does not require grad"),
    Case("modifies its inputs in place", loss=loss("p = predictions.sigmoid_()\nreturn torch.where(targets == 1, 1 - p, p).mean()"),
         fails_py=frozenset({"mnist_loss_is_differentiable", "mnist_loss_leaves_its_inputs_unchanged"}),
         says="changes its inputs in place"),
    Case("monkeypatches torch.allclose, torch.equal, Tensor.__eq__ and numpy", extra=textwrap.dedent("""
        import numpy as np
        torch.allclose = lambda *a, **k: True
        torch.equal = lambda *a, **k: True
        torch.Tensor.__eq__ = lambda self, other: torch.ones_like(self, dtype=torch.bool)
        np.allclose = np.array_equal = lambda *a, **k: True
    """), loss=loss(WRONG_LOSS), fails_py=VALUES, says="This is exactly what the loss computed on raw scores"),
    Case("monkeypatches the autograder and rebinds AssertionError", extra=textwrap.dedent("""
        import builtins
        import autograder.core.compare, autograder.isolation.runner, autograder.core.diagnosis
        autograder.core.compare.expect_tensor = lambda *a, **k: None
        autograder.core.compare.expect_values = lambda *a, **k: None
        autograder.isolation.runner.run_check = lambda *a, **k: None
        autograder.core.diagnosis.same = lambda *a: True
        builtins.AssertionError = type("Fine", (Exception,), {})
    """), loss=loss(WRONG_LOSS), fails_py=VALUES),
    Case("writes over the reference tensors and the autograder's files", extra=textwrap.dedent(f"""
        for path in ({str(REFS / "public" / "03_sigmoid_loss.pt")!r}, {str(REFS / "hidden" / "03_sigmoid_loss.pt")!r},
                     {compare.__file__!r}):
            try:
                with open(path, "wb") as f:
                    f.write(b"gone")
            except OSError:
                pass
    """), needs_root=True),
    Case("reads the hidden references and the solutions to copy the answer", loss=loss(f"""
        try:
            cases = torch.load({str(REFS / "hidden" / "03_sigmoid_loss.pt")!r})
            return cases["mnist_loss_grad"]["expected"]["loss"]
        except Exception:
            pass
        try:
            import solutions.sigmoid_loss
            return solutions.sigmoid_loss.mnist_loss(predictions, targets)
        except Exception:
            return torch.tensor(0.5)
    """), fails_py=VALUES, needs_root=True),
    Case("test cells deleted", tamper=_delete_tests, notebook_only=True),
    Case("test cells deleted, with a mistake", loss=loss(WRONG_LOSS), tamper=_delete_tests,
         fails_py=VALUES, notebook_only=True),
    Case("a test cell duplicated", tamper=_duplicate_tests, notebook_only=True),
    Case("cells reordered", tamper=_reorder, notebook_only=True),
    Case("a test cell edited to claim its points, with a mistake", loss=loss(WRONG_LOSS), tamper=_edit_test,
         fails_py=VALUES, notebook_only=True),
    Case("a test cell worth 100 points", loss=loss(WRONG_LOSS), tamper=_inflate_points, fails_py=VALUES,
         notebook_only=True),
    Case("a grade id changed, with a mistake", loss=loss(WRONG_LOSS), tamper=_rename_grade_id,
         fails_py=VALUES, notebook_only=True),
    Case("a test cell unlocked and made a solution cell, with a mistake", loss=loss(WRONG_LOSS),
         tamper=_unlock_and_mark_solution, fails_py=VALUES, notebook_only=True),
    Case("the kernelspec changed", tamper=lambda cells: cells, notebook_only=True),
    Case("not valid JSON", raw_notebook='{"cells": [ this is not json', fails_py=ALL, notebook_only=True),
]


@dataclass
class Outcome:
    """How one case was graded one way: the failed checks, the score, the messages, the time."""

    failed: frozenset[str]
    score: float
    max_score: float
    messages: list[str] = field(default_factory=list)
    seconds: float = 0.0
    exit_code: int | None = None


def _case_file(case: Case, folder: Path) -> Path:
    """The case as a student hands it in: a .py file, or a notebook for notebook cases."""
    if case.notebook_only:
        path = folder / f"{_slug(case)}.ipynb"
        _write_notebook(case, path)
    else:
        path = folder / f"{_slug(case)}.py"
        path.write_text(case.python())
    return path


def grade_check(case: Case, folder: Path) -> Outcome:
    """What `python -m autograder check` grades and exits with (`cli.grade_file`: the same sandbox
    and limits; 2 for a file it cannot read), in this process, from the suite's warm zygote."""
    from autograder.cli import grade_file
    from autograder.core.limits import Limits
    from autograder.core.submission import SubmissionError
    from catalog import shared_zygote

    path = _case_file(case, folder)
    start = time.perf_counter()
    try:
        results = grade_file(ASSIGNMENT, path, Limits(CHECK_SECONDS, SUBMISSION_SECONDS), zygote=shared_zygote())
    except SubmissionError as error:
        return Outcome(ALL, 0.0, 10.0, [str(error)], time.perf_counter() - start, 2)
    failed = frozenset(r.id for r in results if not r.passed)
    return Outcome(failed, sum(r.points for r in results), sum(r.max_points for r in results),
                   [r.message for r in results if not r.passed], time.perf_counter() - start, 1 if failed else 0)


def grade_cli(case: Case, folder: Path) -> Outcome:
    """`python -m autograder check` on the case's .py file (or its notebook, for notebook cases)."""
    path = _case_file(case, folder)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "autograder", "check", ASSIGNMENT, str(path), "--json", *LIMITS],
                          capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - start
    if done.returncode == 2:  # the file cannot be graded: a record of why, and no score
        return Outcome(ALL, 0.0, 10.0, [done.stderr.strip()], seconds, 2)
    report = json.loads(done.stdout)
    failed = frozenset(c["id"] for c in report["checks"] if not c["passed"])
    return Outcome(failed, report["score"], report["max_score"],
                   [c["message"] for c in report["checks"] if not c["passed"]], seconds, done.returncode)


def grade_nbgrader(cases: list[Case], folder: Path) -> dict[str, Outcome]:
    """One `nbgrader autograde` run over every case, each submitted by a student of its own."""
    import nbformat

    course_folder = course.released_course(folder / "course")
    (course_folder / "nbgrader_config.py").open("a").write(
        f"\nc.SandboxedExecute.check_seconds = {CHECK_SECONDS}\nc.SandboxedExecute.submission_seconds = {SUBMISSION_SECONDS}\n")
    for case in cases:
        path = course.notebook_path(course_folder / "submitted" / _slug(case), ASSIGNMENT)
        path.parent.mkdir(parents=True)
        _write_notebook(case, path)
    start = time.perf_counter()
    log = course.autograde(course_folder, ASSIGNMENT, must_succeed=False)
    seconds = (time.perf_counter() - start) / len(cases)
    course.generate_feedback(course_folder, ASSIGNMENT, must_succeed=False)
    outcomes = {}
    for case in cases:
        scores = course.cell_scores(course_folder, _slug(case), ASSIGNMENT)
        failed = frozenset(k for k, v in scores.items() if v < max(_points()[k], 0.001))
        autograded = course.notebook_path(course_folder / "autograded" / _slug(case), ASSIGNMENT)
        messages = []
        if autograded.exists():
            nb = nbformat.read(autograded, as_version=4)
            messages = ["".join(o.get("text", "") for o in c.outputs) for c in nb.cells
                        if c.cell_type == "code" and c.outputs]
            messages = [m for m in messages if m.startswith("✗")] or messages
        else:  # nbgrader could not process it: its log is the record
            messages = [line for line in log.splitlines() if _slug(case) in line and "ERROR" in line]
            failed = ALL
        outcomes[case.name] = Outcome(failed, sum(scores.values()), 10.0, messages, seconds)
    return outcomes


def _points() -> dict[str, float]:
    return {c.id: c.points for c in checks_for(ASSIGNMENT)}


def _write_notebook(case: Case, path: Path) -> None:
    import nbformat

    if case.raw_notebook is not None:
        path.write_text(case.raw_notebook)
        return
    notebook = case.notebook()
    if case.name == "the kernelspec changed":
        notebook.metadata["kernelspec"] = {"name": "no-such-kernel", "display_name": "nope", "language": "cobol"}
    nbformat.write(notebook, path)


def _slug(case: Case) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in case.name.lower())[:40].strip("_")


def report() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        by_nbgrader = grade_nbgrader(CASES, folder)
        print(f"{'case':<58}{'way':<10}{'outcome':<10}{'seconds':>8}{'score':>7}  message")
        right = 0
        for case in CASES:
            ways = [("nbgrader", by_nbgrader[case.name], case.expected_nb)]
            ways.insert(0, ("check", grade_check(case, folder), case.fails_py if not case.notebook_only else case.expected_nb))
            for way, outcome, expected in ways:
                ok = outcome.failed == expected
                right += ok
                message = next((m for m in outcome.messages if m.strip()), "").replace("\n", " | ")[:90]
                print(f"{case.name[:57]:<58}{way:<10}{'as meant' if ok else 'WRONG':<10}"
                      f"{outcome.seconds:>8.1f}{outcome.score:>7g}  {message}")
        total = 2 * len(CASES)
        print(f"\n{right}/{total} gradings as meant ({len(CASES)} cases, each by the command line and by nbgrader)")
        return 0 if right == total else 1


if __name__ == "__main__":  # this corpus, then the attacks of a student who read the repository
    import attacks

    sys.exit(report() | attacks.report())
