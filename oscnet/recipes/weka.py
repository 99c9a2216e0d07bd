"""The `weka` recipe: Weka 3.6 MultilayerPerceptron as Wekinator runs it, rule for rule.

Every rule comes from ../shared/specs/weka-mlp.md (section numbers below refer to it): one
java.util.Random drives the shuffle and the initial weights, inputs are normalised to [-1, 1],
online SGD with momentum runs in Weka's operation order, and a diverged training restarts
with half the learning rate. Two loops implement §3.4: `_train_reference`, plain numpy that
reads like the spec, and `_train_fast`, the same scalar loop compiled by numba (about 150
times faster; they agree to 1e-12, see tests/test_wekamlp.py).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from oscnet.errors import OscnetError
from oscnet.recipes.javarandom import JavaRandom
from oscnet.nn.model import Model, Scaling
from oscnet.nn.network import Network

log = logging.getLogger(__name__)

DEFAULTS = {"hidden": "i", "learning_rate": 0.3, "momentum": 0.2, "epochs": 500, "seed": 0}
"""Wekinator's settings: -H i -L 0.3 -M 0.2 -N 500 -S 0."""


@dataclass
class WekaOptions:
    """Weka's options, named as Weka names them: -H hidden, -L, -M, -N epochs, -S seed."""

    hidden: str = "i"
    learning_rate: float = 0.3
    momentum: float = 0.2
    epochs: int = 500
    seed: int = 0

    def __post_init__(self) -> None:
        self.hidden = str(self.hidden).replace(" ", "")
        # Weka silently ignores a rate outside (0, 1] or a momentum outside [0, 1]; we say so.
        if not 0 < self.learning_rate <= 1:
            raise OscnetError(f"learning_rate must be in (0, 1], not {self.learning_rate}")
        if not 0 <= self.momentum <= 1:
            raise OscnetError(f"momentum must be in [0, 1], not {self.momentum}")
        if int(self.epochs) != self.epochs or self.epochs < 1:
            raise OscnetError(f"epochs must be a whole number ≥ 1, not {self.epochs}")
        self.epochs = int(self.epochs)

    @classmethod
    def from_options(cls, options: dict) -> "WekaOptions":
        """Options from a config or the CLI; an unknown name is an error that lists the known ones."""
        unknown = set(options) - set(DEFAULTS)
        if unknown:
            raise OscnetError(f"unknown option(s) {', '.join(sorted(unknown))}; the weka recipe takes "
                              f"{', '.join(DEFAULTS)}")
        return cls(**options)

    def hidden_sizes(self, n_inputs: int, n_outputs: int) -> list[int]:
        """Weka's -H list: i = inputs, o = outputs, a = (i+o)/2, t = i+o, or a number; "0" = none."""
        if self.hidden == "0":
            return []
        named = {"i": n_inputs, "o": n_outputs, "a": (n_inputs + n_outputs) // 2, "t": n_inputs + n_outputs}
        sizes = []
        for token in self.hidden.split(","):
            if token in named:
                sizes.append(named[token])
            elif token.isdigit() and int(token) > 0:
                sizes.append(int(token))
            else:
                raise OscnetError(f"hidden layers {self.hidden!r}: each entry must be i, a, o, t or a "
                                  "positive number, e.g. 'i' or '8,4'")
        return sizes


def shuffled_order(n: int, rng: JavaRandom) -> np.ndarray:
    """Weka's shuffle (§3.1.5): for j = n−1 down to 1, swap row j with row nextInt(j+1)."""
    order = list(range(n))
    for j in range(n - 1, 0, -1):
        k = rng.next_int(j + 1)
        order[j], order[k] = order[k], order[j]
    return np.array(order, dtype=np.int64)


def initial_network(rng: JavaRandom, sizes: Sequence[int], linear_output: bool) -> Network:
    """Weights in Weka's draw order (§3.3), each nextDouble()·0.1 − 0.05.

    Units are made output first, then hidden layer by layer; a unit draws its threshold when
    made, and a unit of a second or later hidden layer is joined to the layer before at once.
    The input links and the links into the outputs are made last.
    """
    draw = lambda: rng.next_double() * 0.1 - 0.05  # noqa: E731 - the one formula for every weight
    n_inputs, hidden, n_outputs = sizes[0], list(sizes[1:-1]), sizes[-1]
    weights = [np.zeros((n_out, n_in)) for n_in, n_out in zip(sizes, sizes[1:])]
    thresholds = [np.zeros(n_out) for n_out in sizes[1:]]
    for k in range(n_outputs):
        thresholds[-1][k] = draw()
    for l, size in enumerate(hidden):
        for h in range(size):
            thresholds[l][h] = draw()
            if l > 0:
                for j in range(hidden[l - 1]):
                    weights[l][h, j] = draw()
    for i in range(n_inputs):
        for h in range(sizes[1]):
            weights[0][h, i] = draw()
    if hidden:
        for h in range(hidden[-1]):
            for k in range(n_outputs):
                weights[-1][k, h] = draw()
    return Network(weights, thresholds, "linear" if linear_output else "sigmoid")


def weka_sigmoid(s: float) -> float:
    """Weka's sigmoid, flat beyond ±45."""
    if s < -45:
        return 0.0
    if s > 45:
        return 1.0
    return 1.0 / (1.0 + math.exp(-s))


def _train_reference(
    net: Network, x: np.ndarray, target: np.ndarray, order: np.ndarray,
    class_base: float, class_range: float, learning_rate: float, momentum: float, epochs: int,
) -> bool:
    """§3.4 and §3.5 in plain numpy; returns False when an epoch's error is NaN or infinite.

    x: (n, n_inputs) normalised, missing = 0. target: (n,) raw class value (numeric), or
    (n, C) one-hot (nominal). Weights change in place.
    """
    W, b = net.weights, net.thresholds
    dW = [np.zeros_like(w) for w in W]  # previous changes, for momentum
    db = [np.zeros_like(t) for t in b]
    numeric = net.output_activation == "linear"
    sig = np.vectorize(weka_sigmoid, otypes=[np.float64])
    C = W[-1].shape[0]
    for _ in range(epochs):
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
    return True


try:
    import numba
except ImportError:  # pragma: no cover - numba is a dependency; keep working without it
    numba = None


def _train_fast_kernel(sizes, w, b, w_off, b_off, x, target, order, class_base, class_range,
                       learning_rate, momentum, epochs, linear_output):  # pragma: no cover - compiled
    """The loop of `_train_reference` as scalar code in Weka's summation order (numba-compiled).

    w, b: every layer's weights (row-major (n_out, n_in)) and thresholds, flattened; w_off,
    b_off: where each layer starts. Returns 1 when an epoch's error is NaN/inf, else 0.
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
                        v = 1.0 / (1.0 + math.exp(-s))
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
    return 0


def _train_one_hidden_kernel(W, b1, V, b2, x, target, order, class_base, class_range,
                             learning_rate, momentum, epochs, linear_output):  # pragma: no cover - compiled
    """`_train_fast_kernel` for Wekinator's shape, one hidden layer, with 2-D arrays (twice as fast).

    W: (H, I) input→hidden, b1: (H,), V: (C, H) hidden→output, b2: (C,); all change in place.
    """
    H, I = W.shape
    C = V.shape[0]
    y = np.zeros(H)
    o = np.zeros(C)
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
                    y[h] = 1.0 / (1.0 + math.exp(-s))
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
                        v = 1.0 / (1.0 + math.exp(-s))
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
    return 0


if numba is not None:
    # error_model="numpy": no zero-division checks in the loop (they cost a branch per division)
    _jit = numba.njit(cache=True, nogil=True, error_model="numpy")
    _train_fast_kernel = _jit(_train_fast_kernel)
    _train_one_hidden_kernel = _jit(_train_one_hidden_kernel)


def _train_fast(
    net: Network, x: np.ndarray, target: np.ndarray, order: np.ndarray,
    class_base: float, class_range: float, learning_rate: float, momentum: float, epochs: int,
) -> bool:
    """The compiled loop on flattened copies of the weights; the same contract as the reference."""
    if numba is None:  # pragma: no cover
        return _train_reference(net, x, target, order, class_base, class_range,
                                learning_rate, momentum, epochs)
    x = np.ascontiguousarray(x, dtype=np.float64)
    target = np.ascontiguousarray(target.reshape(len(target), -1), dtype=np.float64)
    linear = net.output_activation == "linear"
    if len(net.weights) == 2:  # one hidden layer: Wekinator's shape, the specialised kernel
        copies = [np.array(a) for a in (net.weights[0], net.thresholds[0], net.weights[1], net.thresholds[1])]
        status = _train_one_hidden_kernel(*copies, x, target, order.astype(np.int64), float(class_base),
                                          float(class_range), float(learning_rate), float(momentum),
                                          int(epochs), linear)
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
                                float(momentum), int(epochs), linear)
    if status:
        return False
    for l in range(len(net.weights)):
        net.weights[l][...] = w[w_off[l]:w_off[l] + net.weights[l].size].reshape(net.weights[l].shape)
        net.thresholds[l][...] = b[b_off[l]:b_off[l] + net.thresholds[l].size]
    return True


def labelled_rows(inputs: np.ndarray, target: np.ndarray, class_name: str) -> tuple[np.ndarray, np.ndarray]:
    """The rows whose target is present, as float64 (n, n_inputs) and (n,); refuses an empty set."""
    x = np.asarray(inputs, dtype=np.float64)
    t = np.asarray(target, dtype=np.float64)
    if x.ndim != 2 or t.shape != (len(x),):
        raise OscnetError(f"expected inputs (n, n_inputs) and one target per row, got {x.shape} and {t.shape}")
    keep = ~np.isnan(t)
    x, t = x[keep], t[keep]
    if len(x) == 0:
        raise OscnetError(f"no examples with a value for {class_name!r}: record some first")
    if x.shape[1] == 0:
        raise OscnetError(f"{class_name!r} has no inputs: select at least one input for it")
    return x, t


def train_weka(
    inputs: np.ndarray,
    target: np.ndarray,
    input_names: Sequence[str],
    class_name: str = "class",
    class_labels: Sequence[str] | None = None,
    options: WekaOptions | None = None,
    fast: bool = True,
) -> Model:
    """Train as Weka 3.6 does; returns the model Weka would build.

    inputs: (n, n_inputs) raw numbers, NaN = missing. target: (n,) raw numbers for a numeric
    class, or class indexes 0..C−1 (NaN = missing) when `class_labels` names a nominal class.
    """
    options = options or WekaOptions()
    x, t = labelled_rows(inputs, target, class_name)  # §3.1.2: before the shuffle
    nominal = class_labels is not None
    n_classes = len(class_labels) if nominal else 1
    rng = JavaRandom(options.seed)
    order = shuffled_order(len(x), rng)
    after_shuffle = rng._state  # every restart repeats the same draws from here
    input_scaling = Scaling.from_data(x)
    xn = np.nan_to_num(input_scaling.apply(x), nan=0.0)  # a missing input counts as 0
    if nominal:
        if np.any((t < 0) | (t >= n_classes) | (t != np.round(t))):
            raise OscnetError(f"class indexes for {class_name!r} must be whole numbers 0..{n_classes - 1}")
        goal = np.eye(n_classes)[t.astype(int)]
        class_scaling = None
        class_base, class_range = 0.0, 0.0
    else:
        goal = t
        class_scaling = Scaling.from_data(t[:, None])
        class_base, class_range = float(class_scaling.base[0]), float(class_scaling.range[0])
    sizes = [x.shape[1], *options.hidden_sizes(x.shape[1], n_classes), n_classes]
    train = _train_fast if fast else _train_reference
    learning_rate, restarts = options.learning_rate, 0
    while True:
        rng._state = after_shuffle
        net = initial_network(rng, sizes, linear_output=not nominal)
        if train(net, xn, goal, order, class_base, class_range, learning_rate,
                 options.momentum, options.epochs):
            break
        # §3.5: the error overflowed; start again from the same weights at half the rate
        if learning_rate <= 1e-6:
            raise OscnetError(f"training {class_name!r} diverged even at a tiny learning rate; "
                              "check the examples for huge or constant values")
        learning_rate /= 2
        restarts += 1
        log.debug("%s: training diverged, restarting with learning rate %g", class_name, learning_rate)
    return Model(
        network=net,
        input_names=list(input_names),
        kind="nominal" if nominal else "numeric",
        class_name=class_name,
        class_labels=list(class_labels or []),
        input_scaling=input_scaling,
        output_scaling=class_scaling,
        recipe="weka",
        options=vars(options).copy(),
        info={"learning_rate_used": learning_rate, "restarts": restarts, "examples": int(len(x))},
    )


def warm_up() -> None:
    """Compile (or load from numba's disk cache) the fast loop, so a first training never stalls."""
    for hidden in ("i", "0"):  # the one-hidden-layer kernel and the general one
        train_weka(np.array([[0.0], [1.0]]), np.array([0.0, 1.0]), ["x"], options=WekaOptions(hidden, epochs=1))
