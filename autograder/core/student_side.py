"""The student's side of a check, as the grader sees it: questions out, answers back.

A check talks to the student's code only through a `StudentSide`: `call` one function
on inputs, or run one of its `probe`s over its inputs. Both send nothing but the inputs
of the check's own case (`Case.inputs`), checked object by object, so an expected value
cannot reach the student's code, whatever a check's author writes. What comes back is
a snapshot or a `StudentFailed`, built from plain data checked by `autograder.core.transport`.

`LocalStudent` answers in this process, through the worker's own handler and the
transport's encoding, for a student's own notebook and for diagnosis in tests;
`autograder.isolation.sandbox.SandboxStudent` answers from a sandboxed worker.
"""
from __future__ import annotations

import linecache
import re
from typing import Any, Protocol

from autograder.core import transport
from autograder.core.messages import say, translations
from autograder.core.references import Case
from autograder.core.snapshot import Call, snapshot
from autograder.core.student import KINDS, Failure

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}(\.[A-Za-z_][A-Za-z0-9_]{0,39})?")


def _types() -> dict[str, str]:
    """A returned object's type name -> what it is, in words the grader chose."""
    return {"Tensor": say("a tensor"), "Parameter": say("a tensor"), "float": say("a float"), "int": say("an int"),
            "bool": say("a bool"), "list": say("a list"), "tuple": say("a tuple"), "dict": say("a dict"),
            "str": say("a string"), "NoneType": say("None"), "ndarray": say("a NumPy array")}


def torch_hint(details: str) -> str | None:
    """What a common PyTorch error (found in the student's `details`) usually means in this course,
    chosen by the grader, in its words."""
    hints = (
        ("does not require grad and does not have a grad_fn",
         say("No gradient can flow: a tensor was detached (.item(), .detach(), .data, a new tensor), or the "
             "arguments are in the wrong order (predictions first, then targets).")),
        ("shapes cannot be multiplied",
         say("A matrix product of shapes that do not fit: (N, 784) @ (784, 1) needs the inner sizes to agree; "
             "print each tensor's .shape.")),
        ("a leaf Variable that requires grad is being used in an in-place operation",
         say("A parameter was changed in place while autograd was recording: update it inside "
             "`with torch.no_grad():`, or through p.data.")),
        ("must match the size of tensor",
         say("Two shapes that do not broadcast: compare their .shape, for example (N, 1) against (N,).")),
        ("expected scalar type", say("Two tensors of different dtypes: keep everything float32 (.float()).")),
        ("same dtype", say("Two tensors of different dtypes: keep everything float32 (.float()).")),
        ("only one element tensors can be converted to Python scalars",
         say("A function of one number (math.exp, float) got a whole tensor: use the torch function (torch.exp).")),
        ("Boolean value of Tensor with more than one value is ambiguous",
         say("An `if` on a tensor of many values: compare element by element, with torch.where or a mask.")),
    )
    return next((hint for pattern, hint in hints if pattern in details), None)


def kind_of(type_name: str) -> str:
    """What a returned object is, in words the grader chose ('a list'), never the student's."""
    return _types().get(type_name) or say("an object of another type")


