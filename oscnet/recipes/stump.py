"""Weka 3.6's ``weka.classifiers.trees.DecisionStump``: one split on one input, three branches.

Wekinator's "Decision stump" classifier (spec §2.6, no options) and AdaBoost's stump base
learner (§2.2). Rules, as checked against Weka 3.6.14:

* Rows with a missing class are dropped. No rows left: Weka refuses to build. No inputs at
  all: Weka builds ZeroR instead (nominal: class counts starting at 1 each, normalised;
  numeric: the weighted mean) and says so in the text.
* Inputs are tried in order. For each: the weight of the rows where it is known goes to the
  "above" branch and of the rows where it is missing to the "missing" branch; the rows are
  sorted on the input (Weka's quicksort, which keeps the order for the next input); then going
  up the sorted rows, each row's weight moves from "above" to "below", and between two
  different values the cut at their midpoint is scored. Nominal class: the entropy of the class
  within the three branches together (``ContingencyTables.entropyConditionedOnRows``, x ln x
  with 0 for x <= 0, divided by total ln 2). Numeric class: the summed squared error of the
  three branches about their means. A cut must beat the best so far (``<``), and an input must
  beat the best input so far, so ties keep the first.
* An input with no cut (constant) scores Double.MAX_VALUE; the first input is still taken if
  no other beats it, and then the split point is whatever the learner held: 0.0 when nothing
  was found before.
* Branch values: nominal class, the class weights of the branch; when no row had a missing
  value the "missing" branch gets all known rows; each branch is normalised, and an empty
  branch takes the (normalised) "missing" branch. Numeric class: the branch mean, or the mean
  of all rows for an empty branch; an input without a cut leaves all three at 0.
* Prediction: missing input -> "missing" branch; value <= split point -> "below"; else "above".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import njit

from oscnet.errors import OscnetError
from oscnet.recipes.treeutil import (
    as_rows,
    check_options,
    clean_data,
    java_double,
    nan_to_none,
    none_to_nan,
    seq_sum,
    weka_sort,
)

NAME = "stump"
CLASS_TYPES = ("nominal", "numeric")
OPTIONS: dict[str, tuple[type, Any, str]] = {}
LN2 = math.log(2.0)
MAX_VALUE = 1.7976931348623157e308


@njit(cache=True)
def _entropy_rows(m: np.ndarray) -> float:
    """Entropy of the class given the branch, in bits per unit weight, of a (3, C) table."""
    value = 0.0
    total = 0.0
    for i in range(m.shape[0]):
        row = 0.0
        for j in range(m.shape[1]):
            if m[i, j] > 0:
                value += m[i, j] * math.log(m[i, j])
            row += m[i, j]
        if row > 0:
            value -= row * math.log(row)
        total += row
    if total == 0 or (total < 1e-6 and -total < 1e-6):
        return 0.0
    return -value / (total * LN2)


@njit(cache=True)
def search_nominal(x: np.ndarray, y: np.ndarray, w: np.ndarray, n_classes: int,
                   chain: np.ndarray) -> tuple[int, float, np.ndarray, np.ndarray]:
    """Best (input, split point, (3, C) branch weights) for x (n, d), class indices y (n,),
    weights w (n,). Branch rows: 0 below, 1 above, 2 missing (not yet normalised). Also
    returns the chain (d, n): the row order after each input's sort, which depends only on x;
    pass it back for other weights of the same rows to skip the sorting (else a (0, n) array)."""
    n, d = x.shape
    order = np.arange(n)
    sorted_already = chain.shape[0] == d and d > 0
    if not sorted_already:
        chain = np.empty((d, n), dtype=np.int64)
    best_val = MAX_VALUE
    best_att = -1
    best_point = -MAX_VALUE
    best = np.zeros((3, n_classes))
    held_point = 0.0  # the learner's split-point field: kept from one input to the next
    for a in range(d):
        dist = np.zeros((3, n_classes))
        n_missing = 0
        for k in range(n):
            i = order[k]
            if np.isnan(x[i, a]):
                dist[2, y[i]] += w[i]
                n_missing += 1
            else:
                dist[1, y[i]] += w[i]
        known = dist[1].copy()
        att_best = dist.copy()
        att_val = MAX_VALUE
        if sorted_already:
            order = chain[a]
        else:
            vals = np.empty(n)
            for k in range(n):
                vals[k] = x[order[k], a]
            order = order[weka_sort(vals)]
            chain[a] = order
        for k in range(n - (n_missing + 1)):
            i = order[k]
            j = order[k + 1]
            dist[0, y[i]] += w[i]
            dist[1, y[i]] -= w[i]
            if x[i, a] < x[j, a]:
                cut = (x[i, a] + x[j, a]) / 2.0
                val = _entropy_rows(dist)
                if val < att_val:
                    held_point = cut
                    att_val = val
                    att_best[:, :] = dist
        if n_missing == 0:
            att_best[2, :] = known
        if a == 0 or att_val < best_val:
            best_val = att_val
            best_att = a
            best_point = held_point
            best[:, :] = att_best
    return best_att, best_point, best, chain


@njit(cache=True)
def _sse(s: np.ndarray, ss: np.ndarray, sw: np.ndarray) -> float:
    var = 0.0
    for i in range(3):
        if sw[i] > 0:
            var += ss[i] - (s[i] * s[i]) / sw[i]
    return var


@njit(cache=True)
def search_numeric(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[int, float, np.ndarray]:
    """Best (input, split point, (3, 1) branch means) for a numeric target y (n,)."""
    n, d = x.shape
    order = np.arange(n)
    best_val = MAX_VALUE
    best_att = -1
    best_point = -MAX_VALUE
    best = np.zeros((3, 1))
    held_point = 0.0
    for a in range(d):
        s = np.zeros(3)
        ss = np.zeros(3)
        sw = np.zeros(3)
        total = 0.0
        total_w = 0.0
        n_missing = 0
        for k in range(n):
            i = order[k]
            b = 2 if np.isnan(x[i, a]) else 1
            s[b] += y[i] * w[i]
            ss[b] += y[i] * y[i] * w[i]
            sw[b] += w[i]
            n_missing += b == 2
            total_w += w[i]
            total += y[i] * w[i]
        att_best = np.zeros((3, 1))
        att_val = MAX_VALUE
        if total_w > 0:
            vals = np.empty(n)
            for k in range(n):
                vals[k] = x[order[k], a]
            order = order[weka_sort(vals)]
            for k in range(n - (n_missing + 1)):
                i = order[k]
                j = order[k + 1]
                s[0] += y[i] * w[i]
                ss[0] += y[i] * y[i] * w[i]
                sw[0] += w[i]
                s[1] -= y[i] * w[i]
                ss[1] -= y[i] * y[i] * w[i]
                sw[1] -= w[i]
                if x[i, a] < x[j, a]:
                    cut = (x[i, a] + x[j, a]) / 2.0
                    val = _sse(s, ss, sw)
                    if val < att_val:
                        held_point = cut
                        att_val = val
                        for b in range(3):
                            att_best[b, 0] = s[b] / sw[b] if sw[b] > 0 else total / total_w
        if a == 0 or att_val < best_val:
            best_val = att_val
            best_att = a
            best_point = held_point
            best[:, :] = att_best
    return best_att, best_point, best


def normalise_branches(dist: np.ndarray) -> np.ndarray:
    """Each of the 3 branches as probabilities; an empty one takes the missing branch's."""
    out = dist.copy()
    for i in range(3):
        total = seq_sum(out[i])
        if total == 0:
            out[i] = out[2]
            total = seq_sum(out[i])
            if total == 0:
                raise OscnetError("stump: every training example has weight 0")
        out[i] = out[i] / total
    return out


