"""The gesture store: every gesture's recorded examples and Wekinator's size bookkeeping.

This is Wekinator's `DtwData` (spec wekinator-dtw.md §2, §3.3, §3.4, §3.10), kept rule for
rule because the matcher's candidate windows and run buffer depend on it:

* An example is the raw series as recorded (every input, no time stamps) plus a decimated copy
  (points 0, f, 2f, ... of the raw series; under NO_DOWNSAMPLING the raw series itself).
* Four sizes are kept: min/max raw length and min/max downsampled length. They are updated
  incrementally, and the downsampled two can be stale (§3.3, §7 item 1): when a longer example
  changes the factor of DOWNSAMPLE_TO_MAX_LENGTH, every example is re-decimated but the min/max
  only take the new example's length into account. Applying settings (and loading a project)
  recomputes them, NO_DOWNSAMPLING excepted; deleting recomputes a size only when the deleted
  example had exactly that size (§3.10).
* The running downsampler keeps every f-th input; its phase (`counter`) is reset only when a
  downsampling policy is applied, not at the start of a run (§3.4, §7 item 7).

oscnet decisions (module docstring of matcher.py lists them all): example ids are our own
counter, continued after the largest loaded id, and deleting a gesture's examples walks that
gesture's list, never an id map (§7 item 16: Wekinator's ids collide after loading and can
delete the wrong examples).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oscnet.dtw.settings import Downsample, DtwSettings
from oscnet.errors import OscnetError

MAX_INT = 2**31 - 1
"""Java's Integer.MAX_VALUE: the 'no example' value of the minimum sizes."""


@dataclass(eq=False)  # compared by identity: two recordings with equal values are two examples
class Example:
    """One recorded example: raw (n, inputs) as recorded, downsampled (⌈n/f⌉, inputs)."""

    id: int
    gesture: int
    raw: np.ndarray
    downsampled: np.ndarray


def _decimate(raw: np.ndarray, factor: int) -> np.ndarray:
    """Points 0, f, 2f, ... of raw (Wekinator's downSample: decimation, not averaging)."""
    out = np.ascontiguousarray(raw[::factor])
    out.flags.writeable = False
    return out


