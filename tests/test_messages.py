"""The grader's messages in every language it speaks (autograder/core/messages.py): every message
has a translation with the same {fields}, and the grading of a Chinese edition answers in Chinese."""
import ast
import importlib
import pkgutil
import re
import string

import pytest

import autograder
from autograder.core import messages
from autograder.core.assignments import ASSIGNMENTS
from autograder.core.checks import known_mistakes
from autograder.core.messages import CatalogueError, fields, say, speaking, translations
from autograder.core.paths import PACKAGE

DYNAMIC = {"core/checks/__init__.py"}  # where say() is given a known mistake's title and fix


class Anything:
    """A field's value that every format spec, attribute and index accepts."""

    def __format__(self, spec):
        return "x"

    def __getattr__(self, name):
        return self

    def __getitem__(self, key):
        return self


def said() -> tuple[dict[str, str], list[str]]:
    """Every template the package passes to say(), with where; and the say() calls whose template
    is not a string literal (which no test could check)."""
    templates, dynamic = {}, []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = str(path.relative_to(PACKAGE))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "say":
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    templates.setdefault(first.value, f"{where}:{node.lineno}")
                elif where not in DYNAMIC:
                    dynamic.append(f"{where}:{node.lineno}")
    return templates, dynamic


def everything_imported() -> None:
    """Import every module of the package: each registers its translations when imported."""
    for module in pkgutil.walk_packages(autograder.__path__, "autograder."):
        if module.name != "autograder.__main__":
            importlib.import_module(module.name)
    for assignment in ASSIGNMENTS:
        known_mistakes(assignment)


def mistake_texts() -> set[str]:
    return {text for a in ASSIGNMENTS for k in known_mistakes(a) for text in (k.title, k.fix)}


def test_every_message_has_a_chinese_text_with_the_same_fields():
    everything_imported()
    templates, dynamic = said()
    assert templates, "no say() found: the scan is broken"
    assert dynamic == [], "say() needs its English template written where it is called"
    zh = messages.catalogue("zh")
    missing = [f"{where}: {template!r}" for template, where in templates.items() if template not in zh]
    assert missing == [], "no Chinese text for:\n" + "\n".join(missing)
    for template in templates:
        assert fields(zh[template]) == fields(template), template
        zh[template].format(**{name: Anything() for name in fields(template)})  # a broken {brace} fails here


def test_every_known_mistake_is_named_and_fixed_in_chinese():
    everything_imported()
    zh = messages.catalogue("zh")
    missing = sorted(text for text in mistake_texts() if text not in zh)
    assert missing == [], "known mistakes without a Chinese title or fix:\n" + "\n".join(missing)


def test_no_translation_outlives_its_english():
    everything_imported()
    used = set(said()[0]) | mistake_texts()
    stale = sorted(set(messages.catalogue("zh")) - used)
    assert stale == [], "translations of messages the grader no longer says:\n" + "\n".join(stale)


def test_a_translation_that_loses_or_renames_a_field_is_refused():
    with pytest.raises(CatalogueError, match="fields"):
        translations("zh", {"{name} took {seconds:g} s (a test)": "{name} 用了很久"})
    with pytest.raises(CatalogueError, match="fields"):
        translations("zh", {"{name} took {seconds:g} s (a test)": "{name} 用了 {secs:g} 秒"})
    assert "{name} took {seconds:g} s (a test)" not in messages.catalogue("zh")


def test_say_speaks_the_language_of_its_block():
    translations("zh", {"{count} checks failed (a test)": "{count} 项检查没有通过（测试）"})
    assert say("{count} checks failed (a test)", count=2) == "2 checks failed (a test)"
    with speaking("zh"):
        assert say("{count} checks failed (a test)", count=2) == "2 项检查没有通过（测试）"
        with speaking("en"):
            assert say("{count} checks failed (a test)", count=3) == "3 checks failed (a test)"
    with speaking("fr"):  # a language the grader does not speak: English
        assert say("{count} checks failed (a test)", count=1) == "1 checks failed (a test)"


@pytest.mark.parametrize("session, folder, chosen, expected", [
    ("", "03_sigmoid_loss_zh", None, "zh"),  # a kernel starts in its notebook's folder
    ("", "03_sigmoid_loss", None, "en"),
    ("work/03_sigmoid_loss_zh.ipynb", "elsewhere", None, "zh"),  # JupyterLab names the notebook
    ("", "03_sigmoid_loss_zh", "en", "en"),  # AUTOGRADER_LANGUAGE decides
])
def test_a_notebook_speaks_the_language_of_its_edition(tmp_path, monkeypatch, session, folder, chosen, expected):
    (tmp_path / folder).mkdir()
    monkeypatch.chdir(tmp_path / folder)
    monkeypatch.setenv("JPY_SESSION_NAME", session)
    if chosen:
        monkeypatch.setenv("AUTOGRADER_LANGUAGE", chosen)
    else:
        monkeypatch.delenv("AUTOGRADER_LANGUAGE", raising=False)
    assert messages.notebook_language() == expected


def test_fields_reads_format_fields():
    assert fields("{name} took {seconds:g} s, {{not a field}}") == {"name", "seconds"}
    assert list(string.Formatter().parse("plain"))[0][1] is None


def test_the_check_command_answers_a_chinese_edition_in_chinese(tmp_path):
    """Through the isolated worker, as a student's shell or a course's CI runs it: casey's mistake in
    03 (the loss on raw scores), graded as the Chinese edition, and as the English one asked in Chinese."""
    import json
    import subprocess
    import sys

    from course_tools import demo
    from autograder.core.paths import SOLUTIONS

    planned = demo.MISTAKE_OF["03_sigmoid_loss"]
    solution = (SOLUTIONS / "sigmoid_loss.py").read_text()
    path = tmp_path / "answers.py"
    path.write_text(solution.split("def mnist_loss")[0] + planned.mistake.code)
    with speaking("zh"):
        chinese = planned.mistake.diagnosis
    for args, expected in [(["03_sigmoid_loss_zh"], chinese), (["03_sigmoid_loss", "--lang", "zh"], chinese),
                           (["03_sigmoid_loss_zh", "--lang", "en"], planned.mistake.diagnosis)]:
        done = subprocess.run([sys.executable, "-m", "autograder", "check", args[0], str(path), "--json", *args[1:]],
                              capture_output=True, text=True, timeout=300)
        report = json.loads(done.stdout)
        failed = {c["id"]: c["message"] for c in report["checks"] if not c["passed"]}
        assert set(failed) == planned.fails, (args, failed)
        assert any(expected in message for message in failed.values()), (args, failed)
        chinese_wanted = expected == chinese
        assert all(bool(re.search("[\u4e00-\u9fff]", m)) == chinese_wanted for m in failed.values()), failed
        assert report["assignment"] == args[0]