class StudentFailed(Exception):
    """The student's code failed: a summary in the grader's words, a hint, and the details."""

    def __init__(self, failure: Failure, problem: str | None = None):
        self.failure, self.problem = failure, problem
        super().__init__(self.summary)

    @property
    def summary(self) -> str:
        f = self.failure
        if f.kind == "missing" and self.problem:
            return say("{function} is not defined: your code did not run to the end", function=f.function)
        if f.kind == "missing":
            return say("{function} is not defined", function=f.function)
        if f.kind == "not callable":
            return say("{function} is {kind}, not a function", function=f.function, kind=kind_of(f.error))
        if f.kind == "not implemented":
            return say("{function} is not implemented yet", function=f.function)
        if f.kind == "exit":
            return say("{function} called sys.exit(): a function should return its result", function=f.function)
        if f.kind == "memory":
            return say("{function} ran out of memory", function=f.function)
        if f.error:
            return say("{function} raised {error}", function=f.function, error=f.error)
        return say("{function} raised an exception", function=f.function)

    @property
    def hint(self) -> str | None:
        f = self.failure
        if f.kind == "raised":
            return torch_hint(f.details)
        if f.kind == "missing":
            return None if self.problem else say(
                "Write a function named {function} (and run its cell before checking it).", function=f.function)
        if f.kind == "not callable":
            return say("Define it with `def {function}(...)`.", function=f.function)
        if f.kind == "memory":
            return say("It asked for more memory than the grader allows: is something growing without end?")
        return None

    @property
    def details(self) -> str | None:
        """The student's own words (their exception, their lines): shown in practice only."""
        return None if self.failure.kind == "missing" else self.failure.details or None

    @property
    def background(self) -> str | None:
        """What the grader itself saw while loading the code, before any input was sent: why a
        function is missing. Shown in every mode."""
        return self.problem if self.failure.kind == "missing" else None


class Fatal(StudentFailed):
    """The student's code ran out of time or ended the worker: no known mistake explains it."""

    def __init__(self, summary: str, hint: str | None = None, *, timed_out: bool = False):
        self._summary, self._hint, self.timed_out = summary, hint, timed_out
        super().__init__(Failure("", "fatal"))

    @property
    def summary(self) -> str:
        return self._summary

    @property
    def hint(self) -> str | None:
        return self._hint

    @property
    def details(self) -> None:
        return None

    @property
    def background(self) -> None:
        return None


class StudentSide(Protocol):
    """All a check may do with the student's code."""

    record: list

    def call(self, name: str, /, *, seed: int | None = None, grad_wrt: tuple[str, ...] = (), **inputs) -> Call:
        """Call the student's `name` on these inputs of the case (by position, in this order)."""

    def call_twice(self, name: str, /, *, seed: int | None = None, **inputs) -> tuple[Call, Call]:
        """Call it twice on the very same tensors: the second call sees what the first left."""

    def probe(self, probe) -> Any:
        """Run `probe(student, case.inputs)` beside the student's code; its snapshots."""

    def source(self, name: str) -> str | None:
        """The student's source code that defines `name` (read by the grader, never asked of the worker)."""

    def with_mistake(self, mistake) -> "StudentSide":
        """The same submission with `mistake` in place of the student's function."""


