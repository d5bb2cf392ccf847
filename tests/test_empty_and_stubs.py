"""Nothing written yet: an empty file and the released stubs score 0, with a message each."""
import json
import re

import pytest

from autograder.cli import report_submission
from autograder.core.assignments import ASSIGNMENTS, FUNCTIONS, edition_id
from autograder.core.checks import checks_for
from autograder.core.limits import Limits
from autograder.core.messages import LANGUAGES, say, speaking


def stubs(assignment, raising=lambda i: "NotImplementedError()"):
    """The functions of `assignment`, each raising NotImplementedError, as a student receives them
    (or raising(i), the error of the i-th function)."""
    lines = []
    for i, name in enumerate(FUNCTIONS[assignment]):
        if name[0].isupper():
            lines += [f"class {name}:", "    def __init__(self, *args, **kwargs):",
                      f"        raise {raising(i)}", ""]
        else:
            lines += [f"def {name}(*args, **kwargs):", f"    raise {raising(i)}", ""]
    return "\n".join(lines)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.parametrize("kind", ["empty", "stubs"])
def test_scores_zero_with_a_message_for_every_check(assignment, kind, language, tmp_path, capsys):
    """`check EDITION FILE --json` (cli.report_submission, here in this process from the suite's warm
    zygote; tests/test_cli.py runs the command itself)."""
    from catalog import shared_zygote

    path = tmp_path / f"{kind}.py"
    path.write_text("" if kind == "empty" else stubs(assignment))
    status = report_submission(edition_id(assignment, language), str(path), Limits(), as_json=True,
                               zygote=shared_zygote())  # 01_init or 01_init_zh
    printed = capsys.readouterr()
    assert status == 1, printed.err
    report = json.loads(printed.out)
    assert report["score"] == 0 and report["max_score"] > 0
    function_of = {check.id: check.function for check in checks_for(assignment)}
    for c in report["checks"]:
        assert not c["passed"] and c["points"] == 0
        with speaking(language):  # the words the edition's language gives them
            said = say("{function} is not defined" if kind == "empty" else "{function} is not implemented yet",
                       function=function_of[c["id"]])
        assert said in c["message"], c
        assert language == "en" or re.search("[\u4e00-\u9fff]", c["message"]), c
    assert "Traceback" not in printed.err


OWN_ERRORS = ("ValueError", "TypeError", "RuntimeError", "IndexError")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_an_error_of_the_students_own_names_no_known_mistake(assignment, grade):
    """Functions that raise errors of their own (the types known mistakes raise too, with other
    messages) fail every check, and no check claims they made a known mistake."""
    results = grade(assignment, stubs(assignment, lambda i: f'{OWN_ERRORS[i % 4]}("my own check: not finished")'))
    assert results and not any(r.points for r in results.values())
    for r in results.values():
        assert "raised" in r.message and "exactly what" not in r.message, r
