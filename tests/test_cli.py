"""`python -m autograder check`: exit codes, output, JSON, notebooks, and bad input."""
import json
import subprocess
import sys

import nbformat
import pytest

from autograder.core.paths import SOLUTIONS


def run(*args):
    return subprocess.run([sys.executable, "-m", "autograder", *args],
                          capture_output=True, text=True, timeout=300)


def test_a_full_solution_exits_0_with_a_line_per_check_and_a_total():
    done = run("check", "03_sigmoid_loss", str(SOLUTIONS / "sigmoid_loss.py"))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "Total: 10/10"
    assert "2/2  mnist_loss_matches_reference  ok" in lines
    assert "1/1  mnist_loss_is_differentiable  (hidden)  ok" in lines


def test_json_report(tmp_path):
    path = tmp_path / "answer.py"
    path.write_text("def sigmoid(x):\n    return 1 / (1 + torch.exp(-x))\n")
    done = run("check", "03_sigmoid_loss", str(path), "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert set(report) == {"assignment", "score", "max_score", "checks", "sandbox"}
    assert report["assignment"] == "03_sigmoid_loss" and report["max_score"] == 10
    assert report["score"] == 5  # the four sigmoid checks pass, the four mnist_loss checks fail
    for c in report["checks"]:
        assert set(c) == {"id", "points", "max_points", "passed", "message", "hidden", "status", "mistake"}
        assert c["passed"] == c["id"].startswith("sigmoid")
        assert bool(c["message"]) != c["passed"]
        assert c["status"] == ("passed" if c["passed"] else "not written") and c["mistake"] is None


def test_json_names_the_status_and_the_known_mistake_of_each_check(tmp_path):
    path = tmp_path / "answer.py"
    path.write_text("def sigmoid(x):\n    return 1 / (1 + torch.exp(-x))\n\n"
                    "def mnist_loss(predictions, targets):\n"
                    "    return torch.where(targets == 1, 1 - predictions, predictions).mean()\n")
    report = json.loads(run("check", "03_sigmoid_loss", str(path), "--json").stdout)
    by_id = {c["id"]: c for c in report["checks"]}
    assert by_id["mnist_loss_matches_reference"]["status"] == "failed"
    assert by_id["mnist_loss_matches_reference"]["mistake"] == "loss_without_sigmoid"
    assert by_id["mnist_loss_returns_a_scalar"]["status"] == "passed"


def test_a_syntax_error_scores_0_and_points_at_its_line(tmp_path):
    path = tmp_path / "answer.py"
    path.write_text("def init_params(size, std=1.0):\n    return torch.randn(size) * std).requires_grad_()\n")
    done = run("check", "01_init", str(path), "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["score"] == 0
    assert all("SyntaxError at line 2" in c["message"] for c in report["checks"])


def test_code_after_a_crash_still_counts_what_ran(tmp_path):
    path = tmp_path / "answer.py"
    path.write_text("def sigmoid(x):\n    return 1 / (1 + torch.exp(-x))\n\nprint(undefined_name)\n")
    report = json.loads(run("check", "03_sigmoid_loss", str(path), "--json").stdout)
    by_id = {c["id"]: c for c in report["checks"]}
    assert by_id["sigmoid_matches_reference"]["passed"]
    assert "NameError" in by_id["mnist_loss_matches_reference"]["message"]
    assert "line 4" in by_id["mnist_loss_matches_reference"]["message"]


def test_a_file_may_use_earlier_steps_functions_and_the_notebook_names(tmp_path):
    path = tmp_path / "answer.py"
    path.write_text("def calc_grad(xb, yb, model):\n"
                    "    loss = mnist_loss(model(xb), yb)\n"
                    "    loss.backward()\n"
                    "    return loss\n")
    done = run("check", "04_calc_grad", str(path))
    assert done.returncode == 0, done.stdout


def test_a_notebook_submission(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# My answers"),
        nbformat.v4.new_code_cell("%matplotlib inline\nimport torch"),
        nbformat.v4.new_code_cell((SOLUTIONS / "predict.py").read_text()),
        nbformat.v4.new_code_cell("raise ValueError('a test cell the grader skips')",
                                  metadata={"nbgrader": {"grade": True, "solution": False,
                                                         "grade_id": "t", "points": 1}}),
    ]
    path = tmp_path / "answers.ipynb"
    nbformat.write(notebook, path)
    done = run("check", "02_predict", str(path))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("args, says", [
    (["check", "08_transformers", "x.py"], "unknown assignment '08_transformers'"),
    (["check", "01_init", "missing.py"], "missing.py: no such file"),
    (["check", "01_init", "answers.txt"], "expected a .py file or a .ipynb notebook"),
    (["check", "01_init", "binary.py"], "cannot be read"),
    (["check", "01_init", "broken.ipynb"], "not a valid notebook"),
])
def test_bad_input_to_the_command_is_one_line_and_exit_2(tmp_path, monkeypatch, args, says):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "answers.txt").write_text("def init_params(size, std=1.0): pass\n")
    (tmp_path / "binary.py").write_bytes(b"\xff\xfe\x00\x81 not utf-8")
    (tmp_path / "broken.ipynb").write_text("{ this is not json")
    done = run(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and says in done.stderr


@pytest.mark.parametrize("command", [["release"], ["run-notebooks", "source"], ["demo"]])
def test_a_maintainers_command_without_the_course_tools_says_what_it_needs(command, monkeypatch, capsys):
    """In a student's installed wheel there is no course_tools/: one line saying so, not an internal error."""
    import sys

    from autograder import cli

    for name in ("course_tools", "course_tools.course", "course_tools.demo"):  # imported already, or not:
        monkeypatch.setitem(sys.modules, name, None)  # importing any of them now fails, as in the wheel
    assert cli.main(command) == 2
    err = capsys.readouterr().err
    assert f"`{command[0]}` is a maintainer's command" in err and "internal error" not in err, err


def test_a_machine_without_mnist_is_told_how_to_get_it_in_one_line(tmp_path):
    """The main job on a machine with neither the images nor the archive MNIST_PNG_TGZ names: what
    to do, in one line, not "internal error"."""
    import os

    env = dict(os.environ, FASTAI_HOME=str(tmp_path / "fastai"), MNIST_PNG_TGZ=str(tmp_path / "mnist_png.tgz"))
    done = subprocess.run([sys.executable, "-m", "autograder", "demo", "--folder", str(tmp_path / "demo")],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and "internal error" not in done.stderr, done.stderr
    assert f"MNIST_PNG_TGZ names {tmp_path / 'mnist_png.tgz'}, which is not a file" in done.stderr, done.stderr
