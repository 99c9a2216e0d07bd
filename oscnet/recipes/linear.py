"""Linear (and polynomial) regression exactly as Wekinator trains it with Weka 3.6.14.

Wekinator's LinearRegressionModelBuilder builds `weka.classifiers.functions.LinearRegression`
(revision 9770) with `-S <selection> [-C] -R 1.0E-8`; for "polynomial regression" with exponent
E > 1 it first replaces the inputs x1..xd by x1^1..x1^E, x2^1..x2^E, ... (Java's Math.pow; no
cross terms, no constant column), names them `Input<d>^1 .. Input<d>^E, Input<d-1>^1, ...` (the
input numbers run backwards while the values run forwards) and names the class `Output`; the same
transform is applied to every row it predicts. Options here (Weka's / Wekinator's flag letters):

* `E` (int >= 1, default 1): the polynomial exponent (Wekinator's GUI asks for > 1 or "linear").
* `S` (0 = M5, 1 = none, 2 = greedy; default 1, Wekinator's default): attribute selection.
* `C` (flag, default True = Wekinator's default): Weka's `-C`, *keep* colinear attributes.
  C=False is Wekinator's "Remove colinear inputs".
The ridge is always Weka's default 1.0E-8 (Wekinator never changes it).

x^j is computed correctly rounded, where Java's Math.pow (HotSpot on x86-64) is 1 ulp off for
about 1 value in 1000 when j >= 3 (and other JVMs differ again). Everything after the transform
reproduces Weka's operations in Weka's order (linear_math), so oscnet equals Weka to the last bit
on the same transformed numbers; the pow differences move predictions by at most ~2e-6 on the
real projects tested (30 inputs, x^10, colinear attributes kept), usually by nothing.

What Weka does (read from its bytecode and checked against the jar; no Weka code copied):

1. Rows with a missing class are dropped; none left -> Weka refuses ("Not enough training
   instances with class labels (required: 1, provided: 0)"). A nominal class is refused.
2. ReplaceMissingValues: a missing input becomes the mean of that attribute's known training
   values (a running sum divided by their count; 0 when none is known). Test rows get the same
   training means. (NominalToBinary runs first but changes nothing: every input is numeric.)
3. Means and standard deviations from the filled data: mean = running sum / n, variance =
   (sum of squares - sum*sum/n) / (n - 1), 0 when n <= 1 or negative. An attribute whose standard
   deviation is exactly 0 is left out of the model (so a constant input, or any input of a
   single-row set, gets no coefficient). Rounding can give a "constant" column a tiny non-zero
   deviation; then it stays in, as in Weka.
4. Each regression uses the selected attributes standardised, (x - mean) / sd, against the *raw*
   class (not centred), solves (Z'Z + ridge*I) w = Z'y with JAMA's LU (ridge times 10 while the
   LU is exactly singular), then maps back: coefficient = w / sd, intercept = class mean minus
   sum(coefficient * mean), in attribute order. The intercept is never penalised.
5. Colinear elimination (C False): repeat the regression, each time dropping the attribute with
   the largest standardised coefficient |coef * sd / class sd| if it exceeds 1.5 (first wins ties),
   until none does. With a constant class these ratios are infinite (or NaN for a 0 coefficient).
6. Selection against the Akaike value of the model after step 5 (p = selected + 1 parameters,
   SE = running sum of squared training errors): start = n + p; in pass k a candidate (one
   attribute fewer) scores SE_candidate / SE_full * (n - p) + 2*(p - k). M5 repeatedly tries dropping the attribute with
   the smallest standardised coefficient and keeps the drop only if the score improves. Greedy,
   in each pass, tries dropping each attribute in turn and keeps the single best strict
   improvement, until a pass improves nothing.
7. Prediction: 0 + coef1*x1 + coef2*x2 + ... + intercept, in attribute order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from oscnet.errors import OscnetError
from oscnet.recipes.linear_math import (
    column_sums,
    cross,
    gram,
    polynomial_features,
    predict_filled,
    ridge_solve,
    squared_error,
    weka_number,
)

NAME = "linear"
CLASS_TYPES = ("numeric",)
OPTIONS: dict[str, tuple[type, Any, str]] = {
    "E": (int, 1, "polynomial exponent: inputs become x, x^2, ..., x^E (1 = plain linear)"),
    "S": (int, 1, "attribute selection: 0 = M5, 1 = none, 2 = greedy"),
    "C": (bool, True, "keep colinear attributes (False = remove them, as Weka without -C)"),
}
RIDGE = 1.0e-8
SELECTION_M5, SELECTION_NONE, SELECTION_GREEDY = 0, 1, 2


def _check_options(options: dict[str, Any] | None) -> dict[str, Any]:
    """Typed options with defaults filled in; OscnetError on unknown keys or bad values."""
    options = dict(options or {})
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise OscnetError(f"linear regression has no option {', '.join(unknown)}; "
                          f"valid options: {', '.join(OPTIONS)} ({_option_help()})")
    out = {key: options.get(key, default) for key, (_, default, _) in OPTIONS.items()}
    if isinstance(out["E"], bool) or not isinstance(out["E"], (int, np.integer)) or out["E"] < 1:
        raise OscnetError(f"linear regression option E (polynomial exponent) must be a whole "
                          f"number 1 or more, not {out['E']!r}")
    if isinstance(out["S"], bool) or out["S"] not in (0, 1, 2):
        raise OscnetError(f"linear regression option S (attribute selection) must be 0 (M5), "
                          f"1 (none) or 2 (greedy), not {out['S']!r}")
    if not isinstance(out["C"], (bool, np.bool_)):
        raise OscnetError(f"linear regression option C (keep colinear attributes) must be "
                          f"true or false, not {out['C']!r}")
    return {"E": int(out["E"]), "S": int(out["S"]), "C": bool(out["C"])}


def _option_help() -> str:
    return "; ".join(f"{k}: {h}" for k, (_, _, h) in OPTIONS.items())


def attribute_names(input_names: list[str], class_name: str, exponent: int) -> tuple[list[str], str]:
    """The attribute names Weka sees: the inputs as they are for E = 1; otherwise Wekinator's
    `Input<n>^<j>` (block b of E columns holds powers of input b but is named after input d-b)."""
    if exponent == 1:
        return list(input_names), class_name
    d = len(input_names)
    return [f"Input{d - b}^{j}" for b in range(d) for j in range(1, exponent + 1)], "Output"


@dataclass
class LinearModel:
    """A trained LinearRegression. Attribute arrays are over the p = d*E transformed inputs."""

    input_names: list[str]
    class_name: str
    options: dict[str, Any]
    attributes: list[str]          # names Weka prints, length p
    weka_class_name: str           # the class name Weka prints ("Output" when E > 1)
    fill: np.ndarray               # (p,) ReplaceMissingValues' training means
    selected: np.ndarray           # (p,) bool: attributes with a coefficient
    coefficients: np.ndarray       # (selected.sum() + 1,): per selected attribute, then intercept
    recipe: str = NAME
    kind: str = "numeric"
    class_labels: list[str] = field(default_factory=list)
    cols: np.ndarray = field(init=False, repr=False, compare=False)  # indices of `selected`

    def __post_init__(self) -> None:
        self.cols = np.flatnonzero(self.selected)

    def predict(self, raw: np.ndarray) -> np.ndarray:
        """raw (d,) or (n, d) inputs (NaN = missing) -> prediction(s), shape () or (n,).

        The inputs go through the polynomial transform, a NaN becomes the training mean (of the
        transformed attribute), then 0 + coef1*z1 + coef2*z2 + ... + intercept, as Weka sums."""
        arr = np.asarray(raw, dtype=np.float64)
        rows = np.atleast_2d(arr)
        if rows.shape[-1] != len(self.input_names):
            raise OscnetError(f"this model takes {len(self.input_names)} inputs, got {rows.shape[-1]}")
        z = polynomial_features(rows, self.options["E"]) if self.options["E"] != 1 else rows
        out = predict_filled(np.ascontiguousarray(z), self.fill, self.cols,
                             self.coefficients[:-1], float(self.coefficients[-1]))
        return out[0] if arr.ndim == 1 else out

    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        """(n, d) -> (n,): Weka's answers for these rows in order (no state: same as predict)."""
        return np.asarray(self.predict(np.atleast_2d(rows)))

    def text(self) -> str:
        """Weka 3.6's LinearRegression.toString(): one `coef * name +` line per selected attribute
        (coefficients as Utils.doubleToString(c, 12, 4)), then the intercept."""
        lines = [weka_number(c) + " * " + name for c, name in
                 zip(self.coefficients[:-1], np.asarray(self.attributes, dtype=object)[self.selected])]
        return ("\nLinear Regression Model\n\n" + self.weka_class_name + " =\n\n"
                + " +\n".join(lines) + " +\n" + weka_number(self.coefficients[-1]))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: lists, floats (None for NaN), strings."""
        def floats(a: np.ndarray) -> list[float | None]:
            return [None if np.isnan(v) else float(v) for v in a]
        return {"recipe": self.recipe, "kind": self.kind, "input_names": list(self.input_names),
                "class_name": self.class_name, "class_labels": [], "options": dict(self.options),
                "attributes": list(self.attributes), "weka_class_name": self.weka_class_name,
                "fill": floats(self.fill), "selected": [bool(s) for s in self.selected],
                "coefficients": floats(self.coefficients)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinearModel:
        def arr(v: list[float | None]) -> np.ndarray:
            return np.array([np.nan if x is None else x for x in v], dtype=np.float64)
        if data.get("recipe") != NAME:
            raise OscnetError(f"not a {NAME} model (recipe {data.get('recipe')!r})")
        return cls(input_names=list(data["input_names"]), class_name=data["class_name"],
                   options=_check_options(data["options"]), attributes=list(data["attributes"]),
                   weka_class_name=data["weka_class_name"], fill=arr(data["fill"]),
                   selected=np.array(data["selected"], dtype=bool),
                   coefficients=arr(data["coefficients"]))


def fit(x: np.ndarray, y: np.ndarray, input_names: list[str], class_name: str,
        class_labels: list[str] | None, options: dict[str, Any] | None) -> LinearModel:
    """Train on x (n, d) raw inputs (NaN = missing) and y (n,) numeric targets (NaN = missing)."""
    opts = _check_options(options)
    if class_labels is not None:
        raise OscnetError("linear regression predicts numbers only; this output is a classifier "
                          "(choose a classification recipe, e.g. knn, for it)")
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if x.shape != (len(y), len(input_names)):
        raise OscnetError(f"inputs of shape {x.shape} do not match {len(y)} examples of "
                          f"{len(input_names)} inputs")
    keep = ~np.isnan(y)
    x, y = x[keep], y[keep]
    if len(y) == 0:
        raise OscnetError("linear regression needs at least one example with this output "
                          "recorded (Weka: not enough training instances with class labels)")
    attributes, weka_class = attribute_names(input_names, class_name, opts["E"])
    raw = polynomial_features(x, opts["E"]) if opts["E"] != 1 else x.copy()
    fill = _replace_missing(raw)
    selected, coefficients = _weka_build(raw, y, opts["S"], not opts["C"])
    return LinearModel(input_names=list(input_names), class_name=class_name, options=opts,
                       attributes=attributes, weka_class_name=weka_class, fill=fill,
                       selected=selected, coefficients=coefficients)


def warm_up() -> None:
    """Compile (or load from numba's disk cache) every kernel, so a first training never stalls
    (about 4 s the very first time on a machine, well under a second afterwards)."""
    x = np.array([[0.0, 1.0], [1.0, 0.5], [2.0, np.nan], [3.0, 2.0]])
    fit(x, np.array([0.0, 1.0, 2.0, 2.5]), ["a", "b"], "y", None, {"E": 3, "S": 2, "C": False}) \
        .predict(x[0])


def _replace_missing(z: np.ndarray) -> np.ndarray:
    """Fill NaNs of z (n, p) in place with ReplaceMissingValues' means; returns the (p,) means.

    Weka counts the known values as n minus one per missing value and uses 0 when that count is
    not above 1e-6 (Utils.gr)."""
    sums, counts, _ = column_sums(z)
    with np.errstate(all="ignore"):
        fill = np.where(counts - 0.0 > 1e-6, sums / np.where(counts > 0, counts, 1.0), 0.0)
    missing = np.isnan(z)
    if missing.any():
        z[missing] = np.broadcast_to(fill, z.shape)[missing]
    return fill


class _Regressor:
    """Weka's doRegression/calculateSE on one filled data set, sharing the normal equations.

    Entry (a, b) of Z'Z is a running sum over rows of products of columns a and b only, so the
    matrix for any subset of attributes is exactly the subset of the full one: it is built once."""

    def __init__(self, z: np.ndarray, y: np.ndarray):
        n, p = z.shape
        self.z, self.y, self.n = z, y, n
        sums, _, sq = column_sums(z)
        cls_sum, _, cls_sq = column_sums(y.reshape(-1, 1))
        self.means = sums / n
        self.sds = np.sqrt(_variance(sums, sq, n))
        self.class_mean = float(cls_sum[0] / n)
        self.class_sd = np.float64(np.sqrt(_variance(cls_sum, cls_sq, n))[0])
        self.usable = np.flatnonzero(self.sds != 0)
        std = (z[:, self.usable] - self.means[self.usable]) / self.sds[self.usable]
        self.g = gram(np.ascontiguousarray(std))
        self.b = cross(np.ascontiguousarray(std), y)
        self.pos = np.full(p, -1)
        self.pos[self.usable] = np.arange(len(self.usable))

    def regress(self, selected: np.ndarray) -> np.ndarray:
        """Coefficients (k + 1,) in the original scale for the k selected attributes + intercept."""
        cols = np.flatnonzero(selected)
        coef = np.empty(len(cols) + 1)
        if len(cols):
            idx = self.pos[cols]
            coef[:-1] = ridge_solve(self.g[np.ix_(idx, idx)], self.b[idx], RIDGE)
        intercept = self.class_mean
        for i, col in enumerate(cols):
            coef[i] = coef[i] / self.sds[col]
            intercept -= coef[i] * self.means[col]
        coef[-1] = intercept
        return coef

    def error(self, selected: np.ndarray, coef: np.ndarray) -> np.float64:
        cols = np.flatnonzero(selected).astype(np.int64)
        return np.float64(squared_error(self.z, cols, coef[:-1], float(coef[-1]), self.y))

    def standardised(self, selected: np.ndarray, coef: np.ndarray) -> np.ndarray:
        """|coef * sd / class sd| per selected attribute (inf/NaN for a constant class)."""
        with np.errstate(all="ignore"):
            return np.abs(coef[:-1] * self.sds[selected] / self.class_sd)


def _variance(sums: np.ndarray, sq: np.ndarray, n: int) -> np.ndarray:
    """Instances.variance on complete columns: 0 for n <= 1, negatives clipped to 0."""
    if n <= 1:
        return np.zeros_like(sums)
    var = (sq - sums * sums / n) / (n - 1.0)
    return np.where(var < 0, 0.0, var)


def _weka_build(z: np.ndarray, y: np.ndarray, selection: int,
                eliminate_colinear: bool) -> tuple[np.ndarray, np.ndarray]:
    """LinearRegression.buildClassifier on filled data z (n, p): (selected (p,), coefficients)."""
    reg = _Regressor(z, y)
    selected = reg.sds != 0
    coef = reg.regress(selected)
    while eliminate_colinear:  # drop the largest standardised coefficient above 1.5, repeat
        sc = reg.standardised(selected, coef)
        big = np.flatnonzero(sc > 1.5)
        if not len(big):
            break
        worst = big[np.argmax(sc[big])]  # argmax: first of equal maxima, as Weka's strict >
        selected[np.flatnonzero(selected)[worst]] = False
        coef = reg.regress(selected)
    n = reg.n
    n_params = int(selected.sum()) + 1
    full_se = reg.error(selected, coef)
    akaike = np.float64((n - n_params) + 2 * n_params)
    current = n_params
    with np.errstate(all="ignore"):
        if selection == SELECTION_GREEDY:
            improved = True
            while improved:
                improved = False
                current -= 1
                start = selected.copy()
                for i in np.flatnonzero(start):
                    trial = start.copy()
                    trial[i] = False
                    trial_coef = reg.regress(trial)
                    score = reg.error(trial, trial_coef) / full_se * (n - n_params) + 2 * current
                    if score < akaike:
                        improved, akaike = True, score
                        selected, coef = trial, trial_coef
        elif selection == SELECTION_M5:
            improved = True
            while improved:
                improved = False
                current -= 1
                cols = np.flatnonzero(selected)
                if not len(cols):
                    break
                sc = reg.standardised(selected, coef)
                weakest = _first_min(sc)
                trial = selected.copy()
                trial[cols[weakest]] = False
                trial_coef = reg.regress(trial)
                score = reg.error(trial, trial_coef) / full_se * (n - n_params) + 2 * current
                if score < akaike:
                    improved, akaike = True, score
                    selected, coef = trial, trial_coef
    return selected, coef


def _first_min(values: np.ndarray) -> int:
    """Weka's M5 search: the first value, replaced only by a strictly smaller one (NaN never
    replaces and is never replaced by a comparison... except as the first value)."""
    best = 0
    for i in range(1, len(values)):
        if values[i] < values[best]:
            best = i
    return best
