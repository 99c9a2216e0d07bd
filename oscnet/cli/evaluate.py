"""`oscnet evaluate`: judge a recipe on a data file as Weka does (cross-validation or training set)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from oscnet.cli.recipes_help import RECIPE_NAMES, RECIPES_EPILOG, RecipesHelpFormatter
from oscnet.errors import OscnetError

if TYPE_CHECKING:
    import numpy as np


def register(subparsers: argparse._SubParsersAction) -> None:
    ev = subparsers.add_parser(
        "evaluate", help="cross-validate a recipe on an ARFF or CSV file, as Weka prints it",
        description="Weka 3.6's evaluation of one model per output column: k-fold cross-validation "
                    "with Weka's seeded, stratified folds (default 10 folds, seed 1, as `-x 10 -s 1`), "
                    "or the error on the training data (--training). Recipe options as `oscnet train`.",
        epilog=RECIPES_EPILOG, formatter_class=RecipesHelpFormatter)
    ev.add_argument("data", metavar="DATA", help="an .arff file, or a .csv (header row optional)")
    ev.add_argument("--outputs", type=int, default=1, metavar="N", help="the last N columns are outputs (default 1)")
    ev.add_argument("--recipe", choices=RECIPE_NAMES, default="weka", help="training recipe (default weka)")
    how = ev.add_mutually_exclusive_group()
    how.add_argument("--folds", type=int, default=10, metavar="K", help="K-fold cross-validation (default 10)")
    how.add_argument("--training", action="store_true", help="evaluate on the training data instead")
    ev.add_argument("--seed", type=int, default=1, help="the folds' random seed, Weka's -s (default 1)")
    ev.add_argument("--details", action="store_true", help="also the per-class details (Weka's -i)")
    ev.set_defaults(func=run_evaluate, recipe_options=True)


def run_evaluate(args: argparse.Namespace) -> int:
    from oscnet.project.dataset import load_table
    from oscnet.recipes import fit_model, get
    from oscnet.recipes.evaluation import cross_validate, evaluate_training

    table = load_table(args.data, args.outputs)
    options = get(args.recipe).parse_flags(list(args.extra))
    if not args.training and args.folds < 2:
        raise OscnetError("--folds must be at least 2 (or use --training)")
    for output in table.outputs:
        labels = output.labels

        def fit(x: np.ndarray, y: np.ndarray, name: str = output.name, labels: Any = labels) -> Any:
            return fit_model(args.recipe, x, y, table.input_names, name, labels, options)

        if args.training:
            result = evaluate_training(fit, table.inputs, output.values, labels)
        else:
            result = cross_validate(fit, table.inputs, output.values, labels, args.folds, args.seed)
        if len(table.outputs) > 1:
            print(f"=== {output.name} ===\n")
        print(result.text(details=args.details))
    return 0
