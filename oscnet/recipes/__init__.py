"""Every learner oscnet trains, registered in one place with its options declared once.

    from oscnet.recipes import RECIPES, fit_model
    model = fit_model("weka", inputs, target, ["x", "y"], "pitch", options={"hidden": "i"})

A new learner is one module here that defines `RECIPE` (a `base.Recipe`), added to `LEARNERS`.
A learner's module (and what it needs: numba, its kernels) is imported when its recipe is first
looked up, so `oscnet train` with one learner pays for that one only.
"""

from __future__ import annotations

import importlib
import json
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from oscnet.errors import OscnetError
from oscnet.nn.model import FORMAT, VERSION, Model, read_model_json, write_atomic
from oscnet.nn.wekatext import weka_text
from oscnet.recipes.base import Option, Recipe, metered
from oscnet.recipes.blas_probe import preload_cython_blas

preload_cython_blas()  # before any learner's compiled code first runs (see blas_probe.py)

__all__ = ["LEARNERS", "RECIPES", "Option", "Recipe", "check_options", "fit_model", "get", "load_model",
           "model_from_dict", "model_text", "model_to_dict", "n_inputs", "save_model"]

# name → (module in oscnet.recipes, summary, Weka flag → option name). A summary of None: the module
# declares its own `RECIPE`; otherwise it declares NAME, CLASS_TYPES, OPTIONS and fit (Recipe.from_module).
LEARNERS: dict[str, tuple[str, str | None, dict[str, str]]] = {
    "weka": ("weka", None, {}),
    "seed": ("seed", None, {}),
    "batch": ("batch", None, {}),
    "knn": ("knn", "Weka's IBk, k nearest neighbours (Wekinator's default classifier)", {"K": "neighbours"}),
    "naive-bayes": ("naive_bayes", "Weka's NaiveBayes, normal estimators", {}),
    "stump": ("stump", "Weka's DecisionStump, one split", {}),
    "j48": ("j48", "Weka's J48 decision tree (C4.5)", {"C": "confidence", "M": "min_leaf"}),
    "adaboost": ("adaboost", "Weka's AdaBoostM1 over J48 trees or stumps",
                 {"I": "rounds", "W": "base", "P": "weight_threshold", "S": "seed"}),
    "svm": ("svm", "Weka's SMO support vector machine (linear, polynomial or RBF kernel)",
            {"K": "kernel", "C": "complexity", "E": "exponent", "L": "lower_order", "G": "gamma"}),
    "linear": ("linear", "Weka's LinearRegression, or Wekinator's polynomial regression",
               {"E": "exponent", "S": "selection", "C": "keep_colinear"}),
}


class Registry(Mapping[str, Recipe]):
    """The recipes by name, in `LEARNERS`' order; each built from its module on first lookup."""

    def __init__(self, learners: dict[str, tuple[str, str | None, dict[str, str]]]) -> None:
        self._learners = learners
        self._built: dict[str, Recipe] = {}
        self._lock = threading.Lock()  # two threads looking up one recipe build it once

    def __getitem__(self, name: str) -> Recipe:
        recipe = self._built.get(name)
        if recipe is not None:
            return recipe
        module_name, summary, long_names = self._learners[name]  # KeyError: no such recipe
        with self._lock:
            if name not in self._built:
                module = importlib.import_module(f"oscnet.recipes.{module_name}")
                self._built[name] = (module.RECIPE if summary is None
                                     else Recipe.from_module(module, name, summary, long_names))
            return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._learners)

    def __len__(self) -> int:
        return len(self._learners)

    def __contains__(self, name: object) -> bool:
        return name in self._learners


RECIPES: Mapping[str, Recipe] = Registry(LEARNERS)


def get(name: str) -> Recipe:
    """The recipe called `name`, or an OscnetError listing the ones there are."""
    try:
        return RECIPES[name.replace("_", "-")]
    except KeyError:
        raise OscnetError(f"unknown recipe {name!r}: choose one of {', '.join(RECIPES)}") from None


