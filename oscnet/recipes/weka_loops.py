"""The training loop of the `weka` recipe: Weka 3.6's online SGD, in two implementations.

`_train_reference` is plain numpy that reads like docs/specs/weka-mlp.md §3.4–3.5;
`_train_fast` runs the same scalar loop compiled by numba, in Weka's summation order (the two agree to 1e-12, see tests/test_wekamlp.py).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from oscnet.nn.network import Network
from oscnet.recipes.javamath import java_exp
from oscnet.recipes.weka_numeric_loop import train_numeric


def weka_sigmoid(s: float) -> float:
    """Weka's sigmoid, flat beyond ±45."""
    if s < -45:
        return 0.0
    if s > 45:
        return 1.0
    return 1.0 / (1.0 + java_exp(-s))


def _train_reference(
    net: Network, x: np.ndarray, target: np.ndarray, order: np.ndarray,
    class_base: float, class_range: float, learning_rate: float, momentum: float, epochs: int,
    meter: np.ndarray | None = None,
) -> bool:
    """§3.4 and §3.5 in plain numpy; returns False when an epoch's error is NaN or infinite.

    x: (n, n_inputs) normalised, missing = 0. target: (n,) raw class value (numeric), or
    (n, C) one-hot (nominal). Weights change in place. `meter` (base.EPOCH, base.ERROR): each
    finite epoch's number and mean squared error, Weka's "error per epoch".
    """
    W, b = net.weights, net.thresholds
    dW = [np.zeros_like(w) for w in W]  # previous changes, for momentum
    db = [np.zeros_like(t) for t in b]
    numeric = net.output_activation == "linear"
    sig = np.vectorize(weka_sigmoid, otypes=[np.float64])
    C = W[-1].shape[0]
    for epoch in range(epochs):
        epoch_sum = 0.0
        for r in order:
            # forward: X = W·I + θ, O = sigmoid(X) (the output unit is linear for a numeric class)
            ys = [x[r]]
            for l in range(len(W)):
                s = b[l] + W[l] @ ys[-1]
                ys.append(s if (numeric and l == len(W) - 1) else sig(s))
            out = ys[-1]
            if numeric:
                p = out * class_range + class_base  # prediction in class units
                e = np.zeros(1) if class_range == 0 else (target[r] - p) / class_range
                d = e  # a linear unit passes its error on unchanged
            else:
                e = target[r] - out
                d = e * (out * (1 - out))
            epoch_sum += float(np.sum(e * e)) / C
            deltas = [d]
            for l in range(len(W) - 1, 0, -1):  # hidden errors use the weights before this step
                y = ys[l]
                deltas.insert(0, (W[l].T @ deltas[0]) * (y * (1 - y)))
            for l in range(len(W)):
                g = learning_rate * deltas[l]
                db[l] = g + momentum * db[l]
                b[l] += db[l]
                dW[l] = np.outer(g, ys[l]) + momentum * dW[l]
                W[l] += dW[l]
        if not math.isfinite(epoch_sum / len(order)):
            return False
        if meter is not None:
            meter[2], meter[0] = epoch_sum / len(order), epoch + 1
    return True


numba: Any
try:
    import numba
except ImportError:  # pragma: no cover - numba is a dependency; keep working without it
    numba = None


