"""The student's source code, read in the grader: what a function is written with.

Some properties of a function cannot be observed from what it returns ("written by
hand, not with torch.sigmoid"), and nothing the worker reports about them could be
believed. Those are read from the source the grader itself holds: the cells it sent
to the worker, parsed here, bounded, never executed.
"""
from __future__ import annotations

import ast
import re
import textwrap

MAX_CELL = 1_000_000  # characters: a larger cell is not read
_MAGIC = re.compile(r"^[ \t]*([%!].*|.*\?)$", re.M)  # IPython lines: not Python, nothing to read in them
DYNAMIC = frozenset({"getattr", "eval", "exec", "__import__", "import_module", "globals", "vars", "__dict__",
                     "__getattribute__", "compile"})


def definitions(cells: list[tuple[str, str]]) -> dict[str, str]:
    """The source of every top-level definition in the cells (functions, classes, assignments,
    imports), by the name it binds; the last one wins, as when the cells run in order. Cells
    that do not parse define nothing."""
    found: dict[str, str] = {}
    for _, text in cells:
        if len(text) > MAX_CELL:
            continue
        text = _MAGIC.sub("", text)
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in tree.body:
            for name in _bound(node):
                found[name] = ast.get_source_segment(text, node) or ""
    return found


def _bound(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [a.asname or a.name.split(".")[0] for a in node.names if a.name != "*"]
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


def words(source: str) -> tuple[set[str], set[str]]:
    """(names, other words) of `source`: the plain names it reads, and its attributes and
    imported names."""
    try:
        tree = ast.parse(textwrap.dedent(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set(), set()
    names, others = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            others.add(node.attr)
        elif isinstance(node, ast.alias):
            others.update(node.name.split("."))
    return names, others


def uses(student, function: str, forbidden: frozenset[str]) -> str | None:
    """The first of `forbidden` (or a dynamic lookup) that `function`'s code uses, directly or
    through the student's own definitions; '' when it uses none; None when its code cannot be
    read. student: anything with `source(name)` (a StudentSide)."""
    todo, read = [function], set()
    while todo and len(read) < 50:
        name = todo.pop()
        source = student.source(name)
        if name in read or (source is None and name != function):
            continue
        if source is None:
            return None
        read.add(name)
        names, others = words(source)
        own = {n for n in names if n in read or student.source(n) is not None}  # the student's own
        for word in sorted(((names - own) | others) & forbidden):
            return word
        for word in sorted((names - own) & DYNAMIC):
            return f"{word} (a lookup the grader cannot read)"
        todo.extend(sorted(own - read))
    return ""


# Methods and attributes that give a view of a tensor, or a part of an object: changing what
# they give changes the input itself. Anything else a method returns is a new object.
VIEWS = frozenset({"view", "view_as", "reshape", "reshape_as", "squeeze", "unsqueeze", "t", "transpose",
                   "permute", "expand", "expand_as", "flatten", "unflatten", "narrow", "select", "unbind",
                   "split", "chunk", "as_strided", "detach", "contiguous", "diagonal", "movedim",
                   "swapaxes", "unfold", "parameters", "named_parameters", "modules", "children", "values",
                   "items", "__getitem__"})
NOT_CHANGES = frozenset({"requires_grad_", "retain_grad"})  # flags, not values


def changes_inputs(student, function: str) -> str | None:
    """The first statement of `function` that changes one of its arguments in place (through a
    view of it too: `predictions.sigmoid_()`, `p += 1`, `weights[0] = 0`, `p.data -= ...`), or a
    call of `step`; '' when there is none; None when its code cannot be read. Changing a
    `.grad` is not changing the input. Read from the source, in the grader."""
    source = student.source(function)
    if source is None:
        return None
    try:
        tree = ast.parse(textwrap.dedent(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    defined = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if not defined:
        return ""
    fn = defined[0]
    finder = _ChangeFinder({a.arg for a in fn.args.args + fn.args.posonlyargs + fn.args.kwonlyargs})
    for statement in fn.body:
        finder.visit(statement)
    return finder.found[0] if finder.found else ""


class _ChangeFinder(ast.NodeVisitor):
    """Walks a function's statements in order, following which names are the inputs (or views
    of them), and notes every statement that changes one."""

    def __init__(self, inputs: set[str]):
        self.aliases, self.found = set(inputs), []

    def is_input(self, node) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.aliases
        if isinstance(node, ast.Attribute):
            return node.attr != "grad" and self.is_input(node.value)
        if isinstance(node, ast.Subscript):
            return self.is_input(node.value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            return node.func.attr in VIEWS and self.is_input(node.func.value)
        if isinstance(node, ast.Starred):
            return self.is_input(node.value)
        return False

    def note(self, node) -> None:
        self.found.append(ast.unparse(node)[:80])

    def visit_Assign(self, node):
        self.visit(node.value)
        for target in node.targets:
            self.bind(target, node.value)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.visit(node.value)
            self.bind(node.target, node.value)

    def bind(self, target, value) -> None:
        if isinstance(target, ast.Name):
            (self.aliases.add if self.is_input(value) else self.aliases.discard)(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.bind(element, value)
        elif self.is_input(target):  # weights[0] = ..., p.data = ...
            self.note(target)

    def visit_AugAssign(self, node):
        self.visit(node.value)
        if self.is_input(node.target):
            self.note(node)

    def visit_For(self, node):
        self.visit(node.iter)
        self.bind(node.target, node.iter)
        for statement in node.body + node.orelse:
            self.visit(statement)

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr.endswith("_") and not func.attr.endswith("__") \
                and func.attr not in NOT_CHANGES and (self.is_input(func.value) or
                                                      any(self.is_input(a) for a in node.args)):
            self.note(node)  # predictions.sigmoid_(), torch.sigmoid_(predictions)
        elif any(k.arg == "inplace" and isinstance(k.value, ast.Constant) and k.value.value for k in node.keywords) \
                and any(self.is_input(a) for a in node.args):
            self.note(node)  # F.relu(x, inplace=True)
        elif isinstance(func, ast.Name) and func.id in ("setattr", "getattr") and node.args \
                and self.is_input(node.args[0]):
            self.note(node)  # a change the grader cannot read
        elif (isinstance(func, ast.Name) and func.id == "step") or (isinstance(func, ast.Attribute)
                                                                    and func.attr == "step"):
            self.note(node)  # an update of the parameters

    def visit_FunctionDef(self, node):  # a nested function: its own arguments
        pass

    visit_AsyncFunctionDef = visit_Lambda = visit_FunctionDef
