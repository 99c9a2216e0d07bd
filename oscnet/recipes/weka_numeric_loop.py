"""The `weka` recipe's loop for Wekinator's usual case: one numeric output, one hidden layer.

The same arithmetic as `weka_loops._train_one_hidden_kernel`, operation for operation (so the
same model, bit for bit: tests/test_wekamlp.py), laid out for speed:

- the input→hidden weights are stored transposed, (inputs, hidden), and each input's term is
  added to every hidden unit's sum in one pass over the hidden units. Each unit still sums its
  terms in Weka's order (threshold, input 1, input 2, ...); only the units are side by side,
  so the compiler runs them in SIMD lanes, and the weight updates likewise;
- the single output unit lives in scalars, not arrays, which shortens the chain of dependent
  operations from one example to the next (the loop is bound by that chain's latency on small
  networks such as 3 inputs, 3 hidden units).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from oscnet.recipes.javamath import java_exp

numba: Any
try:
    import numba
except ImportError:  # pragma: no cover - numba is a dependency
    numba = None


def _train_numeric_kernel(WT, b1, v, b2, x, target, order, class_base, class_range,
                          learning_rate, momentum, epochs, meter):  # pragma: no cover - compiled
    """Weka's online SGD for one linear output unit. WT: (I, H) input→hidden weights, transposed;
    b1: (H,) thresholds; v: (H,) hidden→output weights; b2: (1,) the output's threshold; all change in
    place. meter (3,): after each finite epoch, meter[2] = its mean squared error, then meter[0] = its
    number. Returns 1 when an epoch's error is NaN or infinite (Weka restarts), else 0."""
    I, H = WT.shape
    s = np.zeros(H)  # each hidden unit's weighted sum
    y = np.zeros(H)  # and its output
    g = np.zeros(H)  # learning rate · its error
    dWT = np.zeros_like(WT)  # previous changes, for momentum
    db1 = np.zeros(H)
    dv = np.zeros(H)
    bo, dbo = b2[0], 0.0
    n = len(order)
    for epoch in range(epochs):
        epoch_sum = 0.0
        for q in range(n):
            r = order[q]
            for h in range(H):
                s[h] = b1[h]
            for i in range(I):
                xi = x[r, i]
                for h in range(H):
                    s[h] = s[h] + xi * WT[i, h]
            for h in range(H):
                sh = s[h]
                if sh < -45.0:
                    y[h] = 0.0
                elif sh > 45.0:
                    y[h] = 1.0
                else:
                    y[h] = 1.0 / (1.0 + java_exp(-sh))
            so = bo
            for h in range(H):
                so = so + y[h] * v[h]
            e = 0.0 if class_range == 0.0 else (target[r] - (so * class_range + class_base)) / class_range
            epoch_sum += e * e
            go = learning_rate * e
            for h in range(H):  # hidden errors from the output weight before this step
                yh = y[h]
                g[h] = learning_rate * ((0.0 + e * v[h]) * (yh * (1.0 - yh)))
                dv[h] = (go * yh) + momentum * dv[h]
                v[h] = v[h] + dv[h]
                db1[h] = g[h] + momentum * db1[h]
                b1[h] = b1[h] + db1[h]
            dbo = go + momentum * dbo
            bo = bo + dbo
            for i in range(I):
                xi = x[r, i]
                for h in range(H):
                    dWT[i, h] = (g[h] * xi) + momentum * dWT[i, h]
                    WT[i, h] = WT[i, h] + dWT[i, h]
        mean = epoch_sum / n
        if math.isnan(mean) or math.isinf(mean):
            return 1
        meter[2] = mean
        meter[0] = epoch + 1
    b2[0] = bo
    return 0


if numba is not None:
    # error_model="numpy": no zero-division checks in the loop (they cost a branch per division)
    _train_numeric_kernel = numba.njit(cache=True, nogil=True, error_model="numpy")(_train_numeric_kernel)


def train_numeric(W: np.ndarray, b1: np.ndarray, V: np.ndarray, b2: np.ndarray, x: np.ndarray, target: np.ndarray,
                  order: np.ndarray, class_base: float, class_range: float, learning_rate: float, momentum: float,
                  epochs: int, meter: np.ndarray | None = None) -> bool:
    """Train W (H, I), b1 (H,), V (1, H), b2 (1,) in place on x (n, I) and target (n, 1);
    False when the error diverged (the weights are then half-trained, as Weka's)."""
    WT = np.ascontiguousarray(W.T)
    v = np.ascontiguousarray(V[0])
    status = _train_numeric_kernel(WT, b1, v, b2, np.ascontiguousarray(x), np.ascontiguousarray(target[:, 0]),
                                   order, float(class_base), float(class_range), float(learning_rate),
                                   float(momentum), int(epochs), np.zeros(3) if meter is None else meter)
    W[...] = WT.T
    V[0] = v
    return not status
