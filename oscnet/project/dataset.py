"""Examples from a file for offline training: an ARFF or CSV table split into inputs and outputs."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from oscnet.errors import OscnetError
from oscnet.project.arff import read_arff

WEKINATOR_METADATA = ["ID", "Time", "Training round"]


@dataclass
class Output:
    """One output column: its name, raw values (n,) with NaN = not recorded, class labels if nominal."""

    name: str
    values: np.ndarray
    labels: list[str] | None = None


@dataclass
class Table:
    """Inputs (n, n_inputs) with their names, and the output columns to train on."""

    input_names: list[str]
    inputs: np.ndarray
    outputs: list[Output]


def load_table(path: str | Path, n_outputs: int = 1) -> Table:
    """Read DATA: the last `n_outputs` columns are outputs; Wekinator's ID/Time/round are skipped."""
    path = Path(path)
    if n_outputs < 1:
        raise OscnetError("--outputs must be at least 1")
    if path.suffix.lower() == ".arff":
        arff = read_arff(path)
        names = [a.name for a in arff.attributes]
        skip = 3 if names[:3] == WEKINATOR_METADATA else 0
        columns = list(range(skip, len(names)))
        for i in columns:
            if arff.attributes[i].kind == "date":
                raise OscnetError(f"{path}: attribute {names[i]!r} is a date; oscnet trains on numbers only")
        if len(columns) <= n_outputs:
            raise OscnetError(f"{path}: {len(columns)} columns leave no inputs for {n_outputs} output(s)")
        ins, outs = columns[:-n_outputs], columns[-n_outputs:]
        outputs = []
        for i in outs:
            a = arff.attributes[i]
            outputs.append(Output(a.name, arff.data[:, i], a.values if a.kind == "nominal" else None))
        return Table([names[i] for i in ins], arff.data[:, ins], outputs)
    return _load_csv(path, n_outputs)


def _load_csv(path: Path, n_outputs: int) -> Table:
    """A CSV of numbers, with or without a header row; an empty cell or `?` is missing."""
    try:
        with path.open(newline="", encoding="utf-8") as f:
            rows = [row for row in csv.reader(f) if row and any(cell.strip() for cell in row)]
    except OSError as exc:
        raise OscnetError(f"cannot read {path}: {exc.strerror}") from None
    if not rows:
        raise OscnetError(f"{path}: the file is empty")
    width = len(rows[0])
    header = None
    if not all(_is_number(cell) for cell in rows[0]):
        header, rows = [cell.strip() for cell in rows[0]], rows[1:]
    names = header or [f"inputs-{i + 1}" for i in range(width - n_outputs)] + \
        [f"outputs-{k + 1}" for k in range(n_outputs)]
    data = np.empty((len(rows), width))
    for r, row in enumerate(rows):
        line = r + (2 if header else 1)
        if len(row) != width:
            raise OscnetError(f"{path}, line {line}: {len(row)} values, expected {width} like the first row")
        for c, cell in enumerate(row):
            if not _is_number(cell):
                raise OscnetError(f"{path}, line {line}: {cell!r} is not a number (column {c + 1})")
            data[r, c] = _number(cell)
    if width <= n_outputs:
        raise OscnetError(f"{path}: {width} columns leave no inputs for {n_outputs} output(s)")
    split = width - n_outputs
    outputs = [Output(names[c], data[:, c]) for c in range(split, width)]
    return Table(names[:split], data[:, :split], outputs)


def _is_number(cell: str) -> bool:
    cell = cell.strip()
    if cell in ("", "?"):
        return True
    try:
        float(cell)
        return True
    except ValueError:
        return False


def _number(cell: str) -> float:
    cell = cell.strip()
    return math.nan if cell in ("", "?") else float(cell)
