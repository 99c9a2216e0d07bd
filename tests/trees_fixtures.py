"""Reading the tree learners' Weka fixtures (tests/fixtures/weka_learners/{stump,j48,adaboost})
and the exact rows each one was made from (see make_trees.py there)."""

from __future__ import annotations

import functools
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from conftest import SHARED_DATA, shared_data

FIXTURES = Path(__file__).parent / "fixtures" / "weka_learners"
PROJECTS = SHARED_DATA / "wekinator-projects"

sys.path.insert(0, str(FIXTURES))
import make_trees


def index(learner: str) -> list[dict]:
    return json.loads((FIXTURES / learner / "index.json").read_text())


@dataclass
class WekaResult:
    options: str
    model: str | None  # toString() exactly
    predictions: np.ndarray | None  # (n, 1 + C) nominal or (n, 1) numeric
    error: str | None
    build_ms: float | None


def weka_result(learner: str, name: str) -> WekaResult:
    text = (FIXTURES / learner / f"{name}.txt").read_text()
    if "\n=== error\n" in text:
        return WekaResult("", None, None, text.split("\n=== error\n")[1].strip(), None)
    options = text.split("=== options\n")[1].split("\n")[0]
    model = text.split("\n=== model\n")[1].split("\n=== build-ms\n")[0]
    build_ms = float(text.split("\n=== build-ms\n")[1].split("\n")[0])
    rows = [ln.split() for ln in text.split("\n=== predictions\n")[1].split("\n") if ln.strip()]
    width = max((len(r) for r in rows), default=1)
    preds = np.array([[float(v) for v in r] for r in rows]).reshape(-1, width)
    return WekaResult(options, model, preds, None, build_ms)


@dataclass
class Data:
    x: np.ndarray  # (n, d) training inputs, NaN = missing
    y: np.ndarray  # (n,) class index or number, NaN = missing class
    x_test: np.ndarray  # (m, d) the rows Weka predicted, in order
    input_names: list[str]
    class_name: str
    class_labels: list[str] | None


def _tokens_to_data(ds: make_trees.DataSet, test_rows: list[list[str]]) -> Data:
    def matrix(rows: list[list[str]]) -> np.ndarray:
        d = len(ds.inputs)
        return np.array([[np.nan if t == "?" else float(t) for t in r[:d]] for r in rows],
                        dtype=np.float64).reshape(len(rows), d)

    def target(t: str) -> float:
        if t == "?":
            return np.nan
        return float(t) if ds.labels is None else float(ds.labels.index(t))

    return Data(matrix(ds.rows), np.array([target(r[-1]) for r in ds.rows], dtype=np.float64),
                matrix(test_rows), list(ds.inputs), ds.class_name,
                None if ds.labels is None else list(ds.labels))


@functools.cache
def _synthetic() -> dict[str, make_trees.DataSet]:
    return {ds.name: ds for ds in make_trees.synthetic_sets()}


@functools.cache
def _projects() -> dict[str, make_trees.DataSet]:
    return {ds.name: ds for _, _, ds in make_trees.project_sets(PROJECTS)}


def data_for(entry: dict) -> Data:
    """The rows Weka trained on and predicted for one index entry."""
    if entry["data"]:
        ds = _synthetic()[entry["data"]]
        return _tokens_to_data(ds, ds.all_test_rows)
    shared_data("wekinator-projects")
    ds = _projects()[dataset_name(entry)]
    return _tokens_to_data(ds, ds.rows[::entry.get("test_every", 1)])


def dataset_name(entry: dict) -> str:
    return entry["name"].split("__stump")[0].split("__j48")[0] if entry["project"] else entry["data"]


def assert_same_predictions(ours: np.ndarray, weka: np.ndarray, nominal: bool) -> None:
    """Nominal: ours (m, C) distributions vs Weka's (m, 1 + C) rows within 1e-9, and the same
    class where Weka's top two probabilities differ. Numeric: ours (m,) vs (m, 1)."""
    if not nominal:
        np.testing.assert_allclose(ours, weka[:, 0], rtol=0, atol=1e-9, equal_nan=True)
        return
    assert ours.shape == (weka.shape[0], weka.shape[1] - 1)
    np.testing.assert_allclose(ours, weka[:, 1:], rtol=0, atol=1e-9, equal_nan=True)
    for row, (mine, theirs) in enumerate(zip(ours, weka)):
        probs = np.sort(theirs[1:])
        if probs.size > 1 and probs[-1] - probs[-2] > 1e-9:
            assert int(np.argmax(mine)) == int(theirs[0]), f"row {row}: class differs"
