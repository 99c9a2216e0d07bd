"""Training in a worker process, so the receive thread never waits for the GIL while a model trains.

A python thread running numeric loops starves the receiver (measured: 54% of packets lost at
1 kHz), so training runs in a separate python process (`python -m oscnet.live.trainer`), started
ahead of time and warmed up (numba's compiled loop loaded from its disk cache) before the
first job, with a spare one warming up beside it. A fresh interpreter rather than multiprocessing's spawn/forkserver: those re-import
the user's main script in the worker, which breaks scripts without a `__main__` guard and
scripts read from stdin. Cancelling terminates the worker and the spare takes over at once
(a new spare starts); a new submit while busy cancels the old job first (restart).
"""

from __future__ import annotations

import base64
import json
import logging
import multiprocessing.connection
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from oscnet.recipes import model_from_dict, model_to_dict

log = logging.getLogger(__name__)


@dataclass
class TrainJob:
    """One output's training: raw inputs (n, n_selected), targets (n,) with NaN = not recorded."""

    output: int  # 0-based output index
    recipe: str
    inputs: np.ndarray
    target: np.ndarray
    input_names: list[str]
    class_name: str
    class_labels: list[str] | None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class TrainResult:
    """A trained model, or the reason there is none."""

    output: int
    model: Any  # None when the output failed
    error: str | None = None


def _pack(message: dict[str, Any]) -> bytes:
    """A message as JSON, numpy arrays as base64 of their bytes: nothing is pickled, even here."""
    def array(obj: object) -> object:
        if isinstance(obj, np.ndarray):
            data = np.ascontiguousarray(obj, dtype=np.float64)
            return {"__array__": base64.b64encode(data.tobytes()).decode("ascii"), "shape": list(data.shape)}
        raise TypeError(f"cannot send {type(obj).__name__} to the training worker")
    return json.dumps(message, default=array).encode()


def _unpack(data: bytes) -> dict[str, Any]:
    """The inverse of `_pack`."""
    def array(obj: dict[str, Any]) -> object:
        if "__array__" in obj:
            return np.frombuffer(base64.b64decode(obj["__array__"]), dtype=np.float64).reshape(obj["shape"]).copy()
        return obj
    return json.loads(data, object_hook=array)


def _job_message(job_id: int, jobs: list[TrainJob]) -> bytes:
    return _pack({"kind": "job", "job_id": job_id, "jobs": [vars(job) for job in jobs]})


def _results_message(job_id: int, results: list[TrainResult]) -> bytes:
    return _pack({"kind": "done", "job_id": job_id, "results": [
        {"output": r.output, "model": model_to_dict(r.model) if r.model else None, "error": r.error} for r in results]})


def _results(message: dict[str, Any]) -> list[TrainResult]:
    return [TrainResult(r["output"], model_from_dict(r["model"], "the training worker") if r["model"] else None,
                        r["error"]) for r in message["results"]]


Done = Callable[[int, list[TrainResult]], None]
Progress = Callable[[int, int, int], None]  # (job id, outputs done, outputs in the job)


