"""`oscnet bench train --recipe R`: each learner's build time next to Weka 3.6 building the same model.

For each recipe: a data set of the class type Wekinator uses it for (numeric for the networks and
linear regression, nominal with 3 classes for the classifiers), the recipe's default options (as
Wekinator's default builders), oscnet's build timed in this process (after one untimed build:
what a warm training worker does) and Weka's in one JVM (weka_timing.py: its first, cold
build and the median of the JIT-warm ones). Medians of CPU and wall time; the ratio uses CPU
time, which other programs on a busy machine do not inflate.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import TYPE_CHECKING, Any

from oscnet.bench.weka_timing import quote_options, time_weka, weka_available, weka_classifier
from oscnet.live.worker import ONE_THREAD

if TYPE_CHECKING:
    import numpy as np

    from oscnet.live.trainer import TrainJob

SLOW_BUILD = 5.0  # seconds: a learner this slow is built once more, not --repeat times


def bench_data(rows: int, inputs: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """A smooth numeric target of `inputs` random inputs, fixed by the seed."""
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.random((rows, inputs))
    y = np.sin(3 * x[:, 0]) + x[:, 1:].sum(axis=1) * 0.2 + 0.05 * rng.standard_normal(rows)
    return x, y


def recipe_job(recipe: str, rows: int, inputs: int, epochs: int | None) -> TrainJob:
    """The bench data for a recipe, as the training worker gets it."""
    import numpy as np

    from oscnet.live.trainer import TrainJob
    from oscnet.recipes import get

    chosen = get(recipe)
    x, y = bench_data(rows, inputs)
    names = [f"x{i + 1}" for i in range(inputs)]
    options: dict[str, Any] = {}
    if epochs is not None and any(o.name == "epochs" for o in chosen.options):
        options["epochs"] = epochs
    if chosen.class_types[0] == "numeric":
        return TrainJob(0, recipe, x, y, names, "y", None, options)
    low, high = np.quantile(y, [1 / 3, 2 / 3])  # three classes of about equal size
    classes = (y > low).astype(float) + (y > high).astype(float)
    return TrainJob(0, recipe, x, classes, names, "class", ["1", "2", "3"], options)


def time_oscnet(job: TrainJob, repeat: int) -> tuple[float, list[float], list[float]]:
    """(the first build's wall seconds, then wall and CPU seconds of each timed build)."""
    from oscnet.recipes import fit_model

    def build() -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        fit_model(job.recipe, job.inputs, job.target, job.input_names, job.class_name, job.class_labels, job.options)
        return time.perf_counter() - wall, time.process_time() - cpu

    first, _ = build()
    runs = [build() for _ in range(1 if first > SLOW_BUILD else repeat)]
    return first, [w for w, _ in runs], [c for _, c in runs]


def run_recipes(args: argparse.Namespace) -> int:
    """Print one line per recipe: oscnet's build, Weka's cold and warm builds, the ratio."""
    for name in ONE_THREAD:  # as in a training worker (before numpy loads, when this runs from the command)
        os.environ.setdefault(name, "1")
    from oscnet.recipes import RECIPES, get

    names = list(RECIPES) if "all" in args.recipe else [get(r).name for r in args.recipe]
    missing = weka_available()
    print(f"oscnet bench train --recipe: {args.rows} examples x {args.inputs} inputs, each recipe's default "
          f"options{'' if args.epochs is None else f' (networks: {args.epochs} epochs)'}; "
          f"oscnet: median of {args.repeat} builds after one untimed; Weka 3.6: one JVM, first (cold) build "
          f"and median of {args.repeat} JIT-warm builds. Times in ms.")
    if missing:
        print(f"Weka: not measured ({missing})")
    print(f"{'recipe':<12} {'class':<8} {'oscnet cpu':>10} {'oscnet wall':>11} {'Weka warm cpu':>13} "
          f"{'Weka cold wall':>14} {'cpu ratio':>9}  Weka class")
    for name in names:
        job = recipe_job(name, args.rows, args.inputs, args.epochs)
        first, walls, cpus = time_oscnet(job, args.repeat)
        cls, flags, note = weka_classifier(name, job.options)
        line = (f"{name:<12} {'nominal' if job.class_labels else 'numeric':<8} {statistics.median(cpus) * 1e3:10.1f} "
                f"{statistics.median(walls) * 1e3:11.1f}")
        if missing:
            print(f"{line}  (first build {first * 1e3:.0f} ms)")
            continue
        weka = time_weka([job], passes=1 + (1 if first > SLOW_BUILD else args.repeat))
        warm_cpu = statistics.median(p[0] for p in weka.cpu[1:])
        ratio = statistics.median(cpus) * 1e3 / warm_cpu if warm_cpu > 0 else float("nan")
        print(f"{line} {warm_cpu:13.1f} {weka.wall[0][0]:14.1f} {ratio:9.3f}  {cls.rsplit('.', 1)[1]} "
              f"{quote_options(flags)}{f' ({note})' if note else ''}")
    print("cpu ratio = oscnet's median CPU time per build / Weka's warm median (below 1: oscnet is faster)")
    return 0
