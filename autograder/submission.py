"""A student's submission, a .py file or a notebook: its code, and where it runs.

`read_cells` reads the code without running it. The namespace it runs in starts as
the notebooks do (`provided`): `torch`, `nn`, `F`, `tensor`, and the functions of
the earlier steps (reference versions, as the notebooks provide them). Code that
does not run is not an error of the command: its functions are simply missing,
and `run_cell` says why, pointing at the student's line.
"""
from __future__ import annotations

import importlib
import json
import linecache
from pathlib import Path

from autograder.assignments import FUNCTIONS, earlier, module_name
from autograder.student import describe_exception

PREAMBLE = "import torch\nfrom torch import nn, tensor\nimport torch.nn.functional as F\n"
FASTAI_PREAMBLE = "from fastai.learner import Learner\nfrom fastai.optimizer import SGD\n"


class SubmissionError(ValueError):
    """The file itself cannot be graded: missing, unreadable, or not a .py or notebook."""


def provided(assignment: str) -> dict:
    """The namespace a student's code starts in for `assignment`."""
    namespace: dict = {"__name__": "__student__"}
    exec(PREAMBLE, namespace)
    if assignment == "07_relu_net":
        exec(FASTAI_PREAMBLE, namespace)
    for step in earlier(assignment):
        module = importlib.import_module(f"solutions.{module_name(step)}")
        namespace.update({name: getattr(module, name) for name in FUNCTIONS[step]})
    return namespace


def read_cells(path: str | Path) -> list[tuple[str, str]]:
    """The code to run, as (name, source) pairs: the whole .py file, or a notebook's cells.

    Raises SubmissionError for a file that cannot be graded at all. Nothing runs here.
    """
    path = Path(path)
    if not path.is_file():
        raise SubmissionError(f"{path}: no such file")
    if path.suffix not in (".py", ".ipynb"):
        raise SubmissionError(f"{path}: expected a .py file or a .ipynb notebook")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SubmissionError(f"{path}: cannot be read ({error})") from None
    if path.suffix == ".py":
        return [(str(path), text)]
    try:
        return notebook_cells(json.loads(text), str(path))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise SubmissionError(f"{path}: not a valid notebook ({error})") from None


def notebook_cells(notebook: dict, label: str) -> list[tuple[str, str]]:
    """A notebook's code cells to run: all but nbgrader's test cells and the cells tagged
    "demo" or "check" (demonstrations and the student's own public checks, which decide no
    grade), with IPython syntax made Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    transform = TransformerManager().transform_cell
    chosen = []
    for number, cell in enumerate(notebook["cells"], 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        metadata = cell.get("metadata", {})
        meta = metadata.get("nbgrader", {})
        if (meta.get("grade") and not meta.get("solution")) or {"demo", "check"} & set(metadata.get("tags", [])):
            continue  # a test cell (the grader runs its own checks instead), or one that grades nothing
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        chosen.append((f"{label} [cell {number}]", transform(source)))
    return chosen


class _NoIPython:
    """Stands in for get_ipython() outside a kernel: magics and shell lines do nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def run_cell(name: str, source: str, namespace: dict) -> str | None:
    """Run one file or cell; return what went wrong, in the student's terms, or None."""
    namespace.setdefault("get_ipython", _NoIPython)
    # tracebacks quote the student's lines from here, even where their file cannot be read
    linecache.cache[name] = (len(source), None, source.splitlines(keepends=True), name)
    try:
        code = compile(source, name, "exec")
    except SyntaxError as error:
        line = (error.text or "").strip()
        return (f"{name} does not run: {type(error).__name__} at line {error.lineno}: {error.msg}"
                + (f"\n  {line}" if line else ""))
    try:
        exec(code, namespace)
    except (Exception, SystemExit) as error:
        return f"{name} stopped: " + describe_exception("your code", error)
    return None