def check_options(recipe: str, options: dict[str, Any] | None) -> dict[str, Any]:
    """A recipe's options checked and typed, defaults filled in (see `Recipe.check_options`)."""
    return get(recipe).check_options(options)


def fit_model(recipe: str, inputs: np.ndarray, target: np.ndarray, input_names: Sequence[str],
              class_name: str = "class", class_labels: Sequence[str] | None = None,
              options: dict[str, Any] | None = None, meter: np.ndarray | None = None) -> Any:
    """Train one output's model by recipe name on raw examples; rows with a NaN target are dropped.

    inputs: (n, n_inputs) raw, NaN = missing; target: (n,) raw numbers, or class indexes
    0..C−1 when `class_labels` is given. Options are named as the recipe declares them (or by
    Weka's flag letters). `meter` (base.new_meter()): where a recipe with epochs writes how far
    it is, for another thread to read while it trains.
    """
    chosen = get(recipe)
    kind = "nominal" if class_labels is not None else "numeric"
    if kind not in chosen.class_types:
        raise OscnetError(f"the {recipe} recipe cannot learn a {kind} output; use one of "
                          f"{', '.join(n for n, r in RECIPES.items() if kind in r.class_types)}")
    with metered(meter):
        model = chosen.fit(inputs, target, list(input_names), class_name,
                           None if class_labels is None else list(class_labels), chosen.check_options(options))
    if not hasattr(model, "info"):
        model.info = {}  # version and input indexes, kept with every learner's model
    return model


# --- every learner's model as a file --------------------------------------------------------
# A network is the documented oscnet-model JSON (docs/model-format.md); any other learner's model
# is wrapped in the same header with its own fields under "model".

def model_to_dict(model: Any) -> dict[str, Any]:
    if isinstance(model, Model):
        return model.to_dict()
    return {"format": FORMAT, "version": VERSION, "recipe": model.recipe, "kind": model.kind,
            "info": dict(getattr(model, "info", {})), "model": model.to_dict()}


def model_from_dict(data: dict[str, Any], source: str = "model") -> Any:
    """Any learner's model from its JSON structure; a damaged one gives a clear OscnetError."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise OscnetError(f"{source}: not an oscnet model (no \"format\": \"{FORMAT}\")")
    if "model" not in data:
        return Model.from_dict(data, source)
    if data.get("recipe") == "dtw":  # a DTW output's gestures and examples (dtw.output.RECIPE)
        from oscnet.dtw.output import DtwOutput

        loader: Any = DtwOutput.from_dict
    else:
        loader = get(str(data.get("recipe"))).load
    if loader is None:
        raise OscnetError(f"{source}: a {data.get('recipe')} model must hold a network")
    try:
        model = loader(data["model"])
    except OscnetError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError) as exc:
        raise OscnetError(f"{source}: the model file is damaged ({type(exc).__name__}: {exc}); "
                          "train it again or restore a backup") from None
    model.info = dict(data.get("info") or {})
    return model


def model_text(model: Any) -> str:
    """Wekinator's "Display in console": Weka's own text for the model."""
    return weka_text(model) if isinstance(model, Model) else str(model.text())


def save_model(model: Any, path: str | os.PathLike[str]) -> Path:
    """Write a model's JSON atomically (temp file + rename)."""
    path = Path(path)
    write_atomic(path, json.dumps(model_to_dict(model), indent=1, allow_nan=False) + "\n")
    return path


def load_model(path: str | os.PathLike[str]) -> Any:
    """Read any learner's model file; a damaged file names the file and the line."""
    path = Path(path)
    data = read_model_json(path)
    return model_from_dict(data, str(path))


def n_inputs(model: Any) -> int:
    """How many inputs a model of any learner takes."""
    return len(model.input_names)

