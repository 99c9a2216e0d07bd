"""The `weka` recipe against the real Weka 3.6 CLI, on generated sets and real Wekinator projects.

Each fixture in tests/fixtures/weka/ is Weka's own output with the command that made it in its
header (see make_fixtures.py there). Real projects are read from ../shared, never copied here.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_data, wekinator_project
from weka_compare import assert_same_model_text, model_text_from_weka_output

from oscnet.nn.wekatext import weka_text
from oscnet.project.arff import read_arff
from oscnet.project.wekinator import read_wekinator
from oscnet.recipes.weka import WekaOptions, train_weka

FIXTURES = Path(__file__).parent / "fixtures" / "weka"
INDEX = json.loads((FIXTURES / "index.json").read_text())


def weka_options(args: list[str]) -> WekaOptions:
    """Weka's command-line options as oscnet's WekaOptions."""
    flags = dict(zip(args[::2], args[1::2]))
    return WekaOptions(hidden=flags.get("-H", "i"), learning_rate=float(flags.get("-L", 0.3)),
                       momentum=float(flags.get("-M", 0.2)), epochs=int(flags.get("-N", 500)))


def fixture_data(entry: dict) -> tuple[np.ndarray, np.ndarray, list[str], str, list[str] | None]:
    """The exact rows Weka was given: a committed ARFF, or one output of a shared project."""
    if entry["arff"]:
        arff = read_arff(FIXTURES / entry["arff"])
        inputs = list(range(len(arff.attributes) - 1))
        out = len(arff.attributes) - 1
    else:
        folder = wekinator_project(entry["project"])
        if entry["class_type"] == "numeric":  # through `oscnet import`, as a Wekinator user trains it
            imported = read_wekinator(folder)
            values = imported.examples.block()
            spec = imported.config.outputs[entry["output"] - 1]
            return values.inputs, values.outputs[:, entry["output"] - 1], imported.config.inputs, spec.name, None
        # Weka's class here is {0,1,2,3} (0 = Wekinator's unused placeholder), so read the ARFF as is.
        arff = read_arff(folder / "current" / "currentData.arff")
        inputs = list(range(3, 3 + entry["n_inputs"]))  # after ID, Time, Training round
        out = 3 + entry["n_inputs"] + entry["output"] - 1
    cls = arff.attributes[out]
    labels = cls.values if cls.kind == "nominal" else None
    names = [arff.attributes[i].name for i in inputs]
    return arff.data[:, inputs], arff.data[:, out], names, cls.name, labels


@pytest.mark.parametrize("entry", [pytest.param(e, id=e["name"], marks=[pytest.mark.slow] if e["project"] else [])
                                   for e in INDEX])
def test_weights_and_text_equal_wekas(entry):
    x, y, names, class_name, labels = fixture_data(entry)
    model = train_weka(x, y, names, class_name, labels, weka_options(entry["options"]))
    expected = model_text_from_weka_output((FIXTURES / f"{entry['name']}.txt").read_text())
    assert_same_model_text(weka_text(model), expected, tolerance=1e-9)
    # With Java's own Math.exp (recipes/javamath.py) every printed digit is Weka's, not just 1e-9.
    assert weka_text(model) == expected
    assert model.info["examples"] == entry["n_rows"]
    if entry.get("restarts") is not None:
        assert model.info["restarts"] == entry["restarts"]


def test_the_fixture_set_covers_what_the_spec_asks_for():
    kinds = {e["name"]: e for e in INDEX}
    assert len(INDEX) >= 8
    assert any(e.get("restarts") for e in INDEX), "a set that triggers the NaN restart"
    assert any(e["class_type"] == "nominal" for e in INDEX), "a nominal class"
    assert {e["n_inputs"] for e in INDEX} >= {1, 64}
    assert {e["project"] for e in INDEX if e["project"]} == {p.name for p in shared_data("wekinator-projects").iterdir() if p.is_dir()}
    assert "const" in kinds
