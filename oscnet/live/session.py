"""The live state machine: Wekinator's record → train → run loop and every command on it.

The OSC endpoint, the console (and any other front end) are thin layers over these methods.
`receive_inputs` is the receive path and stays cheap: it appends an example or runs the forward
pass and sends. The project's state (`LiveState`) is replaced whole by one assignment; commands
that replace it build the new one completely before the swap, so a refused command changes
nothing. Commands raise OscnetError with a message for the user when they refuse; output
numbers are 1-based, as Wekinator's protocol and users count them (a name works too).

A `Session` starts no process and opens no socket by itself: `start()` (called by the front
ends) warms the training worker and opens the output socket; otherwise they start on first use.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from oscnet.errors import OscnetError
from oscnet.live.editing import Editing, OutputRef
from oscnet.live.files import ProjectFiles
from oscnet.live.gestures import Gestures
from oscnet.live.jobs import Epoch
from oscnet.live.recording import Recording
from oscnet.live.state import LiveState
from oscnet.live.trainer import Trainer
from oscnet.live.training import DONE_TRAINING, Training
from oscnet.nn.model import Model
from oscnet.osc.problems import Problems
from oscnet.osc.sender import Sender
from oscnet.project.config import Config
from oscnet.project.examples import ExampleStore
from oscnet.project.folder import Autosaver, is_project, load_project

log = logging.getLogger("oscnet.live.session")


__all__ = ["DONE_TRAINING", "OutputRef", "Session"]


class Session(Editing, Recording, Training, ProjectFiles, Gestures):
    """Output values, recording/running/training state, examples and models of one live project."""

    def __init__(self, config: Config | None = None, *, project_dir: str | Path | None = None,
                 autosave: bool = True, seed: int | None = None) -> None:
        """A session on `config` (Wekinator's defaults if None); with `project_dir` holding a saved
        project, that project is loaded; otherwise `project_dir` is where this one is kept."""
        self.problems = Problems(log)
        self._lock = threading.RLock()
        self._rng = np.random.default_rng(seed)
        self._closed = False
        self.recording = self.running = False
        self.training_job: int | None = None
        self.training_progress = (0, 0)
        self.epochs: dict[int, Epoch] = {}
        self.status_text = "Ready."
        self.received = 0
        self.last_inputs: np.ndarray | None = None
        self._arrivals: deque[float] = deque(maxlen=50_000)
        self.listening = "not listening"  # set by the OSC endpoint
        self.evaluation: tuple[int, list[dict[str, Any]]] = (0, [])  # the last evaluation's results, numbered
        self.config_version = self.models_version = 0
        self.project_dir = Path(project_dir) if project_dir is not None else None
        self._sender: Sender | None = None
        self._trainer: Trainer | None = None
        self._training_inputs: dict[int, list[int]] = {}
        loaded = self.project_dir is not None and is_project(self.project_dir)
        if loaded:
            assert self.project_dir is not None
            project = load_project(self.project_dir)
            self._state = LiveState.build(project.config, project.examples, project.models)
        else:
            config = (config or Config.default()).copy()
            self._state = LiveState.build(config, ExampleStore(len(config.inputs), len(config.outputs)),
                                          [None] * len(config.outputs))
        self.autosaver: Autosaver | None = None
        if autosave:
            root = Path(self.config.recordings) if self.config.recordings else None
            self.autosaver = Autosaver(self.examples, self._snapshot, self.project_dir, root,
                                       saved=loaded).start()

    def __repr__(self) -> str:
        return (f"Session({len(self.config.inputs)} inputs, {len(self.config.outputs)} outputs, "
                f"{len(self.examples)} examples, {self.state})")

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> Session:
        """Open the output socket and warm up the training worker (front ends call this at start)."""
        _ = self.sender, self.trainer
        return self

    def close(self) -> None:
        """Stop training, write what the autosave has not written yet, close the sender."""
        if self._closed:
            return
        self._closed = True
        if self._trainer is not None:
            self._trainer.close()
        if self.autosaver is not None:
            self.autosaver.close()
        if self._sender is not None:
            self._sender.close()

    # --- state ----------------------------------------------------------------------------

    @property
    def lock(self) -> threading.RLock:
        """Held by every command; front ends hold it to read a consistent picture."""
        return self._lock

    @property
    def live_state(self) -> LiveState:
        """The whole live state as one object (read once, it stays consistent; never mutate it)."""
        return self._state

    @property
    def config(self) -> Config:
        return self._state.config

    @property
    def examples(self) -> ExampleStore:
        return self._state.examples

    @property
    def models(self) -> list[Model | None]:
        return self._state.models

    @property
    def values(self) -> np.ndarray:
        return self._state.values

    @values.setter
    def values(self, values: np.ndarray) -> None:
        self._state.values = values

    @property
    def record_on(self) -> np.ndarray:
        return self._state.record_on

    @property
    def run_on(self) -> np.ndarray:
        return self._state.run_on

    @property
    def train_on(self) -> np.ndarray:
        return self._state.train_on

    @property
    def round(self) -> int:
        return self._state.round

    @property
    def sender(self) -> Sender:
        """The output socket, opened on first use."""
        if self._sender is None:
            self._sender = Sender(self.config.send_host, self.config.send_port)
        return self._sender

    @property
    def trainer(self) -> Trainer:
        """The training worker, started (and warmed up) on first use."""
        if self._trainer is None:
            self._trainer = Trainer(self._trained, self._progress, on_epoch=self._epoch)
        return self._trainer

    def _set_models(self, models: Sequence[Model | None]) -> None:
        """Swap in new models and their runners at once (one assignment the receive thread sees)."""
        self._state = self._state.with_models(models)
        self.models_version += 1

    def _swap(self, state: LiveState) -> None:
        """Make a complete new state the live one; the output socket follows its send address."""
        old = self._sender
        if old is not None and (old.host, old.port) != (state.config.send_host, state.config.send_port):
            self._sender = Sender(state.config.send_host, state.config.send_port)
            old.close()
        self._state = state
        self.config_version += 1
        self.models_version += 1

    def _snapshot(self) -> tuple[Config, int, list[Model | None], int]:
        with self._lock:
            return self.config.copy(), self.config_version, list(self.models), self.models_version

    @property
    def state(self) -> str:
        """`recording`, `running` or `idle`, plus `training`."""
        main = "recording" if self.recording else "running" if self.running else "idle"
        return main + (", training" if self.training_job is not None else "")

    def version(self, k: int) -> int:
        model = self.models[k]
        return int(model.info.get("version", 1)) if model is not None else 0

    def model_name(self, k: int) -> str:
        """Wekinator's name for output k's model: `outputs-1 (v2)`."""
        return f"{self.config.outputs[k].name} (v{self.version(k)})"

    def _status(self, text: str, level: int = logging.INFO) -> None:
        self.status_text = text
        log.log(level, "%s", text)

    # --- the receive path -----------------------------------------------------------------

    def receive_inputs(self, inputs: np.ndarray) -> None:
        """One input vector (n_inputs,): record an example and/or compute and send the outputs."""
        n = len(self.config.inputs)
        if len(inputs) != n:
            raise OscnetError(f"Mismatch in input length: Expected {n}, received {len(inputs)}")
        self.last_inputs = inputs
        self._arrivals.append(time.monotonic())
        if self._state.dtw is not None:
            self._dtw_input(inputs)
        else:
            if self.recording:
                self._record(inputs)
            if self.running:
                self._run(inputs)
        self.received += 1  # counted once handled: a waiter then sees its example or outputs

    def _record(self, inputs: np.ndarray) -> None:
        if not self.record_on.any():
            return
        if len(self.examples) >= self.config.max_examples:
            self.problems.report("example limit", f"not recorded: {len(self.examples)} examples reached "
                                 f"limits.max_examples ({self.config.max_examples}); delete some or raise the limit")
            return
        values = self.values
        labels = np.where(self._state.hard, np.clip(values, self._state.mins, self._state.maxs), values)
        self.examples.add(self.round, time.time(), inputs, np.where(self.record_on, labels, np.nan))

    def _run(self, inputs: np.ndarray) -> None:
        values = self.values.copy()
        distributions = []
        for k, runner in enumerate(self._state.runners):
            if runner is not None and self.run_on[k]:
                values[k], distribution = runner(inputs)
                if distribution is not None and runner.spec.distribution:
                    distributions.append((runner.spec.name, distribution))
        self.values = values  # the current values follow the models, as Wekinator's sliders do
        self.sender.send_floats(self.config.output_address, values)
        for name, distribution in distributions:
            self.sender.send_floats("/" + name, [0.0, *distribution])

    def send_to(self, host: str, port: int) -> None:
        """Send outputs to another host and port from now on."""
        with self._lock:
            sender = Sender(host, port)
            old, self._sender = self._sender, sender
            self.config.send_host, self.config.send_port = host, port
            self.config_version += 1
            if old is not None:
                old.close()

    def send_values(self) -> None:
        """Send the current output values (Wekinator does when they change by hand)."""
        self.sender.send_floats(self.config.output_address, self.values)

    # --- running --------------------------------------------------------------------------

    def start_running(self) -> None:
        """Run the trained models on each input (recording stops first); needs ≥ 1 trained model."""
        with self._lock:
            if self._state.dtw is not None:
                self._dtw_start_running()
                return
            if not any(r is not None for r in self._state.runners):
                wait = " (wait for the training to finish)" if self.training_job is not None else ""
                raise OscnetError(f"cannot run: no output has a trained model yet{wait}; record and train first")
            if self.recording:
                self.stop_recording()
            self.running = True
            self._status("Running...")

    def stop_running(self) -> None:
        with self._lock:
            if not self.running:
                raise OscnetError("not running")
            if self._state.dtw is not None:
                self._dtw_stop_running()
                return
            self.running = False
            self._status("Stopped running.")

    # --- reports --------------------------------------------------------------------------

    def _evaluated(self, results: list[dict[str, Any]]) -> None:
        """Keep an evaluation's results for front ends that show them (the web view), then send them."""
        self.evaluation = (self.evaluation[0] + 1, results)  # one assignment: a reader sees one evaluation
        super()._evaluated(results)
        if self.status_text.startswith("Evaluating"):  # not logged: the figures were, just now
            self.status_text = f"Evaluated {', '.join(self.config.outputs[r['output']].name for r in results)}."

    def input_rate(self) -> float:
        """Input messages received in the last second."""
        now = time.monotonic()
        arrivals = list(self._arrivals)
        return float(sum(1 for t in arrivals if now - t <= 1.0))

    def wait_inputs(self, n: int, timeout: float = 60.0) -> None:
        """Block until `n` more input messages have arrived."""
        goal = self.received + n
        if not self._wait(lambda: self.received >= goal, timeout):
            raise OscnetError(f"waited {timeout:g} s for {n} inputs; only {n - (goal - self.received)} came")

    def wait_training(self, timeout: float = 120.0) -> None:
        """Block until no training is in progress."""
        if not self._wait(lambda: self.training_job is None, timeout):
            raise OscnetError(f"the training did not finish within {timeout:g} s")

    @staticmethod
    def _wait(done: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)  # the console's thread; the receive path is not involved
        return True
