"""The `j48` recipe is Weka 3.6's J48 -C 0.25 -M 2, as Wekinator's "Decision tree" trains it.

Every fixture in tests/fixtures/weka_learners/j48/ is the real jar's output (see
make_trees.py): the tree text must be the same text (split points, leaf weights and errors,
leaf and node counts), and every predicted row the same distribution.
"""

import json

import numpy as np
import pytest
from trees_fixtures import assert_same_predictions, data_for, index, weka_result

from oscnet.errors import OscnetError
from oscnet.recipes import j48

ENTRIES = index("j48")


def options_of(entry: dict) -> dict:
    flags = dict(zip(entry["options"][::2], entry["options"][1::2]))
    return {"C": float(flags["-C"]), "M": int(flags["-M"])}


def fit(entry: dict):
    data = data_for(entry)
    return data, j48.fit(data.x, data.y, data.input_names, data.class_name, data.class_labels,
                         options_of(entry))


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["name"] for e in ENTRIES])
def test_tree_text_and_predictions_equal_wekas(entry):
    weka = weka_result("j48", entry["name"])
    data, model = fit(entry)
    assert model.text() == weka.model
    assert_same_predictions(model.predict(data.x_test), weka.predictions, True)


SORT_CHECK = [e for e in ENTRIES if e["name"] in (
    "ties", "ties2", "missing", "close", "deep", "raising", "noisy2",
    "dienuq__Sonification-Box__Sonification__4", "ElBarbs__CART398-TacSound__Wekinator-TacSound__4c")]


@pytest.mark.parametrize("entry", SORT_CHECK, ids=[e["name"] for e in SORT_CHECK])
def test_sorting_at_every_node_as_weka_does_gives_the_same_tree(entry):
    """By default only the root is sorted with Weka's quicksort and branches inherit their
    order; weka_order=True sorts at every node like Weka (the same sums, bit for bit)."""
    weka = weka_result("j48", entry["name"])
    data, model = fit(entry)
    keep = ~np.isnan(data.y)
    x, y = data.x[keep], data.y[keep].astype(np.int64)
    tree = j48.build(x, y, np.ones(len(y)), data.x, len(data.class_labels), weka_order=True)
    assert tree.text(data.input_names, data.class_labels) == weka.model == model.text()
    np.testing.assert_allclose(tree.distribution(data.x_test), model.predict(data.x_test),
                               rtol=0, atol=1e-12)


def test_classify_is_wekas_classify_instance():
    """J48's own classifyInstance: the first class ahead by more than 1e-6."""
    dist = np.array([[0.5, 0.5, 0.0], [0.4999995, 0.5000005, 0.0], [0.2, 0.3, 0.5],
                     [0.0, 0.0, 0.0]])
    assert j48.classify(dist).tolist() == [0, 0, 2, 0]


def test_json_round_trip_keeps_predictions_and_text():
    data, model = fit(next(e for e in ENTRIES if e["name"] == "deep"))
    again = j48.J48Model.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again.text() == model.text()
    assert np.array_equal(again.predict(data.x_test), model.predict(data.x_test))


def test_one_row_in_gives_one_distribution_out():
    data, model = fit(next(e for e in ENTRIES if e["name"] == "missing"))
    assert model.predict(data.x_test[3]).shape == (len(data.class_labels),)
    assert np.array_equal(model.predict(data.x_test[3]), model.predict(data.x_test[3:4])[0])


def test_bad_options_and_numeric_classes_are_refused():
    data = data_for(next(e for e in ENTRIES if e["name"] == "ties"))
    args = (data.x, data.y, data.input_names, data.class_name, data.class_labels)
    with pytest.raises(OscnetError, match="no option K"):
        j48.fit(*args, {"K": 3})
    with pytest.raises(OscnetError, match="option C"):
        j48.fit(*args, {"C": 0.9})
    with pytest.raises(OscnetError, match="option M"):
        j48.fit(*args, {"M": 0})
    with pytest.raises(OscnetError, match="numeric class"):
        j48.fit(data.x, data.y, data.input_names, data.class_name, None, {})


def test_the_fixtures_cover_the_edge_cases_and_every_classifier_output():
    names = {e["name"] for e in ENTRIES}
    assert {"ties", "ties2", "oneclass", "constant", "missing", "missingclass", "manyclasses",
            "unused", "separable", "close", "scales", "single", "noinputs", "empty",
            "deep", "raising"} <= names
    assert "dienuq__Sonification-Box__Sonification__4" in names  # the one real classifier
    assert len({e["project"] for e in ENTRIES if e["project"]}) == 4
