"""nbgrader settings of the course: `nbgrader ...` reads this file from the course folder."""
from nbgrader.preprocessors import ClearHiddenTests, GetGrades
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor

c = get_config()  # noqa: F821  (nbgrader provides get_config)

c.CourseDirectory.course_id = "mnist-sgd"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"

# One cell may train a network for a few seconds (07 fits 40 epochs): 120 s leaves room on a
# slow machine without letting a notebook that hangs hold the grader for long.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True

# A test cell a student deleted comes back, run as written (its edits are overwritten anyway).
c.OverwriteCells.add_missing_cells = True

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# nbgrader zeroes a test cell that writes to stderr. The autograder silences the one warning
# fastai's import prints; this drops it from any output should it appear anyway.
c.IgnorePattern.pattern = r"`torch\.jit\.script` is deprecated"

# Feedback shows the hidden checks' results and messages, never their code.
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
