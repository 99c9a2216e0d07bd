"""A fresh sigmoid network fitted to one output's examples: what the `seed` and `batch` recipes share.

The `weka` recipe builds its network Weka's way (weka.py); these two build it the tutorial's
way: `Network.random`, inputs scaled per column, targets 0.01/0.99 for a class.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np

from oscnet.nn.model import Model, Scaling
from oscnet.nn.network import Network
from oscnet.recipes.base import hidden_sizes, labelled_rows

Train = Callable[[Network, np.ndarray, np.ndarray, dict[str, Any]], None]


def fit_network(recipe: str, train: Train, inputs: np.ndarray, target: np.ndarray,
                input_names: Sequence[str], class_name: str, class_labels: Sequence[str] | None,
                options: dict[str, Any], tutorial_ranges: bool) -> Model:
    """Scale the examples, make the network the options ask for, train it, wrap it as a Model.

    tutorial_ranges: the tutorial's 0.01..0.99 ranges and sigmoid outputs (its network has no
    thresholds, so inputs must not be symmetric around 0); otherwise Weka's [-1, 1] and a
    linear output for a numeric class.
    """
    x, t = labelled_rows(inputs, target, class_name)
    nominal = class_labels is not None
    n_out = len(class_labels) if class_labels is not None else 1
    shape = hidden_sizes(options["hidden"], x.shape[1], n_out)
    scale = Scaling.to_interval if tutorial_ranges else Scaling.from_data
    input_scaling = scale(x)
    xn = np.nan_to_num(input_scaling.apply(x), nan=0.0)
    output_scaling: Scaling | None
    if nominal:
        goal = np.full((len(t), n_out), 0.01)
        goal[np.arange(len(t)), t.astype(int)] = 0.99
        output_scaling = None
    else:
        output_scaling = scale(t[:, None])
        goal = output_scaling.apply(t[:, None])
    activation: Literal["sigmoid", "linear"] = "sigmoid" if nominal or tutorial_ranges else "linear"
    network = Network.random([x.shape[1], *shape, n_out], int(options["seed"]), activation)
    train(network, xn, goal, options)
    return Model(network, list(input_names), "nominal" if nominal else "numeric", class_name,
                 list(class_labels or []), input_scaling, output_scaling, recipe, dict(options))
