"""What crosses between the grader and a sandboxed worker, and how, safely for the grader.

A worker runs the student's code, so everything it sends may be forged. A message is a
frame: an 8-byte length, a 4-byte header length, a JSON header, then the raw bytes of
its tensors. Reading one never runs code and never inflates anything: no pickle, no
zip. The frame's size is checked before anything is allocated, every string and every
nesting level is bounded, and each tensor's dtype, shape and byte count must agree.
The snapshot dataclasses (`Value`, `TensorInfo`, `Call`) are rebuilt field by field with
their types checked, so a check only ever reads well-formed snapshots.

Every read and every write by the grader has a deadline: a worker that stops reading or
writing costs the check its time limit, never a hung grader.
"""
from __future__ import annotations

import json
import math
import os
import select
import struct
import time
from dataclasses import fields, is_dataclass

import torch

from autograder.core.snapshot import Call, TensorInfo, Value

MAX_FRAME = 128 * 2**20  # the largest message: a student's answer with a few million numbers
MAX_HEADER = 16 * 2**20
MAX_DEPTH = 24  # nesting of lists, dicts and snapshots
MAX_TEXT = 200_000  # characters of one string
DTYPES = {str(d).removeprefix("torch."): d for d in (
    torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.complex64, torch.complex128,
    torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool)}
_CLASSES = {cls.__name__: cls for cls in (TensorInfo, Value, Call)}


class ChannelClosed(EOFError):
    """The other end is gone (the worker exited or was killed)."""


class ChannelTimeout(TimeoutError):
    """No complete message before the deadline."""


class Garbage(ChannelClosed):
    """The other end sent something that is not a well-formed message."""


# --- writing ---------------------------------------------------------------------------

def encode(message) -> bytes:
    """The frame of `message`: dicts (string keys), lists, tuples, str, int, float, bool, None,
    tensors and snapshots."""
    buffers: list[bytes] = []
    header = json.dumps(_plain(message, buffers, 0), separators=(",", ":")).encode()
    body = struct.pack(">I", len(header)) + header + b"".join(buffers)
    return struct.pack(">Q", len(body)) + body


def _plain(obj, buffers: list, depth: int):
    if depth > MAX_DEPTH:
        raise ValueError("a message nested too deeply")
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"f": repr(obj)}
    if isinstance(obj, torch.Tensor):
        t = obj.detach().to("cpu").contiguous()
        dtype = str(t.dtype).removeprefix("torch.")
        if dtype not in DTYPES:
            raise ValueError(f"cannot send a {dtype} tensor")
        buffers.append(t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.view(torch.int16).numpy().tobytes())
        return {"T": len(buffers) - 1, "dtype": dtype, "shape": list(t.shape)}
    if is_dataclass(obj) and type(obj).__name__ in _CLASSES:
        return {"c": type(obj).__name__,
                "f": {f.name: _plain(getattr(obj, f.name), buffers, depth + 1) for f in fields(obj)}}
    if isinstance(obj, dict):
        return {"m": {str(k): _plain(v, buffers, depth + 1) for k, v in obj.items()}}
    if isinstance(obj, tuple):
        return {"t": [_plain(v, buffers, depth + 1) for v in obj]}
    if isinstance(obj, list):
        return [_plain(v, buffers, depth + 1) for v in obj]
    raise TypeError(f"cannot send a {type(obj).__name__}")


def send(fd: int, message, deadline: float | None = None) -> None:
    """Write `message` to `fd`; ChannelTimeout past `deadline` (a time.monotonic() value), when
    the other end does not read it."""
    _write_all(fd, encode(message), deadline)


def _write_all(fd: int, data: bytes, deadline: float | None) -> None:
    view = memoryview(data)
    if deadline is not None:
        os.set_blocking(fd, False)
    while view:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([], [fd], [], left)[1]:
                raise ChannelTimeout()
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            raise ChannelClosed("the other end closed the channel") from None
        view = view[written:]


# --- reading ---------------------------------------------------------------------------

def receive(fd: int, deadline: float | None = None):
    """The next message on `fd`; ChannelTimeout past `deadline`, Garbage if it is malformed."""
    (size,) = struct.unpack(">Q", _read_exactly(fd, 8, deadline))
    if not 4 <= size <= MAX_FRAME:
        raise Garbage(f"a message of {size} bytes (at most {MAX_FRAME} are read)")
    return decode(_read_exactly(fd, size, deadline))


def decode(body: bytes):
    """The message in a frame's body (without its 8-byte length)."""
    (header_size,) = struct.unpack(">I", body[:4])
    if header_size > min(MAX_HEADER, len(body) - 4):
        raise Garbage("a header longer than the message")
    try:
        header = json.loads(body[4:4 + header_size].decode())
    except (ValueError, RecursionError) as error:
        raise Garbage(f"an unreadable header ({type(error).__name__})") from None
    reader = _Reader(memoryview(body)[4 + header_size:])
    try:
        message = reader.value(header, 0)
    except Garbage:
        raise
    except Exception as error:  # whatever else a forged message trips over is garbage too, never ours
        raise Garbage(f"an unreadable value ({type(error).__name__})") from None
    if reader.offset != len(reader.data):
        raise Garbage("bytes left over after the last tensor")
    return message