class GestureStore:
    """The examples of n_gestures gestures over n_inputs inputs, with Wekinator's bookkeeping.

    A fresh store behaves as Wekinator's `DtwData` before any settings are applied (policy
    NO_DOWNSAMPLING, factor 1); `apply(settings)` is what the DTW model does at creation.
    `version` changes whenever anything the matcher reads changes.
    """

    def __init__(self, n_gestures: int, n_inputs: int) -> None:
        if n_gestures < 1 or n_inputs < 1:
            raise OscnetError(f"a DTW output needs at least 1 gesture and 1 input, "
                              f"not {n_gestures} and {n_inputs}")
        self.n_gestures = n_gestures
        self.n_inputs = n_inputs
        self.examples: list[list[Example]] = [[] for _ in range(n_gestures)]
        self.min_size = MAX_INT
        self.max_size = 0
        self.min_ds = MAX_INT
        self.max_ds = 0
        self.policy = Downsample.NO_DOWNSAMPLING
        self.factor = 1
        self.target_length = 10
        self.counter = 0
        self.next_id = 1
        self.version = 0

    # -- reading -------------------------------------------------------------------------
    @property
    def n_examples(self) -> int:
        return sum(len(examples) for examples in self.examples)

    def all_examples(self) -> list[Example]:
        """Every example, gesture by gesture, each gesture's in recording order."""
        return [example for examples in self.examples for example in examples]

    def check_gesture(self, gesture: int) -> None:
        if not 0 <= gesture < self.n_gestures:
            raise OscnetError(f"there is no gesture {gesture + 1}: this DTW output has gestures "
                              f"1 to {self.n_gestures}")

    # -- changing ------------------------------------------------------------------------
    def add(self, gesture: int, raw: np.ndarray) -> Example:
        """Store a recording of `gesture` (raw: (n ≥ 1, n_inputs)) as a new example (§3.3)."""
        self.check_gesture(gesture)
        raw = np.array(raw, dtype=np.float64, order="C")
        if raw.ndim != 2 or raw.shape[0] == 0 or raw.shape[1] != self.n_inputs:
            raise OscnetError(f"an example must be (points ≥ 1, {self.n_inputs} inputs), "
                              f"not shape {raw.shape}")
        raw.flags.writeable = False
        downsampled = raw if self.policy is Downsample.NO_DOWNSAMPLING else _decimate(raw, self.factor)
        example = Example(self.next_id, gesture, raw, downsampled)
        self.next_id += 1
        self.examples[gesture].append(example)
        n = len(raw)
        if n < self.min_size:
            self.min_size = n
        if n > self.max_size:
            self.max_size = n
            if self.policy is Downsample.DOWNSAMPLE_TO_MAX_LENGTH:
                self._set_factor_for_max_length()
        # Only the new example's downsampled length is looked at, although re-decimating
        # everything above may have shrunk the others (Wekinator's stale sizes, §7 item 1).
        d = len(example.downsampled)
        if d < self.min_ds:
            self.min_ds = d
        if d > self.max_ds:
            self.max_ds = d
        self.version += 1
        return example

    def delete(self, example: Example) -> None:
        """Delete one example, updating the sizes as Wekinator does (§3.10)."""
        self.examples[example.gesture].remove(example)
        n, d = len(example.raw), len(example.downsampled)
        rest = self.all_examples()
        if n == self.min_size:
            self.min_size = min((len(e.raw) for e in rest), default=MAX_INT)
        if n == self.max_size:
            self.max_size = max((len(e.raw) for e in rest), default=0)
            if self.policy is Downsample.DOWNSAMPLE_TO_MAX_LENGTH:
                self._set_factor_for_max_length()
        if d == self.min_ds:
            self.min_ds = min((len(e.downsampled) for e in rest), default=MAX_INT)
        if d == self.max_ds:
            self.max_ds = max((len(e.downsampled) for e in rest), default=0)
        self.version += 1

    def delete_gesture(self, gesture: int) -> None:
        """Delete every example of a gesture, oldest first, one by one (§3.10)."""
        self.check_gesture(gesture)
        for example in list(self.examples[gesture]):
            self.delete(example)

    def delete_all(self) -> None:
        """Delete every example; the factor and the running downsampler's phase stay."""
        self.examples = [[] for _ in range(self.n_gestures)]
        self.min_size = self.min_ds = MAX_INT
        self.max_size = self.max_ds = 0
        self.version += 1

    def apply(self, settings: DtwSettings) -> None:
        """Apply the downsampling settings (§3.3): NO_DOWNSAMPLING only switches the policy;
        the two others set the factor, reset the running phase, re-decimate every example and
        recompute the downsampled min/max from all examples."""
        self.policy = settings.downsample
        if settings.downsample is Downsample.NO_DOWNSAMPLING:
            self.version += 1
            return
        self.counter = 0
        if settings.downsample is Downsample.DOWNSAMPLE_BY_CONSTANT_FACTOR:
            self.factor = settings.downsample_factor
            self._redecimate()
        else:
            self.target_length = settings.downsample_max_length
            self._set_factor_for_max_length()
        rest = self.all_examples()
        self.max_ds = max((len(e.downsampled) for e in rest), default=0)
        self.min_ds = min((len(e.downsampled) for e in rest), default=MAX_INT)
        self.version += 1

    def restore(self, examples: list[Example], sizes: tuple[int, int, int, int], policy: Downsample,
                factor: int, target_length: int) -> None:
        """Take over a saved state as it is (Wekinator's `DtwData.loadFromExisting`, §4.6 step 2):
        examples with their stored downsampled copies, the stored (possibly stale) sizes
        (min raw, max raw, min downsampled, max downsampled), policy and factor; phase 0.
        Apply the saved settings afterwards, as Wekinator does (step 3)."""
        self.examples = [[] for _ in range(self.n_gestures)]
        for example in examples:
            self.check_gesture(example.gesture)
            for series in (example.raw, example.downsampled):
                if series.ndim != 2 or len(series) == 0 or series.shape[1] != self.n_inputs:
                    raise OscnetError(f"example {example.id} of gesture {example.gesture + 1} has shape "
                                      f"{series.shape}; this output has {self.n_inputs} inputs")
            self.examples[example.gesture].append(example)
        self.min_size, self.max_size, self.min_ds, self.max_ds = sizes
        self.policy = policy
        self.factor = max(int(factor), 1)
        self.target_length = max(int(target_length), 1)
        self.counter = 0
        self.next_id = max((e.id for e in examples), default=0) + 1
        self.version += 1

    # -- running -------------------------------------------------------------------------
    def keep_running_point(self) -> bool:
        """One input arrives while running: is it kept (every f-th, phase carried over)?"""
        if self.policy is Downsample.NO_DOWNSAMPLING:
            return True
        kept = self.counter == 0
        self.counter += 1
        if self.counter >= self.factor:
            self.counter = 0
        return kept

    def matching_series(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every example's series as matched (raw under NO_DOWNSAMPLING, else downsampled),
        packed for `fastdtw.match_windows`: (points (p, inputs), starts, lengths, gestures)."""
        chosen = [e.raw if self.policy is Downsample.NO_DOWNSAMPLING else e.downsampled
                  for e in self.all_examples()]
        gestures = np.array([e.gesture for e in self.all_examples()], dtype=np.int64)
        lengths = np.array([len(s) for s in chosen], dtype=np.int64)
        starts = np.zeros(len(chosen), dtype=np.int64)
        if len(chosen) > 1:
            starts[1:] = np.cumsum(lengths)[:-1]
        points = np.concatenate(chosen) if chosen else np.empty((0, self.n_inputs))
        return np.ascontiguousarray(points, dtype=np.float64), starts, lengths, gestures

    # -- helpers -------------------------------------------------------------------------
    def _set_factor_for_max_length(self) -> None:
        self.factor = max(self.max_size // self.target_length, 1)
        self._redecimate()

    def _redecimate(self) -> None:
        for example in self.all_examples():
            example.downsampled = _decimate(example.raw, self.factor)
