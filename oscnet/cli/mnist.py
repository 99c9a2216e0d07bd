"""`oscnet mnist`: train on handwritten digits, test, save the model, draw what it learnt."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from oscnet.errors import OscnetError

# What the parser needs from oscnet.mnist, written here so `oscnet --help` imports no numpy
# (tests/test_startup.py keeps them equal to mnist.NETWORK_RECIPES and mnist.DEFAULT_MIRROR).
NETWORK_RECIPES = ("seed", "batch")
DEFAULT_MIRROR = "https://storage.googleapis.com/cvdf-datasets/mnist/"

# The same values as configs/mnist.yaml (a test keeps them equal); --config reads an edited copy.
DEFAULTS: dict[str, Any] = {
    "data": "data/mnist",
    "model": "mnist-model.json",
    "pictures": "mnist-pictures",
    "recipe": {"name": "batch", "hidden": [200], "epochs": 5, "learning_rate": None,
               "batch_size": 64, "momentum": 0.9, "rotate": 0.0, "seed": 0},
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `oscnet mnist`."""
    p = subparsers.add_parser(
        "mnist", help="train and test on the MNIST handwritten digits",
        description="Train the network on MNIST (IDX or CSV files), test it on the test digits, "
                    "print the performance and a confusion table, save the model.")
    p.add_argument("--config", metavar="FILE", help="YAML settings (copy configs/mnist.yaml and edit)")
    p.add_argument("--data", metavar="DIR", help="folder with the four IDX files or mnist_train/test.csv")
    p.add_argument("--train", metavar="FILE", help="training digits: a .csv or an IDX images file")
    p.add_argument("--test", metavar="FILE", help="test digits: a .csv or an IDX images file")
    p.add_argument("--subset", type=int, metavar="N", help="train on the first N training digits only")
    p.add_argument("--recipe", choices=NETWORK_RECIPES, help="seed: the tutorial's per-example loop; "
                   "batch: vectorised mini-batches (fast, the default)")
    p.add_argument("--hidden", metavar="N[,N...]", help="hidden layer sizes, e.g. 200 or 300,100")
    p.add_argument("--epochs", type=int)
    p.add_argument("--learning-rate", type=float, metavar="RATE")
    p.add_argument("--batch-size", type=int, metavar="N")
    p.add_argument("--momentum", type=float)
    p.add_argument("--rotate", type=float, metavar="DEGREES",
                   help="also train on every digit turned by ±DEGREES (the tutorial uses 10)")
    p.add_argument("--seed", type=int, help="random seed for the start weights and the shuffling")
    p.add_argument("--float64", action="store_true", help="batch recipe: train in float64, not float32")
    p.add_argument("--model", metavar="FILE", help="where to save the model (with --test-only: load it)")
    p.add_argument("--test-only", action="store_true", help="do not train: load --model and test it")
    p.add_argument("--backquery", action="store_true",
                   help="draw what the network thinks each digit looks like (terminal and PNG)")
    p.add_argument("--misclassified", action="store_true", help="save a PNG of the wrongly classified test digits")
    p.add_argument("--pictures", metavar="DIR", help="folder for the PNG pictures")
    p.add_argument("--download", metavar="DIR", help="fetch the four MNIST files into DIR, checking sha256, then stop")
    p.add_argument("--mirror", metavar="URL", default=DEFAULT_MIRROR, help="base URL for --download")
    p.set_defaults(func=run)


def settings(args: argparse.Namespace) -> dict[str, Any]:
    """Defaults, then the --config file, then the command-line options."""
    import yaml

    conf = {**DEFAULTS, "recipe": dict(DEFAULTS["recipe"])}
    if args.config:
        try:
            loaded = yaml.safe_load(Path(args.config).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise OscnetError(f"{args.config}: cannot read the config ({exc})") from None
        if not isinstance(loaded, dict):
            raise OscnetError(f"{args.config}: the config must be a mapping of settings")
        conf["recipe"].update(loaded.pop("recipe", None) or {})
        conf.update(loaded)
    for key in ("data", "model", "pictures"):
        if getattr(args, key) is not None:
            conf[key] = getattr(args, key)
    given = {"name": args.recipe, "epochs": args.epochs, "learning_rate": args.learning_rate,
             "batch_size": args.batch_size, "momentum": args.momentum, "rotate": args.rotate, "seed": args.seed}
    if args.hidden is not None:
        try:
            given["hidden"] = [int(h) for h in args.hidden.split(",")]
        except ValueError:
            raise OscnetError(f"--hidden {args.hidden}: give node counts separated by commas, e.g. 300,100") from None
    if args.recipe == "seed" and args.learning_rate is None and conf["recipe"].get("name") != "seed":
        conf["recipe"]["learning_rate"] = None  # the seed recipe's own rate, not batch's
    conf["recipe"].update({k: v for k, v in given.items() if v is not None})
    return conf


def run(args: argparse.Namespace) -> int:
    """The whole `oscnet mnist` command (in mnist_run.py, which imports numpy and the network)."""
    from oscnet.cli.mnist_run import run_mnist

    return run_mnist(args, None if args.download else settings(args))
