"""The binary SMO solver of Weka 3.6's ``weka.classifiers.functions.SMO``, step for step.

`oscnet.recipes.svm` splits a problem into pairs of classes; this module trains one pair
(``train_pair``) and evaluates a linear one on new rows (``linear_output``; kernel machines:
``svm_kernel.kernel_output``). Everything here works on rows already normalised by SMO.

The algorithm is Platt's SMO with Keerthi et al.'s first modification, as Weka runs it (rules
written down from reading Weka 3.6 and checked against its jar; no code copied):

* Targets: the pair's first class is -1, the second +1. Every alpha starts at 0, the error
  cache at 0 except ``F[i_low] = +1`` and ``F[i_up] = -1``, where i_low / i_up are the *last*
  rows (in the shuffled pair order) of class -1 / +1; ``b_up = -1``, ``b_low = +1``.
* Keerthi's index sets: I0 = {0 < a < C}, I1 = {y=+1, a=0}, I2 = {y=-1, a=C},
  I3 = {y=+1, a=C}, I4 = {y=-1, a=0}, plus the support-vector set {a > 0}. Each set is a
  linked list to which a new member is added at the *front*; the order of that list decides
  which of two equal errors becomes b_up / b_low and the order in which a row's output is
  summed, so it is reproduced exactly (arrays ``ind``, ``nxt``, ``prv``, ``head``: one row
  per set).
* Outer loop: alternate a sweep over every row with sweeps over the unbound rows
  (0 < a < C) that stop as soon as ``b_up > b_low - 2 tol``; stop after a full sweep that
  changed nothing.
* examineExample(i2): F2 = the cached error for rows in I0, otherwise output(i2) - y2, which
  may lower b_up (rows in I1, I2) or raise b_low (rows in I3, I4). i2 violates optimality when
  ``b_low - F2 > 2 tol`` (i2 in I0, I1, I2: partner i_low) or ``F2 - b_up > 2 tol`` (i2 in
  I0, I3, I4: partner i_up; this test wins when both hold); for i2 in I0 the partner is
  whichever of i_low / i_up gives the larger gap (ties: i_up).
* takeStep(i1, i2): the usual clipped two-variable update (eta = 2 k12 - k11 - k22; when
  eta >= 0 the objective at both ends is compared with margin eps = 1e-12); no step when the
  change is below ``eps (a2 + alph2 + eps)``; alphas within 1000 * Double.MIN_VALUE * C of a
  bound snap to it. Then the sets, the weight vector (linear machines), the cached errors of
  the rows in I0 (in list order, kernel rows i1 then i2), and b_up / b_low are recomputed from
  I0 plus i1 and i2 (strict comparisons, so the first minimum / maximum in list order wins).
* Finally b = (b_low + b_up) / 2 and output(x) = sum over SVs (list order) of
  (y_i a_i) K(x, x_i) - b; a linear machine (PolyKernel with exponent 1.0, with or without
  lower-order terms) keeps w = sum y_i a_i x_i instead and outputs w . x - b (zero weights
  dropped, attribute order), also while training. With lower-order terms the kernel values
  of takeStep are <x,y> + 1 all the same: Weka's inconsistency, reproduced.
* Kernels, their cache and Java's exp: `oscnet.recipes.svm_kernel`.
"""

from __future__ import annotations

import numpy as np

# numba's disk cache keys on this file only: after editing svm_kernel.py, delete __pycache__
# (the compiled loops here include the kernel code).
from oscnet.recipes.svm_kernel import RBF, cached, jit, new_cache, squared_norms

DEL = 1000 * 5e-324  # Weka's m_Del = 1000 * Double.MIN_VALUE: the snap-to-bound margin

# The six linked-list sets, by row of the set arrays.
SV, I0, I1, I2, I3, I4 = 0, 1, 2, 3, 4, 5


@jit
def _insert(ind: np.ndarray, nxt: np.ndarray, prv: np.ndarray, head: np.ndarray, s: int, i: int) -> None:  # pragma: no cover
    """Add i at the front of set s (nothing if present)."""
    if ind[s, i]:
        return
    if head[s] == -1:
        nxt[s, i] = -1
    else:
        prv[s, head[s]] = i
        nxt[s, i] = head[s]
    prv[s, i] = -1
    head[s] = i
    ind[s, i] = True


