"""On stage: who may talk, limits, timetags, file names from the network, crashes, damaged files.

Everything runs over real UDP on 127.0.0.1; the crash and fuzz tests run `oscnet serve` in a
real subprocess.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from osc_helpers import OSCNET, live_config, record_linear, serve, start_server, wait_until

from oscnet.errors import OscnetError
from oscnet.live.demo import Listener
from oscnet.live.report import status_report
from oscnet.osc.sender import Sender
from oscnet.project.config import Config
from oscnet.project.folder import load_project
from oscnet.project.outputs import OutputSpec
from oscnet.testing import DatagramFuzzer, blast, bundle, message, stream

# --- who may talk ----------------------------------------------------------------------------

def test_the_default_is_to_listen_on_this_machine_only():
    assert Config.default().receive_host == "127.0.0.1"
    assert Config.load(Path(__file__).parents[1] / "configs" / "default.yaml").receive_host == "127.0.0.1"


def test_senders_outside_allow_from_are_dropped_and_counted():
    with serve(live_config(allow_from=["10.1.2.3", "192.168.0.0/16"])) as server:
        server.patch.control("startRecording")
        for _ in range(5):
            server.patch.inputs(0.1, 0.2)
        wait_until(lambda: server.session.problems.counts["sender not allowed"] == 6, what="6 drops")
        assert not server.session.recording and len(server.session.examples) == 0
        assert "sender not allowed 6" in status_report(server.session)


def test_a_sender_inside_an_allowed_range_is_obeyed():
    with serve(live_config(allow_from=["10.1.2.3", "127.0.0.0/8"])) as server:
        server.patch.control("startRecording")
        wait_until(lambda: server.session.recording, what="recording")
        server.patch.sync()
        assert server.session.problems.counts["sender not allowed"] == 0


def test_control_false_ignores_control_messages_but_inputs_still_work():
    with serve(live_config(control=False)) as server:
        server.session.start_recording()  # from the console, which stays in charge
        server.patch.control("stopRecording")
        server.patch.control("deleteAllExamples")
        for _ in range(3):
            server.patch.inputs(0.5, 0.5)
        server.patch.sync()
        assert server.session.recording
        assert len(server.session.examples) == 4  # 3 inputs + the sync fence
        assert server.session.problems.counts["control ignored"] == 2


# --- limits -----------------------------------------------------------------------------------

def test_max_examples_stops_adding_and_says_so(caplog):
    with serve(live_config(max_examples=10)) as server:
        server.patch.control("startRecording")
        for k in range(14):
            server.patch.inputs(k, k)
        server.patch.sync()
        assert len(server.session.examples) == 10
        assert server.session.problems.counts["example limit"] == 5
        assert any("limits.max_examples (10)" in r.getMessage() for r in caplog.records)


def test_a_datagram_over_max_datagram_is_refused_and_counted():
    with serve(live_config(max_datagram=256)) as server:
        server.patch.raw(message("/wek/inputs", *[0.5] * 100))  # 400+ bytes
        server.patch.sync()
        assert server.session.problems.counts["datagram too large"] == 1


def test_a_message_with_more_arguments_than_max_inputs_is_refused_before_parsing():
    with serve(live_config(max_inputs=8)) as server:
        server.patch.raw(message("/wek/inputs", *[0.5] * 20))
        server.patch.sync()
        assert server.session.problems.counts["too many arguments"] == 1


def test_limits_are_read_from_the_config_with_their_line(tmp_path):
    text = "inputs: 2\nlimits:\n  max_examples: 0\n"
    with pytest.raises(Exception, match=r"line 3: limits.max_examples: must be a whole number"):
        Config.from_yaml(text, "stage.yaml")
    config = Config.from_yaml("limits: {max_examples: 7, max_inputs: 64, max_datagram: 1024}\n")
    assert (config.max_examples, config.max_inputs, config.max_datagram) == (7, 64, 1024)


# --- timetags ---------------------------------------------------------------------------------

@pytest.mark.parametrize("when", [time.time() + 3600 * 24 * 365, 1.0], ids=["a year ahead", "in 1970"])
def test_a_bundle_with_a_far_timetag_is_handled_at_once(when):
    with serve() as server:
        server.patch.control("startRecording")
        server.patch.raw(bundle(when, message("/wek/inputs", 0.25, 0.75)))
        server.patch.sync()  # the fence comes after the bundle: it was not held back
        assert server.session.examples.block().inputs[0].tolist() == [0.25, 0.75]


# --- file names from the network ---------------------------------------------------------------

def test_file_names_from_osc_stay_in_the_project_folder(tmp_path):
    project, outside = tmp_path / "project", tmp_path / "elsewhere"
    outside.mkdir()
    with serve(project_dir=project) as server:
        record_linear(server, 30)
        server.session.train()
        server.session.wait_training()
        for name in ["../escape.json", str(outside / "abs.json"), "sub/../../escape2.json"]:
            server.patch.control("saveModelToFile", 1, name)
        server.patch.control("saveModelToFile", 1, "models-kept/ok.json")
        server.patch.control("runNewProject", str(outside))
        server.patch.sync()
        assert server.session.problems.counts["path refused"] == 4
        assert (project / "models-kept" / "ok.json").exists()
        assert not list(tmp_path.glob("escape*")) and not list(outside.iterdir())


def test_allow_any_path_lets_osc_name_any_file(tmp_path):
    with serve(project_dir=tmp_path / "project", allow_any_path=True) as server:
        record_linear(server, 30)
        server.session.train()
        server.session.wait_training()
        server.patch.control("saveModelToFile", 1, str(tmp_path / "anywhere.json"))
        wait_until((tmp_path / "anywhere.json").exists, what="the model file")


def test_nothing_in_oscnet_unpickles_or_loads_yaml_unsafely():
    source = "\n".join(p.read_text() for p in (Path(__file__).parents[1] / "oscnet").rglob("*.py"))
    assert not re.search(r"^\s*(import|from)\s+(c?pickle|marshal|shelve)\b", source, re.M)
    assert not re.search(r"yaml\.(load|unsafe_load|full_load)\(", source)
    assert not re.search(r"allow_pickle\s*=\s*True", source)


# --- crashes and damaged files -------------------------------------------------------------------

@pytest.mark.slow
def test_kill_9_while_recording_keeps_every_example_older_than_a_second(tmp_path):
    (tmp_path / "c.yaml").write_text("inputs: 2\noutputs: 1\n")
    proc, port = start_server(tmp_path, tmp_path / "p", "--config", str(tmp_path / "c.yaml"))
    patch = Sender("127.0.0.1", port)
    sent_at = []
    try:
        patch.send("/wekinator/control/startRecording")
        start = time.monotonic()
        k = 0
        # about 500 inputs/s: at least 600 of them over at least 1.5 s, then 1.2 s more, so that
        # 600 or more are over a second old at the kill even on a busy machine
        while k < 600 or time.monotonic() - max(start + 1.5, sent_at[599]) < 1.2:
            patch.send_floats("/wek/inputs", [k, -k])
            sent_at.append(time.monotonic())
            k += 1
            time.sleep(0.002)
    finally:
        proc.send_signal(signal.SIGKILL)  # no chance to save on the way out
        killed = time.monotonic()
        proc.wait()
    project = load_project(tmp_path / "p")  # every file parses
    kept = set(project.examples.block().inputs[:, 0].astype(int).tolist())
    old_enough = [k for k, t in enumerate(sent_at) if killed - t > 1.0]
    assert len(old_enough) >= 600
    assert set(old_enough) <= kept, f"lost {len(set(old_enough) - kept)} examples older than 1 s"
    assert project.config.inputs == ["inputs-1", "inputs-2"]


@pytest.mark.parametrize("damage,where", [
    (("oscnet.yaml", lambda t: t.replace("inputs:", "inputs: [a, b\n", 1)), "oscnet.yaml, line"),
    (("oscnet.yaml", lambda t: t + "volume_knob: 11\n"), "unknown key 'volume_knob'"),
    (("examples.csv", lambda t: t.replace("\n", "\n1,not-a-time,0.5,0.5,1\n", 2)), "examples.csv, line 2"),
    (("models/output-1.json", lambda t: t[: len(t) // 2]), "output-1.json, line"),
    (("models/output-1.json", lambda t: t.replace('"weights"', '"weigths"', 1)), "damaged"),
], ids=["yaml syntax", "hand-edited key", "examples row", "truncated model", "edited model"])
def test_a_damaged_project_file_is_named_with_its_line_and_left_untouched(tmp_path, damage, where):
    with serve(project_dir=tmp_path / "p") as server:
        record_linear(server, 20)
        server.session.train()
        server.session.wait_training()
        server.session.save()
    name, change = damage
    path = tmp_path / "p" / name
    path.write_text(change(path.read_text()))
    before = {p: p.read_bytes() for p in (tmp_path / "p").rglob("*") if p.is_file()}
    result = subprocess.run([*OSCNET, "serve", "--headless", "--project", str(tmp_path / "p"),
                             "--listen", "127.0.0.1:0"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert where in result.stderr and "Traceback" not in result.stderr
    after = {p: p.read_bytes() for p in (tmp_path / "p").rglob("*") if p.is_file()}
    assert after == before  # nothing rewritten over the damaged project


# --- the fuzz test ------------------------------------------------------------------------------

def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


@pytest.mark.slow
def test_a_hundred_thousand_hostile_datagrams_break_nothing(tmp_path):
    """Random and mutated datagrams while recording and while running, valid inputs among them."""
    (tmp_path / "c.yaml").write_text("inputs: 5\noutputs: 2\n")
    listener = Listener()
    proc, port = start_server(tmp_path, tmp_path / "p", "--config", str(tmp_path / "c.yaml"),
                              "--send-host", "127.0.0.1", "--send-port", str(listener.port))
    errors = []
    threading.Thread(target=lambda: errors.extend(proc.stderr), daemon=True).start()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    send = lambda data: sock.sendto(data, ("127.0.0.1", port))  # noqa: E731
    control = lambda name, *args: send(message("/wekinator/control/" + name, *args))  # noqa: E731
    fuzzer = DatagramFuzzer(seed=2026, n_inputs=5)
    probes = np.random.default_rng(1).random((5, 5))

    def fence_count(goal: int) -> None:
        wait_until(lambda: listener.count >= goal, 30, f"{goal} datagrams back from the server")

    def outputs_for_probes() -> list[list[float]]:
        found = []
        for x in probes:
            listener.drain()
            before = listener.count
            send(message("/wek/inputs", *x.tolist()))
            fence_count(before + 1)
            found.append(listener.get("/wek/outputs"))
        return found

    try:
        # a trained model to run: y1 = mean of the inputs, y2 = the first input
        control("startRecording")
        for x in np.random.default_rng(0).random((60, 5)):
            control("outputs", float(x.mean()), float(x[0]))
            send(message("/wek/inputs", *x.tolist()))
        control("stopRecording")
        control("train")
        wait_until(lambda: any(a == "/wekinator/status/done-training" for a, _ in list(listener.messages.queue)),
                   60, "done-training")
        control("startRunning")
        before_outputs = outputs_for_probes()
        rss_before = rss_mb(proc.pid)

        # 50,000 while running: every valid input answers with one /wek/outputs
        base = listener.count
        running = blast(stream(fuzzer, 50_000), send, lambda valid: fence_count(base + valid))

        # 50,000 while recording: an `outputs` echo is the fence
        control("startRecording")

        def echo_fence(valid: int) -> None:
            goal = listener.count + 1
            control("outputs", 0.5, 0.5)
            fence_count(goal)
        recording = blast(stream(fuzzer, 50_000), send, echo_fence)
        control("stopRecording")

        assert proc.poll() is None, "the server died"
        assert running.datagrams + recording.datagrams >= 100_000
        wait_until(lambda: len(load_project(tmp_path / "p").examples) == 60 + recording.valid_inputs, 10,
                   "the autosave of every valid example")
        control("startRunning")
        np.testing.assert_allclose(outputs_for_probes(), before_outputs, atol=1e-6)
        grown = rss_mb(proc.pid) - rss_before
        assert grown < 50, f"resident memory grew by {grown:.1f} MB"
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(10)
        listener.close()
        sock.close()
    assert not any("Traceback" in line or "internal error" in line for line in errors), "".join(errors[-20:])


def test_osc_file_names_never_overwrite_the_projects_own_files(tmp_path):
    """saveModelToFile over OSC could replace the recorded examples or the config (both are inside
    the project folder): the performer's examples are sacred, so only model files may be named."""
    project = tmp_path / "project"
    with serve(project_dir=project, autosave=True) as server:
        record_linear(server, 30)
        server.session.train()
        server.session.wait_training()
        server.session.save()
        before = {name: (project / name).read_bytes() for name in ("examples.csv", "oscnet.yaml")}
        (project / "notes.json").write_text('{"mine": true}')
        for name in ("examples.csv", "oscnet.yaml", "models/output-1.json", "notes.json", "model.txt"):
            server.patch.control("saveModelToFile", 1, name)
        server.patch.control("saveModelToFile", 1, "backup.json")  # a new model file: fine
        server.patch.sync()
        assert server.session.problems.counts["path refused"] == 5
        wait_until((project / "backup.json").exists, what="the model file")
        assert {name: (project / name).read_bytes() for name in before} == before
        assert (project / "notes.json").read_text() == '{"mine": true}'


