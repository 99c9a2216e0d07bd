"""The `batch` recipe (oscnet.batch): learns XOR, a linear output, float32 ≈ float64, stops cleanly."""

from __future__ import annotations

import numpy as np
import pytest

from oscnet.errors import OscnetError
from oscnet.nn.network import Network
from oscnet.recipes.batch import _OpenBlas, blas_threads, train_batch

XOR_IN = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
XOR_OUT = np.array([[0], [1], [1], [0]], dtype=np.float64)


def regression(n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """y = 2·x1 − 3·x2 + 0.5 on inputs in −1..1: needs the output threshold to fit."""
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (n, 2))
    return x, (2 * x[:, 0] - 3 * x[:, 1] + 0.5)[:, None]


@pytest.mark.parametrize("seed", range(5))
def test_learns_xor(seed: int) -> None:
    network = Network.random([2, 4, 1], seed)
    returned = train_batch(network, XOR_IN, XOR_OUT, learning_rate=1.0, epochs=2000, batch_size=4, rng=seed)
    assert returned is network  # trained in place, like train_seed
    np.testing.assert_array_equal(np.rint(network.query(XOR_IN)), XOR_OUT)


def test_linear_output_and_thresholds_are_trained() -> None:
    x, y = regression()
    network = Network.random([2, 8, 1], 0, output_activation="linear")
    assert all(not t.any() for t in network.thresholds)  # Network.random starts them at zero
    train_batch(network, x, y, learning_rate=0.1, epochs=300, batch_size=16, rng=0)
    assert np.mean((network.query(x) - y) ** 2) < 0.01
    assert all(t.any() for t in network.thresholds)
    assert network.output_activation == "linear"


def test_float32_matches_float64_and_network_stays_float64() -> None:
    x, y = regression()
    nets = {}
    for dtype in (np.float32, np.float64):
        nets[dtype] = train_batch(Network.random([2, 8, 1], 3, "linear"), x, y, learning_rate=0.1,
                                  epochs=100, batch_size=16, rng=3, dtype=dtype)
        assert all(w.dtype == np.float64 for w in nets[dtype].weights + nets[dtype].thresholds)
    np.testing.assert_allclose(nets[np.float32].query(x), nets[np.float64].query(x), atol=2e-3)


def test_centring_is_folded_back_exactly() -> None:
    """With zero epochs the network must be unchanged: the input shift is undone in θ."""
    rng = np.random.default_rng(0)
    x = rng.uniform(5, 9, (50, 3))  # far from zero, so a missed fold would show
    network = Network.random([3, 5, 2], 0)
    before = network.query(x)
    train_batch(network, x, rng.uniform(0, 1, (50, 2)), epochs=0, dtype=np.float64)
    np.testing.assert_allclose(network.query(x), before, atol=1e-12)


def test_same_seed_same_result() -> None:
    x, y = regression(64)
    a = train_batch(Network.random([2, 4, 1], 0, "linear"), x, y, epochs=5, rng=7, learning_rate=0.1)
    b = train_batch(Network.random([2, 4, 1], 0, "linear"), x, y, epochs=5, rng=7, learning_rate=0.1)
    for wa, wb in zip(a.weights, b.weights):
        np.testing.assert_array_equal(wa, wb)


def test_progress_monitor_and_should_stop() -> None:
    rng = np.random.default_rng(0)
    x, t = rng.uniform(0, 1, (2500, 4)), rng.uniform(0.1, 0.9, (2500, 3))
    calls: list[tuple[int, int, int]] = []
    seen: list[tuple[int, int]] = []
    train_batch(Network.random([4, 3, 3], 0), x, t, epochs=2, batch_size=100,
                progress=lambda *a: calls.append(a), monitor=lambda o, y: seen.append((o.shape, y.shape)))
    assert calls == [(0, 1000, 2500), (0, 2000, 2500), (0, 2500, 2500),
                     (1, 1000, 2500), (1, 2000, 2500), (1, 2500, 2500)]
    assert len(seen) == 50 and seen[0] == ((100, 3), (100, 3))

    network = Network.random([4, 3, 3], 0)
    start = [w.copy() for w in network.weights]
    steps = []
    train_batch(network, x, t, epochs=5, batch_size=100, monitor=lambda o, y: steps.append(1),
                should_stop=lambda: len(steps) >= 3)
    assert len(steps) == 3  # stopped after the third batch ...
    assert not np.array_equal(start[0], network.weights[0])  # ... keeping what it learnt


@pytest.mark.parametrize("bad", [
    dict(inputs=np.zeros((4, 3)), targets=np.zeros((4, 1))),  # wrong input width
    dict(inputs=np.zeros((4, 2)), targets=np.zeros((3, 1))),  # row counts differ
    dict(inputs=np.full((4, 2), np.nan), targets=np.zeros((4, 1))),  # missing values
    dict(inputs=XOR_IN, targets=XOR_OUT, batch_size=0),
    dict(inputs=XOR_IN, targets=XOR_OUT, momentum=1.0),
])
def test_bad_input_is_a_user_error(bad: dict) -> None:
    with pytest.raises(OscnetError):
        train_batch(Network.random([2, 2, 1], 0), **bad)


def test_blas_threads_restores_the_count() -> None:
    blas = _OpenBlas.find()
    if blas is None:
        pytest.skip("numpy's OpenBLAS not reachable through ctypes here")
    before = blas.get()
    with blas_threads(1):
        assert blas.get() == 1
    assert blas.get() == before