@jit
def _delete(ind: np.ndarray, nxt: np.ndarray, prv: np.ndarray, head: np.ndarray, s: int, i: int) -> None:  # pragma: no cover
    """Unlink i from set s (nothing if absent)."""
    if not ind[s, i]:
        return
    if head[s] == i:
        head[s] = nxt[s, i]
    else:
        nxt[s, prv[s, i]] = nxt[s, i]
    if nxt[s, i] != -1:
        prv[s, nxt[s, i]] = prv[s, i]
    ind[s, i] = False


@jit
def _put(ind: np.ndarray, nxt: np.ndarray, prv: np.ndarray, head: np.ndarray, s: int, i: int,
         member: bool) -> None:  # pragma: no cover - compiled
    if member:
        _insert(ind, nxt, prv, head, s, i)
    else:
        _delete(ind, nxt, prv, head, s, i)


@jit
def _train(x: np.ndarray, y: np.ndarray, pre: np.ndarray, kp: np.ndarray, linear: bool, c: float,
           tol: float, eps: float, cache: np.ndarray, stats: np.ndarray,
           alpha: np.ndarray, w: np.ndarray, order: np.ndarray, err: np.ndarray, ind: np.ndarray,
           nxt: np.ndarray, prv: np.ndarray, head: np.ndarray) -> float:  # pragma: no cover - compiled
    """Train one pair in place: x (n, d) normalised rows, y (n,) of -1/+1 with both present,
    pre (n,) their squared norms (RBF). Fills alpha (n,), w (d,) (linear machines), order (n,) (the support-vector list, -1
    padded) and stats; returns b.
    """
    n, d = x.shape
    i_low = -1
    i_up = -1
    for i in range(n):
        if y[i] == 1.0:
            i_up = i
            _insert(ind, nxt, prv, head, I1, i)
        else:
            i_low = i
            _insert(ind, nxt, prv, head, I4, i)
    b_up = -1.0
    b_low = 1.0
    b = 0.0  # Weka's m_b stays 0 until training ends
    err[i_low] = 1.0
    err[i_up] = -1.0
    num_changed = 0
    examine_all = True
    while num_changed > 0 or examine_all:
        num_changed = 0
        for i2 in range(n):
            if not examine_all and not (alpha[i2] > 0 and alpha[i2] < c):
                continue
            # ---- examineExample(i2)
            y2 = y[i2]
            if ind[I0, i2]:
                f2 = err[i2]
            else:
                out = 0.0
                if linear:
                    for k in range(d):
                        out += w[k] * x[i2, k]
                else:
                    j = head[SV]
                    while j != -1:
                        out += y[j] * alpha[j] * cached(x, pre, kp, cache, stats, i2, j)
                        j = nxt[SV, j]
                f2 = out - b + b - y2
                err[i2] = f2
                if (ind[I1, i2] or ind[I2, i2]) and f2 < b_up:
                    b_up = f2
                    i_up = i2
                elif (ind[I3, i2] or ind[I4, i2]) and f2 > b_low:
                    b_low = f2
                    i_low = i2
            optimal = True
            i1 = -1
            if (ind[I0, i2] or ind[I1, i2] or ind[I2, i2]) and b_low - f2 > 2 * tol:
                optimal = False
                i1 = i_low
            if (ind[I0, i2] or ind[I3, i2] or ind[I4, i2]) and f2 - b_up > 2 * tol:
                optimal = False
                i1 = i_up
            changed = False
            if not optimal:
                if ind[I0, i2]:
                    i1 = i_low if b_low - f2 > f2 - b_up else i_up
                changed = _take_step(x, y, pre, kp, linear, c, eps, cache,
                                     stats, alpha, w, err, ind, nxt, prv, head, i1, i2, f2, b)
                if changed:
                    # takeStep recomputes b_up / b_low from I0, i1 and i2
                    b_up, i_up, b_low, i_low = _thresholds(err, ind, nxt, head, i1, i2)
            if changed:
                num_changed += 1
            if not examine_all and b_up > b_low - 2 * tol:
                # Keerthi's modification 1: optimality on the unbound rows reached
                num_changed = 0
                break
        if examine_all:
            examine_all = False
        elif num_changed == 0:
            examine_all = True
    j = head[SV]
    k = 0
    while j != -1:
        order[k] = j
        k += 1
        j = nxt[SV, j]
    return (b_low + b_up) / 2.0


