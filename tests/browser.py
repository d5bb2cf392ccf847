"""A real JupyterLab in a real browser, for the tests marked `browser` (tests/test_browser.py).

Debian's chromium (`apt-get install chromium`, as .ci/run does) driven by Playwright through
`executable_path`: no browser is downloaded. `Lab` starts `jupyter lab` the way
`python3.11 tasks.py lab` does, on 127.0.0.1 with an empty token, in a folder of its own, with
user settings that keep two dialogs away (the kernel choice, the news toast) and render every
cell (no windowing, so every output is in the page). Every step of a flow saves a screenshot
under .cache/screenshots/<test>/.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
INSTALL = ("apt-get install -y --no-install-recommends chromium (and pip install playwright in the "
           "project venv); .ci/run does both")
SCREENSHOTS = ROOT / ".cache" / "screenshots"
SETTINGS = {  # user settings: no news toast, no kernel dialog, every cell in the page
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"autoStartDefaultKernel": True,
                                                                   "windowingMode": "none"},
}
RUN_ALL = "li.lm-Menu-item[data-command='runmenu:run-all']"  # in any language
RUN_MENU = re.compile(r"^(Run|运行)")  # the menu bar's Run, in English or in Chinese (zh_CN)
IDLE = re.compile(r"\| (Idle|空闲)$")  # the status bar's kernel state
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook in front


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if CHROMIUM is None:
        return f"no chromium here: {INSTALL}"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return f"no playwright here: {INSTALL}"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """`jupyter lab` serving `folder`, started as tasks.py's `lab` task starts it."""

    def __init__(self, folder: Path, home: Path, locale: str | None = None):
        """locale: JupyterLab's display language (zh_CN: its Chinese language pack), or English."""
        import tasks

        self.folder, self.port = folder, _free_port()
        settings = home / "lab-settings"
        chosen = {**SETTINGS, **({"@jupyterlab/translation-extension/plugin.jupyterlab-settings": {"locale": locale}}
                                 if locale else {})}
        for name, values in chosen.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(home / "ws"),
                   JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_CONFIG_DIR=str(home / "config"))
        # tasks.py's own command, pointed at this folder: what a student or a container runs
        command = [sys.executable, *tasks.LAB, str(folder), "--no-browser", "--ip=127.0.0.1",
                   f"--port={self.port}", "--ServerApp.token=", "--ServerApp.password="]
        self.log = open(home / "lab.log", "w")
        self.process = subprocess.Popen(command, cwd=folder, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab stopped: {(home / 'lab.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{self.url}/api/status", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("jupyter lab did not answer within 120 s")

    def close(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class Steps:
    """Screenshots of one flow, numbered in order: .cache/screenshots/<test>/<n>-<step>.png."""

    def __init__(self, page, test: str):
        self.page, self.folder, self.count = page, SCREENSHOTS / test, 0
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)

    def shot(self, step: str) -> Path:
        """The whole notebook, not only what fits the window: the page is made as tall as the
        notebook's scrolled content for the picture (at most 16,000 pixels). Any other page: all
        of it."""
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        size = self.page.viewport_size
        content = self.page.evaluate(f"() => document.querySelector('{NOTEBOOK} .jp-WindowedPanel-outer')"
                                     "?.scrollHeight ?? 0")
        if not content:  # not a notebook (a report, a feedback page): the page scrolls itself
            self.page.screenshot(path=str(path), full_page=True)
            return path
        self.page.set_viewport_size({"width": size["width"], "height": min(16_000, max(size["height"], content + 150))})
        try:
            self.page.evaluate("panel => { const outer = document.querySelector(`${panel} .jp-WindowedPanel-outer`); "
                               "if (outer) outer.scrollTop = 0; }", NOTEBOOK)
            self.page.wait_for_timeout(500)  # the page lays out its new height; a picture, not a sync point
            self.page.screenshot(path=str(path))
        finally:
            self.page.set_viewport_size(size)
        return path


def open_notebook(page, lab: Lab, relative: str, timeout_ms: int = 120_000) -> None:
    """Open a notebook and wait until its kernel is idle (the status bar, not the toolbar)."""
    page.goto(f"{lab.url}/lab/tree/{relative}?reset")  # ?reset: no tab of an earlier test comes back
    page.locator(f"{NOTEBOOK} .jp-Cell").first.wait_for(timeout=timeout_ms)
    wait_idle(page, timeout_ms)


def wait_idle(page, timeout_ms: int = 120_000) -> None:
    page.locator("#jp-main-statusbar").get_by_text(IDLE).wait_for(timeout=timeout_ms)


def run_all(page, timeout_ms: int = 300_000) -> None:
    """Run → Run All Cells, then wait until a cell has run and none is queued or running (a cell
    that fails stops the run: the cells after it keep an empty prompt, and the test sees it)."""
    page.locator(".lm-MenuBar-itemLabel", has_text=RUN_MENU).first.click()
    page.locator(RUN_ALL).click()
    page.wait_for_function(
        """panel => {
            const prompts = [...document.querySelectorAll(`${panel} .jp-CodeCell .jp-InputPrompt`)]
                .map(p => p.textContent.trim());
            return prompts.some(text => /^\\[\\d+\\]:$/.test(text)) && !prompts.includes('[*]:');
        }""", arg=NOTEBOOK, timeout=timeout_ms)
    wait_idle(page, timeout_ms)


def unrun_cells(page) -> list[str]:
    """The first line of every code cell that shows no execution count (folded cells aside)."""
    return page.evaluate(
        """panel => [...document.querySelectorAll(`${panel} .jp-CodeCell`)]
            .filter(cell => (cell.querySelector('.jp-InputPrompt')?.textContent.trim() ?? '') === '[ ]:')
            .map(cell => (cell.querySelector('.jp-InputArea-editor')?.textContent ?? '').slice(0, 80))""", NOTEBOOK)


def cell_outputs(page) -> list[tuple[str, str]]:
    """(input, output text) of every code cell, in order."""
    return page.evaluate(
        """panel => [...document.querySelectorAll(`${panel} .jp-CodeCell`)].map(cell => [
            cell.querySelector('.jp-InputArea-editor')?.textContent ?? '',
            cell.querySelector('.jp-OutputArea')?.innerText ?? ''])""", NOTEBOOK)


def code_cell(page, containing: str):
    """The one code cell of the notebook in front whose text (input or output) contains this."""
    cells = page.locator(f"{NOTEBOOK} .jp-CodeCell").filter(has_text=containing)
    cells.first.wait_for()
    assert cells.count() == 1, (containing, cells.count())
    return cells.first


def type_into(cell, source: str) -> None:
    """Replace the code of a cell by typing into its editor, as a student does (select all, type)."""
    cell.locator(".cm-content").click()
    page = cell.page
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(source)  # as typed, without the editor's automatic closing brackets


def run_and_wait(cell, expected: str | None = None, timeout_ms: int = 120_000) -> str:
    """Run a cell (Shift+Enter, as a student does), wait until it has run (a new execution
    count) and, if given, until `expected` is in its output; return its output."""
    prompt = cell.locator(".jp-InputPrompt")
    before = prompt.inner_text().strip()
    cell.locator(".jp-InputArea").click()
    cell.page.keyboard.press("Escape")  # command mode on this cell
    cell.page.keyboard.press("Shift+Enter")
    cell.page.wait_for_function("([node, before]) => /^\\[\\d+\\]:$/.test(node.textContent.trim())"
                                " && node.textContent.trim() !== before", arg=[prompt.element_handle(), before],
                                timeout=timeout_ms)
    if expected is not None:
        cell.locator(".jp-OutputArea").filter(has_text=expected).wait_for(timeout=timeout_ms)
    return cell.locator(".jp-OutputArea").inner_text()


def validate(page, timeout_ms: int = 300_000) -> list[tuple[str, str]]:
    """Click nbgrader's Validate in the notebook's toolbar and read its dialog: (the failed
    cell's code, what the dialog says under it) for each cell it lists. Closes the dialog."""
    page.locator(f"{NOTEBOOK} .validate-button").get_by_text("Validate").click()
    dialog = page.locator(".jp-Dialog").filter(has_text="Validation Results")
    dialog.wait_for(timeout=timeout_ms)
    listed = dialog.evaluate(
        """node => [...node.querySelectorAll('.jp-Dialog-body .jp-RenderedText pre')].map(pre => pre.innerText)""")
    return [(listed[k].strip(), listed[k + 1].strip()) for k in range(0, len(listed) - 1, 2)]


def close_dialog(page) -> None:
    page.locator(".jp-Dialog .jp-mod-accept").click()
    page.locator(".jp-Dialog").wait_for(state="detached")
