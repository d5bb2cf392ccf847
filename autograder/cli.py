"""The command line.

    python -m autograder check ASSIGNMENT PATH [--json]   grade a .py file or a notebook
    python -m autograder references [--check]             rebuild (or verify) the reference tensors
    python -m autograder release                          the Chinese notebooks into source/, then release/ with nbgrader
    python -m autograder run-notebooks source|release     run every notebook top to bottom, timed
    python -m autograder grade [ASSIGNMENT] [--jobs N]    grade a whole nbgrader course in parallel
    python -m autograder tls-certificates DIR             certificates for a Dask cluster of graders
    python -m autograder report [ASSIGNMENT]              the class report: what the class got wrong (HTML)
    python -m autograder export --format gradescope|canvas   grades for Gradescope or a Canvas gradebook
    python -m autograder demo                             the main job: references, release, a demo class

`check` exits 0 when every check passed, 1 when some failed (a submission that
does not even run included), 2 for bad input to the command itself; with --json it
prints its JSON in every case. No input makes it print a traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from autograder.core.assignments import ASSIGNMENTS, COURSE_ASSIGNMENTS, UnknownAssignment, edition, module_name
from autograder.class_grading.cluster_tls import TlsError
from autograder.class_grading.records import CourseError
from autograder.core.messages import LANGUAGES, language_of, say, speaking, translations
from autograder.core.limits import Limits
from autograder.core.paths import SOLUTIONS
from autograder.core.submission import SubmissionError, read_cells



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("check", help="grade a student's .py file or notebook")
    grade.add_argument("assignment", help=f"one of {', '.join(ASSIGNMENTS)}, or its Chinese edition (ID_zh)")
    grade.add_argument("path", help="a .py file or a .ipynb notebook with the student's functions")
    grade.add_argument("--json", action="store_true", help="print one JSON object instead")
    grade.add_argument("--lang", choices=LANGUAGES, help="the language of the messages (default: the edition's, "
                                                       "zh for ID_zh, else en)")
    grade.add_argument("--check-seconds", type=float, default=Limits.check_seconds,
                       help="CPU seconds one check may compute (default %(default)g); it may wait three times as long")
    grade.add_argument("--submission-seconds", type=float, default=Limits.submission_seconds,
                       help="seconds all the checks of the file may take (default %(default)g)")
    grade.add_argument("--memory-gib", type=float, default=Limits.memory_bytes / 2**30,
                       help="memory the student's code may use (default %(default)g GiB)")
    refs = commands.add_parser("references", help="rebuild the reference tensors from solutions/")
    refs.add_argument("--check", action="store_true", help="only verify they are up to date")
    commands.add_parser("release", help="translated notebooks into source/, then release/ from source/ with nbgrader")
    run_parser = commands.add_parser("run-notebooks", help="run the source or release notebooks, timed")
    run_parser.add_argument("which", choices=["source", "release"])
    class_parser = commands.add_parser(
        "grade", help="grade every submission of an nbgrader course in parallel, into its gradebook")
    class_parser.add_argument("assignment", nargs="?", help="one assignment (default: all of them)")
    class_parser.add_argument("--course", default=".", help="the nbgrader course folder (default: here)")
    class_parser.add_argument("--jobs", type=_positive, default=os.cpu_count() or 1,
                              help="grading processes on this machine (default: one per core, %(default)s)")
    class_parser.add_argument("--scheduler", metavar="ADDRESS",
                              help="send the jobs to this Dask scheduler (tls://host:8786) instead")
    class_parser.add_argument("--tls", metavar="DIR",
                              help="the cluster's certificates (ca.pem, cert.pem, key.pem), for --scheduler")
    tls_parser = commands.add_parser("tls-certificates",
                                     help="make the certificates a Dask cluster of graders trusts each other with")
    tls_parser.add_argument("folder", help="where to write ca.pem, cert.pem and key.pem")
    class_parser.add_argument("--force", action="store_true",
                              help="grade again submissions already autograded (as nbgrader's --force)")
    report_parser = commands.add_parser("report", help="write the class report of a graded course (one HTML page)")
    report_parser.add_argument("assignment", nargs="?", help="one assignment (default: all of them)")
    report_parser.add_argument("--course", default=".", help="the nbgrader course folder (default: here)")
    export_parser = commands.add_parser("export", help="export a graded course's grades to Gradescope or Canvas")
    export_parser.add_argument("--format", required=True, choices=["gradescope", "canvas"])
    export_parser.add_argument("--course", default=".", help="the nbgrader course folder (default: here)")
    export_parser.add_argument("--to", help="where to write (default: COURSE/exports/...)")
    export_parser.add_argument("--roster", help="for canvas: a CSV of nbgrader_id, Student, ID, SIS User ID, Section")
    export_parser.add_argument("--canvas-assignments", help="for canvas: a CSV of assignment, canvas_id")
    demo_parser = commands.add_parser("demo", help="the main job: the whole pipeline on a demo class")
    demo_parser.add_argument("--folder", default="demo_course", help="where the demo course goes")
    args = parser.parse_args(argv)
    with speaking(_language(args)):  # a student's `check` hears its errors in the language of its edition
        try:
            return _run(args)
        except (UnknownAssignment, SubmissionError, TlsError, CourseError) as error:
            return _bad_input(args, str(error))
        except Exception as error:  # never a traceback: one line, and the JSON the caller waits for
            if isinstance(error, ModuleNotFoundError) and (error.name or "").split(".")[0] == "course_tools":
                return _bad_input(args, f"`{args.command}` is a maintainer's command: it needs a clone of the "
                                        "course (its course_tools/, source/ and solutions/), not the installed "
                                        "autograder")
            # No MNIST here: the message says how to get it. (Looked up, not imported: the module imports
            # torch, and it is loaded already whenever it is what raised.)
            data = sys.modules.get("autograder.core.data")
            if data is not None and isinstance(error, data.DataUnavailable):
                return _bad_input(args, str(error))
            return _bad_input(args, say("internal error ({kind}: {error}); please report it",
                                        kind=type(error).__name__, error=error))


def _language(args) -> str:
    """The language `check` speaks: --lang, else its edition's (ID_zh: Chinese), even when the ID
    is wrong; the maintainers' commands speak English."""
    if args.command != "check":
        return "en"
    if args.lang:
        return args.lang
    return language_of(args.assignment) or "en"


