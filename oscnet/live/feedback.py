"""What a performer should hear about a training: problems in the examples before it starts,
and what went wrong after it ends — each in words a person can act on.

Pure functions on one output's examples; the session logs each warning and sends it as
`/oscnet/status/warning <output number> <output name> <text>` (beside Wekinator's messages).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

WARNING = "/oscnet/status/warning"
FAILED = "/oscnet/status/training-failed"
PROGRESS = "/oscnet/status/progress"
EPOCH = "/oscnet/status/epoch"
"""k, name, epochs done, epochs in all, the last epoch's mean squared error: while a network trains."""
EVALUATION = "/oscnet/status/evaluation"
"""k, name, then the figures: a classifier's correct %, kappa, MAE, RMSE, RAE %, RRSE %, n;
a continuous output's correlation, MAE, RMSE, RAE %, RRSE %, n (Weka's definitions)."""


def example_warnings(name: str, inputs: np.ndarray, target: np.ndarray, input_names: Sequence[str],
                     classes: int | None) -> list[str]:
    """Problems in one output's examples: inputs (n, d) and targets (n,) (class numbers 1..N for a
    classifier, `classes` its N; None for a continuous output). NaN targets are not examples."""
    rows = ~np.isnan(target)
    x, y = inputs[rows], target[rows]
    found = []
    if len(y) == 0:
        return [f"{name} has no examples: record some (its training is skipped)"]
    if classes is not None:
        used = np.unique(y)
        if len(used) == 1:
            found.append(f"{name} has examples of class {int(used[0])} only: it will always answer "
                         f"{int(used[0])}; record the other classes too")
        if len(y) < classes:
            found.append(f"{name} has {len(y)} examples for {classes} classes: record at least one per class")
    constant = [input_names[i] for i in range(x.shape[1]) if len(x) > 1 and np.all(x[:, i] == x[0, i])]
    if constant:
        found.append(f"{name}: input(s) {', '.join(constant)} never changed while recording, so they "
                     "teach the model nothing; check the controller, or deselect them")
    contradictions = _contradictions(x, y)
    if contradictions:
        found.append(f"{name}: {contradictions} inputs were recorded with different values (the same "
                     "pose, two answers); delete the wrong round or record them apart")
    return found


def _contradictions(x: np.ndarray, y: np.ndarray) -> int:
    """How many distinct input vectors carry more than one target value.

    Rows sorted by their values (numpy's numeric sorts, cheaper than np.unique's on whole rows);
    a row unlike the one before starts an input vector's group (a NaN is unlike anything), and a
    group counts when its targets, sorted within it, change."""
    if len(x) < 2:
        return 0
    rows = np.lexsort(x.T[::-1])
    xs = x[rows]
    starts = np.empty(len(x), dtype=bool)
    starts[0] = True
    np.any(xs[1:] != xs[:-1], axis=1, out=starts[1:])
    group = np.cumsum(starts) - 1
    pairs = np.lexsort((y[rows], group))  # by group, then target
    g, t = group[pairs], y[rows][pairs]
    new_pair = np.empty(len(x), dtype=bool)
    new_pair[0] = True
    new_pair[1:] = (g[1:] != g[:-1]) | (t[1:] != t[:-1])
    return int(np.count_nonzero(np.bincount(g[new_pair]) > 1))


def model_warnings(name: str, model: Any) -> list[str]:
    """What a finished training says about itself (e.g. Weka's restarts after a diverging error)."""
    restarts = int(getattr(model, "info", {}).get("restarts", 0) or 0)
    if restarts:
        rate = model.info.get("learning_rate_used")
        return [f"{name}: the training diverged {restarts} time(s) and restarted at learning rate {rate}, "
                "as Weka does; very large or very different input ranges cause this"]
    return []
