"""MNIST 2s and 9s: the data every step of the course learns from.

The images come from fastai's `untar_data(URLs.MNIST)`. Training is
`training/2` + `training/9`, validation is `testing/2` + `testing/9`; pixels are
float32 in [0, 1], flattened to (N, 784); a 2 is labelled 1 and a 9 is
labelled 0, shape (N, 1).

Offline, set MNIST_PNG_TGZ to a copy of `mnist_png.tgz`: it is unpacked into
fastai's data folder first, so the real `untar_data` finds it there. The stacked
images are cached next to them, so a later load reads one small file.
"""
from __future__ import annotations

import functools
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch

from autograder.core.messages import say, translations

CACHE_NAME = "mnist_2v9.uint8.pt"  # bump the name if the cached layout changes
DIGITS = {2: 1, 9: 0}  # digit -> label


class DataUnavailable(RuntimeError):
    """Neither the extracted images, nor an archive, nor a download worked."""


@dataclass(frozen=True)
class Mnist2v9:
    """The four tensors of the course.

    train_x: (11907, 784) float32 in [0, 1]; train_y: (11907, 1) float32.
    valid_x: (2041, 784); valid_y: (2041, 1). Labels: 1 for a 2, 0 for a 9.
    """

    train_x: torch.Tensor
    train_y: torch.Tensor
    valid_x: torch.Tensor
    valid_y: torch.Tensor


def fastai_data_folder() -> Path:
    """Where fastai's `untar_data` keeps extracted data sets ($FASTAI_HOME/data)."""
    from fastcore.xtras import Config  # light: reads fastai's config.ini only

    home = Path(os.environ.get("FASTAI_HOME", "~/.fastai")).expanduser()
    return Config(home, "config.ini").path("data", "data")


def mnist_folder() -> Path:
    """The folder `untar_data(URLs.MNIST)` returns, unpacking MNIST_PNG_TGZ first if set."""
    target = fastai_data_folder() / "mnist_png"
    archive = os.environ.get("MNIST_PNG_TGZ")
    if not target.exists() and archive:
        _extract(Path(archive), target.parent)
    from fastai.data.external import URLs, untar_data

    try:
        return untar_data(URLs.MNIST)
    except Exception as error:  # no network: fastdownload raises URLError or OSError
        raise DataUnavailable(say(
            "MNIST is not in {folder} and could not be downloaded ({error}). Either "
            "connect to the internet, or set MNIST_PNG_TGZ to the path of a copy of "
            "mnist_png.tgz (the course keeps one at ../shared/data/mnist_png.tgz).", folder=target, error=error
        )) from None


def _extract(archive: Path, data_folder: Path) -> None:
    """Unpack the archive beside its final place, then move it there in one rename. Processes
    that start at once (a pool's zygotes, parallel tests) each unpack their own copy; the first
    rename wins and the others drop theirs."""
    if not archive.is_file():
        raise DataUnavailable(say("MNIST_PNG_TGZ names {archive}, which is not a file.", archive=archive))
    data_folder.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix="mnist_png.partial-", dir=data_folder))
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(partial, filter="data")
        (partial / "mnist_png").rename(data_folder / "mnist_png")
    except OSError:
        if not (data_folder / "mnist_png").is_dir():
            raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def load() -> Mnist2v9:
    """The 2s and 9s as tensors, from the cache when there is one (about 0.05 s).

    Every call returns new tensors (changing them changes no other caller's data); the
    cached pixels are read once per process.
    """
    cache = fastai_data_folder() / "mnist_png" / CACHE_NAME
    if not cache.exists():
        _write_cache(mnist_folder(), cache)
    return Mnist2v9(**{name: tensor.clone() for name, tensor in _read_cache(cache).items()})


@functools.lru_cache(maxsize=1)
def _read_cache(cache: Path) -> dict:
    """The cached tensors, as load() returns them (pixels in [0, 1], float labels)."""
    pixels = torch.load(cache, weights_only=True)
    return {name: tensor.float() / 255 if name.endswith("_x") else tensor.float() for name, tensor in pixels.items()}


def _write_cache(folder: Path, cache: Path) -> None:
    stacked = {}
    for split, name in (("training", "train"), ("testing", "valid")):
        images, labels = [], []
        for digit, label in DIGITS.items():
            digit_images = _read_pngs(folder / split / str(digit))
            images.append(digit_images)
            labels.append(torch.full((len(digit_images), 1), label, dtype=torch.uint8))
        stacked[f"{name}_x"] = torch.cat(images).view(-1, 28 * 28)
        stacked[f"{name}_y"] = torch.cat(labels)
    partial = cache.with_suffix(f".partial-{os.getpid()}")  # one per process: two may write at once
    torch.save(stacked, partial)
    partial.replace(cache)  # atomic: a crash, or a second writer, never leaves half a cache


def _read_pngs(folder: Path) -> torch.Tensor:
    """(N, 28, 28) uint8, the PNGs of `folder` in name order."""
    import numpy as np
    from PIL import Image

    paths = sorted(folder.glob("*.png"))
    if not paths:
        raise DataUnavailable(say("{folder} holds no PNG images: is the MNIST folder complete?", folder=folder))
    return torch.from_numpy(np.stack([np.array(Image.open(p)) for p in paths]))


def dataloaders(data: Mnist2v9 | None = None, bs: int = 256):
    """fastai DataLoaders over (image, label) pairs: training shuffled, validation not."""
    from fastai.data.core import DataLoaders
    from fastai.data.load import DataLoader

    data = data or load()
    train = DataLoader(list(zip(data.train_x, data.train_y)), batch_size=bs, shuffle=True)
    valid = DataLoader(list(zip(data.valid_x, data.valid_y)), batch_size=bs)
    return DataLoaders(train, valid)


def batches(x: torch.Tensor, y: torch.Tensor, bs: int = 256, seed: int | None = None):
    """A list of (xb, yb) slices of (x, y): shuffled by `seed` when given.

    The same batches a DataLoader gives, without its per-item overhead.
    """
    order = torch.arange(len(x))
    if seed is not None:
        order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    return [(x[i], y[i]) for i in order.split(bs)]


translations("zh", {
    "MNIST is not in {folder} and could not be downloaded ({error}). Either connect to the internet, or set "
    "MNIST_PNG_TGZ to the path of a copy of mnist_png.tgz (the course keeps one at ../shared/data/mnist_png.tgz).":
        "{folder} 中没有 MNIST，也无法下载（{error}）。请连上网络，或者把 MNIST_PNG_TGZ 设为 mnist_png.tgz "
        "副本的路径（课程在 ../shared/data/mnist_png.tgz 放了一份）。",
    "MNIST_PNG_TGZ names {archive}, which is not a file.": "MNIST_PNG_TGZ 指向的 {archive} 不是一个文件。",
    "{folder} holds no PNG images: is the MNIST folder complete?": "{folder} 里没有 PNG 图片：MNIST 文件夹完整吗？",
})
