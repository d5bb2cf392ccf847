"""Benchmark: a synthetic class graded by `nbgrader autograde` and by `python -m autograder grade`.

    python3.11 tasks.py bench [--students 30] [--jobs N]      (or: make bench)

The class: every student submits all seven assignments, one of five kinds, in turn:
  correct    the course's solutions (with the student's name in a comment: no two alike)
  mistaken   a known mistake, a different one from student to student
  tampered   a known mistake, and the test cells that would catch it edited or deleted
  blank      the release, untouched
  slow       the solutions, plus a cell of their own that computes for about a second,
             and a cell tagged "demo" (a long training plot) that grading must skip
First, what one confined worker costs (forked from a warm zygote, set up, reaped). The
same class is then graded by nbgrader autograde (the course's configuration: a fresh
confined worker per notebook, forked from one warm zygote) and by the parallel command, then the command alone on
the first 10 and 20 students to show how its time grows. Printed: notebooks per minute,
peak memory (the whole process tree, PSS), the time per class size, the overhead per
notebook beyond the students' own code, the compute floor (the students' own code time
divided by the cores) and the wall time as a multiple of it. Then stock nbgrader: the same
course with nbgrader's default `Execute` (a Jupyter kernel per notebook, every cell run,
demonstrations included) in place of the sandbox, on the first --stock students whose
notebooks it can grade at all (not the "slow" ones: their demonstration cell outlasts any
timeout). The last two lines:
    speedup vs stock nbgrader: N.Nx (K notebooks)
    speedup vs nbgrader autograde: N.Nx, identical scores: yes|no
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from course_tools import course, demo
from autograder.core.assignments import ASSIGNMENTS
from autograder.core.checks import known_mistakes

KINDS = ("correct", "mistaken", "correct", "blank", "tampered", "correct", "mistaken", "slow", "correct", "mistaken")
SLOW_CELL = """# my own experiment: how long do big matrix products take?
x = torch.rand(256, 256)
for _ in range(600):
    x = torch.tanh(x @ torch.rand(256, 256))
"""
DEMO_CELL = """# a long training plot, for me to look at
for _ in range(10**9):
    pass
"""


def notebook_for(student: int, assignment: str):
    """What student number `student` submits for `assignment`."""
    import nbformat

    kind = KINDS[student % len(KINDS)]
    if kind == "blank":
        return kind, course.student_notebook(assignment)
    answers = course.reference_answers(assignment)
    answers = {k: f"# by student {student}\n{v}" for k, v in answers.items()}
    if kind in ("mistaken", "tampered"):
        mistakes = known_mistakes(assignment)
        wrong = mistakes[student % len(mistakes)]
        answers = {**answers, wrong.function: f"# by student {student}\n{wrong.code.strip()}"}
    notebook = course.student_notebook(assignment, answers)
    if kind == "tampered":
        graded = [c.metadata["nbgrader"]["grade_id"] for c in notebook.cells
                  if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution")]
        demo.tamper(notebook, set(graded[:3]))
    if kind == "slow":
        notebook.cells.append(nbformat.v4.new_code_cell(SLOW_CELL))
        notebook.cells.append(nbformat.v4.new_code_cell(DEMO_CELL, metadata={"tags": ["demo"]}))
    return kind, notebook


def build_class(folder: Path, students: int) -> dict[str, int]:
    """A course folder with the release generated and every submission in place; kinds counted."""
    course.new_course(folder)
    course.generate_release(folder)
    kinds: dict[str, int] = {}
    for student in range(students):
        for assignment in ASSIGNMENTS:
            kind, notebook = notebook_for(student, assignment)
            course.submit(folder, f"student{student:03d}", assignment, notebook)
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def copy_class(folder: Path, target: Path, students: int | None = None) -> Path:
    """The course with nothing autograded, and only the first `students` students (all: None)."""
    shutil.copytree(folder, target, ignore=shutil.ignore_patterns("autograded", "feedback", "grades.csv"))
    if students is not None:
        for submitted in sorted((target / "submitted").iterdir())[students:]:
            shutil.rmtree(submitted)
    return target


class PeakMemory:
    """The largest total PSS of a process and all its descendants, sampled every 0.2 s."""

    def __init__(self, pid: int):
        self.pid, self.peak, self.done = pid, 0, threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def stop(self) -> int:
        self.done.set()
        self.thread.join()
        return self.peak

    def _sample(self):
        while not self.done.wait(0.2):
            self.peak = max(self.peak, sum(_pss(p) for p in _tree(self.pid)))


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parent = int(open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _pss(pid: int) -> int:
    try:
        for line in open(f"/proc/{pid}/smaps_rollup"):
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def timed(command: list[str], folder: Path) -> tuple[float, int, str]:
    """Run `command` in `folder`: seconds, peak memory (bytes), what it printed."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    memory = PeakMemory(process.pid)
    printed, _ = process.communicate()
    seconds = time.perf_counter() - start
    peak = memory.stop()
    if process.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{printed[-3000:]}")
    return seconds, peak, printed


