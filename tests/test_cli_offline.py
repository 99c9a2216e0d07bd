"""`oscnet train`, `dump` and `predict` as a user runs them, in a real subprocess."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from weka_compare import assert_same_model_text, model_text_from_weka_output

FIXTURES = Path(__file__).parent / "fixtures" / "weka"


def oscnet(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "oscnet", *args], capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.mark.parametrize("name", ["tiny", "tinyc", "in10_H3_2"])
def test_train_save_and_dump_print_wekas_model_text(tmp_path, name):
    entry = next(e for e in json.loads((FIXTURES / "index.json").read_text()) if e["name"] == name)
    flags = dict(zip(entry["options"][::2], entry["options"][1::2]))
    model = tmp_path / "model.json"
    trained = oscnet("train", str(FIXTURES / entry["arff"]), "-H", flags["-H"], "--save", str(model))
    weka = model_text_from_weka_output((FIXTURES / f"{name}.txt").read_text())
    assert_same_model_text(trained.stdout.split("saved ")[0], weka)
    assert_same_model_text(oscnet("dump", str(model)).stdout, weka)


def test_predict_gives_wekas_numbers_and_classes(tmp_path):
    model = tmp_path / "m.json"
    oscnet("train", str(FIXTURES / "data" / "tiny.arff"), "--save", str(model), "-q")
    assert float(oscnet("predict", str(model), "2.0", "-1.0", "5.0").stdout) == pytest.approx(2.7437481691025707, abs=1e-12)
    assert float(oscnet("predict", str(model), "0.45", "?", "1.0").stdout) == pytest.approx(1.7492597980014921, abs=1e-12)
    oscnet("train", str(FIXTURES / "data" / "tinyc.arff"), "--save", str(model), "-q")
    label, _, dist = oscnet("predict", str(model), "0.1", "0.2").stdout.partition("distribution:")
    assert label.strip() == "a"
    assert [float(p) for p in dist.split()] == pytest.approx([0.942000257760848, 0.04871430976981339,
                                                              0.009285432469338563], abs=1e-12)


def test_a_csv_with_several_outputs_trains_one_model_per_output(tmp_path):
    csv = tmp_path / "gestures.csv"
    rows = ["x,y,volume,pitch"] + [f"{i / 20},{(i % 5) / 5},{i / 40},{1 - i / 20}" for i in range(20)]
    csv.write_text("\n".join(rows) + "\n")
    folder = tmp_path / "models"
    out = oscnet("train", str(csv), "--outputs", "2", "-N", "200", "--save", str(folder)).stdout
    assert "=== volume ===" in out and "=== pitch ===" in out and "Attrib x" in out
    assert sorted(p.name for p in folder.iterdir()) == ["pitch.json", "volume.json"]
    assert float(oscnet("predict", str(folder / "volume.json"), "0.5", "0.0").stdout) == pytest.approx(0.25, abs=0.05)


def test_the_seed_and_batch_recipes_are_selectable(tmp_path):
    for recipe in ("seed", "batch"):
        model = tmp_path / f"{recipe}.json"
        oscnet("train", str(FIXTURES / "data" / "in5.arff"), "--recipe", recipe, "-N", "50", "--save", str(model), "-q")
        assert json.loads(model.read_text())["recipe"] == recipe
        assert "Sigmoid Node" in oscnet("dump", str(model)).stdout


@pytest.mark.parametrize("args,message", [
    (["train", "nope.arff"], "cannot read nope.arff"),
    (["predict", "{model}", "1", "2"], "takes 3 inputs (x1, x2, k), you gave 2"),
    (["predict", "{model}", "1", "two", "3"], "inputs must be numbers"),
    (["dump", "{broken}"], "line 2: not valid JSON"),
    (["train", "{fixtures}/data/tiny.arff", "-L", "3"], "learning_rate must be in (0, 1]"),
    (["train", "{fixtures}/data/tiny.arff", "-H", "x"], "each entry must be i, a, o, t or a positive number"),
])
def test_user_mistakes_give_one_clear_line_and_no_traceback(tmp_path, args, message):
    model, broken = tmp_path / "m.json", tmp_path / "broken.json"
    oscnet("train", str(FIXTURES / "data" / "tiny.arff"), "--save", str(model), "-q")
    broken.write_text('{"format": "oscnet-model",\n "layers": [1, 2,,]}\n')
    args = [a.format(model=model, broken=broken, fixtures=FIXTURES) for a in args]
    result = oscnet(*args, check=False)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
