"""`oscnet evaluate` prints Weka 3.6's own cross-validation block, number for number.

Each case is a fixture made by the real Weka CLI (`-x K -s S`, see make_evaluation.py) on a
committed data set; oscnet is run with the same recipe and options and must print the same
"=== (Stratified) cross-validation ===" block (and the per-class details with Weka's -i).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from oscnet.cli.main import main

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "weka_learners" / "evaluation"
RECIPE = {"IBk": "knn", "NaiveBayes": "naive-bayes", "MultilayerPerceptron": "weka", "J48": "j48",
          "DecisionStump": "stump", "SMO": "svm", "AdaBoostM1": "adaboost", "LinearRegression": "linear"}


def oscnet_options(learner: str, weka: list[str]) -> list[str]:
    """Weka's command-line options for a learner as oscnet's recipe takes them (Wekinator's)."""
    if learner == "SMO":  # -C c ... -K "PolyKernel -C 250007 -E e" (Wekinator's SMO)
        kernel = " ".join(weka[weka.index("-K") + 1:])
        exponent = re.search(r"-E ([0-9.]+)", kernel)
        kind = "rbf" if "RBFKernel" in kernel else "linear" if exponent and float(exponent.group(1)) == 1 else "poly"
        out = ["-C", weka[weka.index("-C") + 1], "-K", kind]
        return out + (["-E", exponent.group(1).strip('"')] if kind == "poly" and exponent else [])
    if learner == "AdaBoostM1":
        base = weka[weka.index("-W") + 1]
        return ["-I", weka[weka.index("-I") + 1], "-W", "stump" if base.endswith("DecisionStump") else "j48"]
    if learner == "LinearRegression":  # -R 1.0E-8 is Weka's ridge, fixed in the recipe
        return [w for k, w in enumerate(weka) if w != "-R" and (k == 0 or weka[k - 1] != "-R")]
    return weka
SLOW = {"MultilayerPerceptron"}  # 10 trainings of 500 epochs each


def cases() -> list[pytest.param]:
    found = []
    for path in sorted(FIXTURES.glob("*__x*s*.txt")):
        command = path.read_text().splitlines()[0]
        learner = re.search(r"weka\.classifiers\.\w+\.(\w+) ", command)
        data = re.search(r"-t (tests/fixtures/weka/data/\S+\.arff)", command)
        if not learner or learner.group(1) not in RECIPE or not data or "# stderr:" in path.read_text():
            continue  # a learner oscnet does not have yet, a shared project's output, or Weka refused
        marks = [pytest.mark.slow] if learner.group(1) in SLOW else []
        found.append(pytest.param(path, id=path.stem, marks=marks))
    return found


@pytest.mark.parametrize("fixture", cases())
def test_evaluate_prints_wekas_cross_validation_block(fixture: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = fixture.read_text()
    command = text.splitlines()[0]
    learner = re.search(r"weka\.classifiers\.\w+\.(\w+) ", command).group(1)  # type: ignore[union-attr]
    data = re.search(r"-t (\S+)", command).group(1)  # type: ignore[union-attr]
    folds, seed = re.search(r"-x (\d+) -s (\d+)", command).groups()  # type: ignore[union-attr]
    options = command.split(f"-s {seed}", 1)[1].split()
    details = "-i" in options
    options = oscnet_options(learner, [o for o in options if o != "-i"])
    repo = FIXTURES.parents[3]
    args = ["evaluate", str(repo / data), "--recipe", RECIPE[learner], "--folds", folds, "--seed", seed,
            *(["--details"] if details else []), *options]
    assert main(args) == 0
    printed = capsys.readouterr().out
    start = re.search(r"=== (Stratified c|C)ross-validation ===", text)
    assert start, f"{fixture.name} has no cross-validation block"
    assert printed.strip() == text[start.start():].strip()


def test_evaluate_refuses_more_folds_than_examples(capsys: pytest.CaptureFixture[str]) -> None:
    data = FIXTURES.parents[1] / "weka" / "data" / "tinyc.arff"
    assert main(["evaluate", str(data), "--recipe", "knn"]) == 2
    assert "record more examples or use fewer folds" in capsys.readouterr().err


@pytest.mark.parametrize("fixture", cases())
def test_evaluate_training_prints_wekas_error_on_training_data(fixture: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = fixture.read_text()
    command = text.splitlines()[0]
    learner = re.search(r"weka\.classifiers\.\w+\.(\w+) ", command).group(1)  # type: ignore[union-attr]
    data = re.search(r"-t (\S+)", command).group(1)  # type: ignore[union-attr]
    seed = re.search(r"-s (\d+)", command).group(1)  # type: ignore[union-attr]
    options = command.split(f"-s {seed}", 1)[1].split()
    details = "-i" in options
    options = oscnet_options(learner, [o for o in options if o != "-i"])
    repo = FIXTURES.parents[3]
    args = ["evaluate", str(repo / data), "--recipe", RECIPE[learner], "--training",
            *(["--details"] if details else []), *options]
    assert main(args) == 0
    printed = capsys.readouterr().out
    start = text.index("=== Error on training data ===")
    end = re.search(r"=== (Stratified c|C)ross-validation ===", text).start()  # type: ignore[union-attr]
    assert printed.strip() == text[start:end].strip()
