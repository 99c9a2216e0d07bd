"""Weka 3.6.14's cross-validation folds (Evaluation.crossValidateModel with ``new Random(seed)``).

Rules, checked against the jar (tests/fixtures/weka_learners/WekaFolds.java prints Weka's own folds):
1. All rows take part, in file order, including rows whose class is missing.
2. One java.util.Random(seed) drives everything. Shuffle: for j = n−1 down to 1, swap rows j
   and nextInt(j + 1).
3. Nominal class only, stratify: walk the rows; behind each row, pull every later row with
   the same class (missing counts as one class) forward, one swap at a time, in scan order;
   then deal the rows out: positions 0, k, 2k, ... first, then 1, k+1, ..., and so on.
4. Fold i of n rows: n // k rows, one more for the first n % k folds, taken as one
   contiguous run. Test rows keep that order; the training rows (the rest, in order) are
   shuffled again with the same Random (rule 2), once per fold, fold 0 first.
5. Fewer than 2 folds, or more folds than rows, is refused (Weka: "Can't have more folds
   than instances!", and nothing is printed).
6. Each fold builds a fresh model on its training rows (the learner drops missing classes
   itself) and predicts the test rows in order, missing-class rows included.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from oscnet.errors import OscnetError
from oscnet.recipes.javarandom import JavaRandom

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def shuffle(rows: list[int], rng: JavaRandom) -> None:
    """Weka's Instances.randomize, in place: for j = n−1 … 1 swap j with nextInt(j + 1)."""
    for j in range(len(rows) - 1, 0, -1):
        k = rng.next_int(j + 1)
        rows[j], rows[k] = rows[k], rows[j]


def stratify(rows: list[int], y: FloatArray, folds: int) -> list[int]:
    """Weka's Instances.stratify: group equal classes by forward swaps, then deal by folds."""
    rows = list(rows)
    n = len(rows)
    index = 1
    while index < n:
        first = y[rows[index - 1]]
        first_missing = np.isnan(first)
        for j in range(index, n):
            other = y[rows[j]]
            if other == first or (first_missing and np.isnan(other)):
                rows[index], rows[j] = rows[j], rows[index]
                index += 1
        index += 1
    # deal: 0, k, 2k, ...; then 1, k+1, ...
    return [r for start in range(folds) for r in rows[start::folds]]


def fold_span(n: int, folds: int, fold: int) -> tuple[int, int]:
    """(first row, row count) of test fold `fold`: n // k rows, +1 for the first n % k folds."""
    size, extra = divmod(n, folds)
    if fold < extra:
        return fold * size + fold, size + 1
    return fold * size + extra, size


def _check_folds(n: int, folds: int) -> None:
    if folds < 2:
        raise OscnetError(f"cross-validation needs at least 2 folds, not {folds}")
    if folds > n:
        raise OscnetError(f"cannot cross-validate {n} example(s) in {folds} folds: Weka needs at "
                          "least as many examples as folds (record more examples or use fewer folds)")


def cv_folds(y: FloatArray, nominal: bool, folds: int = 10, seed: int = 1) -> list[tuple[IntArray, IntArray]]:
    """Weka's fold assignment: per fold (training rows, test rows), as indexes into y, in the
    order Weka trains on them and tests them. y: (n,) classes (NaN = missing)."""
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    if folds < 2:
        _check_folds(n, folds)
    rng = JavaRandom(seed)
    rows = list(range(n))
    shuffle(rows, rng)
    if nominal:
        rows = stratify(rows, y, folds)
    _check_folds(n, folds)
    out = []
    for fold in range(folds):
        first, count = fold_span(n, folds, fold)
        train = rows[:first] + rows[first + count:]
        shuffle(train, rng)
        out.append((np.array(train, dtype=np.intp), np.array(rows[first:first + count], dtype=np.intp)))
    return out
