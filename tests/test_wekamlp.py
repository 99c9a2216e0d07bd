"""The `weka` recipe reproduces Weka 3.6 MultilayerPerceptron (spec weka-mlp.md §3, §9)."""

import numpy as np
import pytest
from weka_compare import assert_same_model_text

from oscnet.nn.model import Scaling
from oscnet.nn.wekatext import weka_text
from oscnet.recipes import fit_model
from oscnet.recipes.javarandom import JavaRandom
from oscnet.recipes.weka import WekaOptions, initial_network, shuffled_order, train_weka

TINY_X = np.array([[0.0, 1.0, 1.0], [0.1, 0.8, 1.0], [0.2, 0.6, 1.0], [0.3, 0.9, 1.0], [0.4, 0.2, 1.0],
                   [0.5, 0.5, 1.0], [0.6, 0.1, 1.0], [0.7, 0.7, 1.0], [0.8, 0.3, 1.0], [0.9, 0.4, 1.0]])
TINY_Y = np.array([0.5, 0.9, 1.1, 1.6, 1.0, 1.8, 1.5, 2.4, 2.1, 2.6])
TINYC_X = np.array([[0.1, 0.2], [0.3, 0.1], [0.2, 0.4], [0.6, 0.5], [0.7, 0.7], [0.5, 0.6],
                    [0.9, 0.1], [0.8, 0.2], [1.0, 0.3]])
TINYC_Y = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2.0])

VECTOR_2 = """\
Linear Node 0
    Inputs    Weights
    Threshold    0.3776691695650165
    Node 1    -1.917867475443362
    Node 2    -2.3503696721564338
    Node 3    1.4490288732709806
Sigmoid Node 1
    Inputs    Weights
    Threshold    -1.2476937863966246
    Attrib x1    -1.3547742075121953
    Attrib x2    -1.5841087685735176
    Attrib k    -0.04907751386689119
Sigmoid Node 2
    Inputs    Weights
    Threshold    -2.8595879726646585
    Attrib x1    -2.0893238664871125
    Attrib x2    0.6798767922820605
    Attrib k    0.006294967389837924
Sigmoid Node 3
    Inputs    Weights
    Threshold    -1.0799948585336676
    Attrib x1    1.462797831003015
    Attrib x2    0.03575613331720686
    Attrib k    -0.0247116869313324
Class 
    Input
    Node 0
"""


def test_shuffle_order_and_normalisation_constants_of_the_tiny_set():
    order = shuffled_order(10, JavaRandom(0))
    assert order.tolist() == [4, 8, 9, 6, 3, 5, 2, 1, 7, 0]
    scaling = Scaling.from_data(np.column_stack([TINY_X, TINY_Y]))
    assert scaling.base == pytest.approx([0.45, 0.55, 1.0, 1.55])
    assert scaling.range == pytest.approx([0.45, 0.45, 0.0, 1.05])


def test_initial_weights_follow_wekas_draw_order():
    rng = JavaRandom(0)
    shuffled_order(10, rng)
    net = initial_network(rng, [3, 3, 1], linear_output=True)
    hidden, out = net.weights
    drawn = [net.thresholds[1][0], *net.thresholds[0], *hidden.T.ravel(), *out.ravel()]
    assert drawn == [
        0.02815346320453048, -0.024722383342401413, 0.011303576804461382, 0.04828195255872983,
        -0.047691814688966896, -0.03240231979645199, -0.018706403480623447, -0.01320242412894719,
        0.02051747444754559, -0.04986133195945657, -0.04907751386689119, 0.006294967389837924,
        -0.0247116869313324, -0.021409521384840913, -0.04850729141188818, 0.04766978471088823]


@pytest.mark.parametrize("fast", [False, True], ids=["reference", "compiled"])
def test_vector_1_one_epoch_is_identical_to_weka(fast):
    model = train_weka(TINY_X, TINY_Y, ["x1", "x2", "k"], options=WekaOptions(epochs=1), fast=fast)
    text = weka_text(model)
    assert text.splitlines()[2] == "    Threshold    -0.16687474971786093"
    assert "    Attrib k    -0.04907751386689119" in text  # a constant input never moves
    assert model.predict(TINY_X[:3]) == pytest.approx([1.188593725121167, 1.1898707589084725, 1.191148345490515],
                                                      abs=1e-12)


@pytest.mark.parametrize("fast", [False, True], ids=["reference", "compiled"])
def test_vector_2_wekinator_settings_match_weka(fast):
    model = train_weka(TINY_X, TINY_Y, ["x1", "x2", "k"], fast=fast)
    assert_same_model_text(weka_text(model), VECTOR_2, tolerance=1e-12)
    assert model.predict(TINY_X[:3]) == pytest.approx([0.5086942944075736, 0.8504126659300251, 1.0587079944043338],
                                                      abs=1e-12)
    # outside the training range, and an input constant in training seen at a new value: not clipped
    assert model.predict(np.array([2.0, -1.0, 5.0])) == pytest.approx(2.7437481691025707, abs=1e-12)
    # a missing input means "the training midpoint"
    assert model.predict(np.array([0.45, np.nan, 1.0])) == pytest.approx(1.7492597980014921, abs=1e-12)


def test_a_single_row_trains_nothing_and_predicts_its_value():
    model = train_weka(TINY_X[:1], TINY_Y[:1], ["x1", "x2", "k"])
    assert model.network.thresholds[-1][0] == 0.023096778737665705
    assert model.network.weights[0][0, 0] == 0.009754527779720176
    assert model.predict(np.array([0.3, 0.3, 0.3])) == 0.5