def test_saving_under_new_names_in_a_loop_cannot_fill_the_disk(tmp_path):
    """A patch saved under a new name in a loop (23,749 files in 30 s): each session may create
    a bounded number of files over OSC, and saving over an existing one is always allowed."""
    project = tmp_path / "project"
    with serve(project_dir=project, autosave=True) as server:
        server.endpoint.max_new_files = 3  # 100 in a real session
        record_linear(server, 30)
        server.session.train()
        server.session.wait_training()
        server.session.save()
        for k in range(5):
            server.patch.control("saveModelToFile", 1, f"take-{k}.json")
        server.patch.sync()
        assert sorted(p.name for p in project.glob("take-*.json")) == ["take-0.json", "take-1.json", "take-2.json"]
        assert server.session.problems.counts["path refused"] == 2
        time.sleep(1.0)  # file commands are rate-limited to 5 a second
        (project / "take-0.json").unlink()
        server.patch.control("saveModelToFile", 1, "take-0.json")  # one it created before: allowed again
        server.patch.control("saveModelToFile", 1, "take-1.json")  # overwriting: allowed
        server.patch.sync()
        assert (project / "take-0.json").exists()
        assert server.session.problems.counts["path refused"] == 2


def test_without_a_project_folder_osc_names_no_file_at_all(tmp_path, monkeypatch):
    """Before a project folder exists, names used to resolve from the current folder (a sender
    overwrote files in a home folder): now they are refused, saying how to get a folder."""
    monkeypatch.chdir(tmp_path)
    with serve(live_config()) as server:
        record_linear(server, 20)
        server.session.train()
        server.session.wait_training()
        server.patch.control("saveModelToFile", 1, "innocent.json")
        server.patch.control("runNewProject", str(tmp_path))
        server.patch.sync()
        assert server.session.problems.counts["path refused"] == 2
    assert list(tmp_path.iterdir()) == []


