"""The network reads like the tutorial and gives the tutorial's worked numbers."""

import numpy as np
import pytest

from oscnet.nn.network import Network

W_INPUT_HIDDEN = np.array([[0.9, 0.3, 0.4], [0.2, 0.8, 0.2], [0.1, 0.5, 0.6]])
W_HIDDEN_OUTPUT = np.array([[0.3, 0.7, 0.5], [0.6, 0.5, 0.2], [0.8, 0.1, 0.9]])


def test_three_layer_worked_example_from_the_tutorial():
    net = Network([W_INPUT_HIDDEN, W_HIDDEN_OUTPUT])
    _inputs, hidden, outputs = net.layer_outputs(np.array([0.9, 0.1, 0.8]))
    assert hidden == pytest.approx([0.761, 0.603, 0.650], abs=5e-4)
    assert outputs == pytest.approx([0.726, 0.708, 0.778], abs=1e-3)  # the book truncates 0.7086


def test_two_node_worked_example_from_the_tutorial():
    net = Network([np.array([[0.9, 0.3], [0.2, 0.8]])])
    assert net.query(np.array([1.0, 0.5])) == pytest.approx([0.7408, 0.6457], abs=5e-5)


def test_a_batch_gives_the_same_answers_as_one_vector_at_a_time():
    net = Network.random([4, 6, 3], rng=1)
    batch = np.random.default_rng(2).random((5, 4))
    one_by_one = np.array([net.query(row) for row in batch])
    assert net.query(batch) == pytest.approx(one_by_one, abs=1e-15)


def test_thresholds_shift_each_node_and_a_linear_output_is_not_squashed():
    net = Network([np.array([[1.0, -1.0]]), np.array([[2.0]])], [np.array([0.5]), np.array([-3.0])], "linear")
    hidden = 1 / (1 + np.exp(-(0.2 - 0.1 + 0.5)))
    assert net.query(np.array([0.2, 0.1])) == pytest.approx([2.0 * hidden - 3.0])


def test_backquery_inverts_a_network_back_into_the_input_range():
    net = Network([W_INPUT_HIDDEN, W_HIDDEN_OUTPUT])
    image = net.backquery(np.array([0.99, 0.01, 0.01]))
    assert image.shape == (3,)
    assert image.min() == pytest.approx(0.01) and image.max() == pytest.approx(0.99)
    # The picture for "output 0 on" must push output 0 up more than the one for "output 1 on".
    other = net.backquery(np.array([0.01, 0.99, 0.01]))
    assert net.query(image)[0] - net.query(image)[1] > net.query(other)[0] - net.query(other)[1]


def test_the_tutorial_initialisation_scales_by_incoming_links():
    net = Network.random([400, 100, 10], rng=0)
    assert net.sizes == [400, 100, 10]
    assert np.std(net.weights[0]) == pytest.approx(400**-0.5, rel=0.05)
    assert all(not t.any() for t in net.thresholds)
    assert repr(net) == "Network(400-100-10, sigmoid output)"


def test_mismatched_shapes_are_refused():
    with pytest.raises(ValueError):
        Network([np.ones((3, 2)), np.ones((1, 4))])
