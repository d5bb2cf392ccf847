"""The checks as pytest tests: grade a submission with pytest, in any CI, with points.

    python -m pytest --submission FILE [--assignment ID] [--junitxml report.xml]

The package registers this plugin (entry point `pytest11`); it does nothing unless
`--submission` is given. Then pytest collects the submission alone: one item per check
of the assignment, public and hidden, named by the check's id. The submission is graded
once, exactly as `python -m autograder check` grades it (the same sandboxed worker, the
same limits), and each item passes or fails with that verdict; a failure shows the
check's message, nothing of pytest's traceback. A hidden check that cannot run here (a
student's copy of the autograder) is skipped, "not run", never passed. Each item records
`points`, `max_points` and `hidden` (JUnit XML properties, with --junitxml), and the
summary ends with `score 7/10`. Without --assignment, the assignment is the one whose
checks the notebook's graded cells name (a release notebook), or the file's name.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from autograder.core.messages import language_of, notebook_language, say, speaking, translations


def pytest_addoption(parser) -> None:
    group = parser.getgroup("autograder", "grading a submission with the course's checks")
    group.addoption("--submission", metavar="FILE", help="a .py file or a notebook to grade: one test per check")
    group.addoption("--assignment", metavar="ID", help="its assignment (default: from the notebook or file name)")


def pytest_configure(config) -> None:
    path = config.getoption("submission", None)
    if not path:
        return
    from autograder.core.assignments import UnknownAssignment, edition
    from autograder.core.submission import SubmissionError, read_cells

    path = Path(path)
    with speaking(submission_language(path, config.getoption("assignment"))):  # its errors, in the submission's language
        try:
            cells = read_cells(path)
            assignment, language = edition(config.getoption("assignment") or assignment_of(path))
        except (SubmissionError, UnknownAssignment) as error:
            raise pytest.UsageError(f"autograder: {error}") from None
    config.args[:] = [str(path)]  # the submission is the only thing to collect
    config.pluginmanager.register(Grading(path, assignment, cells, language), "autograder-grading")


def submission_language(path: Path, assignment: str | None) -> str:
    """The language a submission's usage errors are said in: its edition's, as --assignment or the
    file's name says it (03_sigmoid_loss_zh.ipynb), else the one a notebook of this folder speaks."""
    return language_of(assignment or "") or language_of(path.stem) or notebook_language()


def assignment_of(path: Path) -> str:
    """The assignment a release notebook's graded cells belong to, or the one the file is named after."""
    import json

    from autograder.core.assignments import ASSIGNMENTS, COURSE_ASSIGNMENTS
    from autograder.core.checks import checks_for

    if path.stem in COURSE_ASSIGNMENTS:
        return path.stem
    if path.suffix == ".ipynb":
        ids = {c.id: a for a in ASSIGNMENTS for c in checks_for(a)}
        for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id in ids:
                return ids[grade_id]
    raise pytest.UsageError(say("autograder: {path}: which assignment is it? Say it with --assignment ID", path=path))


class Grading:
    """The grading of one submission: done once, on the first check that asks for it."""

    def __init__(self, path: Path, assignment: str, cells: list[tuple[str, str]], language: str = "en"):
        self.path, self.assignment, self.cells, self.language = path, assignment, cells, language
        self._results: dict | None = None
        self.earned = self.possible = self.not_run = 0.0

    def result(self, check_id: str):
        if self._results is None:
            from autograder.isolation.runner import grade_isolated

            with speaking(self.language):  # the edition's: 03_sigmoid_loss_zh.ipynb is answered in Chinese
                self._results = {r.id: r for r in grade_isolated(self.assignment, self.cells)}
        return self._results[check_id]

    def pytest_collect_file(self, file_path, parent):
        if file_path.resolve() == self.path.resolve():
            return Submission.from_parent(parent, path=file_path, grading=self)
        return None

    def pytest_unconfigure(self, config) -> None:
        """The last line: the score, after pytest's own summary."""
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if self._results is not None and reporter is not None:
            with speaking(self.language):
                if self.not_run:
                    line = say("score {earned:g}/{possible:g} ({not_run:g} points of hidden checks not run here)",
                               earned=self.earned, possible=self.possible, not_run=self.not_run)
                else:
                    line = say("score {earned:g}/{possible:g}", earned=self.earned, possible=self.possible)
            reporter.write_line(line)


class Submission(pytest.File):
    def __init__(self, *, grading: Grading, **kwargs):
        super().__init__(**kwargs)
        self.grading = grading

    def collect(self):
        from autograder.core.checks import checks_for

        for check in checks_for(self.grading.assignment):
            yield CheckItem.from_parent(self, name=check.id, check=check)


class CheckFailed(Exception):
    """A check's verdict: its message is all the student needs to read."""


class CheckItem(pytest.Item):
    def __init__(self, *, check, **kwargs):
        super().__init__(**kwargs)
        self.check = check
        self.user_properties += [("max_points", check.points), ("hidden", check.hidden)]

    def runtest(self) -> None:
        grading = self.parent.grading
        result = grading.result(self.check.id)
        self.user_properties.append(("points", result.points))
        if result.hidden and result.status == "not run":
            grading.not_run += result.max_points
            pytest.skip(result.message.splitlines()[0])
        grading.earned += result.points
        grading.possible += result.max_points
        if not result.passed:
            raise CheckFailed(result.message)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CheckFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        with speaking(self.parent.grading.language):
            if self.check.points == 1:
                about = say("{check} ({points:g} point)", check=self.check.id, points=self.check.points)
            else:
                about = say("{check} ({points:g} points)", check=self.check.id, points=self.check.points)
        return self.path, None, about


translations("zh", {
    "autograder: {path}: which assignment is it? Say it with --assignment ID":
        "autograder: {path}：这是哪一份作业？请用 --assignment ID 指明",
    "score {earned:g}/{possible:g} ({not_run:g} points of hidden checks not run here)":
        "得分 {earned:g}/{possible:g}（隐藏检查的 {not_run:g} 分在这里没有运行）",
    "score {earned:g}/{possible:g}": "得分 {earned:g}/{possible:g}",
    "{check} ({points:g} point)": "{check}（{points:g} 分）",
    "{check} ({points:g} points)": "{check}（{points:g} 分）",
})
