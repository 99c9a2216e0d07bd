"""Know your model, live: warnings a patch can show before and after a training, progress while
it trains, a failure status when an output cannot be trained, and a classifier's confidence
threshold — all over real UDP, beside Wekinator's own messages."""

from __future__ import annotations

import os
import stat

import numpy as np
from osc_helpers import live_config, serve, wait_until

from oscnet.live.feedback import example_warnings
from oscnet.project.outputs import OutputSpec


def collect(server, address: str) -> list[list]:
    server.patch.sync()
    found = []
    while not server.listener.messages.empty():
        got, args = server.listener.messages.get_nowait()
        if got == address:
            found.append(args)
    return found


def record(server, rows: list[tuple[list[float], list[float]]]) -> None:
    patch = server.patch
    patch.control("startRecording")
    for inputs, outputs in rows:
        patch.control("outputs", *outputs)
        patch.inputs(*inputs)
    patch.control("stopRecording")
    patch.sync()


def test_the_examples_are_checked_before_training_and_each_problem_is_sent():
    spec = OutputSpec("zone", "classifier", classes=3)
    with serve(live_config(2, 2, outputs=[spec, OutputSpec("pitch")])) as server:
        # input 2 never moves, zone only ever gets class 2, and (0.5, 0) is recorded as 2 and as 1
        record(server, [([x, 0.0], [2, x]) for x in (0.1, 0.2, 0.5)] + [([0.5, 0.0], [1, 0.5])])
        server.patch.control("train")
        wait_until(lambda: server.session.training_job is None and server.session.models[0] is not None,
                   what="the training")
        warnings = collect(server, "/oscnet/status/warning")
        texts = [args[2] for args in warnings]
        assert all(args[:2] in ([1, "zone"], [2, "pitch"]) for args in warnings)
        assert any("input(s) inputs-2 never changed" in t for t in texts)
        assert any("zone: 1 inputs were recorded with different values" in t for t in texts)


def test_one_class_and_too_few_examples_are_named():
    x = np.array([[0.1, 0.2], [0.3, 0.4]])
    found = example_warnings("zone", x, np.array([2.0, 2.0]), ["a", "b"], classes=3)
    assert "zone has examples of class 2 only: it will always answer 2; record the other classes too" in found
    assert "zone has 2 examples for 3 classes: record at least one per class" in found
    assert example_warnings("pitch", x, np.array([np.nan, np.nan]), ["a", "b"], None) == [
        "pitch has no examples: record some (its training is skipped)"]


def test_progress_arrives_per_output_and_done_training_only_when_a_model_is_ready():
    # knn cannot learn a single class (Weka refuses it): that output fails, the other trains
    outputs = [OutputSpec("one", "classifier", classes=1), OutputSpec("pitch")]
    with serve(live_config(2, 2, outputs=outputs)) as server:
        record(server, [([x, 1 - x], [1, x]) for x in np.linspace(0, 1, 20)])
        server.patch.control("train")
        wait_until(lambda: server.session.models[1] is not None and server.session.training_job is None,
                   what="the training")
        server.patch.sync()
        messages = []
        while not server.listener.messages.empty():
            messages.append(server.listener.messages.get_nowait())
        addresses = [a for a, _ in messages]
        assert [args for a, args in messages if a == "/oscnet/status/progress"][-1:] == [[2, 2]]
        failed = [args for a, args in messages if a == "/oscnet/status/training-failed"]
        assert failed and failed[0][:2] == [1, "one"] and "two classes" in failed[0][2]
        assert "/wekinator/status/done-training" in addresses  # pitch trained
        assert server.session.models[1] is not None and server.session.models[0] is None


def test_a_classifier_below_its_confidence_sends_the_unknown_value():
    spec = OutputSpec("zone", "classifier", classes=2, learner="knn", options={"neighbours": 4},
                      confidence=0.9, unknown=0)
    with serve(live_config(2, 1, outputs=[spec])) as server:
        record(server, [([x, 0.0], [1 if x < 0.5 else 2]) for x in np.linspace(0, 1, 20)])
        server.session.train()
        server.session.wait_training()
        server.patch.control("startRunning")
        server.patch.sync()
        assert server.outputs_for(0.05, 0.0) == [1.0]  # all four neighbours agree
        assert server.outputs_for(0.5, 0.0) == [0.0]  # two and two: not sure, so the unknown value


def test_project_files_get_the_users_usual_permissions(tmp_path):
    with serve(project_dir=tmp_path / "p") as server:
        record(server, [([0.1, 0.2], [0.3])])
        server.session.save()
    umask = os.umask(0o022)
    os.umask(umask)
    mode = stat.S_IMODE(os.stat(tmp_path / "p" / "examples.csv").st_mode)
    assert mode == 0o666 & ~umask


def test_an_evaluate_request_is_answered_per_output_with_wekas_figures():
    """`/oscnet/control/evaluate` runs Weka's 10-fold cross-validation in a worker process and
    answers one `/oscnet/status/evaluation` per output: the same figures as `oscnet evaluate`."""
    from osc_helpers import record_linear

    from oscnet.recipes import fit_model
    from oscnet.recipes.evaluation import cross_validate

    spec = OutputSpec("pitch", min=-10, max=10, learner="linear")
    with serve(live_config(2, 1, outputs=[spec])) as server:
        xs = record_linear(server, 60)
        server.patch.sender.send("/oscnet/control/evaluate")
        args = server.listener.get("/oscnet/status/evaluation", timeout=60)
        block = server.session.examples.block()
    assert args[:2] == [1, "pitch"]

    def fit(x, y):
        return fit_model("linear", x, y, ["inputs-1", "inputs-2"], "pitch")

    expected = cross_validate(fit, block.inputs, block.outputs[:, 0], None).figures()
    np.testing.assert_allclose(args[2:], np.array(list(expected.values()), dtype=np.float32), rtol=1e-6)
    assert len(xs) == expected["n"] == 60


def test_contradictions_count_input_vectors_with_two_answers():
    # (0, 1) is recorded with 1 and 2, (0.5, 0.5) with 3 twice, (1, nan) with 1 and 3: a missing
    # input is never the same value as another, so those two rows are not one pose
    x = np.array([[0, 1], [0.5, 0.5], [0, 1], [1, np.nan], [0.5, 0.5], [1, np.nan], [0, 1.0]])
    y = np.array([1.0, 3, 2, 1, 3, 3, 1])
    found = example_warnings("zone", x, y, ["a", "b"], classes=3)
    assert "zone: 1 inputs were recorded with different values (the same pose, two answers); delete the " \
           "wrong round or record them apart" in found
