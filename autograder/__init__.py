"""The course's autograder: checks a student's functions against reference tensors.

In a notebook, after writing a function:

    from autograder import check
    check("mnist_loss", globals())        # the public checks: one line, or the feedback

In an nbgrader test cell (one check per cell; the returned points are the cell's score):

    from autograder import grade
    grade("mnist_loss_matches_reference", globals())

From a shell: `python -m autograder check 03_sigmoid_loss my_answers.py [--json]`.
"""
import warnings

# fastai's import warns about torch.jit on stderr, and nbgrader zeroes any test cell
# that writes to stderr: silence exactly that warning wherever the autograder runs.
warnings.filterwarnings("ignore", message=r"`torch\.jit\.script` is deprecated", category=FutureWarning)

__all__ = ["check", "grade", "uses_your_code"]


def __getattr__(name: str):
    """check, grade and uses_your_code, imported when first used (so that a command that needs
    none of them, `python -m autograder`, does not wait for torch to start its work)."""
    if name in __all__:
        from autograder import feedback

        return getattr(feedback, name)
    raise AttributeError(f"module 'autograder' has no attribute {name!r}")
