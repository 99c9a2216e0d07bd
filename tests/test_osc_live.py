"""End to end over real UDP on 127.0.0.1: Wekinator's protocol as a patch uses it."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from osc_helpers import linear, live_config, record_linear, serve, wait_until

from oscnet.live.report import status_report
from oscnet.osc.wire import float_message
from oscnet.project.config import Config
from oscnet.project.outputs import OutputSpec


def trained(server, n: int = 150):
    """Record the linear mapping and train on it; returns the inputs recorded."""
    xs = record_linear(server, n)
    server.patch.control("train")
    server.listener.get("/wekinator/status/done-training", timeout=60)
    return xs


def test_record_train_run_reproduces_a_linear_mapping():
    with serve() as server:
        trained(server)
        assert len(server.session.examples) == 150
        server.patch.control("startRunning")
        wait_until(lambda: server.session.running)
        for x in ([0.1, 0.2], [0.5, 0.5], [0.9, 0.3], [0.3, 0.8]):
            (got,) = server.outputs_for(*x)
            assert got == pytest.approx(linear(np.array(x)), abs=0.05)
        assert server.session.model_name(0) == "outputs-1 (v1)"


def test_outputs_keep_flowing_while_a_model_trains():
    with serve() as server:
        trained(server)
        server.patch.control("startRunning")
        wait_until(lambda: server.session.running)
        server.session.set_training(options={"hidden": "i", "epochs": 2_000_000})  # minutes of training
        server.patch.control("train")
        wait_until(lambda: server.session.training_job is not None)
        answers = [server.outputs_for(0.5, 0.5) for _ in range(50)]
        assert server.session.training_job is not None
        assert all(a == answers[0] for a in answers)  # the old model keeps answering, at once
        server.patch.control("cancelTrain")
        wait_until(lambda: server.session.training_job is None)


def test_untrained_and_disabled_outputs_send_their_current_value():
    with serve(live_config(2, 3)) as server:
        patch, session = server.patch, server.session
        patch.control("disableModelRecording", 3)
        patch.control("startRecording")
        for k, x in enumerate(np.linspace(0, 1, 40)):
            patch.control("outputs", x, 1 - x, 0.5)
            patch.inputs(x, 1 - x)
            if k % 20 == 19:
                wait_until(lambda k=k: session.received > k)
        patch.control("train")
        server.listener.get("/wekinator/status/done-training", timeout=60)
        assert session.models[2] is None
        patch.control("outputs", 0.4, 0.7, 0.9)
        patch.control("disableModelRunning", 2)
        patch.control("startRunning")
        wait_until(lambda: session.running)
        got = server.outputs_for(0.2, 0.8)
        assert got[0] == pytest.approx(0.2, abs=0.05)  # the model
        assert got[1:] == pytest.approx([0.7, 0.9])  # running off: current value; untrained: current value
        patch.control("enableModelRunning", 2)
        patch.sync()
        assert server.outputs_for(0.2, 0.8)[1] == pytest.approx(0.8, abs=0.05)


def test_start_and_stop_recording_make_rounds_of_examples():
    with serve() as server:
        patch, session = server.patch, server.session
        for round_size in (3, 5):
            patch.control("startRecording")
            for _ in range(round_size):
                patch.inputs(0.1, 0.2)
            patch.control("stopRecording")
        patch.inputs(0.1, 0.2)  # not recording: not an example
        patch.sync()
        assert session.examples.rounds() == [1, 2]
        assert session.examples.round_size(1) == 3 and session.examples.round_size(2) == 5
        assert len(session.examples) == 8


def test_outputs_message_sets_the_labels_and_is_echoed_to_the_synth():
    with serve(live_config(1, 2)) as server:
        server.patch.control("outputs", 0.25, 0.75)
        assert server.listener.get("/wek/outputs") == pytest.approx([0.25, 0.75])
        server.patch.control("outputs", 0.5)  # wrong length: refused
        server.patch.control("startRecording")
        server.patch.inputs(1.0)
        server.patch.sync()
        assert server.session.examples.block().outputs.tolist()[0] == [0.25, 0.75]
        assert server.session.problems.counts["refused command"] == 1


def test_numbers_of_every_osc_type_are_accepted_as_inputs():
    with serve() as server:
        server.patch.control("startRecording")
        for tags in ("ff", "ii", "dd", "hh", "fi"):
            data = _message("/wek/inputs", tags, [3, 4])
            server.patch.raw(data)
        server.patch.sync()
        assert server.session.examples.block().inputs[:5].tolist() == [[3.0, 4.0]] * 5
        assert not server.session.problems.counts


def _message(address: str, tags: str, values: list) -> bytes:
    """An OSC message with the given type tags (f, i, d, h), encoded by hand."""
    def pad(b: bytes) -> bytes:
        b += b"\0"
        return b + b"\0" * (-len(b) % 4)
    codes = {"f": ">f", "i": ">i", "d": ">d", "h": ">q"}
    return pad(address.encode()) + pad(("," + tags).encode()) + b"".join(
        struct.pack(codes[t], v) for t, v in zip(tags, values))


def test_bundles_are_unpacked():
    with serve() as server:
        server.patch.control("startRecording")
        wait_until(lambda: server.session.recording)
        inner = float_message("/wek/inputs", [1.0, 2.0])
        bundle = b"#bundle\0" + b"\0" * 7 + b"\1" + (struct.pack(">i", len(inner)) + inner) * 2
        server.patch.raw(bundle)
        server.patch.sync()
        assert server.session.examples.block().inputs[:2].tolist() == [[1.0, 2.0]] * 2


def test_train_sends_done_training_and_versions_the_models():
    with serve() as server:
        trained(server)
        assert server.session.model_name(0) == "outputs-1 (v1)"
        server.patch.control("train")
        server.listener.get("/wekinator/status/done-training", timeout=60)
        assert server.session.model_name(0) == "outputs-1 (v2)"
        assert "Training completed." in status_report(server.session)


def test_cancel_train_keeps_the_previous_models():
    config = live_config(options={"hidden": "i", "epochs": 2_000_000})  # minutes: must be cancelled
    with serve(config) as server:
        record_linear(server, 100)
        server.patch.control("train")
        wait_until(lambda: server.session.training_job is not None)
        server.patch.control("cancelTrain")
        wait_until(lambda: server.session.training_job is None)
        assert server.session.models == [None]
        assert "cancelled" in server.session.status_text
        server.session.set_training(options={"hidden": "i"})  # a normal training works after a cancel
        server.patch.control("train")
        server.listener.get("/wekinator/status/done-training", timeout=60)
        assert server.session.model_name(0) == "outputs-1 (v1)"


def test_a_train_while_training_restarts_it():
    config = live_config(options={"hidden": "i", "epochs": 2_000_000})
    with serve(config) as server:
        record_linear(server, 100)
        server.patch.control("train")
        wait_until(lambda: server.session.training_job is not None)
        first = server.session.training_job
        server.session.set_training(options={"hidden": "i"})
        server.patch.control("train")  # restarts with the options and examples of now
        wait_until(lambda: server.session.training_job not in (None, first))
        server.listener.get("/wekinator/status/done-training", timeout=60)
        assert server.session.model_name(0) == "outputs-1 (v1)"  # one training counted, not two


def test_start_and_stop_running():
    with serve() as server:
        server.patch.control("startRunning")  # nothing trained: refused
        server.patch.sync()
        assert not server.session.running
        assert server.session.problems.counts["refused command"] == 1
        trained(server)
        server.patch.control("startRunning")
        wait_until(lambda: server.session.running)
        server.patch.control("stopRunning")
        wait_until(lambda: not server.session.running)
        server.listener.drain()
        server.patch.sync()
        assert server.listener.messages.empty()  # not running: no outputs for inputs


def test_start_recording_stops_running_and_start_running_stops_recording():
    with serve() as server:
        trained(server)
        server.patch.control("startRunning")
        server.patch.control("startRecording")
        server.patch.sync()
        assert server.session.recording and not server.session.running
        server.patch.control("startRunning")
        server.patch.sync()
        assert server.session.running and not server.session.recording


def test_delete_all_examples():
    with serve() as server:
        record_linear(server, 20)
        server.patch.control("deleteAllExamples")
        server.patch.sync()
        assert len(server.session.examples) == 0


def test_delete_examples_for_output():
    with serve(live_config(1, 2)) as server:
        server.patch.control("startRecording")
        server.patch.inputs(0.5)
        server.patch.control("deleteExamplesForOutput", 2)
        server.patch.sync()
        examples = server.session.examples
        assert examples.count_for_output(0) == 2 and examples.count_for_output(1) == 1
        server.patch.control("deleteExamplesForOutput", 9)  # no such output: refused, counted
        server.patch.sync()
        assert server.session.problems.counts["refused command"] == 1


def test_enable_and_disable_model_recording_take_lists_of_ints_or_floats():
    with serve(live_config(1, 3)) as server:
        patch = server.patch
        patch.control("disableModelRecording", 1, 3.0)
        patch.control("startRecording")
        patch.inputs(0.5)
        patch.control("enableModelRecording", 3)
        patch.sync()
        rows = server.session.examples.block().outputs
        assert np.isnan(rows[0, 0]) and rows[0, 1] == 0 and np.isnan(rows[0, 2])
        assert not np.isnan(rows[1, 2])


def test_set_input_and_output_names():
    with serve(live_config(2, 2)) as server:
        server.patch.control("setInputNames", "hand-x", "hand-y")
        server.patch.control("setOutputNames", "pitch", "volume")
        server.patch.control("setOutputNames", "same", "same")  # must all differ: refused
        server.patch.sync()
        assert server.session.config.inputs == ["hand-x", "hand-y"]
        assert [o.name for o in server.session.config.outputs] == ["pitch", "volume"]
        assert server.session.problems.counts["refused command"] == 1


def test_select_inputs_for_output_applies_at_the_next_training():
    with serve() as server:
        trained(server, 60)
        server.patch.control("selectInputsForOutput", 1, 2)
        server.patch.sync()
        assert server.session.models[0].n_inputs == 2  # until retrained
        server.patch.control("train")
        server.listener.get("/wekinator/status/done-training", timeout=60)
        assert server.session.models[0].input_names == ["inputs-2"]


def test_save_and_load_model_files(tmp_path):
    with serve(project_dir=tmp_path) as server:
        trained(server, 60)
        server.patch.control("startRunning")
        wait_until(lambda: server.session.running)
        before = server.outputs_for(0.3, 0.6)
        path = tmp_path / "pitch.json"
        server.patch.control("saveModelToFile", 1, "pitch.json")  # relative: in the project folder
        wait_until(path.exists, what="the model file")
    with serve(project_dir=tmp_path) as other:
        other.patch.control("loadModelFromFile", 1, str(path), "WITHOUTDATA")
        wait_until(lambda: other.session.models[0] is not None, what="the model to load")
        other.patch.control("startRunning")
        wait_until(lambda: other.session.running)
        assert other.outputs_for(0.3, 0.6) == pytest.approx(before, abs=1e-6)


def test_run_new_project_loads_a_project_and_runs_it(tmp_path):
    with serve() as server:
        trained(server, 60)
        server.session.save(tmp_path / "project")
        server.patch.control("startRunning")
        wait_until(lambda: server.session.running)
        before = server.outputs_for(0.3, 0.6)
    with serve(live_config(3, 2, allow_from=["127.0.0.1"], control=True, max_examples=1000),
               project_dir=tmp_path) as other:  # a different shape: replaced
        config = Config.load(tmp_path / "project" / "oscnet.yaml")
        config.send_port, config.allow_from, config.max_examples = 9, None, 10**6  # looser, elsewhere
        (tmp_path / "project" / "oscnet.yaml").write_text(config.to_yaml())
        other.patch.control("runNewProject", str(tmp_path / "project"))
        wait_until(lambda: other.session.running, what="the project to run")
        assert len(other.session.examples) == 60
        # a project loaded over OSC keeps the running policy: outputs still come here, only
        # 127.0.0.1 may send, the example limit stays
        assert other.outputs_for(0.3, 0.6) == pytest.approx(before, abs=1e-6)
        c = other.session.config
        assert (c.allow_from, c.max_examples, c.send_port) == (["127.0.0.1"], 1000, other.listener.port)


@pytest.mark.parametrize("name, args", [("enablePerformanceMode", []), ("disablePerformanceMode", [])])
def test_performance_mode_answers_not_supported(name, args, caplog):
    with serve() as server:
        server.patch.control(name, *args)
        server.patch.sync()
        assert server.session.problems.counts["unsupported"] == 1
        assert any("not supported" in r.getMessage() for r in caplog.records)


def test_a_classifier_sends_labels_and_its_distribution():
    config = live_config(2, 1, outputs=[OutputSpec("zone", "classifier", classes=3, distribution=True)])
    with serve(config) as server:
        patch, session = server.patch, server.session
        patch.control("startRecording")
        rng = np.random.default_rng(3)
        for k, x in enumerate(rng.uniform(0, 1, 150)):
            patch.control("outputs", float(min(int(x * 3), 2) + 1))
            patch.inputs(x, 0.5)
            if k % 25 == 24:
                wait_until(lambda k=k: session.received > k)
        patch.control("train")
        server.listener.get("/wekinator/status/done-training", timeout=60)
        patch.control("startRunning")
        wait_until(lambda: session.running)
        for x, label in ((0.1, 1), (0.5, 2), (0.9, 3)):
            server.listener.drain()
            patch.inputs(x, 0.5)
            assert server.listener.get("/wek/outputs") == [label]
            distribution = server.listener.get("/zone")
            assert len(distribution) == 4 and distribution[0] == 0
            assert int(np.argmax(distribution)) == label and sum(distribution) == pytest.approx(1, abs=1e-5)
        patch.control("outputs", 4)  # not a class: refused
        patch.sync()
        assert session.problems.counts["refused command"] == 1


def test_bad_input_is_counted_logged_once_and_the_server_keeps_serving(caplog):
    with serve() as server:
        patch, session = server.patch, server.session
        trained(server, 60)
        patch.control("startRunning")
        patch.inputs(0.1, 0.2, 0.3)  # wrong count
        patch.inputs(0.1)
        patch.sender.send("/wek/inputs", "a", "b")  # strings
        patch.inputs(float("nan"), 0.2)
        patch.inputs(float("inf"), 0.2)
        patch.sender.send("/wek/nowhere", 1.0)  # unknown address
        patch.raw(b"\x00garbage")  # malformed datagrams
        patch.raw(b"/wek/inputs\0,q\0\0")
        patch.raw(b"#bundle\0\0\0\0\0\0\0\0\1\0\0\0\xff")
        patch.control("deleteExamplesForOutput", "one")  # bad control arguments
        patch.control("startRecording", 1)
        patch.control("selectInputsForOutput", 1)
        patch.sync()
        counts = session.problems.counts
        assert counts["bad inputs"] == 5
        assert counts["unknown address"] == 1
        assert counts["malformed datagram"] == 3
        assert counts["bad control message"] == 3
        status = status_report(session)
        assert "bad inputs 5" in status and "malformed datagram 3" in status
        assert "Mismatch in input length: Expected 2, received 3" in caplog.text
        # rate-limited: one line per kind however many arrive
        assert sum("malformed" in r.getMessage() for r in caplog.records) == 1
        assert server.outputs_for(0.5, 0.5)[0] == pytest.approx(linear(np.array([0.5, 0.5])), abs=0.05)


def test_two_sessions_run_side_by_side():
    with serve(live_config(1, 1)) as a, serve(live_config(1, 1)) as b:
        a.patch.control("outputs", 0.3)
        b.patch.control("outputs", 0.6)
        assert a.listener.get("/wek/outputs") == pytest.approx([0.3])
        assert b.listener.get("/wek/outputs") == pytest.approx([0.6])
        assert a.endpoint.port != b.endpoint.port
