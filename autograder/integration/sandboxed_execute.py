"""nbgrader's autograde, with the student's code run in the sandbox instead of a kernel.

`SandboxedExecute` takes the place of nbgrader's `Execute` preprocessor (see
nbgrader_config.py). It grades the notebook with `grade_isolated`: the student's
cells run in a locked-down worker, the checks compare here. Then each test cell
receives what `grade()` would print and, as its result, the points earned, so
nbgrader's own SaveAutoGrades records them. Whatever the student's code does to
its interpreter, it cannot change a score; demonstration cells do not run.

Every notebook an nbgrader process grades gets a worker forked from one warm zygote,
started with the first notebook: the imports and the data are loaded once per process, not
once per notebook.

Under `python -m autograder grade`, the notebook was graded already, in parallel, by a
job that ran the very same cells: that command sets `SandboxedExecute.precomputed`, and its
results are used instead (autograder.class_grading.grade).
"""
from __future__ import annotations

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Float

import atexit

from autograder.integration.cell_record import RECORD, record
from autograder.isolation.zygote import ZygoteFailed
from autograder.core.assignments import edition
from autograder.core.messages import say, speaking, translations
from autograder.core.limits import Limits
from autograder.core.submission import notebook_cells

# Not imported here: the grading (runner, feedback), which imports torch. Every nbgrader command reads
# this module through nbgrader_config.py (export, feedback, the formgrader), and only autograde grades.


class SandboxedExecute(NbGraderPreprocessor):
    check_seconds = Float(Limits.check_seconds, help="CPU seconds one check may compute; it may wait three times as long.").tag(config=True)
    submission_seconds = Float(Limits.submission_seconds,
                               help="Seconds all the checks of one notebook may take.").tag(config=True)
    memory_gib = Float(Limits.memory_bytes / 2**30,
                       help="Memory the student's code may allocate beyond what the worker has loaded, in GiB.").tag(config=True)

    @property
    def limits(self) -> Limits:
        """The bounds the course's configuration sets."""
        return Limits(check_seconds=self.check_seconds, submission_seconds=self.submission_seconds,
                      memory_bytes=int(self.memory_gib * 2**30))

    # Set by `python -m autograder grade` while its run lasts: an object with
    # results_for(student, assignment, cells) -> results or None, and recorded().
    precomputed = None
    _zygote = None  # the warm fork server of this process's workers

    def preprocess(self, nb, resources):
        from autograder.isolation.runner import grade_isolated

        nbgrader_id, student = resources["nbgrader"]["assignment"], resources["nbgrader"]["student"]
        assignment, language = edition(nbgrader_id)  # an edition (01_init_zh): its assignment's checks, its language
        cells = notebook_cells(nb, "your notebook")
        run = SandboxedExecute.precomputed  # graded already, in parallel?
        results = run.results_for(student, nbgrader_id, cells) if run else None
        if results is None:
            about: dict = {}
            with speaking(language):
                try:
                    results = grade_isolated(assignment, cells, self.limits, zygote=self.zygote(), timing=about)
                except ZygoteFailed:  # it died under this notebook: grade it with a fork server of its own
                    SandboxedExecute._zygote = None
                    results = grade_isolated(assignment, cells, self.limits, timing=about)
            self._report(about.get("confinement"))
        if run:
            run.recorded()
        results = {r.id: r for r in results}
        for cell in nb.cells:
            cell.metadata.pop(RECORD, None)  # only the grading writes a record, never the submission
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
                result = results.get(meta.get("grade_id"))
                with speaking(language):
                    cell.outputs = _outputs(result, meta.get("grade_id"))
                if result is not None:
                    cell.metadata[RECORD] = record(result)
        return nb, resources


    _reported = False

    @classmethod
    def zygote(cls):
        """This process's warm fork server of workers (started with the first notebook)."""
        from autograder.isolation.zygote import ZygoteFailed, start

        if cls._zygote is not None and not cls._zygote.running():
            cls._zygote = None  # it died: a new one
        if cls._zygote is None:
            cls._zygote = start(assignments=[])  # or a grader of the one this process was given
            atexit.register(cls._zygote.close)
        try:
            cls._zygote.confinement  # noqa: B018  (it started)
        except ZygoteFailed:
            cls._zygote = None
            return None  # grade_isolated starts one of its own
        return cls._zygote

    def _report(self, confinement: dict | None) -> None:
        """Say once, in nbgrader's log, what the sandbox holds here, and warn of what it cannot."""
        if confinement is None or SandboxedExecute._reported:
            return
        SandboxedExecute._reported = True
        self.log.info("sandbox: " + "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in confinement["held"].items()))
        for what in confinement["unprotected"]:
            self.log.warning("sandbox: %s is not protected here: %s", what.replace("_", " "),
                             confinement["held"][what])


def _outputs(result, grade_id):
    from autograder.integration.feedback import verdict

    if result is None:
        return [nbformat.v4.new_output("error", ename="UnknownCheck", evalue=str(grade_id),
                                       traceback=[say("{grade_id} is not a check of this assignment",
                                                      grade_id=grade_id)])]
    return [nbformat.v4.new_output("stream", name="stdout", text=verdict(result) + "\n"),
            nbformat.v4.new_output("execute_result", data={"text/plain": repr(float(result.points))},
                                   execution_count=None)]


translations("zh", {"{grade_id} is not a check of this assignment": "{grade_id} 不是这份作业的检查"})