class Asker:
    """A StudentSide that sends requests somewhere (`_answer`) and checks what comes back."""

    def __init__(self, case: Case, function: str, names: tuple[str, ...], mistake=None,
                 stand_ins: dict[str, str] | None = None):
        self.case, self.function, self.names, self.mistake = case, function, names, mistake
        self.stand_ins = stand_ins or {}  # helper -> the course's code for it, during this check
        self.variant = mistake.id if mistake is not None else None  # the worker's namespace with it
        self.record: list = []

    def source(self, name: str) -> str | None:
        """The code that defines `name`: the known mistake's, in a twin; else the student's."""
        if self.mistake is not None and name == self.mistake.function:
            from autograder.core.source import definitions

            return definitions([("mistake", self.mistake.code)]).get(name)
        return self._student_source(name)

    def call(self, name: str, /, *, seed: int | None = None, grad_wrt: tuple[str, ...] = (), **inputs) -> Call:
        (call,) = self._calls(name, seed, grad_wrt, inputs, twice=False)
        return call

    def call_twice(self, name: str, /, *, seed: int | None = None, **inputs) -> tuple[Call, Call]:
        first, second = self._calls(name, seed, (), inputs, twice=True)
        return first, second

    def _calls(self, name: str, seed, grad_wrt, inputs: dict, twice: bool) -> list[Call]:
        for label, value in [*inputs.items(), ("seed", seed)]:
            if value is not None and not self.case.has_input(value):
                raise ValueError(f"{label} is not an input of this check's case: only inputs reach the student")
        reply = self._ask({"op": "call", "name": name, "inputs": inputs, "seed": seed or 0,
                           "grad_wrt": list(grad_wrt), "variant": self.variant, "twice": twice,
                           "stand_ins": self.stand_ins}, name)
        replies = reply if twice else [reply]
        if not (isinstance(replies, list) and len(replies) == 1 + twice and all(isinstance(c, Call) for c in replies)):
            raise Fatal(say("what {function} gave back could not be read", function=name),
                        say("Does your code change the autograder or Python itself?"))
        text = call_text(name, inputs)  # the name and text are ours, not theirs
        calls = [Call(name, text, c.value, c.inputs) for c in replies]
        self.record.extend(calls)
        return calls

    def probe(self, probe):
        seen = self._ask({"op": "probe", "probe": f"{probe.__module__}:{probe.__qualname__}",
                          "inputs": self.case.inputs, "variant": self.variant, "stand_ins": self.stand_ins},
                         self.function)
        self.record.append(seen)
        return seen

    def _ask(self, request: dict, what: str):
        try:
            reply = self._answer(request, what)
            if isinstance(reply, dict) and "error" in reply:
                raise StudentFailed(self._failure(reply["error"]), self._problem())
            if not isinstance(reply, dict) or "ok" not in reply:
                raise transport.Garbage("an answer without a result")
            return reply["ok"]
        except transport.Garbage:
            raise Fatal(say("what {function} gave back could not be read", function=what),
                        say("Does your code change the autograder or Python itself?")) from None

    def _failure(self, said) -> Failure:
        """The worker's description of a failure, keeping only what is well formed."""
        said = said if isinstance(said, dict) else {}
        function = said.get("function")
        base = function.split(".")[0] if isinstance(function, str) else None
        if base not in self.names or not _NAME.fullmatch(function):
            function = self.function
        kind = said.get("kind") if said.get("kind") in KINDS else "raised"
        error = said.get("error") if isinstance(said.get("error"), str) and _NAME.fullmatch(said["error"]) else ""
        details = said.get("details") if isinstance(said.get("details"), str) else ""
        innermost = said.get("innermost") if isinstance(said.get("innermost"), str) else ""
        return Failure(function, kind, error, details[:4000], innermost[:80])

    def _answer(self, request: dict, what: str):  # pragma: no cover - each side has its own
        raise NotImplementedError

    def _problem(self) -> str | None:
        return None


class LocalStudent(Asker):
    """The student's code in this process, answered by the worker's handler (`autograder.isolation.worker`),
    every message round-tripped through the transport as it would be between processes.
    definitions: what the student's cells define (`autograder.core.source.definitions`)."""

    def __init__(self, worker, case: Case, function: str, names: tuple[str, ...], definitions: dict,
                 mistake=None, stand_ins: dict[str, str] | None = None):
        super().__init__(case, function, names, mistake, stand_ins)
        self.worker, self.definitions = worker, definitions

    def _answer(self, request: dict, what: str):
        return _roundtrip(self.worker.answer(_roundtrip(request)))

    def _problem(self) -> str | None:
        return self.worker.problem

    def _student_source(self, name: str) -> str | None:
        return self.definitions.get(name)

    def with_mistake(self, mistake) -> "LocalStudent":
        return LocalStudent(self.worker, self.case, self.function, self.names, self.definitions, mistake,
                            self.stand_ins)


def cells_of(namespace: dict) -> list[tuple[str, str]]:
    """The code that ran in `namespace`: a kernel's input history (`_ih`), else the source of
    every file or cell its functions and classes come from."""
    history = namespace.get("_ih")
    if isinstance(history, list) and all(isinstance(c, str) for c in history):
        return [(f"In [{i}]", c) for i, c in enumerate(history)]
    files = []
    for value in list(namespace.values()):
        code = getattr(getattr(value, "__init__", value), "__code__", None) or getattr(value, "__code__", None)
        if code is not None and code.co_filename not in files:
            files.append(code.co_filename)
    return [(f, "".join(linecache.getlines(f))) for f in files if linecache.getlines(f)]


