"""Reference tensors: in sync with solutions/, reproducible, safe to load, kept from students."""
import subprocess
import sys
import zipfile

import pytest
import torch

from autograder.core import references
from autograder.core.assignments import ASSIGNMENTS
from autograder.core.checks import checks_for


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_rebuilding_gives_the_committed_bytes(assignment):
    for visibility, data in references.build(assignment).items():
        committed = references.path(assignment, visibility).read_bytes()
        assert committed == data, f"{assignment} {visibility}: run `python -m autograder references`"


def test_the_references_command_reports_a_stale_file(tmp_path, monkeypatch):
    from autograder.cli import main

    monkeypatch.setattr(references, "REFERENCES", tmp_path)
    assert main(["references", "--check"]) == 1
    assert main(["references"]) == 0
    assert main(["references", "--check"]) == 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_case_a_check_uses_is_stored_and_loads_with_weights_only(assignment):
    public, hidden = references.load(assignment, "public"), references.load(assignment, "hidden")
    for c in checks_for(assignment):
        assert c.case in hidden, c.id  # grading draws every check's inputs anew
        assert (c.case in public) == (not c.hidden or any(p.case == c.case and not p.hidden
                                                           for p in checks_for(assignment))), c.id


def _tensors(value):
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    return []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_graded_inputs_are_none_of_the_public_ones(assignment):
    """A table of the public answers earns nothing: no graded case repeats a public input."""
    public, hidden = references.load(assignment, "public"), references.load(assignment, "hidden")
    assert set(public) < set(hidden)
    for name, case in public.items():
        assert case.inputs != {} and hidden[name].inputs.keys() == case.inputs.keys()
        seen = [t for t in _tensors(case.inputs) if t.is_floating_point() and t.numel() > 4]  # not 0/1 labels
        for graded in _tensors(hidden[name].inputs):
            assert not any(graded.shape == t.shape and torch.equal(graded, t) for t in seen), (name, graded)
        if not _tensors(case.inputs):  # numbers only: at least one differs
            assert hidden[name].inputs != case.inputs, name


def test_public_references_hold_only_the_public_checks_cases():
    public, hidden = references.load("02_predict", "public"), references.load("02_predict", "hidden")
    assert set(public) == {"linear1", "raw_accuracy"}
    assert set(hidden) == {"linear1", "linear1_bias", "raw_accuracy", "raw_accuracy_near_zero"}


def test_the_wheel_students_install_has_no_hidden_references_and_no_solutions(tmp_path):
    from autograder.core.paths import REPOSITORY as root
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", str(tmp_path), str(root)],
                   check=True, capture_output=True, cwd=tmp_path)
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "autograder/references/public/03_sigmoid_loss.pt" in names
    assert "autograder/core/checks/sigmoid_loss.py" in names
    assert not [n for n in names if "references/hidden" in n or n.startswith(("solutions/", "course_tools/"))]
    for layer in ("core", "isolation", "integration", "class_grading"):
        assert f"autograder/{layer}/__init__.py" in names, layer


def test_in_a_student_copy_hidden_checks_say_not_run(tmp_path, monkeypatch):
    """Without the hidden references (the wheel), hidden checks cannot pass by accident."""
    from autograder.cli import grade_file
    from autograder.core.paths import SOLUTIONS

    (tmp_path / "public").mkdir()
    public = references.path("03_sigmoid_loss", "public")
    (tmp_path / "public" / public.name).write_bytes(public.read_bytes())
    monkeypatch.setattr(references, "REFERENCES", tmp_path)
    results = grade_file("03_sigmoid_loss", SOLUTIONS / "sigmoid_loss.py")
    for r in results:
        assert r.passed != r.hidden, r
        if r.hidden:
            assert r.message.startswith("not run")
