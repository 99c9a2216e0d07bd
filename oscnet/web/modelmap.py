"""The model map: one output's value over the plane of two inputs, the others held at their current values.

Computed on the web view's map thread, never on the receive path, with the runner the receive
path uses (`Runner.values` / `LearnerRunner.values`: the same weights and `predict`, many rows
at once), in chunks that let go of the interpreter between them, so a slow learner (kNN on many
examples) delays an input by at most one chunk. The recorded examples of that output are
returned as dots (at most `MAX_DOTS`, evenly spread), so the picture shows what the model
learnt next to what it was taught.

The axes span the examples' inputs on those two axes and the held value, with a 5 % margin.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from oscnet.errors import OscnetError
from oscnet.live.state import LiveState
from oscnet.web.frames import finite

GRID = 64
CHUNK = 512  # grid points per runner call
MAX_DOTS = 1500


@dataclass
class MapRequest:
    output: int  # 0-based
    x: int  # 0-based input indexes
    y: int


def axis(values: np.ndarray, held: float) -> tuple[float, float]:
    """The range an axis shows: the examples' values and the held value, with a margin."""
    finite = values[np.isfinite(values)]
    lo = float(min(finite.min(), held)) if len(finite) else min(0.0, held)
    hi = float(max(finite.max(), held)) if len(finite) else max(1.0, held)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    margin = 0.05 * (hi - lo)
    return lo - margin, hi + margin


def grid_rows(held: np.ndarray, x: int, y: int, xr: tuple[float, float], yr: tuple[float, float],
              size: int = GRID) -> np.ndarray:
    """Full input vectors (size², n_inputs): row-major from the top-left (y largest) corner, as drawn."""
    xs = np.linspace(xr[0], xr[1], size)
    ys = np.linspace(yr[1], yr[0], size)
    rows = np.tile(held, (size * size, 1))
    rows[:, x] = np.tile(xs, size)
    rows[:, y] = np.repeat(ys, size)
    return rows


def compute(state: LiveState, held: np.ndarray | None, inputs: np.ndarray, outputs: np.ndarray,
            request: MapRequest, size: int = GRID) -> dict[str, Any]:
    """The map: the grid's values (None when the output has no model) and the dots, as arrays.

    `inputs`/`outputs` are the examples (the web side's copy); `held` the current input vector."""
    config = state.config
    n_in, n_out = len(config.inputs), len(config.outputs)
    k, x, y = request.output, request.x, request.y
    if not (0 <= k < n_out and 0 <= x < n_in and 0 <= y < n_in):
        raise OscnetError(f"the map needs an output 1..{n_out} and two inputs 1..{n_in}")
    if x == y:
        raise OscnetError("choose two different inputs for the map's axes")
    if inputs.ndim != 2 or inputs.shape[1] != n_in or outputs.ndim != 2 or outputs.shape[1] != n_out:
        inputs, outputs = np.zeros((0, n_in)), np.zeros((0, n_out))  # no copy of this project's examples yet
    spec = config.outputs[k]
    if spec.is_dtw:
        raise OscnetError(f"{spec.name} is a DTW output: it matches gestures over time, which a map of two inputs cannot show")
    labelled = ~np.isnan(outputs[:, k]) if len(outputs) else np.zeros(0, dtype=bool)
    if held is None or len(held) != n_in:
        held = inputs[labelled].mean(axis=0) if labelled.any() else np.zeros(n_in)
    held = np.asarray(held, dtype=np.float64)
    xr, yr = axis(inputs[labelled, x], held[x]), axis(inputs[labelled, y], held[y])
    runner = state.runners[k]
    values = None
    if runner is not None:
        rows = grid_rows(held, x, y, xr, yr, size)
        parts = []
        for start in range(0, len(rows), CHUNK):
            parts.append(runner.values(rows[start:start + CHUNK]))
            time.sleep(0)  # let the receive thread in between chunks
        values = np.concatenate(parts)
    picked = np.flatnonzero(labelled)
    if len(picked) > MAX_DOTS:
        picked = picked[np.linspace(0, len(picked) - 1, MAX_DOTS).astype(np.intp)]
    dots = np.column_stack([inputs[picked, x], inputs[picked, y], outputs[picked, k]]) if len(picked) else np.zeros((0, 3))
    if spec.is_classifier:
        vrange = [0.0, float(spec.classes)]
    else:
        seen = np.concatenate([[spec.min, spec.max], values if values is not None else [], dots[:, 2]])
        seen = seen[np.isfinite(seen)]
        vrange = [float(seen.min()), float(seen.max())]
    return {"type": "map", "output": k, "x": x, "y": y, "size": size, "xrange": list(xr), "yrange": list(yr),
            "values": values, "vrange": vrange, "classifier": spec.is_classifier, "classes": spec.classes,
            "dots": dots, "held": finite(held), "trained": runner is not None, "name": spec.name,
            "axes": [config.inputs[x], config.inputs[y]]}


def message(result: dict[str, Any]) -> dict[str, Any]:
    """The map for the page: the grid's values and the dots (x, y, value rows) as little-endian
    float32 in base64, which the page reads as a Float32Array. A JSON list of thousands of numbers
    would take the encoder milliseconds without letting go of the interpreter."""
    values, dots = result["values"], result["dots"]
    return {**result, "values": None if values is None else _packed(values), "dots": _packed(dots), "n_dots": len(dots)}


def _packed(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")
