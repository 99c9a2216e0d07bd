"""The DTW matcher: recording, running and matching of one Wekinator DTW output.

Spec: shared/specs/wekinator-dtw.md (section numbers below refer to it). `DtwMatcher` is
Wekinator's `DtwModel` without GUI and OSC: the OSC layer calls the control methods when the
`/wekinator/control/...` messages arrive and `push` for each accepted `/wek/inputs` vector,
then sends what they return. Gestures are 0-based indices here (wire number - 1).

What `push` returns, `(distances, match)`:
* `distances`: (n_gestures,) float64 to send to the output address as floats, or None when
  nothing is sent (not running, recording, or an input the run's downsampler skipped).
  +inf = "no distance" (no candidate window, no example, inactive gesture).
* `match`: the gesture index whose match message goes out now, **before** the distances, or
  None. It fires only when the current match changes to a gesture (§1.4).

Matching rules (§3): per kept input, candidate windows are suffixes of the run buffer, from
the longest allowed (the longest example, as sized at the run start) down to the shortest
(`min_gesture_length`, or the shortest example), in steps of `hop_size`; each active gesture's
distance is the smallest FastDTW(example, window, match_width) over its examples and windows
(sums of point distances, not normalised); a match needs the smallest distance to be strictly
below the threshold (continuous mode) or is simply the closest gesture (once per record).

Decisions on the spec's §7 ("what Wekinator does vs what oscnet does"):
 1. Stale downsampled sizes: kept (faithful). They shape the windows and the buffer, so a
    project behaves as it did in Wekinator, also after import (which recomputes, as loading does).
 2. Threshold default 5.0 (what Wekinator really uses), settable here (Wekinator: GUI only).
 3. Distances not normalised: kept. 4. "No distance" is +inf here (Wekinator: Double.MAX_VALUE,
    which becomes +inf on the wire anyway): the same bits are sent.
 5. Meaningless all-+inf distances: still returned for every kept input (faithful); `problems()`
    says in words when nothing can ever match (e.g. the examples are shorter than the windows).
 6. "Downsample to max length" keeping 10-19 points, decimation: kept.
 7. The run downsampler's phase is not reset at a run start: kept (which inputs are matched).
 8. Match messages fire on change only: kept within a run. **Changed**: the current match is
    reset to none at every run start, so a gesture recognised again in a new run is announced
    again (Wekinator stays silent, e.g. the same gesture in two once-per-record runs, §6.3 e4).
 9. Once per record ignores the threshold: kept (it classifies; the closest gesture wins).
10. **Changed**: stopping a once-per-record run with no kept input sends all +inf and no match,
    and the run stops (Wekinator throws inside FastDTW and stays RUNNING).
11. Protocol-level (gesture number types, supervised projects): the OSC layer's job; here any
    out-of-range gesture raises OscnetError naming the valid range, nothing crashes.
12. **Changed**: recording while running pauses the run and resumes it (a fresh run) when the
    recording stops, as Wekinator's GUI does (its OSC path stops the run for good, issue #7).
    `stop_running` during such a recording cancels the resume.
13. **Changed**: `start_running` during a recording is refused (OscnetError); Wekinator would
    make the run buffer and the example the same object and corrupt the example.
14. Deleting examples during a run: the run goes on with its start-of-run window bounds and
    buffer limit (faithful); after deleting everything it sends all +inf.
15. **Changed**: nothing here raises on the receive path except OscnetError for a vector of the
    wrong length or with NaN/infinity (dropped); control refusals raise OscnetError with the
    state unchanged.
16. **Changed**: example ids never collide (see gestures.py).
17, 18, 25, 27: Wekinator save/GUI/Java problems; not applicable (import ignores `viewer`).
19, 20: FastDTW's argument order and floating point: kept bit for bit (fastdtw.py).
21. currentData.csv is not read (model1.xml is the store), as in Wekinator.
22. `/wekinator/control/outputs` is inert: nothing here for it.
23. Input selection masks only the distance; an all-False mask makes every distance 0: kept.
24. A hop size > 1 can skip the shortest window: kept.
26. GUI-only numbers (maxDistance, slider): not computed; they change nothing that is sent.
28. The `/wek/inputs/bundle` file hack: left out.
29. No locking: a `DtwMatcher` belongs to one thread (the receive thread); others must
    hand their calls to it.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from oscnet.dtw.gestures import MAX_INT, Example, GestureStore
from oscnet.dtw.search import match_windows
from oscnet.dtw.settings import DEFAULT_THRESHOLD, Downsample, DtwSettings, MinimumLength, RunningType
from oscnet.errors import OscnetError

Report = tuple[np.ndarray | None, int | None]
"""(distances to send or None, gesture index whose match message goes first or None)."""
NOTHING: Report = (None, None)


class RunBuffer:
    """The run's kept inputs, oldest first, at most `limit` (None: unbounded); O(1) appends."""

    def __init__(self, n_inputs: int, limit: int | None) -> None:
        self.limit = limit
        capacity = 256 if limit is None else max(2 * limit, 16)
        self._data = np.empty((capacity, n_inputs))
        self._start = 0
        self._end = 0

    def append(self, vector: np.ndarray) -> None:
        if self._end == len(self._data):
            kept = self._end - self._start
            if self.limit is None or kept > len(self._data) // 2:
                grown = np.empty((2 * len(self._data), self._data.shape[1]))
                grown[:kept] = self._data[self._start:self._end]
                self._data = grown
            else:
                self._data[:kept] = self._data[self._start:self._end]
            self._start, self._end = 0, kept
        self._data[self._end] = vector
        self._end += 1
        if self.limit is not None and self._end - self._start > self.limit:
            self._start = self._end - self.limit  # drop the oldest points (§3.4)

    def view(self) -> np.ndarray:
        """(n, n_inputs), C-contiguous; valid until the next append."""
        return self._data[self._start:self._end]

    def __len__(self) -> int:
        return self._end - self._start


