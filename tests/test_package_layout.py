"""The autograder package is in layers, and every import points down (autograder/__init__.py
draws the map). A module that reaches up a layer, or into the course's own tools, fails here,
naming the file and the line. And what every nbgrader command reads, nbgrader_config.py, imports no torch."""
import ast
import subprocess
import sys
from pathlib import Path

from autograder.core.paths import NBGRADER_CONFIG, PACKAGE

LEVEL = {"core": 0, "isolation": 1, "integration": 2, "class_grading": 3}
TOP = 4  # __init__, __main__, cli: the faces of the package, over every layer


def level_of(module: str) -> int:
    """The layer of a dotted module name inside the package."""
    parts = module.split(".")
    return LEVEL.get(parts[1], TOP) if len(parts) > 1 else TOP


def module_of(path: Path, package: Path) -> tuple[str, bool]:
    """The dotted name of a file of `package`, and whether it is a package's __init__."""
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts), parts[-1] == "__init__"


def imports(path: Path, package: Path):
    """(line, dotted name, inside a function) of every import in a file: lazy ones and relative
    ones (resolved) included; for `from X import a`, both X and X.a."""
    here, is_init = module_of(path, package)

    def walk(node, lazy):
        for child in ast.iter_child_nodes(node):
            inside = lazy or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                yield from ((child.lineno, alias.name, inside) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = here.split(".") if is_init else here.split(".")[:-1]
                    parts = parts[:len(parts) - (child.level - 1)]
                    base = ".".join(parts + ([child.module] if child.module else []))
                yield child.lineno, base, inside
                yield from ((child.lineno, f"{base}.{alias.name}", inside) for alias in child.names)
            yield from walk(child, inside)

    yield from walk(ast.parse(path.read_text(), str(path)), False)


def wrong_imports(package: Path) -> list[str]:
    """Every import of `package` that breaks the layering, as 'file:line imports what, why'."""
    wrong = []
    for path in sorted(package.rglob("*.py")):
        here, _ = module_of(path, package)
        where = path.relative_to(package.parent)
        for line, name, lazy in imports(path, package):
            if name == "course_tools" or name.startswith("course_tools."):
                if here != "autograder.cli" or not lazy:
                    wrong.append(f"{where}:{line} imports {name}: only cli.py may, inside the command that needs it")
            elif name.startswith("autograder.") and level_of(name) > level_of(here):
                wrong.append(f"{where}:{line} imports {name}, a layer above")
    return wrong


def test_every_module_belongs_to_a_layer():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "cli.py"], f"a module outside the layers: {top}"
    layers = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())
    assert layers == sorted(LEVEL), layers


def test_imports_point_down():
    wrong = wrong_imports(PACKAGE)
    assert not wrong, "\n".join(wrong)


def test_an_import_up_a_layer_is_caught_however_it_is_written(tmp_path):
    """The check above can fail: on a copy of the layout, each way of reaching up is reported."""
    package = tmp_path / "autograder"
    for folder in ("core", "isolation", "class_grading"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "cli.py").write_text("def demo():\n    from course_tools import demo\n")
    (package / "isolation" / "fine.py").write_text("from autograder.core import paths\nfrom ..core import data\n")
    assert wrong_imports(package) == []
    (package / "core" / "absolute.py").write_text("def f():\n    from autograder.class_grading import jobs\n")
    (package / "core" / "relative.py").write_text("from ..isolation import worker\n")
    (package / "core" / "parent.py").write_text("from .. import class_grading\n")
    (package / "isolation" / "tools.py").write_text("import course_tools.course\n")
    (package / "cli.py").write_text("from course_tools import demo\n")
    found = "\n".join(wrong_imports(package))
    for file in ("core/absolute.py:2", "core/relative.py:1", "core/parent.py:1", "isolation/tools.py:1", "cli.py:1"):
        assert f"autograder/{file} imports" in found, found


def test_reading_the_courses_nbgrader_config_imports_no_torch():
    """Every nbgrader command (export, generate_feedback, validate, the formgrader) reads
    nbgrader_config.py, and only autograde grades: torch imported there cost each of them 2.4 s."""
    code = ("import sys\nfrom traitlets.config.loader import PyFileConfigLoader\n"
            f"PyFileConfigLoader('nbgrader_config.py', path={str(NBGRADER_CONFIG.parent)!r}).load_config()\n"
            "assert 'autograder.integration.sandboxed_execute' in sys.modules\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'fastai', 'numpy')))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd="/")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout[:300]
