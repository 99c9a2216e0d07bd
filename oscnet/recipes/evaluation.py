"""Weka 3.6.14's evaluation, figure for figure: training-set error and k-fold cross-validation.

`evaluate_training(fit, x, y, class_labels)` is what Weka's command line prints first for
``-t X.arff`` ("=== Error on training data ==="); `cross_validate(fit, x, y, class_labels,
folds, seed)` is what it prints next for ``-x K -s S`` ("=== Cross-validation ===", or
"=== Stratified cross-validation ===" for a nominal class). The printed blocks are in
`oscnet.recipes.evaluation_text`. The rules, as checked against the real jar
(tests/fixtures/weka_learners/evaluation/, tests/test_evaluation.py):

Folds: `oscnet.recipes.evaluation_folds` (rules 1–6 there).

Statistics (weka.classifiers.Evaluation; every instance weight is 1):
7. Priors are reset before each fold from that fold's training rows (not accumulated):
   numeric, the mean of the known training classes (summed in row order); nominal, counts
   that start at 1 per class plus one per known training row, over their total.
   Training-set evaluation uses all rows.
8. A row with a missing class only counts as "Ignored Class Unknown Instances". A numeric
   prediction that is missing (NaN), or a distribution with no value > 0 (NaN ignored), is
   "UnClassified": it counts in the total but in no error sum.
9. Per classified row, with C classes (C = 1 for a numeric class; nominal: the actual class
   as a one-hot vector, the prediction as its distribution) the absolute and squared
   differences are summed over the C entries in order, divided by C, and added to running
   sums in row order; the same for prior − actual. MAE = Σ|e| / classified,
   RMSE = √(Σe² / classified), RAE = 100·MAE / (Σ|prior err| / total), RRSE likewise
   with squares.
10. Correlation (numeric): from the running sums of a, a², p, p², a·p; 0 when a variance
   product is ≤ 0. Kappa, TP/FP rate, precision, recall and F-measure come from the
   confusion matrix (a rate with an empty denominator is 0; "Weighted Avg." weights by the
   actual class counts).
11. The predicted class is the first index of the largest probability above 0.
12. ROC area (per class, from every recorded distribution of the whole evaluation): rows
   grouped by equal probability of that class, area = Σ_groups pos·(neg below + neg/2) /
   (pos·neg) — missing-class rows count as negatives (Weka means to skip them, but its test
   compares NaN with NaN), NaN probabilities join the top group.
   A class without positives or negatives gives NaN, printed "?", and is left out of the
   weighted average. Weka's ``-no-cv`` with an updateable learner (IBk) records nothing:
   every area is "?" (`evaluate_training(..., record=False)`).
Not reproduced: the -k complexity statistics (K&B information, SF entropies), -r margins,
-m cost matrices, -p prediction lists and instance weights other than 1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from oscnet.errors import OscnetError
from oscnet.recipes.evaluation_folds import cv_folds
from oscnet.recipes.evaluation_text import block

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


class Predictor(Protocol):
    """A built model: predict_rows((n, d)) → (n,) values, or (n, C) class distributions."""

    def predict_rows(self, rows: FloatArray) -> FloatArray: ...


Fit = Callable[[FloatArray, FloatArray], Predictor]
"""fit(x (n, d), y (n,)) → model; y holds NaN for a missing class (the learner drops those)."""


# --- the statistics ----------------------------------------------------------------------


def _running(total: float, terms: FloatArray) -> float:
    """total + terms[0] + terms[1] + ..., added one at a time as Java does (cumsum is sequential)."""
    if len(terms) == 0:
        return total
    return float(np.cumsum(np.concatenate(([total], terms)))[-1])


def _row_sums(values: FloatArray) -> FloatArray:
    """Sum over the last axis left to right (Java's loop over the classes)."""
    return np.cumsum(values, axis=-1)[..., -1] if values.shape[-1] else np.zeros(values.shape[:-1])


def jdiv(a: float, b: float) -> float:
    """a / b with Java's IEEE rules (x/0 = ±Infinity or NaN, never an exception)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(a) / np.float64(b))


def jsqrt(a: float) -> float:
    """Math.sqrt: NaN for a negative number."""
    with np.errstate(invalid="ignore"):
        return float(np.sqrt(np.float64(a)))


@dataclass
class Evaluation:
    """Weka's running evaluation sums. Build it with `evaluate_training` or `cross_validate`."""

    class_labels: list[str] | None  # None = numeric class
    title: str = "Error on training data"
    folds: int = 1
    with_class: float = 0.0  # "Total Number of Instances"
    missing_class: float = 0.0  # "Ignored Class Unknown Instances"
    unclassified: float = 0.0
    correct: float = 0.0
    incorrect: float = 0.0
    sum_err: float = 0.0
    sum_abs_err: float = 0.0
    sum_sqr_err: float = 0.0
    sum_prior_abs_err: float = 0.0
    sum_prior_sqr_err: float = 0.0
    sum_class: float = 0.0
    sum_sqr_class: float = 0.0
    sum_predicted: float = 0.0
    sum_sqr_predicted: float = 0.0
    sum_class_predicted: float = 0.0
    confusion: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))  # [actual, predicted]
    priors: FloatArray = field(default_factory=lambda: np.zeros(1))
    priors_sum: float = 0.0
    record: bool = True  # keep the distributions for ROC areas (Weka: evaluateModelOnceAndRecordPrediction)
    actuals: list[FloatArray] = field(default_factory=list)  # nominal: recorded for ROC areas
    distributions: list[FloatArray] = field(default_factory=list)

    def __post_init__(self) -> None:
        c = self.num_classes
        if self.nominal and self.confusion.shape != (c, c):
            self.confusion = np.zeros((c, c))

    @property
    def nominal(self) -> bool:
        return self.class_labels is not None

    @property
    def num_classes(self) -> int:
        return len(self.class_labels) if self.class_labels is not None else 1

    def set_priors(self, y_train: FloatArray) -> None:
        """Reset the priors from training classes (n,), NaN = missing (rule 7)."""
        known = np.asarray(y_train, dtype=np.float64)
        known = known[~np.isnan(known)]
        if self.nominal:
            self.priors = np.ones(self.num_classes) + np.bincount(known.astype(np.intp),
                                                                  minlength=self.num_classes)
            self.priors_sum = float(self.num_classes + len(known))
        else:
            self.priors = np.array([_running(0.0, known)])
            self.priors_sum = float(len(known))

    def add(self, predicted: FloatArray, actual: FloatArray) -> None:
        """Score one batch of test rows in order: predicted (n,) values or (n, C) distributions,
        actual (n,) classes (NaN = missing)."""
        actual = np.asarray(actual, dtype=np.float64)
        predicted = np.asarray(predicted, dtype=np.float64)
        known = ~np.isnan(actual)
        self.missing_class += float(np.count_nonzero(~known))
        self.with_class += float(np.count_nonzero(known))
        if self.nominal:
            self._add_nominal(predicted.reshape(len(actual), self.num_classes), actual, known)
        else:
            self._add_numeric(predicted.reshape(len(actual)), actual, known)

    def _add_numeric(self, p_all: FloatArray, a_all: FloatArray, known: npt.NDArray[np.bool_]) -> None:
        scored = known & ~np.isnan(p_all)
        self.unclassified += float(np.count_nonzero(known & np.isnan(p_all)))
        p, a = p_all[scored], a_all[scored]
        self.sum_class = _running(self.sum_class, a)
        self.sum_sqr_class = _running(self.sum_sqr_class, a * a)
        self.sum_class_predicted = _running(self.sum_class_predicted, a * p)
        self.sum_predicted = _running(self.sum_predicted, p)
        self.sum_sqr_predicted = _running(self.sum_sqr_predicted, p * p)
        prior = jdiv(float(self.priors[0]), self.priors_sum)
        self._add_errors((p - a)[:, None], (prior - a)[:, None])

    def _add_nominal(self, dist: FloatArray, a_all: FloatArray, known: npt.NDArray[np.bool_]) -> None:
        if self.record:
            self.actuals.append(a_all.copy())
            self.distributions.append(dist.copy())
        clean = np.where(np.isnan(dist), 0.0, dist)  # NaN never wins a strict ">" comparison
        best = np.argmax(clean, axis=1) if dist.shape[1] else np.zeros(len(dist), dtype=np.intp)
        has_best = clean.max(axis=1, initial=0.0) > 0
        self.unclassified += float(np.count_nonzero(known & ~has_best))
        scored = known & has_best
        a = a_all[scored].astype(np.intp)
        pred = best[scored]
        onehot = np.zeros((len(a), self.num_classes))
        onehot[np.arange(len(a)), a] = 1.0
        prior = self.priors / self.priors_sum
        self._add_errors(dist[scored] - onehot, prior[None, :] - onehot)
        np.add.at(self.confusion, (a, pred), 1.0)
        hits = float(np.count_nonzero(a == pred))
        self.correct += hits
        self.incorrect += float(len(a)) - hits

    def _add_errors(self, diff: FloatArray, prior_diff: FloatArray) -> None:
        """Rule 9: per row, sums over the classes then / C; then the running sums in row order."""
        c = float(self.num_classes)
        self.sum_err = _running(self.sum_err, _row_sums(diff) / c)
        self.sum_abs_err = _running(self.sum_abs_err, _row_sums(np.abs(diff)) / c)
        self.sum_sqr_err = _running(self.sum_sqr_err, _row_sums(diff * diff) / c)
        self.sum_prior_abs_err = _running(self.sum_prior_abs_err, _row_sums(np.abs(prior_diff)) / c)
        self.sum_prior_sqr_err = _running(self.sum_prior_sqr_err, _row_sums(prior_diff * prior_diff) / c)

    # --- figures (Weka's method names in the comments) --------------------------------------

    @property
    def classified(self) -> float:
        return self.with_class - self.unclassified

    def pct_correct(self) -> float:  # pctCorrect
        return jdiv(100 * self.correct, self.with_class)

    def pct_incorrect(self) -> float:  # pctIncorrect
        return jdiv(100 * self.incorrect, self.with_class)

    def pct_unclassified(self) -> float:  # pctUnclassified
        return jdiv(100 * self.unclassified, self.with_class)

    def mean_absolute_error(self) -> float:
        return jdiv(self.sum_abs_err, self.classified)

    def root_mean_squared_error(self) -> float:
        return jsqrt(jdiv(self.sum_sqr_err, self.classified))

    def relative_absolute_error(self) -> float:
        return jdiv(100 * self.mean_absolute_error(), jdiv(self.sum_prior_abs_err, self.with_class))

    def root_relative_squared_error(self) -> float:
        prior = jsqrt(jdiv(self.sum_prior_sqr_err, self.with_class))
        return jdiv(100.0 * self.root_mean_squared_error(), prior)

    def correlation(self) -> float:  # correlationCoefficient
        n = self.classified
        var_actual = self.sum_sqr_class - jdiv(self.sum_class * self.sum_class, n)
        var_predicted = self.sum_sqr_predicted - jdiv(self.sum_predicted * self.sum_predicted, n)
        var_prod = self.sum_class_predicted - jdiv(self.sum_class * self.sum_predicted, n)
        if not var_actual * var_predicted > 0:  # Weka: "<= 0" gives 0 (NaN falls through: NaN)
            return 0.0 if var_actual * var_predicted <= 0 else float("nan")
        return var_prod / float(np.sqrt(var_actual * var_predicted))

    def kappa(self) -> float:
        m = self.confusion
        rows, cols, total = m.sum(axis=1), m.sum(axis=0), float(m.sum())
        chance = jdiv(float(np.dot(rows, cols)), total * total)
        agree = jdiv(float(np.trace(m)), total)
        return jdiv(agree - chance, 1 - chance) if chance < 1 else 1.0

    def class_counts(self) -> FloatArray:
        """Actual classified rows per class (the confusion matrix's row sums)."""
        return self.confusion.sum(axis=1)

    def tp_rate(self, k: int) -> float:  # truePositiveRate = recall
        total = float(self.confusion[k].sum())
        return 0.0 if total == 0 else float(self.confusion[k, k]) / total

    def fp_rate(self, k: int) -> float:  # falsePositiveRate
        others = np.arange(self.num_classes) != k
        total = float(self.confusion[others].sum())
        return 0.0 if total == 0 else float(self.confusion[others, k].sum()) / total

    def precision(self, k: int) -> float:
        total = float(self.confusion[:, k].sum())
        return 0.0 if total == 0 else float(self.confusion[k, k]) / total

    def f_measure(self, k: int) -> float:
        p, r = self.precision(k), self.tp_rate(k)
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)

    def roc_area(self, k: int) -> float:  # areaUnderROC via ThresholdCurve (rule 12)
        if not self.distributions:
            return float("nan")
        actual = np.concatenate(self.actuals)
        prob = np.concatenate(self.distributions)[:, k]
        if np.isnan(prob).all():
            prob = np.zeros_like(prob)
        prob = np.where(np.isnan(prob), np.nanmax(prob), prob)
        values, group = np.unique(prob, return_inverse=True)
        pos = np.bincount(group, weights=(actual == k).astype(float), minlength=len(values))
        # a missing class counts as a negative: Weka's "actual == MISSING_VALUE" test compares
        # NaN with NaN, which is never true
        neg = np.bincount(group, weights=(actual != k).astype(float), minlength=len(values))
        below = np.concatenate(([0.0], np.cumsum(neg)[:-1]))
        area = float(np.sum(pos * (below + 0.5 * neg)))  # halves of integers: exact
        return jdiv(area, float(neg.sum()) * float(pos.sum()))

    def weighted(self, per_class: Callable[[int], float], skip_nan: bool = False) -> float:
        """Weka's "Weighted Avg.": Σ value·count / Σ count over the classes, in class order."""
        counts = self.class_counts()
        total = 0.0
        for k in range(self.num_classes):
            value = per_class(k)
            if not (skip_nan and np.isnan(value)):
                total += value * float(counts[k])
        return jdiv(total, float(counts.sum()))

    def figures(self) -> dict[str, float]:
        """The main numbers, e.g. for an OSC message (rates in %, as Weka prints them)."""
        common = {"mae": self.mean_absolute_error(), "rmse": self.root_mean_squared_error(),
                  "rae": self.relative_absolute_error(), "rrse": self.root_relative_squared_error(),
                  "n": self.with_class}
        if self.nominal:
            return {"correct_pct": self.pct_correct(), "kappa": self.kappa(), **common}
        return {"correlation": self.correlation(), **common}

    def text(self, title: str | None = None, details: bool = False) -> str:
        """Weka's printed block: "=== <title> ===", the summary, then for a nominal class the
        per-class details (only with details=True, Weka's -i) and the confusion matrix."""
        return block(self, title or self.title, details)


