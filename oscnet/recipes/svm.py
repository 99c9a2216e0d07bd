"""Support vector machine: Weka 3.6's ``weka.classifiers.functions.SMO`` as Wekinator runs it.

Wekinator's SVM builder gives SMO ``-C <c> -L 0.001 -P 1.0E-12 -N 0 -V -1 -W 1 -K <kernel>``:
tolerance 0.001, epsilon 1e-12, inputs normalised to [0, 1], no logistic models (so the
"probabilities" are shares of pairwise votes), random seed 1. Kernels: linear = PolyKernel
``-E 1.0``; polynomial = PolyKernel ``-E <e>`` (``-L``: lower-order terms, ``(<x,y>+1)^e``);
RBF = RBFKernel ``-G <gamma>``; all with cache size 250007.

oscnet options: ``K`` linear | poly | rbf (default poly, as Wekinator's builder), ``C``
complexity (1.0), ``E`` exponent (2.0, poly only), ``L`` lower-order terms (poly only), ``G``
gamma (rbf only). The G default is 0.01, what Wekinator's editor offers; a builder never
edited in the GUI holds 0.0 (every RBF value then is 1), which G=0 reproduces. Options of the
other kernels are ignored (Wekinator keeps them too).

What SMO does (read from Weka 3.6, checked against the jar; the solver is in
`oscnet.recipes.svm_smo`):

* Refuses a numeric class ("Cannot handle numeric class"), a class with a single value
  ("unary class") and a training set without labelled rows; rows with a missing class go.
* ReplaceMissingValues: a missing input becomes that input's mean over the training rows
  (summed in row order; 0 when the whole column is missing), in training and prediction.
  (NominalToBinary would run for nominal inputs; oscnet inputs are all numeric.)
* Normalize: ``(x - min) / (max - min)`` with min / max of the training rows after the
  replacement; an input constant in training becomes 0 everywhere, also in prediction.
  Queries outside the training range are not clipped.
* One binary SMO per pair of class values i < j, in that order, over every value of the
  class attribute. The pair's rows are class i's then class j's (file order), shuffled with
  ``Instances.randomize`` by one ``java.util.Random(1)`` shared by all pairs in turn (a pair
  with fewer than 2 rows draws nothing). No rows at all: "No model built yet" and no vote.
  Rows of one class only (e.g. Wekinator's never-used class "0"): no training, b = -1 or +1,
  so the pair always votes for the class it saw.
* distributionForInstance: each built pair votes for j when its output is > 0, else for i;
  the votes are divided by their sum. Ties are frequent; the predicted class is the first
  largest.
* ``-W 1`` only seeds that shuffle; SMO itself draws no random numbers. The pairs are
  independent once shuffled, so oscnet trains them in parallel threads (as many as numba's
  thread setting allows: one in a live training worker, which runs one per core already).
* toString is reproduced exactly, numbers with Weka's ``Utils.doubleToString``. "Number of
  kernel evaluations" is the count when training ends: Weka's counter also grows with every
  later prediction (kernel machines), which a pure ``predict`` cannot copy.

Exactness: models equal Weka's bit for bit (also Java's ``Math.exp``, see
`oscnet.recipes.svm_kernel`), except for polynomial exponents other than 1 and 2, where
Java's ``Math.pow`` is not reproduced and a last-bit difference now and then can lead SMO to a
slightly different model (same predictions on all but a few rows in the tests).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from oscnet.errors import OscnetError
from oscnet.recipes.javarandom import JavaRandom
from oscnet.recipes.svm_util import java_double, weka_number

from . import svm_kernel, svm_smo

NAME = "svm"
CLASS_TYPES = ("nominal",)
KERNELS = ("linear", "poly", "rbf")
OPTIONS: dict[str, tuple[type, Any, str]] = {
    "K": (str, "poly", "kernel: linear, poly or rbf"),
    "C": (float, 1.0, "complexity constant (larger: fewer training errors allowed)"),
    "E": (float, 2.0, "polynomial kernel exponent"),
    "L": (bool, False, "polynomial kernel with lower-order terms, (<x,y> + 1)^E"),
    "G": (float, 0.01, "RBF kernel gamma"),
}


def _options(options: dict[str, Any]) -> dict[str, Any]:
    """The full, checked option dict (missing keys take the defaults)."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise OscnetError(f"svm: unknown option(s) {', '.join(unknown)}; valid options are "
                          + ", ".join(f"{k} ({v[2]})" for k, v in OPTIONS.items()))
    out = {k: options.get(k, v[1]) for k, v in OPTIONS.items()}
    if out["K"] not in KERNELS:
        raise OscnetError(f"svm: kernel K must be one of {', '.join(KERNELS)}, not {out['K']!r}")
    for k in ("C", "E", "G"):
        if not isinstance(out[k], (int, float)) or not math.isfinite(out[k]):
            raise OscnetError(f"svm: option {k} ({OPTIONS[k][2]}) must be a finite number, not {out[k]!r}")
        out[k] = float(out[k])
    if out["C"] <= 0:
        raise OscnetError(f"svm: complexity C must be greater than 0, not {out['C']}")
    out["L"] = bool(out["L"])
    return out


