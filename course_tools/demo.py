"""The main job: the whole nbgrader pipeline on a made-up class.

Regenerate the release, then four students submit all seven assignments:
  ada     the course's solutions                          full marks
  blank   the release, untouched                          0
  casey   one known mistake per step                      loses exactly that mistake's checks,
                                                          and its feedback names the mistake
  drew    casey's mistakes, and edits or deletes the test cells that would catch them
          (nbgrader restores them, so drew loses the same points as casey)
  eve     ada's notebooks, plus a cell tagged "demo" that redefines every function wrongly
          and then never ends: grading skips demonstration cells     full marks
  li      works in Chinese: submits the Chinese editions (01_init_zh …), with the solutions,
          except casey's mistake in 03                               loses that mistake's checks
They are built here, from the solutions, the release and the mistakes below, never
stored as student data. Autograde, feedback and grades.csv follow, then a score table.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from course_tools import course as nb
from autograder.core.assignments import ASSIGNMENTS, FUNCTIONS, edition, edition_id
from autograder.core.checks import KnownMistake, known_mistakes


@dataclass(frozen=True)
class Mistake:
    """casey's mistake in one assignment: a known mistake, and the checks it must fail."""

    assignment: str
    known: str  # the id of a known mistake (autograder/core/checks/*.py)
    fails: frozenset[str]

    @property
    def mistake(self) -> KnownMistake:
        (found,) = [k for k in known_mistakes(self.assignment) if k.id == self.known]
        return found


MISTAKES = (
    Mistake("01_init", "requires_grad_before_scaling", frozenset({"init_params_is_a_leaf_that_requires_grad"})),
    Mistake("02_predict", "no_bias", frozenset({"linear1_matches_reference", "linear1_adds_the_bias",
                                                "linear1_leaves_its_inputs_unchanged"})),
    Mistake("03_sigmoid_loss", "loss_without_sigmoid",
            frozenset({"mnist_loss_matches_reference", "mnist_loss_is_differentiable",
                       "mnist_loss_leaves_its_inputs_unchanged"})),
    Mistake("04_calc_grad", "squared_error_loss",
            frozenset({"calc_grad_matches_reference", "calc_grad_accumulates_gradients",
                       "calc_grad_leaves_the_parameters_unchanged", "calc_grad_works_with_a_module"})),
    Mistake("05_step", "no_zeroing", frozenset({"step_resets_the_gradients"})),
    Mistake("06_epoch_loop", "never_stops", frozenset({"train_model_stops_when_patience_runs_out"})),
    Mistake("07_relu_net", "no_relu", frozenset({"simple_net_matches_reference", "simple_net_is_differentiable"})),
)
MISTAKE_OF = {m.assignment: m for m in MISTAKES}
STUDENTS = ("ada", "blank", "casey", "drew", "eve", "li")
LANGUAGE_OF = {"li": "zh"}  # the edition each student works in: English unless said here
LI_MISTAKE = "03_sigmoid_loss"  # the one assignment where li makes casey's mistake


def submitted_id(student: str, assignment: str) -> str:
    """The nbgrader id of what `student` submits for `assignment`: its edition in their language."""
    return edition_id(assignment, LANGUAGE_OF.get(student, "en"))


def notebook_of(student: str, assignment: str):
    """The notebook `student` submits for `assignment` (in the edition of their language)."""
    if student == "blank":
        return nb.student_notebook(assignment)
    answers = nb.reference_answers(assignment)
    if student == "ada":
        return nb.student_notebook(assignment, answers)
    if student == "li":
        if assignment == LI_MISTAKE:
            wrong = MISTAKE_OF[assignment].mistake
            answers = {**answers, wrong.function: wrong.code.strip()}
        return nb.student_notebook(submitted_id(student, assignment), answers)
    if student == "eve":
        return with_a_breaking_demo_cell(nb.student_notebook(assignment, answers), assignment)
    planned = MISTAKE_OF[assignment]
    wrong = planned.mistake
    notebook = nb.student_notebook(assignment, {**answers, wrong.function: wrong.code.strip()})
    if student == "drew":
        tamper(notebook, planned.fails)
    return notebook


def with_a_breaking_demo_cell(notebook, assignment: str):
    """`notebook` with one more cell, tagged "demo", that breaks every function and never ends."""
    import nbformat

    broken = "".join(f"def {name}(*args, **kwargs):\n    return None\n" for name in FUNCTIONS[assignment])
    notebook.cells.append(nbformat.v4.new_code_cell(broken + "while True:\n    pass\n",
                                                    metadata={"tags": ["demo"]}))
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


