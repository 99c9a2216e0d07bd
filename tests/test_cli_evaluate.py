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
RECIPE = {"IBk": "knn", "NaiveBayes": "naive-bayes", "MultilayerPerceptron": "weka"}
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
    options = [o for o in options if o != "-i"]
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