@dataclass
class Pair:
    """One binary machine (classes i < j). status: "empty" (no rows), "one" (one class only),
    "linear" or "kernel". Kernel machines keep their support vectors in row order of the
    shuffled pair data (how Weka prints them) and `order`, the positions in Weka's list order
    (how outputs are summed)."""

    i: int
    j: int
    status: str
    b: float = 0.0
    evals: int = 0
    hits: int = 0
    index: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))   # linear: (k,)
    weight: np.ndarray = field(default_factory=lambda: np.zeros(0))            # linear: (k,)
    alpha: np.ndarray = field(default_factory=lambda: np.zeros(0))             # kernel: (s,)
    sign: np.ndarray = field(default_factory=lambda: np.zeros(0))              # kernel: (s,) ±1
    rows: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))         # kernel: (s, d)
    order: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))   # kernel: (s,)
    # What prediction needs, in list order: support vectors (s, d), y_i alpha_i (s,), norms (s,)
    sv: np.ndarray = field(init=False, repr=False)
    coef: np.ndarray = field(init=False, repr=False)
    norms: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.sv = np.ascontiguousarray(self.rows[self.order]) if len(self.order) else np.zeros((0, 0))
        self.coef = np.ascontiguousarray((self.sign * self.alpha)[self.order]) if len(self.order) else np.zeros(0)
        self.norms = svm_kernel.squared_norms(self.sv) if len(self.order) else np.zeros(0)


