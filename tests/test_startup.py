"""Start-up: `oscnet --help` and argument errors import no numpy, scipy or numba; the light tables
the parser uses instead of the registry stay equal to it; help is as complete as before."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

HEAVY = ("numpy", "scipy", "numba", "yaml", "pythonosc", "aiohttp")

# Parsed in one fresh interpreter, in order; each must end in help or an argument error.
ARGVS = [
    ["--help"],
    ["bench", "--help"],
    ["serve", "--help"],
    ["mnist", "--help"],
    ["bench", "train", "--help"],
    ["bench", "live", "--help"],
    ["bench", "startup", "--help"],
    ["train"],
    ["train", "x.arff", "--recipe", "nope"],
    ["evaluate", "x.arff", "--folds", "many"],
    ["serve", "--bogus"],
    ["serve", "--web", "127.0.0.1:0", "--bogus"],
    ["predict"],
    ["import"],
    ["mnist", "--recipe", "weka"],
    ["bench", "nope"],
    ["nope"],
]

PROBE = """
import json, sys
from oscnet.cli.main import main
found = {}
for argv in json.loads(sys.argv[1]):
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code
    heavy = [m for m in %r if m in sys.modules]
    found[" ".join(argv)] = {"code": code, "heavy": heavy}
print(json.dumps(found))
""" % (HEAVY,)


def test_help_and_argument_errors_import_nothing_heavy():
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(ARGVS)], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    for argv, result in found.items():
        assert result["code"] in (0, 2), (argv, result)  # help, or argparse's usage error
        assert not result["heavy"], f"`oscnet {argv}` imported {result['heavy']}"


def test_the_light_tables_equal_the_registry():
    from oscnet import mnist
    from oscnet.cli import mnist as cli_mnist
    from oscnet.cli.recipes_help import RECIPE_NAMES
    from oscnet.recipes import RECIPES

    assert tuple(RECIPES) == RECIPE_NAMES
    assert cli_mnist.NETWORK_RECIPES == mnist.NETWORK_RECIPES
    assert cli_mnist.DEFAULT_MIRROR == mnist.DEFAULT_MIRROR


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_train_and_evaluate_help_list_every_recipes_options(command, capsys):
    from oscnet.cli.main import main
    from oscnet.recipes import RECIPES

    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    for name, recipe in RECIPES.items():
        assert f"{name}: {recipe.summary}" in text
        assert (recipe.describe_options() or "  (no options)") in text


def test_bench_startup_is_registered():
    from oscnet.cli.main import build_parser

    args = build_parser().parse_args(["bench", "startup", "--runs", "3"])
    assert args.runs == 3 and callable(args.func)


TRAIN_PROBE = """
import sys
from oscnet.cli.main import main
code = main(["train", sys.argv[1], "-q"])
learners = ["knn", "naive_bayes", "stump", "j48", "adaboost", "svm", "linear", "seed", "batch"]
print(code, [m for m in ["scipy.special", "scipy.linalg", "oscnet.dtw.output"] + [f"oscnet.recipes.{n}" for n in learners]
             if m in sys.modules])
"""


def test_train_with_one_learner_loads_only_that_learner():
    """`oscnet train` with the weka recipe pays for the weka recipe only: no other learner's module,
    no DTW, and neither scipy.special nor all of scipy.linalg (numba's BLAS probe is answered by
    cython_blas alone)."""
    tiny = REPO / "tests" / "fixtures" / "weka" / "data" / "tiny.arff"
    done = subprocess.run([sys.executable, "-c", TRAIN_PROBE, str(tiny)], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "0 []"


BLAS_PROBE = """
import numpy as np
import oscnet.recipes  # loads scipy.linalg.cython_blas alone
import numba

@numba.njit(cache=False)
def product(a, b):
    return np.dot(a, b)

a = np.arange(6.0).reshape(2, 3)
assert np.array_equal(product(a, a.T), a @ a.T)
import scipy.linalg
import scipy.linalg.cython_blas
from scipy.special import expit
assert np.allclose(scipy.linalg.solve(np.eye(2) * 2, np.ones(2)), 0.5)
print("ok")
"""


def test_compiled_blas_and_scipy_linalg_work_after_the_preload():
    """The start-up shortcut changes nothing a program sees: numba's BLAS calls work, and a later
    `import scipy.linalg` works as usual."""
    done = subprocess.run([sys.executable, "-c", BLAS_PROBE], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