def _bad_input(args, why: str) -> int:
    print(say("autograder: error: {why}", why=why), file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps({"assignment": args.assignment, "score": 0, "max_score": _max_score(args.assignment),
                          "error": why, "checks": []}, indent=1))
    return 2


def _max_score(assignment: str) -> float:
    from autograder.core.checks import checks_for

    try:
        return sum(c.points for c in checks_for(edition(assignment)[0]))
    except (UnknownAssignment, KeyError):
        return 0


def _run(args) -> int:
    if args.command == "check":
        limits = Limits(check_seconds=args.check_seconds, submission_seconds=args.submission_seconds,
                        memory_bytes=int(args.memory_gib * 2**30))
        return report_submission(args.assignment, args.path, limits, as_json=args.json, language=args.lang)
    if args.command == "references":
        return references(verify_only=args.check)
    if args.command == "release":
        from course_tools.course import rebuild
        from course_tools.translation import TranslationError

        try:
            translated = rebuild()
        except TranslationError as error:
            return _bad_input(args, f"{error}; release/ is unchanged")
        print(f"source/: {len(translated)} translated notebooks built from translations/; "
              "release/ regenerated from source/")
        return 0
    if args.command == "grade":
        from autograder.class_grading import grade as class_grading

        return class_grading.main(args)
    if args.command == "report":
        from autograder.class_grading import report

        print(f"wrote {report.write(Path(args.course), args.assignment)}")
        return 0
    if args.command == "export":
        from autograder.class_grading import exports

        return exports.main(args)
    if args.command == "run-notebooks":
        return run_notebooks(args.which)
    if args.command == "tls-certificates":
        from autograder.class_grading.cluster_tls import make_certificates

        for path in make_certificates(Path(args.folder)):
            print(f"wrote {path}")
        return 0
    return demo(Path(args.folder))


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of processes, 1 or more, not {text!r}")
    return int(text)