# --- the two ways to evaluate -------------------------------------------------------------


def _prepare(x: FloatArray, y: FloatArray, class_labels: Sequence[str] | None) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or y.shape != (len(x),):
        raise OscnetError(f"x must be (n, d) and y (n,), not {x.shape} and {y.shape}")
    if class_labels is not None:
        known = y[~np.isnan(y)]
        if np.any((known < 0) | (known >= len(class_labels)) | (known != np.round(known))):
            raise OscnetError(f"class indexes must be whole numbers 0..{len(class_labels) - 1}")
    return x, y


def evaluate_training(fit: Fit, x: FloatArray, y: FloatArray, class_labels: Sequence[str] | None,
                      record: bool = True) -> Evaluation:
    """Build on all rows, score all rows (Weka's "=== Error on training data ===").
    x: (n, d); y: (n,) numeric targets or class indexes, NaN = missing; class_labels None = numeric.
    record=False gives what Weka's ``-no-cv`` prints for an updateable learner (IBk): it then
    scores without recording, so every ROC area is "?" (and their weighted average 0)."""
    x, y = _prepare(x, y, class_labels)
    ev = Evaluation(list(class_labels) if class_labels is not None else None, record=record)
    ev.set_priors(y)
    model = fit(x, y)
    ev.add(model.predict_rows(x), y)
    return ev


def cross_validate(fit: Fit, x: FloatArray, y: FloatArray, class_labels: Sequence[str] | None,
                   folds: int = 10, seed: int = 1) -> Evaluation:
    """Weka's k-fold cross-validation (``-x folds -s seed``), stratified for a nominal class.
    x: (n, d); y: (n,) numeric targets or class indexes, NaN = missing; class_labels None = numeric."""
    x, y = _prepare(x, y, class_labels)
    labels = list(class_labels) if class_labels is not None else None
    nominal = labels is not None
    ev = Evaluation(labels, title="Stratified cross-validation" if nominal else "Cross-validation")
    for train, test in cv_folds(y, nominal, folds, seed):
        ev.set_priors(y[train])
        model = fit(x[train], y[train])
        ev.add(model.predict_rows(x[test]), y[test])
    ev.folds = folds
    return ev
