"""`oscnet train`, `oscnet dump`, `oscnet predict`: the network without any OSC."""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oscnet.cli.recipes_help import RECIPE_NAMES, RECIPES_EPILOG, RecipesHelpFormatter
from oscnet.errors import OscnetError

if TYPE_CHECKING:
    import numpy as np

# numpy and the recipes are imported by the commands that use them, so `oscnet --help` and
# argument errors stay instant (see docs/architecture.md, "Start-up").


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the offline subcommands."""
    train = subparsers.add_parser(
        "train", help="train on an ARFF or CSV file and print the model as Weka does",
        description="Train one model per output column (the last --outputs columns) on DATA. Options "
                    "after the recipe are the recipe's own, as Weka names them, e.g. "
                    "`oscnet train d.arff --recipe knn -K 3` or `--recipe weka -H 8,4 -N 200`.",
        epilog=RECIPES_EPILOG, formatter_class=RecipesHelpFormatter)
    train.add_argument("data", metavar="DATA", help="an .arff file, or a .csv (header row optional)")
    train.add_argument("--outputs", type=int, default=1, metavar="N", help="the last N columns are outputs (default 1)")
    train.add_argument("--recipe", choices=RECIPE_NAMES, default="weka", help="training recipe (default weka)")
    train.add_argument("--save", metavar="MODEL", help="save the model as JSON (several outputs: a folder of them)")
    train.add_argument("-q", "--quiet", action="store_true", help="do not print the model text")
    train.set_defaults(func=run_train, recipe_options=True)

    dump = subparsers.add_parser("dump", help="print a saved model (or a project's models) in Weka's text format")
    dump.add_argument("model", metavar="MODEL", help="a model .json file, or an oscnet project folder")
    dump.set_defaults(func=run_dump)

    predict = subparsers.add_parser(
        "predict", help="run a saved model on one input vector, or on every row of a file",
        description="Print the model's answer: for one vector X, the value (or the class and its "
                    "distribution); with --data, one line per row (the class label, or the number).")
    predict.add_argument("model", metavar="MODEL", help="a model .json file")
    predict.add_argument("inputs", metavar="X", nargs="*", help="input values; '?' for missing")
    predict.add_argument("--data", metavar="FILE", help="an .arff or .csv file: predict every row, in order, "
                         "as Weka's evaluation does")
    predict.set_defaults(func=run_predict)


def run_train(args: argparse.Namespace) -> int:
    """Train every output column and print/save the models."""
    from oscnet.project.dataset import load_table
    from oscnet.recipes import fit_model, get, model_text, save_model

    table = load_table(args.data, args.outputs)
    options = get(args.recipe).parse_flags(list(args.extra))
    models = []
    for output in table.outputs:
        model = fit_model(args.recipe, table.inputs, output.values, table.input_names,
                          output.name, output.labels, options)
        models.append(model)
        if not args.quiet:
            if len(table.outputs) > 1:
                print(f"=== {output.name} ===")
            print(model_text(model), end="" if model_text(model).endswith("\n") else "\n")
            restarts = model.info.get("restarts", 0)
            if restarts:
                print(f"(training diverged {restarts} time(s); restarted with learning rate "
                      f"{model.info['learning_rate_used']}, as Weka does)")
    if args.save:
        target = Path(args.save)
        if len(models) == 1:
            save_model(models[0], target)
            print(f"saved {target}")
        else:
            for model in models:
                path = target / (_safe_name(model.class_name) + ".json")
                save_model(model, path)
                print(f"saved {path}")
    return 0


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name) or "output"


def run_dump(args: argparse.Namespace) -> int:
    """Print the model text, as Wekinator's "Display in console"."""
    from oscnet.project.folder import load_project
    from oscnet.recipes import load_model, model_text

    path = Path(args.model)
    if path.is_dir():  # a project folder: every trained output's model, as the live `dump` shows them
        project = load_project(path)
        trained = [(spec.name, m) for spec, m in zip(project.config.outputs, project.models) if m is not None]
        if not trained:
            raise OscnetError(f"{path}: no output has a trained model yet: train it first")
        for name, model in trained:
            print(f"=== {name} ===\n{model_text(model).rstrip()}\n")
        return 0
    text = model_text(load_model(path))
    print(text, end="" if text.endswith("\n") else "\n")
    return 0


def run_predict(args: argparse.Namespace) -> int:
    """Print the model's output for one input vector, or for every row of --data."""
    import numpy as np

    from oscnet.recipes import load_model, n_inputs

    model = load_model(args.model)
    width = n_inputs(model)
    if args.data:
        if args.inputs:
            raise OscnetError("give input values or --data FILE, not both")
        rows = _data_rows(Path(args.data), width)
        answers = model.predict_rows(rows) if hasattr(model, "predict_rows") else model.predict(rows)
        for answer in answers:
            print(_answer(model, answer, distribution=False))
        return 0
    try:
        x = np.array([math.nan if v == "?" else float(v) for v in args.inputs])
    except ValueError:
        raise OscnetError("inputs must be numbers (or '?' for a missing value)") from None
    if len(x) != width:
        raise OscnetError(f"this model takes {width} inputs ({', '.join(model.input_names)}), "
                          f"you gave {len(x)}")
    print(_answer(model, model.predict(x), distribution=True))
    return 0


def _data_rows(path: Path, width: int) -> np.ndarray:
    """The input columns of a data file: all its columns, or all but the last (the class)."""
    import numpy as np

    from oscnet.project.dataset import load_table

    table = load_table(path, 1)
    if table.inputs.shape[1] == width:
        return table.inputs
    if table.inputs.shape[1] + 1 == width:
        return np.column_stack([table.inputs, table.outputs[0].values])
    raise OscnetError(f"{path} has {table.inputs.shape[1] + 1} columns; the model takes {width} inputs "
                      "(give them, optionally followed by the class column)")


def _answer(model: Any, result: np.ndarray, distribution: bool) -> str:
    """A numeric class's value as Java prints it, or the class label (and the distribution)."""
    import numpy as np

    from oscnet.nn.wekatext import java_double

    if model.kind == "numeric":
        return java_double(float(result))
    best = int(np.argmax(result))
    label = model.class_labels[best] if float(np.max(result)) > 0 else "?"
    if not distribution:
        return label
    return f"{label}    distribution: {' '.join(java_double(float(p)) for p in result)}"
