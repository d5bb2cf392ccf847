"""Where things are: the one module that knows the package's and the repository's paths.

PACKAGE is the autograder package, in this repository or installed from the wheel.
REPOSITORY is the folder above it: a clone of the course (source/, release/,
solutions/, translations/, nbgrader_config.py), or site-packages for a student's installed wheel,
where those do not exist. REFERENCES holds the reference tensors: public/ (in the
wheel) and hidden/ (never in the wheel, never readable by a worker).
"""
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
REPOSITORY = PACKAGE.parent
SOURCE, RELEASE, SOLUTIONS = REPOSITORY / "source", REPOSITORY / "release", REPOSITORY / "solutions"
NBGRADER_CONFIG = REPOSITORY / "nbgrader_config.py"
TRANSLATIONS = REPOSITORY / "translations"  # one folder per language: LANG/ASSIGNMENT.md
REFERENCES = PACKAGE / "references"
PUBLIC, HIDDEN = REFERENCES / "public", REFERENCES / "hidden"


def notebook_path(folder: Path, assignment: str) -> Path:
    """An assignment's notebook in a folder laid out as nbgrader's: FOLDER/ASSIGNMENT/ASSIGNMENT.ipynb."""
    return folder / assignment / f"{assignment}.ipynb"
