"""One output's trained model as the receive path runs it: scaling folded into the weights.

Model.predict rescales the inputs and handles missing values on every call; live inputs are
always complete, so the input scaling x' = (x − base)·s is folded into the first layer once
(W' = W·s, θ' = θ − W'·base) and each message costs only the matrix products.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit

from oscnet.nn.model import Model
from oscnet.project.outputs import OutputSpec


class Runner:
    """Computes one output's value (and a classifier's distribution) from the full input vector."""

    def __init__(self, model: Model, spec: OutputSpec, input_indexes: list[int]) -> None:
        self.spec = spec
        self.select = np.asarray(input_indexes, dtype=np.intp)
        net = model.network
        weights = [w.copy() for w in net.weights]
        thresholds = [t.copy() for t in net.thresholds]
        if model.input_scaling is not None:
            base, span = model.input_scaling.base, model.input_scaling.range
            scale = np.where(span != 0, 1.0 / np.where(span != 0, span, 1.0), 1.0)
            weights[0] = weights[0] * scale
            thresholds[0] = thresholds[0] - weights[0] @ base
        self.layers = list(zip(weights, thresholds))
        self.linear_output = net.output_activation == "linear"
        self.out_base, self.out_range = 0.0, 1.0
        if model.kind == "numeric" and model.output_scaling is not None:
            self.out_base = float(model.output_scaling.base[0])
            self.out_range = float(model.output_scaling.range[0])
        self.classifier = model.kind == "nominal"

    def __call__(self, inputs: np.ndarray) -> tuple[float, np.ndarray | None]:
        """(value to send, class distribution or None) for inputs of shape (n_all_inputs,)."""
        h = inputs[self.select]
        last = len(self.layers) - 1
        for l, (W, threshold) in enumerate(self.layers):
            x = W @ h + threshold
            h = x if (l == last and self.linear_output) else expit(x)
        if not self.classifier:
            return self.spec.finish(float(h[0]) * self.out_range + self.out_base), None
        total = h.sum()
        distribution = h / total if total > 0 else np.full(len(h), 1.0 / len(h))
        return self.spec.class_value(distribution), distribution

    def values(self, rows: np.ndarray) -> np.ndarray:
        """The values `__call__` gives, for many full input vectors (n, n_all_inputs) at once (the
        web view's model map; not the receive path)."""
        h = rows[:, self.select].T
        last = len(self.layers) - 1
        for l, (W, threshold) in enumerate(self.layers):
            x = W @ h + threshold[:, None]
            h = x if (l == last and self.linear_output) else expit(x)
        if not self.classifier:
            return self.spec.finish_all(h[0] * self.out_range + self.out_base)
        totals = h.sum(axis=0)
        even = np.full(h.shape, 1.0 / len(h))
        return self.spec.class_values(np.where(totals > 0, h / np.where(totals > 0, totals, 1.0), even).T)


class LearnerRunner:
    """Any other learner (kNN, trees, ...): its own pure `predict` on the selected inputs."""

    def __init__(self, model: Any, spec: OutputSpec, input_indexes: list[int]) -> None:
        self.spec = spec
        self.select = np.asarray(input_indexes, dtype=np.intp)
        self.model = model
        self.classifier = model.kind == "nominal"

    def __call__(self, inputs: np.ndarray) -> tuple[float, np.ndarray | None]:
        """(value to send, class distribution or None) for inputs of shape (n_all_inputs,)."""
        out = self.model.predict(inputs[self.select])
        if not self.classifier:
            return self.spec.finish(float(out)), None
        distribution = np.asarray(out, dtype=np.float64)
        return self.spec.class_value(distribution), distribution

    def values(self, rows: np.ndarray) -> np.ndarray:
        """The values `__call__` gives, for many full input vectors (n, n_all_inputs) at once."""
        out = np.asarray(self.model.predict(rows[:, self.select]), dtype=np.float64)
        if not self.classifier:
            return self.spec.finish_all(out.reshape(len(rows)))
        return self.spec.class_values(out.reshape(len(rows), -1))
