"""The session's rules without a network: output types, recording masks, training, refusals."""

from __future__ import annotations

import numpy as np
import pytest

from oscnet import Session
from oscnet.errors import OscnetError
from oscnet.live.report import dump_text
from oscnet.live.runner import Runner
from oscnet.project.config import Config
from oscnet.project.outputs import OutputSpec
from oscnet.recipes import fit_model


def session(n_inputs=2, outputs=None) -> Session:
    config = Config.default(n_inputs, len(outputs) if outputs else 1)
    if outputs:
        config.outputs = outputs
    config.send_port = 9  # discard: these tests listen to nothing
    return Session(config, autosave=False, seed=0)


def test_hard_limits_clip_and_integer_outputs_truncate_toward_zero():
    spec = OutputSpec("o", min=-10, max=10, limits="hard", integer=True)
    assert [spec.finish(v) for v in (12.7, -3.9, 3.9, -12.5)] == [10, -3, 3, -10]
    soft = OutputSpec("o", min=0, max=1, integer=True)
    assert soft.finish(2.9) == 2 and soft.finish(-0.5) == 0  # soft: no clipping; trunc(-0.5) = 0


def test_randomize_stays_in_each_outputs_range():
    rng = np.random.default_rng(0)
    spec_int = OutputSpec("i", min=1, max=3, integer=True)
    assert {spec_int.random_value(rng) for _ in range(200)} == {1.0, 2.0, 3.0}
    classes = OutputSpec("c", "classifier", classes=4)
    assert {classes.random_value(rng) for _ in range(200)} == {1.0, 2.0, 3.0, 4.0}
    real = [OutputSpec("r", min=-2, max=5).random_value(rng) for _ in range(200)]
    assert min(real) >= -2 and max(real) < 5


@pytest.mark.parametrize("nominal", [False, True])
def test_the_live_forward_pass_equals_model_predict(nominal):
    rng = np.random.default_rng(1)
    x = rng.uniform(-3, 7, (60, 3))
    if nominal:
        target, labels = (x[:, 0] > 2).astype(float), ["1", "2"]
        spec = OutputSpec("c", "classifier", classes=2)
    else:
        target, labels, spec = x @ [0.5, -1, 2], None, OutputSpec("o", min=-100, max=100)
    model = fit_model("weka", x[:, [0, 2]], target, ["a", "c"], "o", labels, {"epochs": 30})
    runner = Runner(model, spec, [0, 2])
    for row in x[:10]:
        value, distribution = runner(row)
        if nominal:
            expected = model.predict(row[[0, 2]])
            assert distribution == pytest.approx(expected, abs=1e-12)
            assert value == np.argmax(expected) + 1
        else:
            assert value == pytest.approx(float(model.predict(row[[0, 2]])), abs=1e-12)


def test_recording_adds_one_example_per_input_with_unrecorded_outputs_missing():
    with session(outputs=[OutputSpec("a", min=0, max=1, limits="hard"), OutputSpec("b")]) as s:
        s.set_outputs([1.5, 0.3])
        s.set_recording_enabled([2], False)
        s.start_recording()
        s.receive_inputs(np.array([0.1, 0.2]))
        rows = s.examples.block().outputs
        assert rows[0, 0] == 1.0  # a HARD output's label is clamped, as Wekinator enforces
        assert np.isnan(rows[0, 1])


def test_wekinators_refusals_and_wording():
    with session() as s:
        with pytest.raises(OscnetError, match="Mismatch in input length: Expected 2, received 3"):
            s.receive_inputs(np.zeros(3))
        with pytest.raises(OscnetError, match="wrong length: Expected 1 values, received 2"):
            s.set_outputs([1, 2])
        with pytest.raises(OscnetError, match="no output has a trained model"):
            s.start_running()
        with pytest.raises(OscnetError, match="record some first"):
            s.train()
        with pytest.raises(OscnetError, match="there is no output 'x'"):
            s.delete_examples_for_output("x")


def test_a_classifier_value_must_be_one_of_its_classes():
    with session(outputs=[OutputSpec("c", "classifier", classes=3)]) as s:
        assert s.values.tolist() == [1.0]  # Wekinator's starting class
        s.set_outputs([3])
        for bad in (0, 4, 1.5):
            with pytest.raises(OscnetError, match=r"whole number 1\.\.3"):
                s.set_outputs([bad])


def test_delete_last_and_readd_last_work_on_rounds():
    with session() as s:
        for n in (2, 3):
            s.start_recording()
            for _ in range(n):
                s.receive_inputs(np.zeros(2))
            s.stop_recording()
        s.delete_last()
        assert len(s.examples) == 2 and "Deleted last recording (#2)" in s.status_text
        s.readd_last()
        assert len(s.examples) == 5


