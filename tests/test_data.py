"""The MNIST 2s and 9s, loaded through fastai's untar_data, offline, and cached."""
import io
import tarfile
import urllib.error

import pytest
import torch

from autograder.core import data


@pytest.fixture(scope="module")
def mnist():
    return data.load()


def test_counts_shapes_range_and_labels_on_the_real_data(mnist):
    assert mnist.train_x.shape == (5958 + 5949, 784)
    assert mnist.valid_x.shape == (1032 + 1009, 784)
    assert mnist.train_y.shape == (11907, 1) and mnist.valid_y.shape == (2041, 1)
    assert mnist.train_x.dtype == torch.float32 and mnist.valid_x.dtype == torch.float32
    for x in (mnist.train_x, mnist.valid_x):
        assert x.min() == 0.0 and x.max() == 1.0
    # the 2s come first, labelled 1; then the 9s, labelled 0
    assert mnist.train_y[:5958].eq(1).all() and mnist.train_y[5958:].eq(0).all()
    assert mnist.valid_y[:1032].eq(1).all() and mnist.valid_y[1032:].eq(0).all()


def test_images_are_the_digits_in_file_order(mnist):
    """The first training 2 is the first PNG of training/2, scaled by 1/255."""
    import numpy as np
    from PIL import Image

    first = sorted((data.mnist_folder() / "training" / "2").glob("*.png"))[0]
    pixels = torch.from_numpy(np.array(Image.open(first))).float().view(-1) / 255
    assert torch.equal(mnist.train_x[0], pixels)


def test_a_second_load_reads_the_cache_not_the_images(mnist, monkeypatch):
    def no_images(folder):
        raise AssertionError(f"read PNGs from {folder} although the cache exists")

    monkeypatch.setattr(data, "_read_pngs", no_images)
    again = data.load()
    assert torch.equal(again.train_x, mnist.train_x) and torch.equal(again.valid_y, mnist.valid_y)


def test_dataloaders_batch_by_256(mnist):
    dls = data.dataloaders(mnist)
    xb, yb = dls.train.one_batch()
    assert xb.shape == (256, 784) and yb.shape == (256, 1)
    assert len(dls.valid.dataset) == 2041


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty FASTAI_HOME (fastai caches its config per process: forget it around the test)."""
    import fastai.data.external

    monkeypatch.setenv("FASTAI_HOME", str(tmp_path / "home"))
    fastai.data.external.fastai_cfg.cache_clear()
    yield tmp_path / "home"
    fastai.data.external.fastai_cfg.cache_clear()


def _fake_archive(path, copies: int = 1):
    """A tiny mnist_png.tgz with `copies` black images per folder (1.png, 2.png, ...)."""
    from PIL import Image

    png = io.BytesIO()
    Image.new("L", (28, 28)).save(png, format="PNG")
    with tarfile.open(path, "w:gz") as tar:
        for split in ("training", "testing"):
            for digit in (2, 9):
                for n in range(1, copies + 1):
                    info = tarfile.TarInfo(f"mnist_png/{split}/{digit}/{n}.png")
                    info.size = len(png.getvalue())
                    tar.addfile(info, io.BytesIO(png.getvalue()))


def test_an_archive_named_by_MNIST_PNG_TGZ_is_extracted_where_untar_data_looks(home, tmp_path, monkeypatch):
    _fake_archive(tmp_path / "mnist_png.tgz")
    monkeypatch.setenv("MNIST_PNG_TGZ", str(tmp_path / "mnist_png.tgz"))
    folder = data.mnist_folder()
    assert folder == home / "data" / "mnist_png"
    assert (folder / "training" / "9" / "1.png").is_file()
    small = data.load()
    assert small.train_x.shape == (2, 784) and small.train_y.view(-1).tolist() == [1.0, 0.0]


def test_processes_that_unpack_the_archive_at_once_all_get_the_data(tmp_path):
    """A pool's zygotes (or the parallel suite) may all find the data missing and unpack it at once:
    each unpacks its own copy, one lands, none fails, nothing half-made stays."""
    import threading

    archive = tmp_path / "mnist_png.tgz"
    _fake_archive(archive, copies=300)
    folder, start, failures = tmp_path / "data", threading.Barrier(4), []

    def unpack():
        start.wait()
        try:
            data._extract(archive, folder)
        except Exception as error:  # noqa: BLE001 - what the test is about
            failures.append(error)

    threads = [threading.Thread(target=unpack) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(p.name for p in folder.iterdir()) == ["mnist_png"]
    assert len(list((folder / "mnist_png" / "training" / "2").iterdir())) == 300


def test_without_data_or_network_the_message_says_both_fixes(home, monkeypatch):
    import fastai.data.external

    def offline(url, *args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.delenv("MNIST_PNG_TGZ", raising=False)
    monkeypatch.setattr(fastai.data.external, "untar_data", offline)
    with pytest.raises(data.DataUnavailable) as error:
        data.load()
    assert "connect to the internet" in str(error.value) and "MNIST_PNG_TGZ" in str(error.value)


def test_a_missing_archive_is_named(home, tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_PNG_TGZ", str(tmp_path / "nowhere.tgz"))
    with pytest.raises(data.DataUnavailable, match="nowhere.tgz"):
        data.mnist_folder()
