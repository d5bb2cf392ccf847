"""Shared helpers: grade a piece of student source code like the command line does.

Every worker of a test process is forked from one warm zygote (`catalog.shared_zygote`), as
every worker of an nbgrader process is, and so is every worker of the commands it runs
(`one_zygote_for_every_command`): the same confinement and limits, without paying for the
imports and the data at each grading or command."""
import os
import subprocess
import sys
import textwrap

import pytest

from autograder.cli import grade_file
from autograder.isolation.runner import grade_isolated
from catalog import shared_zygote


@pytest.fixture(scope="session", autouse=True)
def one_zygote_for_every_command():
    """The commands this test process runs (nbgrader, check, grade, pytest) fork their workers from
    its zygote too (`catalog.shared_zygote`, started when first needed): a command of this very
    Python (no shell), run as this user with this process's environment (all of its variables, and
    the same for its workers, `worker_env`: FASTAI_HOME, HOME, ...), is handed its door
    (autograder.isolation.zygote.door_variable), and so is this process's own grading once the door
    exists. Another command (`setpriv`: the attacks' run as nobody; a PATH without chromium; one
    given a door of its own, or "" for none) is given none; the command checks what it is given."""
    from autograder.isolation.zygote import DOOR_VARIABLE, door_variable, worker_env

    popen = subprocess.Popen.__init__
    doors: list = []

    with pytest.MonkeyPatch.context() as patch:
        def door():
            if not doors:
                doors.append(shared_zygote().door())
                patch.setenv(DOOR_VARIABLE, door_variable(doors[0])[DOOR_VARIABLE])
            return doors[0]

        def handing_the_door(self, args, *more, **options):
            env = os.environ if options.get("env") is None else options["env"]
            this_python = (isinstance(args, (list, tuple)) and str(args[0]) == sys.executable and not more
                           and "autograder.isolation.zygote" not in args  # a zygote's own start
                           and not any(options.get(k) for k in ("shell", "executable", "user", "group",
                                                                "extra_groups", "preexec_fn")))
            same_env = set(os.environ) - {DOOR_VARIABLE} <= set(env) and worker_env(env) == worker_env()
            if this_python and same_env and env.get(DOOR_VARIABLE) == os.environ.get(DOOR_VARIABLE):
                shared = door_variable(door())  # (a test's own door, or its "" for none, stays)
                options["env"] = {**env, **shared}
                options["pass_fds"] = (*options.get("pass_fds", ()), doors[0].fileno())
            popen(self, args, *more, **options)

        patch.setattr(subprocess.Popen, "__init__", handing_the_door)
        yield
    for opened in doors:
        opened.close()


@pytest.fixture
def grade(tmp_path):
    """grade(assignment, source) -> {check id: Result}, through a real .py submission file, as
    an instructor grades: every check, on the inputs drawn for grading, messages without values."""
    counter = iter(range(10**6))

    def run(assignment, source):
        path = tmp_path / f"submission_{next(counter)}.py"
        path.write_text(textwrap.dedent(source))
        return {r.id: r for r in grade_file(assignment, path, zygote=shared_zygote())}

    return run


@pytest.fixture
def practice():
    """practice(assignment, source) -> {check id: Result}: the public checks on the public inputs,
    in a sandboxed worker, with the details a student sees in their own copy."""
    def run(assignment, source):
        return {r.id: r for r in grade_isolated(assignment, [("answer.py", textwrap.dedent(source))], hidden=False,
                                                    zygote=shared_zygote())}

    return run


def public_case(assignment: str, name: str):
    """A public reference case (its inputs are what the practice messages show)."""
    from autograder.core import references

    return references.load(assignment, "public")[name]


@pytest.fixture(scope="session")
def demo_class(tmp_path_factory):
    """The demo class (course_tools/demo.py) through nbgrader: generate, autograde, feedback, export.
    Returns the course folder and the scores of grades.csv."""
    from course_tools import demo

    folder = tmp_path_factory.mktemp("demo") / "nbgrader"
    return folder, demo.run(folder)


# `python3.11 tasks.py test` runs the suite in parallel (pytest-xdist). Each file runs whole in one
# process, so a module's costly fixture (a class graded by nbgrader) is built once; the three files
# that read the graded demo class share one process, and one grading of it. `group` decides that,
# through xdist's scheduler hook: xdist's own `xdist_group` marks no longer reach its scheduler under
# pytest 9 (it renames a node id pytest 9 no longer reads), so every test went its own way and both
# processes built the demo class. The groups start in the order of IN_TURN (tasks.py keeps it with
# --no-loadscope-reorder): xdist gives each process two groups to begin with (with three processes:
# the first and the fourth, the second and the fifth, ...), then the next group to whichever
# process finishes one. The two groups that mostly wait (the attacks as nobody, then as root: they
# sit out wall-clock limits) so follow each other in one process, while the others compute (the
# catalogue, then the browser; the demo class, then the hostile submissions) on the cores it leaves.
SHARE_A_PROCESS = {"test_nbgrader.py": "demo_class", "test_class_grading.py": "demo_class",
                   "test_report.py": "demo_class"}
IN_TURN = ("test_attacks_as_nobody.py",  # group 1
           "test_catalog.py",  # group 2
           "test_class_grading.py", "test_nbgrader.py", "test_report.py",  # group 3: the demo class
           "test_attacks.py",  # group 4: after group 1, in its process
           "test_browser.py", "test_hostile.py", "test_notebooks.py", "test_empty_and_stubs.py", "test_pytest_face.py")


def group(nodeid: str) -> str:
    """The process group of a test: its file, or the group its file shares a process with."""
    name = nodeid.split("::")[0].rsplit("/", 1)[-1]
    return SHARE_A_PROCESS.get(name, name)


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: absent with -p no:xdist
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ByGroup(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return group(nodeid)

    return ByGroup(config, log)


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives JupyterLab in chromium (tests/browser.py)")
    config.addinivalue_line("markers", "same_for_any_user: an attack decided by the grader's own code, not by a worker's "
                            "confinement, so the grading user's privilege cannot change it: "
                            "test_attacks_as_nobody.py leaves it out")


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(IN_TURN)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order
