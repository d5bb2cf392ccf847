"""Broken and hostile submissions: bounded, scored for what works, nothing tampered, nothing leaked."""
import hashlib
import os
from pathlib import Path

import pytest

import hostile
from course_tools import course
from autograder.core.assignments import ASSIGNMENTS
from autograder.core.checks import checks_for

PACKAGE = Path(hostile.__file__).resolve().parent.parent / "autograder"
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="workers become nobody only when the grader runs as root")


def cases():
    return [pytest.param(c, id=c.name, marks=ROOT_ONLY if c.needs_root else ()) for c in hostile.CASES]


def fingerprints():
    """A hash of every file of the autograder package, the reference tensors included."""
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(PACKAGE.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def before():
    return fingerprints()


@pytest.fixture(scope="module")
def by_nbgrader(before, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return folder, hostile.grade_nbgrader(hostile.CASES, folder)


@pytest.mark.parametrize("case", cases())
def test_the_check_scores_what_works_and_says_what_broke(case, before, tmp_path):
    outcome = hostile.grade_check(case, tmp_path)
    expected = case.expected_nb if case.notebook_only else case.fails_py
    assert outcome.failed == expected
    assert (outcome.score < outcome.max_score) == bool(expected)
    assert outcome.exit_code == (2 if case.raw_notebook else 1 if expected else 0)
    if case.says:
        assert any(case.says in m for m in outcome.messages), outcome.messages


@pytest.mark.parametrize("case", cases())
def test_nbgrader_autograde_scores_what_works_and_says_what_broke(case, by_nbgrader):
    _, outcomes = by_nbgrader
    outcome = outcomes[case.name]
    assert outcome.failed == case.expected_nb
    if case.says and case.expected_nb and not case.raw_notebook:
        assert any(case.says in m for m in outcome.messages), outcome.messages


def test_a_notebook_nbgrader_cannot_read_is_recorded_not_lost(by_nbgrader):
    folder, outcomes = by_nbgrader
    broken = next(c for c in hostile.CASES if c.raw_notebook)
    assert outcomes[broken.name].score == 0
    assert not (folder / "course" / "autograded" / hostile._slug(broken)).exists()
    assert any("error" in m.lower() and hostile._slug(broken) in m for m in outcomes[broken.name].messages)


@ROOT_ONLY
def test_grading_changed_no_file_of_the_autograder(before, by_nbgrader):
    for case in hostile.CASES:
        if "writes over" in case.name:
            hostile.grade_cli(case, by_nbgrader[0])
    assert fingerprints() == before


def test_no_solution_and_no_hidden_test_reaches_a_file_students_get(by_nbgrader):
    folder, _ = by_nbgrader
    given = [p for p in (folder / "course" / "feedback").rglob("*.html")]
    given += [p for p in course.RELEASE.rglob("*.ipynb")]
    assert given
    secrets = set()
    for assignment in ASSIGNMENTS:
        secrets |= {f'grade("{c.id}"' for c in checks_for(assignment) if c.hidden}
        secrets.add("BEGIN HIDDEN TESTS")
        secrets.add("BEGIN SOLUTION")
    import html

    for path in given:
        text = html.unescape(path.read_text())
        for secret in secrets:
            assert secret not in text, (path, secret)


def test_the_parallel_command_gives_nbgraders_scores_and_notebooks(by_nbgrader):
    from test_class_grading import assert_same_grading, grade_command, twin

    nbgrader_course = by_nbgrader[0] / "course"
    folder = twin(nbgrader_course, "parallel")
    done = grade_command(folder, hostile.ASSIGNMENT, "--jobs", "2")
    # the notebook that is not JSON: nbgrader cannot read it, and the command says so
    broken = hostile._slug(next(c for c in hostile.CASES if c.raw_notebook))
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"nbgrader could not grade 1 notebook: {broken}/{hostile.ASSIGNMENT}" in done.stdout, done.stdout
    assert f"{len(hostile.CASES) - 1} from the parallel jobs, 0 graded again" in done.stdout, done.stdout
    assert_same_grading(nbgrader_course, folder)


def test_the_worker_clock_counts_computing_not_waiting():
    """A check's seconds are CPU seconds: a process that computes, then sleeps, is charged its
    computing only; one the grader cannot read falls back to the wall clock (not readable)."""
    import subprocess
    import sys
    import time

    from autograder.isolation.sandbox import WorkerClock

    process = subprocess.Popen([sys.executable, "-c", "import time\nend = time.process_time() + 0.6\n"
                                "while time.process_time() < end: pass\ntime.sleep(30)"])
    try:
        clock = WorkerClock(process.pid)
        deadline = time.monotonic() + 60
        while clock.seconds() < 0.5 and time.monotonic() < deadline:
            time.sleep(0.05)
        asleep = time.monotonic()
        while time.monotonic() < asleep + 1.5:  # it sleeps now: its clock stands still
            time.sleep(0.05)
        assert clock.readable and 0.5 <= clock.seconds() < 1.2, clock.seconds()
    finally:
        process.kill()
        process.wait()
    gone = WorkerClock(process.pid)
    assert not gone.readable and gone.seconds() == 0.0


def test_the_class_report_lists_the_submissions_that_could_not_run(by_nbgrader):
    """From the records the grading wrote: a timeout, a crash, memory, a notebook nbgrader could
    not read; never a submission that ran, however slowly or noisily."""
    from autograder.class_grading import report
    from autograder.class_grading.records import read_course

    listed = {student: why for student, _, why in report.summarize(read_course(by_nbgrader[0] / "course")).not_run}
    by_name = {c.name: hostile._slug(c) for c in hostile.CASES}
    for name in ("infinite loop in the function", "segfault through ctypes", "memory hog",
                 "os._exit(0) in the function", "a loss that sleeps for ever"):
        assert by_name[name] in listed, name
    unreadable = hostile._slug(next(c for c in hostile.CASES if c.raw_notebook))
    assert "could not grade the notebook" in listed[unreadable]
    for name in ("a correct loss the machine stalls for 1.5 checks' seconds", "100 MB printed to stdout and stderr",
                 "wrong signature"):
        assert by_name[name] not in listed, name
