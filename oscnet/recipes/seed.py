"""The `seed` recipe: the tutorial's per-example rule ("Make Your Own Neural Network"), exactly.

Every epoch, every example in order, one update each: ΔW = lr·(E·O·(1−O))·Oᵀ, and the error
split back along the links with Wᵀ·E. The network has no thresholds in the tutorial's
formulas; they stay at their starting values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from oscnet.nn.model import Model
from oscnet.nn.network import Network
from oscnet.recipes.base import EPOCH, ERROR, Option, Progress, Recipe, training_meter
from oscnet.recipes.networks import fit_network

OPTIONS = (
    Option("hidden", "H", str, "i", "hidden layers, as the weka recipe's -H"),
    Option("learning_rate", "L", float, 0.1, "learning rate (the tutorial's 0.1)"),
    Option("epochs", "N", int, 500, "training epochs"),
    Option("seed", "S", int, 0, "random seed of the starting weights"),
)


def train_seed_example(network: Network, inputs: np.ndarray, targets: np.ndarray, learning_rate: float) -> np.ndarray:
    """One step of the tutorial's rule: ΔW = lr·(E·O·(1−O))·Oᵀ, hidden error = Wᵀ·E; returns
    the output error before the step."""
    outputs = network.layer_outputs(inputs)  # O of every layer, inputs first
    E = output_error = targets - outputs[-1]  # output error = target − actual
    for l in range(len(network.weights) - 1, -1, -1):
        O, I = outputs[l + 1], outputs[l]
        linear = l == len(network.weights) - 1 and network.output_activation == "linear"
        slope = 1.0 if linear else O * (1.0 - O)
        W = network.weights[l]
        E_before = W.T @ E  # the error split back along the links, with the weights before this update
        W += learning_rate * np.outer(E * slope, I)
        E = E_before
    return output_error


def train_seed(
    network: Network,
    inputs: np.ndarray,
    targets: np.ndarray,
    learning_rate: float = 0.1,
    epochs: int = 1,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    meter: np.ndarray | None = None,
) -> Network:
    """The tutorial's loop: every epoch, every example in order, one update each (in place).

    inputs: (n_examples, n_inputs); targets: (n_examples, n_outputs). `meter` (base.EPOCH,
    base.ERROR): each epoch's number and its examples' mean squared error.
    """
    n = len(inputs)
    for epoch in range(epochs):
        squared = 0.0
        for k in range(n):
            error = train_seed_example(network, inputs[k], targets[k], learning_rate)
            if meter is not None:
                squared += float(error @ error) / error.size
            if progress and (k + 1) % 1000 == 0:
                progress(epoch, k + 1, n)
            if should_stop and should_stop():
                return network
        if progress:
            progress(epoch, n, n)
        if meter is not None:
            meter[ERROR], meter[EPOCH] = squared / max(n, 1), epoch + 1
    return network


def fit(inputs: np.ndarray, target: np.ndarray, input_names: Sequence[str], class_name: str = "class",
        class_labels: Sequence[str] | None = None, options: dict[str, Any] | None = None) -> Model:
    """One output's examples → a trained tutorial network (options as checked by the registry)."""
    opts = RECIPE.check_options(options)

    def train(network: Network, x: np.ndarray, goal: np.ndarray, o: dict[str, Any]) -> None:
        train_seed(network, x, goal, float(o["learning_rate"]), int(o["epochs"]),
                   meter=training_meter(int(o["epochs"])))

    return fit_network("seed", train, inputs, target, input_names, class_name, class_labels, opts,
                       tutorial_ranges=True)


def train_network(network: Network, inputs: np.ndarray, targets: np.ndarray, options: dict[str, Any],
                  progress: Progress | None = None, should_stop: Callable[[], bool] | None = None,
                  **_: Any) -> Network:
    """Train a given network in place with checked options (MNIST's entry point)."""
    return train_seed(network, inputs, targets, float(options["learning_rate"]), int(options["epochs"]),
                      progress, should_stop)


RECIPE = Recipe(
    name="seed",
    summary="the tutorial's per-example rule, for learning how a network learns",
    class_types=("numeric", "nominal"),
    options=OPTIONS,
    fit=fit,
    train_network=train_network,
)
