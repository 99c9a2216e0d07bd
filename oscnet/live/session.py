"""The live state machine: Wekinator's record → train → run loop and every command on it.

The OSC endpoint and the console are thin front ends over these methods. `receive_inputs` is
the receive path and stays cheap: it appends an example or runs the forward pass and sends.
Commands raise OscnetError with a message for the user when they refuse; output numbers are
1-based, as Wekinator's protocol and users count them (a name works too).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from oscnet.project.config import Config
from oscnet.errors import OscnetError
from oscnet.project.examples import ExampleStore
from oscnet.nn.model import Model
from oscnet.osc.problems import Problems
from oscnet.project.folder import Autosaver, is_project, load_project, save_project
from oscnet.live.runner import Runner
from oscnet.osc.sender import Sender
from oscnet.live.trainer import Trainer, TrainJob, TrainResult

log = logging.getLogger("oscnet.live.session")

DONE_TRAINING = "/wekinator/status/done-training"
OutputRef = int | float | str


class Session:
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
        self.status_text = "Ready."
        self.received = 0
        self.last_inputs: np.ndarray | None = None
        self._arrivals: deque[float] = deque(maxlen=50_000)
        self.listening = "not listening"  # set by the OSC endpoint
        self.config_version = self.models_version = 0
        self.project_dir = Path(project_dir) if project_dir is not None else None
        self.sender: Sender | None = None
        self._training_inputs: dict[int, list[int]] = {}
        loaded = self.project_dir is not None and is_project(self.project_dir)
        if loaded:
            project = load_project(self.project_dir)
            self._install(project.config, project.examples, project.models)
        else:
            config = (config or Config.default()).copy()
            self._install(config, ExampleStore(len(config.inputs), len(config.outputs)),
                          [None] * len(config.outputs))
        self.trainer = Trainer(self._trained, self._progress)  # starts its warm worker now
        self.autosaver: Autosaver | None = None
        if autosave:
            root = Path(self.config.recordings) if self.config.recordings else None
            self.autosaver = Autosaver(self.examples, self._snapshot, self.project_dir, root,
                                       saved=loaded).start()

    def __repr__(self) -> str:
        return (f"Session({len(self.config.inputs)} inputs, {len(self.config.outputs)} outputs, "
                f"{len(self.examples)} examples, {self.state})")

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop training, write what the autosave has not written yet, close the sender."""
        if self._closed:
            return
        self._closed = True
        self.trainer.close()
        if self.autosaver is not None:
            self.autosaver.close()
        if self.sender is not None:
            self.sender.close()

    # --- state ----------------------------------------------------------------------------

    def _install(self, config: Config, examples: ExampleStore, models: list[Model | None]) -> None:
        """Make a config, its examples and models the live ones (the session is stopped)."""
        n_out = len(config.outputs)
        self.config = config
        self.examples = examples
        self.values = np.array([spec.default_value() for spec in config.outputs])
        self.record_on = np.ones(n_out, dtype=bool)
        self.run_on = np.ones(n_out, dtype=bool)
        self.train_on = np.ones(n_out, dtype=bool)
        self.round = examples.last_round() or 0
        self._limits_changed()
        old = self.sender
        if old is None or (old.host, old.port) != (config.send_host, config.send_port):
            self.sender = Sender(config.send_host, config.send_port)
            if old is not None:
                old.close()
        self._set_models(models)
        self.config_version += 1

    def _limits_changed(self) -> None:
        """Arrays the receive path uses to clamp labels of HARD outputs."""
        specs = self.config.outputs
        self._hard = np.array([s.limits == "hard" and not s.is_classifier for s in specs])
        self._mins = np.array([s.min for s in specs])
        self._maxs = np.array([s.max for s in specs])

    def _set_models(self, models: list[Model | None]) -> None:
        """Swap in new models and their runners at once (one assignment the receive thread sees)."""
        runners = []
        for k, (model, spec) in enumerate(zip(models, self.config.outputs)):
            runners.append(None if model is None else Runner(model, spec, self._model_inputs(model, k)))
        self.models = list(models)
        self._runners = tuple(runners)
        self.models_version += 1

    def _model_inputs(self, model: Model, k: int) -> list[int]:
        """The input indexes a model was trained on (stored with it), else its output's selection."""
        chosen = model.info.get("input_indexes")
        if chosen is None:
            chosen = self._selected(k)
        if len(chosen) != model.n_inputs or max(chosen, default=0) >= len(self.config.inputs):
            raise OscnetError(f"the model of output {k + 1} takes {model.n_inputs} inputs, which do not "
                              f"fit this project's {len(self.config.inputs)}: retrain it")
        return list(chosen)

    def _selected(self, k: int) -> list[int]:
        spec = self.config.outputs[k]
        return list(range(len(self.config.inputs))) if spec.inputs is None else list(spec.inputs)

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

    def output_index(self, ref: OutputRef) -> int:
        """0-based index of an output given by number (1-based) or name."""
        names = [o.name for o in self.config.outputs]
        if isinstance(ref, str) and ref in names:
            return names.index(ref)
        number = None
        if isinstance(ref, str) and ref.strip().isdigit():
            number = int(ref)
        elif isinstance(ref, (int, float)) and not isinstance(ref, bool) and float(ref).is_integer():
            number = int(ref)
        if number is None or not 1 <= number <= len(names):
            raise OscnetError(f"there is no output {ref!r}: use 1..{len(names)} or a name "
                              f"({', '.join(names[:6])}{' …' if len(names) > 6 else ''})")
        return number - 1

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
        labels = np.where(self._hard, np.clip(values, self._mins, self._maxs), values)
        self.examples.add(self.round, time.time(), inputs, np.where(self.record_on, labels, np.nan))

    def _run(self, inputs: np.ndarray) -> None:
        values = self.values.copy()
        distributions = []
        for k, runner in enumerate(self._runners):
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
            old, self.sender = self.sender, sender
            self.config.send_host, self.config.send_port = host, port
            self.config_version += 1
            if old is not None:
                old.close()

    def send_values(self) -> None:
        """Send the current output values (Wekinator does when they change by hand)."""
        self.sender.send_floats(self.config.output_address, self.values)

    # --- recording ------------------------------------------------------------------------

    def start_recording(self) -> None:
        """Start a new recording round; running stops first."""
        with self._lock:
            if self.running:
                self.stop_running()
            if not self.recording:
                self.round += 1
                self.recording = True
            if not self.record_on.any():
                log.warning("every output's recording is off: nothing will be recorded "
                            "(enableModelRecording / `record on`)")
            self._status(f"Recording round #{self.round}...")

    def stop_recording(self) -> None:
        with self._lock:
            if not self.recording:
                raise OscnetError("not recording")
            self.recording = False
            n = self.examples.round_size(self.round)
            self._status(f"Stopped recording: round #{self.round} has {n} examples, "
                         f"{len(self.examples)} in all.")

    def stop(self) -> None:
        """Stop recording or running, whichever is on."""
        with self._lock:
            if self.recording:
                self.stop_recording()
            elif self.running:
                self.stop_running()
            else:
                raise OscnetError("neither recording nor running")

    def set_outputs(self, values: Sequence[float]) -> None:
        """Set every output's current value (the labels of the next examples) and send them."""
        with self._lock:
            n = len(self.config.outputs)
            if len(values) != n:
                raise OscnetError(f"Output values received but message is wrong length: "
                                  f"Expected {n} values, received {len(values)}")
            checked = [spec.check_value(float(v), k + 1) for k, (spec, v) in enumerate(zip(self.config.outputs, values))]
            self.values = np.array(checked)
            self.send_values()

    def randomize(self) -> None:
        """Random current values (Wekinator's randomize), sent at once."""
        with self._lock:
            self.values = np.array([spec.random_value(self._rng) for spec in self.config.outputs])
            self.send_values()
            log.info("outputs: %s", self.values_text())

    def values_text(self) -> str:
        return " ".join(f"{v:g}" for v in self.values)

    def delete_all(self) -> None:
        with self._lock:
            n = self.examples.delete_all()
            self._status(f"Deleted all {n} examples.")

    def delete_examples_for_output(self, ref: OutputRef) -> None:
        with self._lock:
            k = self.output_index(ref)
            n = self.examples.clear_output(k)
            self._status(f"Deleted {n} examples of {self.config.outputs[k].name}.")

    def delete_last(self) -> None:
        """Delete the last recording round (Wekinator's "Delete last recording (#k)")."""
        with self._lock:
            last = self.examples.last_round()
            if last is None:
                raise OscnetError("there are no examples to delete")
            n = self.examples.delete_round(last)
            self._status(f"Deleted last recording (#{last}): {n} examples.")

    def readd_last(self) -> None:
        """Put back the last deleted round (Wekinator's "Re-add last recording (#k)")."""
        with self._lock:
            round_, n = self.examples.readd()
            self._status(f"Re-added last recording (#{round_}): {n} examples.")

    def set_recording_enabled(self, refs: Sequence[OutputRef], on: bool) -> None:
        self._switch(self.record_on, refs, on, "recording")

    def set_running_enabled(self, refs: Sequence[OutputRef], on: bool) -> None:
        self._switch(self.run_on, refs, on, "running")

    def set_training_enabled(self, refs: Sequence[OutputRef], on: bool) -> None:
        self._switch(self.train_on, refs, on, "training")

    def _switch(self, flags: np.ndarray, refs: Sequence[OutputRef], on: bool, what: str) -> None:
        with self._lock:
            if not refs:
                raise OscnetError(f"name at least one output to switch {what} {'on' if on else 'off'}")
            ks = [self.output_index(r) for r in refs]
            flags[ks] = on
            log.info("%s %s for %s", what, "on" if on else "off",
                     ", ".join(self.config.outputs[k].name for k in ks))

    # --- names and input selection -------------------------------------------------------

    def set_input_names(self, names: Sequence[str]) -> None:
        with self._lock:
            self.config.inputs = self._check_names(names, len(self.config.inputs), "input")
            self.config_version += 1
            log.info("input names: %s", ", ".join(self.config.inputs))

    def set_output_names(self, names: Sequence[str]) -> None:
        with self._lock:
            names = self._check_names(names, len(self.config.outputs), "output")
            for spec, name in zip(self.config.outputs, names):
                spec.name = name
            self.config_version += 1
            log.info("output names: %s", ", ".join(names))

    @staticmethod
    def _check_names(names: Sequence[str], n: int, what: str) -> list[str]:
        names = [str(x) for x in names]
        if len(names) != n:
            raise OscnetError(f"expected {n} {what} names, received {len(names)}")
        if len(set(names)) != n or not all(names):
            raise OscnetError(f"{what} names must be {n} different, non-empty names")
        return names

    def select_inputs(self, ref: OutputRef, inputs: Sequence[OutputRef]) -> None:
        """Which inputs (1-based numbers or names) feed one output's model; applies at the next train."""
        with self._lock:
            k = self.output_index(ref)
            names = self.config.inputs
            chosen = set()
            for i in inputs:
                if isinstance(i, str) and i in names:
                    chosen.add(names.index(i))
                elif isinstance(i, (int, float)) and i == int(i) and 1 <= i <= len(names):
                    chosen.add(int(i) - 1)
                else:
                    raise OscnetError(f"there is no input {i!r}: use 1..{len(names)} or an input name")
            if not chosen:
                raise OscnetError("select at least one input")
            spec = self.config.outputs[k]
            spec.inputs = None if len(chosen) == len(names) else sorted(chosen)
            self.config_version += 1
            log.info("%s now uses inputs %s (after the next training)", spec.name,
                     ", ".join(names[i] for i in self._selected(k)))

    # --- training -------------------------------------------------------------------------

    def train(self) -> int:
        """Train every output enabled for training that has examples, in the worker; returns the job id.

        Recording stops first. A train while training restarts it on the examples of now.
        """
        with self._lock:
            if self.recording:
                self.stop_recording()
            block = self.examples.block()
            jobs = []
            for k, spec in enumerate(self.config.outputs):
                target = block.outputs[:, k]
                rows = ~np.isnan(target)
                if not self.train_on[k] or not rows.any():
                    continue
                chosen = self._selected(k)
                labels = [str(c) for c in range(1, spec.classes + 1)] if spec.is_classifier else None
                jobs.append(TrainJob(k, self.config.recipe, block.inputs[rows][:, chosen],
                                     target[rows] - 1 if spec.is_classifier else target[rows],
                                     [self.config.inputs[i] for i in chosen], spec.name, labels,
                                     dict(self.config.options)))
            if not jobs:
                raise OscnetError("cannot train: no output enabled for training has examples; "
                                  "record some first")
            restart = self.training_job is not None
            self._training_inputs = {job.output: self._selected(job.output) for job in jobs}
            self.training_job = self.trainer.submit(jobs)
            self.training_progress = (0, len(jobs))
            self._status("Training..." + (" (restarted)" if restart else ""))
            return self.training_job

    def cancel_train(self) -> None:
        with self._lock:
            if self.training_job is None:
                raise OscnetError("no training in progress")
            self.trainer.cancel()
            self.training_job = None
            self._status("Training cancelled; the previous models stay.")

    def _progress(self, job_id: int, done: int, total: int) -> None:
        if job_id == self.training_job:
            self.training_progress = (done, total)

    def _trained(self, job_id: int, results: list[TrainResult]) -> None:
        """Called by the trainer's thread: swap in the new models, say so, send done-training."""
        with self._lock:
            if job_id != self.training_job or self._closed:
                return  # superseded or cancelled meanwhile
            models = list(self.models)
            failed = []
            for result in results:
                k = result.output
                if result.model is None:
                    failed.append(f"{self.config.outputs[k].name}: {result.error}")
                    continue
                result.model.info.update(version=self.version(k) + 1, input_indexes=self._training_inputs[k])
                models[k] = result.model
            self._set_models(models)
            self.training_job = None
            if failed:
                for line in failed:
                    log.error("training failed for %s", line)
                self._status(f"Training completed with errors ({len(failed)} of {len(results)} "
                             "outputs not trained).", logging.WARNING)
            else:
                self._status("Training completed.")
            self.sender.send(DONE_TRAINING)

    # --- running --------------------------------------------------------------------------

    def start_running(self) -> None:
        """Run the trained models on each input (recording stops first); needs ≥ 1 trained model."""
        with self._lock:
            if not any(r is not None for r in self._runners):
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
            self.running = False
            self._status("Stopped running.")

    # --- models and projects on disk -----------------------------------------------------

    def dump(self, ref: OutputRef | None = None) -> str:
        """Wekinator's "Display in console": the model(s) in Weka's text format."""
        from oscnet.nn.wekatext import weka_text

        with self._lock:
            ks = [self.output_index(ref)] if ref is not None else range(len(self.models))
            parts = []
            for k in ks:
                model = self.models[k]
                if model is None:
                    if ref is not None:
                        raise OscnetError(f"{self.config.outputs[k].name} has no trained model: train first")
                    continue
                parts.append(f"=== {self.model_name(k)} ===\n{weka_text(model)}")
            if not parts:
                raise OscnetError("no output has a trained model: train first")
            return "\n".join(parts)

    def save_model(self, ref: OutputRef, path: str | Path) -> Path:
        """Save one output's model as JSON (Wekinator's saveModelToFile)."""
        with self._lock:
            k = self.output_index(ref)
            model = self.models[k]
            if model is None:
                raise OscnetError(f"{self.config.outputs[k].name} has no trained model to save: train first")
            try:
                saved = model.save(Path(path).expanduser())
            except OSError as exc:
                raise OscnetError(f"cannot save the model to {path}: {exc.strerror or exc}") from None
            log.info("saved %s to %s", self.model_name(k), saved)
            return saved

    def load_model(self, ref: OutputRef, path: str | Path, mode: str = "WITHOUTDATA") -> None:
        """Load one output's model from a JSON file (Wekinator's loadModelFromFile)."""
        with self._lock:
            k = self.output_index(ref)
            spec = self.config.outputs[k]
            if mode.upper() not in ("WITHDATA", "WITHOUTDATA"):
                raise OscnetError(f"the third argument must be WITHDATA or WITHOUTDATA, not {mode!r}")
            model = Model.load(Path(path).expanduser())
            if (model.kind == "nominal") != spec.is_classifier:
                raise OscnetError(f"{path} holds a {model.kind} model; output {k + 1} is a {spec.type}")
            if spec.is_classifier and len(model.class_labels) != spec.classes:
                raise OscnetError(f"{path} has {len(model.class_labels)} classes; {spec.name} has {spec.classes}")
            models = list(self.models)
            models[k] = model
            self._set_models(models)
            note = " (oscnet model files hold no examples)" if mode.upper() == "WITHDATA" else ""
            log.info("loaded %s from %s%s", self.model_name(k), path, note)

    def save(self, directory: str | Path | None = None) -> Path:
        """Save the project (config, examples, models) to a folder, by default the session's own."""
        with self._lock:
            if directory is None:
                directory = self.project_dir or (self.autosaver.directory if self.autosaver else None)
            if directory is None:
                raise OscnetError("say where to save: `save DIR`")
            path = save_project(Path(directory).expanduser(), self.config, self.examples, self.models)
            log.info("saved the project to %s (%d examples)", path, len(self.examples))
            return path

    def load(self, directory: str | Path) -> None:
        """Replace this session's project with a saved one; recording and running stop."""
        with self._lock:
            directory = Path(directory).expanduser()
            project = load_project(directory)
            self.recording = self.running = False
            if self.training_job is not None:
                self.trainer.cancel()
                self.training_job = None
            old_port = self.config.receive_port
            if self.autosaver is not None:
                self.autosaver.close()
            self._install(project.config, project.examples, project.models)
            self.project_dir = directory
            if self.autosaver is not None:
                self.autosaver = Autosaver(self.examples, self._snapshot, directory, saved=True).start()
            if project.config.receive_port not in (old_port, 0):
                log.warning("the project listens on port %d; oscnet keeps listening where it is (%s): "
                            "start `oscnet serve --project %s` to change the port",
                            project.config.receive_port, self.listening, directory)
            self._status(f"Loaded {directory}: {len(self.config.inputs)} inputs, "
                         f"{len(self.config.outputs)} outputs, {len(self.examples)} examples, "
                         f"{sum(m is not None for m in self.models)} trained models.")

    def run_new_project(self, directory: str | Path, mode: str = "CLOSECURRENT") -> None:
        """Load a project folder and start running it (Wekinator's runNewProject)."""
        if mode.upper() not in ("CLOSECURRENT", "STOPCURRENTLISTENING", "KEEPCURRENTRUNNING"):
            raise OscnetError(f"the second argument must be CLOSECURRENT, STOPCURRENTLISTENING or "
                              f"KEEPCURRENTRUNNING, not {mode!r}")
        with self._lock:
            self.load(directory)
            if any(m is not None for m in self.models):
                self.start_running()
            else:
                log.warning("%s has no trained model: record and train before running", directory)

    # --- reports --------------------------------------------------------------------------

    def folder(self) -> Path:
        """The project's folder: where OSC may save and load files (the current directory if none)."""
        if self.project_dir is not None:
            return self.project_dir
        if self.autosaver is not None and self.autosaver.directory is not None:
            return self.autosaver.directory
        return Path.cwd()

    def input_rate(self) -> float:
        """Input messages received in the last second."""
        now = time.monotonic()
        arrivals = list(self._arrivals)
        return float(sum(1 for t in arrivals if now - t <= 1.0))

    def inputs_text(self) -> str:
        """The last input vector and the message rate."""
        last = "none yet" if self.last_inputs is None else " ".join(f"{v:g}" for v in self.last_inputs)
        return (f"last inputs: {last}\nreceived {self.received} input messages, "
                f"{self.input_rate():.0f}/s in the last second")

    def status(self) -> str:
        """Everything a performer checks: state, addresses, outputs, examples, bad input counts."""
        with self._lock:
            c = self.config
            training = ""
            if self.training_job is not None:
                done, total = self.training_progress
                training = f" (training {done}/{total} outputs)"
            lines = [
                f"status: {self.status_text}{training}",
                f"state: {self.state}; {self.listening}, inputs at {c.input_address}; "
                f"sending {c.output_address} to {c.send_host}:{c.send_port}",
                f"inputs: {len(c.inputs)} ({', '.join(c.inputs[:8])}{' …' if len(c.inputs) > 8 else ''}); "
                f"received {self.received}, {self.input_rate():.0f}/s",
                f"examples: {len(self.examples)} in {len(self.examples.rounds())} rounds",
                "outputs:",
            ]
            for k, spec in enumerate(c.outputs):
                model = self.model_name(k) if self.models[k] is not None else f"{spec.name} (untrained)"
                switches = " ".join(f"{what} {'on' if flags[k] else 'off'}" for what, flags in
                                    (("record", self.record_on), ("run", self.run_on), ("train", self.train_on)))
                lines.append(f"  {k + 1}. {model}: {spec.describe()}, value {self.values[k]:g}, "
                             f"{self.examples.count_for_output(k)} examples; {switches}")
            lines.append(f"bad input: {self.problems.summary()}")
            if self.autosaver is not None and self.autosaver.directory is not None:
                lines.append(f"saving to: {self.autosaver.directory}")
            return "\n".join(lines)

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
