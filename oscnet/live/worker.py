"""One training worker process: its side (`serve`) and the parent's handle on it (`Worker`).

The worker is `python -m oscnet.live.trainer FD` (see trainer.py for why not multiprocessing),
talking JSON over the socket FD it inherits; arrays travel as base64 of their float64 bytes,
so nothing is pickled in either direction. Its first act, before numpy is imported, is to
lower its priority, so training takes the CPU only as the performance leaves it: on Linux the
SCHED_BATCH policy (a waking receive thread is never kept waiting behind it) and everywhere a nice
value of +10 (under full load, a worker gets about a tenth of a core beside a busy program).
SCHED_IDLE ($OSCNET_TRAIN_POLICY=idle) would yield even more, but measured with two busy
programs beside the server on two cores (`oscnet bench live --load 2`), it starved the training
outright: not done after 2 minutes, where SCHED_BATCH took 18 s; with no load, round trips during
training were no better (p99 at 1 kHz 7-9 ms vs 4-6 ms, on a shared machine). Its numeric libraries run one thread each: the trainer runs one
worker per core. Then it warms up: every recipe trains a tiny model once (numba's compiled
code loaded from its disk cache, lazy imports done), so the first training on stage runs as
fast as the tenth; the tiny models go back to the parent with "ready" so that it warms its
own side too (decoding models and their first predictions, which load compiled code).

While it warms up or trains, a second thread (`Reporter`) samples the training meter
(recipes/base.py: the epoch and error the training loop writes, compiled loops too) and sends
how far the training is, at most every PERIOD seconds, and a heartbeat when there is nothing new
for HEARTBEAT seconds, so the parent tells a long training from a hung worker (trainer.py kills
a worker silent for longer than its timeout). Every send holds the reporter's lock, and the
main thread stops the reports in the same hold as it sends "ready" or "done": nothing of a job
arrives after its "done".

Messages, parent → worker: {"kind": "job", "job_id", "jobs": [TrainJob fields]}; worker →
parent: {"kind": "ready", "priority", "warm": [model dicts], "warm_cpu"}, {"kind": "heartbeat"},
{"kind": "progress", "epoch", "epochs", "error"} (the job's current output: epochs done of all
and the last epoch's mean squared error; recipes without epochs send heartbeats only) and
{"kind": "done", "job_id", "results": [{"output", "model", "error"}]}.
"""

from __future__ import annotations

import base64
import importlib
import json
import logging
import multiprocessing.connection
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger("oscnet.live.trainer")

PERIOD = 0.2  # the reporter samples the meter this often: at most 5 progress messages a second
HEARTBEAT = 1.0  # the longest a busy worker stays silent (the parent may ask for less)

POLICY_ENV = "OSCNET_TRAIN_POLICY"  # batch (the default), idle or normal: how workers yield the CPU
NICE = 10
ONE_THREAD = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")

# Besides every recipe's defaults, the options whose code paths differ (warmed in the parent too).
WARM_OPTIONS: dict[str, list[dict[str, Any]]] = {
    "adaboost": [{"base": "stump", "rounds": 3}, {"rounds": 3}],
    "svm": [{"kernel": "linear"}, {"kernel": "rbf"}],
    "linear": [{"exponent": 2, "selection": 0}, {"selection": 2}],
}


# --- the channel ----------------------------------------------------------------------------

def pack(message: dict[str, Any]) -> bytes:
    """A message as JSON, numpy arrays as base64 of their bytes: nothing is pickled, even here."""
    import numpy as np

    def array(obj: object) -> object:
        if isinstance(obj, np.ndarray):
            data = np.ascontiguousarray(obj, dtype=np.float64)
            return {"__array__": base64.b64encode(data.tobytes()).decode("ascii"), "shape": list(data.shape)}
        raise TypeError(f"cannot send {type(obj).__name__} to the training worker")
    return json.dumps(message, default=array).encode()


def unpack(data: bytes) -> dict[str, Any]:
    """The inverse of `pack`."""
    import numpy as np

    def array(obj: dict[str, Any]) -> object:
        if "__array__" in obj:
            return np.frombuffer(base64.b64decode(obj["__array__"]), dtype=np.float64).reshape(obj["shape"]).copy()
        return obj
    return json.loads(data, object_hook=array)


# --- the worker's side ------------------------------------------------------------------------

