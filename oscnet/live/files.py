"""A live session's files: one output's model (saveModelToFile / loadModelFromFile) and whole projects.

A mixin of `Session`. Loading builds the complete new state before it swaps (see `LiveState`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from oscnet.errors import OscnetError
from oscnet.live.state import LiveState
from oscnet.nn.model import Model
from oscnet.project.folder import Autosaver, load_project, save_project
from oscnet.recipes import load_model as read_model
from oscnet.recipes import save_model as write_model

if TYPE_CHECKING:
    from oscnet.live.editing import OutputRef
    from oscnet.live.trainer import Trainer
    from oscnet.project.config import Config
    from oscnet.project.examples import ExampleStore

log = logging.getLogger("oscnet.live.session")


class ProjectFiles:
    """Saving and loading; the session supplies state, the swap and the autosaver."""

    _lock: threading.RLock
    recording: bool
    running: bool
    project_dir: Path | None
    autosaver: Autosaver | None
    training_job: int | None
    listening: str
    _snapshot: Callable[[], Any]

    if TYPE_CHECKING:  # provided by Session
        @property
        def config(self) -> Config: ...
        @property
        def examples(self) -> ExampleStore: ...
        @property
        def values(self) -> np.ndarray: ...
        @values.setter
        def values(self, values: np.ndarray) -> None: ...
        @property
        def models(self) -> list[Model | None]: ...
        @property
        def trainer(self) -> Trainer: ...
        def _status(self, text: str, level: int = logging.INFO) -> None: ...
        def _swap(self, state: LiveState) -> None: ...
        def _set_models(self, models: Sequence[Model | None]) -> None: ...
        def start_running(self) -> None: ...
        def model_name(self, k: int) -> str: ...
        def output_index(self, ref: OutputRef) -> int: ...

    def save_model(self, ref: OutputRef, path: str | Path) -> Path:
        """Save one output's model as JSON (Wekinator's saveModelToFile)."""
        with self._lock:
            k = self.output_index(ref)
            model = self.models[k]
            if model is None:
                raise OscnetError(f"{self.config.outputs[k].name} has no trained model to save: train first")
            try:
                saved = write_model(model, Path(path).expanduser())
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
            model = read_model(Path(path).expanduser())
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
            log.info("saved the project to %s (%d examples)", path.resolve(), len(self.examples))
            if self.autosaver is not None and self.autosaver.directory != path:
                # "save as": the session now lives there, so later examples go there too
                self.autosaver.close()
                self.autosaver = Autosaver(self.examples, self._snapshot, path, saved=True).start()
                self.project_dir = path
                log.info("autosave now goes to %s", path.resolve())
            return path

    def load(self, directory: str | Path, keep_policy: bool = False) -> None:
        """Replace this session's project with a saved one; recording and running stop.

        The new project is read and checked completely first: if anything refuses, the session
        keeps its config, examples, models and autosave exactly as they were. keep_policy (a load
        asked for over the network): the running session's allow_from, control switch, limits
        and output target stay, whatever the loaded project's config says.
        """
        with self._lock:
            directory = Path(directory).expanduser()
            project = load_project(directory)
            if keep_policy:
                c, mine = project.config, self.config
                c.allow_from, c.control, c.send_host, c.send_port = mine.allow_from, mine.control, mine.send_host, mine.send_port
                c.max_examples, c.max_inputs, c.max_datagram = mine.max_examples, mine.max_inputs, mine.max_datagram
            state = LiveState.build(project.config, project.examples, project.models)
            self.recording = self.running = False
            if self.training_job is not None:
                self.trainer.cancel()
                self.training_job = None
            old_port = self.config.receive_port
            autosaving = self.autosaver is not None
            if self.autosaver is not None:
                self.autosaver.close()
            self._swap(state)
            self.project_dir = directory
            if autosaving:
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
            self.load(directory, keep_policy=True)  # a project sent over OSC cannot loosen the policy
            if any(m is not None for m in self.models):
                self.start_running()
            else:
                log.warning("%s has no trained model: record and train before running", directory)

    def folder(self) -> Path | None:
        """The project's folder, where OSC may save and load files; None until there is one."""
        if self.project_dir is not None:
            return self.project_dir
        if self.autosaver is not None and self.autosaver.directory is not None:
            return self.autosaver.directory
        return None
