"""A project on disk: the YAML config, the examples as CSV, one model JSON per trained output.

```
<folder>/
  oscnet.yaml          the config (oscnet.config)
  examples.csv         round,time,<inputs>,<outputs>; empty cell = output not recorded
  models/output-K.json the trained model of output K (1-based), Model.save's JSON
```
Every file is written atomically (temp file + rename). `Autosaver` keeps a folder up to date
from a background thread while a session records.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

if sys.platform != "win32":
    import fcntl

from oscnet.errors import OscnetError
from oscnet.nn.model import FILE_MODE, Model, write_atomic, write_atomic_with
from oscnet.project.config import Config
from oscnet.project.examples import ExampleStore
from oscnet.recipes import load_model, save_model

log = logging.getLogger(__name__)

CONFIG_FILE = "oscnet.yaml"
EXAMPLES_FILE = "examples.csv"
MODELS_DIR = "models"
LOCK_FILE = ".oscnet.lock"
DAMAGED_FILE = "examples.damaged.txt"  # cut lines taken out of examples.csv, kept


@dataclass
class Project:
    """What a project folder holds; models[k] is None for an untrained output."""

    config: Config
    examples: ExampleStore
    models: list[Model | None]


def model_path(directory: str | Path, k: int) -> Path:
    """Where output k's (0-based) model lives in a project folder."""
    return Path(directory) / MODELS_DIR / f"output-{k + 1}.json"


def is_project(directory: str | Path) -> bool:
    return (Path(directory) / CONFIG_FILE).is_file()


def save_project(directory: str | Path, config: Config, examples: ExampleStore,
                 models: list[Model | None]) -> Path:
    """Write a whole project folder; models of untrained outputs are removed."""
    directory = Path(directory)
    try:
        write_atomic(directory / CONFIG_FILE, config.to_yaml())
        write_atomic(directory / EXAMPLES_FILE, examples.to_csv(config.inputs, [o.name for o in config.outputs]))
        save_models(directory, models)
    except OSError as exc:
        raise OscnetError(f"cannot save the project in {directory}: {exc.strerror or exc}") from None
    return directory


def save_models(directory: Path, models: list[Any]) -> None:
    """Write every trained model and delete files of outputs that have none (or no longer exist).

    A `models` that is a symbolic link is refused: oscnet writes and deletes only its own files."""
    if (directory / MODELS_DIR).is_symlink():
        raise OscnetError(f"{directory / MODELS_DIR} is a symbolic link; oscnet writes and deletes model "
                          "files only in a real folder of the project: replace the link with a folder")
    keep = set()
    for k, model in enumerate(models):
        path = model_path(directory, k)
        if model is not None:
            save_model(model, path)
            keep.add(path.name)
    folder = directory / MODELS_DIR
    if folder.is_dir():
        for stale in folder.glob("output-*.json"):
            if stale.name not in keep:
                stale.unlink()


class ProjectLock:
    """An exclusive lock on a project folder (`.oscnet.lock`, flock), held while a session keeps it."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / LOCK_FILE
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
        try:
            if sys.platform != "win32":  # (Windows has no flock: no lock there)
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(self.fd, 32).decode(errors="replace").strip() or "?"
            os.close(self.fd)
            raise OscnetError(f"another oscnet (process {holder}) is using {directory}: stop it, or give this "
                              "one another folder") from None
        os.ftruncate(self.fd, 0)
        os.write(self.fd, str(os.getpid()).encode())

    def release(self) -> None:
        with contextlib.suppress(OSError):
            if sys.platform != "win32":
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)


def append_rows(path: Path, rows: str) -> int:
    """Append whole CSV rows, or nothing: on any error (a full disk) the file is cut back to its
    size before, so a retry never duplicates rows or leaves half a line. Unbuffered, so nothing
    is left to be written later by a buffer. Returns the file's new size."""
    data = rows.encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0))
    try:
        size = os.fstat(fd).st_size
        try:
            done = 0
            while done < len(data):
                done += os.write(fd, data[done:])
            os.fsync(fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)
            raise
        return size + len(data)
    finally:
        os.close(fd)


