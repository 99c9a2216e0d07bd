"""The `knn` recipe is Weka 3.6's IBk as Wekinator configures it (``-K k -W 0``, Euclidean).

Every fixture in tests/fixtures/weka_learners/knn/ is the real weka.jar's output (see
make_knn.py there): synthetic edge cases (ties at the k-th distance, duplicate rows with
different classes, one class, a constant input, missing inputs, more classes than rows, test
rows outside the training ranges, k larger than the data, no rows at all) and real Wekinator
project outputs with the training rows as the test rows, each for k = 1, 3 and 21.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from weka_learner_fixtures import (
    fixture_data,
    load_index,
    predicted_class,
    top_two_differ,
    weka_output,
)

from oscnet.errors import OscnetError
from oscnet.recipes import knn

INDEX = load_index("knn")
IDS = [e["name"] for e in INDEX]


def trained(entry: dict) -> tuple[knn.KnnModel, np.ndarray]:
    data = fixture_data(entry)
    k = int(entry["options"][1])
    model = knn.fit(data.x, data.y, data.input_names, data.class_name, data.class_labels, {"K": k})
    return model, data.x_test


@pytest.mark.parametrize("entry", INDEX, ids=IDS)
def test_answers_equal_wekas_row_by_row(entry):
    """Test rows answered in order (IBk widens its ranges as it goes) give Weka's answers."""
    model, x_test = trained(entry)
    weka = weka_output("knn", entry["name"]).predictions
    ours = model.predict_rows(x_test)
    if entry["class_type"] == "numeric":
        np.testing.assert_allclose(ours, weka, rtol=1e-12, atol=1e-12)
        return
    dists = weka[:, 1:]
    assert ours.shape == dists.shape
    np.testing.assert_array_equal(ours, dists)  # the vote counts are exact: so are we
    for row, (cls, dist) in enumerate(zip(weka[:, 0], dists)):
        if top_two_differ(dist):
            assert predicted_class(ours[row]) == cls, f"row {row}"


@pytest.mark.parametrize("entry", INDEX, ids=IDS)
def test_text_is_wekas_model_text(entry):
    model, _ = trained(entry)
    assert model.text() == weka_output("knn", entry["name"]).model_text


def test_options_printed_by_weka_are_wekinators():
    for entry in INDEX:
        k = entry["options"][1]
        assert weka_output("knn", entry["name"]).options == (
            f'-K {k} -W 0 -A "weka.core.neighboursearch.LinearNNSearch -A '
            '\\"weka.core.EuclideanDistance -R first-last\\""')


def entry_named(name: str) -> dict:
    return next(e for e in INDEX if e["name"] == name)


def test_predict_is_pure_and_answers_each_row_as_a_first_query():
    """`predict` never widens the model's ranges; `predict_rows` carries them row to row."""
    model, x_test = trained(entry_named("widen__K3"))
    lo, hi = model.ranges.lo.copy(), model.ranges.hi.copy()
    one_by_one = np.array([model.predict_rows(row[None, :])[0] for row in x_test])
    np.testing.assert_array_equal(model.predict(x_test), one_by_one)
    np.testing.assert_array_equal(model.predict(x_test[0]), one_by_one[0])
    model.predict_rows(x_test)
    np.testing.assert_array_equal(model.ranges.lo, lo)
    np.testing.assert_array_equal(model.ranges.hi, hi)
    # After the queries outside the training ranges the two differ: that is Weka's widening.
    assert not np.array_equal(model.predict(x_test), model.predict_rows(x_test))


def test_ties_at_the_kth_distance_are_all_neighbours():
    """On an integer grid a query at a cell centre has 4 rows at the same distance: k = 1 uses all 4."""
    x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [3.0, 3.0]])
    y = np.array([0, 1, 1, 1, 0])
    model = knn.fit(x, y, ["a", "b"], "c", ["p", "q"], {"K": 1})
    dist = model.predict(np.array([0.5, 0.5]))
    # 1/5 each to start, then votes 1 for p and 3 for q, over 2/5 + 4
    np.testing.assert_array_equal(dist, [(0.2 + 1) / (0.4 + 4), (0.2 + 3) / (0.4 + 4)])


