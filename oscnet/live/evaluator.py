"""Weka's evaluation of a live project's outputs, in a worker process, never on the receive path.

`python -m oscnet.live.evaluator` reads one job from stdin (the outputs' examples as the
training worker gets them, the folds and the seed, JSON with arrays as base64) and writes each
output's figures and Weka's printed block to stdout. A fresh process per evaluation: an
evaluation is rare, and it must not hold up a training in the training worker.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from oscnet.errors import OscnetError
from oscnet.live.trainer import TrainJob, _pack, _unpack
from oscnet.recipes import fit_model
from oscnet.recipes.evaluation import cross_validate, evaluate_training

log = logging.getLogger(__name__)

Done = Callable[[list[dict[str, Any]]], None]


def evaluate_jobs(jobs: list[TrainJob], folds: int, seed: int = 1) -> list[dict[str, Any]]:
    """Each job's evaluation: {"output", "figures", "text", "error"}."""
    results = []
    for job in jobs:
        def fit(x: np.ndarray, y: np.ndarray, job: TrainJob = job) -> Any:
            return fit_model(job.recipe, x, y, job.input_names, job.class_name, job.class_labels, job.options)
        try:
            if folds >= 2:
                ev = cross_validate(fit, job.inputs, job.target, job.class_labels, folds, seed)
            else:
                ev = evaluate_training(fit, job.inputs, job.target, job.class_labels)
            figures = {key: float(value) for key, value in ev.figures().items()}
            results.append({"output": job.output, "figures": figures, "text": ev.text(), "error": None})
        except OscnetError as exc:
            results.append({"output": job.output, "figures": {}, "text": "", "error": str(exc)})
    return results


class Evaluation:
    """One evaluation run: a worker process fed from a thread; `on_done` gets the results."""

    def __init__(self, jobs: list[TrainJob], folds: int, on_done: Done) -> None:
        self.message = _pack({"folds": folds, "jobs": [vars(job) for job in jobs]})
        self.outputs = [job.output for job in jobs]
        self.on_done = on_done
        self.thread = threading.Thread(target=self._run, name="oscnet-evaluate", daemon=True)

    def start(self) -> Evaluation:
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            done = subprocess.run([sys.executable, "-m", "oscnet.live.evaluator"], input=self.message,
                                  capture_output=True, timeout=3600)
            if done.returncode != 0:
                raise OscnetError(done.stderr.decode(errors="replace").strip().splitlines()[-1:] or "it stopped")
            results = _unpack(done.stdout)["results"]
        except (OSError, subprocess.SubprocessError, OscnetError, ValueError) as exc:
            results = [{"output": k, "figures": {}, "text": "", "error": f"the evaluation worker failed: {exc}"}
                       for k in self.outputs]
        self.on_done(results)


def main() -> int:
    os.nice(10)  # the worker yields to the performance's receive thread (no preexec_fn: threads)
    message = _unpack(sys.stdin.buffer.read())
    jobs = [TrainJob(**job) for job in message["jobs"]]
    sys.stdout.buffer.write(_pack({"results": evaluate_jobs(jobs, int(message["folds"]))}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