class DtwMatcher:
    """One DTW output: its gestures' examples, settings, threshold, recording and running."""

    def __init__(self, n_gestures: int, n_inputs: int, settings: DtwSettings | None = None,
                 threshold: float = DEFAULT_THRESHOLD) -> None:
        self.store = GestureStore(n_gestures, n_inputs)
        self.settings = settings or DtwSettings()
        self.store.apply(self.settings)
        self.threshold = float(threshold)
        self.active = np.ones(n_gestures, dtype=np.bool_)
        self.mask = np.ones(n_inputs, dtype=np.bool_)
        self.current_match = -1
        self.recording: int | None = None
        self.running = False
        self._recorded: list[np.ndarray] = []
        self._resume_after_recording = False
        self._buffer = RunBuffer(n_inputs, 0)
        self._bounds = (0, 0)  # (shortest, longest) window length, fixed at the run start
        self._packed_version = -1
        self._packed: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] = self.store.matching_series()

    @property
    def n_gestures(self) -> int:
        return self.store.n_gestures

    @property
    def n_inputs(self) -> int:
        return self.store.n_inputs

    # -- the receive path ----------------------------------------------------------------
    def push(self, vector: ArrayLike) -> Report:
        """One input vector (n_inputs,): recorded, matched, or dropped; see the module doc."""
        values = np.asarray(vector, dtype=np.float64)
        if values.shape != (self.n_inputs,):
            raise OscnetError(f"an input vector must have {self.n_inputs} values, not {values.size}")
        if not np.isfinite(values).all():  # NaN would make Python's min and Java's differ (§5.8)
            raise OscnetError("an input vector must not contain NaN or infinity")
        if self.recording is not None:
            self._recorded.append(values.copy())
            return NOTHING
        if not self.running:
            return NOTHING
        if not self.store.keep_running_point():
            return NOTHING
        self._buffer.append(values)
        if self.settings.running_type is RunningType.LABEL_ONCE_PER_RECORD:
            return NOTHING
        return self._classify(self._window_starts(), use_threshold=True)

    # -- control -------------------------------------------------------------------------
    def start_recording(self, gesture: int) -> Report:
        """Start recording an example of `gesture`; a running run pauses (and reports, once
        per record) until the recording stops."""
        self.store.check_gesture(gesture)
        if self.recording is not None:
            raise OscnetError(f"already recording gesture {self.recording + 1}: stop that recording first")
        report = NOTHING
        if self.running:
            report = self.stop_running()
            self._resume_after_recording = True
        self.recording = gesture
        self._recorded = []
        return report

    def stop_recording(self) -> Example | None:
        """Stop recording: store the example (None if no input arrived: nothing is stored) and
        resume the run that the recording paused."""
        if self.recording is None:
            return None
        gesture, points = self.recording, self._recorded
        self.recording = None
        self._recorded = []
        example = self.store.add(gesture, np.array(points)) if points else None
        if self._resume_after_recording:
            self._resume_after_recording = False
            self._start_run()
        return example

    def start_running(self) -> None:
        """Start a run (nothing if already running). Needs an example, and no recording."""
        if self.recording is not None:
            raise OscnetError(f"recording gesture {self.recording + 1}: stop the recording before running")
        if self.running:
            return
        if self.store.n_examples == 0:
            raise OscnetError("cannot run: record at least one example first")
        self._start_run()

    def stop_running(self) -> Report:
        """Stop the run; once per record, this is when the run is matched and reported."""
        if self.recording is not None:
            self._resume_after_recording = False
            return NOTHING
        if not self.running:
            return NOTHING
        self.running = False
        if self.settings.running_type is RunningType.LABEL_ONCE_PER_RECORD:
            starts = np.zeros(1 if len(self._buffer) else 0, dtype=np.int64)
            return self._classify(starts, use_threshold=False)
        return NOTHING

    def set_settings(self, settings: DtwSettings) -> Report:
        """New settings (§3.9): a run is stopped (reporting under the old settings), the
        settings are applied to the examples (§3.3), and a new run starts."""
        was_running = self.running
        report = self.stop_running() if was_running else NOTHING
        self.settings = settings
        self.store.apply(settings)
        if was_running:
            self._start_run()
        return report

    def select_inputs(self, selected: ArrayLike) -> None:
        """Which inputs the point distance uses (the examples keep all); takes effect at once."""
        mask = np.asarray(selected, dtype=np.bool_)
        if mask.shape != (self.n_inputs,):
            raise OscnetError(f"the input selection needs {self.n_inputs} entries, not {mask.size}")
        self.mask = mask.copy()

    def set_active(self, gesture: int, active: bool) -> None:
        """An inactive gesture is skipped when matching (its distance is +inf)."""
        self.store.check_gesture(gesture)
        self.active[gesture] = bool(active)

    def delete_gesture(self, gesture: int) -> None:
        """Delete every example of a gesture; a run goes on (§3.10, §7 item 14)."""
        self.store.delete_gesture(gesture)

    def delete_all(self) -> None:
        """Delete every example; a run goes on, sending +inf."""
        self.store.delete_all()

    def problems(self) -> list[str]:
        """Plain-language reasons why matching cannot work with the current examples."""
        store, found = self.store, []
        if store.n_examples == 0:
            return ["no examples: record at least one example of a gesture"]
        empty = [str(g + 1) for g in range(self.n_gestures) if not store.examples[g]]
        if empty:
            found.append(f"gesture(s) {', '.join(empty)} have no examples and can never match")
        shortest, longest = self._window_bounds(store.min_size, store.max_size, store.min_ds, store.max_ds)
        if self.settings.running_type is RunningType.LABEL_CONTINUOUSLY and shortest > longest:
            found.append(f"the shortest window ({shortest} points) is longer than the longest example "
                         f"({longest} points after downsampling): nothing can match; record longer "
                         f"gestures or lower the minimum length")
        return found

    # -- internals -----------------------------------------------------------------------
    def _window_bounds(self, min_size: int, max_size: int, min_ds: int, max_ds: int) -> tuple[int, int]:
        no_downsampling = self.settings.downsample is Downsample.NO_DOWNSAMPLING
        if self.settings.min_length_rule is MinimumLength.SET_CONSTANT:
            shortest = self.settings.min_gesture_length
        else:
            shortest = min_size if no_downsampling else min_ds
        return shortest, (max_size if no_downsampling else max_ds)

    def _start_run(self) -> None:
        """§3.4: empty buffer; continuous runs fix the window bounds and the buffer limit now."""
        store = self.store
        limit: int | None = None
        if self.settings.running_type is RunningType.LABEL_CONTINUOUSLY:
            self._bounds = self._window_bounds(store.min_size, store.max_size, store.min_ds, store.max_ds)
            limit = self._bounds[1]
            limit = None if limit >= MAX_INT else limit
        self._buffer = RunBuffer(self.n_inputs, limit)
        self.current_match = -1  # oscnet: a new run announces its first match (§7 item 8)
        self.running = True

    def _window_starts(self) -> np.ndarray:
        """§3.5: the start positions of the candidate windows in the run buffer."""
        shortest, longest = self._bounds
        n = len(self._buffer)
        if n < shortest:
            return np.zeros(0, dtype=np.int64)
        first = n - longest if n > longest else 0
        return np.arange(first, n - shortest + 1, self.settings.hop_size, dtype=np.int64)

    def _classify(self, starts: np.ndarray, use_threshold: bool) -> Report:
        """§3.6: distances per gesture over the windows buffer[s:] for s in starts; the match."""
        if self._packed_version != self.store.version:
            self._packed = self.store.matching_series()
            self._packed_version = self.store.version
        points, ex_starts, lengths, gestures = self._packed
        if len(starts) and len(lengths):
            distances = match_windows(points, ex_starts, lengths, gestures, self.active, self._buffer.view(),
                                      starts, self.settings.match_width, self.mask, self.n_gestures)
        else:
            distances = np.full(self.n_gestures, math.inf)
        best = int(np.argmin(distances))  # the first gesture reaching the minimum
        closest = distances[best]
        if closest == math.inf or (use_threshold and not closest < self.threshold):
            best = -1
        if best == self.current_match:
            return distances, None
        self.current_match = best
        return distances, (best if best >= 0 else None)