def test_vector_3_nominal_class_matches_weka():
    model = train_weka(TINYC_X, TINYC_Y, ["u", "v"], "c", ["a", "b", "c"])
    text = weka_text(model)
    assert text.startswith("Sigmoid Node 0\n    Inputs    Weights\n    Threshold    -2.742657755622")
    assert text.endswith("Class a\n    Input\n    Node 0\nClass b\n    Input\n    Node 1\nClass c\n    Input\n    Node 2\n")
    assert model.predict(TINYC_X[0]) == pytest.approx([0.942000257760848, 0.04871430976981339, 0.009285432469338563],
                                                      abs=1e-12)
    assert model.predict_class(TINYC_X).tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_rows_without_a_class_value_are_dropped_before_the_shuffle():
    y = TINY_Y.copy()
    y[3] = np.nan
    with_gap = train_weka(TINY_X, y, ["x1", "x2", "k"], options=WekaOptions(epochs=5))
    without_row = train_weka(np.delete(TINY_X, 3, 0), np.delete(TINY_Y, 3), ["x1", "x2", "k"],
                             options=WekaOptions(epochs=5))
    assert weka_text(with_gap) == weka_text(without_row)


def _random_set(n_rows, n_inputs, seed, nominal=False):
    rng = np.random.default_rng(seed)
    x = rng.random((n_rows, n_inputs)) * 10 - 3
    if nominal:
        return x, (x[:, 0] > 2).astype(float) + (x[:, -1] > 4)
    return x, np.sin(x).sum(axis=1) + 0.1 * rng.standard_normal(n_rows)


@pytest.mark.parametrize("n_inputs,hidden,nominal", [(1, "i", False), (7, "i", False), (5, "3,2", False),
                                                     (4, "a", True), (6, "0", False)])
def test_the_compiled_loop_agrees_with_the_readable_reference(n_inputs, hidden, nominal):
    x, y = _random_set(40, n_inputs, n_inputs, nominal)
    labels = ["p", "q", "r"] if nominal else None
    options = WekaOptions(hidden=hidden, epochs=60)
    ref = train_weka(x, y, [f"x{i}" for i in range(n_inputs)], class_labels=labels, options=options, fast=False)
    fast = train_weka(x, y, [f"x{i}" for i in range(n_inputs)], class_labels=labels, options=options, fast=True)
    for a, b in zip(ref.network.weights + ref.network.thresholds, fast.network.weights + fast.network.thresholds):
        assert np.max(np.abs(a - b)) <= 1e-12


@pytest.mark.parametrize("n_inputs,hidden,rate", [(3, 3, 0.3), (11, 11, 0.3), (30, 30, 0.3), (2, 9, 0.3),
                                                  (42, 42, 0.3), (1, 1, 0.3), (5, 5, 1.0)])
def test_the_numeric_loop_is_the_one_hidden_loop_bit_for_bit(n_inputs, hidden, rate):
    """One numeric output (Wekinator's usual network) trains in its own faster loop: the same
    weights to the last bit as the general one-hidden-layer loop, also when the error diverges."""
    from oscnet.recipes.weka_loops import _train_one_hidden_kernel
    from oscnet.recipes.weka_numeric_loop import train_numeric

    x, y = _random_set(60, n_inputs, n_inputs + hidden)
    rng = np.random.default_rng(hidden)
    start = [rng.uniform(-0.05, 0.05, shape) for shape in ((hidden, n_inputs), (hidden,), (1, hidden), (1,))]
    order = rng.permutation(60).astype(np.int64)
    xn, target = (x - x.mean(axis=0)) / x.std(axis=0), y[:, None].copy()
    general, numeric = [a.copy() for a in start], [a.copy() for a in start]
    meters = np.zeros(3), np.zeros(3)  # how far each got, and its last epoch's error
    diverged = _train_one_hidden_kernel(*general, xn, target, order, float(y.min()), float(np.ptp(y)), rate, 0.2, 40,
                                        True, meters[0])
    trained = train_numeric(*numeric, xn, target, order, float(y.min()), float(np.ptp(y)), rate, 0.2, 40, meters[1])
    assert trained is not bool(diverged)
    assert np.array_equal(*meters)
    if trained:
        assert all(np.array_equal(a, b) for a, b in zip(general, numeric))


def test_many_inputs_diverge_and_restart_at_half_the_learning_rate():
    rng = np.random.default_rng(0)
    x = rng.random((60, 60))
    y = rng.random(60)
    model = train_weka(x, y, [f"x{i}" for i in range(60)], options=WekaOptions(epochs=20))
    assert model.info["restarts"] >= 1
    assert model.info["learning_rate_used"] == 0.3 / 2 ** model.info["restarts"]
    assert np.all(np.isfinite(model.predict(x)))


@pytest.mark.parametrize("recipe", ["weka", "seed", "batch"])
def test_xor_is_learnt_by_every_recipe(recipe):
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0.0, 1.0, 1.0, 0.0])
    options = {"weka": {"hidden": "4", "epochs": 2000},
               "seed": {"hidden": "8", "epochs": 4000, "learning_rate": 0.3},
               "batch": {"hidden": "8", "epochs": 3000}}[recipe]
    model = fit_model(recipe, np.tile(x, (5, 1)), np.tile(y, 5), ["a", "b"], "xor", options=options)
    assert model.predict(x) == pytest.approx(y, abs=0.25)


def test_options_are_checked_with_a_clear_message():
    from oscnet.errors import OscnetError

    with pytest.raises(OscnetError, match="learning_rate"):
        WekaOptions(learning_rate=1.5)
    with pytest.raises(OscnetError, match="hidden"):
        WekaOptions(hidden="x").hidden_sizes(3, 1)
    assert WekaOptions(hidden="i,a,o,t,2").hidden_sizes(6, 2) == [6, 4, 2, 8, 2]
