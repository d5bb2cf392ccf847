"""Submissions that are symbolic links, or hold one, are refused before anything reads them.

A link in `submitted/` would make nbgrader read what the student points it at: a
classmate's notebook handed in as one's own, or a file of the machine copied into the
course (and from there into feedback). `refuse_links` is nbgrader's pre-convert hook
(see nbgrader_config.py): it runs before nbgrader copies or reads a submission, and
empties the list of notebooks nbgrader was about to read, so nbgrader records the
submission as failed, with this module's message in its log. `python -m autograder
grade` sends no job for such a submission either (`linked`).
"""
from __future__ import annotations

import logging
import os
from pathlib import Path


def linked(folder: Path, top: Path) -> list[Path]:
    """The symbolic links at or below `folder`, and between `top` and `folder`."""
    found = [p for p in [folder, *folder.parents] if p.is_symlink() and top in p.parents]
    for root, dirs, files in os.walk(folder):  # os.walk does not follow links
        found += [Path(root, name) for name in dirs + files if Path(root, name).is_symlink()]
    return found


def refuse_links(assignment=None, student=None, notebooks=None, **_) -> None:
    """nbgrader's pre-convert hook: refuse a submission that is, or holds, a symbolic link."""
    if not notebooks:
        return
    folder = Path(os.path.abspath(notebooks[0])).parent  # submitted/STUDENT/ASSIGNMENT
    links = linked(folder, folder.parent.parent)
    if links:
        logging.getLogger("AutogradeApp").error(
            "refused %s: it is or holds a symbolic link (%s); submit the files themselves",
            f"{folder.parent.name}/{folder.name}", ", ".join(p.name for p in links[:5]))
        notebooks.clear()  # nbgrader then finds no notebook to grade, and records the failure
