"""`oscnet bench train --cli DIR...`: `oscnet train` end to end on each output of real projects,
next to Weka 3.6's own command line on the same data.

Each output of each project (an oscnet project or a Wekinator folder, read as a live session
reads it: the output's learner, its options, its selected inputs, its rows with a value) is
written as one ARFF, as Wekinator hands Weka an output's data. Then, alternating so a burst of
load on a shared machine hits both alike, `oscnet train FILE --recipe R <options>` runs as a
fresh process, timed from start to exit (start-up, reading, training, printing the model), and
`java -cp weka.jar CLASS -t FILE -no-cv <Wekinator's options>` reports its "Time taken to build
model" (the build alone: no JVM start, no reading). Reported per set: the medians and their
ratio; overall: the median ratio over the sets where Weka takes at least --min-weka seconds.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from oscnet.bench.weka_timing import WEKA_JAR, named_options, weka_available, weka_classifier, write_job_arff
from oscnet.errors import OscnetError

if TYPE_CHECKING:
    from oscnet.live.trainer import TrainJob

TARGET = 0.5  # issue 13: `oscnet train` end to end ≤ 0.5× Weka's build, median over the sets


@dataclass
class DataSet:
    """One output's data as a file, the two commands that train on it, and their times (s)."""

    name: str
    shape: str
    oscnet: list[str]
    weka: list[str]
    oscnet_s: list[float] = field(default_factory=list)
    weka_s: list[float] = field(default_factory=list)


def oscnet_flags(job: TrainJob) -> list[str]:
    """`--recipe R` and the job's options as `oscnet train` takes them (Weka's flag letters)."""
    from oscnet.recipes import get

    flags = ["--recipe", job.recipe]
    named = named_options(job.recipe, job.options)
    for option in get(job.recipe).options:
        value = named[option.name]
        flags += [f"-{option.flag}", str(value).lower() if isinstance(value, bool) else str(value)]
    return flags


def data_sets(projects: list[str], folder: Path) -> list[DataSet]:
    """Every trainable output of every project, written as ARFF under `folder`."""
    from oscnet.bench.train_project import project_jobs, served_copy

    sets = []
    for p, source in enumerate(map(Path, projects)):
        project = served_copy(source, folder / f"project{p + 1}")
        jobs = project_jobs(project)
        if not jobs:
            raise OscnetError(f"{source}: no output has examples to train on")
        for job in jobs:
            arff = write_job_arff(folder / f"p{p + 1}-output{job.output + 1}.arff", job)
            cls, flags, _ = weka_classifier(job.recipe, job.options)
            classes = f"{len(job.class_labels)} classes" if job.class_labels else "numeric"
            sets.append(DataSet(
                f"{source.name.split('__')[-1]}/{job.class_name}",
                f"{job.recipe}, {len(job.target)}x{job.inputs.shape[1]}, {classes}",
                [sys.executable, "-m", "oscnet", "train", str(arff), *oscnet_flags(job)],
                ["java", "-cp", str(WEKA_JAR), cls, "-t", str(arff), "-no-cv", *flags]))
    return sets


def weka_build(command: list[str]) -> float:
    """Weka's "Time taken to build model", in seconds."""
    done = subprocess.run(command, capture_output=True, text=True)
    found = re.search(r"Time taken to build model: ([\d.]+) seconds", done.stdout)
    if done.returncode != 0 or not found:
        raise OscnetError(f"Weka failed ({' '.join(command)}): {done.stderr.strip()[-500:]}")
    return float(found.group(1))


def oscnet_run(command: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one `oscnet train`, from starting the process to its exit."""
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise OscnetError(f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}")
    return wall


def run_cli(args: argparse.Namespace) -> int:
    """Time both commands on every set, alternately, and print the ratios and their median."""
    from oscnet.bench.startup import child_env

    missing = weka_available()
    if missing:
        raise OscnetError(f"cannot compare with Weka: {missing}")
    env = child_env()
    with tempfile.TemporaryDirectory(prefix="oscnet-bench-cli-") as tmp:
        sets = data_sets(args.cli, Path(tmp))
        print(f"oscnet bench train --cli: {len(sets)} data sets, {args.repeat} runs each, alternating; "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
        oscnet_run(sets[0].oscnet, env)  # disk caches and numba's cache warm; not counted
        for _ in range(args.repeat):
            for data in sets:
                data.weka_s.append(weka_build(data.weka))
                data.oscnet_s.append(oscnet_run(data.oscnet, env))
    print(f"{'data set':<40} {'learner, rows x inputs':<34} {'Weka s':>7} {'oscnet s':>8} {'ratio':>6}")
    ratios = []
    for data in sets:
        weka, ours = statistics.median(data.weka_s), statistics.median(data.oscnet_s)
        counted = weka >= args.min_weka
        ratio = ours / weka if weka > 0 else float("inf")
        if counted:
            ratios.append(ratio)
        spread = f"  (oscnet {min(data.oscnet_s):.2f}-{max(data.oscnet_s):.2f})" if len(data.oscnet_s) > 1 else ""
        print(f"{data.name:<40} {data.shape:<34} {weka:7.2f} {ours:8.2f} {ratio:6.2f}"
              f"{'' if counted else '  (not counted: Weka < ' + format(args.min_weka, 'g') + ' s)'}{spread}")
    print("Weka: \"Time taken to build model\" of its command line (a cold JVM, the build alone); oscnet: "
          "`oscnet train` from process start to exit")
    if not ratios:
        print(f"no data set where Weka takes ≥ {args.min_weka:g} s")
        return 0
    median = statistics.median(ratios)
    print(f"median ratio oscnet / Weka over the {len(ratios)} sets where Weka takes ≥ {args.min_weka:g} s: "
          f"{median:.2f}  (target ≤ {TARGET}) [{'ok' if median <= TARGET else 'MISSED'}]")
    return 0
