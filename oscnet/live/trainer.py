"""Training in worker processes, every output of a project at once, while the receive thread runs.

A python thread running numeric loops starves the receiver (measured: 54% of packets lost at
1 kHz), so training runs in separate python processes (`python -m oscnet.live.trainer`; their
side is in worker.py), started ahead of time and warmed up, at a priority below everything
else. A fresh interpreter rather than multiprocessing's spawn/forkserver: those re-import the
user's main script in the worker, which breaks scripts without a `__main__` guard and scripts
read from stdin; and the channel is JSON, so nothing in oscnet unpickles.

The pool: `workers` processes (one per core this process may use, at most MAX_WORKERS;
$OSCNET_TRAIN_WORKERS overrides), plus one warm spare. A training is one task
per output; each idle worker takes the next task, so the outputs train in parallel, and the
session's callback runs once, when the last output is in. The models are the ones serial
training gives: each output's model depends only on its own examples and options. Cancelling
terminates the workers busy with the job; the spare takes over at once and new workers warm
up for the other slots; a new submit while busy cancels the old job first (restart).

A busy worker (warming up or training) reports its epochs or a heartbeat at least every
`heartbeat` seconds; the watchdog thread kills one silent for longer than `timeout`
($OSCNET_TRAIN_TIMEOUT, 30 s): hung, or stopped with SIGSTOP. Its output fails with a reason
that says so (not retried: a training that hangs once would hang again), a fresh worker takes
its place like after a crash, and the other outputs go on.

Locking: `_cond` guards the pool's bookkeeping only. It is never held while a process starts
or is waited for, while a message is sent or received, or while a callback runs, so `submit`
and `cancel` (the receive thread calls them for /wekinator/control/train) return at once, and
the callbacks may take the session's lock without any ordering problem.
"""

from __future__ import annotations

import logging
import multiprocessing.connection
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from oscnet.live import jobs
from oscnet.live.jobs import MAX_WORKERS, WORKERS_ENV, Epoch, TrainJob, TrainResult, default_workers
from oscnet.live.worker import HEARTBEAT, Worker, pack, unpack, warm_parent

_pack, _unpack = pack, unpack  # the channel's codec, under the names other workers import (evaluator.py)

__all__ = ["MAX_WORKERS", "WORKERS_ENV", "Epoch", "TrainJob", "TrainResult", "Trainer", "default_workers"]

log = logging.getLogger(__name__)


@dataclass
class _Job:
    """A submitted training while it runs: its tasks (one per output) and the results so far."""

    tasks: list[TrainJob]
    results: list[TrainResult | None]
    left: int


