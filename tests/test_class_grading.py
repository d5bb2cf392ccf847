"""`python -m autograder grade`: a whole class in parallel, with the very scores of `nbgrader autograde`.

Each class is graded twice from the same submissions: by `nbgrader autograde` (the
course's configuration, one fresh worker per notebook), and by the parallel command.
The gradebooks must hold the same score for every test cell of every submission, and
the autograded notebooks must show the same text.
"""
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_tools import course, demo
from autograder.class_grading import jobs
from autograder.core.assignments import ASSIGNMENTS
from autograder.integration.offline_sanitize import CourseNotebook
from autograder.class_grading.progress import Progress


def grade_command(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", "grade", "--course", str(folder), *args],
                          capture_output=True, text=True, timeout=1200)


def twin(folder: Path, name: str) -> Path:
    """A copy of a graded course with nothing autograded yet: the same submissions and gradebook."""
    copy = folder.parent / name
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("autograded", "feedback", "grades.csv"))
    return copy


def assert_same_grading(by_nbgrader: Path, by_command: Path) -> None:
    expected, got = course.gradebook_scores(by_nbgrader), course.gradebook_scores(by_command)
    assert expected and got == expected
    shown, shown_now = course.autograded_outputs(by_nbgrader), course.autograded_outputs(by_command)
    assert shown and shown_now == shown


@pytest.fixture
def demo_class(demo_class):
    """The demo class (ada, blank, casey, drew, eve x 7 assignments) graded by nbgrader autograde."""
    return demo_class[0]


def test_a_demo_cell_decides_no_grade(demo_class):
    """eve submits ada's notebooks with a cell tagged "demo" that breaks every function."""
    for graded in (demo_class, twin_graded(demo_class)):
        scores = course.gradebook_scores(graded)
        for (student, assignment, grade_id), score in scores.items():
            if student == "eve":
                assert score == scores["ada", assignment, grade_id] > 0


_twins: dict = {}


SUBMITTED = len(demo.STUDENTS) * len(ASSIGNMENTS)  # each student, one edition of each assignment


def twin_graded(demo_class: Path) -> Path:
    """The demo class graded by `python -m autograder grade --jobs 2` (once per test session)."""
    if demo_class not in _twins:
        folder = twin(demo_class, "parallel")
        done = grade_command(folder, "--jobs", "2")
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"{SUBMITTED} from the parallel jobs, 0 graded again" in done.stdout, done.stdout
        _twins[demo_class] = folder
    return _twins[demo_class]


def test_the_demo_class_gets_nbgraders_scores_and_notebooks(demo_class):
    folder = twin_graded(demo_class)
    assert_same_grading(demo_class, folder)
    # and nbgrader's next steps work unchanged on what the command wrote
    course.generate_feedback(folder)
    assert len(list((folder / "feedback").glob("*/*/*.html"))) == SUBMITTED
    assert course.export_grades(folder) == course.export_grades(demo_class)


def test_without_force_what_is_autograded_already_is_not_graded_again(demo_class):
    folder = twin_graded(demo_class)
    done = grade_command(folder, "--jobs", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("graded 0 notebooks"), done.stdout
    assert course.gradebook_scores(folder) == course.gradebook_scores(demo_class)


def test_a_dask_cluster_gives_the_same_scores(demo_class, tmp_path):
    from distributed import LocalCluster

    from autograder.class_grading.cluster_tls import make_certificates, security

    tls = tmp_path / "tls"
    make_certificates(tls)
    folder = twin(demo_class, "dask")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      protocol="tls://", security=security(tls)) as cluster:
        done = grade_command(folder, "--scheduler", cluster.scheduler_address, "--tls", str(tls))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the Dask scheduler at tls://" in done.stdout and "0 graded again" in done.stdout, done.stdout
    assert_same_grading(demo_class, folder)


def test_a_submission_the_job_mispredicts_is_graded_by_nbgrader_itself(demo_class, monkeypatch):
    """Safety net: results are used only for the very cells nbgrader sanitized."""
    from autograder.class_grading import grade as class_grading

    folder = twin(demo_class, "mispredicted")
    real = jobs.sanitized_cells
    monkeypatch.setattr(jobs, "sanitized_cells", lambda *a: real(*a)[:-1])  # one cell lost
    monkeypatch.setattr("autograder.class_grading.executors.LocalPool.__init__", _in_process_pool)
    summary = class_grading.grade_class(folder, "02_predict", jobs=1)
    assert summary.used == 0 and len(summary.regraded) == 5
    assert all("differently" in why for _, _, why in summary.regraded)
    by_nbgrader = {k: v for k, v in course.gradebook_scores(demo_class).items() if k[1] == "02_predict"}
    assert {k: v for k, v in course.gradebook_scores(folder).items() if k[1] == "02_predict"} == by_nbgrader


