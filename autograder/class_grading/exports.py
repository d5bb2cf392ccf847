"""Grades that leave nbgrader: Gradescope's results.json and a Canvas gradebook CSV.

    python -m autograder export --format gradescope [--course DIR] [--to DIR]
    python -m autograder export --format canvas --roster roster.csv [--canvas-assignments ids.csv] [--to FILE]

and the same as nbgrader exporters, reading the course's nbgrader_config.py:

    nbgrader export --exporter=autograder.class_grading.exports.GradescopeExport [--to DIR]
    nbgrader export --exporter=autograder.class_grading.exports.CanvasExport --CanvasExport.roster=roster.csv

Both read only what the grading left (`autograder.class_grading.records`).

- **gradescope**: one results.json per submission, in Gradescope's autograder format: `score` (nbgrader's
  total, manual grades and late penalty included) and `tests`, one per check and per answer graded by
  hand, each with `name`, `score`, `max_score`, `output` (the verdict the feedback shows) and `visibility`
  (`after_published` for a hidden check, else `visible`). Written to DIR/<assignment>/<student>/.
- **canvas**: Canvas's gradebook import layout: `Student, ID, SIS User ID, Section`, then one column per
  assignment, `<assignment> (<Canvas assignment id>)`, and a "Points Possible" row. The roster is a CSV
  with the columns `nbgrader_id, Student, ID, SIS User ID, Section`; the Canvas assignment ids, a CSV with
  `assignment, canvas_id` (without it, a column is named by the assignment alone and Canvas makes a new
  assignment of it). A graded student missing from the roster is named, and the command exits 1.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from nbgrader.plugins import ExportPlugin
from traitlets import Unicode

from autograder.class_grading.records import CourseError, CourseRecords, assignment_of, read_course
from autograder.core.assignments import ASSIGNMENTS
from autograder.core.checks import checks_for

ROSTER_COLUMNS = ("nbgrader_id", "Student", "ID", "SIS User ID", "Section")
GRADESCOPE_FOLDER = Path("exports", "gradescope")  # in the course folder, unless --to says otherwise
CANVAS_FILE = Path("exports", "canvas_grades.csv")


def gradescope(records: CourseRecords, folder: Path) -> list[Path]:
    """One results.json per submission under folder/<assignment>/<student>/; their paths."""
    written = []
    for (student, assignment), submission in sorted(records.submissions.items()):
        tests = []
        for check in checks_for(assignment) if assignment in ASSIGNMENTS else []:
            found = submission.checks.get(check.id)
            tests.append({"name": check.id, "score": submission.cell_scores.get(check.id, 0.0),
                          "max_score": float(check.points),
                          "output": found.output if found else "not graded: the grading left no record of this check",
                          "visibility": "after_published" if check.hidden else "visible"})
        for manual in submission.manual:
            tests.append({"name": f"{manual.grade_id} (graded by hand)", "score": manual.points or 0.0,
                          "max_score": manual.max_points,
                          "output": "not graded yet" if manual.needs_grading or manual.points is None else "",
                          "visibility": "visible"})
        path = folder / assignment / student / "results.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"score": submission.score, "tests": tests}, indent=1))
        written.append(path)
    return written


def read_roster(path: Path) -> dict[str, dict[str, str]]:
    """nbgrader id -> the student's Canvas columns. CourseError for a missing file, a missing
    column, or an nbgrader id listed twice."""
    rows = _csv(path, ROSTER_COLUMNS, "roster")
    roster, seen = {}, {}
    for line, row in rows:
        key = row["nbgrader_id"].strip()
        if key in seen:
            raise CourseError(f"the roster {path} lists {key!r} twice (lines {seen[key]} and {line})")
        seen[key] = line
        roster[key] = {column: row[column] for column in ROSTER_COLUMNS[1:]}
    return roster


def read_canvas_assignments(path: Path | None) -> dict[str, str]:
    """assignment -> its Canvas id, from a CSV with the columns assignment, canvas_id."""
    if path is None:
        return {}
    ids = {}
    for line, row in _csv(path, ("assignment", "canvas_id"), "list of Canvas assignments"):
        if row["assignment"] in ids:
            raise CourseError(f"{path} lists the assignment {row['assignment']!r} twice (line {line})")
        ids[row["assignment"]] = row["canvas_id"].strip()
    return ids


def canvas(records: CourseRecords, roster: dict[str, dict[str, str]], canvas_ids: dict[str, str],
           path: Path) -> list[str]:
    """Write the Canvas gradebook CSV to `path`; return the graded students missing from the roster."""
    columns = [f"{a} ({canvas_ids[a]})" if a in canvas_ids else a for a in records.assignments]
    possible = {a: max((s.max_score for s in records.of(a)), default=0.0) for a in records.assignments}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow([*ROSTER_COLUMNS[1:], *columns])
        out.writerow(["    Points Possible", "", "", "", *[f"{possible[a]:g}" for a in records.assignments]])
        for student, row in roster.items():
            out.writerow([*map(_inert, row.values()), *[_points(records, student, a) for a in records.assignments]])
    graded = sorted({student for student, _ in records.submissions})
    return [student for student in graded if student not in roster]


def _inert(text: str) -> str:
    """A roster cell a spreadsheet will not run as a formula (a name can start with = or @)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _points(records: CourseRecords, student: str, assignment: str) -> str:
    found = records.submissions.get((student, assignment))
    return "" if found is None else f"{found.score:g}"


