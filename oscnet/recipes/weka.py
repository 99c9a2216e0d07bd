"""The `weka` recipe: Weka 3.6 MultilayerPerceptron as Wekinator runs it, rule for rule.

Every rule comes from docs/specs/weka-mlp.md (section numbers below refer to it): one
java.util.Random drives the shuffle and the initial weights, inputs are normalised to [-1, 1],
online SGD with momentum runs in Weka's operation order, and a diverged training restarts
with half the learning rate. The loop itself is in `weka_loops` (a readable numpy reference
and the same loop compiled by numba).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from oscnet.errors import OscnetError
from oscnet.nn.model import Model, Scaling
from oscnet.nn.network import Network
from oscnet.recipes.base import Option, Recipe, hidden_sizes, labelled_rows, training_meter
from oscnet.recipes.javarandom import JavaRandom
from oscnet.recipes.weka_loops import _train_fast, _train_reference

log = logging.getLogger(__name__)

OPTIONS = (
    Option("hidden", "H", str, "i", "hidden layers: i (as many as inputs), a, o, t, a number, or a list such as 8,4; 0 = none"),
    Option("learning_rate", "L", float, 0.3, "learning rate, in (0, 1]"),
    Option("momentum", "M", float, 0.2, "momentum, in [0, 1]"),
    Option("epochs", "N", int, 500, "training epochs"),
    Option("seed", "S", int, 0, "random seed (java.util.Random)"),
)
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
        hidden_sizes(self.hidden, 1, 1)  # a bad -H shows now, not at the first training

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> WekaOptions:
        """Options from a config or the CLI (names or Weka's flags); unknown names are refused."""
        return cls(**RECIPE.check_options(options))

    def hidden_sizes(self, n_inputs: int, n_outputs: int) -> list[int]:
        """Weka's -H list for this many inputs and outputs."""
        return hidden_sizes(self.hidden, n_inputs, n_outputs)


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
    weights = [np.zeros((n_out, n_in)) for n_in, n_out in itertools.pairwise(sizes)]
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
    n_classes = len(class_labels) if class_labels is not None else 1
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
    meter = training_meter(options.epochs)  # a restart counts its epochs from 1 again
    while True:
        rng._state = after_shuffle
        net = initial_network(rng, sizes, linear_output=not nominal)
        if train(net, xn, goal, order, class_base, class_range, learning_rate,
                 options.momentum, options.epochs, meter):
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
        info={"learning_rate_used": learning_rate, "restarts": restarts, "examples": len(x)},
    )


def warm_up() -> None:
    """Compile (or load from numba's disk cache) the fast loop, so a first training never stalls."""
    for hidden in ("i", "0"):  # one hidden layer (one numeric output: its own loop) and any other shape
        train_weka(np.array([[0.0], [1.0]]), np.array([0.0, 1.0]), ["x"], options=WekaOptions(hidden, epochs=1))
    train_weka(np.array([[0.0], [1.0]]), np.array([0.0, 1.0]), ["x"], class_labels=["a", "b"],
               options=WekaOptions("i", epochs=1))  # one hidden layer, classes


def fit(inputs: np.ndarray, target: np.ndarray, input_names: Sequence[str], class_name: str = "class",
        class_labels: Sequence[str] | None = None, options: dict[str, Any] | None = None) -> Model:
    """The registry's entry point: `train_weka` with checked options."""
    return train_weka(inputs, target, input_names, class_name, class_labels, WekaOptions(**(options or {})))


RECIPE = Recipe(
    name="weka",
    summary="Weka 3.6 MultilayerPerceptron as Wekinator trains it (its default for numeric outputs)",
    class_types=("numeric", "nominal"),
    options=OPTIONS,
    fit=fit,
)