def _worker_main(conn: multiprocessing.connection.Connection) -> None:
    """The worker: warm up, then train each job it is sent and send back the models."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the console is for the parent
    from oscnet.errors import OscnetError
    from oscnet.recipes import fit_model
    from oscnet.recipes.weka import warm_up

    warm_up()
    conn.send_bytes(_pack({"kind": "ready"}))
    while True:
        try:
            message = _unpack(conn.recv_bytes())
        except (EOFError, OSError):
            return  # the parent has gone
        job_id, jobs = message["job_id"], [TrainJob(**job) for job in message["jobs"]]
        results = []
        for done, job in enumerate(jobs, start=1):
            try:
                model = fit_model(job.recipe, job.inputs, job.target, job.input_names,
                                  job.class_name, job.class_labels, job.options)
                results.append(TrainResult(job.output, model))
            except OscnetError as exc:
                results.append(TrainResult(job.output, None, str(exc)))
            except Exception as exc:  # a bug: report it instead of dying silently
                results.append(TrainResult(job.output, None, f"{type(exc).__name__}: {exc}"))
            conn.send_bytes(_pack({"kind": "progress", "job_id": job_id, "done": done, "total": len(jobs)}))
        conn.send_bytes(_results_message(job_id, results))


class _Worker:
    """One worker process and the connection to it (a socket pair carrying JSON messages)."""

    def __init__(self) -> None:
        mine, theirs = socket.socketpair()
        self.proc = subprocess.Popen([sys.executable, "-m", "oscnet.live.trainer", str(theirs.fileno())],
                                     pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL)
        theirs.close()
        self.conn = multiprocessing.connection.Connection(mine.detach())

    def wait_ready(self) -> bool:
        """Block until the worker is warm; False if it died first."""
        try:
            return _unpack(self.conn.recv_bytes())["kind"] == "ready"
        except (EOFError, OSError):
            return False

    def kill(self) -> None:
        """Terminate the process (safe from any thread, any number of times)."""
        if self.proc.poll() is None:
            self.proc.terminate()

    def close(self) -> None:
        self.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.conn.close()


class Trainer:
    """Owns one worker process and a thread that feeds it jobs and collects its results."""

    def __init__(self, on_done: Done, on_progress: Progress | None = None) -> None:
        self.on_done = on_done
        self.on_progress = on_progress
        self._cond = threading.Condition()
        self._pending: tuple[int, list[TrainJob]] | None = None
        self._current: int | None = None
        self._cancelled: set[int] = set()
        self._next_id = 0
        self._closed = False
        self._worker: _Worker | None = None
        self._spare: _Worker | None = None  # warming up, to replace a cancelled worker at once
        self.ready = threading.Event()  # set while a warm worker waits for jobs
        self._thread = threading.Thread(target=self._run, name="oscnet-trainer", daemon=True)
        self._thread.start()

    def submit(self, jobs: list[TrainJob]) -> int:
        """Queue a training (cancelling one in progress); returns its job id."""
        with self._cond:
            self._next_id += 1
            self._pending = (self._next_id, jobs)
            self._cancel_current()
            self._cond.notify_all()
            return self._next_id

    def cancel(self) -> bool:
        """Cancel the queued or running training; True if there was one."""
        with self._cond:
            had = self._pending is not None or self._current is not None
            self._pending = None
            self._cancel_current()
            return had

    def _cancel_current(self) -> None:
        """Terminate the worker running the current job (caller holds the lock)."""
        if self._current is not None:
            self._cancelled.add(self._current)
            self._current = None
            if self._worker is not None:
                self._worker.kill()

    def close(self) -> None:
        """Stop the worker and the thread."""
        with self._cond:
            self._closed = True
            self._pending = None
            self._cancel_current()
            for worker in (self._worker, self._spare):
                if worker is not None:
                    worker.kill()
            self._cond.notify_all()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        try:
            self._serve()
        finally:
            for worker in (self._worker, self._spare):
                if worker is not None:
                    worker.close()

    def _serve(self) -> None:
        failures = 0
        while True:
            if self._worker is None or self._worker.proc.poll() is not None:
                self.ready.clear()
                if self._worker is not None:
                    self._worker.close()
                with self._cond:
                    if self._closed:
                        return
                    self._worker, self._spare = self._spare or _Worker(), None
                if not self._worker.wait_ready():
                    with self._cond:
                        if self._closed:
                            return
                    failures += 1
                    log.error("the training worker did not start (attempt %d)", failures)
                    if failures >= 3:
                        self._fail_pending("the training worker does not start; see the messages above")
                        failures = 0
                        self._wait_for_job()
                    continue
                failures = 0
                self.ready.set()
                with self._cond:
                    if not self._closed:
                        self._spare = _Worker()
            if not self._wait_for_job():
                return
            with self._cond:
                assert self._pending is not None  # _wait_for_job returned True
                job_id, jobs = self._pending
                self._pending = None
                self._current = job_id
            results = self._await(self._worker, job_id, jobs)
            with self._cond:
                cancelled = job_id in self._cancelled
                self._cancelled.discard(job_id)
                if self._current == job_id:
                    self._current = None
            if results is not None and not cancelled:
                self.on_done(job_id, results)

    def _wait_for_job(self) -> bool:
        """Block until a job is pending (True) or the trainer is closed (False)."""
        with self._cond:
            while self._pending is None and not self._closed:
                self._cond.wait()
            return not self._closed

    def _fail_pending(self, reason: str) -> None:
        with self._cond:
            pending, self._pending = self._pending, None
        if pending is not None:
            job_id, jobs = pending
            self.on_done(job_id, [TrainResult(j.output, None, reason) for j in jobs])

    def _await(self, worker: _Worker, job_id: int, jobs: list[TrainJob]) -> list[TrainResult] | None:
        """Send the job and wait for its results; None if the worker was terminated (cancelled)."""
        try:
            worker.conn.send_bytes(_job_message(job_id, jobs))
            while True:
                message = _unpack(worker.conn.recv_bytes())  # EOF when the worker dies
                if message["kind"] == "progress" and self.on_progress:
                    self.on_progress(job_id, message["done"], message["total"])
                elif message["kind"] == "done":
                    return _results(message)
        except (EOFError, OSError):
            pass
        except Exception:  # a bug in the exchange: report it, treat the worker as crashed
            log.exception("lost the training worker")
        worker.close()
        with self._cond:
            if job_id in self._cancelled:
                return None
        reason = f"the training worker stopped (exit code {worker.proc.returncode})"
        return [TrainResult(j.output, None, reason) for j in jobs]


def main(argv: list[str]) -> None:
    """`python -m oscnet.live.trainer FD`: the worker, talking over the inherited socket FD."""
    _worker_main(multiprocessing.connection.Connection(int(argv[1])))


if __name__ == "__main__":
    main(sys.argv)
