"""One output's type as Wekinator defines it: continuous (limits, integer) or classifier (1..N)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from oscnet.errors import OscnetError

OutputType = Literal["continuous", "classifier", "dtw"]
Limits = Literal["soft", "hard"]


@dataclass
class OutputSpec:
    """An output's name, type and the inputs that feed its model (0-based; None = all inputs)."""

    name: str
    type: OutputType = "continuous"
    min: float = 0.0
    max: float = 1.0
    limits: Limits = "soft"
    integer: bool = False
    classes: int = 0  # classifier only: labels 1..classes
    distribution: bool = False  # classifier only: also send /<name> with classes+1 floats
    confidence: float | None = None  # classifier only: below this probability, send `unknown` instead
    unknown: float = 0.0  # classifier only: the value sent for "not sure" (Wekinator patches read 0 as none)
    inputs: list[int] | None = field(default=None)
    gestures: list[str] = field(default_factory=list)  # dtw only: gesture names (matched at /<name>)
    threshold: float = 5.0  # dtw only: a match needs a distance below this (Wekinator's default)
    dtw: dict[str, Any] = field(default_factory=dict)  # dtw only: DtwSettings fields (others: defaults)
    learner: str | None = None  # this output's own recipe; None: the default for its type
    options: dict[str, Any] | None = None  # that recipe's options (None: its defaults)

    def training(self, recipe: str, options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The recipe and options this output trains with: its own, else Wekinator's default for
        a classifier (kNN, k = 1), else the project's `training:` (the network by default)."""
        if self.learner is not None:
            return self.learner, dict(self.options or {})
        if self.is_classifier:
            return "knn", {"neighbours": 1}
        return recipe, dict(options)

    @property
    def is_classifier(self) -> bool:
        return self.type == "classifier"

    @property
    def is_dtw(self) -> bool:
        return self.type == "dtw"

    def describe(self) -> str:
        """The type in a few words: `continuous 0..1 soft`, `classifier 3 classes`."""
        if self.is_classifier:
            return f"classifier {self.classes} classes" + (" +distribution" if self.distribution else "")
        if self.is_dtw:
            return f"dtw {len(self.gestures)} gestures, threshold {self.threshold:g}"
        kind = " integer" if self.integer else ""
        return f"continuous {_num(self.min)}..{_num(self.max)} {self.limits}{kind}"

    def default_value(self) -> float:
        """Wekinator's starting value: min for a continuous output, class 1 for a classifier."""
        return 1.0 if self.is_classifier else float(self.min)

    def finish(self, value: float) -> float:
        """A computed continuous value as Wekinator sends it: HARD clips, then INTEGER truncates toward 0."""
        if self.limits == "hard":
            value = min(max(value, self.min), self.max)
        if self.integer:
            value = float(math.trunc(value))
        return value

    def finish_all(self, values: np.ndarray) -> np.ndarray:
        """`finish` for many values at once (the web view's model map)."""
        if self.limits == "hard":
            values = np.clip(values, self.min, self.max)
        return np.trunc(values) if self.integer else np.asarray(values, dtype=np.float64)

    def class_values(self, distributions: np.ndarray) -> np.ndarray:
        """`class_value` for many distributions (n, classes) at once."""
        best = np.argmax(distributions, axis=1)
        values = (best + 1).astype(np.float64)
        if self.confidence is not None:
            values[distributions[np.arange(len(best)), best] < self.confidence] = self.unknown
        return values

    def class_value(self, distribution: np.ndarray) -> float:
        """A classifier's value for a class distribution: Weka's first most probable class (1..N),
        or `unknown` when that class's probability is below `confidence`."""
        best = int(np.argmax(distribution))
        if self.confidence is not None and distribution[best] < self.confidence:
            return self.unknown
        return float(best + 1)

    def check_value(self, value: float, number: int) -> float:
        """A value set by the user (the label of the next examples); classifiers take 1..N only."""
        if not math.isfinite(value) or abs(value) > 3.4e38:
            raise OscnetError(f"output {number} ({self.name}) cannot be {value}: send a finite number "
                              "within ±3.4e38 (what an OSC float holds)")
        if self.is_classifier and (value != int(value) or not 1 <= value <= self.classes):
            raise OscnetError(f"output {number} ({self.name}) is a classifier with {self.classes} "
                              f"classes: its value must be a whole number 1..{self.classes}, not {value:g}")
        return float(value)

    def label(self, value: float) -> float:
        """The value recorded as a training label: HARD limits are enforced on training data too."""
        if self.limits == "hard" and not self.is_classifier:
            return min(max(value, self.min), self.max)
        return value

    def random_value(self, rng: np.random.Generator) -> float:
        """Wekinator's randomize: REAL uniform in [min, max), INTEGER and classes uniform whole numbers."""
        if self.is_classifier:
            return float(rng.integers(1, self.classes + 1))
        if self.integer:
            lo, hi = math.ceil(self.min), math.floor(self.max)
            return float(rng.integers(lo, hi + 1)) if hi >= lo else float(self.min)
        return float(rng.uniform(self.min, self.max))


def _num(x: float) -> str:
    """A number without a useless `.0`."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))
