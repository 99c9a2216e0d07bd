"""MNIST files: reading the IDX files (gzipped or not) and the tutorial's CSV, and the download.

    train, test = load_mnist("data/mnist")

Every damaged or wrong file gives an OscnetError that names the file and says what to do.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from oscnet.errors import OscnetError

N_PIXELS, SIDE, N_CLASSES = 784, 28, 10

FILES = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
# Google's copy of LeCun's files (the one TensorFlow's loader uses); --mirror picks another.
DEFAULT_MIRROR = "https://storage.googleapis.com/cvdf-datasets/mnist/"

IDX_MAGIC = {1: 0x00000801, 3: 0x00000803}  # unsigned bytes, 1-D labels / 3-D images


@dataclass
class Digits:
    """Digit images (n, 784) as raw pixels 0..255 and their labels (n,) 0..9."""

    images: np.ndarray
    labels: np.ndarray
    source: str = ""

    def __len__(self) -> int:
        return len(self.labels)

    def __repr__(self) -> str:
        return f"Digits({len(self)} from {self.source!r})"

    def subset(self, n: int) -> Digits:
        """The first n digits (the files are in a fixed, well-mixed order)."""
        return Digits(self.images[:n], self.labels[:n], f"{self.source}[:{n}]")


# --- loading ------------------------------------------------------------------------


def read_idx(path: str | os.PathLike, dims: int) -> np.ndarray:
    """An IDX file of unsigned bytes (gzipped or not) as an array with `dims` dimensions."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":  # gzip's own magic number
            raw = gzip.decompress(raw)
    except OSError as exc:
        raise OscnetError(f"{path}: cannot read it ({exc}); check the file or download it again "
                          "(oscnet mnist --download DIR)") from None
    except (EOFError, gzip.BadGzipFile, ValueError) as exc:
        raise OscnetError(f"{path}: the gzip data is damaged ({exc}); download it again") from None
    header = 4 + 4 * dims
    if len(raw) < header:
        raise OscnetError(f"{path}: truncated: only {len(raw)} bytes, not even an IDX header; download it again")
    magic = int.from_bytes(raw[:4], "big")
    if magic != IDX_MAGIC[dims]:
        kind = "labels" if dims == 1 else "images"
        raise OscnetError(f"{path}: wrong magic number 0x{magic:08x} (MNIST {kind} files start with "
                          f"0x{IDX_MAGIC[dims]:08x}); is this the right file?")
    shape = tuple(int.from_bytes(raw[4 + 4 * k: 8 + 4 * k], "big") for k in range(dims))
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        problem = "truncated" if len(raw) < expected else "has extra bytes"
        raise OscnetError(f"{path}: {problem}: {len(raw)} bytes where the header {shape} needs "
                          f"{expected}; download it again")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(shape)


def read_idx_pair(images_path: str | os.PathLike, labels_path: str | os.PathLike) -> Digits:
    """Images and labels from two IDX files, checked to be 28x28 digits, one label each."""
    images = read_idx(images_path, 3)
    labels = read_idx(labels_path, 1)
    if images.shape[1:] != (SIDE, SIDE):
        raise OscnetError(f"{images_path}: images are {images.shape[1]}x{images.shape[2]}, not 28x28")
    if len(images) != len(labels):
        raise OscnetError(f"{labels_path}: {len(labels)} labels for {len(images)} images in "
                          f"{images_path}; the two files must come from the same set")
    if labels.size and labels.max() >= N_CLASSES:
        raise OscnetError(f"{labels_path}: label {labels.max()} is not a digit 0..9")
    return Digits(images.reshape(-1, N_PIXELS), labels.copy(), str(images_path))


