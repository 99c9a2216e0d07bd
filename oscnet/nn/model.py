"""A trained model: its network, the scaling between raw values and network values, its names.

Saved as open JSON (never pickle); the format is documented in docs/model-format.md and
`Model.to_dict` is its single writer.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

import numpy as np

from oscnet.errors import OscnetError
from oscnet.nn.network import Network

FORMAT = "oscnet-model"
VERSION = 1
Kind = Literal["numeric", "nominal"]


@dataclass
class Scaling:
    """Weka's per-attribute normalisation: network value = (raw − base) / range (range 0: raw − base)."""

    base: np.ndarray
    range: np.ndarray

    @classmethod
    def from_data(cls, data: np.ndarray) -> Scaling:
        """Weka's constants from training columns (NaN = missing): base = mid-point, range = half-width."""
        data = np.asarray(data, dtype=np.float64)
        with warnings.catch_warnings():  # an all-missing column is legal: no "All-NaN slice" warning
            warnings.simplefilter("ignore", RuntimeWarning)
            lo, hi = np.nanmin(data, axis=0), np.nanmax(data, axis=0)
        lo, hi = np.nan_to_num(lo), np.nan_to_num(hi)  # a column with no values: treat as constant 0
        return cls(base=(hi + lo) / 2, range=(hi - lo) / 2)

    @classmethod
    def to_interval(cls, data: np.ndarray, low: float = 0.01, high: float = 0.99) -> Scaling:
        """The tutorial's ranges: map each column's [min, max] onto [low, high] (default 0.01..0.99)."""
        weka = cls.from_data(data)  # base = mid-point, range = half-width
        span = weka.range * 2 / (high - low)
        return cls(base=weka.base - span * (low + high) / 2, range=span)

    def apply(self, raw: np.ndarray) -> np.ndarray:
        """Raw values to network values; shape kept; a missing (NaN) value stays NaN."""
        shifted = np.asarray(raw, dtype=np.float64) - self.base
        safe = np.where(self.range != 0, self.range, 1.0)
        return np.where(self.range != 0, shifted / safe, shifted)

    def invert(self, values: np.ndarray) -> np.ndarray:
        """Network values back to raw values: value · range + base."""
        return np.asarray(values, dtype=np.float64) * self.range + self.base


