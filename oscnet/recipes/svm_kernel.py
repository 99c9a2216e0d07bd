"""The kernels of Weka 3.6's SMO, their cache, and Java's ``Math.exp``, bit for bit.

* PolyKernel: ``K(x, y) = (<x, y> [+ 1]) ^ E``; the power is taken only when E != 1.0.
  RBFKernel: ``K(x, y) = exp(gamma * (2 <x, y> - <x, x> - <y, y>))`` with the squared norms of
  the training rows computed once, and exactly 1.0 for a training row with itself. Dot
  products are summed attribute by attribute from 0.0 (Weka's dotProd).
* The cache (CachedKernel, ``-C 250007``): a training pair (i, j) is filed under the key
  ``larger + smaller * n``, in bucket ``key % 250007`` of 4 slots. A hit is swapped into the
  bucket's front slot; a miss is evaluated, counted as a kernel evaluation, and pushed in
  front (the other slots move down one, the last falls out). The cache changes results, not
  only speed: RBF's (i, j) is not bit-for-bit (j, i) (the two norms are subtracted in the
  other order), so later hits return whichever order missed first. It also decides "Number
  of kernel evaluations" in the model text. So it is run exactly, with its 250007 x 4 slots.
* ``Math.exp`` in Java 17 on x86-64 is HotSpot's intrinsic, which differs from the C library's
  exp in about 1 of 400 arguments by one unit in the last place, and such a difference can
  send SMO down another path: the RBF kernel uses `javamath.java_exp`, Java's bit for bit.
* ``Math.pow``: Java returns x * x for E = 2 (so does `_power`). For other exponents it is
  another Intel routine, not reproduced: its result is within 0.501 units in the last place,
  so it is the correctly rounded power except near a rounding midpoint (about 1 value in
  2000 for x^3, where it rounds the other way). `_power` returns the correctly rounded power
  for whole exponents 3..64 (the C library's pow is further off: 1 in 1000) and the C
  library's pow otherwise. Such a last-bit difference can lead SMO to a slightly different
  model (see the tests).
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from oscnet.recipes.javamath import java_exp

# Every compiled function: cached on disk, GIL released (pairs train in threads), and no
# reference counting (_nrt=False): numba would otherwise do an atomic increment and decrement
# per array argument of every call in the loops, 70% of the time. Nothing compiled allocates.
JIT_OPTIONS: dict[str, Any] = {"cache": True, "nogil": True, "error_model": "numpy", "_nrt": False}
jit = numba.njit(**JIT_OPTIONS)

POLY = 0
RBF = 1
CACHE_SIZE = 250007
CACHE_SLOTS = 4


@jit
def _dot(a: np.ndarray, i: int, b: np.ndarray, j: int) -> float:  # pragma: no cover - compiled
    """<a_i, b_j> summed attribute by attribute from 0.0, as Weka's dotProd."""
    s = 0.0
    for k in range(a.shape[1]):
        s += a[i, k] * b[j, k]
    return s


@jit
def _two_product(a: float, b: float) -> tuple[float, float]:  # pragma: no cover - compiled
    """a * b = p + e exactly (Dekker's splitting, for |a|, |b| well inside the double range)."""
    p = a * b
    t = 134217729.0 * a
    ah = t - (t - a)
    al = a - ah
    t = 134217729.0 * b
    bh = t - (t - b)
    bl = b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


@jit
def _int_power(r: float, k: int) -> float:  # pragma: no cover - compiled
    """r^k for an integer k >= 2, correctly rounded: the running product is kept as an exact
    product plus a small correction (double-double), then rounded once."""
    hi = r
    lo = 0.0
    for _ in range(k - 1):
        p, e = _two_product(hi, r)
        e += lo * r
        hi = p + e
        lo = e - (hi - p)
    return hi


@jit
def _power(r: float, kp: np.ndarray) -> float:  # pragma: no cover - compiled
    """PolyKernel's last step on a dot product r; kp = (kind, exponent, lower-order, gamma)."""
    if kp[2] != 0.0:
        r += 1.0
    if kp[1] == 2.0:
        return r * r
    if 3.0 <= kp[1] <= 64.0 and kp[1] == math.floor(kp[1]) and (r == 0.0 or 1e-4 < abs(r) < 1e4):
        return _int_power(r, int(kp[1]))
    if kp[1] != 1.0:
        return math.pow(r, kp[1])
    return r


