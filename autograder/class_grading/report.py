"""The class report: what a class got wrong, on one self-contained HTML page.

`python -m autograder report [ASSIGNMENT] [--course DIR]` reads what the grading left behind
(`autograder.class_grading.records`: the gradebook, and each check's record in the autograded
notebooks) and writes reports/class_report.html (or reports/<ASSIGNMENT>.html) in the course:

- per assignment, the score distribution and each check's pass rate (its function, hidden or not);
- the named mistakes, most common first (how many students, which, and the fix they were given),
  and the failures no known mistake explains, grouped by check and first line of the message;
- the students who are stuck, and the submissions the grading could not run;
- manual grading progress and late submissions; a sortable table of every student's scores.
"""
from __future__ import annotations

import base64
import html
import io
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from autograder.class_grading.records import CourseRecords, read_course
from autograder.core.assignments import ASSIGNMENTS
from autograder.core.checks import checks_for, known_mistakes

STUCK_BELOW = 0.5  # a submission below half its points makes its student "stuck"
COULD_NOT_RUN = ("timed out", "crashed", "not run")  # "not run": the grading could not reach the check


@dataclass
class CheckRate:
    check: str
    function: str
    hidden: bool
    points: float
    passed: int = 0
    graded: int = 0

    @property
    def rate(self) -> float:
        return self.passed / self.graded if self.graded else 0.0


@dataclass
class AssignmentSummary:
    name: str
    max_score: float
    scores: dict[str, float] = field(default_factory=dict)  # student -> score
    checks: list[CheckRate] = field(default_factory=list)
    manual_graded: int = 0
    manual_to_grade: int = 0
    late: list[str] = field(default_factory=list)


@dataclass
class MistakeCount:
    assignment: str
    mistake: str  # the known mistake's id
    function: str
    fix: str  # what the feedback told them
    students: list[str] = field(default_factory=list)
    checks: set[str] = field(default_factory=set)


@dataclass
class UnnamedFailure:
    assignment: str
    check: str
    summary: str
    students: list[str] = field(default_factory=list)


@dataclass
class ClassReport:
    course: Path
    assignments: list[AssignmentSummary]
    mistakes: list[MistakeCount]  # most common first
    unnamed: list[UnnamedFailure]  # most common first
    stuck: dict[str, list[str]]  # student -> why
    not_run: list[tuple[str, str, str]]  # (student, assignment, why)
    table: dict[str, dict[str, tuple[float, float] | None]]  # student -> assignment -> (score, max)