@dataclass
class SvmModel:
    """A trained SMO: the filters' constants, the kernel and one `Pair` per class pair."""

    recipe: str
    kind: str
    input_names: list[str]
    class_name: str
    class_labels: list[str]
    options: dict[str, Any]
    means: np.ndarray  # (d,) ReplaceMissingValues
    mins: np.ndarray   # (d,) Normalize
    maxs: np.ndarray   # (d,)
    pairs: list[Pair]

    # -- kernel ------------------------------------------------------------------------------
    def _kernel(self) -> tuple[int, float, bool, float]:
        """(kind, exponent, lower-order, gamma) of Weka's kernel object."""
        k = self.options["K"]
        if k == "rbf":
            return svm_kernel.RBF, 1.0, False, self.options["G"]
        if k == "linear":
            return svm_kernel.POLY, 1.0, False, 0.0
        return svm_kernel.POLY, self.options["E"], self.options["L"], 0.0

    @property
    def linear(self) -> bool:
        """Weka keeps a weight vector when the kernel is a PolyKernel with exponent 1.0."""
        kind, expo, _, _ = self._kernel()
        return kind == svm_kernel.POLY and expo == 1.0

    # -- prediction --------------------------------------------------------------------------
    def filtered(self, raw: np.ndarray) -> np.ndarray:
        """(n, d) raw inputs → SMO's rows: missing → training mean, then min-max normalised."""
        x = np.array(raw, dtype=np.float64, ndmin=2)
        x = np.where(np.isnan(x), self.means, x)
        span = self.maxs - self.mins
        constant = span == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            scaled = (x - self.mins) / np.where(constant, 1.0, span) * 1.0 + 0.0
        return np.where(constant, 0.0, scaled)

    def outputs(self, rows: np.ndarray) -> list[np.ndarray | None]:
        """Each pair's SVM output (n,) for filtered rows, None for a pair without a model."""
        kp = svm_kernel.kernel_params(*self._kernel())
        out: list[np.ndarray | None] = []
        for p in self.pairs:
            if p.status == "empty":
                out.append(None)
            elif p.status == "one" or p.status == "linear":
                out.append(svm_smo.linear_output(rows, p.index, p.weight, p.b))
            else:
                out.append(svm_kernel.kernel_output(rows, p.sv, p.coef, p.norms, kp, p.b))
        return out

    def predict(self, raw: np.ndarray) -> np.ndarray:
        """raw (d,) or (n, d) → class distributions (..., C): each pair's vote, normalised."""
        raw = np.asarray(raw, dtype=np.float64)
        rows = self.filtered(raw)
        votes = np.zeros((len(rows), len(self.class_labels)))
        for p, out in zip(self.pairs, self.outputs(rows)):
            if out is not None:
                votes[:, p.j] += out > 0
                votes[:, p.i] += ~(out > 0)
        dist = votes / votes.sum(axis=1, keepdims=True)
        return dist[0] if raw.ndim == 1 else dist

    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        """(n, d) → Weka's answers for these rows in order: SMO keeps no state, so `predict`."""
        return self.predict(np.asarray(rows, dtype=np.float64).reshape(len(rows), -1))

    # -- text --------------------------------------------------------------------------------
    def text(self) -> str:
        """Weka 3.6's SMO.toString() of this model."""
        kind, expo, lower, gamma = self._kernel()
        if kind == svm_kernel.RBF:
            kernel = f"RBF kernel: K(x,y) = e^-({java_double(gamma)}* <x-y,x-y>^2)"
        elif expo == 1.0:
            kernel = "Linear Kernel with lower order: K(x,y) = <x,y> + 1" if lower else "Linear Kernel: K(x,y) = <x,y>"
        elif lower:
            kernel = f"Poly Kernel with lower order: K(x,y) = (<x,y> + 1)^{java_double(expo)}"
        else:
            kernel = f"Poly Kernel: K(x,y) = <x,y>^{java_double(expo)}"
        parts = [f"SMO\n\nKernel used:\n  {kernel}\n\n"]
        for p in self.pairs:
            parts.append(f"Classifier for classes: {self.class_labels[p.i]}, {self.class_labels[p.j]}\n\n")
            parts.append(self._pair_text(p))
            parts.append("\n\n")
        return "".join(parts)

    def _pair_text(self, p: Pair) -> str:
        """BinarySMO.toString()."""
        if p.status == "empty":
            return "BinarySMO: No model built yet.\n"
        text = ["BinarySMO\n\n"]
        if self.linear:
            text.append("Machine linear: showing attribute weights, not support vectors.\n\n")
            for n, (k, wk) in enumerate(zip(p.index, p.weight)):
                text.append(f"{' + ' if n else '   '}{weka_number(wk, 12, 4)} * (normalized) {self.input_names[k]}\n")
        else:
            for n, (a, s, row) in enumerate(zip(p.alpha, p.sign, p.rows)):
                text.append((" + " if n else "") if s == 1 else " - ")
                values = "".join(weka_number(v, None, 6) + " " for v in row)
                text.append(f"{weka_number(a, 12, 4)} * <{values}> * X]\n")
        text.append(f" - {weka_number(p.b, 12, 4)}" if p.b > 0 else f" + {weka_number(-p.b, 12, 4)}")
        if not self.linear:
            text.append(f"\n\nNumber of support vectors: {len(p.alpha)}")
        text.append(f"\n\nNumber of kernel evaluations: {p.evals}")
        if p.evals > 0:
            ratio = 1 - p.evals * 1.0 / (p.hits + p.evals)
            text.append(f" ({weka_number(ratio * 100, 7, 3).strip()}% cached)")
        return "".join(text)

    # -- JSON --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: lists, floats, strings (None for NaN)."""
        def floats(a: np.ndarray) -> list[Any]:
            return [None if math.isnan(v) else float(v) for v in np.asarray(a, np.float64).ravel()]
        pairs = []
        for p in self.pairs:
            pairs.append({"classes": [p.i, p.j], "status": p.status, "b": p.b, "evals": p.evals,
                          "hits": p.hits, "index": [int(v) for v in p.index], "weight": floats(p.weight),
                          "alpha": floats(p.alpha), "sign": floats(p.sign),
                          "rows": [floats(r) for r in p.rows], "order": [int(v) for v in p.order]})
        return {"recipe": self.recipe, "kind": self.kind, "input_names": list(self.input_names),
                "class_name": self.class_name, "class_labels": list(self.class_labels),
                "options": dict(self.options), "means": floats(self.means), "mins": floats(self.mins),
                "maxs": floats(self.maxs), "pairs": pairs}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SvmModel:
        """The inverse of `to_dict`."""
        def arr(v: list[Any]) -> np.ndarray:
            return np.array([math.nan if x is None else x for x in v], dtype=np.float64)
        d = len(data["input_names"])
        pairs = [Pair(p["classes"][0], p["classes"][1], p["status"], float(p["b"]), int(p["evals"]),
                      int(p["hits"]), np.array(p["index"], np.int64), arr(p["weight"]), arr(p["alpha"]),
                      arr(p["sign"]), np.array([arr(r) for r in p["rows"]]).reshape(-1, d),
                      np.array(p["order"], np.int64)) for p in data["pairs"]]
        return cls(data["recipe"], data["kind"], list(data["input_names"]), data["class_name"],
                   list(data["class_labels"]), _options(data["options"]), arr(data["means"]),
                   arr(data["mins"]), arr(data["maxs"]), pairs)


