"""Import a Wekinator DTW model: `current/models/model1.xml` (spec wekinator-dtw.md §4.4-4.6).

Unlike a supervised project's `model0.xml`, a DTW project's `model1.xml` is not a Java
serialisation stream: Wekinator writes it with `Util.writeToXMLFile`, i.e. the line
`<?xml version="1.0"?>` and then XStream's plain-text XML dump of the whole `DtwModel`. So the
input here is that text as it is in the file.

XStream rules the reader follows:
* fields are child elements named after the Java fields; `null` fields are left out;
* an object met a second time is written as an empty element with `reference="PATH"`, PATH
  being XPath-like and relative to that element (`..` = parent, `name[k]` = k-th child of that
  name, 1-based, `[1]` omitted). Examples appear again in `examplesForIds` and
  `examplesInOrder`; under NO_DOWNSAMPLING an example's downsampled series reuses the raw
  series' point objects. References are resolved wherever they occur.
* a TimeSeries is `labels`, `timeReadings` and `tsArray` (points, each `measurements`
  doubles and a cosmetic `hashCode`); doubles are Java `Double.toString` text.

What Wekinator does on load (§4.6), and `matcher_from_model` does too: a fresh model with
default settings takes over the saved examples (raw and stored downsampled copies), sizes,
downsampling policy and factor, then applies the saved settings, which re-decimates and
recomputes the downsampled sizes except under NO_DOWNSAMPLING; the running phase restarts at 0,
the current match is none. Gesture names and match addresses in use are those of
`outputConfig.xml` (`parse_output_config`); `model1.xml` has a copy in `myOutput`.
The GUI data viewer, if it was saved (§7 item 18), is ignored.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from oscnet.dtw.gestures import Example
from oscnet.dtw.matcher import DtwMatcher
from oscnet.dtw.settings import Downsample, DtwSettings
from oscnet.errors import OscnetError

_EXAMPLE = "wekimini.learning.dtw.DtwExample"
_DTW_OUTPUT = "wekimini.osc.OSCDtwOutput"


@dataclass
class WekinatorDtwModel:
    """Everything a DTW `model1.xml` holds that matters to oscnet."""

    n_gestures: int
    n_inputs: int
    settings: DtwSettings
    threshold: float
    gesture_names: list[str]
    """From the model's copy of the output (`myOutput`); outputConfig.xml's are the ones used."""
    gesture_addresses: list[str]
    active: list[bool]
    selected_inputs: list[bool]
    examples: list[Example]
    """Gesture by gesture, each gesture's in recording order; raw and downsampled as saved."""
    sizes: tuple[int, int, int, int]
    """(min raw, max raw, min downsampled, max downsampled) length, as saved (possibly stale)."""
    downsample_policy: Downsample
    downsample_factor: int
    downsample_to_length: int
    model_name: str
    max_distance: float
    """GUI only (§3.8)."""


@dataclass
class WekinatorDtwOutput:
    """The DTW output of `outputConfig.xml` (§4.3) and where distances are sent."""

    name: str
    gesture_names: list[str]
    gesture_addresses: list[str]
    distances_address: str
    host: str
    port: int


class _Reader:
    """Reads elements, following XStream references."""

    def __init__(self, text: str) -> None:
        try:
            self.root = ET.fromstring(text)
        except ET.ParseError as e:
            raise OscnetError(f"model1.xml is not readable XML ({e}); is it a Wekinator DTW model file?") from None
        self.parent = {child: parent for parent in self.root.iter() for child in parent}

    def deref(self, elem: ET.Element) -> ET.Element:
        path = elem.get("reference")
        if path is None:
            return elem
        node = self.root if path.startswith("/") else elem
        for step in path.strip("/").split("/") if path.startswith("/") else path.split("/"):
            if step == "..":
                node = self.parent[node]
            elif step not in ("", "."):
                name, index = re.fullmatch(r"(.+?)(?:\[(\d+)\])?", step).groups()  # type: ignore[union-attr]
                matching = [child for child in node if child.tag == name]
                if len(matching) < int(index or 1):
                    raise OscnetError(f"model1.xml has a broken reference {path!r}")
                node = matching[int(index or 1) - 1]
        return self.deref(node)

    def child(self, elem: ET.Element, name: str) -> ET.Element:
        found = elem.find(name)
        if found is None:
            raise OscnetError(f"model1.xml: <{elem.tag}> has no <{name}>; is this a Wekinator DTW model?")
        return self.deref(found)

    def text(self, elem: ET.Element, name: str, default: str | None = None) -> str:
        found = elem.find(name)
        if found is None or found.text is None:
            if default is not None:
                return default
            raise OscnetError(f"model1.xml: <{elem.tag}> has no <{name}> value")
        return found.text.strip()

    def int(self, elem: ET.Element, name: str) -> int:
        try:
            return int(self.text(elem, name))
        except ValueError:
            raise OscnetError(f"model1.xml: <{name}> is not a whole number") from None

    def items(self, elem: ET.Element, name: str) -> list[str]:
        return [(item.text or "").strip() for item in self.child(elem, name)]

    def series(self, elem: ET.Element) -> np.ndarray:
        """A FastDTW TimeSeries element → (points, inputs) float64."""
        points = [[float(v.text or "") for v in self.child(self.deref(p), "measurements")]
                  for p in self.child(elem, "tsArray")]
        if not points or len({len(p) for p in points}) != 1:
            raise OscnetError("model1.xml: a time series is empty or its points differ in size")
        return np.array(points, dtype=np.float64)


