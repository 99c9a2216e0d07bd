"""The arithmetic of Weka 3.6's LinearRegression, operation for operation (helpers for `linear`).

Weka's results depend on the order of its floating-point operations (the data are often
ill-conditioned: polynomial features up to x^10), so these helpers reproduce that order rather
than calling BLAS/LAPACK, whose blocked, fused or pairwise sums round differently:

* every sum over training rows is a plain left-to-right running sum (`Instances.meanOrMode`,
  `Instances.variance`, `ReplaceMissingValues`, and the normal equations of
  `weka.core.matrix.LinearRegression`, which builds A'A entry by entry as a running sum over rows
  and A'y the same way);
* the square system is solved by `weka.core.matrix.Matrix.solve`, i.e. JAMA's LU decomposition
  (Crout/Doolittle, "left-looking": column j is updated with dot products of length min(i, j),
  partial pivoting on the largest |value| with the first one winning ties, multipliers divided
  by the pivot), then forward and back substitution. It refuses a matrix with an exact 0.0 on
  U's diagonal ("Matrix is singular"), which is what makes Weka multiply its ridge by 10 and retry;
* Java evaluates `a * b + c` as two roundings (no fused multiply-add) and so do these loops
  (numba without fastmath never contracts them);
* Wekinator's polynomial transform uses `Math.pow(x, j)`. HotSpot's pow on x86-64 is not
  correctly rounded (it is 1 ulp off for roughly 1 value in 1000 when j >= 3; for j = 2 it
  returns x*x), and its result differs between JVMs and CPUs. `java_pow` returns the correctly
  rounded x**j, which equals HotSpot's answer in about 999 cases in 1000 and is the same on
  every machine; the 1-ulp differences stay far below the 1e-9 we promise (see the tests).

Weka's number format for the model text, `Utils.doubleToString(value, width, afterDecimalPoint)`,
is here too (`weka_number`).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numba
import numpy as np

from oscnet.recipes.wekaformat import double_to_string_width

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")

_SPLIT = 134217729.0  # 2**27 + 1: Veltkamp's constant, splits a double into two 26-bit halves


# ------------------------------------------------------------------------------------------
# Math.pow(x, j) for whole j >= 1
# ------------------------------------------------------------------------------------------

def java_pow(x: np.ndarray, j: int) -> np.ndarray:
    """Math.pow(x, j) as oscnet computes it: x**j correctly rounded, elementwise, for whole j >= 1
    (pow(x, 1) = x and pow(x, 2) = x*x exactly, as in Java). NaN stays NaN."""
    x = np.asarray(x, dtype=np.float64)
    return polynomial_features(x.reshape(-1, 1), j)[:, j - 1].reshape(x.shape)


def polynomial_features(x: np.ndarray, exponent: int) -> np.ndarray:
    """Wekinator's LinearRegressionAttributeTransformer: (n, d) -> (n, d*E).

    Input-major, no cross terms: columns x1^1..x1^E, x2^1..x2^E, ... (NaN stays NaN). Powers
    above 2 are carried in double-double arithmetic (about 104 bits) and rounded once; the rare
    values that land too close to a rounding boundary (or overflow, underflow, are infinite) are
    redone exactly with fractions."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    if exponent == 1:
        return x.copy()
    out, unsure = _power_features(x, exponent)
    for r, c in zip(*np.nonzero(unsure)):
        out[r, c] = _exact_pow(float(x[r, c // exponent]), int(c % exponent) + 1)
    return out


@_jit
def _two_prod(a, b):  # pragma: no cover - compiled
    """(p, e) with p = fl(a*b) and p + e == a*b exactly (Dekker; no fused multiply-add)."""
    p = a * b
    c = _SPLIT * a
    ah = c - (c - a)
    al = a - ah
    c = _SPLIT * b
    bh = c - (c - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


@_jit
def _power_features(x, e):  # pragma: no cover - compiled
    """(out (n, d*e), unsure (n, d*e)): powers of x as described in polynomial_features; unsure
    marks the entries to recompute exactly."""
    n, d = x.shape
    out = np.empty((n, d * e))
    unsure = np.zeros((n, d * e), dtype=np.bool_)
    for r in range(n):
        for b in range(d):
            v = x[r, b]
            base = b * e
            out[r, base] = v
            out[r, base + 1] = v * v
            if np.isnan(v) or v == 0.0:
                for j in range(3, e + 1):  # NaN stays NaN; pow(-0.0, odd) is -0.0
                    out[r, base + j - 1] = v if j % 2 == 1 else v * v
                continue
            hi, lo = _two_prod(v, v)
            for j in range(3, e + 1):
                p, err = _two_prod(hi, v)
                err = err + lo * v
                hi = p + err
                lo = err - (hi - p)
                res = hi + lo
                t = lo - (res - hi)  # hi + lo == res + t exactly
                out[r, base + j - 1] = res
                a = abs(res)
                if not (a < 1e300) or a < 1e-280 or abs(v) > 1e290:
                    unsure[r, base + j - 1] = True
                    continue
                m, ex = math.frexp(a)
                half_ulp = math.ldexp(1.0, ex - 54)
                if m == 0.5 or half_ulp - abs(t) <= a * 2.0 ** -90:
                    unsure[r, base + j - 1] = True
    return out, unsure


def _exact_pow(x: float, j: int) -> float:
    """x**j rounded once, from the exact rational power (slow; for the few doubtful values)."""
    j = int(j)  # Fraction ** numpy integer would fall back to float arithmetic
    if not math.isfinite(x):
        return float(np.power(x, float(j)))
    try:
        return float(Fraction(x) ** j)
    except OverflowError:
        return -math.inf if x < 0 and j % 2 else math.inf


# ------------------------------------------------------------------------------------------
# Running sums, normal equations, JAMA's LU solve
# ------------------------------------------------------------------------------------------

@_jit
def column_sums(x):  # pragma: no cover - compiled
    """Per column of x (n, p): (running sum of the non-NaN values, their count, running sum of
    their squares), each a (p,) array, summed over rows in order like Weka's loops."""
    n, p = x.shape
    s = np.zeros(p)
    count = np.zeros(p)
    sq = np.zeros(p)
    for i in range(n):
        for c in range(p):
            v = x[i, c]
            if not np.isnan(v):
                s[c] += v
                count[c] += 1.0
                sq[c] += v * v
    return s, count, sq


@_jit
def gram(z):  # pragma: no cover - compiled
    """z'z for z (n, k): entry (a, b) is the running sum over rows of z[r, a] * z[r, b].

    Rows outermost, so z is read once; each entry still gets its terms in row order."""
    n, k = z.shape
    out = np.zeros((k, k))
    for r in range(n):
        for a in range(k):
            za = z[r, a]
            for b in range(a, k):
                out[a, b] += za * z[r, b]
    for a in range(k):
        for b in range(a + 1, k):
            out[b, a] = out[a, b]
    return out


@_jit
def cross(z, y):  # pragma: no cover - compiled
    """z'y for z (n, k), y (n,): running sums over rows."""
    n, k = z.shape
    out = np.zeros(k)
    for r in range(n):
        for a in range(k):
            out[a] += z[r, a] * y[r]
    return out


@_jit
def lu_solve(a, b):  # pragma: no cover - compiled
    """Solve a (k, k) x = b (k,) as JAMA's LUDecomposition does; returns (x, ok).

    ok is False (and x meaningless) when U has an exact 0.0 on its diagonal."""
    k = a.shape[0]
    lu = a.copy()
    piv = np.arange(k)
    col = np.empty(k)
    for j in range(k):
        for i in range(k):
            col[i] = lu[i, j]
        for i in range(k):
            kmax = min(i, j)
            s = 0.0
            for q in range(kmax):
                s += lu[i, q] * col[q]
            col[i] -= s
            lu[i, j] = col[i]
        p = j
        for i in range(j + 1, k):
            if abs(col[i]) > abs(col[p]):
                p = i
        if p != j:
            for c in range(k):
                t = lu[p, c]
                lu[p, c] = lu[j, c]
                lu[j, c] = t
            t2 = piv[p]
            piv[p] = piv[j]
            piv[j] = t2
        if lu[j, j] != 0.0:
            for i in range(j + 1, k):
                lu[i, j] /= lu[j, j]
    x = np.empty(k)
    for j in range(k):
        if lu[j, j] == 0.0:
            return x, False
    for i in range(k):
        x[i] = b[piv[i]]
    for q in range(k):
        for i in range(q + 1, k):
            x[i] -= x[q] * lu[i, q]
    for q in range(k - 1, -1, -1):
        x[q] /= lu[q, q]
        for i in range(q):
            x[i] -= x[q] * lu[i, q]
    return x, True


@_jit
def predict_filled(z, fill, cols, coefs, intercept):  # pragma: no cover - compiled
    """Weka's regressionPrediction for each row of z (n, p): a NaN becomes fill[col] (the training
    mean, as ReplaceMissingValues), then 0 + coefs[0]*z[r, cols[0]] + ... + intercept."""
    out = np.empty(z.shape[0])
    for r in range(z.shape[0]):
        acc = 0.0
        for c in range(cols.shape[0]):
            v = z[r, cols[c]]
            if np.isnan(v):
                v = fill[cols[c]]
            acc += coefs[c] * v
        out[r] = acc + intercept
    return out


@_jit
def squared_error(x, cols, coefs, intercept, y):  # pragma: no cover - compiled
    """Weka's calculateSE: running sum over rows of (prediction - y)^2, where the prediction of
    row r is 0 + coefs[0]*x[r, cols[0]] + coefs[1]*x[r, cols[1]] + ... + intercept."""
    total = 0.0
    for r in range(x.shape[0]):
        pred = 0.0
        for c in range(cols.shape[0]):
            pred += coefs[c] * x[r, cols[c]]
        err = pred + intercept - y[r]
        total += err * err
    return total


def ridge_solve(g: np.ndarray, b: np.ndarray, ridge: float) -> np.ndarray:
    """weka.core.matrix.LinearRegression: solve (g + ridge*I) w = b, multiplying the ridge by 10
    each time LU finds the matrix singular. g (k, k) is never changed."""
    while True:
        ss = g.copy()
        ss[np.diag_indices_from(ss)] += ridge
        w, ok = lu_solve(ss, b)
        if ok:
            return w
        ridge *= 10.0
        if not np.isfinite(ridge):  # cannot happen for finite g; never loop forever
            return np.full(len(b), np.nan)


# ------------------------------------------------------------------------------------------
# Weka's number format
# ------------------------------------------------------------------------------------------

def weka_number(value: float, width: int = 12, after: int = 4) -> str:
    """Utils.doubleToString(value, width, afterDecimalPoint) of Weka 3.6 (LinearRegression's 12, 4)."""
    return double_to_string_width(value, width, after)
