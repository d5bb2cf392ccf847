"""After grading: the class report and the exports, checked against nbgrader's gradebook.

The demo class (course_tools/demo.py), graded by nbgrader: ada and eve submit the solutions,
blank the untouched release, casey one known mistake per step, drew the same mistakes with
the test cells that catch them edited or deleted, li the Chinese editions (casey's mistake in 03).
The report and the exports are by assignment: li's 03_sigmoid_loss_zh counts as 03_sigmoid_loss.
"""
import base64
import csv
import json
import subprocess
import sys

import nbformat
import pytest

from autograder.class_grading import exports, report
from autograder.class_grading.records import read_course
from autograder.core.assignments import ASSIGNMENTS, edition
from autograder.core.checks import checks_for
from course_tools import course, demo


@pytest.fixture(scope="module")
def summary(demo_class):
    folder, _ = demo_class
    return report.summarize(read_course(folder))


def totals(folder):
    """(student, assignment) -> (score, max score), from nbgrader's own export, of the edition each
    student submitted (nbgrader's export also lists, at 0, the edition they did not)."""
    return {(r["student_id"], edition(r["assignment"])[0]): (float(r["score"]), float(r["max_score"]))
            for r in course.export_grades(folder)
            if (folder / "submitted" / r["student_id"] / r["assignment"]).is_dir()}


def gradebook_scores(folder):
    """(student, assignment, grade id) -> score, from the gradebook, either edition counted as its assignment."""
    return {(s, edition(a)[0], g): score for (s, a, g), score in course.gradebook_scores(folder).items()}


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True,
                          timeout=600, cwd=cwd)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_checks_pass_rate_is_the_gradebooks(demo_class, summary, assignment):
    folder, _ = demo_class
    scores = gradebook_scores(folder)
    (shown,) = [a for a in summary.assignments if a.name == assignment]
    assert [c.check for c in shown.checks] == [c.id for c in checks_for(assignment)]
    for rate in shown.checks:
        full = [s for (s, a, g), score in scores.items() if a == assignment and g == rate.check
                and score == rate.points]
        graded = [s for (s, a, g) in scores if a == assignment and g == rate.check]
        assert (rate.passed, rate.graded) == (len(full), len(graded)), rate
        assert rate.hidden == next(c.hidden for c in checks_for(assignment) if c.id == rate.check)
    assert shown.scores == {s: t[0] for (s, a), t in totals(folder).items() if a == assignment}


def test_the_named_mistakes_are_casey_and_drews_each_with_its_fix(summary):
    named = {(m.assignment, m.mistake): m for m in summary.mistakes}
    assert set(named) == {(a, planned.mistake.id) for a, planned in demo.MISTAKE_OF.items()}
    for (assignment, _), counted in named.items():
        planned = demo.MISTAKE_OF[assignment]
        assert sorted(counted.students) == ["casey", "drew"] + (["li"] if assignment == demo.LI_MISTAKE else [])
        assert counted.checks and counted.checks <= planned.fails  # named only where a check failed
        assert counted.fix == planned.mistake.diagnosis
    assert summary.unnamed == []  # every failure of the demo class is a known mistake


def test_the_stuck_students_are_those_below_half_or_with_nothing_written(demo_class, summary):
    folder, _ = demo_class
    below = {s for (s, _), (score, top) in totals(folder).items() if score < report.STUCK_BELOW * top}
    assert set(summary.stuck) == below | {"blank"} and "blank" in below
    assert all("not written" in why for why in summary.stuck["blank"])
    assert summary.not_run == []


def test_the_page_has_every_section_its_plots_and_a_sortable_table(demo_class):
    folder, _ = demo_class
    done = run("report", "--course", str(folder))
    assert done.returncode == 0, done.stderr
    path = folder / "reports" / "class_report.html"
    assert done.stdout.strip() == f"wrote {path}"
    page = path.read_text()
    for heading in ("Named mistakes", "no known mistake explains", "stuck", "could not run", "Every student"):
        assert heading in page, heading
    plots = page.split("src='data:image/png;base64,")[1:]
    assert len(plots) == 2 * len(ASSIGNMENTS)  # a histogram and the pass rates of each assignment
    for plot in plots:
        assert base64.b64decode(plot.split("'", 1)[0])[:8] == b"\x89PNG\r\n\x1a\n"
    assert not any(f"{attribute}={quote}http" in page for attribute in ("src", "href") for quote in "'\"")
    assert "<link" not in page  # self-contained: nothing fetched
    assert "class='students sortable'" in page and "<script>" in page


def test_a_report_of_one_assignment_and_bad_input_in_one_line(demo_class, tmp_path):
    folder, _ = demo_class
    done = run("report", "03_sigmoid_loss", "--course", str(folder))
    assert done.returncode == 0 and (folder / "reports" / "03_sigmoid_loss.html").is_file()
    for args, said in [(["report", "--course", str(tmp_path)], "no gradebook.db in"),
                       (["report", "08_nothing", "--course", str(folder)], "has no assignment 08_nothing")]:
        done = run(*args)
        assert done.returncode == 2 and done.stderr.count("\n") == 1 and said in done.stderr, done.stderr


