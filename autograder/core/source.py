"""The student's source code, read in the grader: what a function is written with.

Some properties of a function cannot be observed from what it returns ("written by
hand, not with torch.sigmoid"), and nothing the worker reports about them could be
believed. Those are read from the source the grader itself holds: the cells it sent
to the worker, parsed here, bounded, never executed.
"""
from __future__ import annotations

import ast
import io
import re
import textwrap
import tokenize

from autograder.core.messages import say, translations

MAX_CELL = 1_000_000  # characters: a larger cell is not read
_ESCAPED = re.compile(r"^[ \t]*[%!?]")  # IPython's magics, shell lines and help: not Python
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
        text = python_of(text)
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in tree.body:
            for name in _bound(node):
                found[name] = _segment(text, node)
    return found


def python_of(text: str) -> str:
    """The cell with IPython's own lines blanked (magics, shell lines, `obj?` help), as IPython
    reads it: a `?` in a comment or a string ends no help line. Line numbers are kept."""
    lines = text.split("\n")
    help_lines = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.ERRORTOKEN and token.string == "?":
                help_lines.add(token.start[0] - 1)
    except (tokenize.TokenError, SyntaxError, ValueError):
        help_lines = {i for i, line in enumerate(lines) if line.rstrip().endswith("?") and "#" not in line}
    return "\n".join("" if i in help_lines or _ESCAPED.match(line) else line for i, line in enumerate(lines))


def _segment(text: str, node: ast.stmt) -> str:
    """The source of a statement, its decorators included (they decide what the name holds)."""
    decorators = getattr(node, "decorator_list", None)
    if not decorators:
        return ast.get_source_segment(text, node) or ""
    lines = text.split("\n")[min(d.lineno for d in decorators) - 1:node.end_lineno]
    return textwrap.dedent("\n".join(lines))


def _bound(node: ast.stmt) -> list[str]:
    """The names a top-level statement binds in the module, in any of its branches (`if`, `try`,
    `for`, `with` blocks, a walrus): the whole statement is then what the name may hold."""
    finder = _Binder()
    finder.visit(node)
    return finder.names


class _Binder(ast.NodeVisitor):
    def __init__(self):
        self.names: list[str] = []

    def visit_FunctionDef(self, node):  # its own scope: only its name is bound here
        for d in node.decorator_list:
            self.visit(d)
        self.names.append(node.name)

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_Lambda(self, node):
        pass

    def visit_Name(self, node):
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self.names.append(node.id)

    def visit_alias(self, node):
        if node.name != "*":
            self.names.append(node.asname or node.name.split(".")[0])

    def visit_ExceptHandler(self, node):
        if node.name:
            self.names.append(node.name)
        self.generic_visit(node)


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
            return say("{name} (a lookup the grader cannot read)", name=word)
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


def changes_inputs(student, function: str, only: frozenset[int] | None = None, depth: int = 0) -> str | None:
    """The first statement of `function` that changes one of its arguments in place (through a
    view of it too: `predictions.sigmoid_()`, `p += 1`, `weights[0] = 0`, `p.data -= ...`, or
    by handing it to a helper of the student's that does), or a call of `step`; '' when there is
    none; None when its code cannot be read. Changing a `.grad` is not changing the input.
    only: the positions of the arguments to follow (default: all). Read from the source, in
    the grader."""
    source = student.source(function)
    if source is None:
        return None
    try:
        tree = ast.parse(textwrap.dedent(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    for fn in _functions_named(tree, function):
        params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
        followed = {p for i, p in enumerate(params) if only is None or i in only}
        if only is None:
            followed |= {a.arg for a in fn.args.kwonlyargs}
        finder = _ChangeFinder(followed, student, depth)
        for statement in fn.body if isinstance(fn.body, list) else [ast.Expr(fn.body)]:
            finder.visit(statement)
        if finder.found:
            return finder.found[0]
    return ""


def _functions_named(tree: ast.Module, name: str) -> list:
    """Every definition of `name` in a definition's source: `def name`, or `name = lambda ...`,
    in any branch of it."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            found.append(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Lambda):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                found.append(node.value)
    return found


class _ChangeFinder(ast.NodeVisitor):
    """Walks a function's statements in order, following which names are the inputs (or views
    of them), and notes every statement that changes one."""

    def __init__(self, inputs: set[str], student=None, depth: int = 0):
        self.aliases, self.found, self.student, self.depth = set(inputs), [], student, depth

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
        elif isinstance(func, ast.Name) and self.student is not None and self.depth < 8:
            given = frozenset(i for i, a in enumerate(node.args) if self.is_input(a))
            if given and self.student.source(func.id) is not None \
                    and changes_inputs(self.student, func.id, given, self.depth + 1):
                self.note(node)  # _clip(targets), where the student's _clip changes what it is given

    def visit_FunctionDef(self, node):  # a nested function: its own arguments
        pass

    visit_AsyncFunctionDef = visit_Lambda = visit_FunctionDef


translations("zh", {"{name} (a lookup the grader cannot read)": "{name}（一种评分程序读不懂的动态查找）"})
