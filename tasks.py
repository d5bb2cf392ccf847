#!/usr/bin/env python3.11
"""The course's task runner. It needs only Python 3.11: on first use it creates
.venv, installs the project into it, then runs the task inside it.

    python3.11 tasks.py demo         the main job: build the references, grade the solutions
    python3.11 tasks.py test         the test suite, in parallel (add -n 0 for one process)
    python3.11 tasks.py references   rebuild the reference tensors from solutions/
    python3.11 tasks.py release      the Chinese notebooks into source/, then release/ with nbgrader
    python3.11 tasks.py mistakes     the report on the catalogue of student mistakes
    python3.11 tasks.py hostile      the reports on broken and hostile submissions, and on attacks
    python3.11 tasks.py bench        nbgrader autograde against `python -m autograder grade`, timed
    python3.11 tasks.py lab          JupyterLab on the student notebooks of release/

Extra arguments go to the task (`python3.11 tasks.py test -k data`).
"""
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("COURSE_VENV", ROOT / ".venv"))
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".installed"  # holds a hash of pyproject.toml: reinstall when it changes

# JupyterLab as `lab` starts it. --allow-root: a container, or a course machine, often runs as
# root, where JupyterLab otherwise refuses to start ("Running as root is not recommended").
LAB = ["-m", "jupyterlab", "--allow-root"]

# The suite runs in one more process than there are cores (at most 5). Some of its tests wait out
# wall-clock limits (attacks that sleep, or stop reading), and a process that waits leaves its core
# idle unless another process takes it. On 2 cores (tests/conftest.py's order): 2 processes, 574 s
# with 17% of the CPU idle; 3 processes, 515 s with 3% idle, for 6% more CPU time (each process
# imports torch and warms a zygote of its own).
# (macOS has no sched_getaffinity; `tasks.py lab` runs there too)
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
SUITE_PROCESSES = min(CORES + 1, 5)

TASKS = {
    "demo": ["-m", "autograder", "demo"],
    "test": ["-m", "pytest", f"--numprocesses={SUITE_PROCESSES}", "--dist=loadfile", "--no-loadscope-reorder"],
    "references": ["-m", "autograder", "references"],
    "release": ["-m", "autograder", "release"],
    "mistakes": ["tests/catalog.py"],
    "hostile": ["tests/hostile.py"],
    "bench": ["tests/bench.py"],
    "lab": [*LAB, "release"],
}


# Installed, then removed again: rfc3987-syntax 1.1.0 builds an Earley parser when it is imported,
# and jsonschema imports it whenever it is there (jupyter-events asks for jsonschema[format-nongpl]).
# That is 1.7 s in every process that reads a notebook (nbformat imports jsonschema): each nbgrader
# command, each `python -m autograder report`. Without it jsonschema checks no "iri" format, which
# no notebook and no nbgrader file uses. Upstream: python-jsonschema/jsonschema issue #1392.
WITHOUT = ["rfc3987-syntax"]

# The suite runs more processes than cores, and each runs its commands and kernels one after the
# other: torch's thread pool of one per core in each only spins against the others (the in-process
# grading of the catalogue: 98 CPU-s with two threads, 70 with one, and no slower). The sandboxed
# workers have one thread already (autograder/isolation/zygote.py). A value set by the caller stays.
ONE_THREAD_EACH = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def ensure_venv() -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + " ".join(WITHOUT).encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"tasks.py: run it with Python 3.11 (this is {sys.version.split()[0]})")
    print(f"tasks.py: installing the course into {VENV} (a few minutes, once)", flush=True)
    venv.create(VENV, with_pip=True)
    # compat mode puts the project folder on the venv's path, so solutions/ imports too
    # while the wheel built from this project (what students get) holds the autograder only.
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--editable", f"{ROOT}[browser]",
                    "--config-settings", "editable_mode=compat"], check=True)
    subprocess.run([str(PYTHON), "-m", "pip", "uninstall", "--quiet", "--yes", *WITHOUT], check=True)
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in TASKS:
        print(__doc__)
        return 2
    ensure_venv()
    env = dict(os.environ, PATH=f"{VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    if argv[0] == "test":
        env = {**ONE_THREAD_EACH, **env}
    return subprocess.run([str(PYTHON), *TASKS[argv[0]], *argv[1:]], cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