def test_gradescope_results_field_by_field(demo_class, tmp_path):
    folder, _ = demo_class
    done = run("export", "--format", "gradescope", "--course", str(folder), "--to", str(tmp_path / "gs"))
    assert done.returncode == 0, done.stderr
    scores, total = gradebook_scores(folder), totals(folder)
    paths = sorted((tmp_path / "gs").glob("*/*/results.json"))
    assert len(paths) == len(total)
    for path in paths:
        assignment, student = path.parent.parent.name, path.parent.name
        results = json.loads(path.read_text())
        assert results["score"] == total[student, assignment][0]
        checks = checks_for(assignment)
        tests = {t["name"]: t for t in results["tests"]}
        assert [t["name"] for t in results["tests"]][:len(checks)] == [c.id for c in checks]
        for c in checks:
            test = tests[c.id]
            assert set(test) == {"name", "score", "max_score", "output", "visibility"}
            assert test["visibility"] == ("after_published" if c.hidden else "visible")
            assert (test["score"], test["max_score"]) == (scores[student, assignment, c.id], float(c.points))
            assert test["output"].startswith(("✓ " if test["score"] == c.points else "✗ ") + c.id)
        manual = [t for t in results["tests"] if t["name"].endswith("(graded by hand)")]
        assert len(manual) == 1 and manual[0]["visibility"] == "visible"
    casey = json.loads((tmp_path / "gs" / "03_sigmoid_loss" / "casey" / "results.json").read_text())
    said = "\n".join(t["output"] for t in casey["tests"])
    assert demo.MISTAKE_OF["03_sigmoid_loss"].mistake.diagnosis in said


def test_gradescope_through_nbgraders_export_is_the_same(demo_class, tmp_path):
    folder, _ = demo_class
    run("export", "--format", "gradescope", "--course", str(folder), "--to", str(tmp_path / "command"))
    course.nbgrader(folder, "export", "--exporter=autograder.class_grading.exports.GradescopeExport",
                    f"--to={tmp_path / 'plugin'}")
    mine = {p.relative_to(tmp_path / "command"): p.read_text() for p in (tmp_path / "command").rglob("*.json")}
    theirs = {p.relative_to(tmp_path / "plugin"): p.read_text() for p in (tmp_path / "plugin").rglob("*.json")}
    assert mine and theirs == mine


def roster(path, rows):
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(exports.ROSTER_COLUMNS)
        out.writerows(rows)
    return path


def test_canvas_csv_names_a_student_missing_from_the_roster(demo_class, tmp_path):
    folder, _ = demo_class
    listed = [("ada", "=HYPERLINK(\"http://x\")", "101", "s101", "A"), ("blank", "B. Lank", "102", "s102", "A"),
              ("casey", "Casey J.", "103", "s103", "B"), ("drew", "Drew K.", "104", "s104", "B"),
              ("li", "李明", "105", "s105", "B")]  # no eve
    ids = tmp_path / "ids.csv"
    ids.write_text("assignment,canvas_id\n" + "".join(f"{a},{900 + i}\n" for i, a in enumerate(ASSIGNMENTS)))
    out = tmp_path / "canvas.csv"
    done = run("export", "--format", "canvas", "--course", str(folder), "--roster", str(roster(tmp_path / "r.csv", listed)),
               "--canvas-assignments", str(ids), "--to", str(out))
    assert done.returncode == 1 and "not in the roster, so not in the CSV: eve" in done.stdout, done.stdout
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0] == ["Student", "ID", "SIS User ID", "Section", *[f"{a} ({900 + i})" for i, a in enumerate(ASSIGNMENTS)]]
    assert rows[1][0].strip() == "Points Possible"
    total = totals(folder)
    assert rows[1][4:] == [f"{total['ada', a][1]:g}" for a in ASSIGNMENTS]
    by_id = {row[1]: row for row in rows[2:]}
    assert set(by_id) == {"101", "102", "103", "104", "105"}
    for nbgrader_id, name, canvas_id, sis, section in listed:
        inert = "'" + name if name.startswith("=") else name  # a spreadsheet shows it, never runs it
        assert by_id[canvas_id][:4] == [inert, canvas_id, sis, section]
        assert by_id[canvas_id][4:] == [f"{total[nbgrader_id, a][0]:g}" for a in ASSIGNMENTS]


def test_canvas_refuses_a_roster_with_a_student_twice_in_one_line(demo_class, tmp_path):
    folder, _ = demo_class
    twice = roster(tmp_path / "r.csv", [("ada", "Ada", "1", "", ""), ("casey", "C", "2", "", ""),
                                        ("ada", "Ada again", "3", "", "")])
    done = run("export", "--format", "canvas", "--course", str(folder), "--roster", str(twice))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "lists 'ada' twice (lines 2 and 4)" in done.stderr, done.stderr


