"""The live state of one project, built whole and swapped in by one assignment.

A `LiveState` holds what the receive path reads together: the config, the examples, the
models and their runners, the output values and the per-output switches. Commands that replace
a project (load, runNewProject) build a complete new state first — every check that can refuse
runs before anything is touched — so a refused command changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from oscnet.dtw.output import DtwOutput
from oscnet.dtw.settings import DtwSettings
from oscnet.errors import OscnetError
from oscnet.live.runner import LearnerRunner, Runner
from oscnet.nn.model import Model
from oscnet.project.config import Config
from oscnet.project.examples import ExampleStore
from oscnet.recipes import n_inputs


@dataclass
class LiveState:
    """Config, examples, models (with runners), current values and switches of one live project."""

    config: Config
    examples: ExampleStore
    models: list[Any]  # per output: a network Model, another learner's model, a DtwOutput, or None
    runners: tuple[Runner | LearnerRunner | None, ...]
    values: np.ndarray  # (n_outputs,): the labels of the next examples, or the models' outputs
    record_on: np.ndarray  # (n_outputs,) bool
    run_on: np.ndarray
    train_on: np.ndarray
    round: int
    hard: np.ndarray  # (n_outputs,) bool: clamp recorded labels to [min, max]
    mins: np.ndarray
    maxs: np.ndarray
    dtw: DtwOutput | None = None  # a DTW project's one output (its examples and matcher)

    @classmethod
    def build(cls, config: Config, examples: ExampleStore, models: Sequence[Any]) -> LiveState:
        """A fresh state (switches on, default values); refuses models that do not fit the config."""
        n_out = len(config.outputs)
        if len(models) != n_out:
            raise OscnetError(f"{len(models)} models for {n_out} outputs")
        specs = config.outputs
        dtw = None
        if specs[0].is_dtw:
            dtw = models[0] if isinstance(models[0], DtwOutput) else new_dtw(config)
            if dtw.matcher.n_gestures != len(specs[0].gestures) or len(dtw.input_names) != len(config.inputs):
                raise OscnetError(f"the DTW examples have {dtw.matcher.n_gestures} gestures of "
                                  f"{len(dtw.input_names)} inputs; the config says {len(specs[0].gestures)} "
                                  f"and {len(config.inputs)}: record them again in a new project")
            dtw.gesture_names = list(specs[0].gestures)
            models = [dtw]
        return cls(
            config=config,
            examples=examples,
            models=list(models),
            runners=make_runners(config, models),
            values=np.array([spec.default_value() for spec in specs]),
            record_on=np.ones(n_out, dtype=bool),
            run_on=np.ones(n_out, dtype=bool),
            train_on=np.ones(n_out, dtype=bool),
            round=examples.last_round() or 0,
            hard=np.array([s.limits == "hard" and not s.is_classifier for s in specs]),
            mins=np.array([s.min for s in specs]),
            maxs=np.array([s.max for s in specs]),
            dtw=dtw,
        )

    def with_models(self, models: Sequence[Model | None]) -> LiveState:
        """The same state with other models (their runners built first, so a misfit refuses)."""
        return replace(self, models=list(models), runners=make_runners(self.config, models))

    def limits_changed(self) -> LiveState:
        """The same state with the clamping arrays rebuilt from the config."""
        specs = self.config.outputs
        return replace(self, hard=np.array([s.limits == "hard" and not s.is_classifier for s in specs]),
                       mins=np.array([s.min for s in specs]), maxs=np.array([s.max for s in specs]))


def new_dtw(config: Config) -> DtwOutput:
    """A DTW output with no examples yet, from its config entry."""
    spec = config.outputs[0]
    dtw = DtwOutput.new(spec.name, spec.gestures, config.inputs, DtwSettings.from_dict(spec.dtw), spec.threshold)
    if spec.inputs is not None:
        dtw.matcher.select_inputs(np.isin(np.arange(len(config.inputs)), spec.inputs))
    return dtw


def selected_inputs(config: Config, k: int) -> list[int]:
    """The input indexes output k's model uses (all inputs unless the output selects some)."""
    spec = config.outputs[k]
    return list(range(len(config.inputs))) if spec.inputs is None else list(spec.inputs)


def model_inputs(config: Config, model: Model, k: int) -> list[int]:
    """The input indexes a model was trained on (stored with it), else its output's selection."""
    chosen = model.info.get("input_indexes")
    if chosen is None:
        chosen = selected_inputs(config, k)
    if len(chosen) != n_inputs(model) or max(chosen, default=0) >= len(config.inputs):
        raise OscnetError(f"the model of output {k + 1} takes {n_inputs(model)} inputs, which do not "
                          f"fit this project's {len(config.inputs)}: retrain it")
    return list(chosen)


def make_runners(config: Config, models: Sequence[Any]) -> tuple[Runner | LearnerRunner | None, ...]:
    """The receive path's runner per output: a network's folded forward pass, or a learner's predict."""
    return tuple(None if model is None or isinstance(model, DtwOutput) else
                 (Runner if isinstance(model, Model) else LearnerRunner)(model, spec, model_inputs(config, model, k))
                 for k, (model, spec) in enumerate(zip(models, config.outputs)))
