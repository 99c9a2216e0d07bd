"""Weka 3.6's ``weka.classifiers.meta.AdaBoostM1 -P 100 -S 1 -I <rounds> -W J48|DecisionStump``,
Wekinator's "AdaBoost" classifier (spec §2.2: base learner "Decision Tree" = J48 -C 0.25 -M 2,
the default, or "Decision Stump").

The rules, as checked against Weka 3.6.14:

* Rows with a missing class are dropped; with no inputs at all Weka builds ZeroR instead (and
  says so). Both base learners take instance weights, so Weka reweights (never resamples);
  every row starts with weight 1 and the rows keep their order.
* Each round trains the base learner on the rows with their current weights (``-P`` below 100:
  only the heaviest rows, heaviest first, until their weight passes P% and the next row is
  lighter) and measures its weighted error on all rows, the way weka.classifiers.Evaluation
  counts it: the predicted class is the first one with the largest probability above 0 (none:
  the row counts in the total but not as an error).
* Error 0 or at least 0.5 stops the boosting: in the first round this classifier is kept
  alone, later the rounds before it are kept. Otherwise the round gets the vote
  beta = ln((1 - error) / error), the rows the classifier gets wrong (by its own
  classifyInstance) have their weights multiplied by (1 - error) / error, and all weights are
  then scaled back to the sum they had before.
* Prediction: one classifier kept -> its own distribution. Several -> each adds its beta to the
  class it predicts (a stump's "no class" counts for class 0, as Java's (int) NaN), then the
  sums become probabilities exp(sum - max) / their total.
* Text: the base classifiers' own texts each followed by ``Weight: <beta rounded to 2
  decimals>``, then the number of rounds; or "No boosting possible, one classifier used!".
* Odd data: no rows -> Weka refuses with the stump; with J48 it builds trees on nothing and
  every error is 0/0 (NaN, which stops nothing): predictions are then NaN (Weka throws).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import njit

from oscnet.errors import OscnetError
from oscnet.recipes import j48, stump
from oscnet.recipes.treeutil import (
    as_rows,
    check_options,
    clean_data,
    eq,
    gr_or_eq,
    java_double,
    round_double,
    seq_sum,
    weka_sort,
)

NAME = "adaboost"
CLASS_TYPES = ("nominal",)
OPTIONS: dict[str, tuple[type, Any, str]] = {
    "I": (int, 100, "number of boosting rounds"),
    "W": (str, "j48", "base learner: j48 (decision tree, the default) or stump"),
    "P": (int, 100, "weight threshold: train each round on the heaviest P% of the weight"),
    "S": (int, 1, "random seed (has no effect: neither base learner is random)"),
}
# The base learner by recipe name, Weka class name (as in Wekinator's option string) or the
# name Wekinator's editor shows.
BASE_NAMES = {"j48": "j48", "weka.classifiers.trees.j48": "j48", "decision tree": "j48",
              "stump": "stump", "weka.classifiers.trees.decisionstump": "stump",
              "decisionstump": "stump", "decision stump": "stump"}


@njit(cache=True)
def vote_probs(votes: np.ndarray, betas: np.ndarray, n_classes: int) -> np.ndarray:
    """AdaBoostM1.distributionForInstance for rows whose (n, T) votes are known: each round
    adds its beta (T,) to the class it voted for (none: class 0, Java's (int) NaN), in round
    order; Utils.logs2probs then gives exp(sum - max) / total -> (n, C)."""
    out = np.zeros((votes.shape[0], n_classes))
    for r in range(votes.shape[0]):
        sums = np.zeros(n_classes)
        for t in range(votes.shape[1]):
            sums[max(votes[r, t], 0)] += betas[t]
        best = 0
        for c in range(1, n_classes):  # Utils.maxIndex: the first largest
            if sums[c] > sums[best]:
                best = c
        total = 0.0
        for c in range(n_classes):
            out[r, c] = math.exp(sums[c] - sums[best])
            total += out[r, c]
        for c in range(n_classes):
            out[r, c] /= total
    return out


def first_positive_max(dist: np.ndarray) -> np.ndarray:
    """(n,) first class with the largest probability above 0 in (n, C), or -1 (Weka's
    "missing") when none is above 0: Classifier.classifyInstance and Evaluation's rule."""
    best = np.argmax(dist, axis=1) if dist.shape[1] else np.zeros(dist.shape[0], dtype=np.int64)
    top = dist[np.arange(dist.shape[0]), best] if dist.shape[1] else np.zeros(dist.shape[0])
    return np.where(top > 0, best, -1)


@dataclass
class Base:
    """One round's classifier: a J48 tree or a stump (att, split, (3, C) branch probabilities)."""

    kind: str
    tree: j48.Tree | None = None
    stump: stump.StumpModel | None = None

    def distribution(self, rows: np.ndarray) -> np.ndarray:
        if self.tree is not None:
            return self.tree.distribution(rows)
        assert self.stump is not None
        return self.stump.dist[self.stump.branch(rows)]

    def classify(self, dist: np.ndarray) -> np.ndarray:
        """The base learner's classifyInstance from its distributions (n, C); -1 = missing."""
        return j48.classify(dist) if self.tree is not None else first_positive_max(dist)

    def text(self, names: list[str], labels: list[str]) -> str:
        if self.tree is not None:
            return self.tree.text(names, labels)
        assert self.stump is not None
        return self.stump.text()

    def to_dict(self) -> dict[str, Any]:
        if self.tree is not None:
            return {"tree": self.tree.to_dict()}
        assert self.stump is not None
        return {"stump": self.stump.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Base:
        if "tree" in data:
            return cls("j48", tree=j48.Tree.from_dict(data["tree"]))
        return cls("stump", stump=stump.StumpModel.from_dict(data["stump"]))


def heaviest(w: np.ndarray, quantile: float) -> np.ndarray:
    """AdaBoostM1.selectWeightQuantile: indices of the heaviest rows, heaviest first, until
    their weight passes quantile x the total and the next row is lighter."""
    mass = seq_sum(w) * quantile
    order = weka_sort(w)
    chosen = []
    total = 0.0
    for i in range(len(order) - 1, -1, -1):
        chosen.append(int(order[i]))
        total += float(w[order[i]])
        if total > mass and i > 0 and w[order[i]] != w[order[i - 1]]:
            break
    return np.array(chosen, dtype=np.int64)


@dataclass
class AdaBoostModel:
    input_names: list[str]
    class_name: str
    class_labels: list[str]
    base: str
    models: list[Base]
    betas: list[float]
    zeror: np.ndarray | None = None  # (C,) when Weka fell back to ZeroR (no inputs)
    options: dict[str, Any] = field(default_factory=dict)
    recipe: str = NAME
    kind: str = "nominal"
    _committee: Any = field(default=None, init=False, repr=False, compare=False)

    def predict(self, raw: np.ndarray) -> np.ndarray:
        """raw (d,) or (n, d) -> class distributions (C,) or (n, C)."""
        rows, single = as_rows(raw, len(self.input_names))
        out = self._distribution(rows)
        return out[0] if single else out

    def _distribution(self, rows: np.ndarray) -> np.ndarray:
        if self.zeror is not None:
            return np.repeat(self.zeror[None, :], rows.shape[0], axis=0)
        if len(self.models) == 1:
            return self.models[0].distribution(rows)
        return vote_probs(self._votes(rows), np.array(self.betas), len(self.class_labels))

    def _votes(self, rows: np.ndarray) -> np.ndarray:
        """(n, T) the class each round's classifier gives each row of rows (n, d) (-1: none),
        all rounds at once."""
        if self._committee is None:  # the rounds' classifiers stacked into arrays, once
            if self.base == "j48":
                self._committee = j48.Tree.concatenate([m.tree for m in self.models
                                                        if m.tree is not None])
            else:
                stumps = [m.stump for m in self.models if m.stump is not None]
                self._committee = (np.array([st.att for st in stumps], dtype=np.int64),
                                   np.array([st.split for st in stumps]),
                                   np.stack([st.dist for st in stumps]))
        if self.base == "j48":
            forest, roots = self._committee
            probs = j48.forest_probs(rows, roots, forest.att, forest.split, forest.sons,
                                     forest.empty, forest.pcb, forest.pb, forest.pc, forest.tot)
            return j48.classify(probs.reshape(-1, probs.shape[2])).reshape(probs.shape[:2])
        atts, splits, dists = self._committee
        v = rows[:, atts]
        branch = np.where(np.isnan(v), 2, np.where(v <= splits, 0, 1))
        probs = dists[np.arange(len(atts)), branch]  # (n, T, C)
        return first_positive_max(probs.reshape(-1, probs.shape[2])).reshape(probs.shape[:2])

    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        return self.predict(rows)

    def text(self) -> str:
        """AdaBoostM1.toString()."""
        if self.zeror is not None:
            return stump.zeror_text("AdaBoostM1", self.zeror, self.class_labels)
        names, labels = self.input_names, self.class_labels
        if len(self.models) == 1:
            return ("AdaBoostM1: No boosting possible, one classifier used!\n" +
                    self.models[0].text(names, labels) + "\n")
        parts = ["AdaBoostM1: Base classifiers and their weights: \n\n"]
        for model, beta in zip(self.models, self.betas):
            parts.append(model.text(names, labels) + "\n\n")
            parts.append(f"Weight: {java_double(round_double(beta, 2))}\n\n")
        parts.append(f"Number of performed Iterations: {len(self.models)}\n")
        return "".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"recipe": self.recipe, "kind": self.kind, "input_names": list(self.input_names),
                "class_name": self.class_name, "class_labels": list(self.class_labels),
                "options": dict(self.options), "base": self.base,
                "models": [m.to_dict() for m in self.models],
                "betas": [None if math.isnan(b) else b for b in self.betas],
                "zeror": None if self.zeror is None else self.zeror.tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AdaBoostModel:
        return cls(list(data["input_names"]), data["class_name"], list(data["class_labels"]),
                   data["base"], [Base.from_dict(m) for m in data["models"]],
                   [math.nan if b is None else float(b) for b in data["betas"]],
                   None if data["zeror"] is None else np.array(data["zeror"], dtype=np.float64),
                   dict(data["options"]))


def train_base(base: str, x: np.ndarray, y: np.ndarray, w: np.ndarray, n_classes: int,
               names: list[str], class_name: str, labels: list[str],
               sorts: dict[str, np.ndarray] | None = None, weka_order: bool = False) -> Base:
    """One base classifier on rows x (n, d), class indices y (n,), weights w (n,)."""
    if base == "j48":  # Wekinator's -C 0.25 -M 2
        return Base("j48", tree=j48.build(x, y, w, x, n_classes, sorts=sorts,
                                          weka_order=weka_order))
    att, point, dist = stump.build(x, y, np.zeros(len(y)), w, n_classes, sorts)
    return Base("stump", stump=stump.StumpModel(names, class_name, labels, att, point, dist))


def boost(x: np.ndarray, y: np.ndarray, labels: list[str], names: list[str], class_name: str,
          base: str, rounds: int, threshold: int, weka_order: bool = False
          ) -> tuple[list[Base], list[float]]:
    """AdaBoostM1.buildClassifierWithWeights on rows x (n, d), class indices y (n,).
    ``weka_order``: J48 sorts at every node exactly as Weka (slower; see j48_build.Grower)."""
    n, n_classes = x.shape[0], len(labels)
    w = np.ones(n)
    models: list[Base] = []
    betas: list[float] = []
    sorts: dict[str, np.ndarray] = {}  # every round starts from the same rows in the same order
    for it in range(rounds):
        chosen = heaviest(w, threshold / 100) if threshold < 100 else np.arange(n)
        model = train_base(base, x[chosen], y[chosen], w[chosen], n_classes, names, class_name,
                           labels, sorts if threshold >= 100 else None, weka_order)
        dist = model.distribution(x)
        wrong = (first_positive_max(dist) >= 0) & (first_positive_max(dist) != y)
        with_class = seq_sum(w)
        error = seq_sum(np.where(wrong, w, 0.0)) / with_class if with_class != 0 else math.nan
        if gr_or_eq(error, 0.5) or eq(error, 0.0):
            if it == 0:  # the first classifier is kept on its own
                models, betas = [model], [0.0]
            break
        models.append(model)
        reweight = math.nan if math.isnan(error) else (1 - error) / error
        betas.append(math.nan if math.isnan(error) else math.log(reweight))
        old = seq_sum(w)
        w = np.where(model.classify(dist) != y, w * reweight, w)
        new = seq_sum(w)
        with np.errstate(invalid="ignore", divide="ignore"):
            w = w * old / new
    return models, betas


def fit(x: np.ndarray, y: np.ndarray, input_names: list[str], class_name: str,
        class_labels: list[str] | None, options: dict[str, Any] | None) -> AdaBoostModel:
    """Boost J48 trees or stumps on x (n, d) (NaN = missing) and class indices y (n,)."""
    opts = check_options(options, OPTIONS, NAME)
    base = BASE_NAMES.get(str(opts["W"]).lower())
    if base is None:
        raise OscnetError(f"adaboost option W (base learner) must be j48 or stump, "
                          f"not {opts['W']!r}")
    opts["W"] = base
    if opts["I"] < 1:
        raise OscnetError(f"adaboost option I (rounds) must be at least 1, not {opts['I']}")
    if class_labels is None:
        raise OscnetError("adaboost predicts classes only; use it for a classifier output (Weka: "
                          "cannot handle numeric class)")
    xs, ys, yi, _ = clean_data(x, y, input_names, class_labels, NAME)
    names, labels = list(input_names), list(class_labels)
    if xs.shape[0] == 0 and base == "stump":
        raise OscnetError("adaboost with stumps needs at least one example with a class value")
    if xs.shape[1] == 0:
        zr = stump.zeror(yi, ys, np.ones(len(yi)), len(labels))
        return AdaBoostModel(names, class_name, labels, base, [], [], zr, opts)
    models, betas = boost(xs, yi, labels, names, class_name, base, opts["I"], opts["P"])
    return AdaBoostModel(names, class_name, labels, base, models, betas, None, opts)
