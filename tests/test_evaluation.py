"""Weka 3.6's evaluation (oscnet.recipes.evaluation) against the real Weka 3.6.14 command line.

What Weka prints for ``-t X.arff -x K -s S`` is an "=== Error on training data ===" block
(build on all rows, score all rows) and then a cross-validation block. oscnet gives the same
text, character for character, from `evaluate_training` and `cross_validate` with any learner
that has `fit(x, y) -> model` and `model.predict_rows(rows)`:

    training = evaluate_training(fit, x, y, class_labels)
    cv = cross_validate(fit, x, y, class_labels, folds=10, seed=1)
    print(cli_text(training, cv))          # Weka's block; cv.figures() for the numbers

Fixtures (tests/fixtures/weka_learners/evaluation/, made by make_evaluation.py there) are
Weka's own output. Rows of the shared Wekinator projects are read from ../shared/data (conftest.py)
(default: <repo>/../shared) and never copied; those tests skip when it is absent.
"""

from __future__ import annotations

import functools
import json
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_data

from oscnet.errors import OscnetError
from oscnet.project.arff import read_arff
from oscnet.recipes import fit_model
from oscnet.recipes.evaluation import (
    Evaluation,
    cross_validate,
    cv_folds,
    evaluate_training,
)
from oscnet.recipes.evaluation_text import cli_text, matrix, short_id
from oscnet.recipes.wekaformat import double_to_string as rounded
from oscnet.recipes.wekaformat import double_to_string_width as fixed

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "weka_learners" / "evaluation"
MLP_FIXTURES = REPO / "tests" / "fixtures" / "weka"  # make_fixtures.py: MLP runs with -no-cv
INDEX = json.loads((FIXTURES / "index.json").read_text())
RUNS = {e["name"]: e for e in INDEX if e["kind"] == "evaluation"}
FOLDS = [e for e in INDEX if e["kind"] == "folds"]


# --- reading fixtures and data ------------------------------------------------------------


@dataclass
class Data:
    x: np.ndarray  # (n, d), NaN = missing
    y: np.ndarray  # (n,) targets or class indexes, NaN = missing
    names: list[str]
    labels: list[str] | None  # None = numeric class


def weka_stdout(name: str, folder: Path = FIXTURES) -> str:
    """Weka's stdout: the fixture without its '# ...' header lines."""
    text = (folder / f"{name}.txt").read_text(encoding="utf-8")
    while text.startswith("# "):
        text = text.split("\n", 1)[1]
    return text


def evaluation_part(stdout: str) -> str:
    """What Weka prints after the "Time taken to test model on training data: …" line."""
    start = stdout.index("Time taken to test model on training data")
    return stdout[stdout.index("\n", start):]


def weka_block(stdout: str, title: str) -> dict[str, list[str]]:
    """The summary figures of one block, as Weka printed them: label → number texts."""
    part = stdout[stdout.index(f"=== {title} ===\n"):].split("\n\n")[1]
    return {line[:35].strip(): line[35:].replace("%", "").split() for line in part.split("\n")}


def _from_tokens(attributes: list[tuple[str, str]], rows: list[list[str]]) -> Data:
    typ = attributes[-1][1]
    labels = typ.strip("{}").split(",") if typ.startswith("{") else None
    x = np.array([[np.nan if t == "?" else float(t) for t in r[:-1]] for r in rows], dtype=np.float64)
    y = np.array([np.nan if r[-1] == "?" else (labels.index(r[-1]) if labels else float(r[-1]))
                  for r in rows], dtype=np.float64)
    return Data(x.reshape(len(rows), len(attributes) - 1), y, [a[0] for a in attributes[:-1]], labels)


@functools.cache
def project_data(folder: str, output: int) -> Data:
    """One output of a shared project, exactly as make_evaluation.py gave it to Weka."""
    projects = shared_data("wekinator-projects")
    sys.path.insert(0, str(REPO / "tests" / "fixtures" / "weka"))
    import make_fixtures as mf

    for f, k, ds in mf.project_datasets(projects):
        if (f, k) == (folder, output):
            return _from_tokens(ds.attributes, ds.rows)
    raise LookupError(f"{folder} output {output}")


def run_data(entry: dict) -> Data:
    if entry["project"]:
        return project_data(entry["project"], entry["output"])
    arff = read_arff(REPO / entry["arff"])
    cls = arff.attributes[-1]
    return Data(arff.data[:, :-1], arff.data[:, -1], [a.name for a in arff.attributes[:-1]],
                cls.values if cls.kind == "nominal" else None)