def _train_fast_kernel(sizes, w, b, w_off, b_off, x, target, order, class_base, class_range,
                       learning_rate, momentum, epochs, linear_output, meter):  # pragma: no cover - compiled
    """The loop of `_train_reference` as scalar code in Weka's summation order (numba-compiled).

    w, b: every layer's weights (row-major (n_out, n_in)) and thresholds, flattened; w_off,
    b_off: where each layer starts. meter: as the reference's, written after every finite epoch
    (the error first: a reader in another thread sees an epoch with its own error or a later one).
    Returns 1 when an epoch's error is NaN/inf, else 0.
    """
    n_layers = len(sizes) - 1
    n_units = 0
    for l in range(n_layers + 1):
        n_units += sizes[l]
    y = np.zeros(n_units)  # every unit's output, inputs first
    y_off = np.zeros(n_layers + 1, np.int64)
    for l in range(1, n_layers + 1):
        y_off[l] = y_off[l - 1] + sizes[l - 1]
    d = np.zeros(n_units)  # every unit's error (inputs unused)
    dw = np.zeros_like(w)
    db = np.zeros_like(b)
    n_in0 = sizes[0]
    C = sizes[n_layers]
    for epoch in range(epochs):
        epoch_sum = 0.0
        for r in order:
            for i in range(n_in0):
                y[i] = x[r, i]
            for l in range(n_layers):
                n_in, n_out = sizes[l], sizes[l + 1]
                for h in range(n_out):
                    s = b[b_off[l] + h]
                    base = w_off[l] + h * n_in
                    for i in range(n_in):
                        s = s + y[y_off[l] + i] * w[base + i]
                    if linear_output and l == n_layers - 1:
                        v = s
                    elif s < -45.0:
                        v = 0.0
                    elif s > 45.0:
                        v = 1.0
                    else:
                        v = 1.0 / (1.0 + java_exp(-s))
                    y[y_off[l + 1] + h] = v
            top = y_off[n_layers]
            err_sum = 0.0
            for k in range(C):
                o = y[top + k]
                if linear_output:
                    if class_range == 0.0:
                        e = 0.0
                    else:
                        e = (target[r, 0] - (o * class_range + class_base)) / class_range
                    d[top + k] = e
                else:
                    e = target[r, k] - o
                    d[top + k] = (0.0 + e) * (o * (1.0 - o))
                err_sum += e * e
            epoch_sum += err_sum / C
            for l in range(n_layers - 1, 0, -1):  # hidden errors from the layer above
                n_here, n_above = sizes[l], sizes[l + 1]
                for h in range(n_here):
                    acc = 0.0
                    for k in range(n_above):
                        acc = acc + d[y_off[l + 1] + k] * w[w_off[l] + k * n_here + h]
                    v = y[y_off[l] + h]
                    d[y_off[l] + h] = acc * (v * (1.0 - v))
            for l in range(n_layers):
                n_in, n_out = sizes[l], sizes[l + 1]
                for h in range(n_out):
                    g = learning_rate * d[y_off[l + 1] + h]
                    j = b_off[l] + h
                    db[j] = g + momentum * db[j]
                    b[j] = b[j] + db[j]
                    base = w_off[l] + h * n_in
                    for i in range(n_in):
                        dw[base + i] = (g * y[y_off[l] + i]) + momentum * dw[base + i]
                        w[base + i] = w[base + i] + dw[base + i]
        mean = epoch_sum / len(order)
        if math.isnan(mean) or math.isinf(mean):
            return 1
        meter[2] = mean
        meter[0] = epoch + 1
    return 0


def _train_one_hidden_kernel(W, b1, V, b2, x, target, order, class_base, class_range,
                             learning_rate, momentum, epochs, linear_output, meter):  # pragma: no cover - compiled
    """`_train_fast_kernel` for Wekinator's shape, one hidden layer, with 2-D arrays (twice as fast).

    W: (H, I) input→hidden, b1: (H,), V: (C, H) hidden→output, b2: (C,); all change in place.
    """
    H, I = W.shape
    C = V.shape[0]
    y = np.zeros(H)
    d = np.zeros(H)
    dout = np.zeros(C)
    dW = np.zeros_like(W)
    db1 = np.zeros(H)
    dV = np.zeros_like(V)
    db2 = np.zeros(C)
    for epoch in range(epochs):
        epoch_sum = 0.0
        for r in order:
            xr = x[r]
            for h in range(H):
                s = b1[h]
                Wh = W[h]
                for i in range(I):
                    s = s + xr[i] * Wh[i]
                if s < -45.0:
                    y[h] = 0.0
                elif s > 45.0:
                    y[h] = 1.0
                else:
                    y[h] = 1.0 / (1.0 + java_exp(-s))
            err_sum = 0.0
            for k in range(C):
                s = b2[k]
                Vk = V[k]
                for h in range(H):
                    s = s + y[h] * Vk[h]
                if linear_output:
                    e = 0.0 if class_range == 0.0 else (target[r, 0] - (s * class_range + class_base)) / class_range
                    dout[k] = e
                else:
                    if s < -45.0:
                        v = 0.0
                    elif s > 45.0:
                        v = 1.0
                    else:
                        v = 1.0 / (1.0 + java_exp(-s))
                    e = target[r, k] - v
                    dout[k] = (0.0 + e) * (v * (1.0 - v))
                err_sum += e * e
            epoch_sum += err_sum / C
            for h in range(H):
                acc = 0.0
                for k in range(C):
                    acc = acc + dout[k] * V[k, h]
                d[h] = acc * (y[h] * (1.0 - y[h]))
            for k in range(C):
                g = learning_rate * dout[k]
                db2[k] = g + momentum * db2[k]
                b2[k] = b2[k] + db2[k]
                Vk = V[k]
                dVk = dV[k]
                for h in range(H):
                    dVk[h] = (g * y[h]) + momentum * dVk[h]
                    Vk[h] = Vk[h] + dVk[h]
            for h in range(H):
                g = learning_rate * d[h]
                db1[h] = g + momentum * db1[h]
                b1[h] = b1[h] + db1[h]
                Wh = W[h]
                dWh = dW[h]
                for i in range(I):
                    dWh[i] = (g * xr[i]) + momentum * dWh[i]
                    Wh[i] = Wh[i] + dWh[i]
        mean = epoch_sum / len(order)
        if math.isnan(mean) or math.isinf(mean):
            return 1
        meter[2] = mean
        meter[0] = epoch + 1
    return 0


