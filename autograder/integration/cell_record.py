"""What a graded test cell keeps of its check in the autograded notebook, under the cell metadata
key RECORD: written by `sandboxed_execute.SandboxedExecute`, read back by the class report and the
exports (`class_grading.records`). It imports nothing: a reader of the records does not load the
preprocessor, its sandbox and nbgrader's preprocessors with it."""
from __future__ import annotations

RECORD = "autograder"


def record(result) -> dict:
    """What the grading found in one check (a `runner.Result`): its status (runner.STATUSES), the
    id of the known mistake it named, its points, and the first line of its message."""
    return {"check": result.id, "status": result.status, "mistake": result.mistake, "points": result.points,
            "max_points": result.max_points, "hidden": result.hidden,
            "summary": result.message.split("\n", 1)[0] if not result.passed else ""}
