"""The `adaboost` recipe is Weka 3.6's AdaBoostM1 as Wekinator's "AdaBoost" trains it:
`-P 100 -S 1 -I <rounds> -W weka.classifiers.trees.J48 -- -C 0.25 -M 2` (the default "Decision
Tree" base) or `-W weka.classifiers.trees.DecisionStump`.

Every fixture in tests/fixtures/weka_learners/adaboost/ is the real jar's output (see
make_trees.py): the text (every round's tree or stump and its weight) must be the same text,
and every predicted row the same distribution.
"""

import json

import numpy as np
import pytest
from trees_fixtures import assert_same_predictions, data_for, index, weka_result

from oscnet.errors import OscnetError
from oscnet.recipes import adaboost

ENTRIES = index("adaboost")


def options_of(entry: dict) -> dict:
    args = entry["options"]
    flags = dict(zip(args[:8:2], args[1:8:2]))
    base = "stump" if flags["-W"].endswith("DecisionStump") else "j48"
    return {"I": int(flags["-I"]), "W": base, "P": int(flags["-P"]), "S": int(flags["-S"])}


def fit(entry: dict):
    data = data_for(entry)
    return data, adaboost.fit(data.x, data.y, data.input_names, data.class_name,
                              data.class_labels, options_of(entry))


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["name"] for e in ENTRIES])
def test_text_and_predictions_equal_wekas(entry):
    weka = weka_result("adaboost", entry["name"])
    if weka.error:
        data = data_for(entry)
        if "Not enough training instances" in weka.error:  # Weka refuses to build: so do we
            with pytest.raises(OscnetError):
                fit(entry)
        else:  # Weka builds on no rows but throws when predicting ("Sum is NaN")
            _, model = fit(entry)
            assert np.isnan(model.predict(data.x_test)).all()
        return
    data, model = fit(entry)
    assert model.text() == weka.model
    assert_same_predictions(model.predict(data.x_test), weka.predictions, True)


@pytest.mark.parametrize("name", ["raising__j48100", "missing__j48100",
                                  "dienuq__Sonification-Box__Sonification__4__j4810"])
def test_trees_sorted_at_every_node_as_weka_does_boost_the_same(name):
    entry = next(e for e in ENTRIES if e["name"] == name)
    data, model = fit(entry)
    keep = ~np.isnan(data.y)
    models, betas = adaboost.boost(data.x[keep], data.y[keep].astype(np.int64),
                                   data.class_labels, data.input_names, data.class_name, "j48",
                                   options_of(entry)["I"], 100, weka_order=True)
    exact = adaboost.AdaBoostModel(data.input_names, data.class_name, data.class_labels, "j48",
                                   models, betas)
    assert exact.text() == model.text() == weka_result("adaboost", name).model
    np.testing.assert_allclose(exact.predict(data.x_test), model.predict(data.x_test), rtol=0,
                               atol=1e-12)


def test_separable_data_stops_after_one_round_and_noisy_data_runs_them_all():
    """(Stumps on three classes often stop early: a stump's weighted error reaches 0.5.)"""
    _, model = fit(next(e for e in ENTRIES if e["name"] == "separable__j48100"))
    assert len(model.models) == 1
    assert model.text().startswith("AdaBoostM1: No boosting possible, one classifier used!\n")
    _, model = fit(next(e for e in ENTRIES if e["name"] == "noisy__j48100"))
    assert len(model.models) == 100
    assert model.text().endswith("Number of performed Iterations: 100\n")


def test_json_round_trip_keeps_predictions_and_text():
    for name in ("deep__j4810", "missing__stump10", "noinputs__j4810", "separable__j48100"):
        data, model = fit(next(e for e in ENTRIES if e["name"] == name))
        again = adaboost.AdaBoostModel.from_dict(json.loads(json.dumps(model.to_dict())))
        assert again.text() == model.text()
        assert np.array_equal(again.predict(data.x_test), model.predict(data.x_test))


def test_one_row_in_gives_one_distribution_out():
    data, model = fit(next(e for e in ENTRIES if e["name"] == "unused__j4810"))
    assert model.predict(data.x_test[0]).shape == (len(data.class_labels),)
    assert np.array_equal(model.predict(data.x_test[0]), model.predict(data.x_test[:1])[0])


def test_bad_options_and_numeric_classes_are_refused():
    data = data_for(next(e for e in ENTRIES if e["name"] == "ties__j481"))
    args = (data.x, data.y, data.input_names, data.class_name, data.class_labels)
    with pytest.raises(OscnetError, match="no option K"):
        adaboost.fit(*args, {"K": 3})
    with pytest.raises(OscnetError, match="j48 or stump"):
        adaboost.fit(*args, {"W": "svm"})
    wekas_name = adaboost.fit(*args, {"W": "weka.classifiers.trees.DecisionStump", "I": 1})
    assert wekas_name.options["W"] == "stump" and wekas_name.base == "stump"
    with pytest.raises(OscnetError, match="at least 1"):
        adaboost.fit(*args, {"I": 0})
    with pytest.raises(OscnetError, match="numeric class"):
        adaboost.fit(data.x, data.y, data.input_names, data.class_name, None, {})


def test_the_fixtures_cover_rounds_bases_and_every_classifier_output():
    names = {e["name"] for e in ENTRIES}
    for data in ("separable", "noisy", "oneclass", "missing", "manyclasses", "unused", "ties"):
        for base in ("stump", "j48"):
            assert {f"{data}__{base}{r}" for r in (1, 10, 100)} <= names
    sonification = "dienuq__Sonification-Box__Sonification__4"
    assert {f"{sonification}__{b}{r}" for b in ("stump", "j48") for r in (1, 10, 100)} <= names
    assert len({e["project"] for e in ENTRIES if e["project"]}) == 4