def grade_file(assignment: str, path: str | Path, limits: Limits = Limits(), timing: dict | None = None,
               zygote=None) -> list:
    """Every check of `assignment`, public and hidden, on the file at `path`, the student's
    code running in a sandboxed worker: a list of runner.Result. timing, zygote: as grade_isolated's."""
    module_name(assignment)  # an unknown assignment is the command's error, before any file
    cells = read_cells(path)
    from autograder.isolation.runner import grade_isolated

    return grade_isolated(assignment, cells, limits, timing=timing, zygote=zygote)


def solution_submission(assignment: str, folder: Path) -> Path:
    """solutions/MODULE.py written into `folder` as a student would hand it in: without its
    imports of the other solution modules (every student gets the earlier steps' functions,
    and the sandbox lets no one read solutions/)."""
    source = (SOLUTIONS / f"{module_name(assignment)}.py").read_text()
    path = folder / f"{module_name(assignment)}.py"
    path.write_text("".join(line for line in source.splitlines(keepends=True)
                            if not line.startswith("from solutions.")))
    return path


def report_submission(nbgrader_id: str, path: str, limits: Limits, *, as_json: bool,
                      language: str | None = None, zygote=None) -> int:
    """`python -m autograder check ASSIGNMENT PATH [--json] [--lang zh]`: every check of the
    assignment (or of the assignment an edition translates: 01_init_zh) on one file, printed (or as
    JSON) in `language` (default: the edition's); the exit status is 1 when any check failed.
    zygote: a warm fork server to grade from (the test suite's); by default, one of its own."""
    from autograder.isolation.zygote import ZygoteFailed, start as start_zygote

    assignment, edition_language = edition(nbgrader_id)
    with speaking(language or edition_language):
        read_cells(path)  # bad input is said at once, before anything starts
        own = zygote is None
        if own:
            zygote = start_zygote([assignment])  # it warms up while this process imports the checks (or is warm: shared)
        try:
            about: dict = {}
            try:
                results = grade_file(assignment, path, limits, about, zygote)
            except ZygoteFailed:  # the zygote this process was given ended under it: grade_isolated starts one
                if not own or zygote.process is not None:
                    raise
                results = grade_file(assignment, path, limits, about)
        finally:
            if own:
                zygote.close()
        score, max_score = sum(r.points for r in results), sum(r.max_points for r in results)
        if as_json:
            print(json.dumps({"assignment": nbgrader_id, "score": score, "max_score": max_score,
                              "checks": [_json(r) for r in results], "sandbox": about.get("confinement")}, indent=1))
        else:
            for r in results:
                print(format_line(r))
            print(say("Total: {score:g}/{max_score:g}", score=score, max_score=max_score))
            for what in about.get("confinement", {}).get("unprotected", []):
                print(say("warning: the sandbox does not protect {what} here: {why}",
                          what=what, why=about["confinement"]["held"][what]), file=sys.stderr)
    return 0 if all(r.passed for r in results) else 1


def format_line(r) -> str:
    """One check's line, in the language being spoken; a failed check's message below it, indented."""
    score = {"points": r.points, "max_points": r.max_points, "check": r.id}
    if r.passed and r.hidden:
        return say("{points:g}/{max_points:g}  {check}  (hidden)  ok", **score)
    if r.passed:
        return say("{points:g}/{max_points:g}  {check}  ok", **score)
    if r.hidden:
        head = say("{points:g}/{max_points:g}  {check}  (hidden)  FAILED", **score)
    else:
        head = say("{points:g}/{max_points:g}  {check}  FAILED", **score)
    return f"{head}\n" + "\n".join("    " + line for line in r.message.splitlines())