@jit
def _thresholds(err: np.ndarray, ind: np.ndarray, nxt: np.ndarray, head: np.ndarray,
                i1: int, i2: int) -> tuple[float, int, float, int]:  # pragma: no cover - compiled
    """b_up, i_up, b_low, i_low after a step: extremes over I0 (list order), then i1, i2."""
    b_low = -1.7976931348623157e308
    b_up = 1.7976931348623157e308
    i_low = -1
    i_up = -1
    j = head[I0]
    while j != -1:
        if err[j] < b_up:
            b_up = err[j]
            i_up = j
        if err[j] > b_low:
            b_low = err[j]
            i_low = j
        j = nxt[I0, j]
    for i in (i1, i2):
        if not ind[I0, i]:
            if ind[I3, i] or ind[I4, i]:
                if err[i] > b_low:
                    b_low = err[i]
                    i_low = i
            elif err[i] < b_up:
                b_up = err[i]
                i_up = i
    return b_up, i_up, b_low, i_low


@jit
def _take_step(x: np.ndarray, y: np.ndarray, pre: np.ndarray, kp: np.ndarray, linear: bool, c: float,
               eps: float, cache: np.ndarray,
               stats: np.ndarray, alpha: np.ndarray, w: np.ndarray, err: np.ndarray, ind: np.ndarray,
               nxt: np.ndarray, prv: np.ndarray, head: np.ndarray, i1: int, i2: int, f2: float,
               b: float) -> bool:  # pragma: no cover - compiled
    """Jointly optimise alpha[i1], alpha[i2]; False when no progress is possible."""
    if i1 == i2:
        return False
    c1 = c
    c2 = c
    alph1 = alpha[i1]
    alph2 = alpha[i2]
    y1 = y[i1]
    y2 = y[i2]
    f1 = err[i1]
    s = y1 * y2
    if y1 != y2:
        lo = max(0.0, alph2 - alph1)
        hi = min(c2, c1 + alph2 - alph1)
    else:
        lo = max(0.0, alph1 + alph2 - c1)
        hi = min(c2, alph1 + alph2)
    if lo >= hi:
        return False
    k11 = cached(x, pre, kp, cache, stats, i1, i1)
    k12 = cached(x, pre, kp, cache, stats, i1, i2)
    k22 = cached(x, pre, kp, cache, stats, i2, i2)
    eta = 2 * k12 - k11 - k22
    if eta < 0:
        a2 = alph2 - y2 * (f1 - f2) / eta
        if a2 < lo:
            a2 = lo
        elif a2 > hi:
            a2 = hi
    else:
        # The objective at both ends of the segment; the outputs include -b (b is 0 here).
        o1 = 0.0
        o2 = 0.0
        if linear:
            for k in range(x.shape[1]):
                o1 += w[k] * x[i1, k]
            for k in range(x.shape[1]):
                o2 += w[k] * x[i2, k]
        else:
            j = head[SV]
            while j != -1:
                o1 += y[j] * alpha[j] * cached(x, pre, kp, cache, stats, i1, j)
                j = nxt[SV, j]
            j = head[SV]
            while j != -1:
                o2 += y[j] * alpha[j] * cached(x, pre, kp, cache, stats, i2, j)
                j = nxt[SV, j]
        v1 = (o1 - b) + b - y1 * alph1 * k11 - y2 * alph2 * k12
        v2 = (o2 - b) + b - y1 * alph1 * k12 - y2 * alph2 * k22
        g = alph1 + s * alph2
        lobj = (g - s * lo) + lo - 0.5 * k11 * (g - s * lo) * (g - s * lo) - \
            0.5 * k22 * lo * lo - s * k12 * (g - s * lo) * lo - \
            y1 * (g - s * lo) * v1 - y2 * lo * v2
        hobj = (g - s * hi) + hi - 0.5 * k11 * (g - s * hi) * (g - s * hi) - \
            0.5 * k22 * hi * hi - s * k12 * (g - s * hi) * hi - \
            y1 * (g - s * hi) * v1 - y2 * hi * v2
        if lobj > hobj + eps:
            a2 = lo
        elif lobj < hobj - eps:
            a2 = hi
        else:
            a2 = alph2
    if abs(a2 - alph2) < eps * (a2 + alph2 + eps):
        return False
    if a2 > c2 - DEL * c2:
        a2 = c2
    elif a2 <= DEL * c2:
        a2 = 0.0
    a1 = alph1 + s * (alph2 - a2)
    if a1 > c1 - DEL * c1:
        a1 = c1
    elif a1 <= DEL * c1:
        a1 = 0.0
    for i, a, yi, ci in ((i1, a1, y1, c1), (i2, a2, y2, c2)):
        _put(ind, nxt, prv, head, SV, i, a > 0)
        _put(ind, nxt, prv, head, I0, i, a > 0 and a < ci)
        _put(ind, nxt, prv, head, I1, i, yi == 1 and a == 0)
        _put(ind, nxt, prv, head, I2, i, yi == -1 and a == ci)
        _put(ind, nxt, prv, head, I3, i, yi == 1 and a == ci)
        _put(ind, nxt, prv, head, I4, i, yi == -1 and a == 0)
    if linear:
        for k in range(x.shape[1]):
            w[k] += y1 * (a1 - alph1) * x[i1, k]
        for k in range(x.shape[1]):
            w[k] += y2 * (a2 - alph2) * x[i2, k]
    j = head[I0]
    while j != -1:
        if j != i1 and j != i2:
            err[j] += y1 * (a1 - alph1) * cached(x, pre, kp, cache, stats, i1, j) + \
                y2 * (a2 - alph2) * cached(x, pre, kp, cache, stats, i2, j)
        j = nxt[I0, j]
    err[i1] += y1 * (a1 - alph1) * k11 + y2 * (a2 - alph2) * k12
    err[i2] += y1 * (a1 - alph1) * k12 + y2 * (a2 - alph2) * k22
    alpha[i1] = a1
    alpha[i2] = a2
    return True




