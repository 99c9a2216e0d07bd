"""What the training pool (trainer.py) takes and gives back, and its settings from the environment.

A training is one `TrainJob` per output; each comes back as a `TrainResult`, and while a network
trains, its epochs come back as `Epoch`s (sampled by the worker, see worker.py).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger("oscnet.live.trainer")

MAX_WORKERS = 4  # each warm worker holds ~60 MB of its own (numpy, scipy, numba and the recipes)
WORKERS_ENV = "OSCNET_TRAIN_WORKERS"
TIMEOUT_ENV = "OSCNET_TRAIN_TIMEOUT"
DEFAULT_TIMEOUT = 30.0  # seconds a busy worker may stay silent; it beats every second or more often


@dataclass
class TrainJob:
    """One output's training: raw inputs (n, n_selected), targets (n,) with NaN = not recorded."""

    output: int  # 0-based output index
    recipe: str
    inputs: np.ndarray
    target: np.ndarray
    input_names: list[str]
    class_name: str
    class_labels: list[str] | None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class TrainResult:
    """A trained model, or the reason there is none."""

    output: int
    model: Any  # None when the output failed
    error: str | None = None


@dataclass(frozen=True)
class Epoch:
    """How far one output's training is: epochs done of all, and the last epoch's mean squared
    error (Weka's "error per epoch" for the weka recipe; normalised targets)."""

    output: int  # 0-based output index
    epoch: int
    epochs: int
    error: float


Done = Callable[[int, list[TrainResult]], None]
Progress = Callable[[int, int, int], None]  # (job id, outputs done, outputs in the job)
EpochDone = Callable[[int, Epoch], None]  # (job id, the epoch)


def default_workers() -> int:
    """One worker per core this process may run on, at most MAX_WORKERS ($OSCNET_TRAIN_WORKERS wins)."""
    given = os.environ.get(WORKERS_ENV, "").strip()
    if given.isdigit() and int(given) >= 1:
        return int(given)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS))


def default_timeout() -> float:
    """Seconds a worker may be silent while it trains before it is killed ($OSCNET_TRAIN_TIMEOUT)."""
    given = os.environ.get(TIMEOUT_ENV, "").strip()
    if not given:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(given)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        log.warning("%s=%r is not a number of seconds > 0; using %g", TIMEOUT_ENV, given, DEFAULT_TIMEOUT)
        return DEFAULT_TIMEOUT
    return seconds
