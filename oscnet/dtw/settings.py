"""The DTW output's settings: Wekinator's `DtwSettings` (spec wekinator-dtw.md §3.1).

The enum values are Wekinator's own names, as they appear in its `model1.xml`. Every number
must be a whole number ≥ 1, which is what Wekinator's settings form accepts
(`DtwEditorPanel.validateForm`: "must be an integer > 0").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from enum import Enum
from typing import Any

from oscnet.errors import OscnetError

DEFAULT_THRESHOLD = 5.0
"""The match threshold a new Wekinator DTW model really uses (`DtwModel.java:83`); the 0.3 of
`DtwSettings.DEFAULT_MATCH_THRESHOLD` is never used (spec §1.4, §7 item 2)."""


class RunningType(str, Enum):
    """When matching happens while running."""

    LABEL_CONTINUOUSLY = "LABEL_CONTINUOUSLY"
    """Match after every kept input; a match needs a distance below the threshold."""
    LABEL_ONCE_PER_RECORD = "LABEL_ONCE_PER_RECORD"
    """Match the whole run once, when it stops; the closest gesture wins, no threshold."""


class MinimumLength(str, Enum):
    """Where the shortest candidate window length comes from (Wekinator's MinimumLengthRestriction)."""

    SET_CONSTANT = "SET_CONSTANT"
    """`min_gesture_length`."""
    SET_FROM_EXAMPLES = "SET_FROM_EXAMPLES"
    """The shortest example (its downsampled length unless NO_DOWNSAMPLING)."""


class Downsample(str, Enum):
    """How examples and the run are decimated (Wekinator's DownsamplePolicy)."""

    DOWNSAMPLE_TO_MAX_LENGTH = "DOWNSAMPLE_TO_MAX_LENGTH"
    """Factor = longest example // downsample_max_length (at least 1): the longest keeps 10-19 points."""
    DOWNSAMPLE_BY_CONSTANT_FACTOR = "DOWNSAMPLE_BY_CONSTANT_FACTOR"
    """Factor = downsample_factor."""
    NO_DOWNSAMPLING = "NO_DOWNSAMPLING"
    """Every input is kept and matched."""


_INTS = ("match_width", "min_gesture_length", "hop_size", "downsample_max_length", "downsample_factor")


@dataclass(frozen=True)
class DtwSettings:
    """One DTW output's settings; the defaults are Wekinator's (`new DtwSettings()`)."""

    match_width: int = 5
    """FastDTW's search radius (Wekinator's matchWidth)."""
    min_gesture_length: int = 5
    """Shortest candidate window under SET_CONSTANT (minAllowedGestureLength)."""
    hop_size: int = 1
    """Step between candidate window starts (hopSizeForContinuousSearch)."""
    running_type: RunningType = RunningType.LABEL_CONTINUOUSLY
    min_length_rule: MinimumLength = MinimumLength.SET_CONSTANT
    downsample: Downsample = Downsample.DOWNSAMPLE_TO_MAX_LENGTH
    downsample_max_length: int = 10
    """Target length of DOWNSAMPLE_TO_MAX_LENGTH (downsampleMaxLength)."""
    downsample_factor: int = 5
    """Factor of DOWNSAMPLE_BY_CONSTANT_FACTOR (downsampleFactor)."""

    def __post_init__(self) -> None:
        for name in _INTS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise OscnetError(f"DTW setting {name} must be a whole number ≥ 1, not {value!r}")
        for name, kind in (("running_type", RunningType), ("min_length_rule", MinimumLength),
                           ("downsample", Downsample)):
            value = getattr(self, name)
            try:
                object.__setattr__(self, name, kind(value))
            except ValueError:
                allowed = ", ".join(member.value for member in kind)
                raise OscnetError(f"DTW setting {name} must be one of {allowed}, not {value!r}") from None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: numbers and Wekinator's enum names."""
        return {key: (value.value if isinstance(value, Enum) else value) for key, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DtwSettings:
        """The inverse of `to_dict`; missing keys take the defaults, unknown keys are refused."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise OscnetError(f"unknown DTW setting(s) {', '.join(sorted(unknown))}; "
                              f"the settings are {', '.join(sorted(known))}")
        return cls(**data)
