"""What a student sees in a notebook: `check` for the public checks, `grade` for test cells."""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from autograder.core.assignments import FUNCTIONS
from autograder.core.checks import find
from autograder.core.messages import notebook_language, say, speaking, translations
from autograder.isolation.runner import Result, run_checks

ASSIGNMENT_OF = {name: a for a, names in FUNCTIONS.items() for name in names}
CJK_FONTS = ("wqy", "notosanscjk", "notoserifcjk", "sourcehansans", "droidsansfallback", "simhei", "msyh")


def chinese_figures() -> str | None:
    """Let matplotlib draw the Chinese edition's figure labels: a CJK font of this machine
    becomes the fallback of matplotlib's default font, for the glyphs it lacks. Returns the
    font's name (None when the machine has none: the labels then show boxes, as in any
    matplotlib; the course's CI installs fonts-wqy-microhei)."""
    from matplotlib import font_manager, rcParams

    for path in sorted(font_manager.findSystemFonts()):
        if any(name in Path(path).name.lower().replace("-", "") for name in CJK_FONTS):
            font_manager.fontManager.addfont(path)
            found = font_manager.FontProperties(fname=path).get_name()
            rcParams["font.family"] = ["DejaVu Sans", found]
            return found
    return None


if "matplotlib.pyplot" in sys.modules and notebook_language() == "zh":  # a Chinese notebook's setup cell
    chinese_figures()


def check(function: str, namespace: dict) -> None:
    """Run the public checks of `function` on `namespace` (pass globals()) and print the verdict:
    one line when every public check passes, else the feedback of each failed check."""
    with speaking(notebook_language()):
        if function not in ASSIGNMENT_OF:
            print(say("There is no function {function!r} to check: choose one of {choices}.",
                      function=function, choices=", ".join(ASSIGNMENT_OF)))
            return
        results = run_checks(ASSIGNMENT_OF[function], namespace, hidden=False, function=function)
        print(format_verdict(function, results))


def format_verdict(function: str, results: list[Result]) -> str:
    failed = [r for r in results if not r.passed]
    if not failed:
        return say("✓ {function} passes its {count} public checks.", function=function, count=len(results))
    if len({r.message for r in failed}) == 1:  # one cause (not written yet, not defined): say it once
        return f"✗ {failed[0].message}"
    lines = [say("✗ {function} fails {failed} of its {count} public checks:", function=function,
                 failed=len(failed), count=len(results))]
    lines += [f"- {r.id}: {r.message}" for r in failed]
    return "\n".join(lines)


def grade(check_id: str, namespace: dict) -> float:
    """For an nbgrader test cell: run one check (public or hidden), print its verdict, and
    return the points earned.

    Make it the cell's last expression: nbgrader reads that number as the cell's score
    (partial credit between 0 and the cell's points). The cell never raises, so running a
    notebook top to bottom goes on past a check that fails.
    """
    found = find(check_id)
    with speaking(notebook_language()):
        (result,) = run_checks(found.assignment, namespace, ids=(check_id,))
        print(verdict(result), file=sys.stderr if not result.passed and validating() else sys.stdout)
    return result.points


def validating() -> bool:
    """Whether nbgrader's Validate runs this notebook (its button in JupyterLab, or `nbgrader
    validate`). Its dialog shows a failed test cell's stderr and nothing else of what the cell
    printed, so a failed check's verdict goes there: the student reads the message, not
    nbgrader's "Partial credit; passed some but not all of the tests" for a check that scored 0.
    In the student's own notebook, and when graded, the verdict stays on stdout."""
    return os.environ.get("NBGRADER_VALIDATING") == "1"


def verdict(result: Result) -> str:
    """What a graded cell prints: '✓ id: 2/2', or '✗ id: 0/2' and the message."""
    if result.passed:
        return f"✓ {result.id}: {result.points:g}/{result.max_points:g}"
    return f"✗ {result.id}: 0/{result.max_points:g}\n{result.message}"


@contextlib.contextmanager
def uses_your_code():
    """Around a demonstration that calls your functions: if one is not written yet, say so
    and carry on, so that running the notebook top to bottom never stops there."""
    try:
        yield
    except NotImplementedError:
        with speaking(notebook_language()):
            print(say("(This runs once you have written the functions above.)"))


translations("zh", {
    "There is no function {function!r} to check: choose one of {choices}.":
        "没有可以检查的函数 {function!r}：请从 {choices} 中选一个。",
    "✓ {function} passes its {count} public checks.": "✓ {function} 通过了全部 {count} 项公开检查。",
    "✗ {function} fails {failed} of its {count} public checks:": "✗ {function} 的 {count} 项公开检查中有 {failed} 项没有通过：",
    "(This runs once you have written the functions above.)": "（等你写好上面的函数，这里就会运行。）",
})