def parse_model_xml(text: str | bytes) -> WekinatorDtwModel:
    """Read the text of a DTW project's `current/models/model1.xml`."""
    if isinstance(text, bytes):
        if text[:2] == b"\xac\xed":
            raise OscnetError("this model file is a Java serialisation stream (a supervised model?), "
                              "not a DTW model1.xml")
        text = text.decode("utf-8")
    r = _Reader(text)
    root = r.root
    if root.tag != "DtwModel":
        raise OscnetError(f"model1.xml starts with <{root.tag}>, not <DtwModel>: not a Wekinator DTW model")
    data = r.child(root, "data")
    n_gestures = r.int(root, "numGestures")
    n_inputs = r.int(data, "numInputs")
    lists = list(r.child(data, "allExamples"))
    if len(lists) != n_gestures:
        raise OscnetError(f"model1.xml lists examples for {len(lists)} gestures but has {n_gestures}")
    examples = []
    for gesture, listed in enumerate(lists):
        for elem in r.deref(listed):
            ex = r.deref(elem)
            raw, downsampled = r.series(r.child(ex, "timeSeries")), r.series(r.child(ex, "downsampledTimeSeries"))
            if r.int(ex, "gestureClass") != gesture:
                raise OscnetError(f"model1.xml: example {r.text(ex, 'id')} is listed under gesture "
                                  f"{gesture + 1} but says gesture {r.int(ex, 'gestureClass') + 1}")
            for series in (raw, downsampled):
                if series.shape[1] != n_inputs:
                    raise OscnetError(f"model1.xml: example {r.text(ex, 'id')} has {series.shape[1]} "
                                      f"inputs, the project {n_inputs}")
                series.flags.writeable = False
            examples.append(Example(r.int(ex, "id"), gesture, raw, downsampled))
    s = r.child(root, "settings")
    # DtwSettings turns Wekinator's enum names into its enums and refuses unknown ones.
    settings = DtwSettings(
        match_width=r.int(s, "matchWidth"), min_gesture_length=r.int(s, "minAllowedGestureLength"),
        hop_size=r.int(s, "hopSizeForContinuousSearch"), running_type=r.text(s, "runningType"),  # type: ignore[arg-type]
        min_length_rule=r.text(s, "minimumLengthRestriction"),  # type: ignore[arg-type]
        downsample=r.text(s, "downsamplePolicy"),  # type: ignore[arg-type]
        downsample_max_length=r.int(s, "downsampleMaxLength"), downsample_factor=r.int(s, "downsampleFactor"))
    policy = r.text(data, "downsamplePolicy")
    if policy not in Downsample.__members__:
        raise OscnetError(f"model1.xml: unknown downsample policy {policy!r}")
    output = r.child(root, "myOutput")
    active = [v == "true" for v in r.items(root, "isGestureActive")]
    selected = [v == "true" for v in r.items(root, "selectedInputs")]
    if len(active) != n_gestures or len(selected) != n_inputs:
        raise OscnetError(f"model1.xml: {len(active)} gesture flags for {n_gestures} gestures, "
                          f"{len(selected)} input flags for {n_inputs} inputs")
    return WekinatorDtwModel(
        n_gestures=n_gestures, n_inputs=n_inputs, settings=settings,
        threshold=float(r.text(root, "matchThreshold", "5.0")),
        gesture_names=r.items(output, "gestureNames"), gesture_addresses=r.items(output, "gestureOscMessages"),
        active=active, selected_inputs=selected, examples=examples,
        sizes=(r.int(data, "minSizeInExamples"), r.int(data, "maxSizeInExamples"),
               r.int(data, "minSizeInDownsampledExamples"), r.int(data, "maxSizeInDownsampledExamples")),
        downsample_policy=Downsample(policy),
        downsample_factor=r.int(data, "downsampleFactor"), downsample_to_length=r.int(data, "downsampleToLength"),
        model_name=r.text(root, "modelName", ""), max_distance=float(r.text(root, "maxDistance", "0.0")))


def read_model_file(path: str | Path) -> WekinatorDtwModel:
    """Read `<project>/current/models/model1.xml`."""
    try:
        return parse_model_xml(Path(path).read_bytes())
    except OSError as e:
        raise OscnetError(f"cannot read the DTW model {path}: {e.strerror}") from None


def parse_output_config(text: str) -> WekinatorDtwOutput:
    """The DTW output of a project's `outputConfig.xml` (§4.3)."""
    r = _Reader(text)
    outputs = r.root.find("outputs")
    found = [] if outputs is None else [o for o in outputs if o.tag == _DTW_OUTPUT]
    if not found:
        raise OscnetError("outputConfig.xml has no DTW output (wekimini.osc.OSCDtwOutput)")
    out = found[0]
    return WekinatorDtwOutput(
        name=r.text(out, "name"), gesture_names=r.items(out, "gestureNames"),
        gesture_addresses=r.items(out, "gestureOscMessages"),
        distances_address=r.text(r.root, "oscMessage", "/wek/outputs"),
        host=r.text(r.root, "hostName", "localhost"), port=int(r.text(r.root, "outputPort", "12000")))


def matcher_from_model(model: WekinatorDtwModel) -> DtwMatcher:
    """A matcher in the state Wekinator reaches when it opens the project (§4.6)."""
    matcher = DtwMatcher(model.n_gestures, model.n_inputs)
    examples = [Example(e.id, e.gesture, e.raw, e.downsampled) for e in model.examples]  # the store re-decimates
    matcher.store.restore(examples, model.sizes, model.downsample_policy, model.downsample_factor,
                          model.downsample_to_length)
    matcher.set_settings(model.settings)
    matcher.threshold = model.threshold
    matcher.active = np.array(model.active, dtype=np.bool_)
    matcher.select_inputs(model.selected_inputs)
    return matcher
