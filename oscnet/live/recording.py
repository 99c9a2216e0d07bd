"""Recording commands of a live session: start/stop, the values to record, deleting examples.

A mixin of `Session` (the receive path that appends the examples is in session.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from oscnet.errors import OscnetError

if TYPE_CHECKING:
    from oscnet.live.editing import OutputRef
    from oscnet.live.state import LiveState
    from oscnet.project.config import Config
    from oscnet.project.examples import ExampleStore

log = logging.getLogger("oscnet.live.session")


class Recording:
    """Wekinator's recording commands; the session supplies state, `_status` and `send_values`."""

    _lock: threading.RLock
    recording: bool
    running: bool
    _rng: np.random.Generator

    if TYPE_CHECKING:  # provided by Session
        _state: LiveState
        @property
        def config(self) -> Config: ...
        @property
        def examples(self) -> ExampleStore: ...
        @property
        def values(self) -> np.ndarray: ...
        @values.setter
        def values(self, values: np.ndarray) -> None: ...
        @property
        def record_on(self) -> np.ndarray: ...
        @property
        def round(self) -> int: ...
        def _status(self, text: str, level: int = logging.INFO) -> None: ...
        def send_values(self) -> None: ...
        def stop_running(self) -> None: ...
        def output_index(self, ref: OutputRef) -> int: ...
        def _dtw_delete(self, gesture: int | None) -> None: ...
        def stop_dtw_recording(self) -> None: ...

    def start_recording(self) -> None:
        """Start a new recording round; running stops first."""
        with self._lock:
            if self.running:
                self.stop_running()
                log.warning("recording right after running: the outputs' current values are the models' "
                            "last answers, and they become the labels; set them (`outputs …`) first if "
                            "that is not what you mean")
            if not self.recording:
                self._state.round += 1
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
        """Stop recording (a gesture too) or running, whichever is on."""
        with self._lock:
            if self._state.dtw is not None and self._state.dtw.matcher.recording is not None:
                self.stop_dtw_recording()
                return
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
            log.info("outputs: %s", " ".join(f"{v:g}" for v in self.values))

    def delete_all(self) -> None:
        with self._lock:
            if self._state.dtw is not None:
                self._dtw_delete(None)
                return
            n = self.examples.delete_all()
            self._status(f"Deleted all {n} examples.")

    def delete_examples_for_output(self, ref: OutputRef) -> None:
        """Delete one output's examples (in a DTW project: one gesture's, numbered 1..N)."""
        with self._lock:
            if self._state.dtw is not None:
                self._dtw_delete(self._state.dtw.gesture_index(ref))
                return
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