def _json(r) -> dict:
    return {"id": r.id, "points": r.points, "max_points": r.max_points, "passed": r.passed,
            "message": r.message, "hidden": r.hidden, "status": r.status, "mistake": r.mistake}


def references(*, verify_only: bool) -> int:
    from autograder.core import references as refs

    if verify_only:
        stale = refs.stale()
        for path in stale:
            print(f"out of date: {path}")
        print("reference tensors are up to date" if not stale else
              "run `python -m autograder references` and commit the result")
        return 1 if stale else 0
    written = refs.write_all()
    for path in written:
        print(f"wrote {path}")
    if not written:
        print("reference tensors are up to date: nothing written")
    return 0


def run_notebooks(which: str) -> int:
    """Run each notebook of source/ or release/ top to bottom and print how long it took."""
    from course_tools import course

    folder = course.SOURCE if which == "source" else course.RELEASE
    for assignment in COURSE_ASSIGNMENTS:
        _, seconds = course.run_notebook(course.notebook_path(folder, assignment))
        print(f"{which}/{assignment}: {seconds:.1f} s", flush=True)
    return 0


def demo(folder: Path) -> int:
    """References, the solutions through this command, then the nbgrader pipeline on a class."""
    from autograder.core import data
    from course_tools import demo as demo_class
    from course_tools.course import rebuild
    from autograder.isolation.zygote import start as start_zygote

    references(verify_only=False)
    data.load()  # the first load may unpack and cache the images
    start = time.perf_counter()
    data.load()
    print(f"\ncached MNIST 2s and 9s load: {time.perf_counter() - start:.3f} s")
    print("\nThe reference solutions, through `python -m autograder check`:")
    print(f"{'assignment':<18}{'score':>8}{'checks':>9}{'seconds':>9}")
    all_passed = True
    zygote = start_zygote()  # one warm fork server for the seven, as nbgrader's grading has
    for assignment in ASSIGNMENTS:
        start = time.perf_counter()
        with tempfile.TemporaryDirectory() as scratch:
            results = grade_file(assignment, solution_submission(assignment, Path(scratch)), zygote=zygote)
        passed = sum(r.passed for r in results)
        all_passed &= passed == len(results)
        score = f"{sum(r.points for r in results):g}/{sum(r.max_points for r in results):g}"
        print(f"{assignment:<18}{score:>8}{f'{passed}/{len(results)}':>9}"
              f"{time.perf_counter() - start:>9.3f}")
    zygote.close()
    print("\nRegenerating release/ from source/ with nbgrader, then grading a demo class in "
          f"{folder}/ ...", flush=True)
    rebuild()
    scores = demo_class.run(folder.resolve(), grade_with="grade")
    as_expected = demo_class.print_table(scores)
    print(f"\nFeedback for each student: {folder}/feedback/STUDENT/ASSIGNMENT/ASSIGNMENT.html; "
          f"grades: {folder}/grades.csv")
    from autograder.class_grading import report

    print(f"The class report (what the class got wrong): {report.write(folder)}")
    return 0 if all_passed and as_expected else 1


translations("zh", {
    "internal error ({kind}: {error}); please report it": "内部错误（{kind}: {error}）；请报告这个问题",
    "autograder: error: {why}": "autograder：错误：{why}",
    "Total: {score:g}/{max_score:g}": "总分：{score:g}/{max_score:g}",
    "warning: the sandbox does not protect {what} here: {why}": "警告：在这台机器上，沙箱不保护 {what}：{why}",
    "{points:g}/{max_points:g}  {check}  (hidden)  ok": "{points:g}/{max_points:g}  {check}  （隐藏）  通过",
    "{points:g}/{max_points:g}  {check}  ok": "{points:g}/{max_points:g}  {check}  通过",
    "{points:g}/{max_points:g}  {check}  (hidden)  FAILED": "{points:g}/{max_points:g}  {check}  （隐藏）  未通过",
    "{points:g}/{max_points:g}  {check}  FAILED": "{points:g}/{max_points:g}  {check}  未通过",
})
