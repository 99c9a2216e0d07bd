"""The speed benches: Weka's side uses Wekinator's options; `bench startup`, `bench train --recipe`
and `bench train --project` run and print their ratios."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from oscnet.bench.weka_timing import quote_options, weka_available, weka_classifier

REPO = Path(__file__).resolve().parents[1]

# docs/specs/wekinator-models.md: the options each of Wekinator's default builders gives Weka.
WEKINATOR_DEFAULTS = {
    "weka": "-L 0.3 -M 0.2 -N 500 -V 0 -S 0 -E 20 -H i",
    "knn": '-K 1 -W 0 -A "weka.core.neighboursearch.LinearNNSearch -A \\"weka.core.EuclideanDistance -R first-last\\""',
    "naive-bayes": "",
    "stump": "",
    "j48": "-C 0.25 -M 2",
    "adaboost": "-P 100 -S 1 -I 100 -W weka.classifiers.trees.J48 -- -C 0.25 -M 2",
    "svm": '-C 1.0 -L 0.001 -P 1.0E-12 -N 0 -V -1 -W 1 -K "weka.classifiers.functions.supportVector.PolyKernel '
           '-C 250007 -E 2.0"',
    "linear": "-S 1 -C -R 1.0E-8",
}


@pytest.mark.parametrize("recipe", sorted(WEKINATOR_DEFAULTS))
def test_weka_gets_wekinators_default_options(recipe):
    _, flags, _ = weka_classifier(recipe, {})
    assert quote_options(flags) == WEKINATOR_DEFAULTS[recipe]


def test_weka_gets_the_options_a_project_chose():
    assert weka_classifier("adaboost", {"base": "stump", "rounds": 10})[1][-4:] == \
        ["-I", "10", "-W", "weka.classifiers.trees.DecisionStump"]
    assert quote_options(weka_classifier("svm", {"kernel": "rbf", "gamma": 0.5})[1]).endswith(
        '-K "weka.classifiers.functions.supportVector.RBFKernel -C 250007 -G 0.5"')
    assert weka_classifier("linear", {"keep_colinear": False, "selection": 0})[1] == ["-S", "0", "-R", "1.0E-8"]
    assert "-H 8,4" in quote_options(weka_classifier("weka", {"hidden": "8,4"})[1])


def oscnet(*args: str, timeout: float = 600) -> str:
    done = subprocess.run([sys.executable, "-m", "oscnet", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_bench_startup_prints_ratios_to_import_numpy():
    out = oscnet("bench", "startup", "--runs", "1")
    lines = {line.split("  ")[0].strip(): line for line in out.splitlines()}
    assert {'python -c "import numpy"', "oscnet --help", "oscnet train tiny.arff", "oscnet serve → listening"} <= set(lines)
    assert lines['python -c "import numpy"'].split()[-2:] == ["1.00", "1.00"]  # the reference's own ratios


@pytest.mark.skipif(weka_available() is not None, reason="needs Weka 3.6 and a JDK")
def test_bench_train_recipe_measures_weka_too():
    out = oscnet("bench", "train", "--recipe", "stump", "--recipe", "linear", "--rows", "200", "--repeat", "1")
    rows = [line.split() for line in out.splitlines() if line.split()[:1] in (["stump"], ["linear"])]
    assert [r[0] for r in rows] == ["stump", "linear"]
    assert all(float(r[6]) > 0 for r in rows), out  # the cpu ratio column


@pytest.mark.slow
def test_bench_train_project_trains_live_in_parallel_and_serially(tmp_path):
    from oscnet.project.config import Config
    from oscnet.project.examples import ExampleStore
    from oscnet.project.folder import save_project

    config = Config.default(3, 3)
    rng = np.random.default_rng(0)
    examples = ExampleStore(3, 3)
    for x in rng.uniform(0, 1, (60, 3)):
        examples.add(1, 0.0, x, np.array([x.sum() / 3, x[0], x[1] * x[2]]))
    save_project(tmp_path / "p", config, examples, [None] * 3)
    out = oscnet("bench", "train", "--project", str(tmp_path / "p"), "--trainings", "2")
    assert "3 outputs to train" in out and "1 training worker" in out and "parallel speed-up" in out
    if weka_available() is None:
        assert "ratio oscnet" in out and out.count("MultilayerPerceptron") == 3


@pytest.mark.slow
def test_bench_flood_keeps_the_input_probe_answered_while_a_patch_floods_train_and_saves():
    out = oscnet("bench", "flood", "--seconds", "2", "--rate", "2000")
    assert "train flood" in out and "saveModelToFile flood" in out
    assert "target: probe p95 ≤ 20 ms and nothing lost under every flood" in out
    flooded = [line.split() for line in out.splitlines() if line.startswith(("train flood", "saveModelToFile flood"))]
    assert all(int(row[2]) > 3000 and int(row[4]) == 0 for row in flooded), out  # the flood was sent; no probe lost


@pytest.mark.parametrize(("recipe", "options"), [("weka", {"hidden": "8,4", "epochs": 30}), ("knn", {"neighbours": 3}),
                                                 ("linear", {"keep_colinear": False, "exponent": 2}), ("svm", {})])
def test_bench_cli_trains_with_the_outputs_own_options(recipe, options):
    """`bench train --cli` runs `oscnet train` with exactly the options the project's output has."""
    from oscnet.bench.train_cli import oscnet_flags
    from oscnet.live.trainer import TrainJob
    from oscnet.recipes import get

    job = TrainJob(0, recipe, np.zeros((2, 2)), np.zeros(2), ["a", "b"], "y", None, options)
    flags = oscnet_flags(job)
    assert flags[:2] == ["--recipe", recipe]
    chosen = get(recipe)
    assert chosen.check_options(chosen.parse_flags(flags[2:])) == chosen.check_options(options)


@pytest.mark.skipif(weka_available() is not None, reason="needs Weka 3.6 and a JDK")
def test_bench_train_cli_times_oscnet_train_next_to_weka(tmp_path):
    from oscnet.project.config import Config
    from oscnet.project.examples import ExampleStore
    from oscnet.project.folder import save_project

    config = Config.default(3, 2)
    rng = np.random.default_rng(0)
    examples = ExampleStore(3, 2)
    for x in rng.uniform(0, 1, (40, 3)):
        examples.add(1, 0.0, x, np.array([x.sum() / 3, x[0] * x[1]]))
    save_project(tmp_path / "p", config, examples, [None] * 2)
    out = oscnet("bench", "train", "--cli", str(tmp_path / "p"), "--repeat", "1", "--min-weka", "0")
    rows = [line for line in out.splitlines() if line.startswith("p/")]
    assert len(rows) == 2 and all("weka, 40x3, numeric" in row for row in rows), out
    assert "median ratio oscnet / Weka over the 2 sets" in out
