"""`oscnet train`, `oscnet dump`, `oscnet predict`: the network without any OSC."""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path

import numpy as np

from oscnet.errors import OscnetError
from oscnet.nn.model import Model
from oscnet.nn.wekatext import java_double, weka_text
from oscnet.project.dataset import load_table
from oscnet.recipes import RECIPES, fit_model


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the offline subcommands."""
    train = subparsers.add_parser(
        "train", help="train on an ARFF or CSV file and print the model as Weka does",
        description="Train one model per output column (the last --outputs columns) on DATA.")
    train.add_argument("data", metavar="DATA", help="an .arff file, or a .csv (header row optional)")
    train.add_argument("--outputs", type=int, default=1, metavar="N", help="the last N columns are outputs (default 1)")
    train.add_argument("--recipe", choices=list(RECIPES), default="weka", help="training recipe (default weka)")
    train.add_argument("-H", "--hidden", default="i", help="hidden layers as Weka's -H: i, a, o, t, N or a list '8,4' (default i)")
    train.add_argument("-L", "--learning-rate", type=float, help="learning rate (weka default 0.3)")
    train.add_argument("-M", "--momentum", type=float, help="momentum (weka default 0.2, batch 0.9; not for seed)")
    train.add_argument("-N", "--epochs", type=int, help="training epochs (weka default 500)")
    train.add_argument("-S", "--seed", type=int, default=0, help="random seed (default 0)")
    train.add_argument("--save", metavar="MODEL", help="save the model as JSON (several outputs: a folder of them)")
    train.add_argument("-q", "--quiet", action="store_true", help="do not print the model text")
    train.set_defaults(func=run_train)

    dump = subparsers.add_parser("dump", help="print a saved model in Weka's text format")
    dump.add_argument("model", metavar="MODEL", help="a model .json file")
    dump.set_defaults(func=run_dump)

    predict = subparsers.add_parser("predict", help="run a saved model on one input vector")
    predict.add_argument("model", metavar="MODEL", help="a model .json file")
    predict.add_argument("inputs", metavar="X", nargs="+", help="input values; '?' for missing")
    predict.set_defaults(func=run_predict)


def _options(args: argparse.Namespace) -> dict:
    """The recipe options the user gave, named as the recipes name them."""
    if args.recipe == "seed" and args.momentum is not None:
        raise OscnetError("the seed recipe (the tutorial's rule) has no momentum; drop --momentum")
    given = {"hidden": args.hidden, "learning_rate": args.learning_rate, "momentum": args.momentum,
             "epochs": args.epochs, "seed": args.seed}
    return {k: v for k, v in given.items() if v is not None}


def run_train(args: argparse.Namespace) -> int:
    """Train every output column and print/save the models."""
    table = load_table(args.data, args.outputs)
    models = []
    for output in table.outputs:
        model = fit_model(args.recipe, table.inputs, output.values, table.input_names,
                          output.name, output.labels, _options(args))
        models.append(model)
        if not args.quiet:
            if len(table.outputs) > 1:
                print(f"=== {output.name} ===")
            print(weka_text(model), end="")
            restarts = model.info.get("restarts", 0)
            if restarts:
                print(f"(training diverged {restarts} time(s); restarted with learning rate "
                      f"{model.info['learning_rate_used']}, as Weka does)")
    if args.save:
        target = Path(args.save)
        if len(models) == 1:
            models[0].save(target)
            print(f"saved {target}")
        else:
            for model in models:
                path = target / (_safe_name(model.class_name) + ".json")
                model.save(path)
                print(f"saved {path}")
    return 0


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name) or "output"


def run_dump(args: argparse.Namespace) -> int:
    """Print the model text, as Wekinator's "Display in console"."""
    print(weka_text(Model.load(args.model)), end="")
    return 0


def run_predict(args: argparse.Namespace) -> int:
    """Print the model's output for one input vector."""
    model = Model.load(args.model)
    try:
        x = np.array([math.nan if v == "?" else float(v) for v in args.inputs])
    except ValueError:
        raise OscnetError("inputs must be numbers (or '?' for a missing value)") from None
    if len(x) != model.n_inputs:
        raise OscnetError(f"this model takes {model.n_inputs} inputs ({', '.join(model.input_names)}), "
                          f"you gave {len(x)}")
    result = model.predict(x)
    if model.kind == "numeric":
        print(java_double(float(result)))
    else:
        best = int(np.argmax(result))
        dist = " ".join(java_double(float(p)) for p in result)
        print(f"{model.class_labels[best]}    distribution: {dist}")
    return 0
