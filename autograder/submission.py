"""Load a student's submission, a .py file or a notebook, into a namespace to grade.

The namespace starts as the notebooks do: `torch`, `nn`, `F`, `tensor`, and the
functions of the earlier steps (reference versions, as the notebooks provide
them). Then the student's code runs in it. Code that does not run is not an
error of the command: its functions are simply missing, and `problem` says why,
pointing at the student's line.
"""
from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from pathlib import Path

from autograder.assignments import FUNCTIONS, earlier, module_name
from autograder.student import describe_exception

PREAMBLE = "import torch\nfrom torch import nn, tensor\nimport torch.nn.functional as F\n"
FASTAI_PREAMBLE = "from fastai.learner import Learner\nfrom fastai.optimizer import SGD\n"


class SubmissionError(ValueError):
    """The file itself cannot be graded: missing, unreadable, or not a .py or notebook."""


@dataclass
class Submission:
    namespace: dict
    problem: str | None  # why the student's code did not run to the end, if it did not


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


def load(assignment: str, path: str | Path) -> Submission:
    """Run the student's file in the provided namespace; raise SubmissionError for a bad file."""
    path = Path(path)
    if not path.is_file():
        raise SubmissionError(f"{path}: no such file")
    if path.suffix not in (".py", ".ipynb"):
        raise SubmissionError(f"{path}: expected a .py file or a .ipynb notebook")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SubmissionError(f"{path}: cannot be read ({error})") from None
    cells = [(str(path), text)] if path.suffix == ".py" else _notebook_cells(path, text)
    namespace = provided(assignment)
    problems = [p for p in (_run(name, source, namespace) for name, source in cells) if p]
    return Submission(namespace, "\n".join(problems) or None)


def _notebook_cells(path: Path, text: str) -> list[tuple[str, str]]:
    """The code cells to run: all but nbgrader's test cells, with IPython syntax made Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        notebook = json.loads(text)
        cells = notebook["cells"]
    except (ValueError, KeyError, TypeError) as error:
        raise SubmissionError(f"{path}: not a valid notebook ({error})") from None
    transform = TransformerManager().transform_cell
    chosen = []
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            continue  # a test cell: the grader runs its own checks instead
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        chosen.append((f"{path} [cell {number}]", transform(source)))
    return chosen


class _NoIPython:
    """Stands in for get_ipython() outside a kernel: magics and shell lines do nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def _run(name: str, source: str, namespace: dict) -> str | None:
    """Run one file or cell; return what went wrong, in the student's terms, or None."""
    namespace.setdefault("get_ipython", _NoIPython)
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