def zeror(yi: np.ndarray, yv: np.ndarray, w: np.ndarray, n_classes: int | None) -> np.ndarray:
    """Weka's ZeroR: nominal (C,) counts from 1 plus weights, normalised; numeric (1,) mean."""
    if n_classes is None:
        s = seq_sum(w * yv)
        total = seq_sum(w)
        return np.array([s / total if total - 0 > 1e-6 else 0.0])
    counts = np.ones(n_classes)
    total = float(n_classes)
    for c, wi in zip(yi.tolist(), w.tolist()):
        counts[c] += wi
        total += wi
    return counts / total


def zeror_text(title: str, dist: np.ndarray, labels: list[str] | None) -> str:
    value = labels[int(np.argmax(dist))] if labels is not None else java_double(dist[0])
    return (f"{title}\n{'=' * len(title)}\n\nWarning: No model could be built, hence ZeroR "
            f"model is used:\n\nZeroR predicts class value: {value}")


@dataclass
class StumpModel:
    """A trained DecisionStump. ``dist`` is (3, C) class probabilities (numeric: (3, 1) means)
    for the branches below / above / missing; ``att`` -1 means ZeroR (``dist`` (1, C))."""

    input_names: list[str]
    class_name: str
    class_labels: list[str] | None
    att: int
    split: float
    dist: np.ndarray
    options: dict[str, Any] = field(default_factory=dict)
    recipe: str = NAME

    @property
    def kind(self) -> str:
        return "numeric" if self.class_labels is None else "nominal"

    def branch(self, rows: np.ndarray) -> np.ndarray:
        """(n,) branch index of rows (n, d): 0 below, 1 above, 2 missing."""
        v = rows[:, self.att]
        return np.where(np.isnan(v), 2, np.where(v <= self.split, 0, 1))

    def predict(self, raw: np.ndarray) -> np.ndarray:
        """raw (d,) or (n, d) -> nominal: distributions (..., C); numeric: values (...,)."""
        rows, single = as_rows(raw, len(self.input_names))
        if self.att < 0:
            out = np.repeat(self.dist[:1], rows.shape[0], axis=0)
        else:
            out = self.dist[self.branch(rows)]
        if self.class_labels is None:
            out = out[:, 0]
        return out[0] if single else out

    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        return self.predict(rows)

    def text(self) -> str:
        """Weka 3.6's DecisionStump.toString()."""
        if self.att < 0:
            return zeror_text("DecisionStump", self.dist[0], self.class_labels)
        name, sp = self.input_names[self.att], java_double(self.split)
        heads = [f"{name} <= {sp}", f"{name} > {sp}", f"{name} is missing"]
        lines = ["Decision Stump", "", "Classifications", ""]
        for head, d in zip(heads, self.dist):
            value = self.class_labels[_first_max(d)] if self.class_labels else java_double(d[0])
            lines.append(f"{head} : {value}")
        if self.class_labels is not None:
            lines += ["", "Class distributions", ""]
            for head, d in zip(heads, self.dist):
                lines += [head, "".join(f"{c}\t" for c in self.class_labels),
                          "".join(f"{java_double(p)}\t" for p in d)]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {"recipe": self.recipe, "kind": self.kind, "input_names": list(self.input_names),
                "class_name": self.class_name, "class_labels": self.class_labels,
                "options": dict(self.options), "att": self.att,
                "split": nan_to_none(float(self.split)), "dist": nan_to_none(self.dist.tolist())}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StumpModel:
        return cls(list(data["input_names"]), data["class_name"], data["class_labels"],
                   int(data["att"]), float(none_to_nan(data["split"])),
                   np.array(none_to_nan(data["dist"]), dtype=np.float64), dict(data["options"]))