def run(folder: Path, grade_with: str = "nbgrader") -> dict[tuple[str, str], tuple[float, float]]:
    """The whole pipeline in a fresh `folder`: (score, max score) of each (student, assignment).

    grade_with: "nbgrader" autogrades with `nbgrader autograde`; "grade" with `python -m
    autograder grade` (this process, one grading process per core), then times `nbgrader
    autograde` on a copy of the same class and says whether their gradebooks agree."""
    import os
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    timings = {}
    start = time.perf_counter()
    course = nb.new_course(folder)
    nb.generate_release(course)
    timings["generate the release"] = time.perf_counter() - start
    for student in STUDENTS:
        for assignment in ASSIGNMENTS:
            nb.submit(course, student, submitted_id(student, assignment), notebook_of(student, assignment))
    n = len(STUDENTS) * len(ASSIGNMENTS)
    if grade_with == "grade":
        from autograder.class_grading.grade import grade_class

        twin = folder.parent / f"{folder.name}-by-nbgrader"
        shutil.rmtree(twin, ignore_errors=True)
        shutil.copytree(course, twin)
        start = time.perf_counter()
        with open(os.devnull, "w") as quiet:  # no progress bar in the main job's report
            summary = grade_class(course, jobs=os.cpu_count() or 1, out=quiet)
        timings["python -m autograder grade"] = time.perf_counter() - start
        start = time.perf_counter()
        nb.autograde(twin)
        timings["nbgrader autograde, the same notebooks"] = time.perf_counter() - start
        same = nb.gradebook_scores(twin) == nb.gradebook_scores(course)
        shutil.rmtree(twin, ignore_errors=True)
        if not summary.ok:
            raise RuntimeError(summary.text())
    else:
        start = time.perf_counter()
        nb.autograde(course)
        timings["nbgrader autograde"] = time.perf_counter() - start
    start = time.perf_counter()
    nb.generate_feedback(course)
    timings["generate feedback"] = time.perf_counter() - start
    rows = nb.export_grades(course)
    for label, seconds in timings.items():
        print(f"{label}: {seconds:.1f} s" + (f" ({seconds / n:.2f} s per notebook)" if "autograde" in label
                                             or "grade" in label.split() else ""))
    if grade_with == "grade":
        print(f"the same scores from both, test cell by test cell: {'yes' if same else 'NO'}")
        if not same:
            raise RuntimeError("python -m autograder grade and nbgrader autograde gave different scores")
    return {(r["student_id"], r["assignment"]): (float(r["score"]), float(r["max_score"])) for r in rows}


def expected_score(student: str, assignment: str) -> float:
    """What the autograded checks should give each made-up student (`assignment`: either edition)."""
    from autograder.core.checks import checks_for

    assignment = edition(assignment)[0]
    checks = checks_for(assignment)
    if student == "blank":
        return 0.0
    mistaken = student in ("casey", "drew") or (student == "li" and assignment == LI_MISTAKE)
    lost = MISTAKE_OF[assignment].fails if mistaken else frozenset()
    return float(sum(c.points for c in checks if c.id not in lost))


def print_table(scores: dict[tuple[str, str], tuple[float, float]]) -> bool:
    """The score table; True when every score is the expected one."""
    print(f"\n{'student':<8}" + "".join(f"{a[:7]:>9}" for a in ASSIGNMENTS) + f"{'total':>9}   as expected")
    all_expected = True
    for student in STUDENTS:
        row = [scores.get((student, submitted_id(student, a)), (0.0, 0.0)) for a in ASSIGNMENTS]
        expected = all(s == expected_score(student, a) for (s, _), a in zip(row, ASSIGNMENTS))
        all_expected &= expected
        total, top = sum(s for s, _ in row), sum(m for _, m in row)
        print(f"{student:<8}" + "".join(f"{f'{s:g}/{m:g}':>9}" for s, m in row)
              + f"{f'{total:g}/{top:g}':>9}   {'yes' if expected else 'NO'}")
    print("(each assignment: 10 autograded points, and 2 for the answer your instructor grades by hand;\n"
          " li's scores are those of the Chinese editions, 01_init_zh …)")
    return all_expected
