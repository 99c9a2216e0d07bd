"""A model file is open JSON that loads back to the same predictions, and is written atomically."""

import json

import numpy as np
import pytest

from oscnet.errors import OscnetError
from oscnet.nn.model import Model, Scaling
from oscnet.recipes.weka import WekaOptions, train_weka


@pytest.fixture
def model():
    rng = np.random.default_rng(3)
    x = rng.random((30, 4))
    return train_weka(x, x @ [1, -2, 3, 0.5], ["a", "b", "c", "d"], "out", options=WekaOptions(epochs=20))


def test_saved_json_is_readable_and_reloads_to_identical_predictions(tmp_path, model):
    path = model.save(tmp_path / "m.json")
    data = json.loads(path.read_text())
    assert data["format"] == "oscnet-model" and data["recipe"] == "weka"
    assert data["input_names"] == ["a", "b", "c", "d"]
    assert data["options"]["hidden"] == "i" and data["options"]["epochs"] == 20
    assert len(data["layers"][0]["weights"]) == 4  # 4 hidden nodes, each with 4 input weights
    again = Model.load(path)
    x = np.random.default_rng(4).random((10, 4))
    np.testing.assert_array_equal(again.predict(x), model.predict(x))


def test_saving_leaves_no_temporary_file_and_replaces_the_old_model(tmp_path, model):
    path = tmp_path / "m.json"
    path.write_text("old")
    model.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]
    assert Model.load(path).class_name == "out"


@pytest.mark.parametrize("text,message", [
    ("", "line 1: not valid JSON"),
    ('{"format": "pickle"}', "not an oscnet model"),
    ('{"format": "oscnet-model", "version": 1}', "damaged"),
    ('[1, 2]', "not an oscnet model"),
])
def test_a_damaged_model_file_says_so(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(OscnetError, match=message):
        Model.load(path)


def test_scalings_map_training_ranges_as_documented():
    data = np.array([[0.0, 5.0], [10.0, 5.0]])
    weka = Scaling.from_data(data)
    assert weka.apply(data).tolist() == [[-1.0, 0.0], [1.0, 0.0]]
    tutorial = Scaling.to_interval(data[:, :1])
    assert tutorial.apply(data[:, :1]).ravel() == pytest.approx([0.01, 0.99])
    assert tutorial.invert(tutorial.apply(data[:, :1])).ravel() == pytest.approx([0.0, 10.0])
