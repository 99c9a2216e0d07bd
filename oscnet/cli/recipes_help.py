"""The recipe names for `--recipe` and the recipes' options for `--help`, without the registry.

The registry (`oscnet.recipes`) imports numpy, scipy and numba; `oscnet --help` and argument
errors must not. So the names are a plain table (a test keeps it equal to the registry) and
the options text is written from the registry only when a `--help` that shows it is printed.
"""

from __future__ import annotations

import argparse

# The registry's names, in its order (tests/test_startup.py checks they are the same).
RECIPE_NAMES = ("weka", "seed", "batch", "knn", "naive-bayes", "stump", "j48", "adaboost", "svm", "linear")

RECIPES_EPILOG = "\x00recipes\x00"  # stands for the options text until help is printed


def recipes_help() -> str:
    """Every recipe with its options, as `oscnet train --help` shows them."""
    from oscnet.recipes import RECIPES

    lines = ["recipes and their options (Weka's flags, or --name VALUE):"]
    for name, recipe in RECIPES.items():
        lines.append(f"{name}: {recipe.summary}")
        lines.append(recipe.describe_options() or "  (no options)")
    return "\n".join(lines)


class RecipesHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Writes `RECIPES_EPILOG` as the registry's options text, when (and only when) help is printed."""

    def add_text(self, text: str | None) -> None:
        super().add_text(recipes_help() if text == RECIPES_EPILOG else text)
