"""The student's day in a real JupyterLab, in a real browser (tests/browser.py).

`python3.11 tasks.py test -m browser` runs only these. Without chromium they are skipped, with
one line saying how to install it; under CI (CI=true) a missing browser is a failure."""
import os
import shutil

import nbformat
import pytest

import browser
from course_tools import course

pytestmark = pytest.mark.browser


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
    shutil.copytree(course.RELEASE / "03_sigmoid_loss", folder / "fixing" / "03_sigmoid_loss")
    for assignment in ("01_init", "03_sigmoid_loss", "04_calc_grad", "06_epoch_loop", "07_relu_net"):
        path = course.notebook_path(folder / "solved", assignment)
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(course.student_notebook(assignment, course.reference_answers(assignment)), path)
    server = browser.Lab(folder, home)
    yield server
    server.close()


@pytest.fixture
def page(playwright_browser, request):
    context = playwright_browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page, browser.Steps(page, request.node.name)
    context.close()


def test_a_students_first_hour_runs_all_of_a_new_notebook_without_a_traceback(lab, page):
    page, steps = page
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
    assert page.locator("#jp-main-statusbar").get_by_text("| Idle").count() == 1  # the kernel lives


WRONG_SIGMOID = "def sigmoid(x):\n    return 1 / (1 + torch.exp(x))\n"
RIGHT_SIGMOID = "def sigmoid(x):\n    return 1 / (1 + torch.exp(-x))\n"


def test_a_student_fixes_their_code_reads_the_named_mistake_then_the_success_and_keeps_it(lab, page):
    page, steps = page
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


@pytest.mark.parametrize("assignment, figures", [("01_init", 2), ("03_sigmoid_loss", 1), ("04_calc_grad", 2),
                                                 ("06_epoch_loop", 3), ("07_relu_net", 2)])
def test_the_figures_of_a_solved_notebook_are_in_the_page(lab, page, assignment, figures):
    page, steps = page
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
