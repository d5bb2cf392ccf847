"""The main job: the whole nbgrader pipeline on a made-up class.

Regenerate the release, then four students submit all seven assignments:
  ada     the course's solutions                          full marks
  blank   the release, untouched                          0
  casey   one realistic mistake per step                  loses exactly that mistake's checks
  drew    casey's mistakes, and edits or deletes the test cells that would catch them
          (nbgrader restores them, so drew loses the same points as casey)
They are built here, from the solutions, the release and the mistakes below, never
stored as student data. Autograde, feedback and grades.csv follow, then a score table.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from autograder import course as nb
from autograder.assignments import ASSIGNMENTS


@dataclass(frozen=True)
class Mistake:
    assignment: str
    function: str  # the solution cell it replaces (its grade id)
    what: str
    code: str
    fails: frozenset[str]  # the checks it must fail, no more, no fewer


MISTAKES = (
    Mistake("01_init", "init_params", "requires_grad_() before scaling: not a leaf", '''
def init_params(size, std=1.0):
    return torch.randn(size).requires_grad_() * std
''', frozenset({"init_params_is_a_leaf_that_requires_grad"})),
    Mistake("02_predict", "linear1", "forgot the bias", '''
def linear1(xb, weights, bias):
    return xb @ weights
''', frozenset({"linear1_matches_reference", "linear1_adds_the_bias"})),
    Mistake("03_sigmoid_loss", "mnist_loss", "the loss without the sigmoid", '''
def mnist_loss(predictions, targets):
    return torch.where(targets == 1, 1 - predictions, predictions).mean()
''', frozenset({"mnist_loss_matches_reference", "mnist_loss_is_differentiable"})),
    Mistake("04_calc_grad", "calc_grad", "squared error instead of mnist_loss", '''
def calc_grad(xb, yb, model):
    loss = ((model(xb) - yb) ** 2).mean()
    loss.backward()
    return loss
''', frozenset({"calc_grad_matches_reference", "calc_grad_accumulates_gradients",
                "calc_grad_works_with_a_module"})),
    Mistake("05_step", "step", "never zeroes the gradients", '''
def step(params, lr):
    for p in params:
        p.data -= lr * p.grad
''', frozenset({"step_resets_the_gradients"})),
    Mistake("06_epoch_loop", "train_model", "never stops early", '''
def train_model(model, lr, params, dl, valid_dl, epochs, patience=None):
    accuracies = []
    for _ in range(epochs):
        train_epoch(model, lr, params, dl)
        accuracies.append(validate_epoch(model, valid_dl))
    return accuracies
''', frozenset({"train_model_stops_when_patience_runs_out"})),
    Mistake("07_relu_net", "simple_net", "no ReLU between the layers", '''
def simple_net(xb, w1, b1, w2, b2):
    return (xb @ w1 + b1) @ w2 + b2
''', frozenset({"simple_net_matches_reference", "simple_net_is_differentiable"})),
)
MISTAKE_OF = {m.assignment: m for m in MISTAKES}
STUDENTS = ("ada", "blank", "casey", "drew")


def notebook_of(student: str, assignment: str):
    """The notebook `student` submits for `assignment`."""
    if student == "blank":
        return nb.student_notebook(assignment)
    answers = nb.reference_answers(assignment)
    if student == "ada":
        return nb.student_notebook(assignment, answers)
    mistake = MISTAKE_OF[assignment]
    notebook = nb.student_notebook(assignment, {**answers, mistake.function: mistake.code.strip()})
    if student == "drew":
        tamper(notebook, mistake.fails)
    return notebook


def tamper(notebook, grade_ids) -> None:
    """Edit the first test cell in `grade_ids` to claim full points; delete the others."""
    cells, edited = [], False
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in grade_ids:
            if edited:
                continue  # deleted
            cell.source = f"# this check is fine, trust me\n{cell.metadata['nbgrader']['points']}"
            edited = True
        cells.append(cell)
    notebook.cells = cells


def run(folder: Path) -> dict[tuple[str, str], tuple[float, float]]:
    """The whole pipeline in a fresh `folder`: (score, max score) of each (student, assignment)."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    timings = {}
    start = time.perf_counter()
    course = nb.new_course(folder)
    nb.generate_release(course)
    timings["generate the release"] = time.perf_counter() - start
    for student in STUDENTS:
        for assignment in ASSIGNMENTS:
            nb.submit(course, student, assignment, notebook_of(student, assignment))
    for label, step in (("autograde", nb.autograde), ("generate feedback", nb.generate_feedback)):
        start = time.perf_counter()
        step(course)
        timings[label] = time.perf_counter() - start
    rows = nb.export_grades(course)
    n = len(STUDENTS) * len(ASSIGNMENTS)
    for label, seconds in timings.items():
        print(f"{label}: {seconds:.1f} s" + (f" ({seconds / n:.1f} s per notebook)" if label == "autograde" else ""))
    return {(r["student_id"], r["assignment"]): (float(r["score"]), float(r["max_score"])) for r in rows}


def expected_score(student: str, assignment: str) -> float:
    """What the autograded checks should give each made-up student."""
    from autograder.checks import checks_for

    checks = checks_for(assignment)
    if student == "blank":
        return 0.0
    lost = MISTAKE_OF[assignment].fails if student in ("casey", "drew") else frozenset()
    return float(sum(c.points for c in checks if c.id not in lost))


def print_table(scores: dict[tuple[str, str], tuple[float, float]]) -> bool:
    """The score table; True when every score is the expected one."""
    print(f"\n{'student':<8}" + "".join(f"{a[:7]:>9}" for a in ASSIGNMENTS) + f"{'total':>9}   as expected")
    all_expected = True
    for student in STUDENTS:
        row = [scores.get((student, a), (0.0, 0.0)) for a in ASSIGNMENTS]
        expected = all(s == expected_score(student, a) for (s, _), a in zip(row, ASSIGNMENTS))
        all_expected &= expected
        total, top = sum(s for s, _ in row), sum(m for _, m in row)
        print(f"{student:<8}" + "".join(f"{f'{s:g}/{m:g}':>9}" for s, m in row)
              + f"{f'{total:g}/{top:g}':>9}   {'yes' if expected else 'NO'}")
    print("(each assignment: 10 autograded points, and 2 for the answer your instructor grades by hand)")
    return all_expected
