"""A student's submission, a .py file or a notebook: its code, and where it runs.

`read_cells` reads the code without running it, bounded: a file too large, not UTF-8, a
notebook that is not JSON or nests too deeply is refused with one line. The code every
student starts with (`provided_source`) is public: `torch`, `nn`, `F`, `tensor`, and the
functions of the earlier steps exactly as the assignment's release notebook provides
them, read from that notebook in the grader and sent to the worker as text. No solution
module is ever imported where student code runs. `run_cell` runs one cell there
(IPython syntax made Python first) and says what went wrong in the student's terms.
"""
from __future__ import annotations

import json
import linecache
from functools import lru_cache
from pathlib import Path

from autograder.core.assignments import module_name
from autograder.core.messages import say, translations
from autograder.core.paths import RELEASE, notebook_path

PREAMBLE = "import torch\nfrom torch import nn, tensor\nimport torch.nn.functional as F\n"
FASTAI_PREAMBLE = "from fastai.learner import Learner\nfrom fastai.optimizer import SGD\n"
MAX_BYTES = 20 * 2**20  # a larger submission is refused before it is read


class SubmissionError(ValueError):
    """The file itself cannot be graded: missing, unreadable, or not a .py or notebook."""


@lru_cache(maxsize=None)
def provided_source(assignment: str) -> str:
    """The code a student's work starts with in `assignment`: the imports of the notebooks and
    the cell of earlier steps' functions of its release notebook (none in a copy without
    release/, such as the wheel students install)."""
    module_name(assignment)  # an unknown assignment is an error, not an empty start
    source = PREAMBLE + (FASTAI_PREAMBLE if assignment == "07_relu_net" else "")
    path = notebook_path(RELEASE, assignment)
    if path.is_file():
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == f"provided_{assignment}":
                source += "".join(cell["source"]) + "\n"
    return source


def published(name: str) -> str | None:
    """The course's own version of the function `name`, as a later notebook publishes it (in its
    cell of earlier steps' functions); None in a copy without release/."""
    from autograder.core.assignments import ASSIGNMENTS
    from autograder.core.source import definitions

    for assignment in reversed(ASSIGNMENTS):
        found = definitions([("provided", provided_source(assignment))]).get(name)
        if found:
            return found
    return None


def read_cells(path: str | Path) -> list[tuple[str, str]]:
    """The code to run, as (name, source) pairs: the whole .py file, or a notebook's cells.

    Raises SubmissionError for a file that cannot be graded at all. Nothing runs here.
    """
    path = Path(path)
    try:
        if path.is_symlink():
            raise SubmissionError(say("{path}: a symbolic link, not a file: submit the file itself", path=path))
        if not path.is_file():
            raise SubmissionError(say("{path}: no such file", path=path))
        if path.suffix not in (".py", ".ipynb"):
            raise SubmissionError(say("{path}: expected a .py file or a .ipynb notebook", path=path))
        if path.stat().st_size > MAX_BYTES:
            raise SubmissionError(say("{path}: larger than {size} MB", path=path, size=MAX_BYTES // 2**20))
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SubmissionError(say("{path}: cannot be read ({error})", path=path, error=error)) from None
    if path.suffix == ".py":
        return [(str(path), text)]
    try:
        return notebook_cells(json.loads(text), str(path))
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
        raise SubmissionError(say("{path}: not a valid notebook ({error})", path=path,
                                  error=type(error).__name__)) from None


def notebook_cells(notebook: dict, label: str) -> list[tuple[str, str]]:
    """A notebook's code cells to run: all but nbgrader's test cells and the cells tagged
    "demo" or "check" (demonstrations and the student's own public checks, which decide no
    grade). Their IPython syntax is made Python in the worker, within the cell's time."""
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
        chosen.append((f"{label} [cell {number}]", source))
    return chosen


class _NoIPython:
    """Stands in for get_ipython() outside a kernel: magics and shell lines do nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def run_cell(name: str, source: str, namespace: dict) -> str | None:
    """Run one file or cell; return what went wrong, in the student's terms, or None."""
    from IPython.core.inputtransformer2 import TransformerManager

    from autograder.core.student import failure_of

    namespace.setdefault("get_ipython", _NoIPython)
    blank = len(source) - len(source.lstrip("\n"))  # IPython drops leading blank lines: keep the numbering
    try:
        source = "\n" * blank + TransformerManager().transform_cell(source)
    except Exception as error:  # IPython gives up on some inputs (lines that keep changing)
        return say("{name} does not run: IPython cannot read it ({error})", name=name, error=type(error).__name__)
    # tracebacks quote the student's lines from here, even where their file cannot be read
    linecache.cache[name] = (len(source), None, source.splitlines(keepends=True), name)
    try:
        code = compile(source, name, "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        line = (getattr(error, "text", None) or "").strip()
        if getattr(error, "lineno", None):
            said = say("{name} does not run: {error} at line {line}: {message}", name=name,
                       error=type(error).__name__, line=error.lineno, message=getattr(error, "msg", error))
        else:
            said = say("{name} does not run: {error}: {message}", name=name, error=type(error).__name__,
                       message=getattr(error, "msg", error))
        return said + (f"\n  {line}" if line else "")  # the line itself, as code
    try:
        exec(code, namespace)
    except (Exception, SystemExit) as error:
        failure = failure_of("your code", error)
        if failure.kind == "not implemented":
            return say("{name} stopped: your code raised NotImplementedError", name=name)
        if failure.kind == "exit":
            return say("{name} stopped: your code called sys.exit({code!r})", name=name, code=error.code)
        if failure.kind == "memory":
            return say("{name} stopped: your code ran out of memory", name=name)
        return say("{name} stopped: your code raised {error}", name=name, error=failure.details)
    return None


translations("zh", {
    "{path}: a symbolic link, not a file: submit the file itself": "{path}：这是一个符号链接，不是文件：请提交文件本身",
    "{path}: no such file": "{path}：没有这个文件",
    "{path}: expected a .py file or a .ipynb notebook": "{path}：预期是一个 .py 文件或 .ipynb 笔记本",
    "{path}: larger than {size} MB": "{path}：文件超过了 {size} MB",
    "{path}: cannot be read ({error})": "{path}：无法读取（{error}）",
    "{path}: not a valid notebook ({error})": "{path}：不是有效的笔记本（{error}）",
    "{name} does not run: IPython cannot read it ({error})": "{name} 无法运行：IPython 无法读取它（{error}）",
    "{name} does not run: {error} at line {line}: {message}": "{name} 无法运行：第 {line} 行有 {error}：{message}",
    "{name} does not run: {error}: {message}": "{name} 无法运行：{error}：{message}",
    "{name} stopped: your code raised NotImplementedError": "{name} 中途停止了：你的代码抛出了 NotImplementedError",
    "{name} stopped: your code called sys.exit({code!r})": "{name} 中途停止了：你的代码调用了 sys.exit({code!r})",
    "{name} stopped: your code ran out of memory": "{name} 中途停止了：你的代码耗尽了内存",
    "{name} stopped: your code raised {error}": "{name} 中途停止了：你的代码抛出了 {error}",
})