def test_huge_values_never_stop_the_outputs_nor_the_autosave(tmp_path):
    """Two inputs of ±1.7e308 (finite doubles) and a train: the model's numbers overflow, yet the
    outputs keep coming (clipped to float32's range) and later examples still reach the disk."""

    project = tmp_path / "p"
    with serve(project_dir=project, autosave=True) as server:
        patch, session = server.patch, server.session
        patch.control("startRecording")
        for x in ([1.7e308, -1.7e308], [0.1, 0.2], [-1.7e308, 1.7e308]):
            patch.control("outputs", 0.5)
            patch.inputs(*x)
        patch.control("stopRecording")
        patch.sync()
        session.train()
        session.wait_training()
        patch.control("startRunning")
        patch.sync()
        assert len(server.outputs_for(0.3, 0.3)) == 1  # a value, not silence
        patch.control("stopRunning")
        patch.control("startRecording")
        for k in range(50):
            patch.inputs(k / 50, 0.5)
        patch.control("stopRecording")
        patch.sync()
        session.autosaver.flush()
        rows = (project / "examples.csv").read_text().strip().splitlines()
        assert len(rows) == 1 + 53  # header, then every example
        assert session.autosaver.failures == 0
    with pytest.raises(OscnetError, match="within ±3.4e38"):
        OutputSpec("o").check_value(1e39, 1)


