"""Training recipes by name, and the `seed` recipe: the tutorial's per-example rule, exactly.

A recipe changes a `Network` so its outputs approach the targets. Three exist:
- `seed`: the tutorial's rule, one example at a time, no thresholds (this module);
- `weka`: Weka 3.6 MultilayerPerceptron, bit for bit (`oscnet.wekamlp`);
- `batch`: vectorised mini-batch gradient descent for big data (`oscnet.batch`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np

from oscnet.nn.network import Network

if TYPE_CHECKING:
    from oscnet.nn.model import Model

Progress = Callable[[int, int, int], None]
"""Called as progress(epoch, examples_done, examples_total) during training."""

RECIPES = ("weka", "seed", "batch")


def train_seed_example(network: Network, inputs: np.ndarray, targets: np.ndarray, learning_rate: float) -> None:
    """One step of the tutorial's rule: ΔW = lr·(E·O·(1−O))·Oᵀ, hidden error = Wᵀ·E."""
    outputs = network.layer_outputs(inputs)  # O of every layer, inputs first
    E = targets - outputs[-1]  # output error = target − actual
    for l in range(len(network.weights) - 1, -1, -1):
        O, I = outputs[l + 1], outputs[l]
        linear = l == len(network.weights) - 1 and network.output_activation == "linear"
        slope = 1.0 if linear else O * (1.0 - O)
        W = network.weights[l]
        E_before = W.T @ E  # the error split back along the links, with the weights before this update
        W += learning_rate * np.outer(E * slope, I)
        E = E_before


def train_seed(
    network: Network,
    inputs: np.ndarray,
    targets: np.ndarray,
    learning_rate: float = 0.1,
    epochs: int = 1,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Network:
    """The tutorial's loop: every epoch, every example in order, one update each (in place).

    inputs: (n_examples, n_inputs); targets: (n_examples, n_outputs).
    """
    n = len(inputs)
    for epoch in range(epochs):
        for k in range(n):
            train_seed_example(network, inputs[k], targets[k], learning_rate)
            if progress and (k + 1) % 1000 == 0:
                progress(epoch, k + 1, n)
            if should_stop and should_stop():
                return network
        if progress:
            progress(epoch, n, n)
    return network


def fit_model(
    recipe: str,
    inputs: np.ndarray,
    target: np.ndarray,
    input_names: list[str],
    class_name: str = "class",
    class_labels: list[str] | None = None,
    options: dict | None = None,
) -> "Model":
    """Train one output's model by recipe name on raw examples; rows with a NaN target are dropped.

    inputs: (n, n_inputs) raw; target: (n,) raw numbers, or class indexes 0..C−1 when
    `class_labels` is given. Options are named as Weka names them (hidden, learning_rate,
    momentum, epochs, seed) plus batch_size for `batch`.
    """
    from oscnet.errors import OscnetError
    from oscnet.nn.model import Model, Scaling
    from oscnet.recipes.weka import WekaOptions, labelled_rows, train_weka

    options = dict(options or {})
    recorded = dict(options)
    if recipe == "weka":
        return train_weka(inputs, target, input_names, class_name, class_labels, WekaOptions.from_options(options))
    if recipe not in RECIPES:
        raise OscnetError(f"unknown recipe {recipe!r}: choose one of {', '.join(RECIPES)}")
    x, t = labelled_rows(inputs, target, class_name)
    nominal = class_labels is not None
    n_out = len(class_labels) if nominal else 1
    shape = WekaOptions(hidden=options.pop("hidden", "i")).hidden_sizes(x.shape[1], n_out)
    # seed: the tutorial's 0.01..0.99 ranges and sigmoid outputs (its network has no thresholds,
    # so the inputs must not be symmetric around 0); batch: Weka's [-1, 1] and a linear output.
    scale = Scaling.to_interval if recipe == "seed" else Scaling.from_data
    input_scaling = scale(x)
    xn = np.nan_to_num(input_scaling.apply(x), nan=0.0)
    if nominal:
        goal = np.full((len(t), n_out), 0.01)
        goal[np.arange(len(t)), t.astype(int)] = 0.99
        output_scaling = None
    else:
        output_scaling = scale(t[:, None])
        goal = output_scaling.apply(t[:, None])
    activation = "sigmoid" if nominal or recipe == "seed" else "linear"
    seed = int(options.pop("seed", 0))
    network = Network.random([x.shape[1], *shape, n_out], seed, activation)
    if recipe == "seed":
        learning_rate, epochs = float(options.pop("learning_rate", 0.1)), int(options.pop("epochs", 500))
        if options:
            raise OscnetError(f"the seed recipe takes hidden, learning_rate, epochs and seed, not "
                              f"{', '.join(sorted(options))}")
        train_seed(network, xn, goal, learning_rate, epochs)
    else:
        from oscnet.recipes.batch import train_batch

        train_batch(network, xn, goal, rng=np.random.default_rng(seed), **options)
    return Model(network, list(input_names), "nominal" if nominal else "numeric", class_name,
                 list(class_labels or []), input_scaling, output_scaling, recipe,
                 recorded)