def worker_start(samples: int = 30) -> float:
    """Seconds (the median of `samples`) for a warm zygote to fork a confined worker, set it up
    and reap it: what each notebook pays beyond its own code for the sandbox."""
    from autograder.core.limits import Deadline, Limits
    from autograder.isolation.sandbox import Sandbox
    from autograder.isolation.zygote import Zygote

    zygote = Zygote(assignments=["01_init"])
    zygote.confinement  # noqa: B018  (warm)
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        with Sandbox("01_init", [], Limits(), Deadline.within(60), zygote) as sandbox:
            sandbox.start()
        times.append(time.perf_counter() - start)
    zygote.close()
    return sorted(times)[samples // 2]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--stock", type=int, default=2, metavar="STUDENTS",
                        help="students graded by stock nbgrader (a kernel per notebook: slow), default 2")
    args = parser.parse_args(argv)
    print(f"a confined worker, forked from a warm zygote, set up and reaped: {1000 * worker_start():.0f} ms "
          "(median of 30)", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        print(f"building a class of {args.students} students x {len(ASSIGNMENTS)} assignments ...", flush=True)
        kinds = build_class(scratch / "class", args.students)
        print("kinds of submission (per student, all seven assignments):",
              ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
        notebooks = args.students * len(ASSIGNMENTS)
        nbgrader_course = copy_class(scratch / "class", scratch / "nbgrader")
        print(f"\nnbgrader autograde, {notebooks} notebooks ...", flush=True)
        nb_seconds, nb_peak, _ = timed([sys.executable, "-m", "nbgrader", "autograde", "--assignment=*"],
                                       nbgrader_course)
        _line("nbgrader autograde", notebooks, nb_seconds, nb_peak)
        grade = [sys.executable, "-m", "autograder", "grade", "--jobs", str(args.jobs)]
        sizes = sorted({n for n in (10, 20) if n < args.students} | {args.students})
        runs = {}
        for size in sizes:
            folder = copy_class(scratch / "class", scratch / f"grade{size}", size)
            print(f"\npython -m autograder grade --jobs {args.jobs}, {size} students ...", flush=True)
            runs[size] = (folder, *timed(grade, folder))
            _line(f"grade --jobs {args.jobs}", size * len(ASSIGNMENTS), *runs[size][1:3])
            print("  " + "\n  ".join(runs[size][3].strip().splitlines()[-4:]))
        folder, seconds, peak, printed = runs[args.students]
        same = (course.gradebook_scores(folder) == course.gradebook_scores(nbgrader_course)
                and course.autograded_outputs(folder) == course.autograded_outputs(nbgrader_course))
        print("\nhow the command's time grows with the class:")
        for size in sizes:
            print(f"  {size:>3} students: {runs[size][1]:6.1f} s, {runs[size][1] / (size * len(ASSIGNMENTS)):.3f} s "
                  f"per notebook, {runs[size][1] / runs[sizes[0]][1]:.2f}x the {sizes[0]}-student time "
                  f"for {size / sizes[0]:.2f}x the students")
        overhead = next(line for line in printed.splitlines() if "overhead beyond it" in line)
        print(f"overhead per notebook beyond the students' own code ({args.students} students): "
              f"{overhead.rsplit(': ', 1)[1]}")
        work = float(next(line for line in printed.splitlines() if "overhead beyond it" in line)
                     .split("checks ", 1)[1].split(" s;", 1)[0])
        floor = work / args.jobs
        print(f"compute floor: {floor:.1f} s (the students' code ran {work:.1f} s, over {args.jobs} cores); "
              f"wall time {seconds:.1f} s = {seconds / floor:.1f}x the floor")
        stock_notebooks, stock_seconds = stock_nbgrader(scratch, args.students, args.stock)
        print(f"speedup vs stock nbgrader: {(stock_seconds / stock_notebooks) / (seconds / notebooks):.1f}x "
              f"({stock_notebooks} notebooks)")
        print(f"speedup vs nbgrader autograde: {nb_seconds / seconds:.1f}x, identical scores: {'yes' if same else 'no'}")
        return 0 if same else 1


STOCK_CONFIG = """
# stock nbgrader: a Jupyter kernel per notebook runs every cell (nbgrader's default Execute)
from nbgrader.preprocessors import Execute
c.Autograde.autograde_preprocessors = [
    Execute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades, AssignLatePenalties,
    CheckCellMetadata,
]
c.Execute.timeout = 300
"""


def stock_nbgrader(scratch: Path, students: int, wanted: int) -> tuple[int, float]:
    """nbgrader autograde with its default Execute on the first `wanted` students that are not
    "slow": (notebooks, seconds)."""
    able = [n for n in range(students) if KINDS[n % len(KINDS)] != "slow"][:wanted]
    folder = copy_class(scratch / "class", scratch / "stock")
    for submitted in (folder / "submitted").iterdir():
        if int(submitted.name.removeprefix("student")) not in able:
            shutil.rmtree(submitted)
    with (folder / "nbgrader_config.py").open("a") as config:
        config.write(STOCK_CONFIG)
    notebooks = len(able) * len(ASSIGNMENTS)
    print(f"\nstock nbgrader autograde (a kernel per notebook), {notebooks} notebooks of students "
          f"{', '.join(str(n) for n in able)} ({', '.join(KINDS[n % len(KINDS)] for n in able)}) ...", flush=True)
    seconds, peak, _ = timed([sys.executable, "-m", "nbgrader", "autograde", "--assignment=*"], folder)
    _line("stock nbgrader autograde", notebooks, seconds, peak)
    return notebooks, seconds


def _line(label: str, notebooks: int, seconds: float, peak: int) -> None:
    print(f"  {label}: {notebooks} notebooks in {seconds:.1f} s = {60 * notebooks / seconds:.1f} notebooks/min, "
          f"peak memory {peak / 2**30:.2f} GiB")


if __name__ == "__main__":
    sys.exit(main())
