"""The checks as pytest tests (autograder/integration/pytest_plugin.py): the verdicts and points of
`python -m autograder check`, one pytest item per check, JUnit properties, the README's CI examples."""
import json
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from course_tools import course
from catalog import ALTERNATIVES, WRONG, stubs

README = Path(__file__).resolve().parent.parent / "README.md"


def pytest_face(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          capture_output=True, text=True, timeout=900, cwd=folder)


def check_json(path: Path, assignment: str) -> dict:
    """What `python -m autograder check --json` reports (its grade_file and its JSON of each check),
    graded in this process from the suite's warm zygote."""
    from autograder.cli import _json, grade_file
    from catalog import shared_zygote

    results = grade_file(assignment, path, zygote=shared_zygote())
    return {"score": sum(r.points for r in results), "max_score": sum(r.max_points for r in results),
            "checks": [_json(r) for r in results]}


def junit(path: Path) -> dict:
    """{check id: (outcome, properties, message)} from a JUnit XML report."""
    cases = {}
    for case in ElementTree.parse(path).getroot().iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        failure, skipped = case.find("failure"), case.find("skipped")
        outcome = "failed" if failure is not None else "skipped" if skipped is not None else "passed"
        cases[case.get("name")] = (outcome, props, (failure.text or "") if failure is not None else "")
    return cases


def submission(folder: Path, entry) -> Path:
    """The entry as a .py file a student hands in (the other functions: the reference ones)."""
    from attacks import _other_reference_functions

    path = folder / "answers.py"
    path.write_text(_other_reference_functions(entry.assignment, entry.code) + "\n\n" + entry.code)
    return path


SAMPLE = ([stubs(a) for a in ("01_init", "03_sigmoid_loss", "06_epoch_loop")]
          + [e for e in WRONG if e.known in ("branches_swapped", "no_zeroing", "last_batch_only", "no_relu")]
          + [e for e in ALTERNATIVES if e.what in ("torch.addmm", "a dataclass")])


@pytest.mark.parametrize("entry", SAMPLE, ids=[f"{e.assignment}:{e.what}" for e in SAMPLE])
def test_every_verdict_and_point_is_the_command_lines(entry, tmp_path):
    path = submission(tmp_path, entry)
    done = pytest_face(tmp_path, "--submission", str(path), "--assignment", entry.assignment,
                       f"--junitxml={tmp_path / 'report.xml'}", "-q")
    report = check_json(path, entry.assignment)
    cases = junit(tmp_path / "report.xml")
    assert set(cases) == {c["id"] for c in report["checks"]}
    for c in report["checks"]:
        outcome, props, message = cases[c["id"]]
        assert outcome == ("passed" if c["passed"] else "failed"), c["id"]
        assert float(props["points"]) == c["points"] and float(props["max_points"]) == c["max_points"]
        assert props["hidden"] == str(c["hidden"])
        if not c["passed"]:
            assert message.strip() == c["message"].strip(), (message, c["message"])
    assert done.stdout.rstrip().endswith(f"score {report['score']:g}/{report['max_score']:g}"), done.stdout
    assert done.returncode == (0 if report["score"] == report["max_score"] else 1)
    assert "Traceback" not in done.stdout and "autograder/" not in done.stdout


def test_k_x_and_last_failed_behave_as_pytest_users_expect(tmp_path):
    entry = next(e for e in WRONG if e.known == "branches_swapped")
    path = submission(tmp_path, entry)
    args = ["-o", "cache_dir=" + str(tmp_path / ".cache"), "--submission", str(path), "--assignment", entry.assignment]
    run = lambda *more: subprocess.run([sys.executable, "-m", "pytest", *args, *more],  # noqa: E731
                                       capture_output=True, text=True, timeout=900, cwd=tmp_path)
    only_sigmoid = run("-k", "sigmoid_", "-q")
    assert re.search(r"\b4 passed, 4 deselected\b", only_sigmoid.stdout), only_sigmoid.stdout
    first_failure = run("-x", "-q")
    assert re.search(r"\b1 failed, 5 passed\b", first_failure.stdout), first_failure.stdout  # the sixth check fails
    everything = run("-q")
    assert re.search(r"\b[1-4] failed, [4-7] passed\b", everything.stdout), everything.stdout
    again = run("--lf", "-q")
    failed = int(re.search(r"\b(\d) failed\b", everything.stdout).group(1))
    assert re.search(rf"\b{failed} failed\b", again.stdout) and " passed" not in again.stdout.splitlines()[-2], again.stdout


