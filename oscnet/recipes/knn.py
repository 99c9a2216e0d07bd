"""The `knn` recipe: Weka 3.6's k-nearest-neighbours classifier (weka.classifiers.lazy.IBk).

Wekinator's "KNN" builds ``IBk -K <k> -W 0`` with a linear search and ``EuclideanDistance -R
first-last`` (all Weka defaults except k). These are the rules of Weka 3.6.14, checked against
the real weka.jar (tests/fixtures/weka_learners/knn/), in our own words:

* **Training** keeps the rows (rows with a missing class dropped first) and, per input, the
  range of its known values: min, max and width = max - min. An input with no known value has
  min = +inf, max = -inf, width = +inf. Nothing else is learnt; with no rows at all, IBk answers
  like ZeroR: 1/C for every class, or 0.0 for a numeric class.
* **Normalising** a value v of input j: 0 when max == min (a constant input), else
  (v - min) / width.
* **Distance** between the query and a training row: the sum over inputs, in input order, of the
  squared difference of the normalised values. When exactly one of the two is missing, the
  difference is the known one's normalised value m, or 1 - m if m < 0.5 (so at least 0.5); when
  both are missing it is 1. (Weka takes the square root afterwards; that changes nothing here:
  the unweighted vote only needs to know which rows are nearest.)
* **Neighbours**: the k rows with the smallest distances plus every other row at exactly the
  k-th smallest distance (ties are all kept); all rows when there are at most k.
* **Answer**, nominal class: every class starts at 1/n (n = training rows), each neighbour adds
  1 to its class, and the counts are divided by their total C/n + (number of neighbours). The
  predicted class is the first largest. Numeric class: the mean of the neighbours' values.
* **Widening**: before answering, Weka stretches each input's range to include the query's
  value (a smaller value moves min, a larger one max, and width becomes max - min), and the
  stretched ranges stay for every later query. So an input seen only outside the training range
  changes later answers. `predict` is pure: it answers each row as Weka answers it as the first
  query after training. `predict_rows` answers rows in order with the ranges carried from one
  row to the next, exactly as Weka's evaluation on a test file (and as Wekinator's running model
  after those inputs).

Floating point: the normalised values and squared sums are computed in Weka's order, so ties
are found exactly as Weka finds them, and nominal distributions are bit-identical. A numeric
class's mean sums the neighbours in distance order; Weka's heap sums tied neighbours in its own
order, so the last bit may differ when distances tie.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from oscnet.errors import OscnetError

NAME = "knn"
CLASS_TYPES = ("nominal", "numeric")
OPTIONS: dict[str, tuple[type, Any, str]] = {
    "K": (int, 1, "number of neighbours (Wekinator's 'number of neighbors')"),
}


def check_options(options: dict[str, Any] | None) -> dict[str, Any]:
    """The options with defaults filled in; OscnetError for an unknown key or a bad k."""
    options = dict(options or {})
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise OscnetError(f"knn has no option {', '.join(unknown)}; its only option is K "
                          "(the number of neighbours)")
    k = options.get("K", OPTIONS["K"][1])
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise OscnetError(f"knn option K (number of neighbours) must be a whole number of at least 1, not {k!r}")
    return {"K": int(k)}


@dataclass
class Ranges:
    """Each input's range as Weka's EuclideanDistance keeps it: min, max and width, shape (d,)."""

    lo: np.ndarray
    hi: np.ndarray
    width: np.ndarray

    @classmethod
    def of_training(cls, x: np.ndarray) -> Ranges:
        """Ranges of the known values of x (n, d); +inf/-inf/+inf for an input never known."""
        known = ~np.isnan(x)
        any_known = known.any(axis=0)
        lo = np.where(known, x, np.inf).min(axis=0, initial=np.inf)
        hi = np.where(known, x, -np.inf).max(axis=0, initial=-np.inf)
        with np.errstate(invalid="ignore"):
            width = np.where(any_known, hi - lo, np.inf)
        return cls(lo, hi, width)

    def widened(self, q: np.ndarray) -> tuple[Ranges, np.ndarray]:
        """The ranges after Weka's update with query q (d,), and which inputs changed (d,) bool.

        Weka checks "below min" first and only otherwise "above max", and recomputes the width
        from the other end as it stands, even when that end is still -inf (an input never known
        in training): we do the same.
        """
        known = ~np.isnan(q)
        below = known & (q < self.lo)
        above = known & ~below & (q > self.hi)
        changed = below | above
        if not changed.any():
            return self, changed
        lo = np.where(below, q, self.lo)
        hi = np.where(above, q, self.hi)
        with np.errstate(invalid="ignore", over="ignore"):
            width = np.where(changed, hi - lo, self.width)
        return Ranges(lo, hi, width), changed

    def norm(self, values: np.ndarray, cols: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Weka's normalised values for the inputs cols: values (d',) or (d', n), one input per
        row; 0 for a constant input (max == min)."""
        lo, hi, width = self.lo[cols], self.hi[cols], self.width[cols]
        if values.ndim == 2:  # (d', n): one input per row
            lo, hi, width = lo[:, None], hi[:, None], width[:, None]
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return np.where(hi == lo, 0.0, (values - lo) / width)


