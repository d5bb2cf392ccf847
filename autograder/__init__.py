"""The course's autograder: checks a student's functions against reference tensors.

In a notebook, after writing a function:

    from autograder import check
    check("mnist_loss", globals())        # the public checks: one line, or the feedback

In an nbgrader test cell (one check per cell; the returned points are the cell's score):

    from autograder import grade
    grade("mnist_loss_matches_reference", globals())

From a shell: `python -m autograder check 03_sigmoid_loss my_answers.py [--json]`.

The package is in layers, each importing only from the ones below it:

    core/           what a check is and how it judges: assignments, checks, references,
                    comparison, diagnosis, the student side (no processes)
    isolation/      running student code: the confined worker, its fork server, the sandbox
                    that talks to it, the runner that grades through it
    integration/    nbgrader's preprocessors, the notebook's check()/grade(), pytest's plugin
    class_grading/  a whole class in parallel, locally or on Dask, into nbgrader's gradebook
    cli.py          `python -m autograder`, over all of them

The course's own tools (the demo class, the release, running notebooks) are in
course_tools/ beside this package, outside the wheel students install.
"""
import warnings

# fastai's import warns about torch.jit on stderr, and nbgrader zeroes any test cell
# that writes to stderr: silence exactly that warning wherever the autograder runs.
warnings.filterwarnings("ignore", message=r"`torch\.jit\.script` is deprecated", category=FutureWarning)

__all__ = ["check", "grade", "uses_your_code", "data"]


def __getattr__(name: str):
    """check, grade and uses_your_code (the notebook's face) and data (the course's MNIST 2s and
    9s), imported when first used, so that a command that needs none of them,
    `python -m autograder`, does not wait for torch to start its work."""
    if name == "data":
        from autograder.core import data

        return data
    if name in __all__:
        from autograder.integration import feedback

        return getattr(feedback, name)
    raise AttributeError(f"module 'autograder' has no attribute {name!r}")
