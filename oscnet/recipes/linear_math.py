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

from fractions import Fraction

import numba
import numpy as np

from oscnet.wekatext import java_double

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")

_SPLIT = 134217729.0  # 2**27 + 1: Veltkamp's constant, splits a double into two 26-bit halves


# ------------------------------------------------------------------------------------------
# Math.pow(x, j) for whole j >= 1
# ------------------------------------------------------------------------------------------

def java_pow(x: np.ndarray, j: int) -> np.ndarray:
    """x**j correctly rounded, elementwise; x any shape, NaN stays NaN, j a whole number >= 1.

    Java: pow(x, 1) is x and pow(x, 2) is x*x exactly. For larger j the power is carried in
    double-double arithmetic (about 104 bits), then rounded once; the rare values that lie
    too close to a rounding boundary (or overflow, underflow, are infinite) are redone exactly
    with fractions.
    """
    x = np.asarray(x, dtype=np.float64)
    if j == 1:
        return x.copy()
    if j == 2:
        return x * x
    with np.errstate(all="ignore"):
        hi, lo = x.copy(), np.zeros_like(x)
        for _ in range(j - 1):
            p, e = _two_prod(hi, x)
            e = e + lo * x
            hi = p + e
            lo = e - (hi - p)
        r = hi + lo
        t = lo - (r - hi)  # hi + lo == r + t exactly
        margin = 0.5 * np.spacing(np.abs(r)) - np.abs(t)  # distance to the nearest tie
        mantissa = np.frexp(np.abs(r))[0]
        unsure = ~np.isfinite(r) | (np.abs(r) < 1e-280) | (np.abs(x) > 1e290) \
            | (margin <= np.abs(r) * 2.0 ** -90) | (mantissa == 0.5)
    unsure &= ~np.isnan(x)
    for idx in zip(*np.nonzero(unsure)):
        r[idx] = _exact_pow(float(x[idx]), j)
    return r


def _two_prod(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(p, e) with p = fl(a*b) and p + e == a*b exactly (Dekker), without a fused multiply-add."""
    p = a * b
    c = _SPLIT * a
    ah = c - (c - a)
    al = a - ah
    c = _SPLIT * b
    bh = c - (c - b)
    bl = b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


def _exact_pow(x: float, j: int) -> float:
    """x**j rounded once, from the exact rational power (slow; for the few doubtful values)."""
    if not np.isfinite(x):
        return float(np.power(x, float(j)))
    try:
        return float(Fraction(x) ** j)
    except OverflowError:
        return float("-inf") if x < 0 and j % 2 else float("inf")


def polynomial_features(x: np.ndarray, exponent: int) -> np.ndarray:
    """Wekinator's LinearRegressionAttributeTransformer: (n, d) -> (n, d*E).

    Input-major, no cross terms: columns x1^1..x1^E, x2^1..x2^E, ... (NaN stays NaN)."""
    n, d = x.shape
    out = np.empty((n, d * exponent))
    for j in range(1, exponent + 1):
        out[:, j - 1::exponent] = java_pow(x, j)
    return out


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
    """z'z for z (n, k): entry (a, b) is the running sum over rows of z[r, a] * z[r, b]."""
    n, k = z.shape
    out = np.zeros((k, k))
    for a in range(k):
        for r in range(n):
            za = z[r, a]
            for b in range(a, k):
                out[a, b] += za * z[r, b]
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
    """Utils.doubleToString(value, width, afterDecimalPoint) of Weka 3.6.

    The value is rounded to `after` decimals, trailing zeros dropped, then placed so that its
    decimal point sits at column width-after-1 in a field of `width` characters (left part
    right-aligned, fraction left-aligned, blanks elsewhere). If it does not fit, or Weka fell back
    to Java's exponent notation, the plain string is returned unpadded."""
    text = _weka_plain(value, after)
    if after >= width or "E" in text:
        return text
    field = [" "] * width
    if after > 0:
        dot = text.find(".")
        if dot == -1:
            dot = len(text)
        else:
            field[width - after - 1] = "."
    else:
        dot = len(text)
    offset = width - after - dot
    if after > 0:
        offset -= 1
    if offset < 0:
        return text
    for i in range(dot):
        field[offset + i] = text[i]
    for i in range(dot + 1, len(text)):
        field[offset + i] = text[i]
    return "".join(field)


def _weka_plain(value: float, after: int) -> str:
    """Utils.doubleToString(value, afterDecimalPoint): round half up on |value|, at most `after`
    decimals, no trailing zeros; Java's Double.toString once |value * 10^after| >= 2^63."""
    scaled = value * 10.0 ** after
    if not abs(scaled) < 9.223372036854776e18:  # also NaN and infinities
        return java_double(value)
    precise = int(scaled + 0.5) if scaled > 0 else -int(abs(scaled) + 0.5)
    chars = list(str(precise))
    if after == 0:
        return "".join(chars)
    dot = len(chars) - after
    while (precise < 0 and dot < 1) or dot < 0:
        chars.insert(1 if precise < 0 else 0, "0")
        dot += 1
    chars.insert(dot, ".")
    if precise < 0 and chars[1] == ".":
        chars.insert(1, "0")
    elif chars[0] == ".":
        chars.insert(0, "0")
    i = len(chars) - 1
    while i > dot and chars[i] == "0":
        chars[i] = " "
        i -= 1
    if chars[i] == ".":
        chars[i] = " "
    return "".join(chars).strip()
