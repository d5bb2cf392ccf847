"""The suite's parallel run (tests/conftest.py): a file's tests share one process, so a costly
module fixture is built once, and the three files of the demo class share one process too."""
import re
import subprocess
import sys
from pathlib import Path

from conftest import IN_TURN, SHARE_A_PROCESS, group

TESTS = Path(__file__).resolve().parent

# A suite of quick tests under the suite's own names, with the suite's conftest.py
CONFTEST = f'''
import importlib.util
spec = importlib.util.spec_from_file_location("the_suites_conftest", {str(TESTS / "conftest.py")!r})
suite = importlib.util.module_from_spec(spec)
spec.loader.exec_module(suite)
pytest_xdist_make_scheduler = suite.pytest_xdist_make_scheduler
pytest_collection_modifyitems = suite.pytest_collection_modifyitems
'''
QUICK = "def test_one():\n    pass\n\n\ndef test_two():\n    pass\n"


def test_the_demo_classs_files_share_a_group_and_other_files_have_their_own():
    assert group("tests/test_nbgrader.py::test_x[ada]") == group("tests/test_report.py::test_y") == \
        group("tests/test_class_grading.py::test_z") == "demo_class"
    assert group("tests/test_checks.py::test_x") == "test_checks.py" != group("tests/test_layers.py::test_x")


def run_quick_suite(tmp_path, files, processes):
    """{group: the xdist workers that ran its tests}, for quick stand-ins of `files` run in parallel
    as `tasks.py test` runs the suite."""
    (tmp_path / "conftest.py").write_text(CONFTEST)
    for file in files:
        (tmp_path / file).write_text(QUICK)
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--numprocesses={processes}",
                           "--dist=loadfile", "--no-loadscope-reorder", "-v", "--rootdir", str(tmp_path), *files],
                          capture_output=True, text=True, cwd=tmp_path, timeout=600,
                          env={"PYTHONPATH": str(TESTS), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    where: dict[str, set[str]] = {}
    for worker, file in re.findall(r"^\[(gw\d+)\] .*?PASSED (test_\w+\.py)::", done.stdout, re.M):
        where.setdefault(group(file), set()).add(worker)
    assert set(where) == {group(file) for file in files}, done.stdout[-3000:]
    return where


def test_in_a_parallel_run_each_group_runs_in_one_process(tmp_path):
    """What `tasks.py test` asks of pytest-xdist. Before the scheduler hook, pytest 9 and xdist 3.8
    ignored the groups: the demo class's files went to both processes, and both graded the class."""
    where = run_quick_suite(tmp_path, [*SHARE_A_PROCESS, "test_checks.py", "test_layers.py"], 2)
    assert all(len(workers) == 1 for workers in where.values()), where
    assert len(set().union(*where.values())) == 2, where  # and both processes had work


def test_the_attacks_wait_in_one_process_while_the_others_compute(tmp_path):
    """With three processes (two cores and one more), the attacks as nobody and as root, which
    mostly wait, run one after the other in one process; the catalogue and the demo class each
    start in another."""
    where = run_quick_suite(tmp_path, list(IN_TURN), 3)
    (attacks,) = where["test_attacks_as_nobody.py"]
    assert where["test_attacks.py"] == {attacks}, where
    assert attacks not in where["test_catalog.py"] | where["demo_class"], where
    assert where["test_catalog.py"] != where["demo_class"], where
