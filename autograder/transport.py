"""What crosses between the grader and a sandboxed worker, and how, safely.

Messages are nested dicts, lists, tuples, strings, numbers, None and tensors,
with the snapshot dataclasses (Value, TensorInfo, Call) turned into tagged dicts.
They travel as `torch.save` bytes behind an 8-byte length, and are read back
with `torch.load(..., weights_only=True)`: a worker that student code controls
can send garbage, but never make the grader run code by unpickling it.
"""
from __future__ import annotations

import io
import os
import select
import struct
import time
from dataclasses import fields, is_dataclass

import torch

from autograder.snapshot import TensorInfo, Value
from autograder.student import Call

MAX_MESSAGE = 512 * 2**20  # a larger answer from a worker is refused
_CLASSES = {cls.__name__: cls for cls in (TensorInfo, Value, Call)}


class ChannelClosed(EOFError):
    """The other end is gone (the worker exited or was killed)."""


class ChannelTimeout(TimeoutError):
    """No complete message before the deadline."""


def encode(obj):
    """Plain data for `obj`: snapshot dataclasses become {'__class__': name, field: ...}."""
    if is_dataclass(obj) and type(obj).__name__ in _CLASSES:
        return {"__class__": type(obj).__name__, **{f.name: encode(getattr(obj, f.name)) for f in fields(obj)}}
    if isinstance(obj, dict):
        return {str(k): encode(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(encode(v) for v in obj)
    if isinstance(obj, (str, int, float, bool, type(None), torch.Tensor)):
        return obj
    raise TypeError(f"cannot send a {type(obj).__name__}")


def decode(obj):
    if isinstance(obj, dict):
        if "__class__" in obj:
            cls = _CLASSES[obj["__class__"]]
            return cls(**{f.name: decode(obj[f.name]) for f in fields(cls)})
        return {k: decode(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(decode(v) for v in obj)
    return obj


def send(fd: int, message) -> None:
    buffer = io.BytesIO()
    torch.save(encode(message), buffer)
    data = buffer.getvalue()
    _write_all(fd, struct.pack(">Q", len(data)) + data)


def receive(fd: int, deadline: float | None = None):
    """The next message on `fd`; ChannelTimeout past `deadline` (a time.monotonic() value)."""
    (size,) = struct.unpack(">Q", _read_exactly(fd, 8, deadline))
    if size > MAX_MESSAGE:
        raise ChannelClosed(f"a message of {size} bytes, more than the {MAX_MESSAGE} allowed")
    data = _read_exactly(fd, size, deadline)
    return decode(torch.load(io.BytesIO(data), weights_only=True))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except BrokenPipeError:
            raise ChannelClosed("the other end closed the channel") from None
        view = view[written:]


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, missing = [], size
    while missing:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise ChannelTimeout()
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            raise ChannelClosed("the other end closed the channel")
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)
