"""The `naive_bayes` recipe is Weka 3.6's NaiveBayes with default options (Wekinator's "Naive Bayes").

Every fixture in tests/fixtures/weka_learners/naive_bayes/ is the real weka.jar's output (see
make_knn.py there) on the nominal-class sets the knn fixtures use: synthetic edge cases
(duplicate rows, one class used of three, a constant input, missing inputs, more classes than
rows, no rows at all, Wekinator's never-used class "0") and real Wekinator project outputs with
the training rows as the test rows.
"""

from __future__ import annotations

import json

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
from oscnet.recipes import naive_bayes as nb
from oscnet.recipes.naive_bayes import normal_probability
from oscnet.recipes.wekaformat import double_to_string as weka_fixed

INDEX = load_index("naive_bayes")
IDS = [e["name"] for e in INDEX]


def trained(entry: dict) -> tuple[nb.NaiveBayesModel, np.ndarray]:
    data = fixture_data(entry)
    return nb.fit(data.x, data.y, data.input_names, data.class_name, data.class_labels, {}), data.x_test


@pytest.mark.parametrize("entry", INDEX, ids=IDS)
def test_distributions_equal_wekas(entry):
    """Every test row's class distribution within 1e-13 of Weka's (nearly all bit for bit: the
    estimators are; Java's Math.exp and the C library's differ in a last bit now and then)."""
    model, x_test = trained(entry)
    weka = weka_output("naive_bayes", entry["name"]).predictions
    ours = model.predict_rows(x_test)
    np.testing.assert_allclose(ours, weka[:, 1:], rtol=0, atol=1e-13)
    assert (ours == weka[:, 1:]).all(axis=1).mean() > 0.9
    for row, (cls, dist) in enumerate(zip(weka[:, 0], weka[:, 1:])):
        if top_two_differ(dist):
            assert predicted_class(ours[row]) == cls, f"row {row}"


@pytest.mark.parametrize("entry", INDEX, ids=IDS)
def test_text_is_wekas_model_text(entry):
    model, _ = trained(entry)
    assert model.text() == weka_output("naive_bayes", entry["name"]).model_text


def entry_named(name: str) -> dict:
    return next(e for e in INDEX if e["name"] == name)


def test_text_layout():
    """The table as Wekinator's console shows it (Weka's own output, tests/fixtures/.../dupes.txt)."""
    model, _ = trained(entry_named("dupes"))
    assert model.text().splitlines()[:9] == [
        "Naive Bayes Classifier",
        "",
        "                 Class",
        "Attribute            a       b       c",
        "                (0.33)  (0.33)  (0.33)",
        "=======================================",
        "x1",
        "  mean           0.5833     0.7  0.9333",
        "  std. dev.        0.33  0.2858   0.165",
    ]


def test_a_class_never_used_still_counts():
    """Wekinator's placeholder class "0": prior 1/(C + n), mean 0, std. dev. precision / 6."""
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    model = nb.fit(x, np.array([1.0, 1.0, 2.0, 2.0]), ["a"], "c", ["0", "1", "2"])
    np.testing.assert_array_equal(model.priors, [1 / 7, 3 / 7, 3 / 7])
    assert model.precision[0] == 1.0
    assert (model.mean[0, 0], model.std_dev[0, 0], model.weight[0, 0]) == (0.0, 1.0 / 6, 0.0)
    assert model.predict(np.array([2.0]))[0] < 1e-6  # class "0" sits at 0 with a narrow bell


def test_missing_inputs_are_skipped():
    x = np.array([[0.0, np.nan], [1.0, 5.0], [2.0, 6.0], [3.0, np.nan]])
    model = nb.fit(x, np.array([0.0, 0.0, 1.0, 1.0]), ["a", "b"], "c", ["p", "q"])
    assert model.weight[1].tolist() == [1.0, 1.0]
    np.testing.assert_array_equal(model.predict(np.array([0.5, np.nan])),
                                  nb.fit(x[:, :1], np.array([0.0, 0.0, 1.0, 1.0]), ["a"], "c", ["p", "q"])
                                  .predict(np.array([0.5])))


def test_weka_sort_order_is_wekas_unstable_quicksort():
    """Weka adds rows in the order its quicksort leaves them (equal keys keep no fixed order)."""
    x = np.array([[1.0], [0.0], [1.0], [0.0], [1.0], [np.nan], [0.0]])
    order = nb.weka_sort_order(x)
    assert sorted(order.tolist()) == list(range(7))
    assert x[order[:3], 0].tolist() == [0.0, 0.0, 0.0] and np.isnan(x[order[-1], 0])


def test_weka_fixed_is_wekas_double_to_string():
    assert [weka_fixed(v, 4) for v in (0.0, 0.45, 0.01875, -0.00004, -0.00005, 2.5, 1234.56789)] == \
        ["0", "0.45", "0.0188", "0", "-0.0001", "2.5", "1234.5679"]
    assert weka_fixed(1 / 3, 2) == "0.33"
    assert weka_fixed(1e30, 4) == "1.0E30"  # too large for Java's long: Double.toString


def test_normal_probability_is_the_normal_integral():
    from scipy.special import ndtr

    z = np.linspace(-40, 40, 8001)
    np.testing.assert_allclose(normal_probability(z), ndtr(z), rtol=1e-14, atol=1e-300)
    assert normal_probability(np.array([0.0, -40.0, 40.0])).tolist() == [0.5, 0.0, 1.0]


@pytest.mark.parametrize("name", ["missing_inputs", "empty", "dienuq__Sonification-Box__Sonification__4"])
def test_json_round_trip_keeps_answers_and_text(name):
    model, x_test = trained(entry_named(name))
    again = nb.NaiveBayesModel.from_dict(json.loads(json.dumps(model.to_dict(), allow_nan=False)))
    np.testing.assert_array_equal(again.predict(x_test), model.predict(x_test))
    assert again.text() == model.text()


def test_refusals():
    x, y = np.zeros((2, 1)), np.array([0.0, 1.0])
    assert nb.CLASS_TYPES == ("nominal",) and nb.OPTIONS == {}
    with pytest.raises(OscnetError, match="no options"):
        nb.fit(x, y, ["a"], "c", ["p", "q"], {"K": True})
    with pytest.raises(OscnetError, match="numeric"):  # Weka: "Cannot handle numeric class!"
        nb.fit(x, y, ["a"], "y", None)
    with pytest.raises(OscnetError, match="two classes"):  # Weka: "Cannot handle unary class!"
        nb.fit(x, np.zeros(2), ["a"], "c", ["only"])
    with pytest.raises(OscnetError, match="inputs per row"):
        nb.fit(x, y, ["a"], "c", ["p", "q"]).predict(np.zeros(2))


def test_rows_with_a_missing_class_are_dropped():
    model = nb.fit(np.array([[0.0], [1.0], [2.0]]), np.array([0.0, np.nan, 1.0]), ["a"], "c", ["p", "q"])
    assert model.class_counts.tolist() == [2.0, 2.0]
