"""A DTW output as a live project keeps it: the matcher, its gesture names and match addresses,
saved as the output's "model" file (JSON, every example's points exactly), and shown as text.

The examples of a DTW output live here, not in examples.csv: a DTW example is a series of
input vectors, recorded between `startDtwRecording g` and `stopDtwRecording`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from oscnet.dtw.gestures import Example
from oscnet.dtw.matcher import DtwMatcher
from oscnet.dtw.settings import Downsample, DtwSettings
from oscnet.errors import OscnetError

RECIPE = "dtw"


def default_gesture_names(output_name: str, n: int) -> list[str]:
    """Wekinator's: `<output>_1` … `<output>_N`, each matched at `/<name>`."""
    return [f"{output_name}_{g}" for g in range(1, n + 1)]


@dataclass
class DtwOutput:
    """One DTW output: its matcher (examples, settings, threshold) and its names."""

    matcher: DtwMatcher
    gesture_names: list[str]
    input_names: list[str]
    class_name: str = "output"
    info: dict[str, Any] = field(default_factory=dict)
    recipe: str = RECIPE
    kind: str = "dtw"

    @classmethod
    def new(cls, name: str, gesture_names: list[str], input_names: list[str], settings: DtwSettings,
            threshold: float) -> DtwOutput:
        return cls(DtwMatcher(len(gesture_names), len(input_names), settings, threshold), list(gesture_names),
                   list(input_names), name)

    @property
    def n_examples(self) -> int:
        return self.matcher.store.n_examples

    @property
    def class_labels(self) -> list[str]:
        return self.gesture_names

    @property
    def addresses(self) -> list[str]:
        """Each gesture's match message address, as Wekinator names it: `/<gesture name>`."""
        return ["/" + name for name in self.gesture_names]

    def gesture_index(self, ref: int | float | str) -> int:
        """0-based index of a gesture given by number (1-based) or name."""
        if isinstance(ref, str) and ref in self.gesture_names:
            return self.gesture_names.index(ref)
        if isinstance(ref, (int, float)) and not isinstance(ref, bool) and float(ref).is_integer() \
                and 1 <= ref <= len(self.gesture_names):
            return int(ref) - 1
        raise OscnetError(f"there is no gesture {ref!r}: use 1..{len(self.gesture_names)} or a gesture name")

    def predict(self, raw: np.ndarray) -> np.ndarray:
        raise OscnetError("a DTW output matches a stream of inputs, not one vector: run it live")

    # --- text -------------------------------------------------------------------------------

    def text(self) -> str:
        """What `dump` shows for a DTW output: gestures, their examples and lengths, settings."""
        m = self.matcher
        lines = [f"DTW output {self.class_name}: {m.n_gestures} gestures, {m.n_inputs} inputs, "
                 f"match threshold {m.threshold:g}"]
        for g, name in enumerate(self.gesture_names):
            examples = m.store.examples[g]
            lengths = ", ".join(str(len(e.raw)) for e in examples) or "none"
            state = "" if m.active[g] else " (inactive)"
            lines.append(f"  {g + 1}. {name} → /{name}{state}: {len(examples)} examples, lengths {lengths}")
        settings = ", ".join(f"{k}={v}" for k, v in m.settings.to_dict().items())
        lines.append(f"settings: {settings}")
        if not m.mask.all():
            chosen = [n for n, on in zip(self.input_names, m.mask) if on]
            lines.append(f"inputs used: {', '.join(chosen)}")
        for problem in m.problems():
            lines.append(f"note: {problem}")
        return "\n".join(lines) + "\n"

    # --- JSON -------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Every example's raw and downsampled points and the store's bookkeeping, exactly."""
        m, store = self.matcher, self.matcher.store
        return {
            "name": self.class_name, "gesture_names": list(self.gesture_names),
            "input_names": list(self.input_names), "threshold": m.threshold,
            "settings": m.settings.to_dict(), "active": m.active.tolist(), "inputs_used": m.mask.tolist(),
            "sizes": [store.min_size, store.max_size, store.min_ds, store.max_ds],
            "policy": store.policy.value, "factor": store.factor, "target_length": store.target_length,
            "examples": [{"id": e.id, "gesture": e.gesture, "raw": e.raw.tolist(),
                          "downsampled": e.downsampled.tolist()} for e in store.all_examples()],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DtwOutput:
        names, inputs = [str(n) for n in data["gesture_names"]], [str(n) for n in data["input_names"]]
        matcher = DtwMatcher(len(names), len(inputs))
        examples = [Example(int(e["id"]), int(e["gesture"]), _points(e["raw"], len(inputs)),
                            _points(e["downsampled"], len(inputs))) for e in data["examples"]]
        sizes = tuple(int(v) for v in data["sizes"])
        matcher.store.restore(examples, (sizes[0], sizes[1], sizes[2], sizes[3]), Downsample(data["policy"]),
                              int(data["factor"]), int(data["target_length"]))
        matcher.set_settings(DtwSettings.from_dict(dict(data["settings"])))
        matcher.threshold = float(data["threshold"])
        matcher.active = np.array(data["active"], dtype=np.bool_)
        matcher.select_inputs(np.array(data["inputs_used"], dtype=np.bool_))
        return cls(matcher, names, inputs, str(data.get("name", "output")))


def _points(rows: list[list[float]], n_inputs: int) -> np.ndarray:
    points = np.array(rows, dtype=np.float64).reshape(-1, n_inputs)
    points.flags.writeable = False
    return points
