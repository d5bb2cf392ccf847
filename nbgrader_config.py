"""nbgrader settings of the course: `nbgrader ...` reads this file from the course folder."""
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearHiddenTests,
                                    ClearOutput, DeduplicateIds, GetGrades, IgnorePattern,
                                    LimitOutput, OverwriteCells, OverwriteKernelspec, SaveAutoGrades)

from autograder.integration.links import refuse_links
from autograder.integration.repair_cells import RepairCells
from autograder.integration.sandboxed_execute import SandboxedExecute

c = get_config()  # noqa: F821  (nbgrader provides get_config)

c.CourseDirectory.course_id = "mnist-sgd"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"

# Autograde runs the student's code in the course's sandbox, not in a kernel: a separate
# process as `nobody`, with bounded time, memory and output, whose results are compared in
# a process that never ran student code (autograder/integration/sandboxed_execute.py). Same pipeline
# as nbgrader's own otherwise.
# A submission that is, or holds, a symbolic link is refused before nbgrader reads or copies it.
c.Autograde.pre_convert_hook = refuse_links
c.Autograde.sanitize_preprocessors = [
    RepairCells,  # graded cells get their released metadata back, whatever a student did to it
    ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata,
]
c.Autograde.autograde_preprocessors = [
    SandboxedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
    AssignLatePenalties, CheckCellMetadata,
]
c.SandboxedExecute.check_seconds = 30  # a check trains a network for a few seconds at most
c.SandboxedExecute.submission_seconds = 300  # all the checks of one notebook
c.SandboxedExecute.memory_gib = 1  # beyond what the worker loaded itself

# A test cell a student deleted comes back, run as written (its edits are overwritten anyway).
c.OverwriteCells.add_missing_cells = True

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# nbgrader zeroes a test cell that writes to stderr. The autograder silences the one warning
# fastai's import prints; this drops it from any output should it appear anyway.
c.IgnorePattern.pattern = r"`torch\.jit\.script` is deprecated"

# Feedback shows the hidden checks' results and messages, never their code.
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
