"""MNIST (oscnet.mnist, oscnet.cli_mnist, oscnet.pictures): loading, bad data, both recipes on
the real digits, the saved model, pictures, download with checksums, Ctrl-C.

The data is never committed: the tests read ../shared/data/mnist beside the repository, or
the folder in OSCNET_MNIST_DIR, and skip when neither exists.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import REPO, SHARED_DATA, shared_data
from scipy.special import expit

from oscnet import mnist
from oscnet.cli import mnist as cli_mnist
from oscnet.cli.main import build_parser, main
from oscnet.errors import OscnetError
from oscnet.mnist import pictures
from oscnet.nn.model import Model
from oscnet.nn.network import Network

DATA = Path(os.environ["OSCNET_MNIST_DIR"]) if os.environ.get("OSCNET_MNIST_DIR") else SHARED_DATA / "mnist"
TRAIN_HIST = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]  # SOURCE.md
TEST_HIST = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]



def mnist_file(name: str) -> Path:
    """A file of the MNIST data; the test skips (fails under CI) without it."""
    return shared_data("mnist", name) if DATA == SHARED_DATA / "mnist" else DATA / name


@pytest.fixture
def needs_data() -> None:
    mnist_file("t10k-labels-idx1-ubyte.gz")


@pytest.fixture(scope="module")
def digits() -> tuple[mnist.Digits, mnist.Digits]:
    """The full training and test sets, loaded once."""
    mnist_file("t10k-labels-idx1-ubyte.gz")
    return mnist.load_mnist(DATA)


@pytest.fixture(scope="module")
def small() -> tuple[mnist.Digits, mnist.Digits]:
    """The tutorial's 100 training and 10 test digits (CSV)."""
    mnist_file("mnist_train_100.csv")
    return mnist.read_csv(DATA / "mnist_train_100.csv"), mnist.read_csv(DATA / "mnist_test_10.csv")


# --- loading ---------------------------------------------------------------------------


def test_idx_files_load_with_the_published_counts(digits: tuple[mnist.Digits, mnist.Digits]) -> None:
    train, test = digits
    assert train.images.shape == (60000, 784) and test.images.shape == (10000, 784)
    assert train.images.dtype == np.uint8
    assert np.bincount(train.labels).tolist() == TRAIN_HIST
    assert np.bincount(test.labels).tolist() == TEST_HIST


def test_csv_files_are_the_first_idx_digits(digits: tuple[mnist.Digits, mnist.Digits],
                                            small: tuple[mnist.Digits, mnist.Digits]) -> None:
    (train, test), (train100, test10) = digits, small
    np.testing.assert_array_equal(train100.images, train.images[:100])
    np.testing.assert_array_equal(train100.labels, train.labels[:100])
    np.testing.assert_array_equal(test10.images, test.images[:10])
    np.testing.assert_array_equal(test10.labels, test.labels[:10])


@pytest.mark.usefixtures("needs_data")
def test_uncompressed_idx_and_the_dot_naming(tmp_path: Path) -> None:
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (tmp_path / name).write_bytes(gzip.decompress((DATA / f"{name}.gz").read_bytes()))
    test = mnist.read_digits(tmp_path / "t10k-images-idx3-ubyte")
    assert len(test) == 10000 and np.bincount(test.labels).tolist() == TEST_HIST
    # the older file names, with a dot, also pair images with labels
    (tmp_path / "t10k-images-idx3-ubyte").rename(tmp_path / "t10k-images.idx3-ubyte")
    (tmp_path / "t10k-labels-idx1-ubyte").rename(tmp_path / "t10k-labels.idx1-ubyte")
    assert len(mnist.read_digits(tmp_path / "t10k-images.idx3-ubyte")) == 10000


def idx(dims_magic: int, shape: tuple[int, ...], body: bytes) -> bytes:
    """An IDX file's bytes: magic, sizes, then the body."""
    return dims_magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in shape) + body


@pytest.mark.parametrize("images, labels, problem", [
    (idx(0x0803, (2, 28, 28), bytes(2 * 784)), idx(0x0802, (2,), b"\x01\x02"), "wrong magic number"),
    (idx(0x0803, (2, 28, 28), bytes(784 + 100)), idx(0x0801, (2,), b"\x01\x02"), "truncated"),
    (idx(0x0803, (2, 28, 28), bytes(2 * 784)), idx(0x0801, (3,), b"\x01\x02\x03"), "3 labels for 2 images"),
    (idx(0x0803, (2, 28, 28), bytes(2 * 784)), b"\x00\x00", "truncated"),
    (idx(0x0803, (2, 28, 28), bytes(2 * 784)), idx(0x0801, (2,), b"\x01\x0c"), "not a digit"),
    (idx(0x0803, (1, 20, 20), bytes(400)), idx(0x0801, (1,), b"\x01"), "not 28x28"),
])
def test_bad_idx_files_name_the_file_and_problem(tmp_path: Path, images: bytes, labels: bytes, problem: str) -> None:
    (tmp_path / "x-images-idx3-ubyte").write_bytes(images)
    (tmp_path / "x-labels-idx1-ubyte.gz").write_bytes(gzip.compress(labels))  # gzipped or not: both read
    with pytest.raises(OscnetError, match=problem) as caught:
        mnist.read_idx_pair(tmp_path / "x-images-idx3-ubyte", tmp_path / "x-labels-idx1-ubyte.gz")
    assert "x-" in str(caught.value)  # the file is named