def test_training_in_the_worker_swaps_in_versioned_models():
    with session() as s:
        s.start_recording()
        for x in np.linspace(0, 1, 20):
            s.set_outputs([x])
            s.receive_inputs(np.array([x, 1.0]))
        s.train()
        s.wait_training(60)
        assert s.model_name(0) == "outputs-1 (v1)"
        assert not s.recording  # train stopped the recording first
        s.select_inputs(1, [1])
        s.train()
        s.wait_training(60)
        assert s.model_name(0) == "outputs-1 (v2)" and s.models[0].input_names == ["inputs-1"]
        assert "Linear Node 0" in dump_text(s, 1)


def test_two_sessions_in_one_test_do_not_share_state():
    with session() as a, session() as b:
        a.set_outputs([0.7])
        a.start_recording()
        a.receive_inputs(np.zeros(2))
        assert len(b.examples) == 0 and b.values.tolist() == [0.0] and not b.recording


def _project_with_a_misfit_model(tmp_path):
    """A saved 2-input project whose model file was trained on 3 inputs (hand-edited, or copied)."""
    other = Session(Config.default(2, 1), project_dir=tmp_path / "other", autosave=False)
    x = np.random.default_rng(3).uniform(0, 1, (20, 3))
    misfit = fit_model("weka", x, x.sum(axis=1), ["a", "b", "c"], "o", None, {"epochs": 5})
    other._set_models([None])
    other.save()
    misfit.save(tmp_path / "other" / "models" / "output-1.json")
    return tmp_path / "other"


def test_a_refused_load_leaves_config_examples_models_and_autosave_as_they_were(tmp_path):
    mine = tmp_path / "mine"
    config = Config.default(2, 1)
    config.send_port = 9
    with Session(config, project_dir=mine) as s:
        s.start_recording()
        for k in range(5):
            s.receive_inputs(np.array([k, -k], dtype=float))
        model = fit_model("weka", np.eye(2), np.array([0.0, 1.0]), ["inputs-1", "inputs-2"], "o", None, {"epochs": 5})
        s.load_model(1, model.save(tmp_path / "m.json"))
        before = (s.config.to_yaml(), s.examples.block().inputs.copy(), s.models[0], s.autosaver, s.project_dir)

        with pytest.raises(OscnetError, match="takes 3 inputs"):
            s.load(_project_with_a_misfit_model(tmp_path))
        with pytest.raises(OscnetError, match="takes 3 inputs"):
            s.run_new_project(tmp_path / "other")

        assert s.config.to_yaml() == before[0]
        assert np.array_equal(s.examples.block().inputs, before[1])
        assert s.models[0] is before[2] and s.autosaver is before[3] and s.project_dir == before[4]
        assert s.recording  # still recording: nothing was stopped for a load that did not happen
        s.receive_inputs(np.array([9.0, 9.0]))  # and autosave still writes to my folder
        s.autosaver.flush()
    assert (mine / "examples.csv").read_text().count("\n") == 1 + 6  # header + every example


def test_a_session_starts_no_process_and_opens_no_socket_until_asked():
    s = session()
    assert s._trainer is None and s._sender is None
    s.set_outputs([0.5])  # sending opens the output socket on first use
    assert s._sender is not None and s._trainer is None
    s.close()


def test_training_options_are_checked_when_set():
    s = session()
    s.set_training("batch", {"hidden": "4", "epochs": 3})
    assert (s.config.recipe, s.config.options) == ("batch", {"hidden": "4", "epochs": 3})
    with pytest.raises(OscnetError, match="did you mean hidden"):
        s.set_training(options={"hiden": 8})
    assert s.config.options == {"hidden": "4", "epochs": 3}  # a refused change changes nothing


def test_the_examples_are_checked_beside_the_training_not_by_the_caller(monkeypatch):
    """`train` comes from the receive thread: the example checks (a sort of every example) run on
    a thread of their own, and their warnings are sent before done-training."""
    import threading

    from oscnet.live import feedback

    checked_on, sent = [], []
    warnings = feedback.example_warnings

    def recording(*args):
        checked_on.append(threading.current_thread().name)
        return warnings(*args)

    monkeypatch.setattr(feedback, "example_warnings", recording)
    with session() as s:
        monkeypatch.setattr(s.sender, "send", lambda address, *args: sent.append(address))
        s.start_recording()
        for x in np.linspace(0, 1, 20):
            s.set_outputs([x])
            s.receive_inputs(np.array([x, 1.0]))  # input 2 never changes: a warning
        s.train()
        s.wait_training(60)
    assert checked_on == ["oscnet-example-checks"]
    assert sent.index(feedback.WARNING) < sent.index("/wekinator/status/done-training")
