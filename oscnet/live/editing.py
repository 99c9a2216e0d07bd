"""Commands that edit a live project in place: per-output switches, names, input selection.

A mixin of `Session` (kept apart so the session module stays about state and the loop).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from oscnet.errors import OscnetError
from oscnet.live.state import selected_inputs

if TYPE_CHECKING:
    from oscnet.project.config import Config

log = logging.getLogger("oscnet.live.session")

OutputRef = int | float | str


class Editing:
    """Switches, names and input selection; needs `config`, `output_index` and a lock."""

    _lock: threading.RLock
    config_version: int

    if TYPE_CHECKING:  # provided by Session
        @property
        def config(self) -> Config: ...
        @property
        def record_on(self) -> np.ndarray: ...
        @property
        def run_on(self) -> np.ndarray: ...
        @property
        def train_on(self) -> np.ndarray: ...

    def output_index(self, ref: OutputRef) -> int:
        """0-based index of an output given by number (1-based) or name."""
        names = [o.name for o in self.config.outputs]
        if isinstance(ref, str) and ref in names:
            return names.index(ref)
        number = None
        whole_text = isinstance(ref, str) and ref.strip().isdigit()
        whole_number = isinstance(ref, (int, float)) and not isinstance(ref, bool) and float(ref).is_integer()
        if whole_text or whole_number:
            number = int(ref)
        if number is None or not 1 <= number <= len(names):
            raise OscnetError(f"there is no output {ref!r}: use 1..{len(names)} or a name "
                              f"({', '.join(names[:6])}{' …' if len(names) > 6 else ''})")
        return number - 1

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
        odd = next((name for name in names if any(ord(ch) < 32 or ord(ch) == 127 for ch in name)), None)
        if odd is not None:
            raise OscnetError(f"{what} name {odd!r} has a control character (a newline?): use plain text")
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
                     ", ".join(names[i] for i in selected_inputs(self.config, k)))
