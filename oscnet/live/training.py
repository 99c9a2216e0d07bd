"""Training commands of a live session: the recipe and options, train, cancel, and what comes back.

A mixin of `Session`. Training runs in the worker process (`trainer.py`); beside it, the
examples are checked for what makes a model misbehave (`feedback.py`), on a thread of their own
(`train` is called by the receive thread, and the checks sort every example; the thread stays,
waiting for the next train, since starting one makes its starter wait until it runs), and each
warning is logged and sent as `/oscnet/status/warning` so a patch can show it, before
done-training.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from oscnet.errors import OscnetError
from oscnet.live import feedback
from oscnet.live.evaluator import Evaluation
from oscnet.live.state import selected_inputs
from oscnet.live.trainer import Epoch, TrainJob, TrainResult
from oscnet.recipes import check_options

if TYPE_CHECKING:
    from oscnet.live.editing import OutputRef
    from oscnet.live.state import LiveState
    from oscnet.live.trainer import Trainer
    from oscnet.osc.sender import Sender
    from oscnet.project.config import Config
    from oscnet.project.examples import ExampleStore

log = logging.getLogger("oscnet.live.session")

DONE_TRAINING = "/wekinator/status/done-training"
EPOCH_LOG_EVERY = 1.0  # seconds between two console lines about one output's epochs


class Training:
    """set_training, train, cancel_train, and the worker's callbacks."""

    _lock: threading.RLock
    _closed: bool
    recording: bool
    training_job: int | None
    training_progress: tuple[int, int]
    config_version: int
    _training_inputs: dict[int, list[int]]
    _epoch_logged: dict[int, float]  # output → when its epochs were last logged
    epochs: dict[int, Epoch]  # output → its latest epoch in the training under way (status, web view)
    _checks: queue.SimpleQueue[tuple[list[TrainJob], threading.Event]] | None = None  # for the checks thread
    _checked: threading.Event | None = None  # set once the latest train's checks are sent

    if TYPE_CHECKING:  # provided by Session
        _state: LiveState
        @property
        def config(self) -> Config: ...
        @property
        def examples(self) -> ExampleStore: ...
        @property
        def models(self) -> list[Any]: ...
        @property
        def train_on(self) -> np.ndarray: ...
        @property
        def trainer(self) -> Trainer: ...
        @property
        def sender(self) -> Sender: ...
        def _status(self, text: str, level: int = logging.INFO) -> None: ...
        def _set_models(self, models: list[Any]) -> None: ...
        def stop_recording(self) -> None: ...
        def version(self, k: int) -> int: ...
        def output_index(self, ref: OutputRef) -> int: ...

    def set_training(self, recipe: str | None = None, options: dict[str, Any] | None = None) -> None:
        """Choose the recipe and/or its options for the next trainings (checked now)."""
        with self._lock:
            recipe = recipe or self.config.recipe
            options = dict(self.config.options if options is None else options)
            check_options(recipe, options)
            self.config.recipe, self.config.options = recipe, options
            self.config_version += 1
            log.info("training: %s %s", recipe, options)

    def train(self) -> int:
        """Train every output enabled for training that has examples, in the worker; returns the job id.

        Recording stops first. A train while training restarts it on the examples of now.
        """
        with self._lock:
            if self.recording:
                self.stop_recording()
            jobs = self._jobs(range(len(self.config.outputs)), warn=True)  # (the examples: _check_examples)
            if not jobs:
                raise OscnetError("cannot train: no output enabled for training has examples; "
                                  "record some first")
            restart = self.training_job is not None
            self._training_inputs = {job.output: selected_inputs(self.config, job.output) for job in jobs}
            self._epoch_logged = {}
            self.epochs = {}
            self.training_job = self.trainer.submit(jobs)
            self.training_progress = (0, len(jobs))
            self._status("Training..." + (" (restarted)" if restart else ""))
            self._checked = threading.Event()
            if self._checks is None:
                self._checks = queue.SimpleQueue()
                threading.Thread(target=_check_loop, args=(weakref.ref(self), self._checks), daemon=True,
                                 name="oscnet-example-checks").start()
            self._checks.put((jobs, self._checked))
            return self.training_job

    def _check_examples(self, jobs: list[TrainJob]) -> None:
        """Warn about each output's examples (see feedback.example_warnings); off the receive thread."""
        for job in jobs:
            classes = len(job.class_labels) if job.class_labels is not None else None
            target = job.target + 1 if classes is not None else job.target  # class numbers, as recorded
            for text in feedback.example_warnings(job.class_name, job.inputs, target, job.input_names, classes):
                self._warn(job.output, text)

    def _jobs(self, outputs: range | list[int], warn: bool) -> list[TrainJob]:
        """One job per output (of `outputs`, 0-based) whose training is on and that has examples:
        its selected inputs, its targets (class numbers become indexes), its recipe and options."""
        block = self.examples.block()
        jobs = []
        for k in outputs:
            spec = self.config.outputs[k]
            target = block.outputs[:, k]
            rows = ~np.isnan(target)
            if not self.train_on[k] or spec.is_dtw:
                continue
            if not rows.any():
                if warn:
                    self._warn(k, f"{spec.name} has no examples: record some (its training is skipped)")
                continue
            chosen = selected_inputs(self.config, k)
            labels = [str(c) for c in range(1, spec.classes + 1)] if spec.is_classifier else None
            names = [self.config.inputs[i] for i in chosen]
            recipe, options = spec.training(self.config.recipe, self.config.options)
            jobs.append(TrainJob(k, recipe, block.inputs[rows][:, chosen],
                                 target[rows] - 1 if spec.is_classifier else target[rows], names, spec.name,
                                 labels, options))
        return jobs

    def evaluate(self, refs: list[OutputRef] | None = None, folds: int = 10) -> None:
        """Weka's cross-validation of outputs (all by default; folds < 2: on the training data), in
        a worker process; each output's figures come back as `/oscnet/status/evaluation`."""
        with self._lock:
            outputs = [self.output_index(r) for r in refs] if refs else list(range(len(self.config.outputs)))
            jobs = self._jobs(outputs, warn=False)
            if not jobs:
                raise OscnetError("nothing to evaluate: no chosen output has examples; record some first")
            self._status(f"Evaluating {', '.join(self.config.outputs[j.output].name for j in jobs)} "
                         f"({f'{folds}-fold cross-validation' if folds >= 2 else 'on the training data'})...")
            Evaluation(jobs, folds, self._evaluated).start()

    def _evaluated(self, results: list[dict[str, Any]]) -> None:
        """Called from the evaluation's thread: log Weka's text, send each output's figures."""
        for result in results:
            k = result["output"]
            name = self.config.outputs[k].name
            if result["error"]:
                self._warn(k, f"{name}: cannot evaluate: {result['error']}")
                continue
            log.info("=== %s ===\n%s", name, result["text"].rstrip())
            figures = result["figures"]
            self.sender.send(feedback.EVALUATION, k + 1, name, *[float(v) for v in figures.values()])

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
            self.sender.send(feedback.PROGRESS, done, total)  # outputs trained of the job's

    def _epoch(self, job_id: int, epoch: Epoch) -> None:
        """A network's epochs while it trains (from the pool's thread, at most 5 a second per
        output): sent as /oscnet/status/epoch, and logged at most once a second per output."""
        outputs = self._state.config.outputs
        if job_id != self.training_job or epoch.output >= len(outputs):
            return  # a cancelled job's last words
        k, name = epoch.output, outputs[epoch.output].name
        self.epochs = {**self.epochs, k: epoch}  # swapped whole: readers never see it change under them
        self.sender.send(feedback.EPOCH, k + 1, name, epoch.epoch, epoch.epochs, epoch.error)
        now, last = time.monotonic(), self._epoch_logged.get(k)
        if last is None or now - last >= EPOCH_LOG_EVERY:
            self._epoch_logged[k] = now
            log.info("training %s: epoch %d of %d, error %.6g", name, epoch.epoch, epoch.epochs, epoch.error)

    def _warn(self, k: int, text: str) -> None:
        """A warning a person can act on: logged, and sent for a patch to show."""
        log.warning("%s", text)
        self.sender.send(feedback.WARNING, k + 1, self.config.outputs[k].name, text)

    def _trained(self, job_id: int, results: list[TrainResult]) -> None:
        """Called by the trainer's thread: swap in the new models, say so, send done-training."""
        checked = self._checked
        if checked is not None:
            checked.wait(timeout=5)  # the examples' warnings go out before done-training, as a patch expects
        with self._lock:
            if job_id != self.training_job or self._closed:
                return  # superseded or cancelled meanwhile
            models = list(self.models)
            failed = []
            for result in results:
                k = result.output
                name = self.config.outputs[k].name
                if result.model is None:
                    failed.append(f"{name}: {result.error}")
                    self.sender.send(feedback.FAILED, k + 1, name, str(result.error))
                    continue
                result.model.info.update(version=self.version(k) + 1, input_indexes=self._training_inputs[k])
                models[k] = result.model
                for text in feedback.model_warnings(name, result.model):
                    self._warn(k, text)
            self._set_models(models)
            self.training_job = None
            if failed:
                for line in failed:
                    log.error("training failed for %s", line)
                self._status(f"Training completed with errors ({len(failed)} of {len(results)} "
                             "outputs not trained).", logging.WARNING)
            else:
                self._status("Training completed.")
            if len(failed) < len(results):  # Wekinator's message means "models are ready": not when none is
                self.sender.send(DONE_TRAINING)


def _check_loop(session: weakref.ref[Training], checks: queue.SimpleQueue[tuple[list[TrainJob], threading.Event]]) -> None:
    """The checks thread: each train's example checks in turn; it ends with its session (closed or gone)."""
    while True:
        try:
            jobs, done = checks.get(timeout=1.0)
        except queue.Empty:
            owner = session()
            if owner is None or owner._closed:
                return
            del owner  # hold the session only while checking
            continue
        owner = session()
        try:
            if owner is not None:
                owner._check_examples(jobs)
        except Exception:  # a bug in a check must not stop the next ones, nor hold done-training
            log.exception("checking the examples failed")
        finally:
            done.set()
        if owner is None:
            return
        del owner