def fit(x: np.ndarray, y: np.ndarray, input_names: list[str], class_name: str,
        class_labels: list[str] | None, options: dict[str, Any]) -> SvmModel:
    """Train Weka's SMO. x: (n, d) raw inputs (NaN = missing); y: (n,) class indices (NaN =
    missing class, dropped); class_labels: the C class values (every value gets its pairs)."""
    opts = _options(options)
    if class_labels is None:
        raise OscnetError("svm (Weka's SMO) only predicts classes, and this output is numeric: "
                          "choose a numeric recipe for it, such as linear regression or the neural net")
    if len(class_labels) < 2:
        raise OscnetError("svm (Weka's SMO) needs a class output with at least 2 classes "
                          f"(Weka: cannot handle unary class); {class_name!r} has {len(class_labels)}")
    x = np.array(x, dtype=np.float64, ndmin=2).reshape(len(y), -1)
    y = np.asarray(y, dtype=np.float64)
    keep = ~np.isnan(y)
    x, labels = x[keep], y[keep].astype(np.int64)
    if len(x) == 0:
        raise OscnetError(f"svm: no training examples with a value for {class_name!r}; record some first")
    # ReplaceMissingValues: the mean of the present values, summed in row order (cumsum).
    present = ~np.isnan(x)
    count = len(x) - (~present).sum(axis=0).astype(np.float64)
    total = np.cumsum(np.where(present, x, 0.0), axis=0)[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(count > 1e-6, total / count, 0.0)
    x = np.where(present, x, means)
    model = SvmModel(NAME, "nominal", list(input_names), class_name, list(class_labels), opts,
                     means, x.min(axis=0), x.max(axis=0), [])
    rows = model.filtered(x)
    kp = svm_kernel.kernel_params(*model._kernel())
    rng = JavaRandom(1)
    n_classes = len(class_labels)
    work: list[tuple[int, np.ndarray, np.ndarray]] = []  # (position, pair rows, targets)
    for i in range(n_classes):
        for j in range(i + 1, n_classes):
            take = np.concatenate([np.flatnonzero(labels == i), np.flatnonzero(labels == j)])
            for k in range(len(take) - 1, 0, -1):  # Instances.randomize
                r = rng.next_int(k + 1)
                take[k], take[r] = take[r], take[k]
            sign = np.where(labels[take] == j, 1.0, -1.0)
            if len(take) == 0:
                model.pairs.append(Pair(i, j, "empty"))
            elif sign.min() == sign.max():
                model.pairs.append(Pair(i, j, "one", b=-1.0 if sign[0] > 0 else 1.0))
            else:
                model.pairs.append(Pair(i, j, "kernel"))
                work.append((len(model.pairs) - 1, rows[take], sign))
    # The pairs are independent once shuffled: train them side by side (the compiled solver
    # releases the GIL), biggest first.
    work.sort(key=lambda item: -len(item[1]))

    def train(item: tuple[int, np.ndarray, np.ndarray]) -> None:
        at, pair_rows, sign = item
        p = model.pairs[at]
        model.pairs[at] = _train(p.i, p.j, pair_rows, sign, model.linear, kp, opts["C"])

    workers = min(len(work), pair_threads())
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(train, work))
    else:
        for item in work:
            train(item)
    return model


def pair_threads() -> int:
    """Threads for the pairs: numba's thread setting ($NUMBA_NUM_THREADS, which a live training
    worker sets to 1, the pool running one worker per core), at most the cores this process may use."""
    import numba

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, int(getattr(numba.config, "NUMBA_NUM_THREADS", cores))))


def _train(i: int, j: int, rows: np.ndarray, sign: np.ndarray, linear: bool, kp: np.ndarray,
           c: float) -> Pair:
    """One trained pair from its shuffled rows (n, d) and targets (n,) of ±1."""
    res = svm_smo.train_pair(rows, sign, kp, linear, c)
    if linear:
        nz = np.flatnonzero(res.w != 0.0)
        return Pair(i, j, "linear", res.b, res.evals, res.hits, index=nz, weight=res.w[nz])
    sv = np.flatnonzero(res.alpha > 0)
    position = np.full(len(rows), -1, np.int64)
    position[sv] = np.arange(len(sv))
    return Pair(i, j, "kernel", res.b, res.evals, res.hits, alpha=res.alpha[sv], sign=sign[sv],
                rows=rows[sv], order=position[res.order])


def warm_up() -> None:
    """Compile (or load from numba's disk cache) the solver and kernels, so that a first
    training does not stall."""
    x = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.2, 0.9]])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    for kernel in KERNELS:
        fit(x, y, ["a", "b"], "c", ["p", "q"], {"K": kernel}).predict(x[0])
