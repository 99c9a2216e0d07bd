"""A dtw output in the YAML config: `{name: output, type: dtw, gestures: 3 or [names],
threshold: 5.0, settings: {match_width: 5, ...}}` (settings as docs/specs/wekinator-dtw.md §3.1)."""

from __future__ import annotations

from typing import Any

import yaml

from oscnet.dtw.settings import DtwSettings
from oscnet.errors import OscnetError
from oscnet.project.outputs import OutputSpec

DTW_KEYS = ("name", "type", "gestures", "threshold", "settings", "inputs")


def read_dtw_output(reader: Any, spec: OutputSpec, node: yaml.Node, path: str, keys: dict[str, yaml.Node],
                inputs: list[str]) -> OutputSpec:
    """`{name: output, type: dtw, gestures: 3 or [names], threshold: 5.0, settings: {...}}`."""
    for key in keys:
        if key not in DTW_KEYS:
            raise reader.fail(keys[key], f"{path}.{key}", f"does not apply to a dtw output (it takes "
                            f"{', '.join(DTW_KEYS)})")
    if "gestures" not in keys:
        raise reader.fail(node, path, "a dtw output needs `gestures:` (a count, or a list of gesture names)")
    gestures = keys["gestures"]
    if isinstance(gestures, yaml.ScalarNode):
        count = reader.integer(gestures, f"{path}.gestures", 1, 1000)
        spec.gestures = [f"{spec.name}_{g}" for g in range(1, count + 1)]  # Wekinator's names
    else:
        spec.gestures = reader.names(gestures, f"{path}.gestures", "/")
        bad = [n for n in spec.gestures if " " in n or "/" in n]
        if bad:
            raise reader.fail(gestures, f"{path}.gestures", f"gesture names become OSC addresses (/<name>): "
                            f"no spaces or slashes, not {bad[0]!r}")
    if "threshold" in keys:
        spec.threshold = reader.number(keys["threshold"], f"{path}.threshold")
        if not spec.threshold > 0:
            raise reader.fail(keys["threshold"], f"{path}.threshold", "must be a number above 0")
    if "settings" in keys:
        settings = reader.value(keys["settings"])
        if not isinstance(settings, dict):
            raise reader.fail(keys["settings"], f"{path}.settings", "must be a mapping such as {match_width: 5}")
        try:
            DtwSettings.from_dict(settings)
        except (OscnetError, TypeError, ValueError) as exc:
            raise reader.fail(keys["settings"], f"{path}.settings", str(exc)) from None
        spec.dtw = settings
    if "inputs" in keys:
        spec.inputs = reader.input_selection(keys["inputs"], f"{path}.inputs", inputs)
    return spec
