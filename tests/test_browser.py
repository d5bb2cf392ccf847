"""The student's day in a real JupyterLab, in a real browser (tests/browser.py).

`python3.11 tasks.py test -m browser` runs only these. Without chromium they are skipped, with
one line saying how to install it; under CI (CI=true) a missing browser is a failure."""
import os
import re
import shutil

import nbformat
import pytest

import browser
from autograder.core.checks import checks_for, known_mistakes
from autograder.core.messages import say, speaking
from course_tools import course, demo

pytestmark = pytest.mark.browser
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def playwright_browser():
    why = browser.missing()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the browser tests cannot run in CI: {why}")
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=browser.CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory, playwright_browser):
    """JupyterLab on a copy of release/ (a student's folder), plus, in solved/, the release
    notebooks with the course's solutions filled in."""
    home = tmp_path_factory.mktemp("lab")
    folder = home / "course"
    shutil.copytree(course.RELEASE, folder)
    for flow in ("fixing", "validating"):
        shutil.copytree(course.RELEASE / "03_sigmoid_loss", folder / flow / "03_sigmoid_loss")
    for assignment in ("01_init", "03_sigmoid_loss", "04_calc_grad", "06_epoch_loop", "07_relu_net"):
        path = course.notebook_path(folder / "solved", assignment)
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(course.student_notebook(assignment, course.reference_answers(assignment)), path)
    server = browser.Lab(folder, home)
    yield server
    server.close()


@pytest.fixture
def browsing(playwright_browser, request):
    """A new browser tab, and the screenshots of its flow."""
    context = playwright_browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page, browser.Steps(page, request.node.name)
    context.close()