def test_numeric_class_is_the_mean_of_the_neighbours():
    x = np.array([[0.0], [1.0], [2.0], [10.0]])
    model = knn.fit(x, np.array([1.0, 2.0, 6.0, 100.0]), ["a"], "y", None, {"K": 3})
    assert model.kind == "numeric" and "numeric" in knn.CLASS_TYPES
    assert model.predict(np.array([0.9])) == pytest.approx(3.0)
    assert model.predict(np.array([[0.9], [9.0]])).shape == (2,)


def test_no_training_rows_is_zeror():
    model = knn.fit(np.zeros((0, 2)), np.zeros(0), ["a", "b"], "c", ["0", "1", "2", "3"], {"K": 3})
    np.testing.assert_array_equal(model.predict(np.array([1.0, 2.0])), [0.25] * 4)
    assert model.text() == "Warning: no training instances - ZeroR model used."
    numeric = knn.fit(np.zeros((0, 1)), np.zeros(0), ["a"], "y", None, {})
    assert numeric.predict(np.array([5.0])) == 0.0


def test_rows_with_a_missing_class_are_dropped():
    x = np.array([[0.0], [1.0], [2.0]])
    model = knn.fit(x, np.array([0.0, np.nan, 1.0]), ["a"], "c", ["p", "q"], {})
    assert len(model.y) == 2


@pytest.mark.parametrize("name", ["missing_inputs__K3", "numeric_class__K3", "empty__K1",
                                  "grid_ties__K21"])
def test_json_round_trip_keeps_answers_and_text(name):
    model, x_test = trained(entry_named(name))
    again = knn.KnnModel.from_dict(json.loads(json.dumps(model.to_dict(), allow_nan=False)))
    np.testing.assert_array_equal(again.predict_rows(x_test), model.predict_rows(x_test))
    assert again.text() == model.text()
    assert again.options == {"K": model.k}


@pytest.mark.parametrize("options", [{"k": 3}, {"W": 0}, {"K": 0}, {"K": -1}, {"K": 2.5}, {"K": "3"},
                                     {"K": True}])
def test_bad_options_are_refused(options):
    with pytest.raises(OscnetError, match="K"):
        knn.fit(np.zeros((2, 1)), np.array([0.0, 1.0]), ["a"], "c", ["p", "q"], options)


def test_defaults_and_refusals():
    assert knn.OPTIONS["K"][1] == 1
    model = knn.fit(np.zeros((2, 1)), np.array([0.0, 1.0]), ["a"], "c", ["p", "q"], {})
    assert model.options == {"K": 1}
    with pytest.raises(OscnetError, match="two classes"):  # Weka: "Cannot handle unary class!"
        knn.fit(np.zeros((2, 1)), np.array([0.0, 0.0]), ["a"], "c", ["only"], {})
    with pytest.raises(OscnetError, match="class numbers"):
        knn.fit(np.zeros((2, 1)), np.array([0.0, 2.0]), ["a"], "c", ["p", "q"], {})
    with pytest.raises(OscnetError, match="inputs per row"):
        model.predict(np.zeros(3))


def test_one_live_answer_is_cheap():
    """The live path: one row against 5,000 training rows x 10 inputs in well under 1 ms."""
    rng = np.random.default_rng(0)
    x = rng.random((5000, 10))
    model = knn.fit(x, rng.integers(0, 4, 5000).astype(float), [f"x{i}" for i in range(10)], "c",
                    ["0", "1", "2", "3"], {"K": 3})
    q = rng.random(10)
    model.predict(q)
    times = []
    for _ in range(50):
        t0 = time.perf_counter()
        model.predict(q)
        times.append(time.perf_counter() - t0)
    assert np.median(times) < 1e-3
