"""The `stump` recipe is Weka 3.6's DecisionStump, as Wekinator's "Decision stump" trains it.

Every fixture in tests/fixtures/weka_learners/stump/ is the real jar's output (see
make_trees.py): the model text must be the same text, and every predicted row the same
distribution (nominal class) or number (numeric class).
"""

import json

import numpy as np
import pytest
from trees_fixtures import assert_same_predictions, data_for, index, weka_result

from oscnet.errors import OscnetError
from oscnet.recipes import stump

ENTRIES = index("stump")


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["name"] for e in ENTRIES])
def test_text_and_predictions_equal_wekas(entry):
    data = data_for(entry)
    weka = weka_result("stump", entry["name"])
    if weka.error:  # e.g. no rows with a class: Weka refuses, so do we
        with pytest.raises(OscnetError):
            stump.fit(data.x, data.y, data.input_names, data.class_name, data.class_labels, {})
        return
    model = stump.fit(data.x, data.y, data.input_names, data.class_name, data.class_labels, {})
    assert model.text() == weka.model
    assert_same_predictions(model.predict(data.x_test), weka.predictions,
                            data.class_labels is not None)
    assert np.array_equal(model.predict_rows(data.x_test), model.predict(data.x_test),
                          equal_nan=True)


@pytest.mark.parametrize("name", ["missing", "regress", "noinputs", "constant"])
def test_json_round_trip_keeps_predictions_and_text(name):
    data = data_for(next(e for e in ENTRIES if e["name"] == name))
    model = stump.fit(data.x, data.y, data.input_names, data.class_name, data.class_labels, {})
    again = stump.StumpModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again.text() == model.text()
    assert again.kind == model.kind
    assert np.array_equal(again.predict(data.x_test), model.predict(data.x_test))


def test_one_row_in_gives_one_distribution_out():
    data = data_for(next(e for e in ENTRIES if e["name"] == "unused"))
    model = stump.fit(data.x, data.y, data.input_names, data.class_name, data.class_labels, {})
    one = model.predict(data.x_test[0])
    assert one.shape == (len(data.class_labels),)
    assert np.array_equal(one, model.predict(data.x_test[:1])[0])


def test_unknown_options_are_refused_naming_the_valid_ones():
    data = data_for(next(e for e in ENTRIES if e["name"] == "ties"))
    with pytest.raises(OscnetError, match="no option K"):
        stump.fit(data.x, data.y, data.input_names, data.class_name, data.class_labels, {"K": 1})


def test_the_fixtures_cover_the_edge_cases_and_every_project():
    names = {e["name"] for e in ENTRIES}
    assert {"ties", "ties2", "oneclass", "constant", "missing", "manyclasses", "unused",
            "noinputs", "empty", "regress", "regress_const", "regress_noinputs"} <= names
    assert len({e["project"] for e in ENTRIES if e["project"]}) == 4
    assert {e["class_type"] for e in ENTRIES if e["project"]} == {"nominal", "numeric"}
