"""File names that arrive over the network stay inside the project's folder."""

from __future__ import annotations

from pathlib import Path

from oscnet.errors import OscnetError


def confine(name: str | Path, root: str | Path) -> Path:
    """`name` resolved inside `root` (a relative name is taken from root); refused if it leads out.

    A patch on the network may ask oscnet to save or load a file: without this, any sender
    could overwrite any file the performer can write (`../../.bashrc`, `/etc/...`).
    """
    root = Path(root).resolve()
    path = Path(name).expanduser()
    resolved = (path if path.is_absolute() else root / path).resolve()
    if resolved != root and not resolved.is_relative_to(root):
        raise OscnetError(f"{str(name)!r} is outside the project folder {root}; OSC may only name files "
                          "inside it (start oscnet with --allow-any-path to lift this)")
    return resolved


PROJECT_FILES = ("oscnet.yaml", "examples.csv")


def osc_model_file(name: str | Path, folder: str | Path | None, writing: bool) -> Path:
    """A model file named over OSC (saveModelToFile, loadModelFromFile): a `.json` file inside the
    project folder, never the project's own files (its config, its examples, models/), and never
    a file that is not an oscnet model when it would be overwritten."""
    if folder is None:
        raise OscnetError("OSC may name files only inside a project folder, and this session has none "
                          "yet: start it with `oscnet serve --project DIR` (or `save DIR` at the console)")
    root = Path(folder).resolve()
    path = confine(name, root)
    if path.suffix.lower() != ".json":
        raise OscnetError(f"{str(name)!r}: a model file name must end in .json")
    if path.name in PROJECT_FILES or path.is_relative_to(root / "models"):
        raise OscnetError(f"{str(name)!r} is one of the project's own files (its config, examples or "
                          "models/); name another file, e.g. backup-1.json")
    if path.exists() and not path.is_file():
        raise OscnetError(f"{str(name)!r} is not a regular file")
    if writing and path.exists():
        head = path.open("rb").read(4096)
        if b'"oscnet-model"' not in head:
            raise OscnetError(f"{str(name)!r} exists and is not an oscnet model file: it is not oscnet's "
                              "to overwrite; name a new file")
    return path
