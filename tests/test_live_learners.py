"""Every learner, live over real UDP: record with `/wekinator/control/outputs`, train, run, and
the `/wek/outputs` that come back are what the trained model predicts (float32 on the wire).

One output per test, configured with its own learner as a user writes it in the YAML config:
`{name: ..., type: classifier, classes: 3, learner: knn, options: {neighbours: 3}}`.
"""

from __future__ import annotations

import numpy as np
import pytest
from osc_helpers import live_config, serve, wait_until

from oscnet.project.outputs import OutputSpec
from oscnet.recipes import RECIPES

CLASSIFIERS = [name for name, r in RECIPES.items() if "nominal" in r.class_types]
CONTINUOUS = [name for name, r in RECIPES.items() if "numeric" in r.class_types]
QUICK = {"weka": {"epochs": 50}, "seed": {"epochs": 50}, "batch": {"epochs": 20}}


def zone(x: np.ndarray) -> int:
    """Three regions of the plane: the classes a performer records by hand."""
    return 1 if x[0] < 0.35 else 2 if x[1] < 0.5 else 3


def run_learner(spec: OutputSpec, label, n: int = 90) -> tuple[list[float], np.ndarray, object]:
    rng = np.random.default_rng(7)
    xs = rng.uniform(0, 1, (n, 2))
    with serve(live_config(2, 1, outputs=[spec])) as server:
        patch, session = server.patch, server.session
        patch.control("startRecording")
        for k, x in enumerate(xs, start=1):
            patch.control("outputs", float(label(x)))
            patch.inputs(*x)
            if k % 30 == 0:
                wait_until(lambda k=k: session.received >= k, what="inputs to arrive")
        patch.control("stopRecording")
        patch.sync()
        assert session.examples.count_for_output(0) == n
        patch.control("train")
        wait_until(lambda: session.models[0] is not None and session.training_job is None, timeout=120,
                   what="the training")
        patch.control("startRunning")
        patch.sync()
        probes = rng.uniform(0, 1, (12, 2))
        sent = [server.outputs_for(*x)[0] for x in probes]
        return sent, probes.astype(np.float32).astype(np.float64), session.models[0]  # as the wire carried them


@pytest.mark.parametrize("learner", CLASSIFIERS)
def test_a_classifier_output_runs_its_learner_live(learner):
    spec = OutputSpec("zone", "classifier", classes=3, learner=learner, options=QUICK.get(learner, {}))
    sent, probes, model = run_learner(spec, zone)
    assert model.recipe.replace("_", "-") == learner
    expected = [float(np.argmax(model.predict(x)) + 1) for x in probes]
    assert sent == expected
    if learner in ("knn", "j48"):  # these learn three clean regions exactly
        assert sent == [float(zone(x)) for x in probes]


@pytest.mark.parametrize("learner", CONTINUOUS)
def test_a_continuous_output_runs_its_learner_live(learner):
    spec = OutputSpec("pitch", min=-10, max=10, learner=learner, options=QUICK.get(learner, {}))
    sent, probes, model = run_learner(spec, lambda x: 0.2 + 0.5 * x[0] + 0.25 * x[1])
    assert model.recipe.replace("_", "-") == learner
    expected = np.array([float(model.predict(x)) for x in probes], dtype=np.float32)
    if learner in ("weka", "seed", "batch"):  # the receive path folds the scaling into the weights
        np.testing.assert_allclose(np.array(sent, dtype=np.float32), expected, rtol=1e-6)
    else:
        np.testing.assert_array_equal(np.array(sent, dtype=np.float32), expected)
    if learner == "linear":  # an exact linear mapping is learnt exactly
        np.testing.assert_allclose(sent, [0.2 + 0.5 * x[0] + 0.25 * x[1] for x in probes], atol=1e-6)