def test_an_autosave_that_fails_keeps_trying_and_says_so(tmp_path):
    """Any error while saving (here a model whose numbers JSON cannot hold) is caught, counted and
    shown in `status`; the thread stays alive, and the next good save goes through."""
    from oscnet.project.examples import ExampleStore
    from oscnet.project.folder import Autosaver

    config, examples = Config.default(2, 1), ExampleStore(2, 1)
    broken = [True]

    def snapshot():
        if broken[0]:
            raise ValueError("Out of range float values are not JSON compliant")
        return config, 1, [None], 1

    examples.add(1, 0.0, np.array([0.1, 0.2]), np.array([0.5]))
    saver = Autosaver(examples, snapshot, tmp_path / "p", interval=0.05).start()
    try:
        wait_until(lambda: saver.failures >= 2, what="two failed tries")
        assert "Out of range float" in saver.last_error and saver._thread.is_alive()
        broken[0] = False
        wait_until(lambda: saver.failures == 0, what="a good save")
        assert (tmp_path / "p" / "examples.csv").read_text().count("\n") == 2
    finally:
        saver.close()


def test_small_holes_are_closed(tmp_path):
    """Findings of the attack round, each in one line: an ::ffff: allow_from entry matches its IPv4
    sender; --listen :PORT means this machine only; a non-UTF-8 config names its line."""
    from oscnet.cli.live import _listen_address
    from oscnet.osc.endpoint import _sender_allowed

    config = live_config(allow_from=["::ffff:127.0.0.1"])
    assert _sender_allowed("127.0.0.1", config.allowed_networks())
    class Args:
        listen, host, port = ":6448", None, None
    assert _listen_address(Args()) == ("127.0.0.1", 6448)
    (tmp_path / "c.yaml").write_bytes(b"inputs: 2\noutputs: 1\nname: caf\xe9\n")
    with pytest.raises(OscnetError, match="line 3: not UTF-8"):
        Config.load(tmp_path / "c.yaml")