def params(learner: str) -> list:
    """Fixture names for one learner; runs on project data are marked slow for the MLP."""
    out = []
    for name, e in RUNS.items():
        if e["learner"] == learner:
            marks = [pytest.mark.slow] if e["project"] and learner == "mlp" else []
            out.append(pytest.param(name, id=name, marks=marks))
    return out


# --- learners -------------------------------------------------------------------------------


class Fixed:
    """A built model that answers a fixed function of the rows."""

    def __init__(self, answer):
        self.answer = answer

    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        return self.answer(rows)


def zero_r(labels: list[str] | None):
    """Weka's ZeroR: the training mean, or class counts starting at 1 over their total."""
    def fit(x: np.ndarray, y: np.ndarray) -> Fixed:
        y = y[~np.isnan(y)]
        if labels is None:
            mean = float(np.cumsum(np.concatenate(([0.0], y)))[-1]) / len(y) if len(y) else 0.0
            return Fixed(lambda rows: np.full(len(rows), mean))
        counts = np.ones(len(labels)) + np.bincount(y.astype(int), minlength=len(labels))
        dist = counts / (len(labels) + len(y))
        return Fixed(lambda rows: np.tile(dist, (len(rows), 1)))
    return fit


class OneNN:
    """Weka's IBk -K 1 for data without missing inputs: Euclidean distance on attributes
    scaled by their range, where every query first widens the ranges; all rows tied at the
    nearest distance vote; the distribution starts at 1/n per class and is normalised."""

    def __init__(self, x: np.ndarray, y: np.ndarray, n_classes: int):
        keep = ~np.isnan(y)
        self.x, self.y, self.c = x[keep], y[keep].astype(int), n_classes
        self.lo, self.hi = self.x.min(axis=0), self.x.max(axis=0)

    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        out = []
        for row in rows:
            self.lo, self.hi = np.minimum(self.lo, row), np.maximum(self.hi, row)
            width = self.hi - self.lo
            scale = np.where(width == 0, 0.0, 1.0 / np.where(width == 0, 1.0, width))
            diff = np.where(width == 0, 0.0, (self.x - self.lo) * scale - (row - self.lo) * scale)
            d = np.cumsum(diff * diff, axis=1)[:, -1]
            n = len(self.x)
            dist = np.full(self.c, 1.0 / n) + np.bincount(self.y[d == d.min()], minlength=self.c)
            out.append(dist / (self.c / n + np.count_nonzero(d == d.min())))
        return np.array(out)


def weka_mlp(data: Data):
    """oscnet's `weka` recipe (Weka's MultilayerPerceptron -H i -L 0.3 -M 0.2 -N 500 -S 0)."""
    def fit(x: np.ndarray, y: np.ndarray) -> Fixed:
        model = fit_model("weka", x, y, data.names, "class", data.labels, {})
        return Fixed(model.predict)
    return fit


def assert_same_evaluation(name: str, fit_for) -> None:
    entry = RUNS[name]
    data = run_data(entry)
    stdout = weka_stdout(name)
    if entry["refused"]:
        with pytest.raises(OscnetError, match="more examples or use fewer folds"):
            cross_validate(fit_for(data), data.x, data.y, data.labels, entry["folds"], entry["seed"])
        return
    # -no-cv with an updateable learner (IBk): Weka scores the training rows without recording
    updateable = entry.get("no_cv") and entry["learner"].startswith("ibk")
    training = evaluate_training(fit_for(data), data.x, data.y, data.labels, record=not updateable)
    if entry.get("no_cv"):  # -no-cv: the training block alone
        assert cli_text(training, None, entry["details"]) == evaluation_part(stdout)
        return
    cv = cross_validate(fit_for(data), data.x, data.y, data.labels, entry["folds"], entry["seed"])
    assert cli_text(training, cv, entry["details"]) == evaluation_part(stdout)
    for ev in (training, cv):  # figures() carries the printed numbers, to Weka's precision
        printed = weka_block(stdout, ev.title)
        labels = {"correlation": ("Correlation coefficient", 0), "kappa": ("Kappa statistic", 0),
                  "correct_pct": ("Correctly Classified Instances", 1),
                  "mae": ("Mean absolute error", 0), "rmse": ("Root mean squared error", 0),
                  "rae": ("Relative absolute error", 0), "rrse": ("Root relative squared error", 0),
                  "n": ("Total Number of Instances", 0)}
        for key, value in ev.figures().items():
            label, column = labels[key]
            assert rounded(value, 4) == printed[label][column], (ev.title, key)