def _first_max(d: np.ndarray) -> int:
    """weka.core.Utils.maxIndex: the first largest value."""
    return int(np.argmax(d))


def build(x: np.ndarray, yi: np.ndarray, yv: np.ndarray, w: np.ndarray,
          n_classes: int | None, sorts: dict[str, np.ndarray] | None = None
          ) -> tuple[int, float, np.ndarray]:
    """(input, split point, branch values) of a stump on rows x (n, d) with weights w (n,);
    input -1 = ZeroR. Nominal: yi (n,) class indices; numeric (n_classes None): yv (n,).
    ``sorts``: a dict kept between builds on the same rows in the same order (AdaBoost's
    rounds), where the sort orders are remembered: they do not depend on the weights."""
    if x.shape[0] == 0:
        raise OscnetError("stump: no training examples with a class value; record some first")
    if x.shape[1] == 0:
        return -1, 0.0, zeror(yi, yv, w, n_classes)[None, :]
    if n_classes is None:
        att, point, dist = search_numeric(x, yv, w)
        return int(att), float(point), dist
    known = sorts.get("stump") if sorts is not None else None
    att, point, dist, chain = search_nominal(
        x, yi, w, n_classes, known if known is not None else np.empty((0, len(yi)), np.int64))
    if sorts is not None:
        sorts["stump"] = chain
    return int(att), float(point), normalise_branches(dist)


def fit(x: np.ndarray, y: np.ndarray, input_names: list[str], class_name: str,
        class_labels: list[str] | None, options: dict[str, Any] | None) -> StumpModel:
    """Train a DecisionStump on x (n, d) (NaN = missing) and y (n,) (class index or number)."""
    opts = check_options(options, OPTIONS, NAME)
    xs, ys, yi, _ = clean_data(x, y, input_names, class_labels, NAME)
    n_classes = None if class_labels is None else len(class_labels)
    att, point, dist = build(xs, yi, ys, np.ones(xs.shape[0]), n_classes)
    return StumpModel(list(input_names), class_name, None if class_labels is None else
                      list(class_labels), att, point, dist, opts)