def _roundtrip(message):
    return transport.decode(transport.encode(message)[8:])


def call_text(name: str, inputs: dict) -> str:
    """'mnist_loss(predictions, targets) with predictions a (8, 1) float32 tensor, ...'."""
    if not inputs:
        return f"{name}()"
    shown = ", ".join(f"{k} = {snapshot(v).text}" for k, v in inputs.items())
    return say("{call}({arguments}) with {values}", call=name, arguments=", ".join(inputs), values=shown)


translations("zh", {
    "a tensor": "一个张量",
    "a float": "一个 float",
    "an int": "一个 int",
    "a bool": "一个 bool",
    "a list": "一个 list",
    "a tuple": "一个 tuple",
    "a dict": "一个 dict",
    "a string": "一个字符串",
    "None": "空值 None",
    "a NumPy array": "一个 NumPy 数组",
    "an object of another type": "一个其他类型的对象",
    "No gradient can flow: a tensor was detached (.item(), .detach(), .data, a new tensor), or the arguments "
    "are in the wrong order (predictions first, then targets).":
        "梯度无法传回：某个张量被分离了（.item()、.detach()、.data，或新建了张量），或者参数顺序写反了"
        "（应该先 predictions，后 targets）。",
    "A matrix product of shapes that do not fit: (N, 784) @ (784, 1) needs the inner sizes to agree; "
    "print each tensor's .shape.":
        "矩阵乘法的形状对不上：(N, 784) @ (784, 1) 要求中间的两个维度相等；打印每个张量的 .shape 看看。",
    "A parameter was changed in place while autograd was recording: update it inside "
    "`with torch.no_grad():`, or through p.data.":
        "autograd 正在记录计算时，某个参数被原地修改了：请在 `with torch.no_grad():` 里更新它，或者通过 p.data 更新。",
    "Two shapes that do not broadcast: compare their .shape, for example (N, 1) against (N,).":
        "两个形状无法广播：比较一下它们的 .shape，例如 (N, 1) 和 (N,)。",
    "Two tensors of different dtypes: keep everything float32 (.float()).":
        "两个张量的数据类型（dtype）不同：全部保持为 float32（.float()）。",
    "A function of one number (math.exp, float) got a whole tensor: use the torch function (torch.exp).":
        "只接受单个数的函数（math.exp、float）收到了整个张量：请改用 torch 的函数（torch.exp）。",
    "An `if` on a tensor of many values: compare element by element, with torch.where or a mask.":
        "对含有多个值的张量用了 `if`：请用 torch.where 或掩码逐元素比较。",
    "{function} is not defined: your code did not run to the end": "{function} 没有定义：你的代码没有运行到最后",
    "{function} is not defined": "{function} 没有定义",
    "{function} is {kind}, not a function": "{function} 是{kind}，不是函数",
    "{function} is not implemented yet": "{function} 还没有实现",
    "{function} called sys.exit(): a function should return its result":
        "{function} 调用了 sys.exit()：函数应该返回它的结果",
    "{function} ran out of memory": "{function} 耗尽了内存",
    "{function} raised {error}": "{function} 抛出了 {error}",
    "{function} raised an exception": "{function} 抛出了异常",
    "Write a function named {function} (and run its cell before checking it).":
        "写一个名为 {function} 的函数（并在检查之前先运行它所在的单元格）。",
    "Define it with `def {function}(...)`.": "用 `def {function}(...)` 来定义它。",
    "It asked for more memory than the grader allows: is something growing without end?":
        "它申请的内存超过了评分程序允许的上限：是不是有什么东西在无限增长？",
    "what {function} gave back could not be read": "无法读取 {function} 返回的内容",
    "Does your code change the autograder or Python itself?": "你的代码是否改动了 autograder 或 Python 本身？",
    "{call}({arguments}) with {values}": "{call}({arguments})（其中 {values}）",
})