# --- the fold assignment ----------------------------------------------------------------------


def weka_folds(name: str) -> tuple[list[int], list[tuple[list[int], list[int]]]]:
    lines = (FIXTURES / f"{name}.txt").read_text().split("\n")
    rows = {ln.split(":")[0]: [int(t) for t in ln.split(":")[1].split()] for ln in lines
            if ln and not ln.startswith("#")}
    k = sum(1 for key in rows if key.endswith("test"))
    return rows["order"], [(rows[f"fold {i} train"], rows[f"fold {i} test"]) for i in range(k)]


@pytest.mark.parametrize("entry", FOLDS, ids=[e["name"] for e in FOLDS])
def test_folds_are_wekas(entry):
    """Shuffle, stratification, fold sizes and the per-fold training shuffle, row for row."""
    arff = read_arff(REPO / entry["arff"])
    nominal = arff.attributes[-1].kind == "nominal"
    _, expected = weka_folds(entry["name"])
    got = cv_folds(arff.data[:, -1], nominal, entry["folds"], entry["seed"])
    assert [(list(tr), list(te)) for tr, te in got] == expected


@pytest.mark.parametrize("entry", FOLDS, ids=[e["name"] for e in FOLDS])
def test_cross_validate_trains_and_tests_on_wekas_folds(entry):
    """A learner that remembers its training rows sees Weka's folds, in Weka's order."""
    arff = read_arff(REPO / entry["arff"])
    labels = arff.attributes[-1].values if arff.attributes[-1].kind == "nominal" else None
    n = len(arff.data)
    x = np.arange(n, dtype=np.float64)[:, None]  # the row number is the only input
    seen: list[tuple[list[int], list[int]]] = []

    def fit(x_train: np.ndarray, y_train: np.ndarray) -> Fixed:
        seen.append(([int(v) for v in x_train[:, 0]], []))

        def answer(rows: np.ndarray) -> np.ndarray:
            seen[-1][1].extend(int(v) for v in rows[:, 0])
            return np.full((len(rows), len(labels)), 1.0 / len(labels)) if labels else np.zeros(len(rows))
        return Fixed(answer)

    ev = cross_validate(fit, x, arff.data[:, -1], labels, entry["folds"], entry["seed"])
    assert seen == weka_folds(entry["name"])[1]
    assert ev.with_class + ev.missing_class == n and ev.folds == entry["folds"]


def test_fold_sizes_and_refusals():
    """n // k rows per fold, one more for the first n % k; < 2 folds or > n folds refused."""
    sizes = [len(test) for _, test in cv_folds(np.arange(23.0), False, 5, 1)]
    assert sizes == [5, 5, 5, 4, 4]
    with pytest.raises(OscnetError, match="at least 2 folds"):
        cv_folds(np.arange(5.0), False, 1, 1)
    with pytest.raises(OscnetError, match="5 example"):
        cv_folds(np.zeros(5), True, 6, 1)


# --- the statistics, with learners independent of the MLP -----------------------------------


@pytest.mark.parametrize("name", params("zeror"))
def test_zero_r_evaluation_is_wekas(name):
    """ZeroR: priors per fold, RAE/RRSE, missing classes, ROC areas of nearly equal distributions."""
    assert_same_evaluation(name, lambda d: zero_r(d.labels))


@pytest.mark.parametrize("name", params("ibk1"))
def test_one_nearest_neighbour_evaluation_is_wekas(name):
    """IBk -K 1: kappa, the confusion matrix, per-class details and ROC areas from real mistakes."""
    assert_same_evaluation(name, lambda d: lambda x, y: OneNN(x, y, len(d.labels)))


# --- the Weka MLP ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", params("mlp"))
def test_mlp_evaluation_is_wekas(name):
    """Training-set and cross-validation blocks of oscnet's Weka MLP equal Weka's, every line."""
    assert_same_evaluation(name, weka_mlp)


MLP_TRAINING = json.loads((MLP_FIXTURES / "index.json").read_text())


@pytest.mark.parametrize("entry", [
    pytest.param(e, id=e["name"], marks=[pytest.mark.slow] if e["project"] else [])
    for e in MLP_TRAINING if e["options"] == ["-H", "i", "-L", "0.3", "-M", "0.2", "-N", "500", "-no-cv"]])
def test_mlp_training_error_is_wekas(entry):
    """``-no-cv``: only "=== Error on training data ===" (and, nominal, the confusion matrix)."""
    data = project_data(entry["project"], entry["output"]) if entry["project"] else \
        run_data({"project": None, "arff": f"tests/fixtures/weka/{entry['arff']}"})
    training = evaluate_training(weka_mlp(data), data.x, data.y, data.labels)
    assert cli_text(training) == evaluation_part(weka_stdout(entry["name"], MLP_FIXTURES))


