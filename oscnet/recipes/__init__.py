"""Every learner oscnet trains, registered in one place with its options declared once.

    from oscnet.recipes import RECIPES, fit_model
    model = fit_model("weka", inputs, target, ["x", "y"], "pitch", options={"hidden": "i"})

A new learner is one module here that defines `RECIPE` (a `base.Recipe`), added to `_MODULES`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from oscnet.errors import OscnetError
from oscnet.recipes import batch, seed, weka
from oscnet.recipes.base import Option, Recipe

__all__ = ["RECIPES", "Option", "Recipe", "check_options", "fit_model", "get"]

RECIPES: dict[str, Recipe] = {m.RECIPE.name: m.RECIPE for m in (weka, seed, batch)}


def get(name: str) -> Recipe:
    """The recipe called `name`, or an OscnetError listing the ones there are."""
    try:
        return RECIPES[name]
    except KeyError:
        raise OscnetError(f"unknown recipe {name!r}: choose one of {', '.join(RECIPES)}") from None


def check_options(recipe: str, options: dict[str, Any] | None) -> dict[str, Any]:
    """A recipe's options checked and typed, defaults filled in (see `Recipe.check_options`)."""
    return get(recipe).check_options(options)


def fit_model(recipe: str, inputs: np.ndarray, target: np.ndarray, input_names: Sequence[str],
              class_name: str = "class", class_labels: Sequence[str] | None = None,
              options: dict[str, Any] | None = None) -> Any:
    """Train one output's model by recipe name on raw examples; rows with a NaN target are dropped.

    inputs: (n, n_inputs) raw, NaN = missing; target: (n,) raw numbers, or class indexes
    0..C−1 when `class_labels` is given. Options are named as the recipe declares them (or by
    Weka's flag letters).
    """
    chosen = get(recipe)
    kind = "nominal" if class_labels is not None else "numeric"
    if kind not in chosen.class_types:
        raise OscnetError(f"the {recipe} recipe cannot learn a {kind} output; use one of "
                          f"{', '.join(n for n, r in RECIPES.items() if kind in r.class_types)}")
    return chosen.fit(inputs, target, list(input_names), class_name,
                      None if class_labels is None else list(class_labels), chosen.check_options(options))