class PairResult:
    """What training one pair leaves: alpha (n,), b, w (d,) for linear machines, the
    support-vector list order (rows of the pair data), and the kernel counters."""

    def __init__(self, alpha: np.ndarray, b: float, w: np.ndarray, order: np.ndarray,
                 evals: int, hits: int) -> None:
        self.alpha, self.b, self.w, self.order = alpha, b, w, order
        self.evals, self.hits = evals, hits


def train_pair(x: np.ndarray, y: np.ndarray, kp: np.ndarray, linear: bool, c: float,
               tol: float = 1e-3, eps: float = 1e-12) -> PairResult:
    """Train one binary SMO. x: (n, d) normalised rows in the pair's shuffled order; y: (n,)
    -1 (first class) / +1 (second class), both present; kp: `svm_kernel.kernel_params`."""
    x = np.ascontiguousarray(x, np.float64)
    n, d = x.shape
    # A fresh cache per pair, as Weka's fresh kernel copy: calloc'd zero pages cost nothing
    # until touched; the stored values are only read behind a matching key.
    cache = new_cache()
    pre = squared_norms(x) if kp[0] == RBF else np.zeros(n)
    stats = np.zeros(2, np.int64)
    alpha = np.zeros(n)
    w = np.zeros(d)
    order = np.full(n, -1, np.int64)
    sets = np.zeros((6, n), np.bool_), np.full((6, n), -1, np.int64), np.full((6, n), -1, np.int64)
    b = _train(x, np.ascontiguousarray(y, np.float64), pre, kp, bool(linear), float(c), float(tol),
               float(eps), cache, stats, alpha, w, order, np.zeros(n), *sets, np.full(6, -1, np.int64))
    return PairResult(alpha, float(b), w, order[order >= 0], int(stats[0]), int(stats[1]))


@jit
def _linear(q: np.ndarray, index: np.ndarray, weight: np.ndarray, b: float, out: np.ndarray) -> None:  # pragma: no cover
    for r in range(q.shape[0]):
        s = 0.0
        for t in range(index.shape[0]):
            s += q[r, index[t]] * weight[t]
        out[r] = s - b


def linear_output(q: np.ndarray, index: np.ndarray, weight: np.ndarray, b: float) -> np.ndarray:
    """Outputs (m,) of a linear machine for rows q (m, d): the nonzero weights (k,) at
    attributes index (k,) summed in attribute order, minus b."""
    out = np.empty(len(q))
    _linear(np.ascontiguousarray(q, np.float64), np.ascontiguousarray(index, np.int64),
            np.ascontiguousarray(weight, np.float64), float(b), out)
    return out