def summarize(records: CourseRecords) -> ClassReport:
    """Every figure of the report, from the records alone."""
    summaries, mistakes, unnamed = [], {}, {}
    stuck: dict[str, list[str]] = defaultdict(list)
    not_run = [(s, a, "nbgrader could not grade the notebook (unreadable, or its grading failed)")
               for s, a in records.unreadable]
    for assignment in records.assignments:
        known = assignment in ASSIGNMENTS  # else an assignment of the course graded by hand only
        checks = {c.id: c for c in checks_for(assignment)} if known else {}
        fixes = {k.id: k for k in known_mistakes(assignment)} if known else {}
        submitted = records.of(assignment)
        summary = AssignmentSummary(assignment, max((s.max_score for s in submitted), default=0.0))
        rates = {c.id: CheckRate(c.id, c.function, c.hidden, float(c.points)) for c in checks.values()}
        for sub in submitted:
            summary.scores[sub.student] = sub.score
            summary.manual_graded += sum(m.points is not None and not m.needs_grading for m in sub.manual)
            summary.manual_to_grade += sum(m.needs_grading for m in sub.manual)
            if sub.seconds_late > 0:
                summary.late.append(sub.student)
            for record in sub.checks.values():
                if record.check not in rates:
                    continue
                rates[record.check].graded += 1
                rates[record.check].passed += record.status == "passed"
                if record.mistake in fixes:
                    known = fixes[record.mistake]
                    count = mistakes.setdefault((assignment, known.id), MistakeCount(
                        assignment, known.id, known.function, known.diagnosis))
                    count.checks.add(record.check)
                    if sub.student not in count.students:
                        count.students.append(sub.student)
                elif record.status == "failed":
                    group = unnamed.setdefault((assignment, record.check, record.summary),
                                               UnnamedFailure(assignment, record.check, record.summary))
                    group.students.append(sub.student)
            broke = min((r for r in sub.checks.values() if r.status in COULD_NOT_RUN),  # the cause first
                        key=lambda r: COULD_NOT_RUN.index(r.status), default=None)
            if broke is not None:
                not_run.append((sub.student, assignment, f"{broke.check}: {broke.summary}"))
            unwritten = [f for f in dict.fromkeys(c.function for c in checks.values())
                         if _all_unwritten([r for r in sub.checks.values()
                                            if r.check in checks and checks[r.check].function == f])]
            below = bool(sub.max_score) and sub.score < STUCK_BELOW * sub.max_score
            if below or unwritten:
                stuck[sub.student].append(f"{assignment}: {sub.score:g} of {sub.max_score:g} points"
                                          + (f", {' and '.join(unwritten)} not written" if unwritten else ""))
        for student in records.students:
            if (student, assignment) not in records.submissions and (student, assignment) not in records.unreadable:
                stuck[student].append(f"{assignment}: not submitted")
        summary.checks = list(rates.values())
        summaries.append(summary)
    table = {student: {a: ((records.submissions[student, a].score, records.submissions[student, a].max_score)
                           if (student, a) in records.submissions else None) for a in records.assignments}
             for student in records.students}
    return ClassReport(records.folder, summaries,
                       sorted(mistakes.values(), key=lambda m: (-len(m.students), m.assignment, m.mistake)),
                       sorted(unnamed.values(), key=lambda u: (-len(u.students), u.assignment, u.check)),
                       dict(sorted(stuck.items())), sorted(not_run), table)


def _all_unwritten(records) -> bool:
    return bool(records) and all(r.status == "not written" for r in records)


def write(course: Path, assignment: str | None = None) -> Path:
    """Write the report of the graded course in `course` (one assignment, or all); its path."""
    report = summarize(read_course(course, assignment))
    path = course / "reports" / f"{assignment or 'class_report'}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(report, assignment), encoding="utf-8")
    return path


# ---- the page --------------------------------------------------------------------------------

def render(report: ClassReport, assignment: str | None = None) -> str:
    e = html.escape
    parts = [f"<h1>Class report: {e(assignment or 'every assignment')}</h1>",
             f"<p class='where'>{e(str(report.course))} · {_many(len(report.table), 'student')} · "
             f"{_many(len(report.assignments), 'assignment')}. Figures from the gradebook and the grading's record of each "
             "check; nothing was run again.</p>"]
    parts.append("<h2>Named mistakes, most common first</h2>")
    parts.append(_table(["assignment", "mistake", "function", "students", "who", "checks it failed",
                         "the fix they were given"],
                        [[m.assignment, m.mistake, m.function, len(m.students), ", ".join(m.students),
                          ", ".join(sorted(m.checks)), m.fix] for m in report.mistakes], "mistakes")
                 if report.mistakes else "<p>No known mistake was named.</p>")
    parts.append("<h2>Failures no known mistake explains</h2><p>Grouped by check and the first line of the "
                 "message: the unknown mistakes worth adding to the catalogue.</p>")
    parts.append(_table(["assignment", "check", "message", "students", "who"],
                        [[u.assignment, u.check, u.summary, len(u.students), ", ".join(u.students)]
                         for u in report.unnamed], "unnamed")
                 if report.unnamed else "<p>None.</p>")
    parts.append(f"<h2>Students who are stuck</h2><p>Below {STUCK_BELOW:.0%} of an assignment's points, a "
                 "function not written, or an assignment not submitted.</p>")
    parts.append(_table(["student", "why"], [[s, "; ".join(why)] for s, why in report.stuck.items()], "stuck")
                 if report.stuck else "<p>Nobody.</p>")
    parts.append("<h2>Submissions the grading could not run</h2>")
    parts.append(_table(["student", "assignment", "what happened"], [list(row) for row in report.not_run], "not-run")
                 if report.not_run else "<p>None: every submission ran.</p>")
    parts.append("<h2>Every student</h2><p>Click a column to sort.</p>")
    names, possible = [a.name for a in report.assignments], sum(a.max_score for a in report.assignments)
    parts.append(_table(["student", *names, "total"],
                        [[s, *[_score(row[a]) for a in names], _score((sum(v[0] for v in row.values() if v), possible))]
                         for s, row in report.table.items()], "students", sortable=True))
    for summary in report.assignments:
        parts.append(_assignment(summary))
    return PAGE.format(title=e(f"Class report: {assignment or 'every assignment'}"), body="\n".join(parts))


