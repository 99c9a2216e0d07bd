"""The recipe registry: every learner Wekinator offers, by name, with its options declared once.

Each learner's numbers are checked against the real Weka in its own test file
(test_recipe_<name>.py, test_weka_fixtures.py); these tests check what they share.
"""

from __future__ import annotations

import numpy as np
import pytest

from oscnet.errors import OscnetError
from oscnet.recipes import RECIPES, fit_model, get, model_from_dict, model_text, model_to_dict

WEKINATOR_LEARNERS = {"weka", "knn", "adaboost", "j48", "naive-bayes", "stump", "linear"}
QUICK = {"weka": {"epochs": 5}, "seed": {"epochs": 5}, "batch": {"epochs": 2}}


def examples(kind: str) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    x = np.random.default_rng(0).uniform(0, 1, (40, 3))
    if kind == "nominal":
        return x, (x[:, 0] + x[:, 1] > 1).astype(float), ["1", "2"]
    return x, x @ [1.0, 2.0, 3.0], None


def test_every_learner_wekinator_offers_is_registered():
    assert set(RECIPES) >= WEKINATOR_LEARNERS


@pytest.mark.parametrize("name,kind", [(n, k) for n, r in RECIPES.items() for k in r.class_types])
def test_a_saved_model_predicts_and_prints_as_the_trained_one(name, kind):
    x, y, labels = examples(kind)
    model = fit_model(name, x, y, ["a", "b", "c"], "out", labels, QUICK.get(name))
    again = model_from_dict(model_to_dict(model))
    np.testing.assert_array_equal(again.predict(x[:5]), model.predict(x[:5]))
    assert model_text(again) == model_text(model)
    assert again.recipe.replace("_", "-") == name and again.kind == kind


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_options_go_by_name_or_by_wekas_flag_and_typos_are_refused(name):
    recipe = get(name)
    for option in recipe.options:
        by_flag = recipe.check_options({option.flag: option.default})
        by_name = recipe.check_options({option.name: option.default})
        assert by_flag == by_name
    with pytest.raises(OscnetError, match=f"unknown option 'zzz' for the {name} recipe"):
        recipe.check_options({"zzz": 1})


def test_a_learner_refuses_a_class_type_it_cannot_learn():
    x, y, _ = examples("numeric")
    with pytest.raises(OscnetError, match="the j48 recipe cannot learn a numeric output; use one of"):
        fit_model("j48", x, y, ["a", "b", "c"], "out")


def test_command_line_flags_follow_each_recipes_declaration():
    assert get("knn").parse_flags(["-K", "3"]) == {"neighbours": "3"}
    assert get("linear").parse_flags(["-E", "2", "-C"]) == {"exponent": "2", "keep_colinear": True}
    assert get("linear").parse_flags(["--keep-colinear", "false"]) == {"keep_colinear": False}
    with pytest.raises(OscnetError, match="did you mean neighbours"):
        get("knn").parse_flags(["--neighbors", "3"])