# --- the printed layout ------------------------------------------------------------------------


def test_numbers_print_like_wekas_double_to_string():
    assert fixed(100.0, 12, 4) == "    100     "
    assert fixed(0.0652, 12, 4) == "      0.0652"
    assert fixed(31.925, 12, 4) == "     31.925 "
    assert fixed(-0.0811, 12, 4) == "     -0.0811"
    assert fixed(0.5, 7, 3) == "  0.5  "
    assert rounded(2.00006, 4) == "2.0001" and rounded(-0.00004, 4) == "0"
    assert fixed(float("nan"), 12, 4) == "    NaN     "
    assert rounded(1e300, 4) == "1.0E300"  # too big to round: Java's Double.toString


def test_confusion_matrix_ids_and_widths():
    assert [short_id(k, 2) for k in (0, 25, 26, 27)] == [" a", " z", "aa", "ab"]
    ev = Evaluation(["no", "yes"])
    ev.confusion = np.array([[40.0, 0.0], [120.0, 3.0]])
    assert matrix(ev) == ("=== Confusion Matrix ===\n\n   a   b   <-- classified as\n"
                          "  40   0 |   a = no\n 120   3 |   b = yes\n")


def test_missing_predictions_count_as_unclassified():
    """A NaN value, or a distribution with nothing above 0, is counted but scores nothing."""
    ev = Evaluation(None)
    ev.set_priors(np.array([1.0, 3.0]))
    ev.add(np.array([2.5, np.nan, 7.0]), np.array([3.0, 1.0, np.nan]))
    assert (ev.with_class, ev.unclassified, ev.missing_class) == (2, 1, 1)
    assert ev.mean_absolute_error() == 0.5
    assert "UnClassified Instances" + " " * 19 + "1" + " " * 15 + "50" + " " * 6 + "%\n" in ev.text()
    nominal = Evaluation(["a", "b"])
    nominal.set_priors(np.array([0.0]))
    nominal.add(np.array([[0.0, 0.0], [0.2, 0.8]]), np.array([0.0, 1.0]))
    assert (nominal.unclassified, nominal.correct, nominal.confusion.sum()) == (1, 1, 1)


def test_figures_for_an_osc_message():
    ev = cross_validate(zero_r(["a", "b"]), np.zeros((6, 1)), np.array([0, 0, 0, 1, 1, 0.0]), ["a", "b"], 3, 1)
    assert set(ev.figures()) == {"correct_pct", "kappa", "mae", "rmse", "rae", "rrse", "n"}
    assert ev.figures()["n"] == 6 and ev.figures()["kappa"] == 0
    ev = evaluate_training(zero_r(None), np.zeros((4, 1)), np.array([1.0, 2, 3, 4]), None)
    assert set(ev.figures()) == {"correlation", "mae", "rmse", "rae", "rrse", "n"}
    assert ev.text().startswith("=== Error on training data ===\n\nCorrelation coefficient")


def test_the_fixture_set_covers_the_brief():
    learners = {e["learner"] for e in RUNS.values()}
    assert learners >= {"mlp", "zeror", "ibk1", "ibk3", "naivebayes", "j48", "stump", "smo",
                        "linreg", "adaboost"}
    mlp = [e for e in RUNS.values() if e["learner"] == "mlp"]
    assert {e["class_type"] for e in mlp} == {"numeric", "nominal"}
    assert {(e["folds"], e["seed"]) for e in mlp} >= {(10, 1), (3, 7)}
    assert any(e["project"] for e in mlp) and any(e["refused"] for e in RUNS.values())
    assert any(not e["details"] and e["class_type"] == "nominal" for e in RUNS.values())
    assert {e["learner"] for e in RUNS.values() if e.get("no_cv")} >= {"mlp", "zeror", "ibk1"}


def test_commands_in_fixture_headers_match_the_index():
    for name, e in RUNS.items():
        cmd = shlex.split((FIXTURES / f"{name}.txt").read_text().split("\n")[0][len("# command: "):])
        if e.get("no_cv"):
            assert "-no-cv" in cmd and "-x" not in cmd
        else:
            assert cmd[cmd.index("-x") + 1] == str(e["folds"]) and cmd[cmd.index("-s") + 1] == str(e["seed"])
        assert ("-i" in cmd) == e["details"]