def _assignment(summary: AssignmentSummary) -> str:
    e = html.escape
    scores = list(summary.scores.values())
    mean = sum(scores) / len(scores) if scores else 0.0
    head = (f"<section class='assignment' id='{e(summary.name)}'><h2>{e(summary.name)}</h2>"
            f"<p>{len(scores)} submissions, mean {mean:.1f} of {summary.max_score:g}. Manual grading: "
            f"{summary.manual_graded} answers graded, {summary.manual_to_grade} to grade. Late: "
            f"{', '.join(summary.late) or 'none'}.</p>")
    plots = (_plot_histogram(summary) + _plot_rates(summary)) if scores else ""
    rates = _table(["check", "function", "hidden", "points", "passed", "pass rate"],
                   [[c.check, c.function, "hidden" if c.hidden else "public", f"{c.points:g}",
                     f"{c.passed} of {c.graded}", f"{c.rate:.0%}"] for c in summary.checks], "rates")
    return head + f"<div class='plots'>{plots}</div>" + rates + "</section>"


def _many(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _score(value: tuple[float, float] | None) -> str:
    return "—" if value is None else f"{value[0]:g} / {value[1]:g}"


def _table(header: list[str], rows: list[list], name: str, sortable: bool = False) -> str:
    e = html.escape
    head = "".join(f"<th>{e(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>" for row in rows)
    return (f"<table class='{name}{' sortable' if sortable else ''}'><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _png(figure) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return f"<img class='plot' alt='' src='data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}'>"


def _figure(width: float, height: float):
    """A figure and its axes, drawn off screen."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def _plot_histogram(summary: AssignmentSummary) -> str:
    figure, axes = _figure(4.5, 2.6)
    top = summary.max_score or 1.0
    axes.hist(list(summary.scores.values()), bins=10, range=(0, top), color="#4c72b0", edgecolor="white")
    axes.set(title=f"{summary.name}: scores", xlabel=f"points (of {top:g})", ylabel="students")
    axes.yaxis.get_major_locator().set_params(integer=True)
    return _png(figure)


def _plot_rates(summary: AssignmentSummary) -> str:
    figure, axes = _figure(5.5, 0.3 * len(summary.checks) + 0.9)
    names = [c.check + (" (hidden)" if c.hidden else "") for c in summary.checks]
    axes.barh(names[::-1], [100 * c.rate for c in summary.checks][::-1], color="#55a868")
    axes.set(title=f"{summary.name}: pass rate per check", xlabel="% of submissions", xlim=(0, 100))
    axes.tick_params(axis="y", labelsize=7)
    return _png(figure)


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }}
th {{ background: #f2f2f2; }}
table.sortable th {{ cursor: pointer; }}
.where {{ color: #666; }}
.plots img {{ margin-right: 1em; }}
</style></head><body>
{body}
<script>
for (const table of document.querySelectorAll("table.sortable")) {{
  table.querySelectorAll("th").forEach((th, column) => th.addEventListener("click", () => {{
    const body = table.tBodies[0], up = th.dataset.order !== "up";
    const key = row => {{
      const text = row.cells[column].textContent, number = parseFloat(text);
      return text === "—" ? -Infinity : isNaN(number) ? text : number;  // not submitted: lowest
    }};
    [...body.rows].sort((a, b) => (key(a) > key(b) ? 1 : key(a) < key(b) ? -1 : 0) * (up ? 1 : -1))
      .forEach(row => body.appendChild(row));
    th.dataset.order = up ? "up" : "down";
  }}));
}}
</script>
</body></html>
"""
