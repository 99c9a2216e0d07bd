"""Project folders: save/load round trip, atomic files, and the autosave that survives a crash."""

from __future__ import annotations

import os

import numpy as np
import pytest
from osc_helpers import wait_until

from oscnet.errors import OscnetError
from oscnet.live.session import Session
from oscnet.project.config import Config
from oscnet.project.examples import ExampleStore
from oscnet.project.folder import Autosaver, is_project, load_project, save_project
from oscnet.project.outputs import OutputSpec
from oscnet.recipes import fit_model


def small_project():
    config = Config.default(2, 2)
    config.outputs[1] = OutputSpec("zone", "classifier", classes=2)
    examples = ExampleStore(2, 2)
    rng = np.random.default_rng(0)
    for k, x in enumerate(rng.uniform(0, 1, (40, 2))):
        examples.add(1 + k // 20, 1.7e9 + k, x, np.array([x[0], 1.0 + (x[1] > 0.5)]))
    b = examples.block()
    numeric = fit_model("weka", b.inputs, b.outputs[:, 0], config.inputs, "outputs-1", options={"epochs": 50})
    return config, examples, [numeric, None]


def test_a_saved_project_loads_back_the_same(tmp_path):
    config, examples, models = small_project()
    save_project(tmp_path / "p", config, examples, models)
    assert sorted(p.name for p in (tmp_path / "p").rglob("*")) == [
        "examples.csv", "models", "oscnet.yaml", "output-1.json"]  # no temp files left behind
    project = load_project(tmp_path / "p")
    assert project.config == config
    assert np.array_equal(project.examples.block().inputs, examples.block().inputs)
    assert project.models[1] is None
    x = np.array([[0.2, 0.9], [0.7, 0.1]])
    assert np.array_equal(project.models[0].predict(x), models[0].predict(x))


def test_saving_again_removes_models_of_outputs_no_longer_trained(tmp_path):
    config, examples, models = small_project()
    save_project(tmp_path, config, examples, models)
    save_project(tmp_path, config, examples, [None, None])
    assert not (tmp_path / "models" / "output-1.json").exists()


def test_loading_something_else_is_a_clear_error(tmp_path):
    with pytest.raises(OscnetError, match="not an oscnet project"):
        load_project(tmp_path)
    config, examples, models = small_project()
    save_project(tmp_path, config, examples, models)
    config.outputs[0] = OutputSpec("outputs-1", "classifier", classes=2)
    (tmp_path / "oscnet.yaml").write_text(config.to_yaml())
    with pytest.raises(OscnetError, match=r"nominal|numeric"):
        load_project(tmp_path)


def test_autosave_appends_new_examples_within_a_second_and_rewrites_after_a_delete(tmp_path):
    config = Config.default(2, 1)
    examples = ExampleStore(2, 1)
    saver = Autosaver(examples, lambda: (config, 1, [None], 1), root=tmp_path, interval=0.05).start()
    try:
        saver.flush()
        assert list(tmp_path.iterdir()) == []  # nothing recorded: no folder
        for k in range(10):
            examples.add(1, 1.7e9, np.array([k, k]), np.array([0.5]))
        wait_until(lambda: saver.directory is not None and _rows(saver.directory) == 10, 1.0,
                   "the examples on disk")
        examples.add(1, 1.7e9, np.array([10, 10]), np.array([0.5]))
        wait_until(lambda: _rows(saver.directory) == 11, 1.0, "the appended example")
        examples.delete_round(1)
        wait_until(lambda: _rows(saver.directory) == 0, 1.0, "the rewrite after a delete")
    finally:
        saver.close()
    assert load_project(saver.directory).config == config


def _rows(directory) -> int:
    path = directory / "examples.csv"
    return len(path.read_text().splitlines()) - 1 if path.exists() else -1


def test_a_session_keeps_its_project_folder_up_to_date(tmp_path):
    config = Config.default(2, 1)
    with Session(config, project_dir=tmp_path / "live") as session:
        session.start_recording()
        for k in range(5):
            session.receive_inputs(np.array([k, k], dtype=float))
        wait_until(lambda: _rows(tmp_path / "live") == 5, 2.0, "the autosave")
    with Session(project_dir=tmp_path / "live") as again:  # reopened: the examples are back
        assert len(again.examples) == 5 and again.round == 1


def test_a_killed_server_loses_at_most_the_last_moment_of_recording(tmp_path):
    import re
    import signal
    import subprocess
    import sys

    from oscnet.osc.sender import Sender

    (tmp_path / "c.yaml").write_text("inputs: 2\noutputs: 1\n")
    proc = subprocess.Popen([sys.executable, "-m", "oscnet", "serve", "--config", str(tmp_path / "c.yaml"),
                             "--project", str(tmp_path / "p"), "--host", "127.0.0.1", "--port", "0",
                             "--headless"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(re.search(r"127\.0\.0\.1:(\d+)", proc.stdout.readline()).group(1))
        patch = Sender("127.0.0.1", port)
        patch.send("/wekinator/control/startRecording")
        for k in range(50):
            patch.send_floats("/wek/inputs", [k, k])
        wait_until(lambda: _rows(tmp_path / "p") == 50, 5.0, "the autosave while recording")
    finally:
        proc.send_signal(signal.SIGKILL)  # no chance to save on the way out
        proc.wait()
    assert load_project(tmp_path / "p").examples.block().inputs[:, 0].tolist() == list(range(50))


def test_two_sessions_never_share_a_project_folder(tmp_path):
    (tmp_path / "p").mkdir()
    config = Config.default(2, 1)
    with Session(config, project_dir=tmp_path / "p"), \
            pytest.raises(OscnetError, match=r"another oscnet \(process \d+\) is using"):
        Session(config, project_dir=tmp_path / "p")
    Session(config, project_dir=tmp_path / "p").close()  # free again once the first has stopped


def test_a_full_disk_never_leaves_half_a_row_or_a_duplicate(tmp_path, monkeypatch):
    """The disk fills in the middle of an append: the file is cut back to whole rows, and the next
    flush (the disk has room again) writes each example exactly once."""
    import oscnet.project.folder as folder

    examples = ExampleStore(2, 1)
    saver = folder.Autosaver(examples, lambda: (Config.default(2, 1), 1, [None], 1), tmp_path / "p")
    for k in range(5):
        examples.add(1, 0.0, np.array([k, k]), np.array([0.5]))
    saver.flush()
    real_write, calls = os.write, []

    def full_disk(fd, data):
        calls.append(len(data))
        if len(calls) == 1:
            real_write(fd, data[: len(data) // 2])  # half the rows reach the disk, then no room
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    for k in range(5, 10):
        examples.add(1, 0.0, np.array([k, k]), np.array([0.5]))
    monkeypatch.setattr(folder.os, "write", full_disk)
    saver.flush()
    assert saver.failures == 1 and "No space left" in saver.last_error
    saver.flush()
    monkeypatch.undo()
    kept = ExampleStore.from_csv((tmp_path / "p" / "examples.csv").read_text(), 2, 1)
    assert kept.block().inputs[:, 0].tolist() == list(range(10))


def test_a_symlinked_models_folder_is_never_written_through(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "output-1.json").write_text("not oscnet's")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "models").symlink_to(elsewhere)
    with pytest.raises(OscnetError, match="is a symbolic link"):
        save_project(tmp_path / "p", Config.default(2, 1), ExampleStore(2, 1), [None])
    assert (elsewhere / "output-1.json").read_text() == "not oscnet's"


def test_a_project_folder_deleted_while_serving_is_written_again(tmp_path):
    import shutil

    examples = ExampleStore(2, 1)
    saver = Autosaver(examples, lambda: (Config.default(2, 1), 1, [None], 1), tmp_path / "p")
    examples.add(1, 0.0, np.array([1.0, 2.0]), np.array([0.5]))
    saver.flush()
    shutil.rmtree(tmp_path / "p")
    examples.add(1, 0.0, np.array([3.0, 4.0]), np.array([0.5]))
    saver.flush()
    assert is_project(tmp_path / "p")
    assert len(load_project(tmp_path / "p").examples) == 2
