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
def test_rebuilding_gives_the_committed_references(assignment):
    for visibility, data in references.build(assignment).items():
        assert references.current(references.path(assignment, visibility), data), \
            f"{assignment} {visibility}: run `python -m autograder references`"


def _scaled(value, factor):
    """`value` with every float tensor multiplied by `factor`."""
    if isinstance(value, torch.Tensor):
        return value * factor if value.is_floating_point() else value
    if isinstance(value, dict):
        return {k: _scaled(v, factor) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_scaled(v, factor) for v in value)
    return value


def _stored(assignment, visibility="hidden"):
    return torch.load(references.path(assignment, visibility), weights_only=True)


def test_a_rebuild_rounded_by_another_processor_is_the_same_reference():
    """Values a few float32 roundings apart (what AVX2 and AVX-512 gave) are the same reference."""
    stored = _stored("07_relu_net")
    assert references.same(stored, _scaled(stored, 1 + 1e-6))
    assert references.same(stored, stored)


@pytest.mark.parametrize("change", ["a value moved by a ten-thousandth", "a label flipped", "a case missing",
                                    "a dtype changed"])
def test_a_reference_that_really_changed_is_not_the_same(change):
    stored = _stored("02_predict")
    changed = {name: {"inputs": dict(case["inputs"]), "expected": dict(case["expected"])}
               for name, case in stored.items()}
    if change == "a value moved by a ten-thousandth":
        changed = _scaled(changed, 1 + 1e-4)
    elif change == "a label flipped":
        targets = changed["raw_accuracy"]["inputs"]["targets"].clone()
        targets[0] = 1 - targets[0]
        changed["raw_accuracy"]["inputs"]["targets"] = targets
    elif change == "a case missing":
        del changed["linear1_bias"]
    else:
        changed["linear1"]["inputs"]["xb"] = changed["linear1"]["inputs"]["xb"].double()
    assert not references.same(stored, changed)


def test_a_changed_solution_makes_its_references_stale(monkeypatch):
    import solutions.predict

    right = solutions.predict.linear1
    monkeypatch.setattr(solutions.predict, "linear1", lambda xb, weights, bias: right(xb, weights, bias) + 1e-3)
    rebuilt = references.build("02_predict")
    assert not references.current(references.path("02_predict", "hidden"), rebuilt["hidden"])
    assert not references.current(references.path("02_predict", "public"), rebuilt["public"])


def test_a_rebuild_within_rounding_writes_no_file(tmp_path, monkeypatch):
    """On another processor `python -m autograder references` (the main job runs it) leaves the
    committed files, and git, as they are."""
    import io

    for visibility in references.SEEDS:
        (tmp_path / visibility).mkdir()
        buffer = io.BytesIO()
        torch.save(_scaled(_stored("02_predict", visibility), 1 + 1e-6), buffer)  # as another processor built it
        (tmp_path / visibility / "02_predict.pt").write_bytes(buffer.getvalue())
    before = {p: p.read_bytes() for p in tmp_path.rglob("*.pt")}
    monkeypatch.setattr(references, "REFERENCES", tmp_path)
    written = references.write_all()
    assert tmp_path / "hidden" / "02_predict.pt" not in written and tmp_path / "public" / "02_predict.pt" not in written
    assert {p: p.read_bytes() for p in before} == before
    assert len(written) == 2 * len(ASSIGNMENTS) - 2  # the others were missing, and are written


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