def test_damaged_gzip_is_a_user_error(tmp_path: Path) -> None:
    data = gzip.compress(idx(0x0801, (100,), bytes(100)))
    (tmp_path / "t.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(OscnetError, match=r"t\.gz"):
        mnist.read_idx(tmp_path / "t.gz", 1)


@pytest.mark.parametrize("row, problem", [
    ("7," + ",".join(["0"] * 783), "line 2: 784 values"),
    ("7," + ",".join(["0"] * 783 + ["256"]), "line 2: pixel value 256 is outside 0..255"),
    ("7," + ",".join(["0"] * 783 + ["-1"]), "line 2: pixel value -1"),
    ("10," + ",".join(["0"] * 784), "line 2: label 10"),
    ("7," + ",".join(["0"] * 783 + ["x"]), "line 2: a value is not a whole number"),
])
def test_bad_csv_rows_name_the_file_line_and_problem(tmp_path: Path, row: str, problem: str) -> None:
    path = tmp_path / "digits.csv"
    path.write_text("5," + ",".join(["255"] * 784) + "\n" + row + "\n")
    with pytest.raises(OscnetError, match=problem) as caught:
        mnist.read_csv(path)
    assert "digits.csv" in str(caught.value)


def test_an_empty_folder_says_how_to_download(tmp_path: Path) -> None:
    with pytest.raises(OscnetError, match="--download"):
        mnist.load_mnist(tmp_path)


# --- the numbers the network sees --------------------------------------------------------


def test_model_scaling_is_the_tutorials() -> None:
    x = np.array([0.0, 1.0, 128.0, 255.0])
    scaling = mnist.input_scaling()
    np.testing.assert_allclose((x - scaling.base[:4]) / scaling.range[:4], x / 255 * 0.99 + 0.01)
    np.testing.assert_allclose(scaling.apply(np.tile(x, 196)), mnist.scale_inputs(np.tile(x, 196)))
    t = mnist.one_hot(np.array([3, 0]))
    assert t.shape == (2, 10) and t[0, 3] == 0.99 and t[0, 0] == 0.01 and t[1, 0] == 0.99


def test_rotation_triples_the_digits(small: tuple[mnist.Digits, mnist.Digits]) -> None:
    train, _ = small
    turned = mnist.rotated(train.subset(5), 10)
    assert len(turned) == 15 and turned.labels.tolist() == np.repeat(train.labels[:5], 3).tolist()
    np.testing.assert_array_equal(turned.images[0::3], train.images[:5])  # originals kept, in order
    assert turned.images.min() >= 0 and turned.images.max() <= 255
    plus, minus = turned.images[1].reshape(28, 28), turned.images[2].reshape(28, 28)
    assert not np.allclose(plus, minus) and abs(plus.sum() - minus.sum()) < 0.1 * plus.sum()


# --- the seed recipe behaves as the tutorial says ------------------------------------------


class TutorialNetwork:
    """The tutorial's neuralNetwork class (part 2), as printed, as an independent reference."""

    def __init__(self, wih: np.ndarray, who: np.ndarray, learningrate: float) -> None:
        self.wih, self.who, self.lr = wih.copy(), who.copy(), learningrate

    def train(self, inputs_list: np.ndarray, targets_list: np.ndarray) -> None:
        inputs = np.array(inputs_list, ndmin=2).T
        targets = np.array(targets_list, ndmin=2).T
        hidden_outputs = expit(np.dot(self.wih, inputs))
        final_outputs = expit(np.dot(self.who, hidden_outputs))
        output_errors = targets - final_outputs
        hidden_errors = np.dot(self.who.T, output_errors)
        self.who += self.lr * np.dot(output_errors * final_outputs * (1.0 - final_outputs), hidden_outputs.T)
        self.wih += self.lr * np.dot(hidden_errors * hidden_outputs * (1.0 - hidden_outputs), inputs.T)

    def query(self, inputs_list: np.ndarray) -> np.ndarray:
        return expit(np.dot(self.who, expit(np.dot(self.wih, np.array(inputs_list, ndmin=2).T))))


def test_seed_recipe_on_100_digits_is_the_tutorial(small: tuple[mnist.Digits, mnist.Digits]) -> None:
    """The book's part 2 run: 100 hidden nodes, rate 0.3, 1 epoch on 100 digits → performance 0.6."""
    train, test = small
    recipe = mnist.Recipe("seed", hidden=[100], learning_rate=0.3, epochs=1, seed=0)
    model = mnist.train_model(train, recipe)
    start = Network.random([784, 100, 10], 0)  # the same start weights
    reference = TutorialNetwork(start.weights[0], start.weights[1], 0.3)
    for record in np.column_stack([train.labels, train.images]):
        reference.train(np.asarray(record[1:]) / 255.0 * 0.99 + 0.01, mnist.one_hot(record[:1])[0])
    np.testing.assert_allclose(model.network.weights[0], reference.wih, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.network.weights[1], reference.who, rtol=0, atol=1e-12)
    assert mnist.evaluate(model, test).accuracy == pytest.approx(0.6)  # the book prints 0.6


def test_seed_recipe_on_6000_digits(digits: tuple[mnist.Digits, mnist.Digits]) -> None:
    """A tenth of the data for one epoch already classifies about 9 test digits in 10."""
    train, test = digits
    model = mnist.train_model(train.subset(6000), mnist.Recipe("seed", epochs=1, seed=0))
    assert model.recipe == "seed" and model.options["learning_rate"] == 0.1
    accuracy = mnist.evaluate(model, test).accuracy
    assert 0.87 <= accuracy <= 0.93, accuracy


# --- the batch recipe on the full data -------------------------------------------------------


@pytest.fixture(scope="module")
def batch_model(digits: tuple[mnist.Digits, mnist.Digits]) -> Model:
    """784-200-10 trained by the batch recipe for 5 epochs, seed 0 (≈ 4 s on one core)."""
    # One BLAS thread: other tests may share the machine, and threaded BLAS then crawls.
    return mnist.train_model(digits[0], mnist.Recipe("batch", epochs=5, seed=0), threads=1)


def test_batch_recipe_reaches_97_5_percent(batch_model: Model, digits: tuple[mnist.Digits, mnist.Digits]) -> None:
    result = mnist.evaluate(batch_model, digits[1])
    assert result.accuracy >= 0.975, result.accuracy
    assert result.confusion.sum() == 10000 and result.confusion.sum(axis=1).tolist() == TEST_HIST
    table = mnist.confusion_table(result.confusion)
    assert len(table.splitlines()) == 11 and table.count("%") == 10


def test_saved_model_reloads_with_the_same_answers(batch_model: Model, digits: tuple[mnist.Digits, mnist.Digits],
                                                   tmp_path: Path) -> None:
    path = batch_model.save(tmp_path / "mnist.json")
    data = json.loads(path.read_text())
    assert data["kind"] == "nominal" and data["class_labels"] == [str(d) for d in range(10)]
    assert data["recipe"] == "batch" and data["options"]["epochs"] == 5 and data["options"]["hidden"] == [200]
    loaded = Model.load(path)
    test = digits[1]
    np.testing.assert_array_equal(loaded.predict_class(test.images[:500]), batch_model.predict_class(test.images[:500]))


def test_pictures(batch_model: Model, digits: tuple[mnist.Digits, mnist.Digits], tmp_path: Path) -> None:
    images = mnist.backquery_digits(batch_model.network)
    assert images.shape == (10, 28, 28) and images.min() >= 0 and images.max() <= 1
    drawing = pictures.draw_blocks(list(images), [str(d) for d in range(10)], width=80)
    assert len(drawing.splitlines()) == 5 * 15  # two 28-wide pictures per 80 columns and set(drawing) <= set(pictures.SHADES + "0123456789\n ")
    canvas = pictures.grid(list(images), [str(d) for d in range(10)])
    png = pictures.read_png(pictures.write_png(tmp_path / "b.png", canvas))
    assert png.shape == canvas.shape
    np.testing.assert_array_equal(png, np.rint((1 - canvas) * 255).astype(np.uint8))
    result = mnist.evaluate(batch_model, digits[1])
    wrong, titles = mnist.misclassified(result, digits[1], limit=20)
    assert len(wrong) == 20 and all(t[0] != t[2] and t[1] == ">" for t in titles)


# --- the command -----------------------------------------------------------------------------


def test_cli_trains_saves_and_tests_only(small: tuple[mnist.Digits, mnist.Digits], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    args = ["mnist", "--train", str(DATA / "mnist_train_100.csv"), "--test", str(DATA / "mnist_test_10.csv"),
            "--model", str(tmp_path / "m.json"), "--pictures", str(tmp_path / "pics")]
    assert main(args + ["--recipe", "seed", "--hidden", "100", "--learning-rate", "0.3", "--epochs", "1",
                        "--backquery", "--misclassified"]) == 0
    out = capsys.readouterr().out
    assert "performance = 0.6000 (6 of 10" in out and "true\\pred" in out and "trained in" in out
    assert (tmp_path / "pics/backquery.png").is_file() and (tmp_path / "pics/misclassified.png").is_file()
    assert main(args + ["--test-only"]) == 0
    assert "performance = 0.6000" in capsys.readouterr().out
    model = json.loads((tmp_path / "m.json").read_text())
    assert model["recipe"] == "seed" and model["options"]["learning_rate"] == 0.3


def test_cli_user_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mnist", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("oscnet: ") and "--download" in err and "Traceback" not in err
    assert main(["mnist", "--data", str(tmp_path), "--hidden", "2x0"]) == 2


def test_config_file_matches_the_built_in_defaults() -> None:
    assert yaml.safe_load((REPO / "configs/mnist.yaml").read_text()) == cli_mnist.DEFAULTS


def test_bench_is_registered() -> None:
    args = build_parser().parse_args(["bench", "mnist", "--quick", "--data", "x"])
    assert args.quick and callable(args.func)


@pytest.mark.usefixtures("needs_data")
def test_ctrl_c_stops_then_tests_and_saves(tmp_path: Path) -> None:
    """The first Ctrl-C ends training after the batch; the model so far is tested and saved."""
    model = tmp_path / "m.json"
    command = [sys.executable, "-m", "oscnet", "mnist", "--train", str(DATA / "mnist_train_100.csv"),
               "--test", str(DATA / "mnist_test_10.csv"), "--epochs", "1000000", "--batch-size", "10",
               "--model", str(model)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:  # wait until training is under way
        seen.append(line)
        if line.startswith("epoch 3/"):
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    text = "".join(seen) + out
    assert proc.returncode == 0, err
    assert "stopped early" in text and "performance = " in text and model.is_file()
    assert json.loads(model.read_text())["info"]["stopped_early"] is True


# --- download ----------------------------------------------------------------------------------


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A local HTTP server on 127.0.0.1 serving a copy of the four files (a test may spoil one)."""
    for name in mnist.FILES:
        mnist_file(name)
    served = tmp_path / "served"
    served.mkdir()
    for name in mnist.FILES:
        shutil.copy(DATA / name, served / name)
    handler = functools.partial(QuietHandler, directory=str(served))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", served
    finally:
        httpd.shutdown()
        httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass


def test_download_checks_sha256(server: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url, _ = server
    dest = tmp_path / "dest"
    assert main(["mnist", "--download", str(dest), "--mirror", url]) == 0
    assert sorted(p.name for p in dest.iterdir()) == sorted(mnist.FILES)
    for name, digest in mnist.FILES.items():
        assert mnist.sha256_of(dest / name) == digest
    train, test = mnist.load_mnist(dest)
    assert len(train) == 60000 and len(test) == 10000
    capsys.readouterr()
    mnist.download(dest, url, say=print)  # a second time: nothing fetched
    assert capsys.readouterr().out.count("already here") == 4


def test_download_refuses_a_corrupted_file(server: tuple[str, Path], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    url, served = server
    spoilt = served / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(spoilt.read_bytes())
    data[100] ^= 0xFF
    spoilt.write_bytes(bytes(data))
    dest = tmp_path / "dest"
    with pytest.raises(OscnetError, match=r"t10k-labels-idx1-ubyte\.gz: checksum mismatch"):
        mnist.download(dest, url)
    assert not (dest / "t10k-labels-idx1-ubyte.gz").exists()
    assert not [p for p in dest.iterdir() if p.name.endswith(".part")]  # no half-written leftovers
    assert main(["mnist", "--download", str(tmp_path / "d2"), "--mirror", url]) == 2
    assert "checksum mismatch" in capsys.readouterr().err


def test_download_from_a_missing_server_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(OscnetError, match="download failed"):
        mnist.download(tmp_path, "http://127.0.0.1:9/", timeout=5)


def test_recipe_settings_from_a_config() -> None:
    recipe = mnist.recipe_from({"name": "batch", "hidden": "300,100", "epochs": "3"})
    assert recipe.hidden == [300, 100] and recipe.epochs == 3 and recipe.rate == 0.3
    assert mnist.recipe_from({"name": "seed", "hidden": 50}).rate == 0.1
    with pytest.raises(OscnetError, match="unknown recipe setting"):
        mnist.recipe_from({"epoch": 3})
    with pytest.raises(OscnetError, match="wrong type"):
        mnist.recipe_from({"epochs": "five"})
    with pytest.raises(OscnetError, match="unknown recipe"):
        mnist.recipe_from({"name": "fast"}).check()
