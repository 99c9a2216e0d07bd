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
