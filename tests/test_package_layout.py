"""The autograder package is in layers, and every import points down (autograder/__init__.py
draws the map). A module that reaches up a layer, or into the course's own tools, fails here,
naming the file and the line."""
import ast
from pathlib import Path

from autograder.core.paths import PACKAGE

LEVEL = {"core": 0, "isolation": 1, "integration": 2, "class_grading": 3}
TOP = 4  # __init__, __main__, cli: the faces of the package, over every layer


def level_of(module: str) -> int:
    """The layer of a dotted module name inside the package."""
    parts = module.split(".")
    return LEVEL.get(parts[1], TOP) if len(parts) > 1 else TOP


def module_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path):
    """(line, dotted name) of every import in a file, the ones inside functions included."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module
            yield from ((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)


def test_every_module_belongs_to_a_layer():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "cli.py"], f"a module outside the layers: {top}"
    layers = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())
    assert layers == sorted(LEVEL), layers


def test_imports_point_down():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = module_of(path)
        for line, name in imports(path):
            if name.startswith("course_tools") and level_of(here) != TOP:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}, a course tool")
            elif name.startswith("autograder.") and level_of(name) > level_of(here):
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}, a layer above")
    assert not upward, "\n".join(upward)


def test_the_check_reads_the_layers_it_is_given(tmp_path):
    """The test above can fail: a core module that imports class grading is caught."""
    bad = tmp_path / "autograder" / "core" / "bad.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("def f():\n    from autograder.class_grading import jobs\n")
    found = [name for _, name in imports(bad)]
    here = ".".join(bad.relative_to(tmp_path).with_suffix("").parts)
    assert "autograder.class_grading.jobs" in found
    assert any(level_of(name) > level_of(here) for name in found)
