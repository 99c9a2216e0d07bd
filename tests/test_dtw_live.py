"""Gestures in time, live over real UDP: a DTW project records three 2-D gestures with
`startDtwRecording g` / `stopDtwRecording` (three examples each, sent at 100 Hz), runs, and
recognises each gesture performed again with noise and a different speed: its match message
(`/<gesture name>`, no arguments) fires first, the distances on `/wek/outputs` rank it first,
and a resting hand fires nothing.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from osc_helpers import live_config, serve, wait_until
from test_dtw_matcher import GESTURES

from oscnet.errors import OscnetError
from oscnet.live.report import dump_text
from oscnet.project.config import Config

NAMES = ["circle", "flick", "zigzag"]
DTW_YAML = f"inputs: [x, y]\noutputs:\n  - {{name: output, type: dtw, gestures: {NAMES}, threshold: 1.2}}\n"


def dtw_config() -> Config:
    config = Config.from_yaml(DTW_YAML)
    config.receive_host, config.receive_port, config.recordings = "127.0.0.1", 0, None
    return config


def stream(server, points: np.ndarray, rate: float = 100.0) -> None:
    """Send input vectors at `rate` per second, as a controller does."""
    start, received = time.monotonic(), server.session.received
    for k, point in enumerate(points):
        server.patch.inputs(*point)
        time.sleep(max(0.0, start + (k + 1) / rate - time.monotonic()))
    wait_until(lambda: server.session.received >= received + len(points), what="the inputs to arrive")


def messages(server) -> list[tuple[str, list]]:
    server.patch.sync()
    got = []
    while not server.listener.messages.empty():
        got.append(server.listener.messages.get_nowait())
    return got


@pytest.mark.slow
def test_three_gestures_are_recorded_and_recognised_live():
    rng = np.random.default_rng(11)
    with serve(dtw_config()) as server:
        patch, session = server.patch, server.session
        for g, shape in enumerate(GESTURES, start=1):
            for n in (90, 100, 110):
                patch.control("startDtwRecording", g)
                stream(server, shape(np.linspace(0, 1, n)) + rng.normal(0, 0.01, (n, 2)))
                patch.control("stopDtwRecording")
        patch.sync()
        assert [len(e) for e in session.dtw.matcher.store.examples] == [3, 3, 3]
        assert "circle → /circle: 3 examples, lengths 90, 100, 110" in dump_text(session)
        patch.control("startRunning")
        wait_until(lambda: session.running, what="the run to start")
        rest = np.array([0.5, 0.5])
        for g, (shape, speed) in enumerate(zip(GESTURES, (70, 100, 140))):
            stream(server, rest + rng.normal(0, 0.003, (60, 2)))
            still = messages(server)
            assert not [a for a, _ in still if a.startswith("/") and a[1:] in NAMES]  # nothing fires at rest
            assert all(a == "/wek/outputs" and len(v) == 3 for a, v in still)
            performed = shape(np.linspace(0, 1, speed)) + rng.normal(0, 0.02, (speed, 2))
            stream(server, np.r_[performed, np.tile(rest, (20, 1))])
            got = messages(server)
            fired = [a for a, _ in got if a[1:] in NAMES]
            assert fired[:1] == ["/" + NAMES[g]], (NAMES[g], fired)
            k = next(i for i, (a, _) in enumerate(got) if a == fired[0])
            distances = got[k + 1][1]  # Wekinator's order: the match, then the distances
            assert got[k + 1][0] == "/wek/outputs" and int(np.argmin(distances)) == g


def test_a_dtw_project_refuses_what_it_cannot_do_and_a_supervised_one_refuses_dtw():
    with serve(dtw_config()) as server:
        session = server.session
        with pytest.raises(OscnetError, match="record at least one example"):
            session.start_running()
        with pytest.raises(OscnetError, match="there is no gesture 4: use 1..3"):
            session.start_dtw_recording(4)
        session.start_dtw_recording("flick")  # a gesture by name works too
        with pytest.raises(OscnetError, match="stop the recording before running"):
            session.start_running()
        session.stop_dtw_recording()  # no inputs arrived: nothing stored
        assert session.dtw.matcher.store.n_examples == 0
    with serve(live_config()) as server:
        server.patch.control("startDtwRecording", 1)
        server.patch.sync()
        assert server.session.problems.counts["refused command"] == 1


def test_dtw_examples_are_saved_with_the_project_and_come_back(tmp_path):
    config = dtw_config()
    with serve(config, project_dir=tmp_path / "p", autosave=True) as server:
        server.session.start_dtw_recording(2)
        stream(server, GESTURES[1](np.linspace(0, 1, 40)), rate=1000)
        server.session.stop_dtw_recording()
        server.session.autosaver.flush()
        saved = server.session.dtw.matcher.store.examples[1][0].raw.copy()
    with serve(project_dir=tmp_path / "p") as server:
        again = server.session.dtw.matcher.store.examples[1]
        assert len(again) == 1 and np.array_equal(again[0].raw, saved)
        assert server.session.config.outputs[0].gestures == NAMES