@dataclass
class Model:
    """One trained network and everything needed to use it on raw values and to print it.

    kind "numeric": one output node (Weka: linear), raw value = output · range + base.
    kind "nominal": one sigmoid output node per class, prediction = normalised distribution.
    """

    network: Network
    input_names: list[str]
    kind: Kind = "numeric"
    class_name: str = "class"
    class_labels: list[str] = field(default_factory=list)  # nominal: one per output node
    input_scaling: Scaling | None = None
    output_scaling: Scaling | None = None  # numeric only
    recipe: str = "weka"
    options: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)  # e.g. the learning rate after restarts

    def __repr__(self) -> str:
        return f"Model({self.kind} {self.class_name!r}, {self.network!r}, recipe={self.recipe!r})"

    @property
    def n_inputs(self) -> int:
        return self.network.sizes[0]

    def network_inputs(self, raw: np.ndarray) -> np.ndarray:
        """Raw inputs (n_inputs,) or (n, n_inputs) scaled as in training; missing (NaN) → 0."""
        x = np.asarray(raw, dtype=np.float64)
        if x.shape[-1] != self.n_inputs:
            raise OscnetError(f"this model takes {self.n_inputs} inputs, got {x.shape[-1]}")
        if self.input_scaling is not None:
            x = self.input_scaling.apply(x)
        return np.nan_to_num(x, nan=0.0)

    def predict(self, raw: np.ndarray) -> np.ndarray:
        """Numeric: the raw output value(s), shape (...,). Nominal: class distribution(s), (..., C)."""
        out = self.network.query(self.network_inputs(raw))
        if self.kind == "numeric":
            y = out[..., 0]
            if self.output_scaling is not None:  # Weka: p = (o · range) + base
                y = y * self.output_scaling.range[0] + self.output_scaling.base[0]
            return y
        total = out.sum(axis=-1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, out / np.where(total > 0, total, 1.0), 1.0 / out.shape[-1])

    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        """(n, n_inputs) → what Weka's evaluation answers for these rows (a network: `predict`)."""
        return self.predict(rows)

    def predict_class(self, raw: np.ndarray) -> np.ndarray:
        """Nominal: the index of the first most probable class (Weka's rule)."""
        return np.argmax(self.predict(raw), axis=-1)

    # --- JSON ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON structure (docs/model-format.md)."""
        net = self.network
        return {
            "format": FORMAT,
            "version": VERSION,
            "kind": self.kind,
            "recipe": self.recipe,
            "options": self.options,
            "info": self.info,
            "input_names": list(self.input_names),
            "class_name": self.class_name,
            "class_labels": list(self.class_labels),
            "input_scaling": _scaling_dict(self.input_scaling),
            "output_scaling": _scaling_dict(self.output_scaling),
            "output_activation": net.output_activation,
            "layers": [
                {"weights": w.tolist(), "thresholds": t.tolist()}
                for w, t in zip(net.weights, net.thresholds)
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "model") -> Model:
        """Rebuild a model from its JSON structure, with a clear error for anything wrong."""
        try:
            if data.get("format") != FORMAT:
                raise OscnetError(f"{source}: not an oscnet model (no \"format\": \"{FORMAT}\")")
            if data.get("version") != VERSION:
                raise OscnetError(f"{source}: model format version {data.get('version')} is not {VERSION}; "
                                  "retrain or upgrade oscnet")
            layers = data["layers"]
            network = Network(
                [np.array(layer["weights"], dtype=np.float64) for layer in layers],
                [np.array(layer["thresholds"], dtype=np.float64) for layer in layers],
                data["output_activation"],
            )
            model = cls(
                network=network,
                input_names=[str(n) for n in data["input_names"]],
                kind=data["kind"],
                class_name=str(data.get("class_name", "class")),
                class_labels=[str(c) for c in data.get("class_labels", [])],
                input_scaling=_scaling_from(data.get("input_scaling")),
                output_scaling=_scaling_from(data.get("output_scaling")),
                recipe=str(data.get("recipe", "weka")),
                options=dict(data.get("options", {})),
                info=dict(data.get("info", {})),
            )
        except OscnetError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise OscnetError(f"{source}: the model file is damaged ({type(exc).__name__}: {exc}); "
                              "train it again or restore a backup") from None
        if model.kind not in ("numeric", "nominal"):
            raise OscnetError(f"{source}: kind must be 'numeric' or 'nominal', not {model.kind!r}")
        if len(model.input_names) != model.n_inputs:
            raise OscnetError(f"{source}: {len(model.input_names)} input names for {model.n_inputs} inputs")
        return model

    def save(self, path: str | os.PathLike) -> Path:
        """Write the JSON atomically (temp file + rename): a crash never leaves half a model."""
        path = Path(path)
        write_atomic(path, json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n")
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Model:
        """Read a model JSON file; a damaged file gives an OscnetError naming the file and line."""
        return cls.from_dict(read_model_json(Path(path)), str(path))


def _scaling_dict(scaling: Scaling | None) -> dict[str, list[float]] | None:
    if scaling is None:
        return None
    return {"base": scaling.base.tolist(), "range": scaling.range.tolist()}


def _scaling_from(data: dict[str, list[float]] | None) -> Scaling | None:
    if data is None:
        return None
    return Scaling(np.array(data["base"], dtype=np.float64), np.array(data["range"], dtype=np.float64))


def _file_mode() -> int:
    """0o666 less the process's umask (read without changing it: os.umask would, for every thread)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o644


FILE_MODE = _file_mode()


def write_atomic(path: Path, text: str) -> None:
    """Write text to a temp file beside `path`, fsync it, then rename it over `path`."""
    write_atomic_with(path, lambda f: f.write(text.encode("utf-8")))


def write_atomic_with(path: Path, fill: Callable[[BinaryIO], object]) -> None:
    """`fill` writes the new content into a temp file beside `path`; then fsync and rename, so
    `path` is the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, FILE_MODE)  # mkstemp makes it owner-only: give it the user's usual permissions
        with os.fdopen(fd, "wb") as f:
            fill(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_model_json(path: Path) -> dict[str, Any]:
    """A model file's JSON object; unreadable, damaged or not-an-object files give an OscnetError
    that names the file (and the line) and says what to do."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise OscnetError(f"cannot read model {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise OscnetError(f"{path}: not a text file, so not an oscnet model") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise OscnetError(f"{path}, line {exc.lineno}: not valid JSON ({exc.msg}); "
                          "the file is damaged: train again or restore a backup") from None
    except RecursionError:
        raise OscnetError(f"{path}: nested too deep to be an oscnet model; the file is damaged") from None
    if not isinstance(data, dict):
        raise OscnetError(f"{path}: not an oscnet model")
    return data