class Trainer:
    """A pool of warm worker processes, one thread per worker feeding it one output at a time."""

    def __init__(self, on_done: jobs.Done, on_progress: jobs.Progress | None = None, workers: int | None = None,
                 on_epoch: jobs.EpochDone | None = None, timeout: float | None = None) -> None:
        self.on_done = on_done
        self.on_progress = on_progress
        self.on_epoch = on_epoch  # called from a slot's thread, as the others
        self.size = workers or default_workers()
        self.timeout = timeout or jobs.default_timeout()
        self.heartbeat = min(HEARTBEAT, self.timeout / 4)  # a few beats go by before a worker counts as hung
        self._cond = threading.Condition()
        self._queue: deque[tuple[int, int]] = deque()  # (job id, task index) waiting for a worker
        self._jobs: dict[int, _Job] = {}  # submitted, not finished, not cancelled
        self._running: dict[int, tuple[int, int, Worker]] = {}  # slot → (job id, task, worker) while it trains
        self._workers: list[Worker | None] = [None] * self.size
        self._warm = [False] * self.size
        self._spare: Worker | None = None  # warm, to replace a terminated worker at once
        self._warming_spare: Worker | None = None
        self._spare_thread: threading.Thread | None = None
        self._parent_warmed = self._closed = False
        self._next_id = self._submits = 0
        self.priority = ""  # what the workers did to yield the CPU, e.g. "SCHED_BATCH, nice +10"
        self.ready = threading.Event()  # set while every slot has a warm worker and the spare is warm
        self._threads = [threading.Thread(target=self._slot, args=(k,), name=f"oscnet-trainer-{k}", daemon=True)
                         for k in range(self.size)]
        self._watchdog = threading.Thread(target=self._watch, name="oscnet-trainer-watchdog", daemon=True)
        for thread in [*self._threads, self._watchdog]:
            thread.start()

    # --- the session's side (any thread; never blocks for long) --------------------------------

    def submit(self, jobs: list[TrainJob]) -> int:
        """Queue a training (cancelling one in progress); returns its job id."""
        with self._cond:
            self._next_id += 1
            self._submits += 1
            job_id = self._next_id
            self._cancel_all()
            if jobs:
                self._jobs[job_id] = _Job(list(jobs), [None] * len(jobs), len(jobs))
                self._queue.extend((job_id, k) for k in range(len(jobs)))
            self._cond.notify_all()
        if not jobs:  # nothing to train: done at once, from another thread as always
            threading.Thread(target=self.on_done, args=(job_id, []), daemon=True).start()
        return job_id

    def cancel(self) -> bool:
        """Cancel the queued or running training; True if there was one."""
        with self._cond:
            had = bool(self._jobs)
            self._cancel_all()
            return had

    def close(self) -> None:
        """Stop every worker (reaped: none is left behind) and the threads."""
        with self._cond:
            self._closed = True
            self._cancel_all()
            for worker in [*self._workers, self._spare, self._warming_spare]:
                if worker is not None:
                    worker.kill()
            self._cond.notify_all()
            spare_thread = self._spare_thread
        for thread in [*self._threads, spare_thread, self._watchdog]:
            if thread is not None:
                thread.join(timeout=10)
        with self._cond:
            spare, self._spare = self._spare, None
        if spare is not None:
            spare.close()

    def processes(self) -> list[subprocess.Popen]:
        """The worker processes (the spare too) that have not been reaped, for tests and benches."""
        with self._cond:
            workers = [*self._workers, self._spare, self._warming_spare]
        return [w.proc for w in workers if w is not None and w.proc.returncode is None]

    def _cancel_all(self) -> None:
        """Drop every job and terminate the workers training them (caller holds the lock)."""
        self._jobs.clear()
        self._queue.clear()
        for _, _, worker in self._running.values():
            worker.kill()

    # --- one thread per slot ----------------------------------------------------------------------

    def _slot(self, slot: int) -> None:
        worker: Worker | None = None
        failures = 0
        try:
            while True:
                if worker is None or worker.killed or worker.proc.poll() is not None:
                    if worker is not None:
                        self._lost(slot)
                        worker.close()
                    worker = self._start(slot)
                    if worker is None:
                        return
                    if not ((worker.is_ready and worker.proc.poll() is None) or worker.wait_ready()):
                        self._lost(slot)
                        worker.close()
                        worker = None
                        failures = self._failed(slot, failures)
                        if failures < 0:
                            return
                        continue
                    failures = 0
                    self._warmed(slot, worker)
                task = self._take(slot, worker)
                if task is None:
                    return
                if isinstance(task, str):  # "replace": terminated by a cancel
                    continue
                job_id, index, job = task
                self._finish(slot, job_id, index, self._train(worker, job_id, job))
        except Exception as exc:  # a bug here must not leave the session waiting forever
            log.exception("training slot %d stopped", slot + 1)
            with self._cond:
                running = self._running.get(slot)
            if running is not None:
                job_id, index, _ = running
                self._finish(slot, job_id, index, TrainResult(-1, None, f"{type(exc).__name__}: {exc}"))
        finally:
            if worker is not None:
                worker.close()

    def _start(self, slot: int) -> Worker | None:
        """The warm spare if there is one, else a new worker (started outside the lock); None once closed."""
        with self._cond:
            if self._closed:
                return None
            worker, self._spare = self._spare, None
            self._update_ready()
        worker = worker or Worker(self.heartbeat)
        with self._cond:
            self._workers[slot] = worker
            if self._closed:
                worker.kill()
        return worker

    def _failed(self, slot: int, failures: int) -> int:
        """A worker died before it was warm: retry; after 3 failures, fail the queued outputs if no
        other worker can take them and wait for the next submit. Returns -1 once closed."""
        with self._cond:
            if self._closed:
                return -1
            submits = self._submits
        failures += 1
        log.error("a training worker did not start (slot %d, attempt %d)", slot + 1, failures)
        if failures < 3:
            return failures
        with self._cond:
            if any(self._warm):
                return 0
            failed = self._fail_queued("the training worker does not start; see the messages above")
        for job_id, results in failed:
            self.on_done(job_id, results)
        with self._cond:
            while self._submits == submits and not self._closed:
                self._cond.wait()
            return -1 if self._closed else 0

    def _fail_queued(self, reason: str) -> list[tuple[int, list[TrainResult]]]:
        """Every queued task fails with `reason`; returns the jobs that are then complete (lock held)."""
        finished = []
        while self._queue:
            job_id, index = self._queue.popleft()
            job = self._jobs[job_id]
            job.results[index] = TrainResult(job.tasks[index].output, None, reason)
            job.left -= 1
            if job.left == 0:
                del self._jobs[job_id]
                finished.append((job_id, [r for r in job.results if r is not None]))
        return finished

    def _warmed(self, slot: int, worker: Worker) -> None:
        """A worker is warm: count it, warm a spare if there is none, warm the parent's side once."""
        with self._cond:
            self._warm[slot] = True
            self.priority = self.priority or worker.priority
            if all(self._warm) and not (self._spare or self._spare_thread or self._closed):  # after the slots
                self._spare_thread = threading.Thread(target=self._make_spare, name="oscnet-spare", daemon=True)
                self._spare_thread.start()
            self._update_ready()
            warm_parent_now, self._parent_warmed = not self._parent_warmed, True
        if warm_parent_now:  # beside the slots, so this one takes work at once
            threading.Thread(target=warm_parent, args=(worker.warm,), name="oscnet-warm", daemon=True).start()

    def _make_spare(self) -> None:
        """Start a worker and wait until it is warm, then keep it as the spare."""
        spare = Worker(self.heartbeat)
        with self._cond:
            self._warming_spare = spare
            if self._closed:
                spare.kill()
        warm = spare.wait_ready()
        with self._cond:
            self._warming_spare = self._spare_thread = None
            keep = warm and not self._closed and self._spare is None
            if keep:
                self._spare = spare
            self._update_ready()
        if not keep:
            spare.close()

    def _update_ready(self) -> None:
        """`ready` says whether every slot and the spare are warm (lock held)."""
        if all(self._warm) and self._spare is not None:
            self.ready.set()
        else:
            self.ready.clear()

    def _lost(self, slot: int) -> None:
        with self._cond:
            self._warm[slot] = False
            self._workers[slot] = None
            self._update_ready()

    def _take(self, slot: int, worker: Worker) -> tuple[int, int, TrainJob] | str | None:
        """The next task (blocks until there is one), "replace" if the worker was terminated, None once closed."""
        with self._cond:
            while not self._queue and not self._closed and not worker.killed:
                self._cond.wait()
            if self._closed:
                return None
            if worker.killed:  # killed by a cancel, or died, just as its task ended: never give it another
                return "replace"
            job_id, index = self._queue.popleft()
            self._running[slot] = (job_id, index, worker)
            return job_id, index, self._jobs[job_id].tasks[index]

    def _watch(self) -> None:
        """Kill every busy worker silent for longer than the timeout; its slot then replaces it."""
        while True:
            with self._cond:
                self._cond.wait(self.heartbeat)
                if self._closed:
                    return
                now = time.monotonic()
                hung = [w for w in [*self._workers, self._warming_spare]
                        if w is not None and not w.hung and w.silence(now) > self.timeout]
                for worker in hung:
                    worker.hung = True
            for worker in hung:
                worker.kill()
                log.error("training worker %d sent nothing for %g s (hung, or stopped by a signal): killed it; "
                          "a fresh one takes its place", worker.proc.pid, self.timeout)

    def _train(self, worker: Worker, job_id: int, job: TrainJob) -> TrainResult | None:
        """Send one output to the worker and wait for its model, passing its epochs on; None if
        the worker died."""
        from oscnet.recipes import model_from_dict

        def progress(message: dict[str, Any]) -> None:
            if self.on_epoch is None or worker.killed:
                return
            try:
                self.on_epoch(job_id, Epoch(job.output, int(message["epoch"]), int(message["epochs"]),
                                            float(message["error"])))
            except Exception:  # a report that fails must not fail the training
                log.exception("reporting a training's progress failed")

        try:
            result = worker.train(vars(job), progress)
        except (EOFError, OSError):  # it died; its socket closes just before it can be reaped, so
            worker.kill()  # mark it, or the slot would take it for alive and hand it work
            return None
        except Exception:  # a bug in the exchange: report it, treat the worker as crashed
            log.exception("lost a training worker")
            worker.kill()
            return None
        if result["model"] is None:
            return TrainResult(job.output, None, result["error"])
        try:
            return TrainResult(job.output, model_from_dict(result["model"], "the training worker"))
        except Exception as exc:
            return TrainResult(job.output, None, f"{type(exc).__name__}: {exc}")

    def _finish(self, slot: int, job_id: int, index: int, result: TrainResult | None) -> None:
        """Record one output's result; the last one in calls the session back (outside the lock)."""
        with self._cond:
            _, _, worker = self._running.pop(slot)
            job = self._jobs.get(job_id)
            if job is None:  # cancelled or superseded meanwhile
                return
            output = job.tasks[index].output
        if result is None and worker.hung:
            result = TrainResult(output, None, f"the training worker sent nothing for {self.timeout:g} s (hung, or "
                                 "stopped by a signal such as SIGSTOP), so it was killed and a fresh one took its "
                                 f"place; train again, and if a long training is cut off on a busy machine, "
                                 f"raise {jobs.TIMEOUT_ENV} (seconds)")
        elif result is None:  # died by itself, not cancelled: say how
            try:
                code = worker.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None
            result = TrainResult(output, None, f"the training worker stopped (exit code {code})")
        result.output = output
        with self._cond:
            if self._jobs.get(job_id) is not job:
                return
            job.results[index] = result
            job.left -= 1
            done, total = len(job.tasks) - job.left, len(job.tasks)
            finished = job.left == 0
            if finished:
                del self._jobs[job_id]
        if self.on_progress:
            self.on_progress(job_id, done, total)
        if finished:
            self.on_done(job_id, [r for r in job.results if r is not None])


def main(argv: list[str]) -> None:
    """`python -m oscnet.live.trainer FD [HEARTBEAT]`: the worker, talking over the inherited socket FD."""
    from oscnet.live.worker import serve

    serve(multiprocessing.connection.Connection(int(argv[1])), float(argv[2]) if len(argv) > 2 else HEARTBEAT)


if __name__ == "__main__":
    main(sys.argv)
