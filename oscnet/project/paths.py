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