def read_csv(path: str | os.PathLike) -> Digits:
    """The tutorial's CSV: one digit per line, its label then 784 pixel values 0..255."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise OscnetError(f"{path}: cannot read it as a CSV file ({exc})") from None
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        fields = line.split(",")
        if len(fields) != 1 + N_PIXELS:
            raise OscnetError(f"{path}, line {number}: {len(fields)} values; each line must be a "
                              f"label then {N_PIXELS} pixels")
        try:
            values = [int(f) for f in fields]
        except ValueError:
            raise OscnetError(f"{path}, line {number}: a value is not a whole number") from None
        if not 0 <= values[0] < N_CLASSES:
            raise OscnetError(f"{path}, line {number}: label {values[0]} is not a digit 0..9")
        bad = [v for v in values[1:] if not 0 <= v <= 255]
        if bad:
            raise OscnetError(f"{path}, line {number}: pixel value {bad[0]} is outside 0..255")
        rows.append(values)
    if not rows:
        raise OscnetError(f"{path}: no digits in the file")
    table = np.array(rows, dtype=np.uint8)
    return Digits(table[:, 1:], table[:, 0].copy(), str(path))


def read_digits(path: str | os.PathLike) -> Digits:
    """One set of digits from a CSV file, or an IDX images file with its labels file beside it."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return read_csv(path)
    name = path.name
    for images_word, labels_word in (("images-idx3", "labels-idx1"), ("images.idx3", "labels.idx1")):
        if images_word in name:
            return read_idx_pair(path, path.with_name(name.replace(images_word, labels_word)))
    raise OscnetError(f"{path}: give a .csv file or an IDX images file (…-images-idx3-ubyte[.gz])")


def find_files(data_dir: str | os.PathLike) -> tuple[Path, Path]:
    """The training and test files in a folder: the IDX files if there, else mnist_train/test.csv."""
    data_dir = Path(data_dir)
    found = []
    for stem in ("train", "t10k"):
        for name in (f"{stem}-images-idx3-ubyte.gz", f"{stem}-images-idx3-ubyte",
                     f"{stem}-images.idx3-ubyte.gz", f"{stem}-images.idx3-ubyte"):
            if (data_dir / name).is_file():
                found.append(data_dir / name)
                break
    if len(found) == 2:
        return found[0], found[1]
    for train, test in (("mnist_train.csv", "mnist_test.csv"), ("mnist_train_100.csv", "mnist_test_10.csv")):
        if (data_dir / train).is_file() and (data_dir / test).is_file():
            return data_dir / train, data_dir / test
    raise OscnetError(f"{data_dir}: no MNIST files found (the four IDX files or mnist_train.csv and "
                      f"mnist_test.csv); fetch them with: oscnet mnist --download {data_dir}")


def load_mnist(data_dir: str | os.PathLike) -> tuple[Digits, Digits]:
    """The training and test digits found in `data_dir`."""
    train_path, test_path = find_files(data_dir)
    return read_digits(train_path), read_digits(test_path)


# --- download -----------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    """The file's sha256 as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(dest: str | os.PathLike, mirror: str = DEFAULT_MIRROR, files: dict[str, str] | None = None,
             timeout: float = 60.0, say: Callable[[str], None] = lambda _: None) -> list[Path]:
    """Fetch the four IDX files into `dest`, keeping each only if its sha256 is the known one.

    A file already there with the right checksum is not fetched again. A download is written
    to a temporary name and renamed only once checked, so a bad one never looks like a good one.
    """
    files = FILES if files is None else files
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    base = mirror if mirror.endswith("/") else mirror + "/"
    paths = []
    for name, expected in files.items():
        path = dest / name
        if path.is_file() and sha256_of(path) == expected:
            say(f"{path}: already here, checksum good")
            paths.append(path)
            continue
        url = base + name
        say(f"fetching {url}")
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=dest)
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
                for block in iter(lambda: response.read(1 << 20), b""):
                    digest.update(block)
                    out.write(block)
            if digest.hexdigest() != expected:
                raise OscnetError(f"{url}: checksum mismatch (sha256 {digest.hexdigest()}, expected "
                                  f"{expected}); the file was not kept; try again or another --mirror")
            os.replace(tmp, path)
        except (urllib.error.URLError, OSError) as exc:
            raise OscnetError(f"{url}: download failed ({getattr(exc, 'reason', exc)}); check the "
                              "network or give another --mirror") from None
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        paths.append(path)
    return paths