def test_nan_control_arguments_and_odd_names_are_refused_cleanly(tmp_path):
    with serve(project_dir=tmp_path / "proj", autosave=True) as server:
        record_linear(server, 10)
        server.session.save()
        os.mkfifo(tmp_path / "proj" / "pipe.json")
        server.patch.control("outputs", float("nan"))
        server.patch.control("setOutputNames", "two\nlines")
        server.patch.control("loadModelFromFile", 1, "pipe.json")  # would block the receive thread
        server.patch.sync()
        counts = server.session.problems.counts
        assert counts["bad control message"] == 1 and counts["refused command"] == 1
        assert counts["path refused"] == 1 and counts["internal error"] == 0
        assert server.session.config.outputs[0].name == "outputs-1"


def test_a_patch_looping_on_save_model_cannot_fill_the_disk(tmp_path):
    with serve(project_dir=tmp_path / "p", autosave=True) as server:
        record_linear(server, 10)
        server.session.train()
        server.session.wait_training()
        for k in range(200):
            server.patch.control("saveModelToFile", 1, f"copy-{k}.json")
        server.patch.sync()
        assert server.session.problems.counts["rate limited"] >= 190
    assert len(list((tmp_path / "p").glob("copy-*.json"))) <= 10


def test_a_model_file_nested_too_deep_is_refused_not_a_traceback(tmp_path):
    from oscnet.recipes import load_model

    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(OscnetError, match="nested too deep"):
        load_model(path)