class _Reader:
    def __init__(self, data: memoryview):
        self.data, self.offset, self.next = data, 0, 0

    def value(self, obj, depth: int):
        if depth > MAX_DEPTH:
            raise Garbage("a message nested too deeply")
        if obj is None or isinstance(obj, (bool, int, float)):
            return obj
        if isinstance(obj, str):
            if len(obj) > MAX_TEXT:
                raise Garbage("a string too long")
            return obj
        if isinstance(obj, list):
            return [self.value(v, depth + 1) for v in obj]
        if not isinstance(obj, dict) or len(obj) not in (1, 2, 3):
            raise Garbage("an unknown kind of value")
        if "T" in obj:
            return self.tensor(obj)
        if "f" in obj and len(obj) == 1:
            if obj["f"] not in ("nan", "inf", "-inf"):
                raise Garbage("an unknown number")
            return float(obj["f"])
        if "t" in obj and isinstance(obj["t"], list):
            return tuple(self.value(v, depth + 1) for v in obj["t"])
        if "m" in obj and isinstance(obj["m"], dict):
            return {k: self.value(v, depth + 1) for k, v in obj["m"].items()}
        if "c" in obj and obj["c"] in _CLASSES and isinstance(obj.get("f"), dict):
            return _snapshot(_CLASSES[obj["c"]], {k: self.value(v, depth + 1) for k, v in obj["f"].items()})
        raise Garbage("an unknown kind of value")

    def tensor(self, obj) -> torch.Tensor:
        dtype, shape = DTYPES.get(obj.get("dtype")), obj.get("shape")
        if obj.get("T") != self.next or dtype is None or not isinstance(shape, list) or len(shape) > 8 \
                or not all(type(n) is int and 0 <= n <= MAX_FRAME for n in shape):
            raise Garbage("a malformed tensor")
        count = math.prod(shape)
        size = count * torch.empty((), dtype=dtype).element_size()
        if size > len(self.data) - self.offset:
            raise Garbage("a tensor larger than the message")
        chunk = bytes(self.data[self.offset:self.offset + size])
        self.offset += size
        self.next += 1
        if not count:
            return torch.empty(shape, dtype=dtype)
        if dtype == torch.bfloat16:
            return torch.frombuffer(bytearray(chunk), dtype=torch.int16).view(torch.bfloat16).reshape(shape)
        return torch.frombuffer(bytearray(chunk), dtype=dtype).reshape(shape)


def _snapshot(cls, given: dict):
    """A snapshot dataclass from untrusted fields: every field present and of its type."""
    names = {f.name for f in fields(cls)}
    if set(given) != names:
        raise Garbage(f"a {cls.__name__} with the wrong fields")
    check = _FIELD_CHECKS[cls]
    for name, value in given.items():
        if not check[name](value):
            raise Garbage(f"a {cls.__name__} whose {name} is malformed")
    built = cls(**given)
    if cls is TensorInfo and built.values is not None and (
            str(built.values.dtype) != built.dtype or tuple(built.values.shape) != built.shape):
        raise Garbage("a tensor snapshot whose values disagree with its dtype or shape")
    return built


def _text(limit):
    return lambda v: isinstance(v, str) and len(v) <= limit


def _optional(kind):
    return lambda v: v is None or isinstance(v, kind)


_FIELD_CHECKS = {
    TensorInfo: {"dtype": lambda v: isinstance(v, str) and v.removeprefix("torch.") in DTYPES,
                 "shape": lambda v: isinstance(v, tuple) and len(v) <= 8 and all(type(n) is int and n >= 0 for n in v),
                 "device": _text(40), "is_leaf": lambda v: type(v) is bool, "requires_grad": lambda v: type(v) is bool,
                 "grad_fn": lambda v: v is None or _text(100)(v), "values": _optional(torch.Tensor),
                 "grad": _optional(TensorInfo)},
    Value: {"type": _text(200), "text": _text(400), "tensor": _optional(TensorInfo),
            "number": lambda v: v is None or type(v) is float,
            "items": lambda v: v is None or (isinstance(v, tuple) and len(v) <= 1000
                                             and all(isinstance(i, Value) for i in v))},
    Call: {"name": _text(200), "text": _text(MAX_TEXT), "value": lambda v: isinstance(v, Value),
           "inputs": lambda v: isinstance(v, dict) and all(isinstance(i, Value) for i in v.values())},
}


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, missing = [], size
    while missing:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise ChannelTimeout()
        try:
            chunk = os.read(fd, min(missing, 1 << 20))
        except BlockingIOError:
            continue
        if not chunk:
            raise ChannelClosed("the other end closed the channel")
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)