def test_a_forged_record_in_a_submission_is_replaced_by_the_gradings(tmp_path):
    """A student who read this file writes 'passed' records into every cell of an untouched
    notebook: the report and the exports read what the grading found instead."""
    folder = course.new_course(tmp_path / "course")
    assignment = "01_init"
    course.nbgrader(folder, "generate_assignment", "--force", f"--assignment={assignment}")
    notebook = course.student_notebook(assignment)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "x")
        cell.metadata["autograder"] = {"check": grade_id, "status": "passed", "mistake": None, "points": 99.0,
                                       "max_points": 2.0, "hidden": False, "summary": ""}
    done = run("report", assignment, "--course", str(folder))  # released, not submitted yet
    assert done.returncode == 2 and f"nobody submitted {assignment}" in done.stderr, done.stderr
    course.submit(folder, "mallory", assignment, notebook)
    course.autograde(folder, assignment)
    records = read_course(folder).submissions["mallory", assignment].checks
    assert set(records) == {c.id for c in checks_for(assignment)}
    assert {r.status for r in records.values()} == {"not written"} and not any(r.points for r in records.values())
    graded = nbformat.read(course.notebook_path(folder / "autograded" / "mallory", assignment), as_version=4)
    assert not any("autograder" in c.metadata for c in graded.cells
                   if not (c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
                           and not c.metadata["nbgrader"].get("solution")))


def manual_answer(assignment: str) -> str:
    """The grade id of the assignment's answer an instructor grades by hand."""
    return next(c.metadata["nbgrader"]["grade_id"] for c in course.student_notebook(assignment).cells
                if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade"))


def test_manual_grading_progress_and_late_submissions_come_from_the_gradebook(demo_class):
    """As the formgrader would: one answer graded by hand; and two submissions after the due date."""
    import shutil
    from datetime import datetime

    from nbgrader.api import Gradebook

    folder = demo_class[0].parent / "report-manual"
    shutil.copytree(demo_class[0], folder)
    assignment = "03_sigmoid_loss"
    manual = manual_answer(assignment)
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gradebook:
        gradebook.find_grade(manual, assignment, assignment, "casey").manual_score = 1.5
        gradebook.update_or_create_assignment(assignment, duedate=datetime(2000, 1, 1))
        for student in ("casey", "eve"):  # handed in a day late; the others' times are unknown
            gradebook.find_submission(assignment, student).timestamp = datetime(2000, 1, 2)
        gradebook.add_assignment("quiz_by_hand")  # the course's, not the autograder's: no check of its own
        gradebook.db.commit()
    (shown,) = report.summarize(read_course(folder, assignment)).assignments
    everything = report.summarize(read_course(folder))
    assert "quiz_by_hand" in [a.name for a in everything.assignments]
    assert "quiz_by_hand: not submitted" in "; ".join(everything.stuck["ada"])
    assert "quiz_by_hand" in report.render(everything)
    assert (shown.manual_graded, shown.manual_to_grade) == (1, 0)
    assert sorted(shown.late) == ["casey", "eve"]
    assert shown.scores["casey"] == totals(demo_class[0])["casey", assignment][0] + 1.5


def test_grades_are_exported_again_once_the_gradebook_changes(demo_class, monkeypatch):
    """course.export_grades runs nbgrader export once per state of a gradebook (the tests read one
    class's totals many times): a score given by hand afterwards is in the next export."""
    import shutil

    from nbgrader.api import Gradebook

    folder = demo_class[0].parent / "export-again"
    shutil.copytree(demo_class[0], folder)
    ran, nbgrader = [], course.nbgrader
    monkeypatch.setattr(course, "nbgrader", lambda *args, **kwargs: ran.append(args[1:]) or nbgrader(*args, **kwargs))
    before = totals(folder)
    assert totals(folder) == before and ran == [("export",)]  # the second reading: the same gradebook
    assignment = "03_sigmoid_loss"
    manual = manual_answer(assignment)
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gradebook:
        gradebook.find_grade(manual, assignment, assignment, "casey").manual_score = 1.5
        gradebook.db.commit()
    assert totals(folder)["casey", assignment][0] == before["casey", assignment][0] + 1.5
    assert ran == [("export",), ("export",)]


def test_canvas_through_nbgraders_export_names_the_missing_student_and_fails(demo_class, tmp_path):
    folder, _ = demo_class
    listed = roster(tmp_path / "r.csv", [(s, s.title(), str(200 + i), "", "") for i, s in
                                         enumerate(("ada", "blank", "casey", "drew", "li"))])
    out = tmp_path / "canvas.csv"
    log = course.nbgrader(folder, "export", "--exporter=autograder.class_grading.exports.CanvasExport",
                          f"--CanvasExport.roster={listed}", f"--to={out}", must_succeed=False)
    assert f"not in the roster, so not in {out}: eve" in log, log
    assert [row[0] for row in csv.reader(out.open(encoding="utf-8"))][2:] == ["Ada", "Blank", "Casey", "Drew", "Li"]