def lower_priority(policy: str | None = None) -> str:
    """Yield the CPU to the performance; returns what was done, e.g. "SCHED_BATCH, nice +10"."""
    policy = policy or os.environ.get(POLICY_ENV, "batch")
    done = []
    if policy in ("idle", "batch") and hasattr(os, "sched_setscheduler"):
        for name in ("SCHED_IDLE", "SCHED_BATCH")[0 if policy == "idle" else 1:]:
            try:  # lowering is always allowed (raising is not); pid 0: this process
                os.sched_setscheduler(0, getattr(os, name), os.sched_param(0))
                done.append(name)
                break
            except (AttributeError, OSError):
                continue
    if policy != "normal":
        try:
            os.nice(NICE)
            done.append(f"nice +{NICE}")
        except OSError:
            pass
    return ", ".join(done) or "normal priority"


def warm_models() -> list[dict[str, Any]]:
    """Train every recipe once on a tiny table (each class type; WARM_OPTIONS too) and run each
    module's own warm_up; returns the tiny models, as dicts, for the parent to warm its side."""
    import numpy as np

    from oscnet.recipes import RECIPES, fit_model, model_to_dict

    x = np.array([[0.0, 1.0], [1.0, 0.5], [0.2, 0.9], [0.9, 0.1], [0.4, 0.6], [0.7, 0.3]])
    nominal, numeric = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0]), np.array([0.1, 0.9, 0.2, 0.8, 0.4, 0.6])
    models = []
    for name, recipe in RECIPES.items():
        module = importlib.import_module(f"oscnet.recipes.{name.replace('-', '_')}")
        try:
            if hasattr(module, "warm_up"):
                module.warm_up()
            quick = {"epochs": 1} if any(o.name == "epochs" for o in recipe.options) else {}
            for options in [quick, *WARM_OPTIONS.get(name, [])]:
                for kind in recipe.class_types:
                    labels = ["1", "2"] if kind == "nominal" else None
                    model = fit_model(name, x, nominal if labels else numeric, ["a", "b"], "c", labels, options)
                    models.append(model_to_dict(model))
        except Exception:  # a warm-up that fails must not stop the worker; the training will say why
            log.exception("warming up the %s recipe failed", name)
    return models


class Reporter:
    """The worker's second thread: while the worker is busy, the meter's epoch and error when they
    change (at most every PERIOD s), else a heartbeat every `heartbeat` s. JSON without numpy, so
    it beats while the main thread is still importing."""

    def __init__(self, conn: multiprocessing.connection.Connection, heartbeat: float) -> None:
        self.conn, self.heartbeat = conn, heartbeat
        self.lock = threading.Condition()  # held by every send, so messages never interleave
        self.busy = False
        self.meter: np.ndarray | None = None
        self.epoch = 0.0  # the epoch last sent
        self.sent = time.monotonic()
        threading.Thread(target=self._run, name="oscnet-worker-reporter", daemon=True).start()

    def begin(self, meter: np.ndarray | None = None) -> None:
        """The worker is busy from now on (training a job when it has a meter)."""
        with self.lock:
            self.busy, self.meter, self.epoch, self.sent = True, meter, 0.0, time.monotonic()
            self.lock.notify()

    def finish(self, message: dict[str, Any]) -> None:
        """Send the busy spell's answer ("ready", "done"); no report follows it."""
        with self.lock:
            self.busy, self.meter = False, None
            self.conn.send_bytes(pack(message))

    def _run(self) -> None:
        with self.lock:
            while True:
                self.lock.wait(min(PERIOD, self.heartbeat) if self.busy else None)
                report = self._report() if self.busy else None
                if report is None:
                    continue
                try:
                    self.conn.send_bytes(json.dumps(report).encode())
                except OSError:  # the parent has gone; the main thread finds out too
                    return
                self.sent = time.monotonic()

    def _report(self) -> dict[str, Any] | None:
        meter = self.meter
        if meter is not None:
            epoch, epochs, error = float(meter[0]), float(meter[1]), float(meter[2])  # base.EPOCH, EPOCHS, ERROR
            if epoch != self.epoch and epoch >= 1:  # a change; lower after Weka's restart
                self.epoch = epoch
                return {"kind": "progress", "epoch": int(epoch), "epochs": int(epochs), "error": error}
        if time.monotonic() - self.sent >= self.heartbeat:
            return {"kind": "heartbeat"}
        return None


