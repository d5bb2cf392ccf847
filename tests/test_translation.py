"""The Chinese edition's translations: current with the English notebooks, code unchanged, all words
translated. The English notebook is the one source of truth; these tests are what makes it so."""
import re

import nbformat
import pytest

from autograder.core.assignments import ASSIGNMENTS, edition_id
from autograder.core.paths import SOURCE, notebook_path
from course_tools import translation
from course_tools.translation import TranslationError, build, cell_hash, english_notebook, skeleton, translate

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_translation_is_current_and_changes_only_words(assignment):
    translated, english = build("zh", assignment), english_notebook(assignment)
    assert [c.metadata for c in translated.cells] == [c.metadata for c in english.cells]
    for ours, theirs in zip(english.cells, translated.cells):
        if ours.cell_type == "markdown":  # every sentence a student reads is in Chinese
            assert CJK.search(theirs.source), f"untranslated: {ours.source[:80]!r}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_committed_chinese_source_is_what_its_translation_builds(assignment):
    committed = nbformat.read(notebook_path(SOURCE, edition_id(assignment, "zh")), as_version=4)
    assert committed == build("zh", assignment), (
        f"source/{edition_id(assignment, 'zh')} is stale: run `python3.11 tasks.py release`")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_chinese_notebooks_keep_the_second_editions_shape(assignment):
    notebook = build("zh", assignment)
    assert notebook.cells[0].source.startswith(f"# 第 {ASSIGNMENTS.index(assignment) + 1} 课（共 7 课）· ")
    for index, cell in enumerate(notebook.cells):
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "markdown":
            assert notebook.cells[index - 1].source.startswith(f"**问题（{meta['points']} 分，由老师评分）**。先预测，再测量。")
            assert "评分标准" in cell.source
    assert notebook.cells[-1].source.startswith("## 拓展练习（不计分）")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_bold_chinese_renders_bold(assignment):
    """CommonMark closes `**` after a full-width mark such as ： or 。 only before a space or another
    mark, so `**分数：**自动` shows its asterisks: the mark goes after the bold, `**分数**：自动`."""
    import markdown_it

    render = markdown_it.MarkdownIt().render
    for cell in build("zh", assignment).cells:
        if cell.cell_type == "markdown":
            shown = re.sub(r"<code>.*?</code>|<pre>.*?</pre>", "", render(cell.source), flags=re.S)
            assert "**" not in shown, [line for line in shown.splitlines() if "**" in line]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_line_break_splits_chinese_text(assignment):
    """A line break inside a paragraph renders as a space, which between two Chinese characters is
    a visible gap: a Chinese paragraph is one line (the ```text diagram aside)."""
    wide = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
    for cell in build("zh", assignment).cells:
        if cell.cell_type == "markdown":
            prose = re.sub(r"```.*?```", "", cell.source, flags=re.S)
            assert not re.search(f"{wide}\n[ \t]*{wide}", prose), prose[:120]


# The mechanism, on a small notebook: what a translation may change, and what it may not.
ENGLISH = nbformat.v4.new_notebook(cells=[
    nbformat.v4.new_markdown_cell("## Why a learning rate\n\nThe gradient says which way is downhill."),
    nbformat.v4.new_code_cell('plt.imshow(w, cmap="bwr")  # centred on 0\nplt.title(f"lr = {lr:g}, loss {loss:.3f}")\n'
                              'print("step done")'),
    nbformat.v4.new_code_cell('def step(params, lr):\n    """p <- p - lr * p.grad for each parameter."""\n'
                              "    ### BEGIN SOLUTION\n    for p in params:\n        p.data -= lr * p.grad\n"
                              "    ### END SOLUTION"),
])
ENGLISH.cells[2].metadata["nbgrader"] = {"grade_id": "step", "solution": True, "grade": False, "locked": False}
CHINESE = [
    "## 为什么需要学习率\n\n梯度告诉我们哪个方向是下坡。",
    'plt.imshow(w, cmap="bwr")  # 以 0 为中心\n# 第二行注释也可以\nplt.title(f"学习率 = {lr:g}，损失 {loss:.3f}")\n'
    'print("更新完成")',
    'def step(params, lr):\n    """对每个参数做 p <- p - lr * p.grad。"""\n'
    "    ### BEGIN SOLUTION\n    for p in params:\n        p.data -= lr * p.grad\n    ### END SOLUTION",
]


def file_for(texts, english=ENGLISH):
    return "\n".join(f"<!-- cell {i} {c.cell_type} {cell_hash(c.source)} -->\n{t}\n"
                     for i, (c, t) in enumerate(zip(english.cells, texts)))


def test_a_translation_replaces_words_and_keeps_every_cells_metadata():
    notebook = translate(ENGLISH, file_for(CHINESE))
    assert [c.source for c in notebook.cells] == CHINESE
    assert notebook.cells[2].metadata == ENGLISH.cells[2].metadata
    assert translate(ENGLISH, skeleton(ENGLISH)).cells == ENGLISH.cells  # a fresh skeleton is the English


@pytest.mark.parametrize("cell, wrong, says", [
    (1, CHINESE[1].replace('cmap="bwr"', 'cmap="RdBu"'), '`"RdBu"` stands where the English has `"bwr"`'),
    (1, CHINESE[1].replace("{loss:.3f}", "{loss * 0:.3f}"), "stands where the English has"),  # an f-string's code
    (1, CHINESE[1].replace('"更新完成"', '"step finished"'), "stands where the English has"),  # not a translation
    (1, CHINESE[1] + "\nloss = 0", "tokens"),
    (2, CHINESE[2].replace("lr * p.grad\n", "0.1 * p.grad\n"), "`0.1` stands where the English has `lr`"),
    (2, CHINESE[2].replace("    ### END SOLUTION", "    # 答案结束"), "marker lines"),
])
def test_a_translation_that_changes_code_is_refused_and_says_where(cell, wrong, says):
    texts = list(CHINESE)
    texts[cell] = wrong
    with pytest.raises(TranslationError, match=re.escape(says)):
        translate(ENGLISH, file_for(texts))


def test_an_english_cell_changed_after_its_translation_makes_the_translation_stale():
    text = file_for(CHINESE)
    changed = nbformat.from_dict(ENGLISH)
    changed.cells[0].source += " Too large, and it jumps over the valley."
    with pytest.raises(TranslationError, match=f"cell 0 .*changed in English.*{cell_hash(changed.cells[0].source)}"):
        translate(changed, text)
    changed = nbformat.from_dict(ENGLISH)
    changed.cells.insert(1, nbformat.v4.new_markdown_cell("A new paragraph."))
    with pytest.raises(TranslationError, match="3 cells, the translation 2 blocks|has 4 cells"):
        translate(changed, text)


def test_a_block_marked_same_is_the_english_cell():
    text = file_for(CHINESE).replace(f"code {cell_hash(ENGLISH.cells[1].source)} -->\n{CHINESE[1]}",
                                     f"code {cell_hash(ENGLISH.cells[1].source)} same -->")
    assert translate(ENGLISH, text).cells[1].source == ENGLISH.cells[1].source


def test_the_check_command_names_a_stale_translation(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(translation, "TRANSLATIONS", tmp_path)
    (tmp_path / "zh").mkdir()
    english = english_notebook("02_predict")
    stale = skeleton(english).replace(cell_hash(english.cells[0].source), "00000000", 1)
    (tmp_path / "zh" / "02_predict.md").write_text(stale, encoding="utf-8")
    assert translation.main(["check", "zh", "02_predict"]) == 1
    assert "cell 0 (markdown) changed in English" in capsys.readouterr().out
