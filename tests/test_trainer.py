"""The training pool: outputs train in parallel worker processes, with the models serial training
gives; cancel and restart leave no process behind; workers yield the CPU; the session's side
never waits on the pool's lock while a process starts."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from oscnet.live import trainer as trainer_module
from oscnet.live.trainer import Trainer, TrainJob, TrainResult, default_workers
from oscnet.live.worker import Worker
from oscnet.recipes import fit_model, model_to_dict

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc and Linux scheduling policies")


class Collector:
    """The session's callbacks: every on_done, in order."""

    def __init__(self) -> None:
        self.done: list[tuple[int, list[TrainResult]]] = []
        self.progress: list[tuple[int, int, int]] = []
        self.event = threading.Event()

    def on_done(self, job_id: int, results: list[TrainResult]) -> None:
        self.done.append((job_id, results))
        self.event.set()

    def on_progress(self, job_id: int, done: int, total: int) -> None:
        self.progress.append((job_id, done, total))

    def wait(self, timeout: float = 120) -> list[TrainResult]:
        assert self.event.wait(timeout), "the training did not finish"
        self.event.clear()
        return self.done[-1][1]


def jobs_of_every_kind(rows: int = 120) -> list[TrainJob]:
    """Outputs with different learners, inputs and sizes (as a real project's)."""
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, (rows, 4))
    numeric = np.sin(3 * x[:, 0]) + x[:, 1]
    classes = (x[:, 2] * 3).astype(int).astype(float)
    names = ["a", "b", "c", "d"]
    return [
        TrainJob(0, "weka", x, numeric, names, "pitch", None, {"epochs": 200}),
        TrainJob(1, "knn", x[:, :2], classes, names[:2], "gesture", ["1", "2", "3"], {"neighbours": 3}),
        TrainJob(2, "weka", x[:, 1:], classes, names[1:], "mode", ["1", "2", "3"], {"hidden": "2", "epochs": 100}),
        TrainJob(3, "j48", x, classes, names, "tree", ["1", "2", "3"], {}),
        TrainJob(4, "linear", x, numeric, names, "level", None, {}),
        TrainJob(6, "adaboost", x, classes, names, "boost", ["1", "2", "3"], {"rounds": 5}),
    ]


def long_job(output: int, epochs: int = 100_000) -> TrainJob:
    """An output that trains for many seconds."""
    rng = np.random.default_rng(output)
    x = rng.uniform(0, 1, (500, 8))
    return TrainJob(output, "weka", x, x.sum(axis=1), [f"x{i}" for i in range(8)], f"o{output}", None,
                    {"epochs": epochs})


def gone(pid: int) -> bool:
    """The process has ended and been reaped (no zombie left)."""
    return not os.path.exists(f"/proc/{pid}")


