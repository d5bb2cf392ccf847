"""Every sentence the grader shows a student, in the student's language.

A message is written in English where it is made, through `say`:

    say("{function} is not implemented yet", function=name)

The English template is the message's id, as in gettext: `say` looks it up in the catalogue of
the language being spoken, then fills in its {fields} (values, shapes and names are never
translated). A module gives its messages' translations beside them, with

    translations("zh", {"{function} is not implemented yet": "{function} 还没有实现", ...})

and a known mistake's title and fix are messages too (`autograder.core.checks.known`). Which
language is spoken is set around a grading with `speaking(language)`: the language of the
edition being graded (03_sigmoid_loss_zh speaks Chinese), or of the notebook a student runs. A
test reads every `say("...")` of the package and every known mistake: each has a translation in
every language, with the same {fields}.
"""
from __future__ import annotations

import contextlib
import os
import string
from contextvars import ContextVar
from pathlib import Path

LANGUAGES = ("en", "zh")  # of the course, its editions and its messages: English (written first), Chinese
LANGUAGE: ContextVar[str] = ContextVar("autograder_language", default="en")
_CATALOGUES: dict[str, dict[str, str]] = {language: {} for language in LANGUAGES[1:]}


class CatalogueError(ValueError):
    """Two translations of one message, or a translation whose fields differ from the English."""


def fields(template: str) -> set[str]:
    """The names of a template's {fields}: '{name} took {seconds:g} s' -> {'name', 'seconds'}."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def translations(language: str, table: dict[str, str]) -> None:
    """Register translations into `language`: English template -> its translation."""
    catalogue = _CATALOGUES[language]
    for english, translated in table.items():
        if fields(translated) != fields(english):
            raise CatalogueError(f"the {language} text of {english!r} has the fields {sorted(fields(translated))}, "
                                 f"the English {sorted(fields(english))}")
        if catalogue.setdefault(english, translated) != translated:
            raise CatalogueError(f"two {language} texts of {english!r}: {catalogue[english]!r} and {translated!r}")


def catalogue(language: str) -> dict[str, str]:
    """The translations registered so far into `language` (import the modules that say things first)."""
    return dict(_CATALOGUES[language])


def say(template: str, /, **values) -> str:
    """The message `template`, in the language being spoken, with its fields filled in."""
    language = LANGUAGE.get()
    text = _CATALOGUES[language].get(template, template) if language != "en" else template
    return text.format(**values)


@contextlib.contextmanager
def speaking(language: str):
    """Within this block, `say` speaks `language` (one of LANGUAGES; anything else is English)."""
    token = LANGUAGE.set(language if language in LANGUAGES else "en")
    try:
        yield
    finally:
        LANGUAGE.reset(token)


def language_of(name: str) -> str | None:
    """The language an edition's name says, by its suffix ('03_sigmoid_loss_zh' -> 'zh'); None for
    a name without one. (An id the course knows is read fully by `assignments.edition`.)"""
    return next((language for language in LANGUAGES[1:] if name.endswith(f"_{language}")), None)


def notebook_language() -> str:
    """The language of the notebook this kernel runs: its edition's, read from the notebook's
    name (JupyterLab tells the kernel, in JPY_SESSION_NAME) or else from its folder, where the
    kernel starts (release/03_sigmoid_loss_zh/ speaks Chinese). AUTOGRADER_LANGUAGE overrides both."""
    chosen = os.environ.get("AUTOGRADER_LANGUAGE")
    if chosen in LANGUAGES:
        return chosen
    names = (Path(os.environ.get("JPY_SESSION_NAME", "")).stem, Path.cwd().name)
    return next((language for language in map(language_of, names) if language), "en")
