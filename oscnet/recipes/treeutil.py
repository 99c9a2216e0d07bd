"""What the tree learners (stump, j48, adaboost) share: Weka 3.6's sort, tolerant comparisons,
number printing, sequential sums, and checking the data and options a recipe is given.

Why the care about order: Weka adds instance weights one at a time, in the order the instances
sit in its ``Instances`` object, and that order changes every time Weka sorts on an attribute.
With AdaBoost's fractional weights two sums of the same numbers in another order can differ in
the last bit, and DecisionStump breaks ties with a plain ``<``: to choose the same split as Weka
in a tie, the sums must be the same bits. So the stump keeps Weka's instance order, and sorts
the way ``weka.core.Utils.sortWithNoMissingValues`` does: a quicksort (not stable) with a
median-of-three pivot, three or fewer elements sorted by compare-and-swap, and missing values
(NaN) treated as ``Double.MAX_VALUE``. (J48 compares everything with a tolerance; it sorts this
way at the root, see j48_build.Grower.)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from oscnet.errors import OscnetError
from oscnet.nn.wekatext import java_double
from oscnet.recipes.wekaformat import double_to_string

__all__ = [
    "SMALL",
    "check_options",
    "clean_data",
    "double_to_string",
    "eq",
    "gr",
    "gr_or_eq",
    "java_double",
    "round_double",
    "seq_sum",
    "sm",
    "sm_or_eq",
    "weka_sort",
]

SMALL = 1e-6  # weka.core.Utils.SMALL: the tolerance of gr/eq/sm/smOrEq/grOrEq
MAX_VALUE = 1.7976931348623157e308  # Double.MAX_VALUE


@njit(cache=True)
def _cswap(v: np.ndarray, index: np.ndarray, a: int, b: int) -> None:
    if v[a] > v[b]:
        _swap(v, index, a, b)


@njit(cache=True)
def _swap(v: np.ndarray, index: np.ndarray, a: int, b: int) -> None:
    t = index[a]
    index[a] = index[b]
    index[b] = t
    u = v[a]
    v[a] = v[b]
    v[b] = u


@njit(cache=True)
def weka_sort(vals: np.ndarray) -> np.ndarray:
    """Positions of ``vals`` (n,) in ascending order, NaN last, exactly as Weka 3.6 orders them
    (ties end up in the same, input-dependent, order as Weka's quicksort leaves them).

    Weka swaps positions in an index array and compares the values they point to; swapping a
    copy of the values along with the index makes the same comparisons and the same swaps,
    with the values at hand."""
    n = vals.shape[0]
    v = vals.copy()
    for i in range(n):
        if np.isnan(v[i]):
            v[i] = MAX_VALUE
    index = np.arange(n)
    if n < 2:
        return index
    # Ranges still to sort; which one is done first does not change the result.
    stack = np.empty(2 * n + 2, dtype=np.int64)
    stack[0] = 0
    stack[1] = n - 1
    top = 2
    while top > 0:
        top -= 2
        left = stack[top]
        right = stack[top + 1]
        diff = right - left
        if diff <= 0:
            continue
        if diff == 1:
            _cswap(v, index, left, right)
            continue
        if diff == 2:
            _cswap(v, index, left, left + 1)
            _cswap(v, index, left, right)
            _cswap(v, index, left + 1, right)
            continue
        c = (left + right) // 2  # median of three, moved next to the right end
        _cswap(v, index, left, c)
        _cswap(v, index, left, right)
        _cswap(v, index, c, right)
        _swap(v, index, c, right - 1)
        pivot = v[right - 1]
        lo = left
        hi = right - 1
        while True:  # scan inwards from both sides, stopping at values equal to the pivot
            lo += 1
            while v[lo] < pivot:
                lo += 1
            hi -= 1
            while v[hi] > pivot:
                hi -= 1
            if lo >= hi:
                break
            _swap(v, index, lo, hi)
        _swap(v, index, lo, right - 1)
        stack[top] = left
        stack[top + 1] = lo - 1
        stack[top + 2] = lo + 1
        stack[top + 3] = right
        top += 4
    return index


@njit(cache=True)
def seq_sum(a: np.ndarray) -> float:
    """Sum of (n,) left to right, as a Java loop adds (numpy's sum adds pairwise)."""
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i]
    return s


@njit(cache=True)
def class_sums(y: np.ndarray, w: np.ndarray, n_classes: int) -> tuple[np.ndarray, float]:
    """Per-class weight (C,) and total weight of (n,) class indices y and weights w, added in
    order (weka.classifiers.trees.j48.Distribution built from instances)."""
    per_class = np.zeros(n_classes)
    total = 0.0
    for i in range(y.shape[0]):
        per_class[y[i]] += w[i]
        total += w[i]
    return per_class, total


def gr(a: float, b: float) -> bool:
    return a - b > SMALL


def sm(a: float, b: float) -> bool:
    return b - a > SMALL


def eq(a: float, b: float) -> bool:
    return a == b or (a - b < SMALL and b - a < SMALL)


def sm_or_eq(a: float, b: float) -> bool:
    return a - b < SMALL or a <= b


def gr_or_eq(a: float, b: float) -> bool:
    return b - a < SMALL or a >= b


def java_round(x: float) -> int:
    """Java's Math.round(double): the closest long, halves up; NaN gives 0; clamped to long."""
    if math.isnan(x):
        return 0
    if x >= 9.223372036854775807e18:
        return 9223372036854775807
    if x <= -9.223372036854775808e18:
        return -9223372036854775808
    f = math.floor(x)
    return int(f) + (1 if x - f >= 0.5 else 0)


def round_double(value: float, digits: int) -> float:
    """weka.core.Utils.roundDouble: Math.round(value * 10^digits) / 10^digits."""
    mask = 10.0 ** digits
    return java_round(value * mask) / mask


def check_options(options: dict[str, Any] | None, known: dict[str, tuple[type, Any, str]],
                  recipe: str) -> dict[str, Any]:
    """The options with defaults filled in; an unknown flag is refused naming the valid ones."""
    options = dict(options or {})
    unknown = sorted(set(options) - set(known))
    if unknown:
        valid = ", ".join(f"{k} ({help_})" for k, (_, _, help_) in known.items())
        raise OscnetError(f"{recipe} has no option {', '.join(unknown)}; its options are: {valid}")
    out: dict[str, Any] = {}
    for key, (typ, default, help_) in known.items():
        value = options.get(key, default)
        if typ is bool:
            if not isinstance(value, (bool, np.bool_)):
                raise OscnetError(f"{recipe} option {key} ({help_}) is a flag: true or false")
            out[key] = bool(value)
        elif typ in (int, float):
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = math.nan
            if isinstance(value, bool) or not math.isfinite(number) or \
                    (typ is int and not number.is_integer()):
                kind = "a whole number" if typ is int else "a number"
                raise OscnetError(f"{recipe} option {key} ({help_}) must be {kind}, "
                                  f"not {value!r}")
            out[key] = int(number) if typ is int else number
        else:
            out[key] = typ(value)
    return out


def clean_data(x: Any, y: Any, input_names: list[str], class_labels: list[str] | None,
               recipe: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Checked copies: (x (n, d) float64, y (n,) float64) with the rows whose class is missing
    dropped (Weka's deleteWithMissingClass), plus all of x (m, d) including those rows, and y
    as class indices (n,) int64 (zeros for a numeric class)."""
    x_all = np.array(x, dtype=np.float64, copy=True)
    y_all = np.array(y, dtype=np.float64, copy=True).reshape(-1)
    if x_all.ndim == 1:
        x_all = x_all.reshape(-1, len(input_names)) if input_names else x_all.reshape(-1, 0)
    if x_all.ndim != 2 or x_all.shape[0] != y_all.shape[0] or x_all.shape[1] != len(input_names):
        raise OscnetError(f"{recipe}: the inputs must be one row of {len(input_names)} values per "
                          f"example, got an array of shape {x_all.shape} for {y_all.shape[0]} "
                          "examples")
    if np.isinf(x_all).any():
        raise OscnetError(f"{recipe}: an input value is infinite; use numbers or leave it missing")
    keep = ~np.isnan(y_all)
    xs, ys = x_all[keep], y_all[keep]
    if class_labels is not None:
        if ys.size and (np.any(ys < 0) or np.any(ys >= len(class_labels)) or
                        np.any(ys != np.floor(ys))):
            raise OscnetError(f"{recipe}: class values must be 0..{len(class_labels) - 1} "
                              f"(indices into {class_labels})")
        yi = ys.astype(np.int64)
    else:
        if np.isinf(ys).any():
            raise OscnetError(f"{recipe}: a target value is infinite")
        yi = np.zeros(ys.shape[0], dtype=np.int64)
    return np.ascontiguousarray(xs), ys, yi, x_all


def as_rows(raw: Any, n_inputs: int) -> tuple[np.ndarray, bool]:
    """(rows (n, d) float64, whether one row (d,) was given)."""
    arr = np.asarray(raw, dtype=np.float64)
    single = arr.ndim == 1
    rows = arr.reshape(1, -1) if single else arr
    if rows.ndim != 2 or rows.shape[1] != n_inputs:
        raise OscnetError(f"expected {n_inputs} input values per row, got shape {arr.shape}")
    return np.ascontiguousarray(rows), single


def nan_to_none(values: Any) -> Any:
    """JSON-safe copy of nested lists of floats: NaN becomes None."""
    if isinstance(values, (list, tuple)):
        return [nan_to_none(v) for v in values]
    if isinstance(values, float) and math.isnan(values):
        return None
    return values


def none_to_nan(values: Any) -> Any:
    if isinstance(values, list):
        return [none_to_nan(v) for v in values]
    return float("nan") if values is None else values