def load_project(directory: str | Path) -> Project:
    """Read a project folder written by `save_project` (or kept by an `Autosaver`)."""
    directory = Path(directory)
    if not is_project(directory):
        raise OscnetError(f"{directory} is not an oscnet project (no {CONFIG_FILE}); "
                          "give the folder that `save` wrote")
    config = Config.load(directory / CONFIG_FILE)
    n_in, n_out = len(config.inputs), len(config.outputs)
    path = directory / EXAMPLES_FILE
    examples = ExampleStore(n_in, n_out)
    if path.is_file():
        examples = ExampleStore.from_csv(path.read_text(encoding="utf-8"), n_in, n_out, str(path))
        if examples.damaged_tail is not None:
            line, text = examples.damaged_tail
            log.warning("%s, line %d was cut short (oscnet stopped while writing it) and is left out: "
                        "%.80r; a session that autosaves here keeps it in %s", path, line, text,
                        DAMAGED_FILE)
    models: list[Model | None] = []
    for k, spec in enumerate(config.outputs):
        path = model_path(directory, k)
        model = load_model(path) if path.is_file() else None
        if model is not None and (model.kind == "nominal") != spec.is_classifier:
            raise OscnetError(f"{path}: a {model.kind} model cannot serve {spec.describe()} output "
                              f"{spec.name!r}; delete the file or fix {CONFIG_FILE}")
        models.append(model)
    return Project(config, examples, models)