if numba is not None:
    # error_model="numpy": no zero-division checks in the loop (they cost a branch per division)
    _jit = numba.njit(cache=True, nogil=True, error_model="numpy")
    _train_fast_kernel = _jit(_train_fast_kernel)
    _train_one_hidden_kernel = _jit(_train_one_hidden_kernel)


def _train_fast(
    net: Network, x: np.ndarray, target: np.ndarray, order: np.ndarray,
    class_base: float, class_range: float, learning_rate: float, momentum: float, epochs: int,
    meter: np.ndarray | None = None,
) -> bool:
    """The compiled loop on flattened copies of the weights; the same contract as the reference."""
    if numba is None:  # pragma: no cover
        return _train_reference(net, x, target, order, class_base, class_range,
                                learning_rate, momentum, epochs, meter)
    meter = np.zeros(3) if meter is None else meter  # the kernel always writes one
    x = np.ascontiguousarray(x, dtype=np.float64)
    target = np.ascontiguousarray(target.reshape(len(target), -1), dtype=np.float64)
    linear = net.output_activation == "linear"
    if len(net.weights) == 2:  # one hidden layer: Wekinator's shape, the specialised kernel
        copies = [np.array(a) for a in (net.weights[0], net.thresholds[0], net.weights[1], net.thresholds[1])]
        if linear and len(copies[3]) == 1:  # one numeric output: the faster loop of the same arithmetic
            status = not train_numeric(copies[0], copies[1], copies[2], copies[3], x, target, order.astype(np.int64),
                                       class_base, class_range, learning_rate, momentum, epochs, meter)
        else:
            status = _train_one_hidden_kernel(copies[0], copies[1], copies[2], copies[3], x, target, order.astype(np.int64), float(class_base),
                                              float(class_range), float(learning_rate), float(momentum),
                                              int(epochs), linear, meter)
        if status:
            return False
        for mine, trained in zip((net.weights[0], net.thresholds[0], net.weights[1], net.thresholds[1]), copies):
            mine[...] = trained
        return True
    sizes = np.array(net.sizes, dtype=np.int64)
    w = np.concatenate([m.ravel() for m in net.weights])
    b = np.concatenate(net.thresholds)
    w_off = np.cumsum([0] + [m.size for m in net.weights])[:-1].astype(np.int64)
    b_off = np.cumsum([0] + [t.size for t in net.thresholds])[:-1].astype(np.int64)
    # One call runs every epoch: the live tool cancels a training by abandoning its worker.
    status = _train_fast_kernel(sizes, w, b, w_off, b_off, x, target, order.astype(np.int64),
                                float(class_base), float(class_range), float(learning_rate),
                                float(momentum), int(epochs), linear, meter)
    if status:
        return False
    for l in range(len(net.weights)):
        net.weights[l][...] = w[w_off[l]:w_off[l] + net.weights[l].size].reshape(net.weights[l].shape)
        net.thresholds[l][...] = b[b_off[l]:b_off[l] + net.thresholds[l].size]
    return True
