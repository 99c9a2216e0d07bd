"""A DTW project's commands and receive path: recording gestures, running the matcher, sending
each gesture's match message and the per-gesture distances (docs/specs/wekinator-dtw.md §1).

A mixin of `Session`. A DTW project has exactly one output, of type dtw (as in Wekinator); its
examples are series of inputs kept by that output's `DtwOutput`, which is saved as the output's
model file, so the autosave writes them within a second.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

import numpy as np

from oscnet.errors import OscnetError

if TYPE_CHECKING:
    from oscnet.dtw.matcher import Report
    from oscnet.dtw.output import DtwOutput
    from oscnet.live.editing import OutputRef
    from oscnet.live.state import LiveState
    from oscnet.osc.sender import Sender
    from oscnet.project.config import Config

log = logging.getLogger("oscnet.live.session")


class Gestures:
    """startDtwRecording / stopDtwRecording, and what running means for a DTW output."""

    _lock: threading.RLock
    running: bool
    models_version: int

    if TYPE_CHECKING:  # provided by Session
        _state: LiveState
        @property
        def config(self) -> Config: ...
        @property
        def sender(self) -> Sender: ...
        def _status(self, text: str, level: int = logging.INFO) -> None: ...

    @property
    def dtw(self) -> DtwOutput:
        """The project's DTW output, or a message saying this is not a DTW project."""
        dtw = self._state.dtw
        if dtw is None:
            raise OscnetError("this project has no dtw output: DTW recording needs a config with "
                              "`outputs: [{name: output, type: dtw, gestures: 3}]`")
        return dtw

    def start_dtw_recording(self, gesture: OutputRef) -> None:
        """Record an example of gesture `gesture` (1-based, or its name) until stopDtwRecording."""
        with self._lock:
            dtw = self.dtw
            names = dtw.gesture_names
            g = dtw.gesture_index(gesture)
            self._send_report(dtw.matcher.start_recording(g))
            self._status(f"Recording gesture {g + 1} ({names[g]})...")

    def stop_dtw_recording(self) -> None:
        with self._lock:
            dtw = self.dtw
            gesture = dtw.matcher.recording
            example = dtw.matcher.stop_recording()
            if gesture is None:
                raise OscnetError("not recording a gesture (startDtwRecording N first)")
            if example is None:
                self._status(f"Stopped recording gesture {gesture + 1}: no inputs arrived, nothing stored.")
                return
            self.models_version += 1  # the autosave writes the new example
            self._status(f"Recorded gesture {gesture + 1} ({dtw.gesture_names[gesture]}): {len(example.raw)} "
                         f"points; {len(dtw.matcher.store.examples[gesture])} examples of it.")

    def _dtw_input(self, inputs: np.ndarray) -> None:
        """The receive path of a DTW project: record, or match and send."""
        dtw = self._state.dtw
        assert dtw is not None
        with self._lock:  # held only for one push: control commands change the matcher too
            report = dtw.matcher.push(inputs)
        self._send_report(report)

    def _send_report(self, report: Report) -> None:
        """Wekinator's order: the match message (no arguments) first, then the distances."""
        distances, match = report
        dtw = self._state.dtw
        if dtw is None:
            return
        if match is not None:
            self.sender.send(dtw.addresses[match])
        if distances is not None:
            self.sender.send_floats(self.config.output_address, distances)

    def _dtw_start_running(self) -> None:
        dtw = self.dtw
        dtw.matcher.start_running()
        self.running = True
        problems = dtw.matcher.problems()
        for problem in problems:
            log.warning("DTW: %s", problem)
        self._status("Running (DTW)...")

    def _dtw_stop_running(self) -> None:
        self.running = False
        self._send_report(self.dtw.matcher.stop_running())
        self._status("Stopped running.")

    def _dtw_delete(self, gesture: int | None) -> None:
        matcher = self.dtw.matcher
        if gesture is None:
            matcher.delete_all()
        else:
            matcher.delete_gesture(gesture)
        self.models_version += 1
        which = "every gesture" if gesture is None else f"gesture {gesture + 1}"
        self._status(f"Deleted the examples of {which}.")
