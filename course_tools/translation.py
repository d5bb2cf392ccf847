"""Translations of the instructor notebooks: one text file per notebook and language, checked
against the English notebook it translates, from which the translated notebook is built.

A translation lives at `translations/LANG/ASSIGNMENT.md`. It holds one block per cell of the
English notebook, in order, each opened by a marker line:

    <!-- cell 7 code 1f3a9c2e -->

the cell's index, its type, and the first 8 hex digits of the SHA-1 of the English cell's source
when it was translated. When an English cell changes, its hash no longer matches and building the
translated notebook fails, naming the cell, so that no translation silently goes stale. A block
whose marker ends in ` same` is the English cell unchanged (a code cell with nothing to translate).

The English notebook stays the one source of truth for everything but words: a translated
notebook takes every cell's metadata (grade ids, points, locks, tags) from it, and a code
cell's translation may differ only in its comments and in string literals translated into words
(figure titles, printed sentences, docstrings): a string that differs must hold non-ASCII text,
and an f-string keeps its `{expression}` fields. Names, numbers, operators and every other
string (`"init_params"`, `cmap="bwr"`) are the English ones, token for token, and nbgrader's
marker lines (`### BEGIN SOLUTION` …) stay where they are.

    python -m course_tools.translation skeleton LANG ASSIGNMENT   start a translation (English text)
    python -m course_tools.translation check LANG [ASSIGNMENT]    report what is stale or wrong
"""
from __future__ import annotations

import hashlib
import io
import re
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.core.assignments import ASSIGNMENTS, edition_id
from autograder.core.messages import LANGUAGES
from autograder.core.paths import REPOSITORY, SOURCE, TRANSLATIONS, notebook_path

TRANSLATED = LANGUAGES[1:]  # every language of the course but English, the one translated from
MARKER = re.compile(r"^<!-- cell (\d+) (code|markdown|raw) ([0-9a-f]{8})( same)? -->$", re.M)
NBGRADER_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


class TranslationError(ValueError):
    """A translation does not match the English notebook it translates."""


@dataclass(frozen=True)
class Block:
    index: int
    cell_type: str
    english_hash: str
    same: bool
    text: str


def cell_hash(source: str) -> str:
    return hashlib.sha1(source.encode()).hexdigest()[:8]


def translation_path(lang: str, assignment: str) -> Path:
    return TRANSLATIONS / lang / f"{assignment}.md"


def read_blocks(text: str) -> list[Block]:
    """The blocks of a translation file, in order (text outside any block is an error)."""
    markers = list(MARKER.finditer(text))
    if not markers or text[:markers[0].start()].strip():
        raise TranslationError("a translation must start with a `<!-- cell 0 TYPE HASH -->` marker line")
    blocks = []
    for marker, following in zip(markers, markers[1:] + [None]):
        body = text[marker.end():following.start() if following else len(text)]
        blocks.append(Block(int(marker[1]), marker[2], marker[3], bool(marker[4]), body.strip("\n")))
    return blocks


def skeleton(english: nbformat.NotebookNode) -> str:
    """A translation file holding the English text of every cell, ready to be translated."""
    parts = []
    for index, cell in enumerate(english.cells):
        parts.append(f"<!-- cell {index} {cell.cell_type} {cell_hash(cell.source)} -->\n{cell.source}\n")
    return "\n".join(parts)


def _tokens(code: str) -> list[tokenize.TokenInfo]:
    """The code's tokens, without comments and line ends."""
    # IPython's magics are not Python: read `%matplotlib inline` as a comment would be read.
    lines = ["#" + line if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines()]
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError) as error:
        raise TranslationError(f"the code does not tokenize: {error}") from None
    return [t for t in tokens if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER)]


STRING_PREFIX = re.compile(r"^[A-Za-z]*")
FIELD = re.compile(r"(?<!\{)\{([^{}]*)\}")  # an f-string's replacement field: {expression:format}


def _same_meaning(english: tokenize.TokenInfo, translated: tokenize.TokenInfo) -> bool:
    """Whether a translated token may stand for the English one: the same token, or a string
    literal translated into words (it holds a non-ASCII character) with the same prefix and, for
    an f-string, the same replacement fields."""
    if (english.type, english.string) == (translated.type, translated.string):
        return True
    if english.type != tokenize.STRING or translated.type != tokenize.STRING or translated.string.isascii():
        return False
    prefix = STRING_PREFIX.match(english.string)[0]
    if prefix != STRING_PREFIX.match(translated.string)[0]:
        return False
    return "f" not in prefix.lower() or FIELD.findall(english.string) == FIELD.findall(translated.string)


