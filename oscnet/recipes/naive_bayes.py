"""The `naive_bayes` recipe: Weka 3.6's weka.classifiers.bayes.NaiveBayes with default options.

Wekinator's "Naive Bayes" is ``new NaiveBayes()``: a normal distribution per input and class,
no kernel estimator, no discretisation. The rules of Weka 3.6.14, checked against the real
weka.jar (tests/fixtures/weka_learners/naive_bayes/), in our own words:

* Rows with a missing class are dropped. A class with a single value is refused, and so is a
  numeric class. Every declared class counts, used or not (Wekinator's placeholder "0" too).
* **Precision** of an input: the mean gap between its distinct known values (the sum of the
  gaps between neighbours in sorted order, divided by their number), or 0.01 when it has fewer
  than two distinct values. Every value is rounded to a multiple of it (round half even)
  before it is counted and before it is scored.
* **Per input and class**, a running count W, sum S and sum of squares Q of the rounded values
  (missing values skipped). Weka updates the mean S/W and the standard deviation
  sqrt(|Q - mean*S| / W) after every row, and keeps max(precision/6, that deviation) only when
  the deviation is above 1e-10; so it starts at precision/6 and a class whose values are all
  equal keeps precision/6. A class with no rows has mean 0.
* **Row order**: Weka sorts its copy of the rows by each input in turn (its own median-of-three
  quicksort, which is not stable) and then adds the rows in the final order. The order changes
  the sums in their last bits, so we sort the same way (`weka_sort_order`).
* **Class prior**: (1 + rows of the class) / (C + rows).
* **Scoring** a row: start from the priors; for each known input in order, multiply each class
  by the probability of the rounded value's precision-wide bin, Phi((v - mean + p/2)/sd) -
  Phi((v - mean - p/2)/sd), but at least 1e-75; when the largest product drops below 1e-75, all
  are multiplied by 1e75. Finally divide by the sum. Phi is Weka's (Cephes') normal
  integral, done here with the same polynomials (`ndtr`). Scoring is plain loops in Weka's
  order, compiled by numba (a few microseconds a row).
* The text is Weka's table: class priors, then mean, std. dev., weight sum and precision per
  input and class, numbers with 4 decimals (Weka's own rounding, `weka_fixed`). A column is
  as wide as the widest of: the class labels, the bracketed priors, and 6 + the larger of
  log10|mean| and log10(precision) (taken as 1 when negative), truncated.

Floating point: precision, means, standard deviations and weights are bit-identical to Weka's
(checked on every fixture). The distributions are too, except where Java's Math.exp and the C
library's exp (which math.exp and numba call; numpy's own exp differs from Java's about 20
times as often) disagree in a last bit: in the fixtures 108 of 6,993 rows, by at most 5e-15.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from oscnet.errors import OscnetError
from oscnet.recipes.weka_stats import (
    ERF_T,
    ERF_U,
    ERFC_P,
    ERFC_Q,
    ERFC_R,
    ERFC_S,
    MAXLOG,
    SQRTH,
)
from oscnet.recipes.wekaformat import double_to_string as weka_fixed

NAME = "naive_bayes"
CLASS_TYPES = ("nominal",)
OPTIONS: dict[str, tuple[type, Any, str]] = {}
DEFAULT_PRECISION = 0.01
_MAX_VALUE = 1.7976931348623157e308  # where Weka's sort puts a missing value


def check_options(options: dict[str, Any] | None) -> dict[str, Any]:
    if options:
        raise OscnetError(f"naive_bayes has no options (got {', '.join(sorted(options))}); "
                          "Wekinator uses Weka's defaults")
    return {}


# ---------------------------------------------------------------------------------- Weka's sort

def _quicksort(a: Any, index: Any, stack: Any) -> None:  # pragma: no cover - also numba-compiled
    """Sort index (positions into a) by a's values the way Weka 3.6's Utils.quickSort does:
    median of three (left, centre, right), pivot parked at right-1, Hoare-style partition,
    ranges of 2 and 3 by compare-and-swap. Iterative; which range is done first does not matter."""
    stack[0] = 0
    stack[1] = len(a) - 1
    top = 2
    while top > 0:
        top -= 2
        left = stack[top]
        right = stack[top + 1]
        diff = right - left
        if diff <= 0:
            continue
        if diff == 1:
            if a[index[left]] > a[index[right]]:
                index[left], index[right] = index[right], index[left]
            continue
        # Median of three; for a range of 3 (diff 2) this alone sorts it.
        center = (left + right) // 2
        if a[index[left]] > a[index[center]]:
            index[left], index[center] = index[center], index[left]
        if a[index[left]] > a[index[right]]:
            index[left], index[right] = index[right], index[left]
        if a[index[center]] > a[index[right]]:
            index[center], index[right] = index[right], index[center]
        if diff == 2:
            continue
        index[center], index[right - 1] = index[right - 1], index[center]
        pivot = a[index[right - 1]]
        lo = left
        hi = right - 1
        while True:
            lo += 1
            while a[index[lo]] < pivot:
                lo += 1
            hi -= 1
            while a[index[hi]] > pivot:
                hi -= 1
            if lo >= hi:
                break
            index[lo], index[hi] = index[hi], index[lo]
        index[lo], index[right - 1] = index[right - 1], index[lo]
        stack[top] = left
        stack[top + 1] = lo - 1
        stack[top + 2] = lo + 1
        stack[top + 3] = right
        top += 4


def _polevl(x: float, coef: tuple[float, ...]) -> float:  # pragma: no cover - also numba-compiled
    ans = coef[0]
    for i in range(1, len(coef)):
        ans = ans * x + coef[i]
    return ans


def _p1evl(x: float, coef: tuple[float, ...]) -> float:  # pragma: no cover - also numba-compiled
    ans = x + coef[0]
    for i in range(1, len(coef)):
        ans = ans * x + coef[i]
    return ans


def ndtr(a: float) -> float:  # pragma: no cover - also numba-compiled
    """Weka's Statistics.normalProbability(a), the standard normal integral up to a, with the
    same Cephes rational approximations and branches (exp is the C library's, as math.exp)."""
    x = a * SQRTH
    z = abs(x)
    if z < SQRTH:  # 0.5 + 0.5 erf(x)
        return 0.5 + 0.5 * (x * _polevl(x * x, ERF_T) / _p1evl(x * x, ERF_U))
    if z < 1.0:  # erfc(z) = 1 - erf(z)
        y = 1.0 - z * _polevl(z * z, ERF_T) / _p1evl(z * z, ERF_U)
    elif -z * z < -MAXLOG:
        y = 0.0
    elif z < 8.0:
        y = (math.exp(-z * z) * _polevl(z, ERFC_P)) / _p1evl(z, ERFC_Q)
    else:
        y = (math.exp(-z * z) * _polevl(z, ERFC_R)) / _p1evl(z, ERFC_S)
    y = 0.5 * y
    return 1.0 - y if x > 0 else y


def _score(rows: Any, precision: Any, mean: Any, sd: Any, priors: Any, out: Any) -> None:  # pragma: no cover
    """out (n, C) = Weka's class distribution of each row of rows (n, d); see the module docstring.
    Plain loops in Weka's order (numba-compiled when numba is there)."""
    n, d = rows.shape
    c = len(priors)
    for i in range(n):
        for k in range(c):
            out[i, k] = priors[k]
        for j in range(d):
            value = rows[i, j]
            if math.isnan(value):  # missing: skipped
                continue
            p = precision[j]
            v = np.rint(value / p) * p
            top = 0.0
            for k in range(c):
                upper = ndtr(((v - mean[j, k]) + p / 2) / sd[j, k])
                lower = ndtr(((v - mean[j, k]) - p / 2) / sd[j, k])
                chance = upper - lower
                if chance < 1e-75:
                    chance = 1e-75
                out[i, k] *= chance
                if out[i, k] > top:
                    top = out[i, k]
            if 0 < top < 1e-75:  # danger of underflow: Weka scales everything up
                for k in range(c):
                    out[i, k] *= 1e75
        total = 0.0
        for k in range(c):
            total += out[i, k]
        for k in range(c):
            out[i, k] /= total


try:
    import numba

    # Compiled in place: ndtr and _score find the compiled helpers under the same names.
    _jit = numba.njit(cache=True, nogil=True)
    _polevl, _p1evl = _jit(_polevl), _jit(_p1evl)
    ndtr = _jit(ndtr)
    _quicksort_fast: Any = _jit(_quicksort)
    _score_fast: Any = _jit(_score)
except ImportError:  # pragma: no cover - numba is a dependency; the plain loops still work
    _quicksort_fast = _score_fast = None


def normal_probability(a: np.ndarray) -> np.ndarray:
    """`ndtr` elementwise: Weka's normal integral of each value of a."""
    a = np.asarray(a, dtype=np.float64)
    return np.array([ndtr(v) for v in a.ravel().tolist()], dtype=np.float64).reshape(a.shape)


def weka_sort_order(x: np.ndarray) -> np.ndarray:
    """The row order (n,) NaiveBayes adds rows in: Weka's unstable sort by each column of x
    (n, d) in turn, each applied to the order the previous one left (missing = largest)."""
    n, d = x.shape
    order = np.arange(n)
    if n < 2:
        return order
    for j in range(d):
        keys = np.where(np.isnan(x[order, j]), _MAX_VALUE, x[order, j])
        if _quicksort_fast is not None:
            index = np.arange(n)
            _quicksort_fast(keys, index, np.empty(2 * n + 4, dtype=np.int64))
        else:  # pragma: no cover
            index_list = list(range(n))
            _quicksort(keys.tolist(), index_list, [0] * (2 * n + 4))
            index = np.array(index_list)
        order = order[index]
    return order


# ---------------------------------------------------------------------------------- the model

@dataclass
class NaiveBayesModel:
    """A trained NaiveBayes. Shapes: d inputs, C classes.

    class_counts (C,): 1 + rows per class; precision (d,); mean, std_dev, weight (d, C).
    """

    recipe: str
    kind: str
    input_names: list[str]
    class_name: str
    class_labels: list[str]
    options: dict[str, Any]
    class_counts: np.ndarray
    precision: np.ndarray
    mean: np.ndarray
    std_dev: np.ndarray
    weight: np.ndarray

    @property
    def priors(self) -> np.ndarray:
        """(C,) the class probabilities before any input is seen."""
        return self.class_counts / np.cumsum(self.class_counts)[-1]

    def predict(self, raw: np.ndarray) -> np.ndarray:
        """raw (d,) or (n, d) -> class distribution(s) (..., C). Pure; NaN inputs are skipped."""
        rows = np.asarray(raw, dtype=np.float64)
        single = rows.ndim == 1
        rows = rows.reshape(1, -1) if single else rows
        if rows.ndim != 2 or rows.shape[1] != len(self.input_names):
            raise OscnetError(f"naive_bayes model expects {len(self.input_names)} inputs per row, "
                              f"got shape {rows.shape}")
        probs = np.empty((len(rows), len(self.class_labels)))
        (_score_fast or _score)(np.ascontiguousarray(rows), self.precision, self.mean, self.std_dev, self.priors, probs)
        if np.isnan(probs).any():
            raise OscnetError("naive_bayes: an input value gave no probability (infinite input?)")
        return probs[0] if single else probs

    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        """(n, d) -> (n, C). NaiveBayes answers do not depend on earlier rows: same as predict."""
        return self.predict(np.asarray(rows, dtype=np.float64).reshape(-1, len(self.input_names)))

    def text(self) -> str:
        """Weka 3.6's NaiveBayes.toString(): the table of priors and per-class normal estimators."""
        n_classes = len(self.class_labels)
        width = max([len(v) for v in self.class_labels] + [0])
        att_width = max([len(n) for n in self.input_names] + [0])
        log10 = math.log(10.0)
        for j in range(len(self.input_names)):
            for c in range(n_classes):
                mean = abs(float(self.mean[j, c]))
                size = max(math.log(mean) / log10 if mean > 0 else -math.inf,
                           math.log(abs(float(self.precision[j]))) / log10)
                # Weka: the larger of the two logs, 1 if negative, plus 6 (point and 4 decimals, + 1)
                size = (1.0 if size < 0 else size) + 6.0
                width = max(width, int(size))
        priors = ["(" + weka_fixed(float(p), 2) + ")" for p in self.priors]
        width = max([width] + [len(p) for p in priors])
        att_width = max(att_width, len("Attribute"), len("  weight sum")) + 2

        def cells(values: list[str]) -> str:
            return "".join(v.rjust(width + 1) for v in values)

        lines = ["Naive Bayes Classifier", "", "Class".rjust(att_width + width + 1),
                 "Attribute".ljust(att_width) + cells(self.class_labels),
                 " " * att_width + cells(priors), "=" * (att_width + width * n_classes + n_classes + 1)]
        for j, name in enumerate(self.input_names):
            lines.append(name)
            for label, row in (("  mean", self.mean[j]), ("  std. dev.", self.std_dev[j]),
                               ("  weight sum", self.weight[j]),
                               ("  precision", np.full(n_classes, self.precision[j]))):
                lines.append(label.ljust(att_width + 1) + cells([weka_fixed(float(v), 4) for v in row]))
            lines.append("")
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the fitted numbers (exact: JSON keeps every bit of a float)."""
        return {
            "recipe": self.recipe, "kind": self.kind, "input_names": list(self.input_names),
            "class_name": self.class_name, "class_labels": list(self.class_labels),
            "options": dict(self.options), "class_counts": self.class_counts.tolist(),
            "precision": self.precision.tolist(), "mean": self.mean.tolist(),
            "std_dev": self.std_dev.tolist(), "weight": self.weight.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NaiveBayesModel:
        if data.get("recipe") != NAME:
            raise OscnetError(f"not a naive_bayes model (recipe {data.get('recipe')!r})")
        d, c = len(data["input_names"]), len(data["class_labels"])

        def arr(key: str, shape: tuple[int, ...]) -> np.ndarray:
            return np.array(data[key], dtype=np.float64).reshape(shape)

        return cls(NAME, "nominal", list(data["input_names"]), data["class_name"], list(data["class_labels"]),
                   check_options(data["options"]), arr("class_counts", (c,)), arr("precision", (d,)),
                   arr("mean", (d, c)), arr("std_dev", (d, c)), arr("weight", (d, c)))


def _precision(column: np.ndarray) -> float:
    """Mean gap between the distinct known values of one input, or 0.01 (Weka's default)."""
    distinct = np.unique(column[~np.isnan(column)])
    if len(distinct) < 2:
        return DEFAULT_PRECISION
    return float(np.cumsum(np.diff(distinct))[-1] / (len(distinct) - 1))  # gaps added in order


def _estimator(values: np.ndarray, precision: float) -> tuple[float, float, float]:
    """(mean, std. dev., weight sum) of Weka's NormalEstimator after adding values in order."""
    sd = precision / 6
    if len(values) == 0:
        return 0.0, sd, 0.0
    v = np.rint(values / precision) * precision
    w = np.arange(1, len(v) + 1, dtype=np.float64)
    s = np.cumsum(v)
    q = np.cumsum(v * v)
    mean = s / w
    with np.errstate(invalid="ignore"):
        dev = np.sqrt(np.abs(q - mean * s) / w)
    above = np.flatnonzero(dev > 1e-10)
    if len(above):
        sd = max(sd, float(dev[above[-1]]))  # the last update that counted
    return float(mean[-1]), sd, float(w[-1])


def fit(x: np.ndarray, y: np.ndarray, input_names: list[str], class_name: str,
        class_labels: list[str] | None, options: dict[str, Any] | None = None) -> NaiveBayesModel:
    """Train NaiveBayes on x (n, d) (NaN = missing) and class indices y (n,) of class_labels
    (NaN = missing class: the row is dropped)."""
    opts = check_options(options)
    if class_labels is None:
        raise OscnetError(f"naive_bayes predicts classes only, and '{class_name}' is numeric; "
                          "use a classifier output or a numeric recipe")
    labels = [str(v) for v in class_labels]
    if len(labels) < 2:
        raise OscnetError(f"naive_bayes needs at least two classes for '{class_name}' (Weka refuses a "
                          "class with a single value)")
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if x.ndim != 2 or x.shape != (len(y), len(input_names)):
        raise OscnetError(f"naive_bayes needs one row of {len(input_names)} inputs per class value; got "
                          f"inputs of shape {x.shape} for {len(y)} values")
    keep = ~np.isnan(y)
    x, y = x[keep], y[keep]
    if len(y) and (np.any(y != np.floor(y)) or y.min() < 0 or y.max() >= len(labels)):
        raise OscnetError(f"naive_bayes: the class values of '{class_name}' must be class numbers "
                          f"0..{len(labels) - 1}")
    n_classes, d = len(labels), x.shape[1]
    precision = np.array([_precision(x[:, j]) for j in range(d)])
    order = weka_sort_order(x)
    xs, ys = x[order], y[order].astype(np.intp)
    mean, sd, weight = (np.zeros((d, n_classes)) for _ in range(3))
    for c in range(n_classes):
        rows = xs[ys == c]
        for j in range(d):
            column = rows[:, j]
            mean[j, c], sd[j, c], weight[j, c] = _estimator(column[~np.isnan(column)], float(precision[j]))
    counts = 1.0 + np.bincount(ys, minlength=n_classes).astype(np.float64)
    return NaiveBayesModel(NAME, "nominal", [str(n) for n in input_names], str(class_name), labels, opts,
                           counts, precision, mean, sd, weight)