def _csv(path: Path, columns: tuple[str, ...], what: str) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise CourseError(f"no {what} at {path}")
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise CourseError(f"the {what} {path} has no column {', '.join(missing)} (it needs {', '.join(columns)})")
        return [(line, row) for line, row in enumerate(reader, start=2)]


def main(args) -> int:
    """`python -m autograder export`: 0 when written, 1 when a graded student is not in the roster."""
    course = Path(args.course)
    records = read_course(course)
    if records.unreadable:
        print("not exported, as nbgrader could not grade them: "
              + ", ".join(f"{student}/{assignment}" for student, assignment in records.unreadable))
    if args.format == "gradescope":
        folder = Path(args.to) if args.to else course / GRADESCOPE_FOLDER
        written = gradescope(records, folder)
        print(f"wrote {len(written)} results.json under {folder}")
        return 0
    if not args.roster:
        raise CourseError("--format canvas needs --roster FILE (columns: " + ", ".join(ROSTER_COLUMNS) + ")")
    path = Path(args.to) if args.to else course / CANVAS_FILE
    missing = canvas(records, read_roster(Path(args.roster)),
                     read_canvas_assignments(Path(args.canvas_assignments) if args.canvas_assignments else None), path)
    print(f"wrote {path}")
    if missing:
        print(f"not in the roster, so not in the CSV: {', '.join(missing)}")
        return 1
    return 0


class GradescopeExport(ExportPlugin):
    """nbgrader export --exporter=autograder.class_grading.exports.GradescopeExport [--to DIR]"""

    def export(self, gradebook) -> None:
        course = Path(self.parent.coursedir.root)
        try:
            records = _chosen(read_course(course), self.assignment, self.student)
        except CourseError as error:
            self.parent.fail(str(error))
        folder = Path(self.to) if self.to else course / GRADESCOPE_FOLDER
        self.log.info("wrote %d results.json under %s", len(gradescope(records, folder)), folder)


class CanvasExport(ExportPlugin):
    """nbgrader export --exporter=autograder.class_grading.exports.CanvasExport --CanvasExport.roster=FILE"""

    roster = Unicode("roster.csv", help="The roster CSV: " + ", ".join(ROSTER_COLUMNS)).tag(config=True)
    canvas_assignments = Unicode("", help="A CSV of assignment, canvas_id (optional)").tag(config=True)

    def export(self, gradebook) -> None:
        course = Path(self.parent.coursedir.root)
        try:
            records = _chosen(read_course(course), self.assignment, self.student)
            path = Path(self.to) if self.to else course / CANVAS_FILE
            ids = read_canvas_assignments(course / self.canvas_assignments if self.canvas_assignments else None)
            missing = canvas(records, read_roster(course / self.roster), ids, path)
        except CourseError as error:
            self.parent.fail(str(error))
        self.log.info("wrote %s", path)
        if missing:  # nbgrader export exits 1, saying who
            self.parent.fail(f"not in the roster, so not in {path}: {', '.join(missing)}")


def _chosen(records: CourseRecords, assignments: list[str], students: list[str]) -> CourseRecords:
    """nbgrader's --assignment and --student filters (an edition's id chooses its assignment)."""
    wanted = {assignment_of(a) for a in assignments}
    if wanted:
        records.assignments = [a for a in records.assignments if a in wanted]
    records.submissions = {k: v for k, v in records.submissions.items()
                           if (not wanted or k[1] in wanted) and (not students or k[0] in students)}
    return records