def _code_difference(english: str, translated: str) -> str:
    """'' when the translated code is the English code up to comments and translated words;
    otherwise where they first differ."""
    ours, theirs = _tokens(english), _tokens(translated)
    for a, b in zip(ours, theirs):
        if not _same_meaning(a, b):
            return f"line {b.start[0]}: `{b.string}` stands where the English has `{a.string}`"
    if len(ours) != len(theirs):
        return f"the English code has {len(ours)} tokens (comments aside), the translation {len(theirs)}"
    return ""


def _marker_lines(source: str) -> list[str]:
    return [line.strip() for line in source.splitlines() if line.strip() in NBGRADER_MARKERS]


def translate_cell(index: int, cell: nbformat.NotebookNode, block: Block) -> str:
    """The translated source of one cell; raises TranslationError when the block does not fit it."""
    where = f"cell {index}"
    if block.index != index or block.cell_type != cell.cell_type:
        raise TranslationError(f"{where}: the English notebook has a {cell.cell_type} cell here, the "
                               f"translation a block for {block.cell_type} cell {block.index}")
    if block.english_hash != cell_hash(cell.source):
        raise TranslationError(f"{where} ({cell.cell_type}) changed in English since it was translated: "
                               f"translate it again and set its hash to {cell_hash(cell.source)}")
    if block.same:
        if block.text:
            raise TranslationError(f"{where}: a block marked `same` must be empty")
        return cell.source
    if _marker_lines(block.text) != _marker_lines(cell.source):
        raise TranslationError(f"{where}: nbgrader's marker lines ({', '.join(NBGRADER_MARKERS)}) "
                               "must be those of the English cell")
    if cell.cell_type == "code" and (difference := _code_difference(cell.source, block.text)):
        raise TranslationError(f"{where}: the code differs from the English beyond comments and words: {difference}")
    return block.text


def translate(english: nbformat.NotebookNode, text: str) -> nbformat.NotebookNode:
    """The translated notebook: the English notebook's cells and metadata, with translated words."""
    blocks = read_blocks(text)
    if len(blocks) != len(english.cells):
        raise TranslationError(f"the English notebook has {len(english.cells)} cells, the translation "
                               f"{len(blocks)} blocks")
    translated = nbformat.from_dict(english)
    for index, (cell, block) in enumerate(zip(translated.cells, blocks)):
        cell.source = translate_cell(index, cell, block)
    return translated


def english_notebook(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(notebook_path(SOURCE, assignment), as_version=4)


def build(lang: str, assignment: str) -> nbformat.NotebookNode:
    """The instructor notebook of `assignment`, translated into `lang`."""
    path = translation_path(lang, assignment)
    try:
        return translate(english_notebook(assignment), path.read_text(encoding="utf-8"))
    except TranslationError as error:
        shown = path.relative_to(REPOSITORY) if path.is_relative_to(REPOSITORY) else path
        raise TranslationError(f"{shown}: {error}") from None


def write_sources(folder: Path = SOURCE) -> list[Path]:
    """Build every translated instructor notebook into `folder` (nbgrader's source/), as
    FOLDER/ID_LANG/ID_LANG.ipynb; return their paths. Raises TranslationError on a stale one."""
    written = []
    for lang in TRANSLATED:
        for assignment in ASSIGNMENTS:
            path = notebook_path(folder, edition_id(assignment, lang))
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(build(lang, assignment), path)
            written.append(path)
    return written


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("skeleton", "check") or argv[1] not in TRANSLATED:
        print(__doc__)
        return 2
    verb, lang, assignments = argv[0], argv[1], argv[2:] or list(ASSIGNMENTS)
    if verb == "skeleton":
        for assignment in assignments:
            path = translation_path(lang, assignment)
            if path.exists():
                print(f"{path} exists: not overwritten")
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(skeleton(english_notebook(assignment)), encoding="utf-8")
            print(f"wrote {path}")
        return 0
    failed = 0
    for assignment in assignments:
        try:
            build(lang, assignment)
            print(f"{assignment}: ok")
        except (TranslationError, OSError) as error:
            failed += 1
            print(f"{assignment}: {error}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