def test_the_assignment_of_a_release_notebook_is_read_from_it(tmp_path):
    notebook = course.student_notebook("02_predict", course.reference_answers("02_predict"))
    path = tmp_path / "my_copy.ipynb"
    import nbformat

    nbformat.write(notebook, path)
    done = pytest_face(tmp_path, "--submission", str(path), "-q")
    assert done.returncode == 0 and "score 10/10" in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize("args, says", [
    (["--submission", "missing.py", "--assignment", "01_init"], "missing.py: no such file"),
    (["--submission", "notes.txt", "--assignment", "01_init"], "expected a .py file or a .ipynb notebook"),
    (["--submission", "answers.py", "--assignment", "08_transformers"], "unknown assignment '08_transformers'"),
    (["--submission", "answers.py"], "which assignment is it?"),
])
def test_bad_input_stops_collection_with_one_line(tmp_path, args, says):
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "answers.py").write_text("x = 1\n")
    done = pytest_face(tmp_path, *args)
    assert done.returncode == 4 and says in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert len([line for line in done.stderr.splitlines() if line.strip()]) == 1, done.stderr


def test_in_a_students_copy_hidden_checks_are_not_run_rather_than_passed(tmp_path):
    """Without the hidden references (the wheel): hidden checks are skipped, "not run"."""
    entry = next(e for e in ALTERNATIVES if e.assignment == "03_sigmoid_loss")
    path = submission(tmp_path, entry)
    public = tmp_path / "refs" / "public"
    public.mkdir(parents=True)
    from autograder.core import references

    (public / "03_sigmoid_loss.pt").write_bytes(references.path("03_sigmoid_loss", "public").read_bytes())
    script = tmp_path / "as_a_student.py"
    script.write_text(textwrap.dedent(f"""
        import sys, pytest
        from autograder.core import references
        references.REFERENCES = __import__("pathlib").Path({str(tmp_path / 'refs')!r})
        sys.exit(pytest.main(["-p", "no:cacheprovider", "-q", "--submission", {str(path)!r},
                              "--assignment", "03_sigmoid_loss", "-rs"]))
    """))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert done.returncode == 0, done.stdout
    assert re.search(r"\b4 passed, 4 skipped\b", done.stdout), done.stdout
    assert "not run: hidden checks run only when your instructor grades" in done.stdout
    assert "score 6/6 (4 points of hidden checks not run here)" in done.stdout


def _readme_block(after: str, language: str) -> str:
    text = README.read_text()
    start = text.index(after)
    block = re.search(rf"```{language}\n(.*?)```", text[start:], re.S)
    return block.group(1)


def test_the_readmes_github_classroom_example_grades_a_submission(tmp_path):
    config = json.loads(_readme_block("GitHub Classroom", "json"))
    (test,) = config["tests"]
    assert test["points"] == 10 and test["name"] == "03_sigmoid_loss"
    import nbformat

    nbformat.write(course.student_notebook("03_sigmoid_loss", course.reference_answers("03_sigmoid_loss")),
                   tmp_path / "03_sigmoid_loss.ipynb")
    done = subprocess.run(test["run"].replace("python ", f"{sys.executable} ", 1), shell=True, capture_output=True,
                          text=True, timeout=900, cwd=tmp_path)
    assert done.returncode == 0 and "score 10/10" in done.stdout, done.stdout + done.stderr


def test_the_readmes_gitlab_example_writes_a_junit_report(tmp_path):
    import yaml

    job = yaml.safe_load(_readme_block("GitLab", "yaml"))["grade"]
    assert job["artifacts"]["reports"]["junit"] == "report.xml"
    (command,) = [line for line in job["script"] if "pytest" in line]
    import nbformat

    folder = tmp_path / "03_sigmoid_loss"
    folder.mkdir()
    nbformat.write(course.student_notebook("03_sigmoid_loss"), folder / "03_sigmoid_loss.ipynb")  # nothing written
    done = subprocess.run(command.replace("python ", f"{sys.executable} ", 1), shell=True, capture_output=True,
                          text=True, timeout=900, cwd=tmp_path)
    assert done.returncode == 1 and "score 0/10" in done.stdout, done.stdout + done.stderr
    cases = junit(tmp_path / "report.xml")
    assert len(cases) == 8 and all(outcome == "failed" for outcome, _, _ in cases.values())
