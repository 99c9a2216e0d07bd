"""`oscnet bench train`: training speed next to Weka 3.6's own, measured in the same run.

Four benches: by default the weka recipe's compiled loop on synthetic data (µs per update, next
to its plain-numpy reference and Weka's MultilayerPerceptron CLI); `--project DIR` a whole
project trained in a live server (train_project.py); `--recipe R` each learner's build
(train_recipes.py); `--cli DIR...` `oscnet train` end to end on each output of real projects
(train_cli.py).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

WEKA_JAR = Path("/usr/share/java/weka.jar")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `oscnet bench train`."""
    p = subparsers.add_parser(
        "train", help="training vs Weka 3.6: the weka recipe's loop, a whole project live (--project), "
                      "each learner (--recipe)",
        description="Without --project or --recipe: the weka recipe on 2,000 examples x 10 inputs x 500 epochs, "
                    "µs per update, next to Weka 3.6's MultilayerPerceptron.")
    p.add_argument("--project", metavar="DIR", help="an oscnet project or a Wekinator project folder: every output, "
                   "from train to done-training in a live `oscnet serve` (parallel, then one worker), next to Weka "
                   "building the same models one after another")
    p.add_argument("--recipe", action="append", metavar="R", help="a learner's build time next to Weka's for the "
                   "matching class with Wekinator's options (repeatable; `all` for every one)")
    p.add_argument("--cli", nargs="+", metavar="DIR", help="`oscnet train` end to end (a fresh process) on each "
                   "output of these projects, next to Weka's command line on the same ARFF")
    p.add_argument("--min-weka", type=float, default=1.0, metavar="S", help="--cli: the median ratio counts the "
                   "sets where Weka's build takes at least S seconds (default 1)")
    p.add_argument("--rows", type=int, default=2000)
    p.add_argument("--inputs", type=int, default=10)
    p.add_argument("--epochs", type=int, help="epochs of the network recipes (default 500; with --recipe: "
                   "each recipe's default)")
    p.add_argument("--repeat", type=int, default=3, help="runs of each; the median is reported")
    p.add_argument("--trainings", type=int, default=5, help="--project: trainings per server (default 5)")
    p.add_argument("--port", type=int, default=0, metavar="BASE", help="--project: UDP ports from BASE (the client "
                   "BASE, the server BASE+1; the serial run BASE+2, BASE+3); default any free ports")
    p.add_argument("--train-policy", choices=["idle", "batch", "normal"], help="--project: how the training "
                   "workers yield the CPU (default: batch, SCHED_BATCH)")
    p.add_argument("--reference-epochs", type=int, default=2,
                   help="epochs for the plain-numpy reference loop (it is ~150x slower)")
    p.set_defaults(func=run)


def weka_build_seconds(arff: Path, epochs: int) -> float | None:
    """Weka's own "Time taken to build model", or None when java or weka.jar is absent."""
    if not (shutil.which("java") and WEKA_JAR.exists()):
        return None
    out = subprocess.run(["java", "-cp", str(WEKA_JAR), "weka.classifiers.functions.MultilayerPerceptron",
                          "-t", str(arff), "-H", "i", "-L", "0.3", "-M", "0.2", "-N", str(epochs), "-no-cv"],
                         capture_output=True, text=True, check=True).stdout
    match = re.search(r"Time taken to build model: ([\d.]+) seconds", out)
    return float(match.group(1)) if match else None


def run(args: argparse.Namespace) -> int:
    """Print µs per example-update for oscnet's compiled loop, its numpy reference, and Weka."""
    if args.project:
        from oscnet.bench.train_project import run_project

        return run_project(args)
    if args.cli:
        from oscnet.bench.train_cli import run_cli

        return run_cli(args)
    if args.recipe:
        from oscnet.bench.train_recipes import run_recipes

        return run_recipes(args)
    args.epochs = args.epochs or 500
    import numpy as np

    from oscnet.bench.train_recipes import bench_data
    from oscnet.project.arff import ArffData, Attribute, write_arff
    from oscnet.recipes.weka import WekaOptions, train_weka, warm_up

    x, y = bench_data(args.rows, args.inputs)
    names = [f"x{i + 1}" for i in range(args.inputs)]
    updates = args.rows * args.epochs
    t0 = time.perf_counter()
    warm_up()
    print(f"data: {args.rows} examples x {args.inputs} inputs, -H i, {args.epochs} epochs = {updates:,} updates")
    print(f"numba warm-up (compile or load from disk cache): {time.perf_counter() - t0:.2f} s")

    def timed(fast: bool, epochs: int) -> float:
        start = time.perf_counter()
        train_weka(x, y, names, options=WekaOptions(epochs=epochs), fast=fast)
        return time.perf_counter() - start

    ours = float(np.median([timed(True, args.epochs) for _ in range(args.repeat)]))
    reference = timed(False, args.reference_epochs) / (args.rows * args.reference_epochs)
    print(f"oscnet weka recipe (compiled): {ours:.3f} s  = {ours / updates * 1e6:.3f} us per update")
    print(f"oscnet numpy reference loop:   {reference * 1e6:.1f} us per update "
          f"({args.reference_epochs} epochs, extrapolated)")
    with tempfile.TemporaryDirectory() as tmp:
        arff = Path(tmp) / "bench.arff"
        attributes = [Attribute(n, "numeric") for n in names] + [Attribute("y", "numeric")]
        write_arff(arff, ArffData("bench", attributes, np.column_stack([x, y])))
        weka = [weka_build_seconds(arff, args.epochs) for _ in range(args.repeat)]
    measured = [s for s in weka if s is not None]
    if len(measured) < len(weka):
        print("Weka 3.6: not measured (install it with: apt-get install -y weka)")
        return 0
    weka_s = float(np.median(measured))
    print(f"Weka 3.6 'Time taken to build model' (median of {args.repeat}): {weka_s:.3f} s "
          f"= {weka_s / updates * 1e6:.3f} us per update")
    print(f"ratio oscnet / Weka: {ours / weka_s:.3f}  (target <= 0.2)")
    return 0
