"""Training feedback over real UDP: a network's epochs and error arrive while it trains and stop
when it ends; a hung worker is killed after the timeout, its output fails with a reason, a fresh
worker takes over, and nothing is left behind at close."""

from __future__ import annotations

import logging
import math
import os
import queue
import re
import signal
import sys
import time

import numpy as np
import pytest
from osc_helpers import record_linear, serve, wait_until

from oscnet.live.feedback import EPOCH, FAILED
from oscnet.live.jobs import TIMEOUT_ENV, default_timeout
from oscnet.live.training import DONE_TRAINING, EPOCH_LOG_EVERY
from oscnet.live.worker import PERIOD
from oscnet.recipes import fit_model, model_to_dict
from oscnet.recipes.base import EPOCH as METER_EPOCH
from oscnet.recipes.base import EPOCHS, ERROR, new_meter

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="SIGSTOP and Linux process handling")

LONG = 200_000  # weka epochs on 150 examples: seconds of training


def messages_until(listener, address: str, timeout: float = 120) -> list[tuple[str, list]]:
    """Every message the listener gets, in order, up to and including the first to `address`."""
    got = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            message = listener.messages.get(timeout=max(deadline - time.monotonic(), 0.001))
        except queue.Empty:
            pytest.fail(f"no {address} within {timeout} s; got {[a for a, _ in got]}")
        got.append(message)
        if message[0] == address:
            return got


def test_epochs_arrive_while_a_network_trains_and_stop_when_it_ends(caplog):
    caplog.set_level(logging.INFO, logger="oscnet.live.session")
    with serve() as server:
        record_linear(server)
        server.session.set_training("weka", {"epochs": LONG})
        server.patch.sync()
        server.listener.drain()
        started = time.monotonic()
        server.patch.control("train")
        got = messages_until(server.listener, DONE_TRAINING)
        elapsed = time.monotonic() - started
        epochs = [args for address, args in got if address == EPOCH]
        assert len(epochs) >= 3, f"{len(epochs)} epoch messages in {elapsed:.1f} s of training"
        assert len(epochs) <= elapsed / PERIOD + 2  # rate-limited (the worker samples every PERIOD)
        numbers = [args[2] for args in epochs]
        assert numbers == sorted(set(numbers)) and numbers[0] >= 1 and numbers[-1] <= LONG  # increasing
        for k, name, _, total, error in epochs:
            assert (k, name, total) == (1, "outputs-1", LONG)
            assert math.isfinite(error) and error >= 0
        server.patch.sync()  # everything the server sent since is in
        later = []
        while not server.listener.messages.empty():
            later.append(server.listener.messages.get_nowait()[0])
        assert EPOCH not in later, "epochs after done-training"
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("training outputs-1: epoch")]
    assert 1 <= len(lines) <= elapsed / EPOCH_LOG_EVERY + 1  # on the console, at most one a second


def test_status_and_the_web_view_show_how_far_a_network_has_trained():
    from oscnet.live.report import status_report
    from oscnet.web.frames import FrameBuilder, LogTail

    with serve() as server:
        record_linear(server)
        server.session.set_training("weka", {"epochs": LONG})
        server.patch.sync()
        server.listener.drain()
        server.patch.control("train")
        first = messages_until(server.listener, EPOCH)[-1][1]
        shown = re.search(rf"outputs-1: epoch (\d+) of {LONG}, error", status_report(server.session))
        assert shown and int(shown.group(1)) >= first[2]
        frame = FrameBuilder(server.session, LogTail()).frame()
        epoch, total, error = frame["epochs"]["0"]
        assert epoch >= first[2] and total == LONG and math.isfinite(error)
        server.session.cancel_train()
        assert not re.search(r"epoch \d+ of", status_report(server.session))
        assert FrameBuilder(server.session, LogTail()).frame()["epochs"] == {}


def test_learners_without_epochs_send_no_epochs():
    with serve() as server:
        record_linear(server)
        server.session.set_training("linear", {})
        server.patch.sync()
        server.listener.drain()
        server.patch.control("train")
        got = messages_until(server.listener, DONE_TRAINING)
        assert EPOCH not in [address for address, _ in got]


def test_a_stopped_worker_is_killed_and_its_output_fails_then_training_goes_on(monkeypatch):
    monkeypatch.setenv(TIMEOUT_ENV, "3")
    with serve() as server:
        session = server.session
        record_linear(server)
        session.set_training("weka", {"epochs": 50 * LONG})  # would take minutes
        assert session.trainer.ready.wait(120)
        server.patch.sync()
        server.listener.drain()
        server.patch.control("train")
        wait_until(lambda: session.trainer._running, what="a worker to take the output")
        (_, _, worker), = session.trainer._running.values()
        seen = [w.proc for w in [*session.trainer._workers, session.trainer._spare] if w is not None]
        os.kill(worker.proc.pid, signal.SIGSTOP)
        k, name, why = server.listener.get(FAILED, timeout=60)
        assert (k, name) == (1, "outputs-1")
        assert "sent nothing for 3 s" in why and "SIGSTOP" in why and TIMEOUT_ENV in why
        wait_until(lambda: worker.proc.poll() is not None, what="the stopped worker to be reaped")
        assert worker.proc.returncode == -signal.SIGKILL
        wait_until(lambda: session.training_job is None, what="the training to end")
        assert session.models[0] is None and "with errors" in session.status_text

        session.set_training("weka", {"epochs": 200})
        server.patch.control("train")  # a fresh worker took its place
        server.listener.get(DONE_TRAINING, timeout=60)
        assert session.models[0] is not None
        seen += session.trainer.processes()
    assert all(proc.poll() is not None for proc in seen), "close() left a training worker"
    for proc in seen:
        with pytest.raises(ProcessLookupError):
            os.kill(proc.pid, 0)


def test_close_does_not_wait_on_a_stopped_worker():
    """Every worker stopped, the spare too: close() still ends and reaps them all."""
    with serve() as server:
        trainer = server.session.trainer
        assert trainer.ready.wait(120)
        procs = trainer.processes()
        for proc in procs:
            os.kill(proc.pid, signal.SIGSTOP)
    assert all(proc.returncode == -signal.SIGKILL for proc in procs)


def test_the_timeout_setting(monkeypatch):
    monkeypatch.setenv(TIMEOUT_ENV, "7.5")
    assert default_timeout() == 7.5
    monkeypatch.setenv(TIMEOUT_ENV, "soon")
    assert default_timeout() == 30.0  # a wrong value is logged, never fatal


@pytest.mark.parametrize("recipe, options", [("weka", {"epochs": 40}), ("weka", {"epochs": 30, "hidden": "3,2"}),
                                             ("seed", {"epochs": 20}), ("batch", {"epochs": 30, "batch_size": 16})])
@pytest.mark.parametrize("labels", [None, ["1", "2"]])
def test_the_meter_records_epochs_and_error_and_changes_no_model(recipe, options, labels):
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 1, (80, 3))
    y = (x[:, 0] > 0.5).astype(float) if labels else x.sum(axis=1)
    meter = new_meter()
    metered = fit_model(recipe, x, y, ["a", "b", "c"], "out", labels, options, meter=meter)
    plain = fit_model(recipe, x, y, ["a", "b", "c"], "out", labels, options)
    assert model_to_dict(metered) == model_to_dict(plain)
    assert meter[METER_EPOCH] == meter[EPOCHS] == options["epochs"]
    assert math.isfinite(meter[ERROR]) and 0 <= meter[ERROR] < 1