def test_a_students_first_hour_runs_all_of_a_new_notebook_without_a_traceback(lab, browsing):
    page, steps = browsing
    browser.open_notebook(page, lab, "03_sigmoid_loss/03_sigmoid_loss.ipynb")
    steps.shot("opened")
    browser.run_all(page)
    steps.shot("ran-all")
    assert browser.unrun_cells(page) == []
    cells = browser.cell_outputs(page)
    for function in ("sigmoid", "mnist_loss"):
        (output,) = [out for code, out in cells if code.strip() == f'check("{function}", globals())']
        assert f"{function} is not implemented yet" in output, output
    graded = [(code, out) for code, out in cells if "from autograder import grade" in code]
    assert graded and all("not implemented yet" in out or "runs here when your notebook is graded" in code
                          for code, out in graded), graded
    printed = "\n".join(out for _, out in cells)
    assert "Traceback" not in printed and "Error" not in printed, printed
    assert page.locator(f"{browser.NOTEBOOK} [data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    assert "This is exactly what" not in printed  # no mistake named for code nobody wrote
    assert page.locator("#jp-main-statusbar").get_by_text(browser.IDLE).count() == 1  # the kernel lives


WRONG_SIGMOID = "def sigmoid(x):\n    return 1 / (1 + torch.exp(x))\n"
RIGHT_SIGMOID = "def sigmoid(x):\n    return 1 / (1 + torch.exp(-x))\n"


def test_a_student_fixes_their_code_reads_the_named_mistake_then_the_success_and_keeps_it(lab, browsing):
    page, steps = browsing
    notebook = "fixing/03_sigmoid_loss/03_sigmoid_loss.ipynb"
    browser.open_notebook(page, lab, notebook)
    browser.run_all(page)
    solution = browser.code_cell(page, "def sigmoid(x):")
    checker = browser.code_cell(page, 'check("sigmoid", globals())')
    browser.type_into(solution, WRONG_SIGMOID)
    browser.run_and_wait(solution)  # no output: it defines the function
    said = browser.run_and_wait(checker, "✗ sigmoid")
    steps.shot("wrong-sigmoid")
    assert "with the sign of x flipped" in said and "The exponent is -x" in said, said
    browser.type_into(solution, RIGHT_SIGMOID)
    browser.run_and_wait(solution)
    said = browser.run_and_wait(checker, "✓ sigmoid")
    steps.shot("fixed-sigmoid")
    assert "passes its 2 public checks" in said and "✗" not in said, said
    page.keyboard.press("Control+S")
    page.wait_for_function("panel => !document.querySelector(`${panel}`).parentElement"
                           ".querySelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')", arg=browser.NOTEBOOK)
    saved = nbformat.read(lab.folder / notebook, as_version=4)
    assert any(cell.source.strip() == RIGHT_SIGMOID.strip() for cell in saved.cells)
    browser.open_notebook(page, lab, notebook)  # reopened: the code is still there
    steps.shot("reopened")
    assert "return 1 / (1 + torch.exp(-x))" in browser.code_cell(page, "def sigmoid(x):").inner_text()


def test_a_student_validates_and_reads_what_the_check_command_says(lab, browsing):
    """nbgrader's Validate button on the untouched notebook: every failed public check, with its
    points and its message ("not implemented yet"), exactly as `python -m autograder check`."""
    from test_nbgrader import what_check_says

    page, steps = browsing
    notebook = "validating/03_sigmoid_loss/03_sigmoid_loss.ipynb"
    browser.open_notebook(page, lab, notebook)
    listed = browser.validate(page)
    steps.shot("validated")
    graded = {cell.source.strip(): cell.metadata["nbgrader"]["grade_id"]
              for cell in nbformat.read(lab.folder / notebook, as_version=4).cells
              if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")}
    shown = {graded[code]: said for code, said in listed if code in graded}
    said = what_check_says("03_sigmoid_loss", lab.folder / notebook)
    assert said and shown == said, (shown, said)
    assert all("not implemented yet" in text for text in shown.values()), shown
    dialog = page.locator(".jp-Dialog").inner_text()
    assert "Partial credit" not in dialog and "Traceback" not in dialog, dialog
    browser.close_dialog(page)


GRADED = "03_sigmoid_loss"
ANSWER = "A tiny change of a weight rarely flips a prediction, so the accuracy stays flat: no slope to follow."


@pytest.fixture(scope="module")
def lab_in_chinese(tmp_path_factory, playwright_browser):
    """JupyterLab with its Chinese interface (jupyterlab-language-pack-zh-CN) on a student's copy of
    the Chinese edition of 03."""
    home = tmp_path_factory.mktemp("lab-zh")
    shutil.copytree(course.RELEASE / "03_sigmoid_loss_zh", home / "course" / "03_sigmoid_loss_zh")
    server = browser.Lab(home / "course", home, locale="zh_CN")
    yield server
    server.close()


def test_a_student_works_in_chinese_and_reads_the_named_mistake_in_chinese(lab_in_chinese, browsing):
    page, steps = browsing
    browser.open_notebook(page, lab_in_chinese, "03_sigmoid_loss_zh/03_sigmoid_loss_zh.ipynb")
    assert page.locator(".lm-MenuBar-itemLabel", has_text="运行").count() == 1  # the interface is Chinese
    browser.run_all(page)
    steps.shot("ran-all")
    assert browser.unrun_cells(page) == []
    cells = browser.cell_outputs(page)
    with speaking("zh"):
        not_written = say("{function} is not implemented yet", function="sigmoid")
        diagnosis = next(k for k in known_mistakes("03_sigmoid_loss") if k.id == "sigmoid_sign_error").diagnosis
    (output,) = [out for code, out in cells if code.strip() == 'check("sigmoid", globals())']
    assert not_written in output and CJK.search(output), output
    solution = browser.code_cell(page, "def sigmoid(x):")
    browser.type_into(solution, WRONG_SIGMOID)
    browser.run_and_wait(solution)
    said = browser.run_and_wait(browser.code_cell(page, 'check("sigmoid", globals())'), "✗ sigmoid")
    steps.shot("named-mistake-in-chinese")
    assert diagnosis in said and "这正是" in said, said
    assert "This is exactly what" not in said


@pytest.fixture(scope="module")
def instructor(tmp_path_factory, playwright_browser):
    """An instructor's course folder with a small class autograded by nbgrader (ada: the
    solutions; casey: a known mistake), served by JupyterLab with its formgrader."""
    home = tmp_path_factory.mktemp("instructor")
    folder = course.new_course(home / "course")
    course.nbgrader(folder, "generate_assignment", "--force", f"--assignment={GRADED}")
    for student in ("ada", "casey"):
        notebook = demo.notebook_of(student, GRADED)
        for cell in notebook.cells:  # each writes an answer to the manual question
            if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution"):
                cell.source = ANSWER
        course.submit(folder, student, GRADED, notebook)
    course.autograde(folder, GRADED)
    server = browser.Lab(folder, home)
    yield server
    server.close()


def submissions(page, instructor, student: str):
    """The formgrader's list of the submissions of GRADED, names shown: the row of `student`."""
    page.goto(f"{instructor.url}/formgrader/gradebook/{GRADED}/{GRADED}")
    rows = page.locator("#main-table tr").filter(has=page.locator("a.name-shown", has_text=student))
    rows.first.wait_for(state="attached")
    page.get_by_text("Show All Names").click()
    assert rows.count() == 1
    return rows.first


def test_an_instructor_grades_a_manual_answer_and_the_total_export_and_feedback_follow(instructor, browsing):
    page, steps = browsing
    manual = next(c for c in course.student_notebook(GRADED).cells
                  if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade"))
    grade_id, points = manual.metadata["nbgrader"]["grade_id"], manual.metadata["nbgrader"]["points"]
    before = {student: sum(course.cell_scores(instructor.folder, student, GRADED).values())
              for student in ("ada", "casey")}  # autograded; the manual answer not graded yet

    row = submissions(page, instructor, "casey")
    assert row.locator(".score").inner_text().startswith(f"{before['casey']:g} / ")
    assert row.locator(".needs-manual-grade .glyphicon-ok").count() == 1
    steps.shot("submissions")
    # the page binds its inputs once it has its grades: one typed into before is never saved
    with page.expect_response(lambda r: "/api/grades" in r.url and r.ok), \
            page.expect_response(lambda r: "/api/comments" in r.url and r.ok):
        row.locator("a.name-shown").click()
    score = page.locator(f"input.score#{grade_id}")
    score.wait_for()
    with page.expect_response(lambda r: "/api/grade/" in r.url and r.request.method == "PUT" and r.ok):
        score.fill(str(points))
        score.press("Tab")
    comment = page.locator(f"textarea#{grade_id}-comment")
    said = "Right: a small change of a weight moves the loss, never the accuracy."
    with page.expect_response(lambda r: "/api/comment/" in r.url and r.request.method == "PUT" and r.ok):
        comment.fill(said)
        comment.press("Tab")
    steps.shot("graded")

    row = submissions(page, instructor, "casey")
    total = before["casey"] + points
    row.locator(".score").filter(has_text=f"{total:g} / ").wait_for()  # the total changed on the page
    steps.shot("total-changed")
    exported = {r["student_id"]: float(r["score"]) for r in course.export_grades(instructor.folder)
                if r["assignment"] == GRADED}
    assert exported == {"ada": before["ada"], "casey": total}

    course.generate_feedback(instructor.folder, GRADED)
    feedback = course.notebook_path(instructor.folder / "feedback" / "casey", GRADED).with_suffix(".html")
    page.goto(feedback.as_uri())
    steps.shot("feedback")
    text = page.locator("body").inner_text()
    for check in checks_for(GRADED):  # every check's verdict, hidden ones too, and never their code
        assert f"{check.id}: " in text, check.id
        if check.hidden:
            assert f'grade("{check.id}"' not in text, check.id
    assert "BEGIN HIDDEN" not in text and demo.MISTAKE_OF[GRADED].mistake.diagnosis in text
    assert said in text


def test_the_class_report_opens_with_its_plots_and_sorts(instructor, browsing):
    from autograder.class_grading import report

    page, steps = browsing
    page.goto(report.write(instructor.folder).as_uri())
    plots = page.locator("img.plot")
    assert plots.count() == 2  # one assignment: its scores and its pass rates
    for k in range(plots.count()):
        assert plots.nth(k).evaluate("img => img.complete && img.naturalWidth") > 100
    mistake = page.locator("table.mistakes tbody tr")
    assert mistake.count() == 1 and demo.MISTAKE_OF[GRADED].mistake.id in mistake.inner_text()
    students = page.locator("table.students tbody tr td:first-child")
    page.locator("table.students th", has_text="total").click()  # the lowest total first
    assert students.all_inner_texts() == ["casey", "ada"]
    page.locator("table.students th", has_text="total").click()
    assert students.all_inner_texts() == ["ada", "casey"]
    steps.shot("report")


@pytest.mark.parametrize("assignment, figures", [("01_init", 2), ("03_sigmoid_loss", 1), ("04_calc_grad", 2),
                                                 ("06_epoch_loop", 3), ("07_relu_net", 2)])
def test_the_figures_of_a_solved_notebook_are_in_the_page(lab, browsing, assignment, figures):
    page, steps = browsing
    browser.open_notebook(page, lab, f"solved/{assignment}/{assignment}.ipynb")
    browser.run_all(page)
    steps.shot("ran-all")
    assert browser.unrun_cells(page) == []
    assert page.locator(f"{browser.NOTEBOOK} [data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    images = page.locator(f"{browser.NOTEBOOK} .jp-OutputArea-output img")
    assert images.count() >= figures
    for k in range(images.count()):
        width = images.nth(k).evaluate("img => img.naturalWidth")
        assert width > 100, (assignment, k, width)  # a decoded picture, not a broken image