def _one_missing(m: np.ndarray) -> np.ndarray:
    """Difference when only one side is known and its normalised value is m: m, or 1 - m below 0.5."""
    return np.where(m < 0.5, 1.0 - m, m)


@dataclass
class KnnModel:
    """A trained IBk: the training rows themselves, their ranges and k.

    x: (n, d) training inputs (NaN = missing); y: (n,) class index 0..C-1 or numeric target.
    """

    recipe: str
    kind: str
    input_names: list[str]
    class_name: str
    class_labels: list[str]
    options: dict[str, Any]
    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    # Derived from x (never serialised): training ranges, the normalised inputs transposed
    # (d, n) so one input is one contiguous row, the missing mask (d, n) or None when nothing
    # is missing, and the sequential sums a nominal distribution is made of.
    ranges: Ranges = field(init=False, repr=False, compare=False)
    _z: np.ndarray = field(init=False, repr=False, compare=False)
    _xt: np.ndarray = field(init=False, repr=False, compare=False)
    _missing: np.ndarray | None = field(init=False, repr=False, compare=False)
    _votes: np.ndarray = field(init=False, repr=False, compare=False)
    _totals: np.ndarray = field(init=False, repr=False, compare=False)
    _labels: np.ndarray | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.x = np.ascontiguousarray(self.x, dtype=np.float64).reshape(len(self.y), len(self.input_names))
        self.y = np.asarray(self.y, dtype=np.float64)
        self.ranges = Ranges.of_training(self.x)
        self._xt = np.ascontiguousarray(self.x.T)
        missing = np.isnan(self._xt)
        self._missing = missing if missing.any() else None
        self._z = self.ranges.norm(self._xt)
        n = len(self.y)
        # Weka adds the votes one at a time to 1/n (each class) and to C/n (the total):
        # cumsum adds in the same order, so _votes[m] and _totals[m] are Weka's sums for m votes.
        ones = np.ones(n)
        self._votes = np.cumsum(np.concatenate([[1.0 / max(1, n)], ones]))
        self._totals = np.cumsum(np.concatenate([[len(self.class_labels) / max(1, n)], ones]))
        self._labels = self.y.astype(np.intp) if self.kind == "nominal" else None

    @property
    def k(self) -> int:
        return int(self.options["K"])

    # ------------------------------------------------------------------ prediction

    def _answer(self, q: np.ndarray, ranges: Ranges, z: np.ndarray) -> np.ndarray:
        """Weka's distribution (C,) or value (1,) for query q (d,) given ranges (already widened
        with q) and the training inputs z (d, n) normalised with them."""
        n = len(self.y)
        if n == 0:  # ZeroR on no data: Laplace counts of 1 per class, or 0.0
            if self.kind == "nominal":
                return np.full(len(self.class_labels), 1.0 / len(self.class_labels))
            return np.zeros(1)
        known = ~np.isnan(q)
        qn = ranges.norm(q)
        diff = qn[:, None] - z  # (d, n)
        if self._missing is not None or not known.all():
            missing = self._missing if self._missing is not None else np.zeros(z.shape, dtype=bool)
            q_missing = ~known[:, None]
            diff = np.where(q_missing, _one_missing(z), diff)
            diff = np.where(missing, _one_missing(np.broadcast_to(qn[:, None], z.shape)), diff)
            diff = np.where(missing & q_missing, 1.0, diff)
        sq = diff * diff
        dist = np.zeros(n)
        for row in sq:  # input by input, as Weka accumulates: ties must come out identical
            dist += row
        k = self.k
        if n <= k:
            chosen = np.arange(n)
        else:
            kth = np.partition(dist, k - 1)[k - 1]
            chosen = np.flatnonzero(dist <= kth)
        if self.kind == "nominal":
            assert self._labels is not None
            counts = np.bincount(self._labels[chosen], minlength=len(self.class_labels))
            return self._votes[counts] / self._totals[len(chosen)]
        order = chosen[np.argsort(dist[chosen], kind="stable")]
        return np.array([np.cumsum(self.y[order])[-1] / len(order)])

    def _rows(self, raw: np.ndarray) -> tuple[np.ndarray, bool]:
        rows = np.asarray(raw, dtype=np.float64)
        single = rows.ndim == 1
        rows = rows.reshape(1, -1) if single else rows
        if rows.ndim != 2 or rows.shape[1] != len(self.input_names):
            raise OscnetError(f"knn model expects {len(self.input_names)} inputs per row, got shape {rows.shape}")
        return rows, single

    def _finish(self, out: np.ndarray, single: bool) -> np.ndarray:
        if self.kind == "numeric":
            out = out[:, 0]
        return out[0] if single else out

    def predict(self, raw: np.ndarray) -> np.ndarray:
        """raw (d,) or (n, d) -> distribution(s) (..., C), or value(s) (...,) for a numeric class.

        Each row is answered as Weka answers the first query after training (ranges widened by
        that row only). Pure: the model never changes.
        """
        rows, single = self._rows(raw)
        width = len(self.class_labels) if self.kind == "nominal" else 1
        out = np.empty((len(rows), width))
        for i, q in enumerate(rows):
            ranges, changed = self.ranges.widened(q)
            z = self._z
            if changed.any():
                z = z.copy()
                z[changed] = ranges.norm(self._xt[changed], changed)
            out[i] = self._answer(q, ranges, z)
        return self._finish(out, single)

    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        """(n, d) -> what Weka's evaluation answers for these rows in order: each row widens the
        ranges for the rows after it. The model itself does not change."""
        rows, single = self._rows(rows)
        width = len(self.class_labels) if self.kind == "nominal" else 1
        out = np.empty((len(rows), width))
        ranges, z = self.ranges, self._z
        for i, q in enumerate(rows):
            ranges, changed = ranges.widened(q)
            if changed.any():
                z = z.copy() if z is self._z else z
                z[changed] = ranges.norm(self._xt[changed], changed)
            out[i] = self._answer(q, ranges, z)
        return self._finish(out, single)

    # ------------------------------------------------------------------ text and JSON

    def text(self) -> str:
        """Weka 3.6's IBk.toString() for this model."""
        if len(self.y) == 0:
            return "Warning: no training instances - ZeroR model used."
        return f"IB1 instance-based classifier\nusing {self.k} nearest neighbour(s) for classification\n"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the training rows are the model (None marks a missing input)."""
        return {
            "recipe": self.recipe, "kind": self.kind, "input_names": list(self.input_names),
            "class_name": self.class_name, "class_labels": list(self.class_labels),
            "options": dict(self.options),
            "x": [[None if math.isnan(v) else v for v in row] for row in self.x.tolist()],
            "y": [float(v) for v in self.y.tolist()],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KnnModel:
        if data.get("recipe") != NAME:
            raise OscnetError(f"not a knn model (recipe {data.get('recipe')!r})")
        names = list(data["input_names"])
        x = np.array([[np.nan if v is None else v for v in row] for row in data["x"]], dtype=np.float64)
        return cls(NAME, data["kind"], names, data["class_name"], list(data["class_labels"]),
                   check_options(data["options"]), x.reshape(len(data["y"]), len(names)),
                   np.array(data["y"], dtype=np.float64))


def fit(x: np.ndarray, y: np.ndarray, input_names: list[str], class_name: str,
        class_labels: list[str] | None, options: dict[str, Any] | None = None) -> KnnModel:
    """Train IBk on x (n, d) (NaN = missing) and y (n,): class indices 0..C-1 when class_labels
    is given, else numeric targets. Rows whose y is NaN are dropped first, as Weka does."""
    opts = check_options(options)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if x.ndim != 2 or x.shape != (len(y), len(input_names)):
        raise OscnetError(f"knn needs one row of {len(input_names)} inputs per target; got inputs of shape "
                          f"{x.shape} for {len(y)} targets")
    keep = ~np.isnan(y)
    x, y = x[keep], y[keep]
    kind = "numeric" if class_labels is None else "nominal"
    labels = [] if class_labels is None else [str(v) for v in class_labels]
    if kind == "nominal":
        if len(labels) < 2:
            raise OscnetError(f"knn needs at least two classes for '{class_name}' (Weka refuses a class "
                              "with a single value); add a class or use a numeric output")
        if len(y) and (np.any(y != np.floor(y)) or y.min() < 0 or y.max() >= len(labels)):
            raise OscnetError(f"knn: the class values of '{class_name}' must be class numbers 0..{len(labels) - 1}")
    return KnnModel(NAME, kind, list(map(str, input_names)), str(class_name), labels, opts, x, y)

