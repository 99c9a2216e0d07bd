"""examples.csv across crashes: a line cut short by a crash is reported and kept, never silently
dropped or built upon, and a rename of a big project's inputs or outputs while recording
does not widen the window that a kill -9 can lose.

Each test runs `oscnet serve` in a real subprocess and talks to it over real UDP.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from osc_helpers import OSCNET, live_config, start_server

from oscnet.osc.sender import Sender
from oscnet.project.examples import ExampleStore
from oscnet.project.folder import DAMAGED_FILE, EXAMPLES_FILE, load_project, save_project


def make_project(folder: Path, n: int) -> None:
    """A saved project of n examples: inputs (k, -k), output k % 3."""
    examples = ExampleStore(2, 1, capacity=n + 1)
    now = time.time() - 3600
    for k in range(n):
        examples.add(k // 1000, now + k * 0.001, np.array([k, -k], float), np.array([k % 3], float))
    save_project(folder, live_config(n_inputs=2, n_outputs=1), examples, [None])


def record(port: int, values: range, pause: float = 0.002) -> list[float]:
    """Record inputs (k, -k) for k in values; returns when each was sent (monotonic)."""
    patch = Sender("127.0.0.1", port)
    patch.send("/wekinator/control/startRecording")
    sent_at = []
    for k in values:
        patch.send_floats("/wek/inputs", [k, -k])
        sent_at.append(time.monotonic())
        time.sleep(pause)
    patch.close()
    return sent_at


def test_a_line_cut_short_by_a_crash_is_reported_kept_aside_and_never_built_upon(tmp_path):
    make_project(tmp_path / "p", 30)
    csv = tmp_path / "p" / EXAMPLES_FILE
    with csv.open("a") as f:
        f.write("29,2026-11-25T04:0")  # what a crash in the middle of a row leaves

    proc, port = start_server(tmp_path, tmp_path / "p")
    try:
        record(port, range(1000, 1010), pause=0.01)
        time.sleep(1.5)  # the autosave writes within a second
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)

    assert "examples.csv, line 32 was cut short" in stderr, stderr  # said at the start
    project = load_project(tmp_path / "p")  # the project opens again: the new rows were not glued on
    inputs = project.examples.block().inputs[:, 0]
    assert len(inputs) == 40
    assert set(inputs[30:].astype(int)) == set(range(1000, 1010))
    kept = (tmp_path / "p" / DAMAGED_FILE).read_text()
    assert "line 32" in kept and "29,2026-11-25T04:0" in kept


def test_a_project_opened_offline_reports_the_cut_line_and_writes_nothing(tmp_path):
    make_project(tmp_path / "p", 5)
    csv = tmp_path / "p" / EXAMPLES_FILE
    with csv.open("a") as f:
        f.write("0,2026-11")
    before = csv.read_bytes()
    result = subprocess.run([*OSCNET, "dump", str(tmp_path / "p")], capture_output=True, text=True, timeout=60)
    assert "line 7 was cut short" in result.stderr
    assert csv.read_bytes() == before and not (tmp_path / "p" / DAMAGED_FILE).exists()


@pytest.mark.slow
def test_renaming_outputs_of_a_100000_example_project_while_recording_loses_at_most_a_second(tmp_path):
    make_project(tmp_path / "p", 100_000)
    proc, port = start_server(tmp_path, tmp_path / "p")
    control = Sender("127.0.0.1", port)
    renaming = True

    def rename() -> None:
        k = 0
        while renaming:  # every rename changes the CSV header, so the file is written anew
            control.send("/wekinator/control/setOutputNames", f"out-{k}")
            k += 1
            time.sleep(0.15)

    renamer = threading.Thread(target=rename)
    renamer.start()
    try:
        sent_at = record(port, range(1_000_000, 1_001_500))
        time.sleep(0.3)
    finally:
        renaming = False
        renamer.join()
        proc.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        proc.wait()
        control.close()

    project = load_project(tmp_path / "p")
    kept = set(project.examples.block().inputs[:, 0].astype(int).tolist())
    assert set(range(100_000)) <= kept  # the old rows are all there, once
    assert len(project.examples) == len(kept)
    old_enough = {1_000_000 + i for i, t in enumerate(sent_at) if killed - t > 1.0}
    assert len(old_enough) > 1000
    assert old_enough <= kept, f"lost {len(old_enough - kept)} examples older than 1 s"
    assert project.config.outputs[0].name.startswith("out-")
