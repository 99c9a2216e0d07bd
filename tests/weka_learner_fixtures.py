"""Reading the Weka fixtures of tests/fixtures/weka_learners/ (made by make_knn.py there).

A fixture is WekaRun's output: the options, the model text (toString), the build time and one
line per test row (the prediction, then the class distribution for a nominal class). The data
it was made from is a committed pair of ARFFs, or one output of a shared Wekinator project read
from ../shared/data (see conftest.py), never copied into the repository.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from conftest import shared_data

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "weka_learners"

sys.path.insert(0, str(FIXTURES))
import make_knn  # the data sets exactly as the fixtures were made


def load_index(learner: str) -> list[dict]:
    return json.loads((FIXTURES / learner / "index.json").read_text(encoding="utf-8"))


@dataclass
class WekaOutput:
    options: str
    model_text: str
    build_ms: float
    predictions: np.ndarray  # (n_test,) for a numeric class, else (n_test, 1 + C): class, distribution


def weka_output(learner: str, name: str) -> WekaOutput:
    text = (FIXTURES / learner / f"{name}.txt").read_text(encoding="utf-8")

    def section(title: str, end: str | None) -> str:
        start = text.index(f"=== {title}\n") + len(title) + 5
        return text[start:text.index(f"=== {end}\n", start)] if end else text[start:]

    # WekaRun prints toString() with println: drop that one newline.
    model = section("model", "build-ms")[:-1]
    lines = section("predictions", None).splitlines()
    rows = [[float(tok) for tok in line.split()] for line in lines]
    predictions = np.array(rows, dtype=np.float64).reshape(len(rows), -1)
    if predictions.shape[1] == 1:
        predictions = predictions[:, 0]
    return WekaOutput(section("options", "model").strip(), model, float(section("build-ms", "predictions")),
                      predictions)


@dataclass
class FixtureData:
    x: np.ndarray  # (n, d) training inputs, NaN = missing
    y: np.ndarray  # (n,) class index or numeric target, NaN = missing
    input_names: list[str]
    class_name: str
    class_labels: list[str] | None
    x_test: np.ndarray  # (m, d)


def _columns(attrs: list[tuple[str, str]], rows: list[list[str]]) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    typ = attrs[-1][1]
    labels = None if typ == "numeric" else typ.strip("{}").split(",")
    x = np.array([[math.nan if t == "?" else float(t) for t in r[:-1]] for r in rows], dtype=np.float64)
    x = x.reshape(len(rows), len(attrs) - 1)
    if labels is None:
        y = np.array([math.nan if r[-1] == "?" else float(r[-1]) for r in rows], dtype=np.float64)
    else:
        y = np.array([math.nan if r[-1] == "?" else labels.index(r[-1]) for r in rows], dtype=np.float64)
    return x, y, labels


def fixture_data(entry: dict) -> FixtureData:
    """The exact rows Weka was given (training and test) for one index entry."""
    if entry["project"] is None:
        attrs, rows = make_knn.mf.read_project_arff(FIXTURES / entry["train"])
        _, test_rows = make_knn.mf.read_project_arff(FIXTURES / entry["test"])
    else:
        projects = shared_data("wekinator-projects")
        found = [ds for folder, k, _, _, ds in make_knn.project_sets(projects)
                 if (folder, k) == (entry["project"], entry["output"])]
        attrs, rows = found[0].attributes, found[0].rows
        test_rows = rows  # the training rows are the test rows
    x, y, labels = _columns(attrs, rows)
    x_test, _, _ = _columns(attrs, test_rows)
    return FixtureData(x, y, [a[0] for a in attrs[:-1]], attrs[-1][0], labels, x_test)


def predicted_class(dist: np.ndarray) -> float:
    """Weka's classifyInstance for a distribution: the first largest, NaN when all are 0."""
    return float(np.argmax(dist)) if dist.max() > 0 else math.nan


def top_two_differ(dist: np.ndarray) -> bool:
    """Whether the predicted class is clear-cut (the two largest probabilities differ)."""
    if len(dist) < 2:
        return True
    top = np.sort(dist)[-2:]
    return bool(top[1] - top[0] > 1e-12)