def claim_recordings_folder(root: str | Path) -> Path:
    """Create and return a fresh folder `root/session-YYYYmmdd-HHMMSS[-k]` for one session's autosave."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    stem = "session-" + datetime.now().strftime("%Y%m%d-%H%M%S")
    for k in range(1, 10_000):
        path = root / (stem if k == 1 else f"{stem}-{k}")
        try:
            path.mkdir()  # atomic: two sessions never share a folder
            return path
        except FileExistsError:
            continue
    raise OscnetError(f"cannot create a recordings folder in {root}: clean it up")


Snapshot = Callable[[], tuple[Config, int, list[Model | None], int]]
"""Returns (config, config version, models, models version) of the live session."""


class Autosaver:
    """Keeps a project folder in step with a live session, from its own thread, at least once a second.

    New examples are appended to examples.csv (fsync'd); a deletion rewrites the file
    atomically; the config and models are rewritten when their version changes. The folder is
    created at the first write, so a session that records nothing leaves nothing behind.
    """

    def __init__(self, examples: ExampleStore, snapshot: Snapshot, directory: Path | None = None,
                 root: Path | None = None, interval: float = 0.5, saved: bool = False) -> None:
        """Save into `directory`, or into a fresh folder claimed under `root` at the first write."""
        self.directory = directory
        self.root = root
        self.examples = examples
        self.snapshot = snapshot
        self.interval = interval
        # `saved`: the folder already holds this state (a loaded project): start from there;
        # but a cut last line is taken out first (appending after it would spoil the next row)
        saved_rows = saved and examples.damaged_tail is None
        self._rows = len(examples) if saved_rows else 0
        self._examples_version = examples.version if saved_rows else -1
        self._csv_size: int | None = None  # examples.csv's size after this saver's last write
        self._header: str | None = None  # and the header line it wrote
        self._config_version = self._models_version = 0 if saved else -1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="oscnet-autosave", daemon=True)
        self._failed_at = -1e9
        self.failures = 0  # flushes failed in a row (status shows them)
        self._lock: ProjectLock | None = None
        self.last_error: str | None = None

    def start(self) -> Autosaver:
        """Start saving; a folder that another oscnet keeps is refused (two servers, one folder,
        would overwrite each other's examples)."""
        if self.directory is not None and self.directory.is_dir():
            self._lock = ProjectLock(self.directory)
            if self._examples_version != -1:
                self._adopt(self.directory / EXAMPLES_FILE)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop the thread and write what is left."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.flush()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()

    def flush(self) -> None:
        """Write whatever changed since the last flush; disk errors are logged, never raised."""
        try:
            self._flush()
            self.failures, self.last_error = 0, None
        except Exception as exc:  # the autosave thread must never die: every failure is retried
            self.failures += 1
            self.last_error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, (OSError, OscnetError)) else str(exc)
            if time.monotonic() - self._failed_at > 10:  # say it, but not every half second
                log.error("autosave to %s failed (%d times): %s; free some space or fix permissions; "
                          "oscnet keeps trying", self.directory, self.failures, self.last_error)
                self._failed_at = time.monotonic()

    def _flush(self) -> None:
        config, config_version, models, models_version = self.snapshot()
        n, version = len(self.examples), self.examples.version
        # (a DTW output's examples are its model)
        nothing = self._rows == 0 and n == 0 and all(m is None or getattr(m, "n_examples", 1) == 0 for m in models)
        if nothing and (self.directory is None or not self.directory.exists()):
            return  # nothing recorded yet: do not create the folder
        if self.directory is None:
            if self.root is None:
                return
            self.directory = claim_recordings_folder(self.root)
            self._lock = ProjectLock(self.directory)
            log.info("recording to %s", self.directory)
        if not self.directory.is_dir():  # deleted while serving: everything is written again
            self._config_version = self._models_version = -1
        path = self.directory / EXAMPLES_FILE
        header = self.examples.csv_header(config.inputs, [o.name for o in config.outputs])
        if config_version != self._config_version or not (self.directory / CONFIG_FILE).exists():
            write_atomic(self.directory / CONFIG_FILE, config.to_yaml())
            self._config_version = config_version
        if version != self._examples_version or not path.exists():
            self._keep_damaged_tail()
            self._rewrite(path, header, n, version, copy_rows=False)
        elif header != self._header:
            self._rewrite(path, header, n, version, copy_rows=True)  # new names, same rows
        elif n != self._rows:
            self._csv_size = append_rows(path, self.examples.csv_rows(self._rows, n))
            self._rows = n
        if models_version != self._models_version:
            save_models(self.directory, models)
            self._models_version = models_version

    def _adopt(self, path: Path) -> None:
        """Take a saved examples.csv as this saver's own: its header and size (so a rename can
        copy its rows); one that does not end in a newline (edited by hand) is written anew."""
        try:
            with open(path, "rb") as f:
                header = f.readline()
                size = os.fstat(f.fileno()).st_size
                f.seek(max(size - 1, 0))
                whole = f.read(1) == b"\n"
        except OSError:
            return
        if whole:
            self._header, self._csv_size = header.decode("utf-8", "replace"), size
        else:
            self._examples_version = -1

    def _rewrite(self, path: Path, header: str, n: int, version: int, copy_rows: bool) -> None:
        """examples.csv anew, atomically: the header, the rows (copied byte for byte when only
        the names changed: a rename must not reformat 100,000 rows), then the rows recorded while
        it was written, so the window in which a crash loses new rows stays short."""
        def fill(f: BinaryIO) -> None:
            nonlocal n
            f.write(header.encode("utf-8"))
            copied = copy_rows and self._copy_rows(path, f)  # rows up to self._rows
            f.write(self.examples.csv_rows(self._rows if copied else 0, n).encode("utf-8"))
            while self.examples.version == version and len(self.examples) > n:
                m = len(self.examples)
                f.write(self.examples.csv_rows(n, m).encode("utf-8"))
                n = m
            self._csv_size = f.tell()

        write_atomic_with(path, fill)
        self._rows, self._examples_version, self._header = n, version, header

    def _copy_rows(self, path: Path, f: BinaryIO) -> bool:
        """Copy the rows of the examples.csv this saver wrote last into f; False if the file is not
        exactly that (changed by someone else), and nothing was copied."""
        try:
            with open(os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)), "rb") as old:
                if os.fstat(old.fileno()).st_size != self._csv_size:
                    return False
                if old.readline() != (self._header or "").encode("utf-8"):
                    return False
                shutil.copyfileobj(old, f, 1 << 20)
                return True
        except OSError:
            return False

    def _keep_damaged_tail(self) -> None:
        """Before a rewrite drops examples.csv's cut last line, append it to DAMAGED_FILE (never
        overwritten), so that nothing that was on disk disappears unseen."""
        tail = self.examples.damaged_tail
        if tail is None or self.directory is None:
            return
        line, text = tail
        stamp = datetime.now().isoformat(timespec="seconds")
        fd = os.open(self.directory / DAMAGED_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT
                     | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
        with open(fd, "w", encoding="utf-8") as f:
            f.write(f"{stamp} examples.csv line {line} (cut short, left out): {text}\n")
        self.examples.damaged_tail = None
        log.warning("kept the cut last line of %s in %s", self.directory / EXAMPLES_FILE,
                    self.directory / DAMAGED_FILE)