def serve(conn: multiprocessing.connection.Connection, heartbeat: float = HEARTBEAT) -> None:
    """The worker: lower its priority, warm up, then train each job it is sent and send the models."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the console is for the parent
    priority = lower_priority()
    started = time.process_time()
    reporter = Reporter(conn, heartbeat)
    reporter.begin()  # warming up can take long on a loaded machine: beat meanwhile
    from oscnet.errors import OscnetError
    from oscnet.recipes import fit_model, model_to_dict
    from oscnet.recipes.base import new_meter

    warm = warm_models()
    reporter.finish({"kind": "ready", "priority": priority, "warm": warm, "warm_cpu": time.process_time() - started})
    while True:
        try:
            message = unpack(conn.recv_bytes())
        except (EOFError, OSError):
            return  # the parent has gone
        job_id, jobs, results = message["job_id"], message["jobs"], []
        for job in jobs:
            meter = new_meter()
            reporter.begin(meter)
            try:
                model = fit_model(job["recipe"], job["inputs"], job["target"], job["input_names"],
                                  job["class_name"], job["class_labels"], job["options"], meter=meter)
                results.append({"output": job["output"], "model": model_to_dict(model), "error": None})
            except OscnetError as exc:
                results.append({"output": job["output"], "model": None, "error": str(exc)})
            except Exception as exc:  # a bug: report it instead of dying silently
                results.append({"output": job["output"], "model": None, "error": f"{type(exc).__name__}: {exc}"})
        reporter.finish({"kind": "done", "job_id": job_id, "results": results})


# --- the parent's handle ------------------------------------------------------------------------

def warm_parent(models: list[dict[str, Any]]) -> None:
    """Decode the worker's tiny models and run each once: the parent's first real model then
    decodes and predicts at full speed (some learners load compiled code on their first predict)."""
    import numpy as np

    from oscnet.recipes import model_from_dict

    for data in models:
        try:
            model = model_from_dict(data, "the warm-up model")
            model.predict(np.array([0.5, 0.5]))
        except Exception:  # only a warm-up: never fatal
            log.debug("warming up a %s model failed", data.get("recipe"), exc_info=True)


class Worker:
    """One worker process and the connection to it (a socket pair carrying JSON messages)."""

    def __init__(self, heartbeat: float = HEARTBEAT) -> None:
        mine, theirs = socket.socketpair()
        env = dict(os.environ)
        for name in ONE_THREAD:  # one worker per core: one thread each (a user's setting wins)
            env.setdefault(name, "1")
        try:
            self.proc = subprocess.Popen([sys.executable, "-m", "oscnet.live.trainer", str(theirs.fileno()),
                                          repr(float(heartbeat))],
                                         pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, env=env)
        finally:
            theirs.close()
        self.conn = multiprocessing.connection.Connection(mine.detach())
        self.priority = ""
        self.warm: list[dict[str, Any]] = []
        self.killed = False  # killed (a cancel, the watchdog) or found dead: it takes no more work
        self.hung = False  # killed for its silence (trainer.py's watchdog)
        self.is_ready = False  # its "ready" has been read: it is warm
        self.heard = time.monotonic()  # when its last message came (or it was given work)
        self.busy = True  # warming up or training: it must be heard from

    def __repr__(self) -> str:
        return f"Worker(pid {self.proc.pid}, {'running' if self.proc.poll() is None else 'ended'})"

    def silence(self, now: float) -> float:
        """How long a busy worker has been silent (0 while it is idle)."""
        return now - self.heard if self.busy else 0.0

    def _receive(self) -> dict[str, Any]:
        message = unpack(self.conn.recv_bytes())  # EOFError when the worker dies
        self.heard = time.monotonic()
        return message

    def wait_ready(self) -> bool:
        """Block until the worker is warm; False if it died first."""
        try:
            message = self._receive()
            while message.get("kind") == "heartbeat":
                message = self._receive()
        except (EOFError, OSError, ValueError):
            return False
        self.priority, self.warm = message.get("priority", ""), message.get("warm", [])
        self.is_ready = message.get("kind") == "ready"
        self.busy = not self.is_ready
        return self.is_ready

    def train(self, job: dict[str, Any], on_progress: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        """Send one output's job and wait for its result ({"output", "model", "error"}), passing
        each progress message on; EOFError or OSError if the worker dies (or is killed) meanwhile."""
        self.heard = time.monotonic()
        self.busy = True  # after `heard`: the watchdog never sees a busy worker with an old time
        try:
            self.conn.send_bytes(pack({"kind": "job", "job_id": 0, "jobs": [job]}))
            while True:
                message = self._receive()
                if message["kind"] == "progress":
                    on_progress(message)
                elif message["kind"] == "done":
                    return dict(message["results"][0])
        finally:
            self.busy = False

    def kill(self) -> None:
        """End the process (safe from any thread, any number of times). SIGKILL: a worker keeps
        nothing that needs a clean exit, and it ends the process whatever it is doing, stopped too."""
        self.killed = True
        self.proc.kill()  # does nothing once the process is reaped

    def close(self) -> None:
        """Kill, reap (so no zombie is left) and close the connection."""
        self.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # e.g. stuck in the kernel; reaped when it ends
            log.warning("training worker %d did not end within 5 s of SIGKILL", self.proc.pid)
        self.conn.close()
