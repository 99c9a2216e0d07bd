"""The sigmoid network: weight matrices and thresholds, the forward pass, the inverse pass.

Read it like the tutorial: for every layer, X = W·I + θ and O = sigmoid(X). `weights[l]` has
shape (nodes in layer l+1, nodes in layer l), so `weights[0]` is the tutorial's `wih` and
`weights[-1]` its `who` for a one-hidden-layer network.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Literal

import numpy as np

# scipy.special's expit and logit are imported by the passes that use them, not here: training
# (`oscnet train`) builds networks without running them, and scipy.special alone costs a fifth of
# a second to import. numpy's own 1/(1+exp(-x)) is no substitute: its SIMD exp differs from the
# C library's (which expit uses) in the last bit, and the models' outputs would change with it.

Activation = Literal["sigmoid", "linear"]


def _floats(a: np.ndarray) -> np.ndarray:
    """An array of float32 or float64 as given (float64 for anything else, such as lists)."""
    a = np.asarray(a)
    return a if a.dtype in (np.float32, np.float64) else a.astype(np.float64)


class Network:
    """A fully connected network: sigmoid hidden layers, a sigmoid or linear output layer."""

    def __init__(
        self,
        weights: Sequence[np.ndarray],
        thresholds: Sequence[np.ndarray] | None = None,
        output_activation: Activation = "sigmoid",
    ) -> None:
        self.weights = [_floats(w) for w in weights]
        if thresholds is None:  # the tutorial's network has none: all zero
            thresholds = [np.zeros(w.shape[0], dtype=w.dtype) for w in self.weights]
        self.thresholds = [_floats(t) for t in thresholds]
        if output_activation not in ("sigmoid", "linear"):
            raise ValueError(f"output_activation must be 'sigmoid' or 'linear', not {output_activation!r}")
        self.output_activation: Activation = output_activation
        for l, (w, t) in enumerate(zip(self.weights, self.thresholds)):
            if t.shape != (w.shape[0],):
                raise ValueError(f"layer {l}: thresholds {t.shape} do not match weights {w.shape}")
            if l and w.shape[1] != self.weights[l - 1].shape[0]:
                raise ValueError(f"layer {l}: weights {w.shape} do not follow {self.weights[l - 1].shape}")

    @classmethod
    def random(
        cls,
        sizes: Sequence[int],
        rng: np.random.Generator | int | None = None,
        output_activation: Activation = "sigmoid",
    ) -> Network:
        """The tutorial's start: weights drawn from normal(0, links^-0.5), thresholds zero."""
        rng = np.random.default_rng(rng)
        weights = [rng.normal(0.0, n_in**-0.5, (n_out, n_in)) for n_in, n_out in itertools.pairwise(sizes)]
        return cls(weights, None, output_activation)

    @property
    def sizes(self) -> list[int]:
        """Nodes per layer, inputs first: [784, 200, 10]."""
        return [self.weights[0].shape[1]] + [w.shape[0] for w in self.weights]

    def __repr__(self) -> str:
        shape = "-".join(str(n) for n in self.sizes)
        return f"Network({shape}, {self.output_activation} output)"

    def layer_outputs(self, inputs: np.ndarray) -> list[np.ndarray]:
        """Every layer's outputs for inputs of shape (n_inputs,) or (n, n_inputs), inputs first."""
        from scipy.special import expit as sigmoid

        outputs = [np.asarray(inputs, dtype=self.weights[0].dtype)]
        last = len(self.weights) - 1
        for l, (W, threshold) in enumerate(zip(self.weights, self.thresholds)):
            I = outputs[-1]
            X = I @ W.T + threshold  # X = W·I + θ, for one vector or a row per example
            O = X if (l == last and self.output_activation == "linear") else sigmoid(X)
            outputs.append(O)
        return outputs

    def query(self, inputs: np.ndarray) -> np.ndarray:
        """Outputs of shape (n_outputs,) for one input vector, or (n, n_outputs) for a batch."""
        return self.layer_outputs(inputs)[-1]

    def backquery(self, targets: np.ndarray) -> np.ndarray:
        """The tutorial's inverse pass: which input would give these outputs (shape (n_inputs,))."""
        from scipy.special import logit

        O = np.asarray(targets, dtype=np.float64)
        last = len(self.weights) - 1
        for l in range(last, -1, -1):
            linear = l == last and self.output_activation == "linear"
            X = O if linear else logit(O)  # undo the activation
            I = self.weights[l].T @ (X - self.thresholds[l])  # undo X = W·I + θ with the transpose
            # rescale into 0.01..0.99 so the next logit is finite
            I = I - I.min()
            span = I.max()
            I = (I / span if span > 0 else I) * 0.98 + 0.01
            O = I
        return O

    def astype(self, dtype: np.dtype | type) -> Network:
        """The same network with weights stored as `dtype` (float32 halves the memory traffic)."""
        return Network([w.astype(dtype) for w in self.weights],
                       [t.astype(dtype) for t in self.thresholds], self.output_activation)