@jit
def evaluate(x: np.ndarray, pre: np.ndarray, kp: np.ndarray, i: int, j: int) -> float:  # pragma: no cover
    """K(x_i, x_j) computed afresh (Weka's evaluate(i, j, x_i)); not symmetric for RBF."""
    if kp[0] == POLY:
        return _power(_dot(x, i, x, j), kp)
    if i == j:
        return 1.0
    return java_exp(kp[3] * (2.0 * _dot(x, i, x, j) - pre[i] - pre[j]))


@jit
def cached(x: np.ndarray, pre: np.ndarray, kp: np.ndarray, cache: np.ndarray, stats: np.ndarray,
           i: int, j: int) -> float:  # pragma: no cover - compiled
    """K(x_i, x_j) through the cache; stats[0] counts evaluations, stats[1] cache hits.

    cache: (CACHE_SIZE, 2 * CACHE_SLOTS) of (key + 1, value) per slot, 0 = empty; one bucket
    is one 64-byte line (keys stay below 2^53, so a double holds them exactly).
    """
    n = x.shape[0]
    key = np.int64(i) + np.int64(j) * n if i > j else np.int64(j) + np.int64(i) * n
    tag = np.float64(key + 1)
    b = key % CACHE_SIZE
    for s in range(0, 2 * CACHE_SLOTS, 2):
        k = cache[b, s]
        if k == 0.0:  # an empty slot: the rest of the bucket is empty too
            break
        if k == tag:
            stats[1] += 1
            value = cache[b, s + 1]
            if s > 0:  # swap the hit with the front slot
                cache[b, s] = cache[b, 0]
                cache[b, s + 1] = cache[b, 1]
                cache[b, 0] = k
                cache[b, 1] = value
            return value
    value = evaluate(x, pre, kp, i, j)
    stats[0] += 1
    for s in range(2 * CACHE_SLOTS - 1, 1, -1):  # every slot moves down one; the last drops out
        cache[b, s] = cache[b, s - 2]
    cache[b, 0] = tag
    cache[b, 1] = value
    return value


def new_cache() -> np.ndarray:
    """An empty cache, its buckets aligned on 64-byte lines (zero pages cost nothing until used)."""
    width = 2 * CACHE_SLOTS
    raw = np.zeros((CACHE_SIZE + 1) * width)
    start = (-raw.ctypes.data % 64) // 8
    return raw[start:start + CACHE_SIZE * width].reshape(CACHE_SIZE, width)


@jit
def _outputs(q: np.ndarray, sv: np.ndarray, coef: np.ndarray, pre: np.ndarray, kp: np.ndarray,
             b: float, out: np.ndarray) -> None:  # pragma: no cover - compiled
    """Weka's SVMOutput(-1, q_r) for each query row: sum_i coef_i K(q_r, sv_i) - b, in sv order."""
    for r in range(q.shape[0]):
        qq = _dot(q, r, q, r) if kp[0] == RBF else 0.0
        s = 0.0
        for i in range(sv.shape[0]):
            if kp[0] == POLY:
                k = _power(_dot(q, r, sv, i), kp)
            else:
                k = java_exp(kp[3] * (2.0 * _dot(q, r, sv, i) - qq - pre[i]))
            s += coef[i] * k
        out[r] = s - b


@jit
def _norms(x: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover - compiled
    for i in range(x.shape[0]):
        out[i] = _dot(x, i, x, i)


def kernel_params(kind: int, expo: float, lower: bool, gamma: float) -> np.ndarray:
    """The kernel as the float array (kind, exponent, lower-order 0/1, gamma) the loops take."""
    return np.array([kind, expo, 1.0 if lower else 0.0, gamma], dtype=np.float64)


def squared_norms(x: np.ndarray) -> np.ndarray:
    """(n,) <x_i, x_i> of rows x (n, d), summed as Weka does."""
    x = np.ascontiguousarray(x, np.float64)
    out = np.empty(len(x))
    _norms(x, out)
    return out


def kernel_output(q: np.ndarray, sv: np.ndarray, coef: np.ndarray, pre: np.ndarray, kp: np.ndarray,
                  b: float) -> np.ndarray:
    """Outputs (m,) of a kernel machine for normalised query rows q (m, d); sv (k, d), coef (k,)
    = y_i alpha_i and pre (k,) = `squared_norms(sv)` in the support-vector list order."""
    q = np.ascontiguousarray(q, np.float64)
    out = np.empty(len(q))
    _outputs(q, sv, np.ascontiguousarray(coef, np.float64), pre, kp, float(b), out)
    return out