def wait_for(condition, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_parallel_training_gives_the_models_serial_training_gives():
    jobs = jobs_of_every_kind()
    serial = [model_to_dict(fit_model(j.recipe, j.inputs, j.target, j.input_names, j.class_name,
                                      j.class_labels, j.options)) for j in jobs]
    got = Collector()
    pool = Trainer(got.on_done, got.on_progress, workers=3)
    try:
        job_id = pool.submit(jobs)
        results = got.wait()
        assert [r.output for r in results] == [j.output for j in jobs]  # the job's order, whoever finished first
        assert all(r.error is None for r in results), [r.error for r in results]
        assert [model_to_dict(r.model) for r in results] == serial
        assert len(got.done) == 1 and got.done[0][0] == job_id  # called once, when the last output is in
        assert sorted(done for j, done, total in got.progress if j == job_id) == list(range(1, len(jobs) + 1))
        # and again on the same warm workers: the same models
        pool.submit(jobs)
        assert [model_to_dict(r.model) for r in got.wait()] == serial
    finally:
        pool.close()


def test_cancel_and_restart_leave_no_worker_behind():
    got = Collector()
    pool = Trainer(got.on_done, workers=2)
    seen: set[int] = set()
    try:
        assert pool.ready.wait(120)
        first = pool.submit([long_job(0), long_job(1), long_job(2)])
        assert wait_for(lambda: len(pool._running) == 2)  # both workers busy with the job
        busy = [worker.proc for _, _, worker in pool._running.values()]
        seen.update(p.pid for p in pool.processes())
        assert pool.cancel()
        assert wait_for(lambda: all(gone(p.pid) for p in busy), 30), "a cancelled worker is still there"
        assert not pool.cancel()  # nothing left to cancel
        # restart: a new job while one runs replaces it; only the new one reports
        pool.submit([long_job(3), long_job(4)])
        assert wait_for(lambda: len(pool._running) == 2)
        restarted = [worker.proc for _, _, worker in pool._running.values()]
        second = pool.submit([long_job(5, epochs=20)])
        assert wait_for(lambda: all(gone(p.pid) for p in restarted), 30)
        results = got.wait()
        assert [job_id for job_id, _ in got.done] == [second] and first != second
        assert results[0].output == 5 and results[0].model is not None
        assert wait_for(lambda: len(pool.processes()) <= pool.size + 1, 60)  # memory bounded: slots + one spare
        seen.update(p.pid for p in pool.processes())
    finally:
        pool.close()
    assert seen and all(gone(pid) for pid in seen), "close() left a worker process"
    assert not any(t.is_alive() for t in pool._threads)


def test_a_worker_that_dies_fails_its_output_only():
    got = Collector()
    pool = Trainer(got.on_done, workers=2)
    try:
        pool.submit([long_job(0), long_job(1, epochs=50)])
        assert wait_for(lambda: any(job == 0 for _, job, _ in pool._running.values()))
        victim = next(worker for _, job, worker in pool._running.values() if job == 0)
        victim.proc.kill()  # a crash, not a cancel
        results = got.wait()
        assert results[0].model is None and "exit code -9" in (results[0].error or "")
        assert results[1].model is not None and results[1].error is None
        pool.submit([long_job(2, epochs=20)])  # the pool carries on
        assert got.wait()[0].model is not None
    finally:
        pool.close()


def test_a_hung_worker_is_killed_after_the_timeout_and_the_other_outputs_finish():
    got = Collector()
    epochs: list[tuple[int, int]] = []
    pool = Trainer(got.on_done, workers=2, timeout=3,
                   on_epoch=lambda job_id, epoch: epochs.append((epoch.output, epoch.epoch)))
    seen: set[int] = set()
    try:
        assert pool.ready.wait(120)
        pool.submit([long_job(0, epochs=10_000_000), long_job(1, epochs=20_000)])
        assert wait_for(lambda: any(job == 0 for _, job, _ in pool._running.values()))
        victim = next(worker for _, job, worker in pool._running.values() if job == 0)
        assert wait_for(lambda: any(output == 0 for output, _ in epochs))  # it was reporting
        seen.update(p.pid for p in pool.processes())
        os.kill(victim.proc.pid, signal.SIGSTOP)
        results = got.wait()
        assert results[0].model is None and "sent nothing for 3 s" in (results[0].error or "")
        assert results[1].model is not None and results[1].error is None
        assert victim.hung and wait_for(lambda: gone(victim.proc.pid), 30)
        after = len(epochs)
        pool.submit([long_job(2, epochs=20)])  # a fresh worker took its place
        assert got.wait()[0].model is not None
        assert all(output == 2 for output, _ in epochs[after:])  # nothing more from the killed one
        seen.update(p.pid for p in pool.processes())
    finally:
        pool.close()
    assert all(gone(pid) for pid in seen), "close() left a worker process"


def test_workers_run_below_everything_else():
    pool = Trainer(lambda job_id, results: None, workers=1)
    try:
        assert pool.ready.wait(120)
        mine = os.getpriority(os.PRIO_PROCESS, 0)
        for proc in pool.processes():
            assert os.sched_getscheduler(proc.pid) == os.SCHED_BATCH
            assert os.getpriority(os.PRIO_PROCESS, proc.pid) == min(19, mine + 10)
            environ = Path(f"/proc/{proc.pid}/environ").read_bytes().split(b"\0")
            assert b"OPENBLAS_NUM_THREADS=1" in environ or os.environ.get("OPENBLAS_NUM_THREADS")
        assert pool.priority == "SCHED_BATCH, nice +10"
    finally:
        pool.close()


def test_submit_and_cancel_never_wait_for_a_process_to_start(monkeypatch):
    """The receive thread calls submit (for /wekinator/control/train): it must not wait while the
    pool starts a worker, which takes a fork and exec (slow on a loaded machine)."""
    starting = threading.Event()

    class SlowWorker(Worker):
        def __init__(self, heartbeat: float) -> None:
            starting.set()
            time.sleep(1.0)
            super().__init__(heartbeat)

    monkeypatch.setattr(trainer_module, "Worker", SlowWorker)
    got = Collector()
    pool = Trainer(got.on_done, workers=1)
    try:
        assert starting.wait(10)
        started = time.perf_counter()
        pool.submit([long_job(0, epochs=10)])
        pool.cancel()
        pool.submit([long_job(0, epochs=10)])
        assert time.perf_counter() - started < 0.5
        assert got.wait()[0].model is not None
    finally:
        pool.close()


def test_the_pool_is_sized_to_the_machine(monkeypatch):
    monkeypatch.delenv(trainer_module.WORKERS_ENV, raising=False)
    assert default_workers() == max(1, min(len(os.sched_getaffinity(0)), trainer_module.MAX_WORKERS))
    monkeypatch.setenv(trainer_module.WORKERS_ENV, "3")
    assert default_workers() == 3