def _in_process_pool(self, jobs, assignments=()):
    """A LocalPool whose jobs run in this process (so a monkeypatch reaches them), each thread with a
    zygote of its own or, in the suite, the suite's (`jobs._zygote`)."""
    from concurrent.futures import ThreadPoolExecutor

    from autograder.isolation.zygote import start

    self.pool, self.where, self.jobs = ThreadPoolExecutor(max_workers=jobs), "this process", jobs
    self.zygote, self.door = start(list(assignments)), None


def test_a_killed_zygote_is_replaced_and_the_notebook_still_graded(demo_class, monkeypatch):
    from autograder.isolation.zygote import DOOR_VARIABLE

    monkeypatch.delenv(DOOR_VARIABLE, raising=False)  # a zygote of this test's own, not the suite's (tests/conftest.py)
    jobs._drop_zygote()
    notebook = course.notebook_path(demo_class / "submitted" / "ada", "02_predict").read_text()
    snapshot = CourseNotebook.read(f"sqlite:///{demo_class / 'gradebook.db'}", "02_predict", None)
    first = jobs.grade_job(jobs.Job("ada", "02_predict", notebook, snapshot))
    os.kill(jobs._zygote().process.pid, signal.SIGKILL)
    again = jobs.grade_job(jobs.Job("ada", "02_predict", notebook, snapshot))
    assert first.results == again.results and all(r.passed for r in again.results)
    jobs._drop_zygote()


def test_the_command_refuses_a_folder_that_is_not_a_course(tmp_path):
    done = grade_command(tmp_path)
    assert done.returncode == 2 and "not an nbgrader course folder" in done.stderr
    assert "Traceback" not in done.stderr
    done = grade_command(tmp_path, "--jobs", "0")
    assert done.returncode == 2 and "1 or more" in done.stderr


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    from autograder.class_grading.cluster_tls import make_certificates

    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    make_certificates(tmp_path / "tls")
    done = grade_command(tmp_path, "--scheduler", "tls://127.0.0.1:9", "--tls", str(tmp_path / "tls"))
    assert done.returncode == 2 and "cannot reach the Dask scheduler at tls://127.0.0.1:9" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_assignment_is_refused(demo_class):
    done = grade_command(demo_class, "08_transformers")
    assert done.returncode == 2 and "unknown assignment '08_transformers'" in done.stderr


def test_the_progress_bar_prints_a_line_per_tenth_in_a_log(tmp_path):
    log = (tmp_path / "log").open("w+")
    progress = Progress(20, log)
    for _ in range(20):
        progress.one_graded()
        progress.one_recorded()
    progress.finish()
    log.seek(0)
    lines = log.read().splitlines()
    assert len(lines) == 11 and lines[-1].startswith("grading [" + "#" * 30 + "] 20/20 recorded, 20 graded")


def test_a_job_sanitizes_every_submission_as_nbgrader_did(demo_class):
    """The course's own preprocessors against a gradebook built from the snapshot: the very cells
    nbgrader autograde ran, drew's deleted test cells restored included."""
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.core.submission import notebook_cells

    config = PyFileConfigLoader("nbgrader_config.py", str(demo_class)).load_config()
    database = f"sqlite:///{demo_class / 'gradebook.db'}"
    for assignment in ASSIGNMENTS:
        for student in demo.STUDENTS:  # li's are the Chinese editions
            nbgrader_id = demo.submitted_id(student, assignment)
            snapshot = CourseNotebook.read(database, nbgrader_id, config)
            assert "RepairCells" in [p.__name__ for p in snapshot.preprocessors]
            submitted = course.notebook_path(demo_class / "submitted" / student, nbgrader_id).read_text()
            graded = nbformat.read(course.notebook_path(demo_class / "autograded" / student, nbgrader_id), 4)
            assert jobs.sanitized_cells(submitted, snapshot) == notebook_cells(graded, "your notebook"), (student, nbgrader_id)


def test_a_notebook_the_course_lacks_has_no_snapshot(demo_class):
    assert CourseNotebook.read(f"sqlite:///{demo_class / 'gradebook.db'}", "08_transformers", None) is None


def test_a_pool_that_stops_answering_is_not_waited_on_for_ever():
    """A Dask cluster whose workers all died keeps its jobs pending for ever: nbgrader grades those
    notebooks itself, waiting for the first job no longer than its bound and for the others not at all."""
    from concurrent.futures import Future

    from autograder.class_grading.grade import Run

    finished = Future()
    finished.set_result(jobs.Graded(("cid", "01_init"), [("a", "x = 1")], []))
    run = Run(patience=0.2)
    run.futures = {("ada", "01_init"): Future(), ("bea", "01_init"): Future(), ("cid", "01_init"): finished}
    assert run.results_for("ada", "01_init", []) is None and run.stalled
    assert run.results_for("bea", "01_init", []) is None
    assert [why for *_, why in run.regraded] == ["its job did not finish within 0.2 s",
                                                 "its job did not finish within 0.2 s (an earlier job did not "
                                                 "finish either)"]
    assert run.results_for("cid", "01_init", [("a", "x = 1")]) == []  # a job that did finish still counts
